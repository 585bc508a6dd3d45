"""One touch, one press: the Kivy input providers the kiosk keeps.

SDL (Kivy's window, under KMS/DRM, X11 or Wayland) already turns each touch on the panel into
mouse events, which Kivy's `mouse` provider makes a touch. Kivy's default Linux config also
starts `probesysfs` (on a Raspberry Pi with provider=hidinput), which reads the same panel
from /dev/input again: every tap arrives twice, a double tap on a Pi. Those providers are
dropped here, before the window exists; the stored ~/.kivy/config.ini (KIVY_HOME) keeps them,
so this runs at every start.
"""
from __future__ import annotations

READS_DEVICES = ("probesysfs", "hidinput", "mtdev", "linuxwacom")


def keep_one_touch_source(kivy_config) -> list[str]:
    """Remove the [input] providers that read /dev/input themselves; their keys, removed."""
    removed = []
    for key in list(kivy_config.options("input")):
        provider = kivy_config.get("input", key, raw=True).split(",")[0].strip()
        if provider in READS_DEVICES:
            kivy_config.remove_option("input", key)
            removed.append(key)
    return removed
