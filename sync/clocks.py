"""Time sources a rating carries: UTC wall time, boot id and seconds since boot (no RTC on a Pi)."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path


def utc_now() -> str:
    """Wall-clock time in UTC, ISO 8601 with milliseconds and a Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@lru_cache(maxsize=1)
def boot_id() -> str:
    """The kernel's id of this boot; with since_boot() it lets the server fix a wrong clock."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def stamp() -> tuple[str, str, float]:
    """(utc_now(), boot_id(), since_boot()): what a rating, an event and an upload carry. The
    outbox's Store.stamp and the Uploader's clock default to it; a test lays out a day with
    its own (the three kept consistent, or the server corrects the times away)."""
    return utc_now(), boot_id(), since_boot()


def since_boot() -> float:
    """Seconds since boot, counting suspend, immune to wall-clock jumps."""
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):
        return time.monotonic()
