"""Where a simulated queue system plugs in: a fresh pty, any pyserial URL, or a TCP listener."""
from __future__ import annotations

import logging
import socket
import threading
from typing import Callable
from urllib.parse import urlparse

import serial

from drivers.sim.pty_pair import PtyPair

log = logging.getLogger(__name__)


class SerialEndpoint:
    """The queue side on a real port (`/dev/ttyUSB1`, `rfc2217://…`, `loop://`)."""

    def __init__(self, url: str, on_bytes: Callable[[bytes], None]) -> None:
        self.port_path = url
        self.raw = bytearray()
        self._on_bytes = on_bytes
        self._port = serial.serial_for_url(url, baudrate=9600, timeout=0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="sim-serial", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._port.close()

    def send_bytes(self, data: bytes) -> None:
        self._port.write(data)

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._port.read(self._port.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                log.warning("simulator port %s: %s", self.port_path, exc)
                self._stop.wait(0.5)
                continue
            if data:
                self.raw += data
                self._on_bytes(data)


class TcpListenEndpoint:
    """The queue side as a TCP server (`tcp-listen://127.0.0.1:7000`); the kiosk uses socket://."""

    def __init__(self, url: str, on_bytes: Callable[[bytes], None]) -> None:
        parsed = urlparse(url)
        self._server = socket.create_server((parsed.hostname or "127.0.0.1", parsed.port or 0))
        host, port = self._server.getsockname()[:2]
        self.port_path = f"socket://{host}:{port}"
        self.raw = bytearray()
        self._on_bytes = on_bytes
        self._conn: socket.socket | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sim-tcp", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        if self._conn:
            self._conn.close()
        self._thread.join(timeout=2)

    def send_bytes(self, data: bytes) -> None:
        if self._conn is None:
            log.warning("no kiosk connected to %s: %d bytes not sent", self.port_path, len(data))
            return
        self._conn.sendall(data)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._server.accept()
            except OSError:
                return
            log.info("kiosk connected from %s", peer)
            self._conn = conn
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                self.raw += data
                self._on_bytes(data)
            self._conn = None
            conn.close()


def open_endpoint(url: str | None, on_bytes: Callable[[bytes], None]):
    """None or 'pty': a fresh pty pair (its slave path is `port_path`); else the URL given."""
    if url in (None, "", "pty"):
        return PtyPair(on_bytes)
    if url.startswith("tcp-listen://"):
        return TcpListenEndpoint(url, on_bytes)
    return SerialEndpoint(url, on_bytes)
