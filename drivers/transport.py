"""A byte pipe over any pyserial URL that reopens itself with back-off and reports its state."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable

import serial

from drivers.events import LinkState

log = logging.getLogger(__name__)

FIRST_RETRY_S = 0.5   # spec: first retry within 1 s
MAX_RETRY_S = 10.0    # spec: then at most every 10 s
READ_TIMEOUT_S = 0.1  # how long a read blocks, so stop() is noticed quickly
MAX_PENDING_WRITES = 256


class Transport:
    """Owns one port and one reader thread; calls on_bytes(data) and on_state(state) from it."""

    def __init__(self, url: str, on_bytes: Callable[[bytes], None],
                 on_state: Callable[[LinkState], None], baudrate: int = 9600,
                 name: str = "queue-link") -> None:
        self.url = url
        self.baudrate = baudrate
        self._on_bytes = on_bytes
        self._on_state = on_state
        self._name = name
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: deque[bytes] = deque(maxlen=MAX_PENDING_WRITES)
        self.state = LinkState.CLOSED
        # For the technician menu: proof the wire is alive without sending anything on it.
        self.rx_bytes = self.tx_bytes = 0
        self.last_rx_at: float | None = None  # time.monotonic() of the last byte heard

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._close()
        self._set_state(LinkState.CLOSED)

    def write(self, data: bytes, queue_if_down: bool = True) -> bool:
        """Write now if connected; else keep it (bounded) for when the link is back."""
        with self._lock:
            port = self._port
            if port is not None:
                try:
                    port.write(data)
                    port.flush()
                    self.tx_bytes += len(data)
                    return True
                except (serial.SerialException, OSError) as exc:
                    log.warning("write to %s failed: %s", self.url, exc)
            if queue_if_down:
                self._pending.append(data)
            return False

    def _set_state(self, state: LinkState) -> None:
        if state != self.state:
            self.state = state
            log.info("link %s is %s", self.url, state.value)
            self._on_state(state)

    def _open(self) -> bool:
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=READ_TIMEOUT_S,
                                         do_not_open=True)
            if self.url.startswith("/"):
                port.exclusive = True  # a second process on the same tty would steal bytes
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            log.debug("open %s failed: %s", self.url, exc)
            return False
        with self._lock:
            self._port = port
            pending, self._pending = list(self._pending), deque(maxlen=MAX_PENDING_WRITES)
        for data in pending:
            self.write(data)
        return True

    def _close(self) -> None:
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _run(self) -> None:
        delay = FIRST_RETRY_S
        while not self._stop.is_set():
            self._set_state(LinkState.CONNECTING)
            if not self._open():
                self._set_state(LinkState.DISCONNECTED)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_RETRY_S)
                continue
            self._set_state(LinkState.CONNECTED)
            delay = FIRST_RETRY_S
            self._read_until_error()
            self._close()
            if not self._stop.is_set():
                self._set_state(LinkState.DISCONNECTED)
                self._stop.wait(delay)

    def _read_until_error(self) -> None:
        port = self._port
        while not self._stop.is_set() and port is not None:
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                # TypeError: pyserial's socket:// raises it on some resets after close().
                log.warning("link %s lost: %s", self.url, exc)
                return
            if data:
                self.rx_bytes += len(data)
                self.last_rx_at = time.monotonic()
                try:
                    self._on_bytes(data)
                except Exception:  # a codec bug must not kill the link
                    log.exception("decoding bytes from %s failed", self.url)
