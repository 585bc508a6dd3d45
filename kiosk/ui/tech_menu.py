"""The technician menu: a hidden gesture (3 s hold, top-left corner of the idle screen), a PIN
checked against `[technician] pin_hash` (kiosk-setup's salted scrypt hash), then what a
technician needs on site. PinGate is plain Python; TechMenu is the Kivy view over it."""
from __future__ import annotations

import logging
import socket
import time
from datetime import datetime
from typing import Callable

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from drivers.events import LinkState
from kiosk import __version__
from kiosk.i18n import _
from kiosk.services import describe_config
from kiosk.ui.widgets import LINK_TEXT

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCKOUT_S = 60.0
CONFIRM_S = 5.0  # 退出到系统 needs a second tap within this long


class PinGate:
    """check(pin) -> True when right; five wrong tries lock it for LOCKOUT_S seconds."""

    def __init__(self, pin_hash: str, clock: Callable[[], float] = time.monotonic,
                 verify: Callable[[str, str], bool] | None = None) -> None:
        if verify is None:
            from kiosk.pin import verify_pin as verify
        self.pin_hash, self.clock, self._verify = pin_hash, clock, verify
        self.failures = 0
        self.locked_until = 0.0

    def locked_for(self) -> float:
        """Seconds of lock-out left (0 when not locked)."""
        return max(0.0, self.locked_until - self.clock())

    def check(self, pin: str) -> bool:
        if not self.pin_hash or self.locked_for() > 0:
            return False
        if self._verify(pin, self.pin_hash):
            self.failures = 0
            log.info("technician menu opened")
            return True
        self.failures += 1
        log.warning("technician menu: wrong PIN (%d of %d)", self.failures, MAX_TRIES)
        if self.failures >= MAX_TRIES:
            self.failures = 0
            self.locked_until = self.clock() + LOCKOUT_S
            log.warning("technician menu locked for %.0f s", LOCKOUT_S)
        return False


def ip_address(target: str = "192.0.2.1") -> str:
    """The address this kiosk would use to reach the network (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((target, 9))
            return s.getsockname()[0]
    except OSError:
        return "-"


def link_traffic(link) -> str:
    """Bytes heard and sent on the queue link, and when it was last heard from."""
    counters = getattr(link, "counters", None)
    if counters is None:
        return _("no queue system configured")
    c = counters()
    heard = (_("never heard") if c["last_rx_s_ago"] is None
             else _("last heard {s} s ago").format(s=c["last_rx_s_ago"]))
    return _("{rx} bytes in, {tx} bytes out, {heard}").format(rx=c["rx_bytes"], tx=c["tx_bytes"],
                                                            heard=heard)


def local_time(stamp: str | None) -> str | None:
    """An ISO UTC stamp (2026-11-24T15:57:36.098Z) as this kiosk's local time, to the second."""
    if not stamp:
        return stamp
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def status_lines(app) -> list[tuple[str, str]]:
    """(label, value) rows for the menu, from the running app's parts."""
    cfg, flow = app.cfg, app.flow
    up = app.uploader.status() if app.uploader is not None else {}
    backlog = up.get("backlog")
    if backlog is None and flow is not None and hasattr(flow.store, "backlog"):
        backlog = flow.store.backlog()
    link = app.link
    link_state = _(LINK_TEXT[flow.state.link]) if flow is not None else "-"
    return [
        (_("Device"), cfg.device.id),
        (_("Version"), __version__),
        (_("Queue link"), f"{link_state}  ({cfg.queue.dialect} {cfg.queue.url or '-'})"),
        (_("Link traffic"), link_traffic(link)),
        (_("Last sync"), local_time(up.get("last_sync_at")) or (_("never") if cfg.server.url else _("no server"))),
        (_("Sync error"), up.get("last_error") or "-"),
        (_("Device config"), describe_config(app.services.config_status())
         if app.services is not None else "-"),
        *(app.services.settings() if app.services is not None else []),
        (_("Backlog"), "-" if backlog is None else str(backlog)),
        (_("IP address"), ip_address()),
    ]


class TechMenu(ModalView):
    """PIN pad first; the status page and its buttons only after the right PIN."""

    app = ObjectProperty(None)
    unlocked = BooleanProperty(False)
    pin = StringProperty("")
    message = StringProperty("")
    message_kind = StringProperty("error")  # error (red), ok (green), info (ink)
    status_text = StringProperty("")
    confirm_exit = BooleanProperty(False)

    def __init__(self, app, gate: PinGate, **kw) -> None:
        super().__init__(auto_dismiss=False, **kw)
        self.app, self.gate = app, gate
        self._confirm_at = 0.0
        if not gate.pin_hash:
            self.say(_("No technician PIN is set: run kiosk-setup init"), "error")
        self._locked_message()

    def say(self, message: str, kind: str = "info") -> None:
        self.message, self.message_kind = message, kind

    def _locked_message(self) -> bool:
        left = self.gate.locked_for()
        if left > 0:
            self.say(_("Locked: try again in {seconds} s").format(seconds=int(left + 0.999)),
                     "error")
            return True
        return False

    def key(self, digit: str) -> None:
        if len(self.pin) < 12:
            self.pin += digit

    def backspace(self) -> None:
        self.pin = self.pin[:-1]

    def enter(self) -> None:
        pin, self.pin = self.pin, ""
        if not self.gate.pin_hash or self._locked_message():
            return
        if self.gate.check(pin):
            self.unlocked = True
            self.say("")
            self.refresh()
        elif not self._locked_message():
            self.say(_("Wrong PIN"), "error")

    def refresh(self) -> None:
        if self.unlocked:
            self.status_text = "\n".join(f"{k}:  {v}" for k, v in status_lines(self.app))

    def test_link(self) -> None:
        """Sends nothing (every dialect's messages mean something to the queue system): shows
        the link state and the traffic counters, so a live wire shows as bytes heard."""
        self.refresh()
        link = self.app.flow.state.link if self.app.flow else None
        state = _(LINK_TEXT[link]) if link is not None else "-"
        self.say(_("Link is {state}: {traffic}").format(state=state,
                                                         traffic=link_traffic(self.app.link)),
                 "ok" if link is LinkState.CONNECTED else "error")

    def replay_voice(self) -> None:
        voice = self.app.voice
        if voice is not None:
            voice.replay()
        if voice is not None and getattr(voice, "off_reason", None):
            self.say(_("The voice is off: {reason}").format(reason=voice.off_reason), "error")
        elif voice is None or getattr(voice, "mute", False):
            # Nothing was heard: not a success (issue 26 item 9), a neutral note instead.
            self.say(_("The voice is muted ([voice] mute): nothing was played"), "muted")
        else:
            self.say(_("Voice replayed"), "ok")

    def exit_to_shell(self) -> None:
        """First tap asks; a second tap within CONFIRM_S closes the app."""
        if not self.unlocked:
            return
        now = self.app.ui_clock()
        if not self.confirm_exit or now - self._confirm_at > CONFIRM_S:
            self.confirm_exit, self._confirm_at = True, now
            self.say(_("Exit the kiosk app to the system? Tap again to confirm, Close to "
                       "cancel."), "error")
            return
        if self.unlocked:
            log.warning("technician closed the kiosk app from the menu")
            self.dismiss()
            self.app.stop()
