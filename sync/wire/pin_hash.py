"""Salted slow hash of a short PIN (scrypt), shared by the server (staff sign-in PINs, set in
the console) and the kiosk (which verifies them offline, and its technician PIN).

Format: `scrypt$n$r$p$salt$hash` (base64). scrypt with n=2**14, r=8, p=1 costs ~16 MiB and
~50 ms on a Pi 4: slow enough that a stolen device config does not give up a 6-digit PIN in
an instant (10**6 tries ~ 14 CPU-hours), fast enough that a clerk signing in never waits.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
# What a stored hash looks like on the wire (sync.wire.models.StaffMember.pin_hash).
HASH_PATTERN = r"^scrypt\$\d{1,7}\$\d{1,2}\$\d{1,2}\$[A-Za-z0-9+/=]{4,64}\$[A-Za-z0-9+/=]{4,128}$"
MAX_N = 2 ** 17  # a hash asking for more work than this is refused, not computed


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
        if not re.match(HASH_PATTERN, stored or ""):
            return False
        _scheme, n, r, p, salt, digest = stored.split("$")
        if int(n) > MAX_N or int(n) < 2:
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(want), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def staff_pin_ok(pin: str) -> bool:
    """A staff sign-in PIN: 4 to 6 digits (ASCII)."""
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 6


def new_staff_pin() -> str:
    """A random 6-digit PIN for the supervisor to hand over (shown once)."""
    return f"{secrets.randbelow(10 ** 6):06d}"
