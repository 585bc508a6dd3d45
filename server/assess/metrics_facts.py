"""A period's service-event facts (window_facts JSON, server/facts/derive.py) summed per window
and per staff member by the database, for the assessment (metrics.py).

The 窗口服务 page parses every window-day's JSON in Python (server/facts/refresh.read, then
summary.summarize); for a region's 1,000 units that was most of the close (50,000 documents,
two copies of every duration). Here one statement reads the JSON in the database, in C, and
returns three kinds of rows:
- 'w': per (hall, window) the cases completed, the days the window's first sign-in was late,
  and every duration as one text (parsed once per window);
- 's': per (hall, window, 工号) the days their own first sign-in was late, their cases
  completed, their days;
- 'e': the window-days that have 空岗 intervals (found by their text, without parsing),
  whole, for summary.summarize to count (excused ones out, a staff member's share as the
  page gives it).
The same sums as summary.py's (tests/server/assess/test_metrics_facts.py checks them against
it on the same rows). The statement is the one dialect difference (reading JSON): SQLite's
json1 functions parse a document once per call site, so one json_extract call takes the
three values of 'w' (a materialized step keeps the planner from copying that call into each
use); PostgreSQL reads each document once with json_to_record (json, not jsonb: building
jsonb took twice as long on 52,500 documents) and each branch reads that step's columns.
"""
from __future__ import annotations

import json

from server.assess.metrics_read import marks

# A day without 空岗 as BaseStore.dumps writes it (compact, so the text is exact; a quote in
# a string value is escaped, so no value can contain it). A document written otherwise only
# misses this shortcut: it is read whole and summary.py finds no interval in it.
NO_EMPTY = '%"empty":[]%'

# Rows (kind, hall, window, staff id or day, a, b, text, n); {where}: the halls and days.
SQLITE = (
    "WITH x AS MATERIALIZED (SELECT wf.hall AS hall, wf.\"window\" AS w, "
    "json_extract(wf.facts, '$.completed', '$.late', '$.durations') AS j "
    "FROM window_facts wf WHERE {where}) "
    "SELECT 'w', hall, w, NULL, sum(json_extract(j, '$[0]')), sum(json_extract(j, '$[1]')), "
    "group_concat(nullif(trim(json_extract(j, '$[2]'), '[]'), ''), ','), count(*) "
    "FROM x GROUP BY hall, w "
    "UNION ALL SELECT 's', wf.hall, wf.\"window\", s.key, sum(json_extract(s.value, '$.late')), "
    "sum(json_extract(s.value, '$.completed')), NULL, count(*) FROM window_facts wf "
    "CROSS JOIN json_each(wf.facts, '$.staff') s WHERE {where} "
    "GROUP BY wf.hall, wf.\"window\", s.key "
    "UNION ALL SELECT 'e', wf.hall, wf.\"window\", wf.day, NULL, NULL, wf.facts, NULL "
    "FROM window_facts wf WHERE {where} AND wf.facts NOT LIKE ?")
POSTGRESQL = (
    "WITH x AS MATERIALIZED (SELECT wf.hall, wf.\"window\" AS w, wf.day, r.completed, r.late, "
    "r.durations, r.staff, CASE WHEN wf.facts NOT LIKE ? THEN wf.facts END AS whole "
    "FROM window_facts wf CROSS JOIN LATERAL json_to_record(wf.facts::json) AS "
    "r(completed int, late boolean, durations text, staff json) WHERE {where}) "
    "SELECT 'w', hall, w, CAST(NULL AS TEXT), sum(completed), "
    "sum(CASE WHEN late THEN 1 ELSE 0 END), "
    "string_agg(nullif(trim(durations, '[]'), ''), ','), count(*) FROM x GROUP BY hall, w "
    "UNION ALL SELECT 's', hall, w, s.key, "
    "sum(CASE WHEN s.value ->> 'late' = 'true' THEN 1 ELSE 0 END), "
    "sum((s.value ->> 'completed')::int), NULL, count(*) "
    "FROM x CROSS JOIN LATERAL json_each(x.staff) s GROUP BY hall, w, s.key "
    "UNION ALL SELECT 'e', hall, w, day, NULL, NULL, whole, NULL FROM x "
    "WHERE whole IS NOT NULL")


def _statement(kind: str, halls: list[str], first, last) -> tuple[str, list]:
    where = "wf.hall IN ({}) AND wf.day >= ? AND wf.day <= ?".format(marks(halls))
    params = [*halls, first.isoformat(), last.isoformat()]
    if kind == "postgresql":
        return POSTGRESQL.format(where=where), [NO_EMPTY, *params]
    return SQLITE.format(where=where), [*params, *params, *params, NO_EMPTY]


def read(tx, kind: str, halls: list[str], first, last, lo: str, hi: str):
    """(windows {(hall, window): (completed, late days, [durations in seconds])},
    staff [(hall, window, 工号, late days, completed, days)] of everyone in the days' facts,
    empty [(hall, window, day, facts)] of the window-days with 空岗 intervals,
    notes {(hall, window, start): {"excused": ...}} of the period) — the last two in the
    shapes summary.summarize takes."""
    windows, staff, empty = {}, [], []
    sql, params = _statement(kind, halls, first, last)
    for row_kind, hall, window, key, a, b, text, n in tx.all(sql, params):
        if row_kind == "w":
            windows[(hall, int(window))] = (int(a or 0), int(b or 0),
                                            json.loads(f"[{text}]") if text else [])
        elif row_kind == "s":
            staff.append((hall, int(window), key, int(a or 0), int(b or 0), int(n)))
        else:
            empty.append((hall, int(window), key, json.loads(text)))
    notes = {(hall, int(window), start): {"excused": bool(excused)}
             for hall, window, start, excused in tx.all(
                 f'SELECT hall, "window", start, excused FROM empty_notes WHERE hall IN '
                 f"({marks(halls)}) AND start >= ? AND start < ?", [*halls, lo, hi])}
    return windows, staff, empty, notes
