"""The technician menu: a hidden gesture (3 s hold, top-left corner of the idle screen), a PIN
checked against `[technician] pin_hash` (kiosk-setup's salted scrypt hash), then what a
technician needs on site. PinGate is plain Python; TechMenu is the Kivy view over it."""
from __future__ import annotations

import logging
import socket
import time
from typing import Callable

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk import __version__
from kiosk.i18n import _
from kiosk.services import describe_config
from kiosk.ui.widgets import LINK_TEXT

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCKOUT_S = 60.0


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
        (_("Last sync"), up.get("last_sync_at") or (_("never") if cfg.server.url else _("no server"))),
        (_("Sync error"), up.get("last_error") or "-"),
        (_("Device config"), describe_config(app.services.config_status())
         if app.services is not None else "-"),
        (_("Backlog"), "-" if backlog is None else str(backlog)),
        (_("IP address"), ip_address()),
    ]


class TechMenu(ModalView):
    """PIN pad first; the status page and its buttons only after the right PIN."""

    app = ObjectProperty(None)
    unlocked = BooleanProperty(False)
    pin = StringProperty("")
    message = StringProperty("")
    status_text = StringProperty("")

    def __init__(self, app, gate: PinGate, **kw) -> None:
        super().__init__(auto_dismiss=False, **kw)
        self.app, self.gate = app, gate
        if not gate.pin_hash:
            self.message = _("No technician PIN is set: run kiosk-setup init")
        self._locked_message()

    def _locked_message(self) -> bool:
        left = self.gate.locked_for()
        if left > 0:
            self.message = _("Locked: try again in {seconds} s").format(seconds=int(left + 0.999))
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
            self.unlocked, self.message = True, ""
            self.refresh()
        elif not self._locked_message():
            self.message = _("Wrong PIN")

    def refresh(self) -> None:
        if self.unlocked:
            self.status_text = "\n".join(f"{k}:  {v}" for k, v in status_lines(self.app))

    def test_link(self) -> None:
        """Sends nothing (every dialect's messages mean something to the queue system): shows
        the link state and the traffic counters, so a live wire shows as bytes heard."""
        self.refresh()
        state = _(LINK_TEXT[self.app.flow.state.link]) if self.app.flow else "-"
        self.message = _("Link is {state}: {traffic}").format(state=state,
                                                               traffic=link_traffic(self.app.link))

    def replay_voice(self) -> None:
        if self.app.voice is not None:
            self.app.voice.replay()
        self.message = _("Voice replayed")

    def exit_to_shell(self) -> None:
        if self.unlocked:
            log.warning("technician closed the kiosk app from the menu")
            self.dismiss()
            self.app.stop()
