"""Enrolment: an admin makes a one-time code for a hall (and maybe a window); a kiosk trades
it once for its device id, bearer token and QR-signing key.

Codes are 80 random bits written as four groups of four characters from an alphabet without
look-alikes (no 0/O, 1/I/L), easy to type on a kiosk keypad; case, spaces and dashes are
ignored when redeemed. Only their sha256 is stored.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from server.auth import digest, new_secret, require_admin
from server.db import org
from server.db.base import utc_iso
from sync.wire import API_PREFIX, ENROL_PATH, EnrolIn, EnrolOut

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
HALL_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_TTL_HOURS = 24 * 30

Hall = Annotated[str, StringConstraints(pattern=HALL_RE.pattern)]


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hall: Hall
    window: int | None = Field(default=None, ge=1, le=999)
    ttl_hours: float = Field(default=24.0, gt=0, le=MAX_TTL_HOURS)


class CodeOut(BaseModel):
    code: str
    hall: str
    window: int | None
    expires_at: str


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def check_org(store, hall: str, window: int | None) -> None:
    """Once an org model is loaded, a device may only be enrolled in a hall (and window) it
    has; with no org yet, any hall goes (a fresh server, the old tests)."""
    halls = org.halls(store)
    if not halls:
        return
    if hall not in halls:
        raise ValueError(f"hall {hall!r} is not in the org model (kiosk-server org import)")
    numbers = {w.number for w in org.windows(store, hall)}
    if window is not None and numbers and window not in numbers:
        raise ValueError(f"hall {hall!r} has no window {window} in the org model")


def create_code(store, hall: str, window: int | None = None, ttl_hours: float = 24.0,
                now: datetime | None = None) -> CodeOut:
    """Make and store a one-time code; the clear code is returned once, never stored."""
    if not HALL_RE.match(hall):
        raise ValueError("hall must be 1..40 of A-Z a-z 0-9 _ -")
    if window is not None and not 1 <= window <= 999:
        raise ValueError("window must be 1..999")
    if not 0 < ttl_hours <= MAX_TTL_HOURS:
        raise ValueError(f"ttl_hours must be > 0 and <= {MAX_TTL_HOURS}")
    check_org(store, hall, window)
    now = now or datetime.now(timezone.utc)
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    expires = utc_iso(now + timedelta(hours=ttl_hours))
    store.add_enrol_code(digest(raw), hall, window, utc_iso(now), expires)
    return CodeOut(code=code, hall=hall, window=window, expires_at=expires)


def redeem(store, code: str, now: datetime | None = None) -> EnrolOut | None:
    """Trade a code for a new device; None when the code is unknown, used or expired."""
    now = now or datetime.now(timezone.utc)
    token, qr_key = new_secret(32), new_secret(32)
    raw = normalise(code)
    # A random suffix keeps device ids unique without a read-then-write race; the code's
    # hall and window make the id readable. The UPDATE in redeem_enrol_code decides who wins.
    suffix = secrets.token_hex(4)
    hall_window = _code_scope(store, raw)
    if hall_window is None:
        return None
    hall, window = hall_window
    device_id = f"{hall}-w{window:03d}-{suffix}" if window else f"{hall}-{suffix}"
    device = store.redeem_enrol_code(digest(raw), utc_iso(now), device_id, digest(token), qr_key)
    if device is None:
        return None
    return EnrolOut(device_id=device_id, token=token, qr_key=qr_key, hall=device["hall"],
                    window=device["window"])


def _code_scope(store, raw: str) -> tuple[str, int | None] | None:
    with store.transaction(write=False) as tx:
        row = tx.one('SELECT hall, "window" FROM enrol_codes WHERE code_hash = ?', [digest(raw)])
    return (row[0], row[1]) if row else None


router = APIRouter()


@router.post(ENROL_PATH, response_model=EnrolOut, tags=["device"],
             responses={403: {"description": "code unknown, used or expired"}})
async def enrol(body: EnrolIn, request: Request) -> EnrolOut:
    """A kiosk trades a one-time code for its device id, bearer token and QR key."""
    out = await run_in_threadpool(redeem, request.app.state.store, body.code)
    if out is None:
        raise HTTPException(403, "enrolment code unknown, already used or expired")
    return out


@router.post(f"{API_PREFIX}/admin/enrol-codes", response_model=CodeOut, tags=["admin"],
             dependencies=[Depends(require_admin)])
async def make_code(body: CodeIn, request: Request) -> CodeOut:
    """Admin: a one-time enrolment code for a hall (and optionally a window)."""
    return await run_in_threadpool(create_code, request.app.state.store, body.hall,
                                   body.window, body.ttl_hours)
