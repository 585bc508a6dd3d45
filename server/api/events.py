"""POST /api/v1/events/batch: a kiosk's service events (issue 27; the wire is
sync/wire/events.py), with the same guarantees and limits as its ratings (server/api/ingest.py).

Judged item by item: each event is accepted, duplicate (this device already sent that uuid)
or rejected with a reason, so one bad event never blocks the others (200 with per-item
results). Besides EventWire's rules an event is refused when it is another device's, for a
window other than the one the device was enrolled for, or carries a field its kind does not
(or lacks one it needs: sync/wire/event_check.py KIND_FIELDS; nothing about a citizen, never
a level). Only a malformed envelope is refused whole: bad JSON (400), not an object, no events
list, more than MAX_BATCH events or an unknown top-level key (422), a body over the size
limit (413). A device token is required even when ratings may be posted without one: an
event's hall is the enrolled device's.
"""
from __future__ import annotations

import json
import logging
import uuid as uuidlib
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from server.api.ingest import (
    BodyTooLarge,
    _reject_constant,
    answer,
    error,
    item_reason,
    read_body,
    reasons,
    window_mismatch,
)
from server.auth import bearer, require_device
from server.db.clock_fix import DeviceClock
from server.db.events import ingest_events
from server.db.ratings import Accepted
from sync.wire import MAX_BATCH, BatchOut, ItemResult
from sync.wire.event_check import KIND_FIELDS, KIND_NEEDS, OPTIONAL, kind_errors
from sync.wire.events import EVENTS_PATH, EventBatchIn, EventWire

log = logging.getLogger(__name__)


class Envelope(BaseModel):
    """EventBatchIn with the events left unchecked, so they can be judged one by one."""

    model_config = ConfigDict(extra="forbid")

    events: list[Any] = Field(min_length=1, max_length=MAX_BATCH)
    device_now: Any = None
    boot_id: Any = None
    mono_s: Any = None


def refusal(event: EventWire, device: dict) -> ItemResult | None:
    """Why a schema-valid event may not be stored for this device, or None."""
    if event.device_id != device["device_id"]:
        return ItemResult(uuid=str(event.uuid), status="rejected",
                          reason=f"device_id {event.device_id} is not this device "
                                 f"({device['device_id']})")
    wrong = kind_errors(event.kind, {"staff_id": event.staff_id, "ticket": event.ticket,
                                     "case_key": event.case_key, "case_id": event.case_id,
                                     "reason": event.reason, "cause": event.cause})
    if wrong:
        return ItemResult(uuid=str(event.uuid), status="rejected", reason="; ".join(wrong))
    return window_mismatch(event, device)


# Per kind: the optional fields it must not carry, and those it must (judge_valid's pass).
_FOREIGN = {k: tuple(f for f in OPTIONAL if f not in carried) for k, carried in
            KIND_FIELDS.items()}
_NEEDS = {k: KIND_NEEDS.get(k, ()) for k in KIND_FIELDS}


def judge_valid(events: list[EventWire], device: dict) -> tuple[list, list[EventWire], list[int]]:
    """judge() for events that passed the wire schema: one quick pass when every event is
    this device's, for its window and carries its kind's fields (the usual upload)."""
    device_id, enrolled = device["device_id"], device.get("window")
    for event in events:
        values = event.__dict__
        if values["device_id"] != device_id or (enrolled is not None
                                                 and values["window"] != enrolled):
            return judge(events, device)
        kind = values["kind"]
        for name in _FOREIGN[kind]:
            if values[name] is not None:
                return judge(events, device)
        for name in _NEEDS[kind]:
            if values[name] is None:
                return judge(events, device)
    return [None] * len(events), events, list(range(len(events)))


