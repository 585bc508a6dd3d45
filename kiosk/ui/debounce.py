"""Ghost presses and the hidden technician gesture, as plain Python with an injectable clock.

A resistive or cheap capacitive panel, a trembling finger or a double tap turn one press into
several. The kiosk counts them once: a tap is dropped when it comes within `window_s` of the
last tap that counted and either lands near the same place (a repeat) or lands on a different
screen than that tap did (the first tap opened this screen; the second is the same finger).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

LONG_PRESS_S = 3.0      # the technician gesture: hold this long ...
CORNER_FRACTION = 0.12  # ... inside this fraction of the screen's width and height, top left


@dataclass(frozen=True)
class _Tap:
    x: float
    y: float
    screen: str
    at: float


class Debouncer:
    """accept(x, y, screen) -> False for a ghost press; radius in window pixels."""

    def __init__(self, window_s: float = 0.8, radius: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.radius = radius
        self.clock = clock
        self.last: _Tap | None = None
        self.dropped = 0

    def accept(self, x: float, y: float, screen: str) -> bool:
        now = self.clock()
        last = self.last
        if last is not None and now - last.at < self.window_s:
            near = math.hypot(x - last.x, y - last.y) <= self.radius
            if near or screen != last.screen:
                self.dropped += 1
                log.info("ghost press at (%.0f, %.0f) on %s %.2f s after the last tap: ignored",
                         x, y, screen, now - last.at)
                return False
        self.last = _Tap(x, y, screen, now)
        return True


class LongPress:
    """The technician gesture: a touch held LONG_PRESS_S in the top-left corner, then lifted."""

    def __init__(self, hold_s: float = LONG_PRESS_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.hold_s = hold_s
        self.clock = clock
        self._down: tuple[object, float] | None = None

    @staticmethod
    def in_corner(x: float, y: float, width: float, height: float) -> bool:
        """Top left in Kivy's coordinates (y grows upwards)."""
        return x <= width * CORNER_FRACTION and y >= height * (1 - CORNER_FRACTION)

    def down(self, touch_id: object, x: float, y: float, width: float, height: float) -> bool:
        """A touch went down; True when it starts the gesture (the caller swallows it)."""
        if self.in_corner(x, y, width, height):
            self._down = (touch_id, self.clock())
            return True
        self._down = None
        return False

    def up(self, touch_id: object) -> bool:
        """The touch lifted; True when it was held long enough in the corner."""
        down, self._down = self._down, None
        return down is not None and down[0] == touch_id and self.clock() - down[1] >= self.hold_s
