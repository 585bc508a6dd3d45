"""kiosk/watchdog.py: sd_notify datagrams to $NOTIFY_SOCKET, silent outside systemd."""
from __future__ import annotations

import os
import socket

from kiosk import watchdog


def _listen(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    return sock


def test_ready_and_alive_reach_the_notify_socket(tmp_path, monkeypatch):
    with _listen(tmp_path / "notify") as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        assert watchdog.ready("window up")
        assert sock.recv(256) == b"READY=1\nSTATUS=window up"
        assert watchdog.alive()
        assert sock.recv(256) == b"WATCHDOG=1"


def test_abstract_socket_names_are_understood(monkeypatch):
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert watchdog.alive()
        assert sock.recv(64) == b"WATCHDOG=1"


def test_outside_systemd_nothing_happens(monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not watchdog.ready() and not watchdog.alive()
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens"))
    assert not watchdog.alive()


def test_interval_is_half_the_watchdog_period(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog.interval_s() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert watchdog.interval_s(default=7) == 7


def test_a_receiver_that_stopped_reading_never_blocks_the_ui_loop(tmp_path, monkeypatch):
    """bench/memory.py once left NOTIFY_SOCKET unread: the kiosk's pings filled its queue and
    the next one blocked the UI thread for good. Now a full queue only loses the ping."""
    import threading

    with _listen(tmp_path / "notify"):
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        answers: list[bool] = []
        pinger = threading.Thread(target=lambda: answers.extend(
            watchdog.alive() for _ in range(5000)), daemon=True)
        pinger.start()
        pinger.join(10)
        assert not pinger.is_alive(), "alive() blocked on a full notify socket"
        assert answers[0] is True and answers[-1] is False  # sent while there was room
