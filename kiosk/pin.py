"""The technician PIN: scrypt hash with a fresh salt, constant-time check (CLI and menu)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: ~16 MiB and ~50 ms on a Pi 4; the PIN is short, so the cost does the work.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    """`scrypt$n$r$p$salt$hash` of a PIN with a fresh random salt; the PIN is not kept."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Does `pin` match a hash from hash_pin()? Constant-time; False for anything malformed."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(want), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 12
