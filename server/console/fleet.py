"""Fleet health: every kiosk in the user's scope with its last heartbeat, offline ones first,
a page of 100 at a time by keyset (the store sorts and filters; no OFFSET)."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user
from server.console.scope import ConsoleError, User, require_role
from server.console.templating import add_nav, csv_response, render
from server.db import org
from server.db.base import parse_iso, utc_iso
from sync.wire.labels import N_

log = logging.getLogger(__name__)

OFFLINE_AFTER_S = 180  # kiosks beat once a minute; three missed beats mean offline
ROLES = ("region_admin", "hall_supervisor", "auditor")
HEADERS = ["device_id", "hall", "window", "status", "last_heartbeat_at", "age_s", "backlog",
           "link_state", "clock_offset_s", "version"]

router = APIRouter()
add_nav("/console/fleet", N_("Fleet health"), ROLES, 80)


RANKS = {"offline": 0, "never": 1, "online": 2, "revoked": 3}
PAGE = 100
# Offline first, then never heard, online, revoked; by hall, window, device within each.
_QUERY = """
    SELECT * FROM (
        SELECT d.device_id, d.hall, d."window", d.revoked_at, h.received_at, h.body,
               CASE WHEN d.revoked_at IS NOT NULL THEN 3 WHEN h.received_at IS NULL THEN 1
                    WHEN h.received_at < ? THEN 0 ELSE 2 END AS rank,
               COALESCE(d."window", 0) AS w
        FROM devices d LEFT JOIN heartbeats h ON h.device_id = d.device_id) x
"""


def _scope(user: User) -> tuple[str, list]:
    """SQL condition on x.hall for the devices the user may see (halls the org lacks only for
    top-level scopes)."""
    halls = sorted(user.halls)
    marks = ", ".join("?" * len(halls))
    if user.sees_unassigned:
        if user.halls >= user.known_halls:
            return "1 = 1", []
        known = sorted(user.known_halls)
        known_marks = ", ".join("?" * len(known))
        inside = f"x.hall IN ({marks}) OR " if halls else ""
        return f"({inside}x.hall NOT IN ({known_marks}))", [*halls, *known]
    return (f"x.hall IN ({marks})", halls) if halls else ("1 = 0", [])


def cursor_of(row: dict) -> str:
    """The keyset position after a row: rank:window:hall:device."""
    return f"{RANKS[row['status']]}:{row['window'] or 0}:{row['hall']}:{row['device_id']}"


def _parse_cursor(text: str) -> tuple[int, str, int, str]:
    rank, window, hall, device = text.split(":", 3)
    return int(rank), hall, int(window), device


def fleet_rows(store, user: User, now: datetime | None = None, after: str | None = None,
               limit: int | None = None, hall: str | None = None) -> list[dict]:
    """The devices the user may see, offline (or never heard) first, then by hall and window;
    revoked devices last. One page by keyset when limit is given (after: cursor_of() of the
    last row of the page before); hall: only that hall's devices."""
    now = now or datetime.now(timezone.utc)
    where, params = _scope(user)
    where, params = [where], [utc_iso(now - timedelta(seconds=OFFLINE_AFTER_S)), *params]
    if hall is not None:
        where.append("x.hall = ?")
        params.append(hall)
    if after:
        try:
            position = _parse_cursor(after)
        except ValueError:
            raise ConsoleError(400, N_("bad page position")) from None
        where.append("(x.rank, x.hall, x.w, x.device_id) > (?, ?, ?, ?)")
        params.extend(position)
    sql = (_QUERY + " WHERE " + " AND ".join(where)
           + " ORDER BY x.rank, x.hall, x.w, x.device_id" + (" LIMIT ?" if limit else ""))
    with store.transaction(write=False) as tx:
        rows = tx.all(sql, params + ([limit] if limit else []))
    names = {h.hall_id: h.name for h in org.halls(store).values()}
    return [_row(r, names, now) for r in rows]


def _row(r, names: dict, now: datetime) -> dict:
    device_id, hall, window, revoked_at, received_at, body, rank, _ = r
    beat = json.loads(body) if body else {}
    age = round((now - parse_iso(received_at)).total_seconds()) if received_at else None
    status = next(name for name, n in RANKS.items() if n == int(rank))
    offset = beat.get("server_offset_s", beat.get("clock_offset_s"))
    return {"device_id": device_id, "hall": hall, "hall_name": names.get(hall, ""),
            "window": window, "status": status, "last_heartbeat_at": received_at or "",
            "age_s": age, "backlog": beat.get("backlog"),
            "link_state": beat.get("link_state") or "",
            "clock_offset_s": round(offset, 1) if offset is not None else None,
            "version": beat.get("version") or "", "in_org": hall in names}


def fleet_counts(store, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many of the user's devices are online, offline, never heard (all pages)."""
    now = now or datetime.now(timezone.utc)
    where, params = _scope(user)
    sql = _QUERY.replace("SELECT * FROM", "SELECT x.rank, count(*) FROM", 1)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"{sql} WHERE {where} GROUP BY x.rank",
                      [utc_iso(now - timedelta(seconds=OFFLINE_AFTER_S)), *params])
    counts = {name: 0 for name in RANKS}
    for rank, n in rows:
        counts[next(name for name, k in RANKS.items() if k == int(rank))] = int(n)
    return counts


@router.get("/fleet", include_in_schema=False)
def fleet(request: Request, after: str | None = None, user: User = Depends(page_user)):
    """One page of PAGE devices (keyset: ?after=<position of the last row shown>)."""
    require_role(user, *ROLES)
    store = request.app.state.store
    rows = fleet_rows(store, user, after=after, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render(request, "fleet.html", user, rows=rows, counts=fleet_counts(store, user),
                  offline_after=OFFLINE_AFTER_S,
                  next_page=cursor_of(rows[-1]) if more else None, paged=bool(after))


@router.get("/fleet.csv", include_in_schema=False)
def fleet_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    return csv_response(fleet_rows(request.app.state.store, user), HEADERS, "fleet.csv")
