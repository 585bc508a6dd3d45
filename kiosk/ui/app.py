"""The Kivy kiosk app: wires config, store, queue link, flow, uploader and screens together."""
from __future__ import annotations

import logging
import os
import time
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty

from kiosk import heap, panel
from kiosk.config import Config
from kiosk.flow import Flow, FlowState, Mode
from kiosk.i18n import install, language, register_font
from kiosk.services import Services
from kiosk.ui.debounce import Debouncer, LongPress
from kiosk.ui.touch_input import keep_one_touch_source

log = logging.getLogger(__name__)

PUMP_S = 0.1          # how often queue events are drained and the flow ticks
DESIGN_SIZE = (800, 480)  # the Pi 7-inch panel; kv sizes are in these pixels times app.u
PORTRAIT_DESIGN = (480, 800)  # the same panel turned; the kv switches to stacked layouts
GHOST_RADIUS = 60     # design pixels: a repeat tap this near the last one is the same press
TRIM_AFTER_S = 1.0    # the C heap is trimmed this long after start-up and after each case
SCREEN: panel.Screen | None = None  # the display as found before the window opened


def configure_window(cfg: Config) -> None:
    """Kivy window settings; must run before the window exists (i.e. before App.run)."""
    from kivy.config import Config as KivyConfig

    full = cfg.display.fullscreen
    KivyConfig.set("graphics", "fullscreen", "auto" if full else "0")
    KivyConfig.set("graphics", "width", str(window_size(cfg)[0]))
    KivyConfig.set("graphics", "height", str(window_size(cfg)[1]))
    # The picture and the touches turn together (Kivy's window rotation): a panel mounted
    # a quarter turn clockwise (rotation 90) shows a portrait picture reading upright.
    KivyConfig.set("graphics", "rotation", str(cfg.panel.rotation))
    KivyConfig.set("graphics", "show_cursor", "0" if full else "1")
    KivyConfig.set("graphics", "allow_screensaver", "0")
    # No MSAA (Kivy's default is 2 samples): resolving it more than doubled the cost of every
    # frame under a software or small GPU rasteriser (Mesa llvmpipe: a rating-screen flip
    # 33 ms -> 10 ms, DONE -> rating screen p99 113 -> 48 ms, ~20 MB less RSS;
    # bench/ui_latency.py). The kiosk's curved shapes smooth their own edges instead
    # (Smooth* instructions in widgets.py and the kv). KCFG_GRAPHICS_MULTISAMPLES overrides.
    KivyConfig.set("graphics", "multisamples", os.environ.get("KCFG_GRAPHICS_MULTISAMPLES", "0"))
    KivyConfig.set("kivy", "exit_on_escape", "0" if full else "1")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    keep_one_touch_source(KivyConfig)  # no hidinput/mtdev beside it: a Pi doubled each tap


def window_size(cfg: Config) -> tuple[int, int]:
    """The window in panel pixels (before rotation). Full screen: the display's real size.
    Asking SDL for full screen is not enough: on an X server without a window manager (a
    kiosk's X, Xvfb) nobody resizes the window, which stayed at the configured size while
    SDL laid the picture out for the whole screen. So the window is asked at the screen's
    size: on X it then covers the screen; under Wayland the compositor's full-screen size
    wins anyway, and under KMS/DRM the window is the connector's mode whatever is asked."""
    if not cfg.display.fullscreen:
        return cfg.display.width, cfg.display.height
    global SCREEN
    SCREEN = panel.detect()
    if SCREEN is not None:
        return SCREEN.size
    if cfg.panel.width and cfg.panel.height:  # as `kiosk-setup init` found it
        return cfg.panel.width, cfg.panel.height
    return cfg.display.width, cfg.display.height


