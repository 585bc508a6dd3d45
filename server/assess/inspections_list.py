"""Reading 督察 records: a month's records of the halls in scope, filtered by hall and state,
newest first, keyset paged (server/workflow/keyset.py: "the next N after this key", never
OFFSET), and the records already made of 空岗 intervals (for the 窗口服务 page's buttons).
"""
from __future__ import annotations

import logging

from server.assess.inspections import COLUMNS, SELECT, STATES, InspectionError
from server.workflow import keyset
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

SORT = keyset.Sort(("occurred_at", "id"), descending=True)


def month_bounds(month: str) -> tuple[str, str]:
    """A hall-time month (YYYY-MM) as [start, end) UTC text; InspectionError if malformed."""
    from datetime import datetime

    from server.db.base import utc_iso

    try:
        first = datetime.strptime(month or "", "%Y-%m").replace(tzinfo=HALL_TZ)
    except ValueError:
        raise InspectionError("month", N_("A month is written YYYY-MM.")) from None
    if not 2000 <= first.year <= 2999:
        raise InspectionError("month", N_("A month is written YYYY-MM."))
    after = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    return utc_iso(first), utc_iso(after)


def page(tx, halls, month: str | None = None, hall: str | None = None,
         state: str | None = None, after: str | None = None,
         size: int = keyset.PAGE_SIZE) -> dict:
    """{"rows": [record dicts], "next": cursor or None} of the records in `halls` (None:
    every hall), narrowed by month (YYYY-MM, hall time), one hall and a state."""
    where, params = ["1 = 1"], []
    if halls is not None:
        chosen = sorted(halls if hall is None else set(halls) & {hall})
        if not chosen:
            return {"rows": [], "next": None}
        where.append(f"hall IN ({', '.join('?' * len(chosen))})")
        params += chosen
    elif hall is not None:
        where.append("hall = ?")
        params.append(hall)
    if month:
        start, end = month_bounds(month)
        where.append("occurred_at >= ? AND occurred_at < ?")
        params += [start, end]
    if state:
        if state not in STATES:
            raise InspectionError("state", N_("is not a known value"))
        where.append("state = ?")
        params.append(state)
    clause, extra = SORT.after(after)
    rows = tx.all(f"{SELECT.replace(' FROM', ', ' + SORT.select() + ' FROM', 1)} "
                  f"WHERE {' AND '.join(where)}{clause} ORDER BY {SORT.order_by()} LIMIT ?",
                  [*params, *extra, size + 1])
    found, cursor = keyset.split(rows, size, len(SORT.keys))
    return {"rows": [dict(zip(COLUMNS, r)) for r in found], "next": cursor}


def every(tx, halls, month: str | None = None, hall: str | None = None,
          state: str | None = None) -> list[dict]:
    """All the records of the filter (for a CSV or the CLI), page by page."""
    out, after = [], None
    while True:
        got = page(tx, halls, month, hall, state, after, keyset.MAX_PAGE_SIZE)
        out += got["rows"]
        after = got["next"]
        if after is None:
            return out


def from_intervals(tx, intervals: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """{(hall, source_ref): record} of the 空岗 intervals given as (hall, "<window>/<start>")
    that are recorded already."""
    out: dict[tuple[str, str], dict] = {}
    by_hall: dict[str, list[str]] = {}
    for hall, ref in intervals:
        by_hall.setdefault(hall, []).append(ref)
    for hall, refs in by_hall.items():
        for i in range(0, len(refs), 500):
            chunk = refs[i:i + 500]
            rows = tx.all(f"{SELECT} WHERE hall = ? AND source = 'empty' AND source_ref IN "
                          f"({', '.join('?' * len(chunk))})", [hall, *chunk])
            for r in rows:
                found = dict(zip(COLUMNS, r))
                out[(hall, found["source_ref"])] = found
    return out
