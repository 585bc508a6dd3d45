"""Tell systemd the kiosk is up (READY=1) and alive (WATCHDOG=1), over $NOTIFY_SOCKET.

kiosk.service is Type=notify with WatchdogSec=30: call `ready()` once the window is up, and
`alive()` from the UI loop (a Kivy Clock.schedule_interval every `interval_s()` seconds), so
a hung loop gets restarted. Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
"""
from __future__ import annotations

import os
import socket


def notify(state: str) -> bool:
    """Send one sd_notify datagram, e.g. "READY=1"; False when not under systemd or it failed."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract socket namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            # Never wait: this runs on the UI thread, and a receiver that stopped reading (its
            # queue full) would freeze the screen. A ping that cannot go now is just missed.
            sock.setblocking(False)
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError:  # BlockingIOError included
        return False


def ready(status: str = "") -> bool:
    """Start-up is done: systemd marks the unit started."""
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def alive() -> bool:
    """The main loop is still turning: reset the watchdog timer."""
    return notify("WATCHDOG=1")


def stopping() -> bool:
    return notify("STOPPING=1")


def interval_s(default: float = 10.0) -> float:
    """How often to call alive(): half the watchdog period systemd set ($WATCHDOG_USEC)."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return default
    try:
        return max(0.5, int(usec) / 2e6)
    except ValueError:
        return default
