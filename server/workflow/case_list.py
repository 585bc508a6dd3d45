"""The paged 差评 lists: a supervisor's cases (filters hall, window, state; three sorts), a
window staff member's cases, and the appeals; every page is one keyset query (keyset.py), so
40,000 open cases cost what 50 do.

Window staff (rater protection, 廊坊 第十三条): they see only cases whose rating names them
(工号), never a colleague's at a shared window, and only cases opened before their view's
cut-off (Actor.visible_until, the start of the hall's local today), so nothing they see moves
in step with a rating (no rating closes a 差评 case: only supervisors' steps and appeals do).
A row gives the window, the opened DATE, the state and the due day: no case id, ticket,
level or time.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from server.db.base import parse_iso, utc_iso
from server.db.workflow_tables import CASE_DUE_KEY
from server.workflow import keyset
from server.workflow.actors import Actor, Forbidden
from server.workflow.appeals import APPEAL_COLUMNS
from server.workflow.case_views import annotate, staff_ref
from server.workflow.cases import COLUMN_SQL, COLUMNS, OPEN_STATES, STATE_LABELS
from server.workflow.workdays import HALL_TZ

log = logging.getLogger(__name__)

SORTS = {"due": keyset.Sort((CASE_DUE_KEY, "opened_at", "id")),   # indexed (LIST_INDEXES)
         "opened": keyset.Sort(("opened_at", "id"), descending=True),
         "hall": keyset.Sort(("hall", '"window"', "opened_at", "id"))}
STATES = ("open", *STATE_LABELS, "all")   # "open": verify, rectify or answer
OPEN_SQL = f"({', '.join(repr(s) for s in OPEN_STATES)})"
STAFF_SORT = keyset.Sort(("opened_at", "id"), descending=True)
APPEAL_SORT = keyset.Sort(("a.filed_at", "a.id"), descending=True)
APPEAL_STATES = ("pending", "approved", "rejected", "all")


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(values) or [""]
    return f" AND {column} IN ({', '.join('?' * len(values))})", values


def case_where(actor: Actor, hall: str | None = None, window: int | None = None,
               state: str = "open") -> tuple[str, list]:
    """WHERE (after 1 = 1) for a supervisor's / admin's / auditor's filtered cases."""
    if actor.role == "window_staff":
        raise Forbidden("window staff see only the cases about them (staff view)")
    where, params = ("", []) if actor.halls is None else _in("hall", actor.halls)
    if hall:
        where, params = where + " AND hall = ?", params + [hall]
    if window is not None:
        where, params = where + ' AND "window" = ?', params + [window]
    if state == "open":
        where += f" AND state IN {OPEN_SQL}"
    elif state != "all":
        where, params = where + " AND state = ?", params + [state]
    return where, params


def case_page(store, actor: Actor, hall: str | None = None, window: int | None = None,
              state: str = "open", sort: str = "due", after: str | None = None,
              size: int = keyset.PAGE_SIZE, now: datetime | None = None) -> dict:
    """One page of cases: {"rows", "next", "total", "overdue"} (the counts are of the whole
    filtered list)."""
    now = now or datetime.now(timezone.utc)
    order = SORTS[sort]
    where, params = case_where(actor, hall, window, state)
    more, extra = order.after(after)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {COLUMN_SQL}, {order.select()} FROM cases WHERE 1 = 1"
                      f"{where}{more} ORDER BY {order.order_by()} LIMIT ?",
                      params + extra + [size + 1])
        # Two counts, each an index range (the due key is '~' once a case is finished, so
        # "key < now" is "open and overdue"): no read of 40,000 rows for two numbers.
        total = tx.one(f"SELECT count(*) FROM cases WHERE 1 = 1{where}", params)[0]
        late, late_params = (case_where(actor, hall, window, "all")
                             if state in ("open", "all") else (where, params))
        overdue = tx.one(f"SELECT count(*) FROM cases WHERE 1 = 1{late} AND "
                         f"{CASE_DUE_KEY} < ?", [*late_params, utc_iso(now)])[0]
    rows, cursor = keyset.split(rows, size, len(order.keys))
    return {"rows": [annotate(dict(zip(COLUMNS, r)), now) for r in rows], "next": cursor,
            "total": int(total), "overdue": int(overdue)}


