"""The technician PIN: scrypt hash with a fresh salt, constant-time check (CLI and menu).
The scheme is shared with the staff sign-in PINs (sync/wire/pin_hash.py)."""
from __future__ import annotations

from sync.wire.pin_hash import SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_pin, verify_pin  # noqa: F401


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 12
