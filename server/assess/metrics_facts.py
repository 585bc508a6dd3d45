"""A period's service-event facts summed per window and per staff member by the database, for
the assessment (metrics.py).

The 窗口服务 page parses every window-day's JSON in Python (server/facts/refresh.read, then
summary.summarize); for a region's 1,000 units that is 50,000 documents a month, most of the
close even when the database parses them (15-20 µs a document on PostgreSQL). So the facts'
refresh keeps the figures the close needs beside the JSON (server/facts/tables.py
FACT_SCALARS, refresh.figures) and here plain SQL sums them:
- per (hall, window): cases completed, days the window's first sign-in was late, and every
  duration as one text (the days' "s,s" joined by the database, parsed once for the median);
- per (hall, window, 工号) from window_facts_staff: the days their own first sign-in was late,
  their cases completed, their days;
- the window-days' 空岗 intervals ([start, 工号 or null], only days that have any), for
  metrics._facts to count without the excused ones (matched by start, as the page does).
A row stored before those figures existed (NULL; the migration marked it dirty, so it is
recomputed when its range is next refreshed) is read whole and summed by the same
refresh.figures in Python, so nothing is missed meanwhile.
The same sums as summary.py's (tests/server/assess/test_metrics_facts.py checks them against
it on the same rows, with and without the figures). The one dialect difference is joining
text: group_concat on SQLite (3.40 has no string_agg), string_agg on PostgreSQL.
"""
from __future__ import annotations

import json

from server.assess.metrics_read import marks
from server.facts.refresh import figures

JOIN = {"sqlite": "group_concat(durations, ',')", "postgresql": "string_agg(durations, ',')"}


def read(tx, kind: str, halls: list[str], first, last, lo: str, hi: str):
    """(windows {(hall, window): (completed, late days, [durations in seconds])},
    staff [(hall, window, 工号, late days, completed, days)] of everyone in the days' facts
    (a person may come in more than one row: add them up),
    empty [(hall, window, [[start, 工号 or None], ...])] of the window-days with 空岗 intervals,
    notes {(hall, window, start): {"excused": ...}} of the period)."""
    where = "hall IN ({}) AND day >= ? AND day <= ?".format(marks(halls))
    params = [*halls, first.isoformat(), last.isoformat()]
    windows, durations = {}, {}
    for hall, window, done, late, text, _n in tx.all(
            f'SELECT hall, "window", sum(completed), sum(late), {JOIN[kind]}, count(*) '
            f"FROM window_facts WHERE {where} AND completed IS NOT NULL "
            f'GROUP BY hall, "window"', params):
        key = (hall, int(window))
        windows[key] = (int(done or 0), int(late or 0), durations.setdefault(key, []))
        if text:
            durations[key] += json.loads(f"[{text}]")
    staff = [(hall, int(window), sid, int(late or 0), int(done or 0), int(n))
             for hall, window, sid, late, done, n in tx.all(
                 f'SELECT hall, "window", staff_id, sum(late), sum(completed), count(*) '
                 f'FROM window_facts_staff WHERE {where} GROUP BY hall, "window", staff_id',
                 params)]
    empty = [(hall, int(window), json.loads(text)) for hall, window, text in tx.all(
        f'SELECT hall, "window", empties FROM window_facts WHERE {where} '
        "AND empties IS NOT NULL", params)]
    for hall, window, day, text in tx.all(
            f'SELECT hall, "window", day, facts FROM window_facts WHERE {where} '
            "AND completed IS NULL", params):  # stored before the figures: read whole
        key = (hall, int(window))
        done, late, text_d, empties, people = figures(json.loads(text))
        was_done, was_late, seconds = windows.get(key) or (0, 0, durations.setdefault(key, []))
        if text_d:
            seconds += json.loads(f"[{text_d}]")
        windows[key] = (was_done + done, was_late + late, seconds)
        staff += [(hall, key[1], sid, s_late, s_done, 1) for sid, s_late, s_done in people]
        if empties:
            empty.append((hall, key[1], json.loads(empties)))
    notes = {(hall, int(window), start): {"excused": bool(excused)}
             for hall, window, start, excused in tx.all(
                 f'SELECT hall, "window", start, excused FROM empty_notes WHERE hall IN '
                 f"({marks(halls)}) AND start >= ? AND start < ?", [*halls, lo, hi])}
    return windows, staff, empty, notes
