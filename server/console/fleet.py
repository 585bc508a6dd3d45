"""Fleet health: every kiosk in the user's scope with its last heartbeat, offline ones first."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user
from server.console.scope import User, require_role
from server.console.templating import add_nav, csv_response, render
from server.db import org
from server.db.base import parse_iso
from sync.wire.labels import N_

log = logging.getLogger(__name__)

OFFLINE_AFTER_S = 180  # kiosks beat once a minute; three missed beats mean offline
ROLES = ("region_admin", "hall_supervisor", "auditor")
HEADERS = ["device_id", "hall", "window", "status", "last_heartbeat_at", "age_s", "backlog",
           "link_state", "clock_offset_s", "version"]

router = APIRouter()
add_nav("/console/fleet", N_("Fleet health"), ROLES, 80)


def fleet_rows(store, user: User, now: datetime | None = None) -> list[dict]:
    """The devices the user may see: offline (or never heard) first, then by hall and window;
    revoked devices last. Devices of halls the org lacks only for top-level scopes."""
    now = now or datetime.now(timezone.utc)
    names = {h.hall_id: h.name for h in org.halls(store).values()}
    rows = []
    for d in store.list_devices():
        if d["hall"] not in user.halls and not (user.sees_unassigned
                                                and d["hall"] not in user.known_halls):
            continue
        beat = d.get("heartbeat") or {}
        age = None
        if d["last_heartbeat_at"]:
            age = round((now - parse_iso(d["last_heartbeat_at"])).total_seconds())
        if d["revoked_at"]:
            status = "revoked"
        elif age is None:
            status = "never"
        else:
            status = "offline" if age > OFFLINE_AFTER_S else "online"
        offset = beat.get("server_offset_s", beat.get("clock_offset_s"))
        rows.append({"device_id": d["device_id"], "hall": d["hall"],
                     "hall_name": names.get(d["hall"], ""), "window": d["window"],
                     "status": status, "last_heartbeat_at": d["last_heartbeat_at"] or "",
                     "age_s": age, "backlog": beat.get("backlog"),
                     "link_state": beat.get("link_state") or "",
                     "clock_offset_s": round(offset, 1) if offset is not None else None,
                     "version": beat.get("version") or "", "in_org": d["hall"] in names})
    order = {"offline": 0, "never": 1, "online": 2, "revoked": 3}
    rows.sort(key=lambda r: (order[r["status"]], r["hall"], r["window"] or 0, r["device_id"]))
    return rows


@router.get("/fleet", include_in_schema=False)
def fleet(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    rows = fleet_rows(request.app.state.store, user)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("online", "offline", "never")}
    return render(request, "fleet.html", user, rows=rows, counts=counts,
                  offline_after=OFFLINE_AFTER_S)


@router.get("/fleet.csv", include_in_schema=False)
def fleet_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    return csv_response(fleet_rows(request.app.state.store, user), HEADERS, "fleet.csv")