class KioskApp(App):
    """Full-screen kiosk. Pass link/flow to inject them; otherwise built from cfg."""

    u = NumericProperty(1.0)  # scale of the 800x480 design to the real window
    portrait = BooleanProperty(False)
    title = "好差评"

    def __init__(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None,
                 **kw) -> None:
        super().__init__(**kw)
        self.cfg = cfg
        self._given = (link, flow, uploader)
        self.services: Services | None = None
        self._last_rating: dict | None = None
        self._events = []
        self._prev: FlowState | None = None
        self.ui_clock = time.monotonic  # tests swap in injected time
        self.debouncer = Debouncer(cfg.ui.ghost_press_s, GHOST_RADIUS, lambda: self.ui_clock())
        self.long_press = LongPress(clock=lambda: self.ui_clock())
        self.voice = None
        self.site = None
        self.qr_links = None
        self.tech_gate = None
        self.tech_menu = None
        self.signin_view = None

    # The parts live in Services; these keep the names tests and tools use.
    link = property(lambda self: self.services.link if self.services else None)
    flow = property(lambda self: self.services.flow if self.services else None)
    uploader = property(lambda self: self.services.uploader if self.services else None)
    store = property(lambda self: self.services.store if self.services else None)

    # -- services ---------------------------------------------------------------
    def _start_services(self) -> None:
        from kiosk.ui.qr import QrLinks, load_qr_key
        from kiosk.ui.tech_menu import PinGate
        from kiosk.ui.voice import Player

        link, flow, uploader = self._given
        cfg = self.cfg
        install(cfg.device.language)
        self.services = Services(cfg, link, flow, uploader)
        self._last_rating = self.flow.state.last_rating
        self._prev = self.flow.state
        self.flow.subscribe(self._on_state)
        self.debouncer.window_s, self.debouncer.last = cfg.ui.ghost_press_s, None
        self.site = self.services.site  # the server's device config (cached), else local files
        self.services.on_site = self._apply_site
        self.qr_links = QrLinks(cfg.device.id, cfg.window.number, self.site.qr_base_url,
                                load_qr_key(cfg), cfg.ui.qr_url_pattern, cfg.ui.qr_ttl_s)
        if self.voice is not None:
            self.voice.stop()
        self.voice = Player(cfg.voice.volume, cfg.voice.mute)
        self.tech_gate = PinGate(cfg.technician.pin_hash, lambda: self.ui_clock())

    def _run_services(self, announce: bool = True) -> None:
        # An event wakes the pump at once (the DONE-to-screen time); the interval drives timers.
        self.services.set_waker(Clock.create_trigger(self._pump))
        self.services.start(announce=announce)
        self._events = [Clock.schedule_interval(self._pump, PUMP_S),
                        Clock.schedule_interval(self._show_time, 1.0)]
        # Once up (at start-up or after a reload): its garbage collected, the survivors
        # frozen out of later collections, the C heap trimmed.
        Clock.schedule_once(lambda _dt: heap.settle(), TRIM_AFTER_S)

    def stop_services(self) -> None:
        """Stop the pumps, the link, keypad and uploader, close the store; the screen stays."""
        for ev in self._events:
            ev.cancel()
        self._events = []
        if self.services is not None:
            self.services.stop()
        if self.voice is not None:
            self.voice.stop()

    def _apply_site(self, site) -> None:
        """A new device config from the server, live: names, roster, QR base URL."""
        self.site = site
        self.qr_links.base_url = site.qr_base_url
        if self.root is not None:
            idle = self.root.idle
            idle.site, idle.hall_name, idle.window_name = site, site.hall_name, site.window_name
            idle._qr_case = None  # noqa: SLF001 - redraw the QR code with the new base URL
            self.root.render(self.flow.state)

    # -- Kivy lifecycle ---------------------------------------------------------------
    def build(self):
        from kivy.core.window import Window

        from kiosk.ui.screens import load_kv
        from kiosk.ui.widgets import PAPER

        register_font()
        load_kv()
        Window.clearcolor = PAPER  # the screens' background (they draw none themselves)
        Window.bind(size=self._rescale)
        self._rescale(Window, Window.size)
        self._start_services()
        return self._make_root()

    def _make_root(self):
        from kivy.core.window import Window

        from kiosk.ui.screens import KioskRoot

        # Made at the window's size: at Kivy's default 100x100 the labels fitted into slivers
        # before the window sized them, SDL2 opening a font face for each sliver size.
        root = KioskRoot(self.flow, self.site, self.qr_links, self.cfg.ui.staff_strip,
                         self.debouncer, self.long_press, self.open_tech_menu,
                         size=Window.size)
        root.show_time()
        return root

    def _replace_root(self) -> None:
        from kivy.core.window import Window

        if self.root is not None:
            Window.remove_widget(self.root)
        self.root = self._make_root()
        Window.add_widget(self.root)

    # -- citizen and technician extras ------------------------------------------------
    def set_language(self, lang: str) -> None:
        """Show the UI in `lang` (zh_CN or en) now: the screens are rebuilt in it."""
        if install(lang) != language() or self.root is None:
            return
        self._replace_root()
        log.info("language now %s", language())

    def toggle_language(self) -> None:
        """The idle screen's EN/中 button."""
        self.set_language("en" if language() != "en" else "zh_CN")

    def open_tech_menu(self) -> None:
        from kiosk.ui.screens import TECH_KV, load_kv
        from kiosk.ui.tech_menu import TechMenu

        if self.tech_menu is not None and self.tech_menu.parent is not None:
            return
        load_kv(TECH_KV)  # its rules, on first use
        self.tech_menu = TechMenu(self, self.tech_gate)
        self.tech_menu.bind(on_dismiss=lambda *_a: setattr(self, "tech_menu", None))
        self.tech_menu.open(animation=False)

    def open_signin(self) -> None:
        """The staff card's sign-in screen (roster, then PIN), on the idle screen only."""
        from kiosk.ui.screens import SIGNIN_KV, load_kv
        from kiosk.ui.signin_view import SignInView

        if self.services is None or self.flow.state.mode is not Mode.IDLE or (
                self.signin_view is not None and self.signin_view.parent is not None):
            return
        load_kv(SIGNIN_KV)  # its rules, on first use
        self.signin_view = SignInView(self.services.signin)
        self.signin_view.bind(on_dismiss=lambda *_a: setattr(self, "signin_view", None))
        self.signin_view.open(animation=False)

    def on_start(self) -> None:
        from kivy.core.window import Window

        from kiosk.ui.screens import after_next_frame

        if self.cfg.display.fullscreen:
            Window.show_cursor = False
        Window.allow_screensaver = False
        self._run_services(announce=False)
        # READY=1 once the idle screen's first frame is on the glass, not before: that is
        # when the kiosk is up for a citizen (and what bench/startup.py times).
        after_next_frame(lambda: self.services is not None and self.services.announce())
        log.info("kiosk up: window %d, queue %s, server %s", self.cfg.window.number,
                 self.cfg.queue.url or "(none)", self.cfg.server.url or "(none)")
        self._note_panel()

    def _note_panel(self) -> None:
        """Log and note (for `kiosk-setup doctor`) the screen found and the window got."""
        from kivy.core.window import Window

        got = tuple(Window.system_size)
        log.info("panel: screen %s, window %dx%d, rotation %d, picture %dx%d",
                 f"{SCREEN.width}x{SCREEN.height} ({SCREEN.driver})" if SCREEN else "unknown",
                 *got, Window.rotation, *Window.size)
        if self.cfg.display.fullscreen:
            panel.record(self.cfg.device.data_dir, SCREEN, got, Window.rotation)

    def on_stop(self) -> None:
        self.stop_services()

    def reset(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None) -> None:
        """Swap in a new config and fresh services, back on the idle screen (tests, reload)."""
        self.stop_services()
        for view in (self.tech_menu, self.signin_view):
            if view is not None:
                view.dismiss(animation=False)
        self.cfg, self._given = cfg, (link, flow, uploader)
        heap.thaw()  # the old screens go; what is built now is frozen again once settled
        if cfg.display.fullscreen:  # a reloaded [panel] rotation turns the picture now
            from kivy.core.window import Window

            Window.rotation = cfg.panel.rotation
        self._start_services()
        self._replace_root()
        self._run_services()

    # -- main-thread plumbing -------------------------------------------------------
    def _rescale(self, _window, size) -> None:
        self.portrait = size[1] > size[0]
        w, h = PORTRAIT_DESIGN if self.portrait else DESIGN_SIZE
        self.u = min(size[0] / w, size[1] / h)
        self.debouncer.radius = GHOST_RADIUS * self.u

    def _pump(self, _dt=None) -> None:
        """Queue and keypad events into the flow, time-outs, countdown: all on the main thread."""
        self.services.pump()
        if self.root is not None:
            self.root.countdown(self.flow.remaining())

    def _show_time(self, _dt=None) -> None:
        if self.root is not None:
            self.root.show_time()

    def _on_state(self, state: FlowState) -> None:
        from kiosk.ui.voice import announcements

        prev, self._prev = self._prev or state, state
        if state.mode is not Mode.IDLE and self.signin_view is not None:
            self.signin_view.dismiss(animation=False)  # a citizen's case comes first
        if self.root is not None and self.root.flow is self.flow:
            self.root.render(state)
        for announcement in announcements(prev, state):
            self.voice.say(announcement)
        if state.mode is Mode.IDLE and prev.mode is not Mode.IDLE:  # a case has ended
            Clock.schedule_once(lambda _dt: heap.after_case(), TRIM_AFTER_S)  # its garbage
            if language() != self.cfg.device.language:
                # The citizen who switched language has gone; the next one gets the default.
                Clock.schedule_once(lambda _dt: self.set_language(self.cfg.device.language))
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
    while True:  # at least one frame, even when the process stalled past `end` meanwhile
        EventLoop.idle()
        if predicate():
            return True
        if time.monotonic() >= end:
            return False


def run(cfg: Config) -> None:
    """Run the kiosk until the window closes."""
    configure_window(cfg)
    KioskApp(cfg).run()
