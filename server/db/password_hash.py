"""Password hashing (argon2id) with bounded concurrency, so a burst of logins cannot take the
server's memory.

* argon2id through argon2-cffi with OWASP's parameters (19 MiB, 2 passes, 1 lane). Each hash
  or check needs its 19 MiB at once; sixty parallel failed logins on the thread pool (40
  threads) once took a server from 91 MB to ~800 MB, and it stayed there: glibc had moved its
  mmap threshold up to 19 MiB after the first free, so later blocks came from per-thread
  arenas that are never given back.
* At most SLOTS hashes run at once in the process (one per core): a threading semaphore
  around every hash and check (console logins, password changes, the CLI). A caller that
  cannot get a slot within WAIT_S raises Busy (the console answers 503 with Retry-After).
* Blocks of 1 MiB and more are always mmapped (mallopt M_MMAP_THRESHOLD, glibc only), so the
  memory of a hash goes back to the system when it is freed.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)

SLOTS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1)
WAIT_S = 10.0
M_MMAP_THRESHOLD = -3

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_slots = threading.BoundedSemaphore(SLOTS)


class Busy(RuntimeError):
    """Every hashing slot stayed taken for WAIT_S: try again in a moment."""


def _fixed_mmap_threshold() -> None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(M_MMAP_THRESHOLD, 1024 * 1024)
    except OSError:  # pragma: no cover - not glibc: the semaphore still bounds the memory
        log.debug("mallopt unavailable")


_fixed_mmap_threshold()


class _Slot:
    def __enter__(self):
        if not _slots.acquire(timeout=WAIT_S):
            log.warning("password hashing busy: every slot taken for %.0f s", WAIT_S)
            raise Busy("password hashing busy")

    def __exit__(self, *exc) -> None:
        _slots.release()


def hash_password(password: str) -> str:
    with _Slot():
        return _hasher.hash(password)


def verify(stored: str, password: str | None) -> bool:
    """Whether password matches the stored hash (False for a malformed hash)."""
    with _Slot():
        try:
            return _hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return False


DUMMY = _hasher.hash("not a password " + secrets.token_hex(8))  # same cost for unknown users
