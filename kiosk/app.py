"""The Kivy kiosk app: wires config, store, queue link, flow, uploader and screens together."""
from __future__ import annotations

import logging
import queue
import time
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty

from drivers.events import LinkChanged, LinkState

from .config import Config, ConfigError
from .flow import Flow, FlowState, Timing
from .i18n import install, register_font
from .store import Store

log = logging.getLogger(__name__)

PUMP_S = 0.1          # how often queue events are drained and the flow ticks
MAX_EVENTS_PER_PUMP = 100
DESIGN_SIZE = (800, 480)  # the Pi 7-inch panel; kv sizes are in these pixels times app.u


class NullSender:
    """Sender for a kiosk without a queue system: nothing to tell anyone."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()  # never fed; the app drains it like a link's

    def request_next(self) -> None:
        log.info("NEXT pressed, but no queue system is configured")

    def report_rated(self, ticket: str, level: int) -> None:
        log.info("rated %s level %d (no queue system to tell)", ticket, level)

    def staff_action(self, action) -> None:
        log.info("staff key %s, but no queue system is configured", action)

    def start(self) -> None: ...
    def stop(self) -> None: ...


def check_supported(cfg: Config) -> None:
    """ConfigError for settings the config accepts but this kiosk version cannot run yet."""
    if cfg.queue.url and cfg.queue.dialect != "line":
        raise ConfigError(f"{cfg.path or '<config>'}: [queue] dialect = {cfg.queue.dialect!r} is "
                          f"not supported by this kiosk version yet; use dialect = \"line\"")


def make_link(cfg: Config):
    """The queue-system driver for cfg.queue, or a NullSender when no URL is set."""
    if not cfg.queue.url:
        return NullSender()
    check_supported(cfg)
    from drivers.line_link import LineLink

    return LineLink(cfg.queue.url, cfg.window.number, cfg.queue.baudrate)


def make_uploader(cfg: Config):
    """The background sync to cfg.server.url, or None when no server is configured."""
    if not cfg.server.url:
        return None
    from sync.uploader import Uploader

    return Uploader(cfg.db_path, cfg.server.url, cfg.server.batch_size, cfg.server.timeout_s)


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
        self.link = self.flow = self.uploader = self.store = None
        self._last_rating: dict | None = None
        self._events = []

    # -- services ---------------------------------------------------------------
    def _start_services(self) -> None:
        cfg = self.cfg
        link, flow, uploader = self._given
        install(cfg.device.language)
        self.link = link if link is not None else make_link(cfg)
        if flow is None:
            self.store = Store(cfg.db_path)
            timing = Timing(cfg.rating.timeout_s, cfg.rating.reasons_timeout_s, cfg.rating.thanks_s)
            flow = Flow(self.store, self.link, cfg.window.number, cfg.device.id, timing,
                        tuple(cfg.rating.reasons))
        self.flow = flow
        self.uploader = uploader if uploader is not None else make_uploader(cfg)
        self._last_rating = flow.state.last_rating
        flow.subscribe(self._on_state)

    def _run_services(self) -> None:
        if self.cfg.queue.url:  # until the link reports, show it as connecting, not absent
            self.flow.handle(LinkChanged(LinkState.CONNECTING))
        self.link.start()
        if self.uploader is not None:
            self.uploader.start()
        self._events = [Clock.schedule_interval(self._pump, PUMP_S),
                        Clock.schedule_interval(self._show_time, 1.0)]

    def stop_services(self) -> None:
        """Stop the pumps, the link and the uploader, close the store; the screen stays."""
        for ev in self._events:
            ev.cancel()
        self._events = []
        for part in (self.link, self.uploader):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - stopping must go on with the others
                    log.exception("stopping %r failed", part)
        self.link = self.uploader = None
        if self.store is not None:
            self.store.close()
            self.store = None

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
        """Queue events into the flow, time-outs, countdown: all on the main thread."""
        events = getattr(self.link, "events", None)
        for _ in range(MAX_EVENTS_PER_PUMP):
            try:
                event = events.get_nowait()
            except (queue.Empty, AttributeError):
                break
            self.flow.handle(event)
        self.flow.tick()
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
    check_supported(cfg)
    configure_window(cfg)
    KioskApp(cfg).run()
