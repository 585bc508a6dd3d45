"""Issue 26: the pictures the four panels show at rotation 0 and 90 are 800x480, 1024x600,
1280x800 and 480x800 and, turned, 480x800, 600x1024, 800x1280 and 800x480. test_fit.py walks
every face (idle, rating, 差评 reasons, thanks, notice, paused, technician menu, sign-in) at the
landscape ones; here the same walk, with its clipping checks (no label cut, shortened, off the
window or over another), runs at the portrait pictures the panels add. Kivy's rotation turns the
finished picture and touches only (test_panel.py shows that on a real X screen), so a picture's
layout is the same whichever way the panel is mounted."""
from __future__ import annotations

import pytest

from tests.kiosk.conftest import SIZES
from tests.kiosk.ui import test_fit

PORTRAITS = {"p480x800": (480, 800), "p600x1024": (600, 1024), "p800x1280": (800, 1280)}


@pytest.mark.parametrize("size", list(PORTRAITS))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_face_fits_the_turned_panels(kiosk_app, tap, screenshot, pin_hash, monkeypatch,
                                           size, language):
    monkeypatch.setitem(SIZES, size, PORTRAITS[size])
    test_fit.test_every_screen_fits_with_the_longest_names(
        kiosk_app, tap, screenshot, pin_hash, size, language)


pin_hash = test_fit.pin_hash
