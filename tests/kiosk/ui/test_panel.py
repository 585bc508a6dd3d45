"""Issue 26 items 1 and 2: `kiosk run` full screen on an X server without a window manager
(Xvfb) takes the display's real size at 800x480, 1024x600, 1280x800 and 480x800, and
[panel] rotation 90 turns the picture and the touches alike. Each case is a real kiosk process
on its own Xvfb of that size with a queue system on loopback: the queue system calls and ends
a ticket, the five level buttons must all lie inside the screen, a real X pointer press on
非常不满意 where it is seen opens the 差评 reasons, 提交 sends RATED level 1 to the queue
system. The faces are saved under tests/screenshots/test_panel/ (scripts/panel_screenshots.py
writes the same set plus the technician menu)."""
from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.helpers.panel_kiosk import LEVEL_RGB, NAVY, PANEL_SIZES, PanelKiosk, level_box
from tests.kiosk.conftest import SCREENSHOTS

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
PAPER = (245, 247, 250)  # kiosk/ui/widgets.py PAPER: the kiosk's background


def near(rgb, want, tolerance=8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, want))


def faces_in_order(boxes: dict, size, rotation: int) -> None:
    """非常满意 .. 非常不满意 run the way the picture reads on a panel mounted that way."""
    lefts = [boxes[level][0] for level in (5, 4, 3, 2, 1)]
    tops = [boxes[level][1] for level in (5, 4, 3, 2, 1)]
    portrait = (size[1] > size[0]) != (rotation in (90, 270))
    if rotation == 0:  # upright: left to right, or top to bottom in portrait
        assert (tops if portrait else lefts) == sorted(tops if portrait else lefts), boxes
    else:  # mounted a quarter turn clockwise (90): the screen's left edge is the picture's
        # top, its bottom edge the picture's left; counter-clockwise (270) the other way round
        runs = lefts if portrait else tops
        assert runs == sorted(runs, reverse=(not portrait) == (rotation == 90)), boxes


CASES = [(name, rotation) for name in PANEL_SIZES for rotation in (0, 90)] + [("800x480", 270)]


@pytest.mark.parametrize(("name", "rotation"), CASES)
def test_full_screen_fills_the_panel_and_a_rotated_touch_rates(tmp_path, name, rotation):
    size = PANEL_SIZES[name]
    folder = SCREENSHOTS / "test_panel"
    folder.mkdir(parents=True, exist_ok=True)
    kiosk = PanelKiosk(tmp_path, size, rotation).start()
    try:
        w, h = size
        picture = (h, w) if rotation in (90, 270) else (w, h)
        assert (f"panel: screen {w}x{h} (x11), window {w}x{h}, rotation {rotation}, "
                f"picture {picture[0]}x{picture[1]}") in kiosk.text()
        noted = json.loads((tmp_path / "kiosk" / "panel.json").read_text())  # for doctor
        assert noted == {"screen": {"driver": "x11", "width": w, "height": h},
                         "window": [w, h], "rotation": rotation}
        idle = kiosk.grab()
        idle.save(folder / f"{name}_r{rotation}_idle.png")
        for corner in ((1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2)):
            # Xvfb's root window is black: the kiosk's picture reaches every corner
            assert idle.getpixel(corner) != (0, 0, 0), corner

        kiosk.send("CALL,5,A001")
        kiosk.send("DONE,5,A001")
        kiosk.to_screen("rating")
        rating = kiosk.grab()
        rating.save(folder / f"{name}_r{rotation}_rating.png")
        boxes = {level: level_box(rating, level) for level in LEVEL_RGB}
        for level, box in boxes.items():
            assert box is not None, f"level {level} is not on the screen"
            left, top, right, bottom = box
            assert left > 0 and top > 0 and right < w - 1 and bottom < h - 1, (level, box)
            assert min(right - left, bottom - top) > min(w, h) * 0.12, (level, box)
        faces_in_order(boxes, size, rotation)

        left, top, right, bottom = boxes[1]
        kiosk.screen.tap((left + right) // 2, (top + bottom) // 2)  # 非常不满意, as seen
        kiosk.to_screen("reasons")
        kiosk.grab().save(folder / f"{name}_r{rotation}_reasons.png")
        kiosk.tap_button(NAVY)  # 提交
        kiosk.to_screen("thanks")
        thanks = kiosk.grab()
        thanks.save(folder / f"{name}_r{rotation}_thanks.png")
        deadline = time.monotonic() + 10
        while kiosk.rated() != ["RATED,5,A001,1"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kiosk.rated() == ["RATED,5,A001,1"]
    finally:
        kiosk.stop()
