"""Hand the C heap's free pages back to the system (glibc's malloc_trim).

Building the screens and drawing them allocates tens of MB of short-lived native memory (text
layout, SDL2_ttf font faces, Mesa's buffers) between long-lived blocks; glibc keeps the freed
holes mapped, so the kiosk's RSS stayed ~10 MB above what it uses (bench/memory.py).
`trim()` after start-up and after each case returns them; a few ms, off the DONE -> rating
screen path. Elsewhere than glibc (musl, macOS) it does nothing.
"""
from __future__ import annotations

import ctypes
import logging

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
