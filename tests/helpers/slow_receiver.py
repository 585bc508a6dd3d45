"""A webhook receiver on loopback that takes its time to answer, and counts overlaps.

    rx = SlowReceiver(delay_s=5).start()   # every POST is answered after 5 s
    rx.arrivals[key]      # how many POSTs carried this Idempotency-Key
    rx.delivered[key]     # how many of them were answered 200 to a client still listening
    rx.max_in_flight[key] # the most POSTs of one key open at the same moment (must stay 1)

While it waits, it watches the connection: a client that hangs up (a sender cut at its
deadline) is no longer in flight from that moment, as with a real receiver.
"""
from __future__ import annotations

import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowReceiver:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.arrivals: Counter = Counter()
        self.delivered: Counter = Counter()
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "SlowReceiver":
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key", "")
                with rx._lock:
                    rx.arrivals[key] += 1
                    rx.in_flight[key] += 1
                    rx.max_in_flight[key] = max(rx.max_in_flight[key], rx.in_flight[key])
                try:
                    if not rx._wait_or_hangup(self.connection):
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    self.wfile.flush()
                    with rx._lock:
                        rx.delivered[key] += 1
                except OSError:
                    pass
                finally:
                    with rx._lock:
                        rx.in_flight[key] -= 1

            def log_message(self, fmt, *args) -> None:
                pass

        ThreadingHTTPServer.daemon_threads = True
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _wait_or_hangup(self, conn: socket.socket) -> bool:
        """Wait delay_s; False as soon as the client closes its side."""
        until = time.monotonic() + self.delay_s
        while (left := until - time.monotonic()) > 0:
            readable, _, _ = select.select([conn], [], [], min(left, 0.02))
            if readable:
                try:
                    if conn.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except OSError:
                    return False
        return True

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
