"""Everything behind the screen, without Kivy: store, queue link, keypad, uploader, config
pull and flow."""
from __future__ import annotations

import logging
import queue
import time
from pathlib import Path

from drivers.events import KeyDigit, KeypadChanged, LinkChanged, LinkState, StaffAction
from drivers.factory import make_link
from drivers.framing import silence_gap_s
from kiosk import watchdog
from kiosk.config import ERRORS, Config, ConfigError
from kiosk.flow import Flow, Timing
from kiosk.roster import Site, load_site, site_from
from sync.outbox import Store

log = logging.getLogger(__name__)

MAX_EVENTS_PER_PUMP = 100  # a flood on the wire must not starve the screen


def check(cfg: Config) -> None:
    """ConfigError for what the schema cannot see: key names and actions of the keypad map."""
    if cfg.keypad.device:
        make_keypad(cfg)


def make_keypad(cfg: Config):
    """The staff keypad reader for cfg.keypad, or None when none is configured."""
    if not cfg.keypad.device:
        return None
    from drivers.keypad import Keypad
    from drivers.keypad_codec import KeyMap

    try:
        keymap = KeyMap(cfg.keypad.effective_keys())
    except ValueError as exc:
        raise ConfigError(ERRORS["keymap"], where=cfg.path or "<config>", error=str(exc)) from None
    return Keypad(cfg.keypad.device, keymap, grab=cfg.keypad.grab)


def make_uploader(cfg: Config, clock=None):
    """The background sync to cfg.server.url, or None when no server is configured; clock:
    the device clocks its uploads carry (sync/clocks.py stamp unless a test gives one)."""
    if not cfg.server.url:
        return None
    from sync.uploader import Uploader

    return Uploader(cfg.db_path, cfg.server.url, cfg.server.batch_size, cfg.server.timeout_s,
                    token_file=cfg.token_path, ca_bundle=cfg.server.ca_bundle or None,
                    clock=clock)


def make_prompt_poller(cfg: Config):
    """The long poll for the business system's 请评价 (sync/prompts.py), or None when there
    is no server; started only while [rating] trigger is business or both."""
    if not cfg.server.url:
        return None
    from sync.prompts import PromptPoller

    return PromptPoller(cfg.server.url, cfg.token_path, cfg.window.number,
                        cfg.server.ca_bundle or None, cfg.server.timeout_s)


def make_background(cfg: Config, status_fn) -> list:
    """Jobs beside the upload: heartbeat to the server, purge of old synced ratings."""
    from sync.retention import RetentionJob

    jobs = [RetentionJob(cfg.db_path, cfg.server.retention_days, cfg.server.max_store_mb)]
    if cfg.server.url:
        from sync.heartbeat import HeartbeatSender

        jobs.append(HeartbeatSender(cfg.server.url, cfg.token_path, cfg.device.data_dir,
                                    status_fn, cfg.server.heartbeat_s,
                                    cfg.server.ca_bundle or None, cfg.server.timeout_s))
    return jobs


def make_config_puller(cfg: Config):
    """The background pull of the server's device config, or None when there is no server."""
    if not cfg.server.url:
        return None
    from sync.config_pull import ConfigPuller

    return ConfigPuller(cfg.server.url, cfg.token_path, cfg.config_cache_path,
                        Path(cfg.device.data_dir) / "photos", cfg.server.config_pull_s,
                        cfg.server.ca_bundle or None, cfg.server.timeout_s)


def config_age(fetched_at: str | None, now: float | None = None) -> float | None:
    """Seconds since the server last confirmed the config (None: never)."""
    from datetime import datetime

    if not fetched_at:
        return None
    try:
        then = datetime.fromisoformat(fetched_at).timestamp()
    except ValueError:
        return None
    return max(0.0, (time.time() if now is None else now) - then)


