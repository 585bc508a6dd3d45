"""The screen manager: shows the screen the flow's mode asks for, and filters touches (ghost
presses, the technician gesture) before any widget sees them. Screens live in screen_idle.py
and screen_rating.py, shared widgets in widgets.py, layout in assets/kv/*.kv."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.layout import Layout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.flow import FlowState, Mode
from kiosk.ui.base_screen import KioskScreen
from kiosk.ui.screen_idle import IdleScreen
from kiosk.ui.screen_rating import RatingScreen, ReasonsScreen, ThanksScreen
from kiosk.ui.widgets import (
    LEVEL_COLORS,
    LINK_COLORS,
    LINK_TEXT,
    FlatButton,
    LevelButton,
    ReasonToggle,
)

__all__ = ["KioskRoot", "KioskScreen", "IdleScreen", "RatingScreen", "ReasonsScreen",
           "ThanksScreen", "LevelButton", "FlatButton", "ReasonToggle", "LEVEL_COLORS",
           "LINK_COLORS", "LINK_TEXT", "TECH_KV", "SIGNIN_KV", "after_next_frame", "load_kv"]

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).resolve().parents[2] / "assets" / "kv"
KV_FILES = ("common.kv", "idle.kv")  # common first: the others use it
# Parsed when first needed, not before the first frame: Kivy compiles every kv expression
# as it loads a file. The rating screens' right after the idle screen is up (or at the first
# case, if that comes sooner); the technician menu's when it first opens.
RATING_KV = "rating.kv"
TECH_KV = "tech.kv"
SIGNIN_KV = "signin.kv"
_loaded: set[str] = set()


def load_kv(*names: str) -> None:
    """Load assets/kv files once per process (rules apply to widgets made afterwards):
    the screens' (KV_FILES) when no name is given."""
    for name in names or KV_FILES:
        if name not in _loaded:
            Builder.load_file(str(KV_DIR / name))
            _loaded.add(name)


def after_next_frame(callback) -> None:
    """callback() once, right after the next frame has been drawn and swapped to the window."""
    from kivy.core.window import Window

    def once(*_args) -> None:
        Window.unbind(on_flip=once)
        callback()

    Window.bind(on_flip=once)


def _lay_out(widget) -> None:
    """Lay out `widget` and everything in it now, parents first. Kivy does it over the next
    frame's layout passes, children's boxes before their parents' in the order triggered, so
    labels were sized (and fitted) into the boxes of a layout not yet done."""
    if isinstance(widget, Layout):
        widget.do_layout()
    for child in widget.children:
        _lay_out(child)


class InstantTransition(NoTransition):
    """Kivy's NoTransition still finishes on the next clock tick: the frame that first shows
    the new screen also draws the old one beneath it (twice the fill, which under software GL
    is most of a frame's cost) and a second full frame follows. This one is over before the
    frame is drawn: the new screen alone, in the very next frame (bench/ui_latency.py)."""

    def start(self, manager) -> None:
        super().start(manager)
        self._anim.cancel(self)
        self._on_complete()


class KioskRoot(ScreenManager):
    """The four screens; `render(state)` shows the one the flow's mode asks for."""

    flow = ObjectProperty(None, allownone=True)

    def __init__(self, flow, site=None, qr_links=None, staff_strip: bool = False,
                 debouncer=None, long_press=None, on_tech_gesture=None, **kw) -> None:
        super().__init__(transition=InstantTransition(), **kw)
        self.flow = flow
        self.debouncer, self.long_press = debouncer, long_press
        self.on_tech_gesture = on_tech_gesture
        self.idle = IdleScreen(name=Mode.IDLE.value, site=site, qr_links=qr_links,
                               hall_name=site.hall_name if site else "",
                               window_name=site.window_name if site else "",
                               staff_strip=staff_strip)
        self.add_widget(self.idle)
        # Set after it is built, not as a keyword: a size given at construction triggers no
        # layout (the layout binds size after the kv rules have run).
        self._size_screens()
        self.bind(size=self._size_screens)
        self._rest: tuple | None = None  # rating, reasons, thanks: built once the idle is up
        self._mode = flow.state.mode
        self.render(flow.state)
        # Ready long before a citizen can finish; not for a root replaced meanwhile.
        after_next_frame(lambda: self.get_root_window() is not None and self._build_rest())

    def _build_rest(self) -> tuple:
        """The rating, reasons and thanks screens, built on first need (bench/startup.py:
        building them and parsing their kv before the first frame was ~100 ms of start-up)."""
        if self._rest is None:
            load_kv(RATING_KV)
            self._rest = (RatingScreen(name=Mode.RATING.value),
                          ReasonsScreen(name=Mode.REASONS.value),
                          ThanksScreen(name=Mode.THANKS.value))
            for screen in self._rest:
                self.add_widget(screen)
            self._size_screens()
            self._rest[1].build_toggles(self.flow.state.reasons)
            for screen in self._rest:
                screen.render(self.flow.state)
        return self._rest

    def _size_screens(self, *_args) -> None:
        """Every screen at the window's size, shown or not, laid out at once. The manager
        lays out only the one shown: the others stayed at Kivy's default 100x100, their labels
        fitted into slivers (SDL2 opening a font face for each sliver size) and again when
        first shown, on the DONE -> rating screen path (bench/memory_breakdown.py)."""
        for screen in self.screens:
            screen.size = self.size
            _lay_out(screen)

    @property
    def rating(self) -> RatingScreen:
        return self._build_rest()[0]

    @property
    def reasons(self) -> ReasonsScreen:
        return self._build_rest()[1]

    @property
    def thanks(self) -> ThanksScreen:
        return self._build_rest()[2]

    def render(self, state: FlowState) -> None:
        if state.mode is not Mode.IDLE:
            self._build_rest()
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

    # -- touches: filtered here, so no widget ever sees a ghost press ----------------------
    def on_touch_down(self, touch):
        if (self.long_press is not None and self.current == Mode.IDLE.value
                and self.long_press.down(touch.uid, touch.x, touch.y, self.width, self.height)):
            return True  # the corner holds no control; the gesture decides on release
        if self.debouncer is not None and not self.debouncer.accept(touch.x, touch.y,
                                                                    self.current):
            return True
        return super().on_touch_down(touch)

    def on_touch_up(self, touch):
        if self.long_press is not None and self.long_press.up(touch.uid):
            if self.on_tech_gesture is not None:
                self.on_tech_gesture()
            return True
        return super().on_touch_up(touch)
