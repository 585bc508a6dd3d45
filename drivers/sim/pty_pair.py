"""A pty pair standing in for a serial cable: the kiosk opens `port_path`, we hold the far end."""
from __future__ import annotations

import logging
import os
import select
import threading
import tty
from typing import Callable

log = logging.getLogger(__name__)


class PtyPair:
    """Raw-mode pty; a reader thread hands every byte the kiosk writes to `on_bytes`."""

    def __init__(self, on_bytes: Callable[[bytes], None] | None = None) -> None:
        self.raw = bytearray()  # every byte the kiosk sent, for exact-wire checks
        self._on_bytes = on_bytes
        self._master, self._slave = os.openpty()
        # Raw mode: no echo, no CR/LF translation, exactly as a real serial line.
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.port_path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name="pty-peer", daemon=True)

    def start(self) -> "PtyPair":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def send_bytes(self, data: bytes) -> None:
        with self._lock:
            os.write(self._master, data)

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue  # nobody has the slave side open right now; they may come back
            self.raw += data
            if self._on_bytes:
                try:
                    self._on_bytes(data)
                except Exception:
                    log.exception("pty peer failed on %r", data[:32])
