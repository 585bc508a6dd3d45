"""Slow and half-open clients (issue 13 item 2): 1,200 connections that never finish their
headers do not make /healthz slow, and are closed at the header deadline; a body that stops
half-way is closed at the body deadline while one that keeps arriving is not; the
accept-error line cannot flood the log."""
import logging
import resource
import socket
import time

import pytest
import requests

from server.runner import ServerThread
from server.serving import GuardedH11Protocol, QuietAccept

HALF_OPEN = 1200


@pytest.fixture
def quick_deadlines(monkeypatch):
    monkeypatch.setattr(GuardedH11Protocol, "header_timeout_s", 1.5)
    monkeypatch.setattr(GuardedH11Protocol, "body_timeout_s", 1.5)


@pytest.fixture
def live(tmp_path, quick_deadlines):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if min(hard, 65536) < 2 * HALF_OPEN + 200:
        pytest.skip(f"needs {2 * HALF_OPEN + 200} descriptors, hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2 * HALF_OPEN + 200), hard))
    srv = ServerThread(tmp_path / "s.db").start()
    yield srv
    srv.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(1) == b""
    except (TimeoutError, BlockingIOError):
        return False
    except ConnectionResetError:
        return True


def test_half_open_connections_keep_healthz_fast_and_are_cut(live):
    socks = []
    try:
        for _ in range(HALF_OPEN):  # bounded, loopback
            sock = socket.create_connection(("127.0.0.1", live.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
            socks.append(sock)
        slowest = 0.0
        with requests.Session() as s:
            for _ in range(20):
                started = time.monotonic()
                assert s.get(live.url + "/healthz", timeout=10).json() == {"ok": True}
                slowest = max(slowest, time.monotonic() - started)
        # Not hung (a user's bound); the 100 ms goal is bench/slow_clients.py's, against a floor.
        assert slowest < 5, f"/healthz took {slowest * 1000:.0f} ms"
        deadline = time.monotonic() + 15
        open_ = socks
        while open_ and time.monotonic() < deadline:
            time.sleep(0.2)
            open_ = [s for s in open_ if not _closed_by_server(s)]
        assert open_ == [], f"{len(open_)} half-open connections still open"
    finally:
        for sock in socks:
            sock.close()


def test_body_that_stops_half_way_is_cut(live):
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: 100\r\n\r\n{\"code\": ")
        started = time.monotonic()
        sock.settimeout(15)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        assert 1.0 < time.monotonic() - started < 10  # not before the deadline; never hung


def test_slow_body_that_keeps_arriving_is_not_cut(live):
    """A kiosk on a slow uplink: the body trickles in over 3 s (twice the deadline) and the
    request is answered. Pieces 0.35 s apart: a test thread held up by a busy machine for
    a second still keeps within the 1.5 s deadline."""
    body = b'{"code": "WRONG-CODE-1234"}'
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        for i in range(0, len(body), 3):  # bounded: 9 pieces, 0.35 s apart
            time.sleep(0.35)
            sock.sendall(body[i:i + 3])
        assert sock.recv(4096).startswith(b"HTTP/1.1 403")  # answered: unknown code


def test_kept_alive_connection_that_starts_a_request_and_stalls_is_cut(live):
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # the next request never finishes
        started = time.monotonic()
        sock.settimeout(15)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        assert time.monotonic() - started < 10  # cut, not left open (the deadline is 1.5 s)


def test_accept_errors_are_logged_once_per_interval(caplog):
    logger = logging.getLogger("test.accept")
    quiet = QuietAccept(every_s=60)
    logger.addFilter(quiet)
    try:
        with caplog.at_level(logging.ERROR, logger="test.accept"):
            for _ in range(10_000):
                logger.error("socket.accept() out of system resource")
            logger.error("something else")
    finally:
        logger.removeFilter(quiet)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["socket.accept() out of system resource", "something else"]
    assert quiet.dropped == 9_999
