"""Storage of the monthly ranking: its settings per scope and the snapshots of closed months.

A closed month's ranking is frozen as JSON (the rows as published, with their figures, rank
and flag): ratings of that month that arrive later change the roll-ups, and the console shows
them as late, but never the published ranking. One snapshot per (month, kind, scope); a
second close of the same ranking is refused by the primary key (INSERT ... DO NOTHING).

Settings (minimum rated, red and black flag counts, score) are kept per scope: a hall id or
a region code, '*' for the whole server; the nearest one wins (hall, its region, the
region's parents, '*'), else the defaults of server/workflow/ranking.py.
"""
from __future__ import annotations

import json
import logging

from server.db.base import utc_iso

log = logging.getLogger(__name__)

RANKING_TABLES = """
    CREATE TABLE ranking_snapshots (
        month TEXT NOT NULL,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        settings TEXT NOT NULL,
        rows TEXT NOT NULL,
        PRIMARY KEY (month, kind, scope)
    );
    CREATE TABLE ranking_settings (
        scope TEXT PRIMARY KEY,
        min_rated INTEGER NOT NULL,
        red INTEGER NOT NULL,
        black INTEGER NOT NULL,
        score TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    )
"""


def put_snapshot(tx, month: str, kind: str, scope: str, by: str, settings: dict,
                 rows: list[dict], now: str | None = None) -> bool:
    """Freeze a ranking; False when that month's ranking was already closed."""
    cur = tx.q("INSERT INTO ranking_snapshots (month, kind, scope, closed_at, closed_by, "
               "settings, rows) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               [month, kind, scope, now or utc_iso(), by,
                json.dumps(settings, sort_keys=True),
                json.dumps(rows, ensure_ascii=False, sort_keys=True)])
    return cur.rowcount == 1


def get_snapshot(store, month: str, kind: str, scope: str) -> dict | None:
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT closed_at, closed_by, settings, rows FROM ranking_snapshots "
                     "WHERE month = ? AND kind = ? AND scope = ?", [month, kind, scope])
    if row is None:
        return None
    return {"month": month, "kind": kind, "scope": scope, "closed_at": row[0],
            "closed_by": row[1], "settings": json.loads(row[2]), "rows": json.loads(row[3])}


def put_settings(tx, scope: str, min_rated: int, red: int, black: int, score: str,
                 by: str) -> None:
    tx.q("INSERT INTO ranking_settings (scope, min_rated, red, black, score, updated_at, "
         "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET "
         "min_rated = excluded.min_rated, red = excluded.red, black = excluded.black, "
         "score = excluded.score, updated_at = excluded.updated_at, "
         "updated_by = excluded.updated_by",
         [scope, min_rated, red, black, score, utc_iso(), by])


# A late rating's unit in each kind of ranking (as ranking.units() keys it); a department's
# through its window as the org has it now (windows without a department count for none).
LATE_UNIT = {"windows": 'r."window"', "staff": "r.staff_id", "halls": "d.hall",
             "departments": "w.department", "region_departments": "d.hall || '/' || w.department"}
BY_DEPARTMENT = ("JOIN windows w ON w.hall_id = d.hall AND w.number = r.\"window\" AND "
                 "w.department <> '' ")


def late_counts(store, kind: str, halls, start: str, end: str, after: str) -> dict[str, int]:
    """Ratings of the month [start, end) (corrected_at, UTC text) in these halls that were
    stored at or after `after` (the close's stamp, taken before its figures were read; the
    server keeps milliseconds, so a rating stored in the close's millisecond is late, not lost)
    and count now, per unit of the ranking kind: a count of rows, so never below zero ('' for
    a rating with no 工号 in a staff ranking)."""
    halls = sorted(halls)
    if not halls:
        return {}
    unit = LATE_UNIT[kind]
    join = BY_DEPARTMENT if "department" in kind else ""
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {unit}, count(*) FROM ratings r JOIN devices d ON "
                      f"d.device_id = r.device_id {join}WHERE d.hall IN "
                      f"({', '.join('?' * len(halls))}) AND r.superseded = 0 AND "
                      f"r.excluded = 0 AND r.received_at >= ? AND r.corrected_at >= ? AND "
                      f"r.corrected_at < ? GROUP BY {unit}", [*halls, after, start, end])
    return {"" if key is None else str(key): int(n) for key, n in rows}


def all_settings(store) -> dict[str, dict]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT scope, min_rated, red, black, score FROM ranking_settings")
    return {r[0]: {"min_rated": r[1], "red": r[2], "black": r[3], "score": r[4]} for r in rows}


def settings_for(store, chain: list[str]) -> dict | None:
    """The first stored settings along chain (most specific scope first, '*' appended)."""
    stored = all_settings(store)
    for scope in [*chain, "*"]:
        if scope in stored:
            return dict(stored[scope], scope=scope)
    return None
