"""POST /api/v1/ratings/batch (devices) and GET /api/v1/ratings (admin).

A batch is judged item by item: each rating is accepted, duplicate (the uuid is already
stored) or rejected with a reason, so one bad rating never blocks the others (200 with
per-item results). Only a malformed envelope is refused whole: bad JSON (400), not an object,
no ratings list, more than MAX_BATCH ratings or an unknown top-level key (422), a body over
the size limit (413). A device may only write its own ratings: an item whose device_id is not
the one its token belongs to is rejected, and so is an item for a window other than the one
the device was enrolled for.
"""
from __future__ import annotations

import json
import logging
import uuid as uuidlib
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from server.auth import device_from_token, require_admin
from server.db.clock_fix import DeviceClock
from server.db.ratings import Accepted
from sync.wire import (
    API_PREFIX,
    BATCH_PATH,
    MAX_BATCH,
    BatchIn,
    BatchOut,
    ItemResult,
    RatingWire,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # 500 ratings are ~250 KiB; anything far bigger is not ours
MAX_PAGE = 1000


class Envelope(BaseModel):
    """BatchIn with the ratings left unchecked, so they can be judged one by one."""

    model_config = ConfigDict(extra="forbid")

    ratings: list[Any] = Field(min_length=1, max_length=MAX_BATCH)
    device_now: Any = None
    boot_id: Any = None
    mono_s: Any = None


class BodyTooLarge(Exception):
    pass


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def reasons(errors: list[dict], skip: tuple = ()) -> list[dict]:
    """Pydantic errors as [{"index", "uuid", "reason"}]: envelope problems, index null."""
    grouped: dict[int | None, list[str]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        loc = loc[len(skip):] if loc[:len(skip)] == skip else loc
        where = ".".join(str(p) for p in loc)
        msg = str(err.get("msg", "invalid"))
        grouped.setdefault(None, []).append(f"{where}: {msg}" if where else msg)
    return [{"index": None, "uuid": None, "reason": "; ".join(v)[:1000]}
            for v in grouped.values()]


def item_reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"] else e["msg"]
        for e in exc.errors(include_input=False, include_url=False))[:1000]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge
        except ValueError:
            pass  # the server's HTTP parser rejects a malformed length before we get here
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def judge(raw_items: list, device: dict | None) -> tuple[list, list[RatingWire], list[int]]:
    """Per-item validation: (results with None where valid, valid ratings, their indexes)."""
    results: list[ItemResult | None] = []
    valid, where = [], []
    for index, item in enumerate(raw_items):
        raw_uuid = item.get("uuid") if isinstance(item, dict) else getattr(item, "uuid", None)
        raw_uuid = str(raw_uuid) if isinstance(raw_uuid, uuidlib.UUID) else raw_uuid
        raw_uuid = raw_uuid if isinstance(raw_uuid, str) else None
        try:
            rating = item if isinstance(item, RatingWire) else RatingWire.model_validate(item)
        except ValidationError as exc:
            results.append(ItemResult(uuid=raw_uuid, status="rejected", reason=item_reason(exc)))
            continue
        if device is not None and rating.device_id != device["device_id"]:
            results.append(ItemResult(uuid=str(rating.uuid), status="rejected",
                                      reason=f"device_id {rating.device_id} is not this "
                                             f"device ({device['device_id']})"))
            continue
        wrong_window = window_mismatch(rating, device)
        if wrong_window is not None:
            results.append(wrong_window)
            continue
        results.append(None)
        valid.append(rating)
        where.append(index)
    return results, valid, where


def judge_valid(ratings: list[RatingWire], device: dict | None
                ) -> tuple[list, list[RatingWire], list[int]]:
    """judge() for ratings that already passed the wire schema: only the device checks."""
    enrolled = device.get("window") if device is not None else None
    if device is None or all(r.device_id == device["device_id"]
                             and (enrolled is None or r.window == enrolled) for r in ratings):
        return [None] * len(ratings), ratings, list(range(len(ratings)))
    return judge(ratings, device)


def window_mismatch(rating: RatingWire, device: dict | None) -> ItemResult | None:
    """A device enrolled for one window may not store ratings for another (a kiosk whose config
    still says window 5 after a window-7 enrolment); hall-wide devices (window None) may."""
    enrolled = device.get("window") if device is not None else None
    if enrolled is None or rating.window == enrolled:
        return None
    return ItemResult(uuid=str(rating.uuid), status="rejected",
                      reason=f"window {rating.window} is not this device's window ({enrolled}); "
                             f"set [window] number = {enrolled} on the kiosk")


router = APIRouter()
BATCH_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/BatchIn"}}}}}


@router.post(BATCH_PATH, response_model=BatchOut, tags=["device"], openapi_extra=BATCH_SCHEMA,
             responses={400: {"description": "malformed JSON"},
                        401: {"description": "missing, unknown or revoked device token"},
                        413: {"description": "body too large"},
                        422: {"description": "malformed envelope"}})
async def ingest_batch(request: Request, device: dict | None = Depends(device_from_token)):
    """Upload up to 500 ratings; one result per rating, in order."""
    try:
        body = await read_body(request, request.app.state.max_body_bytes)
    except BodyTooLarge:
        return error(413, "body too large", max_bytes=request.app.state.max_body_bytes)
    # One hop to a worker thread for all of it: the event loop stays free to read the next
    # uploads' bodies while this one is checked and stored.
    return await run_in_threadpool(upload, request.app.state.store, body, device)


def upload(store, body: bytes, device: dict | None) -> Response:
    """A batch's body checked, stored and answered (the route's work after reading it)."""
    try:  # the usual case, every rating valid: parsed and checked in one pass of pydantic-core
        batch = BatchIn.model_validate_json(body)
        clock_in = DeviceClock(batch.device_now, batch.boot_id, batch.mono_s)
        results, valid, where = judge_valid(batch.ratings, device)
    except ValidationError:  # something is wrong: judge the envelope, then item by item
        try:
            raw = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, NaN, deep nesting
            return error(400, "malformed JSON", detail=str(exc)[:200])
        try:
            Envelope.model_validate(raw)
            clock_in = _clock(raw)
        except ValidationError as exc:
            rejected = reasons(exc.errors(include_input=False, include_url=False))
            log.warning("refused batch envelope: %s", rejected[0]["reason"] if rejected else "")
            return error(422, "invalid batch", rejected=rejected, max_batch=MAX_BATCH)
        results, valid, where = judge(raw["ratings"], device)
    if valid:
        stored = store.ingest_plain(valid, clock_in, "kiosk", datetime.now(timezone.utc))
        if isinstance(stored, Accepted) and len(stored) == len(results):
            return Response(answer(stored), media_type="application/json")  # the usual upload
        for index, result in zip(where, stored):
            results[index] = result
    # Plain dicts from here: the stored ones already are, judge()'s rejections become so.
    results = [r.model_dump() if isinstance(r, ItemResult) else r for r in results]
    refused = [r for r in results if r["status"] == "rejected"]
    if refused:
        log.warning("batch from %s: %d of %d ratings rejected, first: %s",
                    device["device_id"] if device else "anonymous", len(refused), len(results),
                    refused[0]["reason"])
    return Response(answer(results), media_type="application/json")


def answer(results: list[dict] | Accepted) -> bytes:
    """The BatchOut body (response_model stays for the OpenAPI document): the plain results
    through json.dumps, the same JSON as pydantic's dump of the models at a fifth of the cost.
    ASCII-only, so a rejected item's reason quoting a lone surrogate it was sent still
    encodes. A batch stored whole (Accepted) is one join of its uuids, which are pydantic's
    text of a UUID (hex digits and hyphens: nothing to escape)."""
    if isinstance(results, Accepted) and results.uuids:
        return (_ALL_START + _ALL_BETWEEN.join(results.uuids) + _ALL_END).encode()
    return json.dumps({"results": results}, separators=(",", ":")).encode()


_ALL_START = '{"results":[{"uuid":"'
_ALL_BETWEEN = '","status":"accepted","reason":null},{"uuid":"'
_ALL_END = '","status":"accepted","reason":null}]}'


def _clock(raw: dict) -> DeviceClock:
    """The envelope's device clocks, validated by BatchIn's own field rules."""
    fields = {k: raw[k] for k in ("device_now", "boot_id", "mono_s") if k in raw}
    checked = BatchIn.model_validate({"ratings": [_PROBE], **fields})
    return DeviceClock(checked.device_now, checked.boot_id, checked.mono_s)


_PROBE = {"uuid": "00000000-0000-4000-8000-000000000000", "level": 5, "window": 1,
          "ticket": "A1", "device_id": "probe", "rated_at": "2000-01-01T00:00:00Z"}


@router.get(f"{API_PREFIX}/ratings", tags=["admin"], dependencies=[Depends(require_admin)])
def list_ratings(request: Request, limit: int = Query(100, ge=1, le=MAX_PAGE),
                 offset: int = Query(0, ge=0, le=2**31),
                 device_id: str | None = Query(None, pattern=r"^[A-Za-z0-9._-]{1,64}$"),
                 window: int | None = Query(None, ge=1, le=999)) -> dict:
    """Admin: a page of stored ratings, oldest first, and the total matching the filters."""
    ratings, total = request.app.state.store.list_ratings(limit, offset, device_id=device_id,
                                                          window=window)
    return {"ratings": ratings, "total": total}