def judge(raw_items: list, device: dict) -> tuple[list, list[EventWire], list[int]]:
    """Per-item checks: (results with None where valid, valid events, their indexes)."""
    results: list[ItemResult | None] = []
    valid, where = [], []
    for index, item in enumerate(raw_items):
        if isinstance(item, EventWire):
            event = item
        else:
            raw_uuid = item.get("uuid") if isinstance(item, dict) else None
            raw_uuid = raw_uuid if isinstance(raw_uuid, str) else None
            try:
                event = EventWire.model_validate(item)
            except ValidationError as exc:
                results.append(ItemResult(uuid=raw_uuid, status="rejected",
                                          reason=item_reason(exc)))
                continue
        refused = refusal(event, device)
        results.append(refused)
        if refused is None:
            valid.append(event)
            where.append(index)
    return results, valid, where


router = APIRouter()
EVENTS_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/EventBatchIn"}}}}}


@router.post(EVENTS_PATH, response_model=BatchOut, tags=["device"],
             openapi_extra=EVENTS_SCHEMA,
             responses={400: {"description": "malformed JSON"},
                        401: {"description": "missing, unknown or revoked device token"},
                        413: {"description": "body too large"},
                        422: {"description": "malformed envelope"}})
async def ingest_event_batch(request: Request):
    """Upload up to 500 service events; one result per event, in order."""
    if bearer(request) is None:  # refused before the body is read, as by require_device
        require_device(request)
    try:
        body = await read_body(request, request.app.state.max_body_bytes)
    except BodyTooLarge:
        return error(413, "body too large", max_bytes=request.app.state.max_body_bytes)
    # One hop to a worker thread for the token's lookup and the whole upload (not one for
    # a sync Depends(require_device) and another for the work): the event loop wakes once.
    return await run_in_threadpool(upload_as, request, body)


def upload_as(request: Request, body: bytes) -> Response:
    """upload() for the device the request's token names (401 as require_device)."""
    return upload(request.app.state.store, body, require_device(request))


def upload(store, body: bytes, device: dict) -> Response:
    """A batch's body checked, stored and answered."""
    try:  # the usual case: every event valid, parsed and checked in one pass
        batch = EventBatchIn.model_validate_json(body)
        clock = DeviceClock(batch.device_now, batch.boot_id, batch.mono_s)
        results, valid, where = judge_valid(batch.events, device)
    except ValidationError:  # something is wrong: judge the envelope, then item by item
        try:
            raw = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            return error(400, "malformed JSON", detail=str(exc)[:200])
        try:
            Envelope.model_validate(raw)
            clock = _clock(raw)
        except ValidationError as exc:
            rejected = reasons(exc.errors(include_input=False, include_url=False))
            log.warning("refused event batch envelope: %s",
                        rejected[0]["reason"] if rejected else "")
            return error(422, "invalid batch", rejected=rejected, max_batch=MAX_BATCH)
        results, valid, where = judge(raw["events"], device)
    if valid:
        stored = ingest_events(store, valid, device["hall"], clock, datetime.now(timezone.utc))
        if isinstance(stored, Accepted) and len(stored) == len(results):
            return Response(answer(stored), media_type="application/json")
        for index, result in zip(where, stored):
            results[index] = result
    results = [r.model_dump() if isinstance(r, ItemResult) else r for r in results]
    refused = [r for r in results if r["status"] == "rejected"]
    if refused:
        log.warning("event batch from %s: %d of %d events rejected, first: %s",
                    device["device_id"], len(refused), len(results), refused[0]["reason"])
    return Response(answer(results), media_type="application/json")


def _clock(raw: dict) -> DeviceClock:
    """The envelope's device clocks, validated by EventBatchIn's own field rules."""
    fields = {k: raw[k] for k in ("device_now", "boot_id", "mono_s") if k in raw}
    checked = EventBatchIn.model_validate({"events": [_PROBE], **fields})
    return DeviceClock(checked.device_now, checked.boot_id, checked.mono_s)


_PROBE = {"uuid": str(uuidlib.UUID(int=0)), "kind": "app_start", "device_id": "probe",
          "window": 1, "at": "2000-01-01T00:00:00Z"}
