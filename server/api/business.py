"""The business system's "请评价" (issue 29 item 1): POST/GET /api/v1/business/cases for a
registered 办件系统, and the kiosk's long poll GET /api/v1/device/prompts.

* A business system calls with its own Bearer token (`kiosk-server business add`): 401 without
  a known, unrevoked one; 403 for a hall it was not registered for; 429 with Retry-After past
  its token bucket (RATE per second, BURST at once; per server process). Bodies are small
  (MAX_BODY bytes, else 413); bad JSON is 400, a wrong or missing field 422 naming it.
* The same 办件编号 again: the stored answer when every field matches (a retry), 409 when not.
* A kiosk holds GET PROMPTS_PATH?wait=25 open; it answers as soon as a 办件 waits for the
  kiosk's hall and window. Inside one server process a POST wakes the waiting poll at once (an
  asyncio event per hall and window). With several workers a POST may land on another one: so
  while any poll is held, each process reads which windows have a 办件 waiting every POLL_S
  (one indexed query per process, however many kiosks wait) and wakes those polls: a POST to
  another worker is seen within POLL_S. Taking a 办件 is one conditional UPDATE, so only one
  poll ever gets it.
* A 办件 no kiosk took within the offer bound (KIOSK_BUSINESS_OFFER_S, default 60 s; the
  kiosk is offline or set to the queue trigger) is offered: the business system's GET and POST
  answers say so and give the phone-rating URL (the kiosk's QR path, /r/<token>) for the
  window to show; a kiosk asking later never gets it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from server.api.device_config import config_for
from server.api.ingest import BodyTooLarge, error, read_body
from server.auth import bearer, require_device
from server.db import business
from server.workflow.workdays import HALL_TZ
from sync.wire.business import (APPLICANT_TYPES, BUSINESS_CASES_PATH, CASE_NO, ITEM_CODE,
                                MAX_WAIT_S, PROMPTS_PATH, business_ticket)
from sync.wire.qr_token import make_qr_url

log = logging.getLogger(__name__)

MAX_BODY = 4096
RATE, BURST = 10.0, 50.0
POLL_S = 0.5
OFFER_ENV = "KIOSK_BUSINESS_OFFER_S"
PHONE_TTL_S = 600.0
router = APIRouter()


def offer_s(request: Request) -> float:
    """Seconds a 办件 waits for its kiosk before it is offered by QR/phone."""
    given = getattr(request.app.state, "business_offer_s", None)
    return float(given if given is not None else os.environ.get(OFFER_ENV) or 60)


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    case_no: str = Field(description="办件编号, the 办件统一编号: letters and digits, 1..64")
    item_code: str = Field(description="事项编码")
    item_name: str = Field(min_length=1, max_length=100, description="事项名称")
    applicant_type: str = Field(description="person (个人) or legal (法人)")
    hall: str = Field(min_length=1, max_length=64)
    window: int = Field(ge=1, le=999)
    staff_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,64}$",
                                 description="the serving staff's 工号")

    @field_validator("case_no")
    @classmethod
    def _case_no(cls, v: str) -> str:
        if not CASE_NO.match(v):
            raise ValueError("letters and digits only, 1..64 (the 办件统一编号)")
        return v

    @field_validator("item_code")
    @classmethod
    def _item_code(cls, v: str) -> str:
        if not ITEM_CODE.match(v):
            raise ValueError("letters, digits, '.', '_' or '-', 1..64")
        return v

    @field_validator("applicant_type")
    @classmethod
    def _applicant(cls, v: str) -> str:
        if v not in APPLICANT_TYPES:
            raise ValueError("person or legal")
        return v

    @field_validator("item_name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip() or any(ord(c) < 32 for c in v):
            raise ValueError("a name with no control characters")
        return v.strip()


class Bucket:
    """A token bucket per business system: RATE a second, BURST at once (the app's
    state.business_rate = (rate, burst) sets others)."""

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float | None:
        """None when allowed, else seconds until a token is there."""
        now = time.monotonic()
        with self._lock:
            level, at = self._state.get(key, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if level < 1:
                self._state[key] = (level, now)
                return (1 - level) / self.rate
            self._state[key] = (level - 1, now)
        return None


class Waiters:
    """An asyncio event per (hall, window): a POST in this process sets it, and so does the
    watch (a 办件 posted to another worker), and the polls waiting there wake."""

    def __init__(self) -> None:
        self._events: dict[tuple[str, int], asyncio.Event] = {}
        self._held = 0
        self._watch: asyncio.Task | None = None

    def event(self, key: tuple[str, int]) -> asyncio.Event:
        return self._events.setdefault(key, asyncio.Event())

    def notify(self, key: tuple[str, int]) -> None:
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    def hold(self, store, offer_s: float) -> None:
        """A poll is held: make sure the watch runs."""
        self._held += 1
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watching(store, offer_s))

    def release(self) -> None:
        self._held -= 1

    async def _watching(self, store, offer_s: float) -> None:
        while self._held > 0:
            await asyncio.sleep(POLL_S)
            try:
                found = await run_in_threadpool(business.waiting_windows, store, offer_s)
            except Exception:  # noqa: BLE001 - the database away: the polls time out as usual
                log.warning("prompt watch: database unavailable", exc_info=True)
                continue
            for key in found & set(self._events):
                self.notify(key)


def _parts(app) -> tuple[Bucket, Waiters]:
    if not hasattr(app.state, "business_parts"):
        rate = getattr(app.state, "business_rate", (RATE, BURST))
        app.state.business_parts = (Bucket(*rate), Waiters())
    return app.state.business_parts


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def require_system(request: Request) -> dict:
    """The calling business system; 401 for a missing, unknown or revoked token, 429 past
    its rate."""
    token = bearer(request)
    if token is None:
        raise _unauthorized("business system token required (Authorization: Bearer ...)")
    system = await run_in_threadpool(business.system_by_token, request.app.state.store, token)
    if system is None:
        raise _unauthorized("unknown business system token")
    if system["revoked_at"] is not None:
        raise _unauthorized("business system revoked")
    wait = _parts(request.app)[0].take(system["id"])
    if wait is not None:
        log.warning("business system %s over its rate: 429", system["id"])
        raise HTTPException(429, "too many requests, slow down",
                            headers={"Retry-After": str(max(1, round(wait + 0.5)))})
    return system


def _fields(exc: ValidationError) -> dict:
    out = {}
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        out.setdefault(where, str(err.get("msg", "invalid")).removeprefix("Value error, "))
    return out


def phone_url(request: Request, case: dict) -> str | None:
    """A phone-rating URL for an offered 办件, signed with the key of the kiosk at its
    window (as the kiosk's own QR code is); None when no kiosk is enrolled there."""
    store = request.app.state.store
    with store.transaction(write=False) as tx:
        row = tx.one('SELECT device_id FROM devices WHERE hall = ? AND "window" = ? AND '
                     "revoked_at IS NULL ORDER BY enrolled_at DESC",
                     [case["hall"], case["window"]])
    device = store.device(row[0]) if row else None
    if device is None:
        return None
    base = json.loads(config_for(store, device)[0]).get("qr_base_url") or str(request.base_url)
    return make_qr_url(base, device["device_id"], device["qr_key"],
                       business_ticket(case["case_no"]), case["case_no"], PHONE_TTL_S,
                       window=case["window"], day=datetime.now(HALL_TZ).date())


# The business system is the window's own: it is never told whether, or when, the citizen rated
# (rater protection: nothing staff can see moves in step with a rating). A rated 办件 reads
# as shown, the state it had when the kiosk took it.
PUBLIC_STATE = {"rated": "shown"}


async def answer(request: Request, case: dict, status: int = 200) -> JSONResponse:
    body = {k: case[k] for k in ("case_no", "state", "hall", "window", "item_code",
                                 "item_name", "requested_at")}
    body["state"] = PUBLIC_STATE.get(case["state"], case["state"])
    if case["state"] == "offered":
        body["phone_url"] = await run_in_threadpool(phone_url, request, case)
        body["message"] = ("no kiosk took this 办件 in time: offer the phone QR code "
                           "(phone_url) to the applicant")
    return JSONResponse(body, status_code=status)


@router.post(BUSINESS_CASES_PATH, tags=["business"],
             responses={201: {"description": "stored; the kiosk at that window will ask"},
                        409: {"description": "this 办件编号 was posted with other fields"}})
async def post_case(request: Request, system: dict = Depends(require_system)):
    """A business system: this 办件 is complete, ask the citizen at hall/window to rate it.
    Body: case_no, item_code, item_name, applicant_type (person|legal), hall, window,
    staff_id."""
    try:
        raw = await read_body(request, MAX_BODY)
    except BodyTooLarge:
        return error(413, "body too large", max_bytes=MAX_BODY)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error(400, "body: not JSON", fields={"body": "not JSON"})
    if not isinstance(data, dict):
        return error(422, "invalid request", fields={"body": "a JSON object"})
    try:
        case = CaseIn.model_validate(data).model_dump()
    except ValidationError as exc:
        return error(422, "invalid request", fields=_fields(exc))
    if case["hall"] not in system["halls"]:
        return error(403, f"hall {case['hall']} is not one of this system's halls",
                     fields={"hall": "not one of this system's halls"})
    store, bound = request.app.state.store, offer_s(request)
    if not await run_in_threadpool(business.window_known, store, case["hall"],
                                   case["window"]):
        return error(422, "invalid request",
                     fields={"window": f"no window {case['window']} in hall {case['hall']}"})
    outcome, stored = await run_in_threadpool(business.put_case, store, system, case, bound)
    if outcome == "conflict":
        return error(409, "this 办件编号 was already posted with other fields",
                     fields={"case_no": "already posted with other fields"}, state=stored["state"])
    if outcome == "created":
        _parts(request.app)[1].notify((case["hall"], case["window"]))
    return await answer(request, stored, 201 if outcome == "created" else 200)


@router.get(BUSINESS_CASES_PATH + "/{case_no}", tags=["business"])
async def get_case(case_no: str, request: Request, system: dict = Depends(require_system)):
    """A business system: the state of one of its 办件: waiting, shown or offered (a rated
    办件 reads as shown). ?wait=N (0..30): answer as soon as it is no longer waiting, or after N seconds."""
    if not CASE_NO.match(case_no):
        return error(422, "invalid request", fields={"case_no": "letters and digits, 1..64"})
    end = time.monotonic() + _int(request, "wait", 0, MAX_WAIT_S, 0)
    while True:
        case = await run_in_threadpool(business.get_case, request.app.state.store, case_no,
                                       offer_s(request))
        if case is None or case["system_id"] != system["id"]:
            return error(404, "no such 办件 of this system")
        if case["state"] != "waiting" or time.monotonic() >= end \
                or await request.is_disconnected():
            return await answer(request, case)
        await asyncio.sleep(POLL_S)


def _int(request: Request, name: str, low: int, high: int, default: int | None) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise HTTPException(422, f"{name}: a whole number {low}..{high}")
    return int(value)


@router.post(PROMPTS_PATH + "/{case_no}/rating", tags=["device"],
             responses={404: {"description": "not a 办件 of this window, or already rated"}})
async def link_rating(case_no: str, request: Request, device: dict = Depends(require_device)):
    """A kiosk: the 办件 it was asked about was the visit it had just rated (trigger = both,
    the citizen was quicker than the 请评价): body {"rating_uuid": "..."}."""
    try:
        body = json.loads(await read_body(request, 1024))
        rating_uuid = str(uuid.UUID(str(body["rating_uuid"])))
    except BodyTooLarge:
        return error(413, "body too large", max_bytes=1024)
    except (ValueError, UnicodeDecodeError, TypeError, KeyError):
        return error(422, "invalid request", fields={"rating_uuid": "a uuid"})
    if not CASE_NO.match(case_no) or device["window"] is None:
        return error(404, "not a 办件 of this window, or already rated")
    done = await run_in_threadpool(business.link_rating, request.app.state.store, case_no,
                                   device["hall"], device["window"], rating_uuid)
    if not done:
        return error(404, "not a 办件 of this window, or already rated")
    return {"case_no": case_no, "state": "rated"}


@router.get(PROMPTS_PATH, tags=["device"])
async def prompts(request: Request, device: dict = Depends(require_device)):
    """A kiosk's long poll: the 办件 waiting for its window, as soon as there is one, or an
    empty list after `wait` seconds (0..30). A kiosk enrolled for the whole hall names its
    window (?window=N)."""
    wait = _int(request, "wait", 0, MAX_WAIT_S, 0)
    asked = _int(request, "window", 1, 999, None)
    window = device["window"] if device["window"] is not None else asked
    if window is None or (asked is not None and asked != window):
        raise HTTPException(422, f"window: this device is enrolled for window "
                                 f"{device['window']}" if window else "window: required")
    key, store, bound = (device["hall"], window), request.app.state.store, offer_s(request)
    waiters = _parts(request.app)[1]
    end = time.monotonic() + wait
    taken: list[dict] = []
    waiters.hold(store, bound)
    try:
        woken = True  # at first, and whenever a POST here or the watch says so: take
        while True:
            event = waiters.event(key)  # before the read: a POST after it still wakes us
            if woken:
                taken = await run_in_threadpool(business.take, store, key[0], key[1], bound)
            left = end - time.monotonic()
            if taken or left <= 0 or await request.is_disconnected():
                break
            try:  # once a second at least, to notice a client that went away
                await asyncio.wait_for(event.wait(), timeout=min(1.0, left))
                woken = True
            except (asyncio.TimeoutError, TimeoutError):
                woken = False
    finally:
        waiters.release()
    for case in taken:
        log.info("办件 %s handed to %s", case["case_no"], device["device_id"])
    return {"prompts": [{k: c[k] for k in ("case_no", "item_code", "item_name",
                                           "applicant_type", "staff_id", "requested_at")}
                        | {"age_s": round(business.age_s(c), 3)} for c in taken]}
