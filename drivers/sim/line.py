"""A simulated queue system speaking the `line` dialect on a fresh pty pair (demo and tests)."""
from __future__ import annotations

import logging
import queue
from typing import Callable

from drivers import line_codec as codec
from drivers.events import Call, Done
from drivers.sim.endpoint import open_endpoint

log = logging.getLogger(__name__)


class LineSimulator:
    """Plays the queue system: writes CALL/DONE/... to the master side, decodes what the kiosk says.

    The kiosk opens `port_path` (a fresh pty's slave side unless `url` names another endpoint).
    """

    def __init__(self, window: int, on_message: Callable[[object], None] | None = None,
                 url: str | None = None) -> None:
        self.window = window
        self.received: queue.Queue = queue.Queue()
        self._on_message = on_message
        self._splitter = codec.LineSplitter()
        self._pty = open_endpoint(url, self._on_bytes)
        self.port_path = self._pty.port_path

    @property
    def raw(self) -> bytearray:
        return self._pty.raw

    def start(self) -> "LineSimulator":
        self._pty.start()
        return self

    def stop(self) -> None:
        self._pty.stop()

    def send_bytes(self, data: bytes) -> None:
        self._pty.send_bytes(data)

    def send(self, event) -> None:
        """Send a queue->kiosk event (Call, Done, Pause, ...) for this simulator's window."""
        self.send_bytes(codec.encode_queue(self.window, event))

    def send_call(self, ticket: str) -> None:
        self.send(Call(ticket))

    def send_done(self, ticket: str, case_id: str | None = None, item_code: str | None = None) -> None:
        self.send(Done(ticket, case_id, item_code))

    def send_ping(self) -> None:
        self.send_bytes(codec.encode(codec.Ping()))

    def _on_bytes(self, data: bytes) -> None:
        for item in self._splitter.feed(data):
            msg = item if isinstance(item, codec.Dropped) else codec.parse_kiosk_line(item)
            if isinstance(msg, codec.Dropped):
                log.warning("simulator dropped %r: %s", msg.raw, msg.reason)
                continue
            self.received.put(msg)
            if self._on_message:
                self._on_message(msg)