def _staff_cases(store, actor: Actor, window: int | None, after: str | None, size: int,
                 now: datetime | None) -> tuple[list[dict], str | None, str]:
    """(open cases naming the staff member opened before the cut-off, next cursor, cut)."""
    if actor.role != "window_staff":
        raise Forbidden("the staff view is for window staff")
    cut = actor.visible_until or utc_iso(now)
    if not actor.staff_id or not actor.halls:
        return [], None, cut
    where, params = _in("hall", actor.halls)
    where += f" AND staff_id = ? AND opened_at < ? AND state IN {OPEN_SQL}"
    params += [actor.staff_id, cut]
    if window is not None:
        where, params = where + ' AND "window" = ?', params + [window]
    more, extra = STAFF_SORT.after(after)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {COLUMN_SQL}, {STAFF_SORT.select()} FROM cases WHERE 1 = 1"
                      f"{where}{more} ORDER BY {STAFF_SORT.order_by()} LIMIT ?",
                      params + extra + [size + 1])
    rows, cursor = keyset.split(rows, size, len(STAFF_SORT.keys))
    return [dict(zip(COLUMNS, r)) for r in rows], cursor, cut


def staff_page(store, actor: Actor, window: int | None = None, after: str | None = None,
               size: int = keyset.PAGE_SIZE, now: datetime | None = None) -> dict:
    """One page of a staff member's open cases opened before the actor's cut-off (no
    cut-off: now), newest first: {"rows", "next"}."""
    now = now or datetime.now(timezone.utc)
    cases, cursor, _cut = _staff_cases(store, actor, window, after, size, now)
    out = []
    for case in cases:
        case = annotate(case, now)
        out.append({"window": case["window"], "state": case["state"],
                    "opened_day": parse_iso(case["opened_at"]).astimezone(HALL_TZ)
                    .date().isoformat(), "due_day": case["due_day"],
                    "overdue": case["overdue"], "ref": staff_ref(case)})
    return {"rows": out, "next": cursor}


def staff_case_by_ref(store, actor: Actor, ref: str) -> dict | None:
    """The open case behind a staff_ref among those the actor's staff view shows (it names
    them, opened before the cut-off); None otherwise (a colleague's, closed, made up)."""
    after = None
    while True:
        cases, after, _cut = _staff_cases(store, actor, None, after, keyset.MAX_PAGE_SIZE,
                                          None)
        for case in cases:
            if staff_ref(case) == ref:
                return case
        if after is None:
            return None


def appeal_page(store, actor: Actor, state: str = "pending", hall: str | None = None,
                window: int | None = None, after: str | None = None,
                size: int = keyset.PAGE_SIZE) -> dict:
    """One page of the appeals the actor may see, newest first: {"rows", "next"}. Window
    staff: only the appeals they filed, with no level (the rows say "level": None)."""
    where, params = "", []
    if actor.role == "window_staff":
        where, params = " AND a.filed_by = ?", [actor.audit_name]
    if actor.halls is not None:
        more, extra = _in("d.hall", actor.halls)
        where, params = where + more, params + extra
    if state and state != "all":
        where, params = where + " AND a.state = ?", params + [state]
    if hall:
        where, params = where + " AND d.hall = ?", params + [hall]
    if window is not None:
        where, params = where + ' AND r."window" = ?', params + [window]
    more, extra = APPEAL_SORT.after(after)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {', '.join('a.' + c for c in APPEAL_COLUMNS)}, r.\"window\", "
                      f"r.level, d.hall, c.opened_at, {APPEAL_SORT.select()} FROM appeals a "
                      f"JOIN ratings r ON r.device_id = a.device_id AND r.uuid = a.rating_uuid "
                      f"LEFT JOIN devices d ON d.device_id = r.device_id "
                      f"LEFT JOIN cases c ON c.device_id = a.device_id "
                      f"AND c.rating_uuid = a.rating_uuid "
                      f"WHERE 1 = 1{where}{more} ORDER BY {APPEAL_SORT.order_by()} LIMIT ?",
                      params + extra + [size + 1])
    rows, cursor = keyset.split(rows, size, len(APPEAL_SORT.keys))
    out = []
    for row in rows:
        item = dict(zip((*APPEAL_COLUMNS, "window", "level", "hall", "opened_at"), row))
        item["hall"] = item["hall"] or "?"
        item["opened_day"] = parse_iso(item["opened_at"]).astimezone(HALL_TZ).date() \
            .isoformat() if item["opened_at"] else None
        if actor.role == "window_staff":
            item["level"] = None   # what the citizen chose stays with the supervisor
            item["opened_at"] = None
        out.append(item)
    return {"rows": out, "next": cursor}
