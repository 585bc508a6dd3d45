"""A period's service-event facts (window_facts JSON, server/facts/derive.py) summed per window
and per staff member by the database, for the assessment (metrics.py).

The 窗口服务 page parses every window-day's JSON in Python (server/facts/refresh.read, then
summary.summarize); for a region's 1,000 units that was most of the close (50,000 documents,
two copies of every duration). Here the database reads the JSON in C and groups it:
- windows(): per (hall, window) the cases completed, the days the window's first sign-in was
  late, and every duration as one text (parsed once per window);
- staff(): per (hall, window, 工号) the days their own first sign-in was late, their cases
  completed, their days;
- with_empty(): only the window-days that have 空岗 intervals (found by their text, without
  parsing), whole, for summary.summarize to count (excused ones out, a staff member's share
  as the page gives it).
The same sums as summary.py's (tests/server/assess/test_metrics_facts.py checks them against
it on the same rows). The one dialect difference is how JSON is read (WINDOWS and STAFF:
SQLite's json1 functions, PostgreSQL's jsonb); the rest is written once.
"""
from __future__ import annotations

import json

from server.assess.metrics_read import marks

# The two statements that read JSON, per store, each reading every document once: SQLite
# parses a document per json_extract call site, so one call takes the three values (a
# materialized step keeps the planner from copying that call into each use); PostgreSQL reads
# it once into jsonb. {where}: the halls and days; {agg}: the string aggregate.
WINDOWS = {
    "sqlite": ("WITH x AS MATERIALIZED (SELECT wf.hall AS hall, wf.\"window\" AS w, "
               "json_extract(wf.facts, '$.completed', '$.late', '$.durations') AS j "
               "FROM window_facts wf WHERE {where}) "
               "SELECT hall, w, sum(json_extract(j, '$[0]')), sum(json_extract(j, '$[1]')), "
               "group_concat(nullif(trim(json_extract(j, '$[2]'), '[]'), ''), ',') "
               "FROM x GROUP BY hall, w"),
    "postgresql": ("SELECT wf.hall, wf.\"window\", sum(r.completed), "
                   "sum(CASE WHEN r.late THEN 1 ELSE 0 END), "
                   "string_agg(nullif(trim(r.durations, '[]'), ''), ',') "
                   "FROM window_facts wf CROSS JOIN LATERAL jsonb_to_record(wf.facts::jsonb) "
                   "AS r(completed int, late boolean, durations text) WHERE {where} "
                   "GROUP BY wf.hall, wf.\"window\""),
}
STAFF = {
    "sqlite": ("SELECT wf.hall, wf.\"window\", s.key, sum(json_extract(s.value, '$.late')), "
               "sum(json_extract(s.value, '$.completed')), count(*) FROM window_facts wf "
               "CROSS JOIN json_each(wf.facts, '$.staff') s WHERE {where} "
               "GROUP BY wf.hall, wf.\"window\", s.key"),
    "postgresql": ("SELECT wf.hall, wf.\"window\", s.key, "
                   "sum(CASE WHEN s.value ->> 'late' = 'true' THEN 1 ELSE 0 END), "
                   "sum((s.value ->> 'completed')::int), count(*) FROM window_facts wf "
                   "CROSS JOIN LATERAL jsonb_each(wf.facts::jsonb -> 'staff') s "
                   "WHERE {where} GROUP BY wf.hall, wf.\"window\", s.key"),
}


# A day without 空岗 as BaseStore.dumps writes it (compact, so the text is exact; a quote in
# a string value is escaped, so no value can contain it). A document written otherwise only
# misses this shortcut: it is read whole and summary.py finds no interval in it.
NO_EMPTY = '%"empty":[]%'


def _where(halls: list[str], first, last) -> tuple[str, list]:
    return (f"wf.hall IN ({marks(halls)}) AND wf.day >= ? AND wf.day <= ?",
            [*halls, first.isoformat(), last.isoformat()])


def windows(tx, kind: str, halls: list[str], first, last) -> dict:
    """{(hall, window): (completed, late days, [durations in seconds])}."""
    where, params = _where(halls, first, last)
    out = {}
    for hall, window, done, lates, text in tx.all(WINDOWS[kind].format(where=where), params):
        out[(hall, int(window))] = (int(done or 0), int(lates or 0),
                                    json.loads(f"[{text}]") if text else [])
    return out


def staff(tx, kind: str, halls: list[str], first, last) -> list[tuple]:
    """[(hall, window, 工号, late days, completed, days)] of everyone in the days' facts."""
    where, params = _where(halls, first, last)
    return [(hall, int(window), sid, int(lates or 0), int(done or 0), int(days))
            for hall, window, sid, lates, done, days in tx.all(
                STAFF[kind].format(where=where), params)]


def with_empty(tx, kind: str, halls: list[str], first, last, lo: str, hi: str):
    """(rows [(hall, window, day, facts)] of the window-days with 空岗 intervals, the
    supervisors' notes {(hall, window, start): {"excused": ...}} of the period) in the shapes
    summary.summarize takes."""
    where, params = _where(halls, first, last)
    rows = [(hall, int(window), day, json.loads(facts)) for hall, window, day, facts in tx.all(
        f'SELECT wf.hall, wf."window", wf.day, wf.facts FROM window_facts wf '
        f"WHERE {where} AND wf.facts NOT LIKE ?", [*params, NO_EMPTY])]
    notes = {(hall, int(window), start): {"excused": bool(excused)}
             for hall, window, start, excused in tx.all(
                 f'SELECT hall, "window", start, excused FROM empty_notes WHERE hall IN '
                 f"({marks(halls)}) AND start >= ? AND start < ?", [*halls, lo, hi])}
    return rows, notes
