"""Everything behind the screen, without Kivy: store, queue link, keypad, uploader and flow."""
from __future__ import annotations

import logging
import queue
import time

from drivers.events import KeypadChanged, LinkChanged, LinkState, StaffAction
from drivers.factory import make_link
from drivers.framing import silence_gap_s
from kiosk import watchdog
from kiosk.config import Config, ConfigError
from kiosk.flow import Flow, Timing
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
        raise ConfigError(f"{cfg.path or '<config>'}: [keypad] keys: {exc}") from None
    return Keypad(cfg.keypad.device, keymap, grab=cfg.keypad.grab)


def make_uploader(cfg: Config):
    """The background sync to cfg.server.url, or None when no server is configured."""
    if not cfg.server.url:
        return None
    from sync.uploader import Uploader

    return Uploader(cfg.db_path, cfg.server.url, cfg.server.batch_size, cfg.server.timeout_s,
                    token_file=cfg.token_path, ca_bundle=cfg.server.ca_bundle or None)


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


class Services:
    """Builds the parts from config (or takes them given), starts and stops them, and pumps
    their events into the flow. `pump()` runs on the UI thread only."""

    def __init__(self, cfg: Config, link=None, flow: Flow | None = None, uploader=None,
                 keypad=None) -> None:
        self.cfg = cfg
        q = cfg.queue
        self.link = link if link is not None else make_link(
            q.dialect, q.url, cfg.window.number, q.baudrate, q.address,
            silence_gap_s(q.baudrate, q.gap_chars, q.gap_floor_ms))
        self.keypad = keypad if keypad is not None else make_keypad(cfg)
        self.store = None
        if flow is None:
            self.store = Store(cfg.db_path)
            r = cfg.rating
            flow = Flow(self.store, self.link, cfg.window.number, cfg.device.id,
                        Timing(r.timeout_s, r.reasons_timeout_s, r.thanks_s), tuple(r.reasons))
        self.flow = flow
        self.uploader = uploader if uploader is not None else make_uploader(cfg)
        self.background = make_background(cfg, self.status) if uploader is None else []
        self.keypad_state = LinkState.CLOSED
        self._watchdog_every = watchdog.interval_s()
        self._watchdog_next = 0.0

    def start(self) -> None:
        if self.cfg.queue.url:  # until the link reports, show it as connecting, not absent
            self.flow.handle(LinkChanged(LinkState.CONNECTING))
        for part in (self.link, self.keypad, self.uploader, *self.background):
            if part is not None:
                part.start()
        watchdog.ready(f"window {self.cfg.window.number}")

    def set_waker(self, wake) -> None:
        """Call wake() (thread-safe) whenever the link or keypad has an event for the flow."""
        for part in (self.link, self.keypad):
            events = getattr(part, "events", None)
            if events is not None and hasattr(events, "wake"):
                events.wake = wake

    def status(self) -> dict:
        """What the heartbeat and the technician menu report; safe from any thread (it reads
        the flow's immutable state snapshot and the uploader's own status)."""
        state = self.flow.state
        up = self.uploader.status() if self.uploader is not None else {}
        return {"link_state": state.link.value, "keypad": self.keypad_state.value,
                "backlog": up.get("backlog") or 0, "last_sync_at": up.get("last_sync_at"),
                "last_error": up.get("last_error"),
                "last_rating_at": (state.last_rating or {}).get("rated_at")}

    def stop(self) -> None:
        for part in (self.link, self.keypad, self.uploader, *self.background):
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
        self.flow.tick()
        # Pinged from the UI loop itself, so systemd restarts a kiosk whose loop hangs.
        now = time.monotonic()
        if now >= self._watchdog_next:
            watchdog.alive()
            self._watchdog_next = now + self._watchdog_every

    def _on_key(self, item) -> None:
        if isinstance(item, KeypadChanged):
            self.keypad_state = item.state
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
