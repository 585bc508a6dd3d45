"""Configuration pushed to kiosks: window name, staff roster, reason codes, timeouts, QR URL,
what opens the rating screen (rating_trigger: queue, business or both; issue 29).

The admin sets a DeviceConfig per hall (window omitted: every window of the hall) or per
window (`kiosk-server set-config --hall H [--window N] FILE.json`, or PUT
/api/v1/admin/device-config). A kiosk pulls GET /api/v1/device/config: its window's own
config, else its hall's, else nothing, with what the org model knows (hall and window names,
roster) and the device's id, hall and window added. Only values someone set travel: a field
nobody set is absent, and the kiosk keeps its own setting for it (kiosk.toml, else its
built-in default); the server has no defaults of its own to push. The
ETag is a hash of exactly the bytes sent, so If-None-Match answers 304 until anything the
kiosk would see changes; no state is kept in the process.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from server.api.enrol import Hall
from server.auth import require_admin, require_device
from server.db import org
from server.db.base import BaseStore, utc_iso
from sync.wire import API_PREFIX, CONFIG_PATH, DeviceConfig


class DeviceConfigOut(DeviceConfig):
    """What a kiosk receives: the config plus who it is."""

    device_id: str
    hall: str
    window: int | None = None


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hall: Hall
    window: int | None = Field(default=None, ge=1, le=999)
    config: DeviceConfig


def set_config(store, hall: str, window: int | None, config: DeviceConfig | dict) -> str:
    """Validate and store a hall's or window's config; returns its content hash."""
    checked = DeviceConfig.model_validate(config)
    body = BaseStore.dumps(checked.set_values())
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    store.set_device_config(hall, window, body, etag, utc_iso(datetime.now(timezone.utc)))
    return etag


def config_for(store, device: dict) -> tuple[bytes, str]:
    """(JSON bytes, ETag) of the config a device should run with."""
    stored = store.device_config(device["hall"], device["window"])
    # No config for the hall or window: nothing is pushed (never the model's empty values).
    config = _set_only(json.loads(stored)) if stored else {}
    # The org model decides hall name, window name and roster wherever it knows the hall and
    # window, so the idle card and the console agree; set-config still sets the rest.
    config.update(org.kiosk_view(store, device["hall"], device["window"]))
    doc = {**config, "device_id": device["device_id"], "hall": device["hall"],
           "window": device["window"]}
    body = BaseStore.dumps(doc).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _set_only(config: dict) -> dict:
    """A stored body without its unset fields: nulls, and the empty names, URL and reasons
    that bodies stored before only-set-values (every field, defaults included) carry."""
    return {k: v for k, v in config.items()
            if v is not None and not (v in ("", []) and k != "staff")}


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


router = APIRouter()


@router.get(CONFIG_PATH, response_model=DeviceConfigOut, tags=["device"],
            responses={304: {"description": "unchanged since If-None-Match"},
                       401: {"description": "missing, unknown or revoked device token"}})
async def get_config(request: Request, device: dict = Depends(require_device)):
    """The calling device's configuration, with an ETag (If-None-Match -> 304)."""
    body, etag = await run_in_threadpool(config_for, request.app.state.store, device)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.put(f"{API_PREFIX}/admin/device-config", tags=["admin"],
            dependencies=[Depends(require_admin)])
async def put_config(body: ConfigIn, request: Request) -> JSONResponse:
    """Admin: set the config of a hall (window omitted) or of one window."""
    etag = await run_in_threadpool(set_config, request.app.state.store, body.hall,
                                   body.window, body.config)
    return JSONResponse({"ok": True, "hall": body.hall, "window": body.window, "hash": etag})
