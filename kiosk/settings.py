"""Which value of each setting the server may push is in force on this kiosk, and where it
comes from: the server's device config, the kiosk's own config file (kiosk.toml), or the
built-in default. The kiosk applies exactly what in_force() says (services.py, roster.py), and
the technician menu and `kiosk-setup doctor` show it, so what is shown is what runs.

An unset value stays unset: the server sends only what its admin (or its org model) set, and a
value it sends that the kiosk cannot use (a timeout out of range, a bad reason code) is
ignored here like an unset one, never half-applied.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sync.wire.business import TRIGGERS
from sync.wire.labels import N_

SERVER, FILE, ROSTER, DEFAULT = "server", "file", "roster", "default"
REASON_CODE = re.compile(r"[a-z0-9_]{1,32}\Z")
URL = re.compile(r"https?://[^\s/]+")


@dataclass(frozen=True)
class Pushable:
    """A device-config field and the kiosk.toml key that stands in for it."""

    key: str
    section: str
    option: str
    label: str  # English msgid


PUSHABLE = (
    Pushable("hall_name", "window", "hall_name", N_("Hall name")),
    Pushable("window_name", "window", "name", N_("Window name")),
    Pushable("reasons", "rating", "reasons", N_("Bad-review reasons")),
    Pushable("rating_timeout_s", "rating", "timeout_s", N_("Rating timeout")),
    Pushable("qr_base_url", "ui", "qr_base_url", N_("QR base URL")),
    Pushable("rating_trigger", "rating", "trigger", N_("Rating trigger")),
    # What commercial evaluators show (issue 26 item 8).
    Pushable("supervision", "ui", "supervision", N_("Supervision line")),
    Pushable("logo_url", "ui", "logo_file", N_("Hall logo")),
    Pushable("qr_keep", "ui", "qr_keep", N_("QR code stays until the next call")),
)
TRIGGER_LABELS = {"queue": N_("queue system"), "business": N_("business system"),
                  "both": N_("queue system or business system, one rating a visit")}
STAFF_LABEL = N_("Staff roster")


def _name(v) -> bool:
    return isinstance(v, str) and v.strip() != ""


CHECKS = {
    "hall_name": _name,
    "window_name": _name,
    "qr_base_url": lambda v: isinstance(v, str) and URL.match(v) is not None,
    "reasons": lambda v: isinstance(v, list) and 0 < len(v) <= 12 and all(
        isinstance(c, str) and REASON_CODE.match(c) for c in v),
    "rating_timeout_s": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    and 5 <= v <= 600,
    "staff": lambda v: isinstance(v, list),
    "rating_trigger": lambda v: v in TRIGGERS,
    "supervision": lambda v: _name(v) and len(v) <= 60,
    "logo_url": lambda v: isinstance(v, str) and (URL.match(v) is not None
                                                  or (v.startswith("/") and " " not in v)),
    "qr_keep": lambda v: isinstance(v, bool),
}


def server_value(pushed: dict | None, key: str):
    """The server's value for `key` when it sent one the kiosk can use, else None."""
    if not isinstance(pushed, dict):
        return None
    value = pushed.get(key)
    return value if value is not None and CHECKS[key](value) else None


@dataclass(frozen=True)
class Setting:
    key: str
    label: str   # English msgid
    value: object
    origin: str  # SERVER, FILE, ROSTER or DEFAULT


def in_force(cfg, pushed: dict | None, site=None) -> list[Setting]:
    """Each pushable setting with the value in force and its origin. site: the kiosk's
    roster.Site, for the staff roster (left out when None)."""
    out = []
    for p in PUSHABLE:
        value = server_value(pushed, p.key)
        if value is not None:
            origin = SERVER
        else:
            value = getattr(getattr(cfg, p.section), p.option)
            origin = FILE if (p.section, p.option) in cfg.given else DEFAULT
        out.append(Setting(p.key, p.label, value, origin))
    if site is not None:
        origin = {"server": SERVER, "file": ROSTER}.get(site.source, DEFAULT)
        if not site.staff:
            origin = DEFAULT
        out.append(Setting("staff", STAFF_LABEL, len(site.staff), origin))
    return out


def value_text(setting: Setting) -> str:
    from kiosk.i18n import _

    v = setting.value
    if setting.key == "rating_timeout_s":
        return _("{n} s").format(n=f"{v:g}")
    if setting.key == "reasons":
        from kiosk.i18n import reason_label

        return _(", ").join(reason_label(code) for code in v)
    if setting.key == "rating_trigger":
        return _(TRIGGER_LABELS[v])
    if setting.key == "qr_keep":
        return _("yes") if v else _("no")
    if setting.key == "staff":
        return _("{count} on the roster").format(count=v) if v else _("none")
    return str(v) if v else _("(not set)")


def origin_text(setting: Setting, cfg) -> str:
    from kiosk.i18n import _

    if setting.origin == SERVER:
        return _("server device config")
    if setting.origin == FILE:
        return Path(cfg.path).name if cfg.path else "kiosk.toml"
    if setting.origin == ROSTER:
        return Path(cfg.ui.roster_file or Path(cfg.device.data_dir) / "roster.json").name
    return _("built-in default")


def lines(cfg, pushed: dict | None, site=None) -> list[tuple[str, str]]:
    """(label, "value  (origin)") rows, translated, for the menu and doctor."""
    from kiosk.i18n import _

    return [(_(s.label), _("{value}  ({origin})").format(value=value_text(s),
                                                         origin=origin_text(s, cfg)))
            for s in in_force(cfg, pushed, site)]
