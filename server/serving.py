"""How uvicorn runs the app: deadlines for slow clients, a log that cannot flood, workers.

uvicorn alone waits forever for a request's headers, so 1,200 connections that never finish
theirs hold 1,200 descriptors until the process runs out. GuardedH11Protocol closes a
connection whose headers are not complete within HEADER_TIMEOUT_S of its opening (or of the
previous response on a kept-alive connection), and one whose body stops arriving for
BODY_TIMEOUT_S (or takes more than BODY_TOTAL_S in all); a request the app is already
answering is never cut.
In production nginx (deploy/nginx/kiosk-server.conf) applies the same deadlines first.

When descriptors do run out, asyncio logs the failed accept() once per retry, which was
226,000 lines in 33 s: QuietAccept lets one such line through per LOG_EVERY_S and counts the
rest.
"""
from __future__ import annotations

import gc
import logging
import os
import resource
import socket
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEADER_TIMEOUT_S = float(os.environ.get("KIOSK_SERVER_HEADER_TIMEOUT_S", "10"))
BODY_TIMEOUT_S = float(os.environ.get("KIOSK_SERVER_BODY_TIMEOUT_S", "30"))
BODY_TOTAL_S = 300.0
LOG_EVERY_S = 10.0


def no_delay(transport) -> None:
    """TCP_NODELAY on a connection. asyncio sets it only on sockets whose proto is
    IPPROTO_TCP, and the listening socket uvicorn binds for --workers (like any made with
    socket.socket()) has proto 0: a response's body then waited for the ACK of its headers,
    which the client delays by 40 ms. Every answer of `serve --workers 2` took 44 ms."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:  # a connection already reset: nothing to speed up
            log.debug("TCP_NODELAY not set: %s", exc)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body deadlines (see the module docstring)."""

    header_timeout_s = HEADER_TIMEOUT_S
    body_timeout_s = BODY_TIMEOUT_S
    body_total_s = BODY_TOTAL_S
    _body_since = 0.0
    timed_out = 0  # connections closed for being too slow, all instances (tests read it)

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._guard = None
        no_delay(transport)
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def _arm(self, seconds: float) -> None:
        if self._guard is not None:
            self._guard.cancel()
        self._guard = self.loop.call_later(seconds, self._deadline)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's headers are in: now the body's deadline
            self._body_since = time.monotonic()
            self._arm(self.body_timeout_s)
        elif (self.conn.their_state is h11.SEND_BODY and self.cycle is not None
              and time.monotonic() - self._body_since < self.body_total_s):
            # The body is still arriving: a kiosk on a slow uplink is not cut while it
            # makes progress, but no upload may take longer than body_total_s.
            self._arm(self.body_timeout_s)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # kept alive: the next headers have a deadline
            self._arm(self.header_timeout_s)

    def connection_lost(self, exc) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        super().connection_lost(exc)

    def _deadline(self) -> None:
        self._guard = None
        if self.transport.is_closing():
            return
        waiting_headers = self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete)
        waiting_body = (self.conn.their_state is h11.SEND_BODY and self.cycle is not None
                        and not self.cycle.response_started)
        if waiting_headers or waiting_body:
            GuardedH11Protocol.timed_out += 1
            log.debug("closing a slow client (%s)", "headers" if waiting_headers else "body")
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()


class QuietAccept(logging.Filter):
    """Rate-limits asyncio's "socket.accept() out of system resource" line."""

    def __init__(self, every_s: float = LOG_EVERY_S) -> None:
        super().__init__()
        self.every_s = every_s
        self.last = float("-inf")
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if "accept" not in text and "Too many open files" not in text:
            return True
        now = time.monotonic()
        if now - self.last < self.every_s:
            self.dropped += 1
            return False
        self.last = now
        if self.dropped:
            record.msg = f"{text} ({self.dropped} more like this not logged)"
            self.dropped = 0
        record.exc_info = None  # the traceback is the same every time
        return True


def quiet_logs() -> None:
    """Install the accept-error limiter and the /r/ token redaction on the server's loggers."""
    from server.edge import RedactTokens

    for name in ("asyncio", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietAccept) for f in logger.filters):
            logger.addFilter(QuietAccept())
    for name in ("uvicorn.access", "uvicorn.error", "server.app"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def raise_nofile() -> int:
    """Lift the soft descriptor limit to the hard one (systemd's LimitNOFILE); the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):  # pragma: no cover - a container may refuse
            pass
    return soft


def settle_heap() -> None:
    """Move everything alive once the app is built (modules, routes, pydantic schemas: ~60k
    objects) out of the garbage collector's reach. Each batch of 500 ratings allocates ~20k
    objects, so CPython's full collection ran every few batches and walked all of them again:
    0.40 s of GC in a 30,000-rating ingest, 0.17 s after (bench/ingest.py). Only what the
    server keeps for its whole life is alive at this point, so nothing is leaked."""
    gc.collect()
    gc.freeze()


def app_from_env():
    """The app factory each worker process calls (`kiosk-server serve --workers N`): the
    database comes from KIOSK_SERVER_DB, every worker opens its own store."""
    from server.app import create_app
    from server.cli import _open

    quiet_logs()
    app = create_app(_open(os.environ["KIOSK_SERVER_DB"]))
    settle_heap()
    return app
