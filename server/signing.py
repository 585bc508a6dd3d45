"""Signed JSON POSTs for the outbox's senders (alert webhooks, SMS gateways, export targets).

A leaf module (no server imports but the outbox's DeliveryError) so server/workflow and
server/export share one HTTP client and one signature scheme without importing each other.
Receivers check sign() with verify(); server/export/testing.py is such a receiver.
"""
from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import http.client
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from server.db.outbox import DeliveryError

log = logging.getLogger(__name__)

MAX_ANSWER = 65536   # what is read of an answer
TIMEOUT_S = 10.0
SIGNATURE_HEADER = "X-Haochaping-Signature"
TIMESTAMP_HEADER = "X-Haochaping-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "kiosk-server/1"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=" (what receivers check:
    the timestamp is signed too, so an old alert cannot be replayed as new)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """The receiver's side of sign(), in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


class Deadline:
    """A hard end for one send: every socket registered with it is shut down when time is up,
    so a receiver that drips its answer (or never answers) cannot keep a send running past
    it. The outbox relies on this: a claimed item's send has ended before its lease does, so
    another worker that takes the item over never sends it while the first send is still on
    the wire (server/delivery.py). One watchdog thread serves every deadline."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self._socks: list = []
        self._lock = threading.Lock()
        self.expired = False
        self.closed = False
        _WATCHDOG.add(self)

    def left(self) -> float:
        return self.at - time.monotonic()

    def register(self, sock) -> None:
        with self._lock:
            if self.expired:
                _cut(sock)
            self._socks.append(sock)

    def fire(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.expired = True
            for sock in self._socks:
                _cut(sock)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._socks = []

    def __enter__(self) -> "Deadline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Watchdog:
    """Fires each Deadline at its time, from one daemon thread (started on first use, and
    again in a process that was forked without it)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._seq), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="send-deadlines")
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, deadline = self._heap[0]
                left = at - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                heapq.heappop(self._heap)
            deadline.fire()


_WATCHDOG = _Watchdog()


def _cut(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or reset: nothing left to cut
        pass


def _bounded(base, deadline: Deadline):
    class Connection(base):
        def connect(self) -> None:
            self.timeout = max(0.001, min(self.timeout, deadline.left()))
            super().connect()
            deadline.register(self.sock)
    return Connection


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_bounded(http.client.HTTPConnection, self.deadline), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(_bounded(http.client.HTTPSConnection, self.deadline), req,
                            context=self._context)


def post_json(url: str, body: bytes, headers: dict,
              timeout: float = TIMEOUT_S) -> int:
    """POST; the status on 2xx, else DeliveryError naming the status or the network error.
    `timeout` bounds the whole request (connect, send, answer), not each read."""
    return post_answer(url, body, headers, timeout)[0]


def post_answer(url: str, body: bytes, headers: dict, timeout: float = TIMEOUT_S,
                explain=None) -> tuple[int, bytes]:
    """post_json, also giving the answer's first 64 kB; explain(body of an HTTP error) may
    add a detail (a platform's code and message) to the DeliveryError it raises."""
    if timeout <= 0:
        raise DeliveryError(f"{_host(url)}: no time left to send (lease ran out)")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers})
    with Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(_HTTP(deadline), _HTTPS(deadline))
        try:
            with opener.open(request, timeout=timeout) as resp:
                raw, status = resp.read(MAX_ANSWER), resp.status
        except urllib.error.HTTPError as exc:
            detail = explain(exc.read(MAX_ANSWER)) if explain else ""
            raise DeliveryError(f"{_host(url)} answered HTTP {exc.code}{detail}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            if deadline.expired or isinstance(getattr(exc, "reason", exc), TimeoutError):
                raise DeliveryError(f"{_host(url)}: no answer within {timeout:g} s") from None
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"{_host(url)} unreachable: {reason}") from None
    return status, raw


def _host(url: str) -> str:
    """Where a URL points, without any credentials or query it may carry (for messages)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