def describe_age(seconds: float | None) -> str:
    """An age in the largest whole unit: 40 s, 5 min, 3 h, 2 d."""
    from kiosk.i18n import _

    if seconds is None:
        return "-"
    for size, unit in ((86400, _("{n} d")), (3600, _("{n} h")), (60, _("{n} min"))):
        if seconds >= size:
            return unit.format(n=int(seconds // size))
    return _("{n} s").format(n=int(seconds))


def describe_config(status: dict) -> str:
    """One line for the technician menu and `kiosk-setup doctor`: where the device config
    comes from (server / cache / local config) and how long ago the server confirmed it."""
    from kiosk.i18n import _

    age = describe_age(status.get("age_s"))
    if status.get("origin") == "server":
        return _("from the server, confirmed {age} ago").format(age=age)
    if status.get("origin") == "cache":
        return _("cached copy of the server's config, confirmed {age} ago").format(age=age)
    return _("local config file (no config from the server yet)")


class Services:
    """Builds the parts from config (or takes them given), starts and stops them, and pumps
    their events into the flow. `pump()` runs on the UI thread only."""

    def __init__(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None,
                 keypad=None, stamp=None) -> None:
        """stamp: for tests only, the clocks (wall ISO, boot id, seconds since boot) that
        events, ratings and uploads carry, in place of sync/clocks.py stamp."""
        self.cfg = cfg
        q = cfg.queue
        self.link = link if link is not None else make_link(
            q.dialect, q.url, cfg.window.number, q.baudrate, q.address,
            silence_gap_s(q.baudrate, q.gap_chars, q.gap_floor_ms), q)
        self.keypad = keypad if keypad is not None else make_keypad(cfg)
        self.store = None
        if flow is None:
            self.store = Store(cfg.db_path)
            if stamp is not None:
                self.store.stamp = stamp
            r = cfg.rating
            flow = Flow(self.store, self.link, cfg.window.number, cfg.device.id,
                        Timing(r.timeout_s, r.reasons_timeout_s, r.thanks_s,
                               cfg.ui.qr_show_s, cfg.ui.qr_ttl_s), tuple(r.reasons))
        self.flow = flow
        self._make_signin()
        self.uploader = uploader if uploader is not None else make_uploader(cfg, stamp)
        self.background = make_background(cfg, self.status) if uploader is None else []
        self.config_puller = make_config_puller(cfg) if uploader is None else None
        self.prompt_poller = make_prompt_poller(cfg) if uploader is None else None
        if self.prompt_poller is not None:
            self.flow.on_linked = self.prompt_poller.link
        self._running = False  # between start() and stop(): app_start / app_stop recorded
        self.on_site = None  # the UI's hook: called with the new Site after a config change
        self._start_config()
        self.keypad_state = LinkState.CLOSED
        self._watchdog_every = watchdog.interval_s()
        self._watchdog_next = 0.0

    def _make_signin(self) -> None:
        """Staff sign-in (kiosk/signin.py) over the roster in force now."""
        from kiosk.signin import SignIn

        rules = self.cfg.signin
        self.flow.sign_out_on_pause = rules.sign_out_on_pause
        self.signin = SignIn(self.flow, lambda: self.site.staff, rules.day_end)

    # -- the server's device config, applied live ------------------------------------------
    def _start_config(self) -> None:
        """At start: the cached config (the server's last word) or the local TOML."""
        from sync.device_config import read_cache

        cached = read_cache(self.cfg.config_cache_path)
        self.site: Site = load_site(self.cfg)
        self.config_origin = "cache" if cached.config is not None else "local"
        self.config_fetched_at = cached.fetched_at
        self._apply_rules(cached.config or {})

    def apply_config(self, pulled) -> None:
        """A PulledConfig from the background pull (UI thread): names, roster and photos,
        reasons, timeout and QR base URL take effect now, without a restart."""
        self.config_origin, self.config_fetched_at = pulled.origin, pulled.fetched_at
        self.site = site_from(self.cfg, pulled.config)
        self._apply_rules(pulled.config or {})
        log.info("device config applied (%s, %s): window %r, %d staff, reasons %s",
                 pulled.origin, pulled.etag or "-", self.site.window_name, len(self.site.staff),
                 ",".join(self.flow.state.reasons))
        if self.on_site is not None:
            self.on_site(self.site)

    def _apply_rules(self, pushed: dict) -> None:
        """Reasons and rating timeout: the server's when it set them, else kiosk.toml's
        (else the built-in default), as settings.in_force() reports them."""
        from kiosk.settings import in_force

        self.pushed = pushed
        values = {s.key: s.value for s in in_force(self.cfg, pushed)}
        self.flow.apply_settings(tuple(values["reasons"]), float(values["rating_timeout_s"]),
                                 values["rating_trigger"])
        self.flow.timing.qr_keep = bool(values["qr_keep"])  # issue 26 item 8
        self._poll_prompts()

    def _poll_prompts(self) -> None:
        """The 请评价 long poll runs while the trigger lets the business system open the
        rating screen (started and stopped live when the server's config changes it)."""
        poller = getattr(self, "prompt_poller", None)
        if poller is None or not self._running:
            return
        wanted = self.flow.trigger != "queue"
        if wanted and poller._thread is None:  # noqa: SLF001 - its own start/stop state
            poller.start()
        elif not wanted and poller._thread is not None:  # noqa: SLF001
            poller.stop()

    def settings(self) -> list[tuple[str, str]]:
        """(label, "value  (origin)") of each setting the server may push, as in force now."""
        from kiosk.settings import lines

        return lines(self.cfg, self.pushed, self.site)

    def config_status(self) -> dict:
        """Where the running device config comes from and how old it is (any thread)."""
        up = self.config_puller.status() if self.config_puller is not None else {}
        if up.get("pulls"):  # the latest pull, even when it changed nothing (a 304 is fresh)
            origin, fetched_at = up["origin"], up["fetched_at"]
        else:
            origin, fetched_at = self.config_origin, self.config_fetched_at
        return {"origin": origin, "fetched_at": fetched_at, "age_s": config_age(fetched_at),
                "last_error": up.get("last_error")}

    def _check_enrolled_window(self) -> None:
        """Say once, loudly, when the server will refuse every rating of this kiosk."""
        from sync.enrol import EnrolError, load_credentials

        try:
            enrolled = load_credentials(self.cfg.token_path).window
        except EnrolError:
            return
        if enrolled is not None and enrolled != self.cfg.window.number:
            log.error("enrolled for window %d but [window] number = %d: the server refuses "
                      "these ratings (kiosk-setup init --window %d)", enrolled,
                      self.cfg.window.number, enrolled)

    def start(self, announce: bool = True) -> None:
        """Start the link, keypad, uploader and the rest; announce: tell systemd READY=1 now
        (the app says it itself once its first frame is drawn)."""
        if self.cfg.server.url:
            self._check_enrolled_window()
        self._app_event("app_start")
        self._running = True
        self._poll_prompts()
        if self.cfg.queue.url:  # until the link reports, show it as connecting, not absent
            self.flow.handle(LinkChanged(LinkState.CONNECTING))
        for part in (self.link, self.keypad, self.uploader, self.config_puller,
                     *self.background):
            if part is not None:
                part.start()
        if announce:
            self.announce()

    def announce(self) -> None:
        """Tell systemd start-up is done (READY=1; kiosk.service is Type=notify)."""
        watchdog.ready(f"window {self.cfg.window.number}")

    def set_waker(self, wake) -> None:
        """Call wake() (thread-safe) whenever the link or keypad has an event for the flow."""
        for part in (self.link, self.keypad):
            events = getattr(part, "events", None)
            if events is not None and hasattr(events, "wake"):
                events.wake = wake
        if self.config_puller is not None:
            self.config_puller.updates.wake = wake
        if self.prompt_poller is not None:
            self.prompt_poller.prompts.wake = wake

    def status(self) -> dict:
        """What the heartbeat and the technician menu report; safe from any thread (it reads
        the flow's immutable state snapshot and the uploader's own status)."""
        state = self.flow.state
        up = self.uploader.status() if self.uploader is not None else {}
        return {"link_state": state.link.value, "keypad": self.keypad_state.value,
                "backlog": up.get("backlog") or 0, "events_backlog": up.get("events_backlog") or 0,
                "last_sync_at": up.get("last_sync_at"),
                "last_error": up.get("last_error"),
                "last_rating_at": (state.last_rating or {}).get("rated_at")}

    def _app_event(self, kind: str) -> None:
        """The app starting or stopping, as a service event (issue 27)."""
        try:
            self.flow.event(kind)
        except Exception:  # noqa: BLE001 - starting and stopping go on regardless
            log.exception("recording %s failed", kind)

    def stop(self) -> None:
        try:  # a clean stop: nobody stays signed in on a closed kiosk
            self.flow.sign_out("app_stop")
        except Exception:  # noqa: BLE001 - stopping goes on regardless
            log.exception("signing out at stop failed")
        if self._running:
            self._running = False
            self._app_event("app_stop")
        for part in (self.link, self.keypad, self.uploader, self.config_puller,
                     self.prompt_poller, *self.background):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - stopping must go on with the others
                    log.exception("stopping %r failed", part)
        if self.store is not None:
            self.store.close()
            self.store = None

    def pump(self) -> None:
        """Drain queue and keypad events into the flow, then let the flow's timers run."""
        self._drain(getattr(self.link, "events", None), self.flow.handle)
        if self.keypad is not None:
            self._drain(self.keypad.events, self._on_key)
        if self.config_puller is not None:
            self._drain(self.config_puller.updates, self.apply_config)
        if self.prompt_poller is not None:
            self._drain(self.prompt_poller.prompts, self.flow.handle)
        self.flow.tick()
        self.signin.tick()
        # Pinged from the UI loop itself, so systemd restarts a kiosk whose loop hangs.
        now = time.monotonic()
        if now >= self._watchdog_next:
            watchdog.alive()
            self._watchdog_next = now + self._watchdog_every

    def _on_key(self, item) -> None:
        if isinstance(item, KeypadChanged):
            self.keypad_state = item.state
        elif self.signin.key(item):
            return
        elif isinstance(item, KeyDigit):  # a digit key outside a 工号: its mapped action
            if item.action is not None and not self.signin.key(item.action):
                self.flow.staff_action(item.action)
        elif isinstance(item, StaffAction):
            self.flow.staff_action(item)

    @staticmethod
    def _drain(events: queue.Queue | None, handle) -> None:
        if events is None:
            return
        for _ in range(MAX_EVENTS_PER_PUMP):
            try:
                event = events.get_nowait()
            except queue.Empty:
                return
            try:
                handle(event)
            except Exception:  # noqa: BLE001 - one bad event must not take the kiosk down
                log.exception("handling %s failed", type(event).__name__)
