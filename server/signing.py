"""Signed JSON POSTs for the outbox's senders (alert webhooks, SMS gateways, export targets).

A leaf module (no server imports but the outbox's DeliveryError) so server/workflow and
server/export share one HTTP client and one signature scheme without importing each other.
Receivers check sign() with verify(); server/export/testing.py is such a receiver.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from server.db.outbox import DeliveryError

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
SIGNATURE_HEADER = "X-Haochaping-Signature"
TIMESTAMP_HEADER = "X-Haochaping-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "kiosk-server/1"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=" (what receivers check:
    the timestamp is signed too, so an old alert cannot be replayed as new)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """The receiver's side of sign(), in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def post_json(url: str, body: bytes, headers: dict,
              timeout: float = TIMEOUT_S) -> int:
    """POST; the status on 2xx, else DeliveryError naming the status or the network error."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            resp.read(65536)
            return resp.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{_host(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{_host(url)} unreachable: {reason}") from None


def _host(url: str) -> str:
    """Where a URL points, without any credentials or query it may carry (for messages)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
