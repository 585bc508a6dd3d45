"""The Kivy kiosk app: wires config, store, queue link, flow, uploader and screens together."""
from __future__ import annotations

import logging
import time
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty

from .config import Config
from .flow import Flow, FlowState
from .i18n import install, register_font
from .services import Services

log = logging.getLogger(__name__)

PUMP_S = 0.1          # how often queue events are drained and the flow ticks
DESIGN_SIZE = (800, 480)  # the Pi 7-inch panel; kv sizes are in these pixels times app.u


def configure_window(cfg: Config) -> None:
    """Kivy window settings; must run before the window exists (i.e. before App.run)."""
    from kivy.config import Config as KivyConfig

    full = cfg.display.fullscreen
    KivyConfig.set("graphics", "fullscreen", "auto" if full else "0")
    KivyConfig.set("graphics", "width", str(cfg.display.width))
    KivyConfig.set("graphics", "height", str(cfg.display.height))
    KivyConfig.set("graphics", "show_cursor", "0" if full else "1")
    KivyConfig.set("graphics", "allow_screensaver", "0")
    KivyConfig.set("kivy", "exit_on_escape", "0" if full else "1")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")


class KioskApp(App):
    """Full-screen kiosk. Pass link/flow to inject them; otherwise built from cfg."""

    u = NumericProperty(1.0)  # scale of the 800x480 design to the real window
    title = "好差评"

    def __init__(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None,
                 **kw) -> None:
        super().__init__(**kw)
        self.cfg = cfg
        self._given = (link, flow, uploader)
        self.services: Services | None = None
        self._last_rating: dict | None = None
        self._events = []

    # The parts live in Services; these keep the names tests and tools use.
    link = property(lambda self: self.services.link if self.services else None)
    flow = property(lambda self: self.services.flow if self.services else None)
    uploader = property(lambda self: self.services.uploader if self.services else None)
    store = property(lambda self: self.services.store if self.services else None)

    # -- services ---------------------------------------------------------------
    def _start_services(self) -> None:
        link, flow, uploader = self._given
        install(self.cfg.device.language)
        self.services = Services(self.cfg, link, flow, uploader)
        self._last_rating = self.flow.state.last_rating
        self.flow.subscribe(self._on_state)

    def _run_services(self) -> None:
        self.services.start()
        self._events = [Clock.schedule_interval(self._pump, PUMP_S),
                        Clock.schedule_interval(self._show_time, 1.0)]

    def stop_services(self) -> None:
        """Stop the pumps, the link, keypad and uploader, close the store; the screen stays."""
        for ev in self._events:
            ev.cancel()
        self._events = []
        if self.services is not None:
            self.services.stop()

    # -- Kivy lifecycle ---------------------------------------------------------------
    def build(self):
        from kivy.core.window import Window

        from .screens import load_kv

        register_font()
        load_kv()
        Window.bind(size=self._rescale)
        self._rescale(Window, Window.size)
        self._start_services()
        return self._make_root()

    def _make_root(self):
        from .screens import KioskRoot

        root = KioskRoot(self.flow, hall_name=self.cfg.window.hall_name,
                         window_name=self.cfg.window.name)
        root.show_time()
        return root

    def on_start(self) -> None:
        from kivy.core.window import Window

        if self.cfg.display.fullscreen:
            Window.show_cursor = False
        Window.allow_screensaver = False
        self._run_services()
        log.info("kiosk up: window %d, queue %s, server %s", self.cfg.window.number,
                 self.cfg.queue.url or "(none)", self.cfg.server.url or "(none)")

    def on_stop(self) -> None:
        self.stop_services()

    def reset(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None) -> None:
        """Swap in a new config and fresh services, back on the idle screen (tests, reload)."""
        from kivy.core.window import Window

        self.stop_services()
        self.cfg, self._given = cfg, (link, flow, uploader)
        self._start_services()
        if self.root is not None:
            Window.remove_widget(self.root)
        self.root = self._make_root()
        Window.add_widget(self.root)
        self._run_services()

    # -- main-thread plumbing -------------------------------------------------------
    def _rescale(self, _window, size) -> None:
        self.u = min(size[0] / DESIGN_SIZE[0], size[1] / DESIGN_SIZE[1])

    def _pump(self, _dt=None) -> None:
        """Queue and keypad events into the flow, time-outs, countdown: all on the main thread."""
        self.services.pump()
        if self.root is not None:
            self.root.countdown(self.flow.remaining())

    def _show_time(self, _dt=None) -> None:
        if self.root is not None:
            self.root.show_time()

    def _on_state(self, state: FlowState) -> None:
        if self.root is not None and self.root.flow is self.flow:
            self.root.render(state)
        if state.last_rating is not self._last_rating:
            self._last_rating = state.last_rating
            if self.uploader is not None and state.last_rating is not None:
                self.uploader.wake()


def embedded(cfg: Config, **given) -> KioskApp:
    """This process's one KioskApp (Kivy allows one window), started without a blocking loop:
    the first call builds it, later calls reset it. Drive it with pump_until() (tests, tools)."""
    app = App.get_running_app()
    if isinstance(app, KioskApp):
        app.reset(cfg, **given)
        return app
    from kivy.base import EventLoop, runTouchApp

    configure_window(cfg)
    EventLoop.ensure_window()
    app = KioskApp(cfg, **given)
    app._run_prepare()
    runTouchApp(embedded=True)
    return app


def pump_until(predicate: Callable[[], bool] = lambda: False, timeout: float = 5.0) -> bool:
    """Run Kivy frames until predicate() is true or timeout seconds pass; returns predicate()."""
    from kivy.base import EventLoop

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        EventLoop.idle()
        if predicate():
            return True
    return bool(predicate())


def run(cfg: Config) -> None:
    """Run the kiosk until the window closes."""
    configure_window(cfg)
    KioskApp(cfg).run()
