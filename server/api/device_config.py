"""Configuration pushed to kiosks: window name, staff roster, reason codes, timeouts, QR URL,
what opens the rating screen (rating_trigger: queue, business or both; issue 29), the hall's
supervision line, logo and QR rule, and its own voice recordings (issue 26 items 8-9: the
config names each by SHA-256 and URL; GET /api/v1/device/voice/PHRASE/SHA serves it).

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

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from server.api.enrol import Hall
from server.auth import require_admin, require_device
from server.db import org, voice
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
    # The hall's recordings come from its voice store (`kiosk-server voice set`), never here.
    body = BaseStore.dumps({k: v for k, v in checked.set_values().items() if k != "voice"})
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
    config.pop("voice", None)
    clips = voice.config_map(store, device["hall"])
    if clips:  # only a hall with recordings of its own sends any (an unset value stays unset)
        config["voice"] = clips
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


@router.get(f"{voice.VOICE_PATH}/{{phrase}}/{{sha}}", tags=["device"],
            responses={404: {"description": "no such recording for this device's hall"}})
async def get_voice(phrase: str, sha: str, request: Request,
                    device: dict = Depends(require_device)) -> Response:
    """One of the calling device's hall recordings (the URL its device config names)."""
    found = await run_in_threadpool(voice.clip, request.app.state.store, device["hall"],
                                    phrase, sha)
    if found is None:
        raise HTTPException(404, "no such recording for this hall")
    data, fmt = found
    return Response(data, media_type="audio/ogg" if fmt == "ogg" else "audio/wav",
                    headers={"Cache-Control": "private, max-age=31536000, immutable"})
