"""A simulated legacy queue host on the caller68 bus: echoes keys, shows tickets, calls on 呼叫."""
from __future__ import annotations

import logging
import queue

from drivers import caller68_codec as cc
from drivers.events import StaffAction
from drivers.sim.endpoint import open_endpoint

log = logging.getLogger(__name__)

ACTIONS = {code: action for action, code in cc.KEY_CODES.items()}


class Caller68Host:
    """Plays the host: every key frame is echoed; NEXT calls the next number on the display."""

    def __init__(self, address: int = 1, first_ticket: int = 1, auto_call: bool = True,
                 url: str | None = None) -> None:
        self.address = address
        self.next_number = first_ticket
        self.auto_call = auto_call
        self.echo = True
        self.received: queue.Queue = queue.Queue()  # StaffAction of each distinct key press
        self._decoder = cc.Caller68Decoder()
        self._pty = open_endpoint(url, self._on_bytes)
        self.port_path = self._pty.port_path
        self._last_key: bytes | None = None
        self._display: bytes | None = None  # the last display frame, for refresh()

    @property
    def raw(self) -> bytearray:
        return self._pty.raw

    def start(self) -> "Caller68Host":
        self._pty.start()
        return self

    def stop(self) -> None:
        self._pty.stop()

    def show_ticket(self, number: int | str, blanks: bool = False) -> None:
        """Show a called ticket's last three digits; `blanks`: leading zeros left blank, as
        some hosts do (ticket 7 as 0A 0A 0A 0A 0A 07)."""
        self._show(cc.display_ticket(self.address, str(number), blanks))

    def show_waiting(self, count: int, blanks: bool = False) -> None:
        self._show(cc.display_waiting(self.address, count, blanks))

    def show_blank(self) -> None:
        """Blank the display: no ticket is called (some hosts do so after 弃号 or at close)."""
        self._show(cc.display_blank(self.address))

    def refresh(self) -> None:
        """Send the last display frame again, as hosts do every few seconds."""
        if self._display is not None:
            self._pty.send_bytes(self._display)

    def _show(self, frame: cc.Frame) -> None:
        self._display = cc.encode(frame)
        self._pty.send_bytes(self._display)

    def beep(self) -> None:
        self._pty.send_bytes(cc.encode(cc.Frame(self.address, cc.BEEP)))

    def call_next(self) -> str:
        ticket = f"{self.next_number % 1000:03d}"
        self.next_number += 1
        self.show_ticket(ticket)
        return ticket

    def _on_bytes(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            if not isinstance(frame, cc.Frame) or frame.addr != self.address or frame.cmd != cc.KEY:
                continue
            raw = cc.encode(frame)
            if self.echo:
                self._pty.send_bytes(raw)
            action = ACTIONS.get(frame.data)
            log.info("caller key %s (%s)", frame.data.hex(), action.value if action else "?")
            if action is None:
                continue
            self.received.put(action)
            if action is StaffAction.NEXT and self.auto_call:
                self.call_next()
