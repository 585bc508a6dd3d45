"""Who is calling: devices by bearer token, the admin by a shared token from the environment.

* Device tokens and enrolment codes are high-entropy random strings; the server stores only
  their sha256 (digest()), looks a device up by that hash and compares nothing in Python.
* The admin token comes from KIOSK_SERVER_ADMIN_TOKEN and is compared in constant time
  (hmac.compare_digest). Without it the admin API answers 403 "disabled"; the CLI still works
  because it talks to the database directly.
* open_ingest (the loopback demo and old tests only; `kiosk-server serve` never sets it)
  lets a request without Authorization upload and list ratings; a request that does send a
  token is still checked.

Tokens are never logged: log lines name the device id only.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request

ADMIN_ENV = "KIOSK_SERVER_ADMIN_TOKEN"


@dataclass(frozen=True)
class AuthSettings:
    admin_token: str | None = None
    open_ingest: bool = False

    @classmethod
    def from_env(cls, open_ingest: bool = False) -> "AuthSettings":
        return cls(admin_token=os.environ.get(ADMIN_ENV) or None, open_ingest=open_ingest)


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random secret of nbytes * 8 bits."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def require_admin(request: Request) -> None:
    """FastAPI dependency for /api/v1/admin/* and the rating list."""
    settings: AuthSettings = request.app.state.auth
    token = bearer(request)
    if settings.admin_token is None:
        if settings.open_ingest and token is None:
            return
        raise HTTPException(403, f"admin API disabled: set {ADMIN_ENV} on the server")
    if token is None or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        raise _unauthorized("admin token required")


def device_from_token(request: Request) -> dict | None:
    """The calling device (a dict from the store) or None when open_ingest lets an anonymous
    caller through; raises 401 for a missing, unknown or revoked token."""
    settings: AuthSettings = request.app.state.auth
    token = bearer(request)
    if token is None:
        if settings.open_ingest:
            return None
        raise _unauthorized("device token required (Authorization: Bearer ...)")
    device = request.app.state.store.device_by_token(digest(token))
    if device is None:
        raise _unauthorized("unknown device token")
    if device["revoked_at"] is not None:
        raise _unauthorized("device revoked")
    return device


def require_device(request: Request) -> dict:
    """Like device_from_token, but a device is needed even under open_ingest."""
    device = device_from_token(request)
    if device is None:
        raise _unauthorized("device token required (Authorization: Bearer ...)")
    return device
