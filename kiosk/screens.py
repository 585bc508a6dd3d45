"""Kivy screens that draw a FlowState and forward taps to the Flow; no decisions made here."""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from drivers.events import LinkState

from .flow import FlowState, Mode
from .i18n import _, level_label, reason_label

log = logging.getLogger(__name__)

KV_FILE = Path(__file__).resolve().parent.parent / "assets" / "kv" / "kiosk.kv"

LEVEL_COLORS = {  # 非常满意 → 非常不满意: greens, amber, orange, red
    5: (0.11, 0.56, 0.24, 1), 4: (0.30, 0.69, 0.31, 1), 3: (0.90, 0.63, 0.05, 1),
    2: (0.93, 0.42, 0.0, 1), 1: (0.78, 0.16, 0.16, 1),
}
LINK_COLORS = {
    LinkState.CONNECTED: (0.30, 0.85, 0.40, 1), LinkState.CONNECTING: (1.0, 0.76, 0.03, 1),
    LinkState.DISCONNECTED: (0.96, 0.26, 0.21, 1), LinkState.CLOSED: (0.62, 0.62, 0.62, 1),
}
LINK_TEXT = {
    LinkState.CONNECTED: "Connected", LinkState.CONNECTING: "Connecting",
    LinkState.DISCONNECTED: "Disconnected", LinkState.CLOSED: "No queue system",
}
_loaded = False


def load_kv() -> None:
    """Load assets/kv/kiosk.kv once per process (rules apply to widgets made afterwards)."""
    global _loaded
    if not _loaded:
        Builder.load_file(str(KV_FILE))
        _loaded = True


class LevelButton(ButtonBehavior, Label):
    """One big coloured rating button; `name` is level_N for tests and tools."""

    level = NumericProperty(0)
    name = StringProperty("")
    fill = ListProperty([0.5, 0.5, 0.5, 1])


class FlatButton(ButtonBehavior, Label):
    """A flat rounded button (submit, skip, next)."""

    fill = ListProperty([0.08, 0.40, 0.75, 1])


class ReasonToggle(ToggleButtonBehavior, Label):
    """A reason the citizen can tick; several may be down at once."""

    code = StringProperty("")


class KioskScreen(Screen):
    def render(self, state: FlowState) -> None:
        """Draw the parts of `state` this screen shows."""

    def countdown(self, remaining: float | None) -> None:
        """Show the seconds left before the screen times out."""
        if "countdown" in self.ids:
            self.ids.countdown.text = ("" if remaining is None
                                       else _("{seconds} s").format(seconds=math.ceil(remaining)))


class IdleScreen(KioskScreen):
    hall_name = StringProperty("")
    window_name = StringProperty("")
    paused = BooleanProperty(False)
    link_color = ListProperty(LINK_COLORS[LinkState.CLOSED])

    def render(self, state: FlowState) -> None:
        ids = self.ids
        ids.window_label.text = _("Window {number}").format(number=state.window)
        ids.staff_label.text = (_("Staff No. {staff_id}").format(staff_id=state.staff_id)
                                if state.staff_id else _("Not logged in"))
        ids.calling_label.text = (
            _("Number {ticket}, please come to window {window}").format(
                ticket=state.calling, window=state.window) if state.calling else _("Welcome"))
        self.paused = state.paused
        self.link_color = LINK_COLORS[state.link]
        ids.link_label.text = _(LINK_TEXT[state.link])

    def show_time(self, now: time.struct_time) -> None:
        self.ids.clock_label.text = time.strftime("%Y-%m-%d  %H:%M", now)


class RatingScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        for level in range(1, 6):
            button = self.ids[f"level_{level}"]
            button.text = level_label(level)
            button.fill = LEVEL_COLORS[level]

    def render(self, state: FlowState) -> None:
        ticket = state.case.ticket if state.case else ""
        self.ids.ticket_label.text = _("Number {ticket}").format(ticket=ticket) if ticket else ""

    def tap(self, level: int) -> None:
        self.manager.flow.tap_level(level)


class ReasonsScreen(KioskScreen):
    toggles: dict[str, ReasonToggle]

    def build_toggles(self, codes: tuple[str, ...]) -> None:
        """Fresh, all-up toggles for the configured reason codes."""
        grid = self.ids.reason_grid
        grid.clear_widgets()
        self.toggles = {}
        for code in codes:
            toggle = ReasonToggle(code=code, text=reason_label(code))
            self.toggles[code] = toggle
            grid.add_widget(toggle)

    def render(self, state: FlowState) -> None:
        level = state.case.level if state.case and state.case.level else None
        self.ids.level_label.text = level_label(level) if level else ""

    def chosen(self) -> list[str]:
        return [code for code, t in self.toggles.items() if t.state == "down"]

    def submit(self) -> None:
        self.manager.flow.submit_reasons(self.chosen())

    def skip(self) -> None:
        self.manager.flow.submit_reasons([])


class ThanksScreen(KioskScreen):
    def render(self, state: FlowState) -> None:
        level = (state.last_rating or {}).get("level")
        self.ids.rated_label.text = (_("Your rating: {level}").format(level=level_label(level))
                                     if level else "")


class KioskRoot(ScreenManager):
    """The four screens; `render(state)` shows the one the flow's mode asks for."""

    flow = ObjectProperty(None, allownone=True)

    def __init__(self, flow, hall_name: str = "", window_name: str = "", **kw) -> None:
        super().__init__(transition=NoTransition(), **kw)
        self.flow = flow
        self.idle = IdleScreen(name=Mode.IDLE.value, hall_name=hall_name, window_name=window_name)
        self.rating = RatingScreen(name=Mode.RATING.value)
        self.reasons = ReasonsScreen(name=Mode.REASONS.value)
        self.thanks = ThanksScreen(name=Mode.THANKS.value)
        for screen in (self.idle, self.rating, self.reasons, self.thanks):
            self.add_widget(screen)
        self.reasons.build_toggles(flow.state.reasons)
        self._mode = flow.state.mode
        self.render(flow.state)

    def render(self, state: FlowState) -> None:
        if state.mode is Mode.REASONS and self._mode is not Mode.REASONS:
            self.reasons.build_toggles(state.reasons)
        self._mode = state.mode
        for screen in self.screens:
            screen.render(state)
        if self.current != state.mode.value:
            log.info("screen %s -> %s", self.current, state.mode.value)
            self.current = state.mode.value
        self.countdown(self.flow.remaining())

    def countdown(self, remaining: float | None) -> None:
        self.current_screen.countdown(remaining)

    def show_time(self, now: time.struct_time | None = None) -> None:
        self.idle.show_time(now or time.localtime())
