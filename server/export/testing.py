"""A loopback HTTP receiver for tests and the demo: stands in for a duty manager's webhook,
an SMS gateway or a provincial export target.

    rx = Receiver(secret="k").start()      # rx.url is http://127.0.0.1:<port>/
    ... point a channel or target at rx.url ...
    rx.wait_for(1, timeout=5)              # the distinct bodies received, in order
    rx.fail_with = 500                     # answer 500 (counted as an attempt) until None
    rx.stop(); rx.start()                  # down for a while, then back on the same port

Every POST is recorded in rx.attempts (key, status answered, signature valid); a body whose
Idempotency-Key was already accepted is answered 200 and not added again to rx.received,
exactly what a real receiver should do with a retry.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from server.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

log = logging.getLogger(__name__)


class Receiver:
    """A JSON-POST receiver on loopback in a daemon thread (see the module docstring)."""

    def __init__(self, secret: str | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.secret, self.host, self.port = secret, host, port
        self.fail_with: int | None = None
        self.received: list[dict] = []     # accepted bodies, each key once
        self.keys: list[str] = []          # their idempotency keys
        self.attempts: list[dict] = []     # every POST: key, status, signature_ok
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._take(body, self.headers)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": %s}' % (b"true" if status == 200 else b"false"))

            def log_message(self, fmt, *args) -> None:
                log.debug("receiver: " + fmt, *args)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name=f"receiver-{self.port}").start()
        return self

    def _take(self, body: bytes, headers) -> int:
        key = headers.get(IDEMPOTENCY_HEADER, "")
        signed = None
        if self.secret is not None:
            signed = verify(self.secret, headers.get(TIMESTAMP_HEADER, ""), body,
                            headers.get(SIGNATURE_HEADER, ""))
        with self._lock:
            status = self.fail_with or (401 if signed is False else 200)
            self.attempts.append({"key": key, "status": status, "signature_ok": signed})
            if status == 200 and key not in self.keys:
                self.keys.append(key)
                self.received.append(json.loads(body))
            self._lock.notify_all()
        return status

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        """Block until `count` distinct bodies arrived (or timeout); what arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count and time.monotonic() < deadline:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
            return list(self.received)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
