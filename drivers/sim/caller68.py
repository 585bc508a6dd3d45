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

    @property
    def raw(self) -> bytearray:
        return self._pty.raw

    def start(self) -> "Caller68Host":
        self._pty.start()
        return self

    def stop(self) -> None:
        self._pty.stop()

    def show_ticket(self, number: int | str) -> None:
        self._pty.send_bytes(cc.encode(cc.display_ticket(self.address, str(number))))

    def show_waiting(self, count: int) -> None:
        self._pty.send_bytes(cc.encode(cc.display_waiting(self.address, count)))

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
