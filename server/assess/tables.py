"""Storage of assessment schemes and closed results (one migration step on both stores).

- assess_schemes: a scheme (JSON, server/assess/scheme.py checks it) set for a scope (a hall id
  or a region code, '*' for the whole server) from a month on; a month is scored by the
  newest version whose month_from is not after it, the nearest scope winning (hall, its
  region, the region's parents, '*').
- assess_results: a closed period's result, frozen as JSON (server/assess/model.py Result);
  one per (scope, period); a second close is refused by the primary key.
"""
from __future__ import annotations

ASSESS_TABLES = """
    CREATE TABLE assess_schemes (
        scope TEXT NOT NULL,
        month_from TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (scope, month_from)
    );
    CREATE TABLE assess_results (
        scope TEXT NOT NULL,
        period TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        scheme TEXT NOT NULL,
        result TEXT NOT NULL,
        PRIMARY KEY (scope, period)
    )
"""
