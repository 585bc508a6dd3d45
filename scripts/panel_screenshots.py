#!/usr/bin/env python3
"""Every face of the kiosk as each supported panel shows it: 800x480, 1024x600, 1280x800 and
480x800, each at [panel] rotation 0 and 90 (mounted a quarter turn clockwise). For each, a real
`kiosk run` full screen on its own Xvfb of that size, driven by a queue system on loopback and
by X pointer presses where the buttons are seen: idle, rating (five levels), the 差评 reasons,
thank you, and the technician menu (the held top-left corner gesture, turned with the panel).

    .venv/bin/python scripts/panel_screenshots.py [--out DIR] [--only 1280x800] [--upright]

PNGs are the screen as the panel's own pixels (a rotation-90 picture lies on its side);
--upright also writes each turned as the panel is mounted, to read it as a citizen would.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.ui.debounce import LONG_PRESS_S  # noqa: E402
from tests.helpers.panel_kiosk import (  # noqa: E402
    NAVY,
    PANEL_SIZES,
    PanelKiosk,
    level_box,
)

ROTATIONS = (0, 90)


def corner(size: tuple[int, int], rotation: int) -> tuple[int, int]:
    """The screen point of the picture's top-left corner, a little inside it."""
    w, h = size
    return {0: (w // 30, h // 30), 90: (w // 30, h - h // 30),
            180: (w - w // 30, h - h // 30), 270: (w - w // 30, h // 30)}[rotation]


def shoot(kiosk: PanelKiosk, out: Path, name: str, upright: bool) -> None:
    image = kiosk.grab()
    image.save(out / f"{name}.png")
    if upright and kiosk.rotation:
        image.rotate(-kiosk.rotation, expand=True).save(out / f"{name}_upright.png")
    print(out / f"{name}.png")


def one_panel(size_name: str, rotation: int, out: Path, upright: bool) -> None:
    size = PANEL_SIZES[size_name]
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        kiosk = PanelKiosk(Path(tmp), size, rotation, thanks_s=2).start()
        tag = f"{size_name}_r{rotation}"
        try:
            shoot(kiosk, out, f"{tag}_idle", upright)
            kiosk.send("CALL,5,A001")
            kiosk.send("DONE,5,A001")
            kiosk.to_screen("rating")
            shoot(kiosk, out, f"{tag}_rating", upright)
            left, top, right, bottom = level_box(kiosk.grab(), 1)
            kiosk.screen.tap((left + right) // 2, (top + bottom) // 2)  # 非常不满意
            kiosk.to_screen("reasons")
            shoot(kiosk, out, f"{tag}_reasons", upright)
            kiosk.tap_button(NAVY)  # 提交
            kiosk.to_screen("thanks")
            shoot(kiosk, out, f"{tag}_thanks", upright)
            kiosk.to_screen("idle")  # the thanks' time is up; then the technician's gesture
            kiosk.screen.tap(*corner(size, rotation), hold_s=LONG_PRESS_S + 0.4)
            time.sleep(1.0)
            shoot(kiosk, out, f"{tag}_tech", upright)
            assert kiosk.rated() == ["RATED,5,A001,1"], kiosk.rated()
        finally:
            kiosk.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "screenshots" / "panels")
    parser.add_argument("--only", choices=list(PANEL_SIZES), action="append")
    parser.add_argument("--upright", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for size_name in args.only or list(PANEL_SIZES):
        for rotation in ROTATIONS:
            one_panel(size_name, rotation, args.out, args.upright)


if __name__ == "__main__":
    main()
