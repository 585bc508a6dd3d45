"""Hand the C heap's free pages back to the system (glibc's malloc_trim).

Building the screens and drawing them allocates tens of MB of short-lived native memory (text
layout, SDL2_ttf font faces, Mesa's buffers) between long-lived blocks; glibc keeps the freed
holes mapped, so the kiosk's RSS stayed ~10 MB above what it uses (bench/memory.py).
`trim()` after start-up and after each case returns them; a few ms, off the DONE -> rating
screen path. Elsewhere than glibc (musl, macOS) it does nothing.

Before trimming, Python's own garbage goes: a case leaves reference cycles (the upload's HTTP
response and its socket, exceptions with their tracebacks) that the cyclic collector would
only reach at a rare full collection, and whose blocks trim() cannot return until then; they
were ~1.3 MB of creep over the first 100 ratings (bench/memory.py). Start-up's survivors are
frozen once (gc.freeze), so the collection after a case walks only what cases made since.
"""
from __future__ import annotations

import ctypes
import gc
import logging
import time

log = logging.getLogger(__name__)

_malloc_trim = None
_missing = False


def trim() -> bool:
    """Release the free pages of every malloc arena; False when the C library cannot."""
    global _malloc_trim, _missing
    if _missing:
        return False
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _missing = True
            log.debug("no malloc_trim in this C library: the heap is not trimmed")
            return False
        _malloc_trim.argtypes = [ctypes.c_size_t]
    return bool(_malloc_trim(0))


def settle() -> bool:
    """After start-up: collect its garbage, freeze the survivors out of every later
    collection, then trim."""
    gc.collect()
    gc.freeze()
    return trim()


def thaw() -> None:
    """Before the screens are rebuilt (a config reload): the frozen old ones must be
    collectable again, or their reference cycles would never be freed."""
    gc.unfreeze()


def after_case() -> bool:
    """After a case: collect the cycles it left (see the module docstring), then trim."""
    started = time.perf_counter()
    found = gc.collect()
    log.debug("collected %d objects in %.1f ms", found, (time.perf_counter() - started) * 1e3)
    return trim()
