"""Ghost presses and the technician gesture, with injected time."""
from __future__ import annotations

from kiosk.ui.debounce import Debouncer, LongPress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_repeat_at_the_same_place_within_the_window_counts_once():
    t = Clock()
    d = Debouncer(0.8, radius=60, clock=t)
    assert d.accept(100, 100, "rating")
    t.now += 0.1
    assert not d.accept(105, 98, "rating")   # bounce
    t.now += 0.5
    assert not d.accept(100, 100, "rating")  # still within 0.8 s of the tap that counted
    t.now += 0.3
    assert d.accept(100, 100, "rating")      # 0.9 s later: a new, deliberate tap
    assert d.dropped == 2


def test_tap_landing_on_the_screen_the_last_tap_opened_is_dropped():
    t = Clock()
    d = Debouncer(0.8, radius=60, clock=t)
    assert d.accept(300, 200, "rating")      # level 2 -> reasons screen
    t.now += 0.2
    assert not d.accept(500, 300, "reasons")  # same finger, elsewhere on the new screen
    t.now += 0.7
    assert d.accept(500, 300, "reasons")


def test_two_places_on_one_screen_are_two_taps():
    t = Clock()
    d = Debouncer(0.8, radius=60, clock=t)
    assert d.accept(100, 100, "reasons")
    t.now += 0.2
    assert d.accept(400, 100, "reasons")     # a second reason ticked quickly


def test_zero_window_turns_the_filter_off():
    t = Clock()
    d = Debouncer(0.0, clock=t)
    assert d.accept(1, 1, "a") and d.accept(1, 1, "b")


def test_long_press_in_the_top_left_corner_only():
    t = Clock()
    lp = LongPress(3.0, clock=t)
    assert lp.down(1, 10, 470, 800, 480)
    t.now += 2.9
    assert not lp.up(1)                      # too short
    assert lp.down(2, 10, 470, 800, 480)
    t.now += 3.0
    assert lp.up(2)
    assert not lp.down(3, 400, 470, 800, 480)  # not the corner
    t.now += 5
    assert not lp.up(3)
    assert not lp.down(4, 10, 10, 800, 480)    # bottom left is not top left
