"""The base of every kiosk screen: render a FlowState, show the countdown."""
from __future__ import annotations

import math

from kivy.properties import NumericProperty
from kivy.uix.screenmanager import Screen

from kiosk.flow import FlowState
from kiosk.i18n import _


class KioskScreen(Screen):
    fraction = NumericProperty(0.0)  # of the screen's time left, for the countdown bar
    total_s = NumericProperty(0.0)

    def render(self, state: FlowState) -> None:
        """Draw the parts of `state` this screen shows."""

    def countdown(self, remaining: float | None) -> None:
        """Show the seconds left before the screen times out."""
        if "countdown" in self.ids:
            self.ids.countdown.text = ("" if remaining is None
                                       else _("{seconds} s").format(seconds=math.ceil(remaining)))
        self.fraction = (0.0 if remaining is None or not self.total_s
                         else max(0.0, min(1.0, remaining / self.total_s)))
