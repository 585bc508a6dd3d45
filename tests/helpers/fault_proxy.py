"""A small TCP proxy on loopback that can break connections the way real networks do.

Modes, chosen per accepted connection:

* "pass"          forward both ways untouched;
* "drop_response" forward the request to the server, wait until the server starts answering
                  (so it has done the work), then close the client connection without
                  forwarding a byte of the response: the classic lost acknowledgement;
* "reset"         accept, then close with SO_LINGER 0 so the client gets a TCP RST;
* "delay"         forward the request, hold the server's response for delay_s, then forward
                  it (longer than the client's timeout = a read timeout after the server
                  committed);
* "bad_gateway"   forward the request, wait until the server starts answering (it has
                  committed), then answer the client 502 instead: a 5xx after the work is done;
* "refuse"        stop listening altogether (connect() is refused) until another mode is set.

set_chaos({"pass": 5, "reset": 1, ...}, delay_s, seed) picks a mode per connection at random
with those weights ("refuse" in a chaos mix = connection closed before a byte is read, since
the listener stays open).

set_fault(mode, count=N) applies the mode to the next N connections, then reverts to "pass";
count=None applies it until changed. `faults` counts the faults actually applied per mode.
An HTTP client pools connections, so set faults before the client makes its first request.
"""
from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter

MODES = ("pass", "drop_response", "reset", "delay", "bad_gateway", "refuse")
BAD_GATEWAY = (b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
               b"Content-Length: 24\r\nConnection: close\r\n\r\n{\"error\": \"bad gateway\"}")


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.host, self.port = host, port
        self.faults: Counter = Counter()
        self.connections = 0
        self._lock = threading.Lock()
        self._mode, self._count, self._delay_s = "pass", None, 0.0
        self._chaos: tuple[list[str], list[int], random.Random] | None = None
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- control ------------------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        self._listen()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._close_listener()
        with self._lock:
            socks, self._open = list(self._open), set()
        for sock in socks:
            _close(sock)

    def set_fault(self, mode: str, count: int | None = None, delay_s: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            self._mode, self._count, self._delay_s = mode, count, delay_s
            self._chaos = None
        if mode == "refuse":
            self._close_listener()
            with self._lock:
                self.faults["refuse"] += 1
        elif self._listener is None and not self._stopped:
            self._listen()

    def set_chaos(self, weights: dict[str, int], delay_s: float = 0.0, seed: int = 0) -> None:
        for mode in weights:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            self._mode, self._count, self._delay_s = "pass", None, delay_s
            self._chaos = (list(weights), list(weights.values()), random.Random(seed))
        if self._listener is None and not self._stopped:
            self._listen()

    def _take_mode(self) -> tuple[str, float]:
        with self._lock:
            self.connections += 1
            mode, delay_s = self._mode, self._delay_s
            if self._chaos is not None:
                modes, weights, rng = self._chaos
                mode = rng.choices(modes, weights)[0]
                if mode != "pass":
                    self.faults[mode] += 1
                return mode, delay_s
            if mode != "pass":
                self.faults[mode] += 1
                if self._count is not None:
                    self._count -= 1
                    if self._count <= 0:
                        self._mode, self._count = "pass", None
            return mode, delay_s

    # -- sockets ------------------------------------------------------------------------------
    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self._listener = sock
        self._accept_thread = threading.Thread(target=self._accept, args=(sock,), daemon=True,
                                               name=f"fault-proxy-{self.port}")
        self._accept_thread.start()

    def _close_listener(self) -> None:
        sock, self._listener = self._listener, None
        thread, self._accept_thread = self._accept_thread, None
        if sock is not None:
            _close(sock)
        if thread is not None and thread is not threading.current_thread():
            thread.join(2)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _handle(self, client: socket.socket) -> None:
        self._track(client)
        mode, delay_s = self._take_mode()
        if mode == "refuse":  # chaos only: close before reading anything
            _close(client)
            return
        if mode == "reset":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            _close(client, shutdown=False)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
        try:
            first = upstream.recv(65536)
            if mode == "drop_response":
                return  # the server answered; the client never hears it
            if mode == "bad_gateway":
                client.sendall(BAD_GATEWAY)
                return
            if mode == "delay":
                time.sleep(delay_s)
            if self._chaos is not None:
                # Under chaos one connection carries one exchange, so that keep-alive cannot
                # carry later requests past the faults: close after a complete response.
                _forward_one_response(first, upstream, client)
                return
            data = first
            while data:
                client.sendall(data)
                data = upstream.recv(65536)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)


def _forward_one_response(first: bytes, upstream: socket.socket, client: socket.socket) -> None:
    """Forward one HTTP response with a Content-Length (what uvicorn sends), then stop."""
    buf = first
    client.sendall(first)
    while True:
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep:
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(body) >= length:
                return
        data = upstream.recv(65536)
        if not data:
            return
        client.sendall(data)
        buf += data


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
    except OSError:
        _close(src)
        _close(dst)


def _close(sock: socket.socket, shutdown: bool = True) -> None:
    # shutdown first: close() alone does not wake another thread blocked in recv() on Linux,
    # and while that recv holds the socket no FIN goes out.
    if shutdown:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    try:
        sock.close()
    except OSError:
        pass
