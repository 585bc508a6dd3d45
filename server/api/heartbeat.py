"""Device heartbeats (POST /api/v1/device/heartbeat, about once a minute) and the admin's
device list (GET /api/v1/devices) with each device's last heartbeat; revocation.

The server keeps only the last heartbeat per device (an upsert), adding when it arrived and
the device's wall-clock offset against the server (positive: the device is behind).
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from server.auth import require_admin, require_device
from server.db.base import BaseStore, utc_iso
from server.db.clock_fix import DeviceClock, offset_s
from sync.wire import API_PREFIX, HEARTBEAT_PATH, HeartbeatIn

router = APIRouter()


def record(store, device_id: str, beat: HeartbeatIn, now: datetime) -> dict:
    body = beat.model_dump(mode="json")
    body["server_offset_s"] = offset_s(DeviceClock(beat.device_now, None, None), now)
    store.put_heartbeat(device_id, BaseStore.dumps(body), utc_iso(now))
    return body


@router.post(HEARTBEAT_PATH, tags=["device"],
             responses={401: {"description": "missing, unknown or revoked device token"}})
async def heartbeat(beat: HeartbeatIn, request: Request,
                    device: dict = Depends(require_device)) -> dict:
    """A device's health report; answers the server's time so the kiosk can see its offset."""
    now = datetime.now(timezone.utc)
    body = await run_in_threadpool(record, request.app.state.store, device["device_id"], beat,
                                   now)
    return {"ok": True, "server_now": utc_iso(now), "clock_offset_s": body["server_offset_s"]}


@router.get(f"{API_PREFIX}/devices", tags=["admin"], dependencies=[Depends(require_admin)])
async def devices(request: Request) -> dict:
    """Admin: every enrolled device with its last heartbeat."""
    return {"devices": await run_in_threadpool(request.app.state.store.list_devices)}


@router.post(f"{API_PREFIX}/admin/devices/{{device_id}}/revoke", tags=["admin"],
             dependencies=[Depends(require_admin)],
             responses={404: {"description": "no such device, or already revoked"}})
async def revoke(device_id: str, request: Request) -> dict:
    """Admin: revoke a device; its token gets 401 from now on (its kiosk keeps buffering)."""
    done = await run_in_threadpool(request.app.state.store.revoke_device, device_id,
                                   utc_iso())
    if not done:
        raise HTTPException(404, "no such device, or already revoked")
    return {"ok": True, "device_id": device_id}
