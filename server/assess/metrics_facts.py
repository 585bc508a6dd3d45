"""A period's service-event facts (window_facts JSON, server/facts/derive.py) summed per window
and per staff member by the database, for the assessment (metrics.py).

The 窗口服务 page parses every window-day's JSON in Python (server/facts/refresh.read, then
summary.summarize); for a region's 1,000 units that was most of the close (50,000 documents,
two copies of every duration). Here the database reads the JSON in C and groups it:
- windows(): per (hall, window) the cases completed, the days the window's first sign-in was
  late, and every duration as one text (parsed once per window);
- staff(): per (hall, window, 工号) the days their own first sign-in was late, their cases
  completed, their days;
- with_empty(): only the window-days that have 空岗 intervals, whole, for summary.summarize
  to count (excused ones out, a staff member's share as the page gives it).
The same sums as summary.py's (tests/server/assess/test_metrics_facts.py checks them against
it on the same rows). The one dialect difference is how JSON is read: SQLite's json1
functions, PostgreSQL's json_to_record / json_each; the rest is written once.
"""
from __future__ import annotations

import json

from server.assess.metrics_read import marks

PG_ROW = ("CROSS JOIN LATERAL json_to_record(wf.facts::json) AS r(completed int, "
          "late boolean, durations text)")
SQL = {  # kind: (completed, late 0/1, durations text, from-extra; staff from, late, completed,
    #          a row has 空岗 intervals)
    "postgresql": ("r.completed", "CASE WHEN r.late THEN 1 ELSE 0 END", "r.durations", PG_ROW,
                   "CROSS JOIN LATERAL json_each(wf.facts::json -> 'staff') s",
                   "CASE WHEN s.value ->> 'late' = 'true' THEN 1 ELSE 0 END",
                   "(s.value ->> 'completed')::int",
                   "json_array_length(wf.facts::json -> 'empty') > 0", "string_agg"),
    "sqlite": ("json_extract(wf.facts, '$.completed')", "json_extract(wf.facts, '$.late')",
               "json_extract(wf.facts, '$.durations')", "",
               "CROSS JOIN json_each(wf.facts, '$.staff') s", "json_extract(s.value, '$.late')",
               "json_extract(s.value, '$.completed')",
               "json_array_length(wf.facts, '$.empty') > 0", "group_concat"),
}


def _where(halls: list[str], first, last) -> tuple[str, list]:
    return (f"wf.hall IN ({marks(halls)}) AND wf.day >= ? AND wf.day <= ?",
            [*halls, first.isoformat(), last.isoformat()])


def windows(tx, kind: str, halls: list[str], first, last) -> dict:
    """{(hall, window): (completed, late days, [durations in seconds])}."""
    completed, late, durations, extra, *_rest, agg = SQL[kind]
    where, params = _where(halls, first, last)
    out = {}
    for hall, window, done, lates, text in tx.all(
            f'SELECT wf.hall, wf."window", sum({completed}), sum({late}), '
            f"{agg}(nullif(trim({durations}, '[]'), ''), ',') FROM window_facts wf {extra} "
            f'WHERE {where} GROUP BY wf.hall, wf."window"', params):
        out[(hall, int(window))] = (int(done or 0), int(lates or 0),
                                    json.loads(f"[{text}]") if text else [])
    return out


def staff(tx, kind: str, halls: list[str], first, last) -> list[tuple]:
    """[(hall, window, 工号, late days, completed, days)] of everyone in the days' facts."""
    _c, _l, _d, _e, joined, late, completed, _empty, _agg = SQL[kind]
    where, params = _where(halls, first, last)
    return [(hall, int(window), sid, int(lates or 0), int(done or 0), int(days))
            for hall, window, sid, lates, done, days in tx.all(
                f'SELECT wf.hall, wf."window", s.key, sum({late}), sum({completed}), count(*) '
                f"FROM window_facts wf {joined} WHERE {where} "
                f'GROUP BY wf.hall, wf."window", s.key', params)]


def with_empty(tx, kind: str, halls: list[str], first, last, lo: str, hi: str):
    """(rows [(hall, window, day, facts)] of the window-days with 空岗 intervals, the
    supervisors' notes {(hall, window, start): {"excused": ...}} of the period) in the shapes
    summary.summarize takes."""
    where, params = _where(halls, first, last)
    rows = [(hall, int(window), day, json.loads(facts)) for hall, window, day, facts in tx.all(
        f'SELECT wf.hall, wf."window", wf.day, wf.facts FROM window_facts wf '
        f"WHERE {where} AND {SQL[kind][7]}", params)]
    notes = {(hall, int(window), start): {"excused": bool(excused)}
             for hall, window, start, excused in tx.all(
                 f'SELECT hall, "window", start, excused FROM empty_notes WHERE hall IN '
                 f"({marks(halls)}) AND start >= ? AND start < ?", [*halls, lo, hi])}
    return rows, notes
