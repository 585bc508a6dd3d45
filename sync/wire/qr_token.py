"""Signed tokens for rating by phone: the kiosk shows a QR code of base_url/r/<token>.

token = "v1." + b64url(payload JSON) + "." + b64url(HMAC-SHA256(key, "v1." + payload)[:16])

The payload names the device (d), ticket (t), case id (c), window (w), the kiosk's local date
(day: with window, ticket and case id it makes the kiosk's case key) and an expiry (e, Unix
seconds); k, only when the case has no case id, is the day's call number that keys it instead
(sync/wire/cases.py). The key is the per-device QR key the server handed out at enrolment (sync/enrol.py);
the server keeps the same key to verify. A 128-bit tag is plenty for a token that lives
minutes; the payload is not secret (it names no citizen).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import date

PREFIX = "v1"
TAG_BYTES = 16
MAX_TOKEN_CHARS = 600
PRINTABLE = re.compile(r"[!-~]{0,64}\Z")


class QrTokenError(ValueError):
    """kind: "malformed", "forged" or "expired"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(key: str, signed: str) -> str:
    mac = hmac.new(key.encode("utf-8"), signed.encode("ascii"), hashlib.sha256).digest()
    return _b64(mac[:TAG_BYTES])


def make_qr_token(device_id: str, key: str, ticket: str, case_id: str | None, ttl_s: float,
                  window: int | None = None, day: date | str | None = None,
                  now: float | None = None, call: int | None = None) -> str:
    now = time.time() if now is None else now
    day = (day or date.today())
    payload = {"d": device_id, "t": ticket, "c": case_id or "", "w": window or 0,
               "day": day if isinstance(day, str) else day.isoformat(),
               "e": int(now + ttl_s)}
    if call and not case_id:
        payload["k"] = call
    signed = f"{PREFIX}." + _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{signed}.{_tag(key, signed)}"


def make_qr_url(base_url: str, device_id: str, key: str, ticket: str, case_id: str | None,
                ttl_s: float, window: int | None = None, day: date | str | None = None,
                call: int | None = None) -> str:
    """The URL to show as a QR code for one case (valid ttl_s seconds)."""
    token = make_qr_token(device_id, key, ticket, case_id, ttl_s, window=window, day=day,
                          call=call)
    return f"{base_url.rstrip('/')}/r/{token}"


def read_qr_token(token: str) -> dict:
    """The payload, NOT verified (the server needs d to find the key). QrTokenError if the
    token is not even well formed."""
    parts = token.split(".")
    if len(token) > MAX_TOKEN_CHARS or len(parts) != 3 or parts[0] != PREFIX:
        raise QrTokenError("malformed", "not a rating code")
    try:
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise QrTokenError("malformed", "not a rating code") from None
    types = {"d": str, "t": str, "c": str, "w": int, "day": str, "e": int}
    if isinstance(payload, dict) and "k" in payload:
        types["k"] = int  # optional: the call number of a case without a case id
    if not isinstance(payload, dict) or set(payload) != set(types) or not all(
            isinstance(payload[k], t) and not isinstance(payload[k], bool)
            for k, t in types.items()):
        raise QrTokenError("malformed", "not a rating code")
    if payload.get("k") is not None and not 0 < payload["k"] < 10**7:
        raise QrTokenError("malformed", "not a rating code")
    # Ids, tickets and dates are printable ASCII: a NUL or a lone surrogate here would only
    # reach the database lookup of "d" (PostgreSQL refuses NUL; UTF-8 refuses surrogates).
    if not all(PRINTABLE.match(payload[k]) for k in ("d", "t", "c", "day")) or not (
            0 <= payload["w"] < 10**4 and 0 <= payload["e"] < 2**40):
        raise QrTokenError("malformed", "not a rating code")
    return payload


def verify_qr_token(token: str, key: str, now: float | None = None) -> dict:
    """The payload of a genuine, unexpired token; QrTokenError otherwise."""
    payload = read_qr_token(token)
    signed, _, tag = token.rpartition(".")
    if not hmac.compare_digest(tag.encode("ascii", "replace"), _tag(key, signed).encode()):
        raise QrTokenError("forged", "the code's signature does not match")
    if (time.time() if now is None else now) > payload["e"]:
        raise QrTokenError("expired", "the code has expired")
    return payload


def signature(token: str) -> str:
    return token.rpartition(".")[2]
