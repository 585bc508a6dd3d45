"""A simulated queue system speaking the `line` dialect on a fresh pty pair (demo and tests)."""
from __future__ import annotations

import logging
import os
import queue
import select
import threading
import tty
from typing import Callable

from . import line_codec as codec
from .events import Call, Done

log = logging.getLogger(__name__)


class LineSimulator:
    """Plays the queue system: writes CALL/DONE/... to the master side, decodes what the kiosk says.

    The kiosk opens `port_path` (the pty's slave side) like any serial device.
    """

    def __init__(self, window: int, on_message: Callable[[object], None] | None = None) -> None:
        self.window = window
        self.received: queue.Queue = queue.Queue()
        self.raw = bytearray()  # every byte the kiosk sent, for tests that check the exact wire
        self._on_message = on_message
        self._master, self._slave = os.openpty()
        # Raw mode: no echo, no CR/LF translation, exactly as a real serial line.
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.port_path = os.ttyname(self._slave)
        self._splitter = codec.LineSplitter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="queue-simulator", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> "LineSimulator":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def send_bytes(self, data: bytes) -> None:
        with self._lock:
            os.write(self._master, data)

    def send(self, event) -> None:
        """Send a queue->kiosk event (Call, Done, Pause, ...) for this simulator's window."""
        self.send_bytes(codec.encode_queue(self.window, event))

    def send_call(self, ticket: str) -> None:
        self.send(Call(ticket))

    def send_done(self, ticket: str, case_id: str | None = None, item_code: str | None = None) -> None:
        self.send(Done(ticket, case_id, item_code))

    def send_ping(self) -> None:
        self.send_bytes(codec.encode(codec.Ping()))

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue  # no reader on the slave side right now; it may come back
            self.raw += data
            for item in self._splitter.feed(data):
                msg = item if isinstance(item, codec.Dropped) else codec.parse_kiosk_line(item)
                if isinstance(msg, codec.Dropped):
                    log.warning("simulator dropped %r: %s", msg.raw, msg.reason)
                    continue
                self.received.put(msg)
                if self._on_message:
                    self._on_message(msg)
