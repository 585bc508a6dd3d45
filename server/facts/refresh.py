"""Keeping window_facts in step with service_events, and reading them (issue 27.5).

Recomputed on read (and by the server's periodic job, which calls refresh() for every hall):
1. the events a hall received since its mark (facts_marks.through, which stays OVERLAP
   behind now, for transactions that commit out of received_at order) mark their (window,
   local day) and the day after (the look-back of derive.py) dirty: a set of pairs;
2. the dirty days of the range asked for are recomputed from their events (one indexed
   range read per window-day) and upserted; days of other ranges wait for their reader or
   the job;
3. today's rows are recomputed whenever read more than a minute after they were computed
   (an open 空岗 grows with the clock, not with events).
Queries are written once for both stores; recomputing is idempotent, so two server
processes racing on one hall write the same row.
"""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta, timezone

from server.db.base import BaseStore, parse_iso, utc_iso
from server.facts import derive, hours
from server.workflow.holidays import calendar as load_calendar
from server.workflow.workdays import HALL_TZ

log = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=30)
LIVE_EVERY = timedelta(minutes=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), HALL_TZ).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def local_day(text: str) -> date:
    return parse_iso(text).astimezone(HALL_TZ).date()


def _mark_dirty(tx, hall: str, now: datetime) -> None:
    """Events received after the hall's mark dirty their (window, day) and the day after.
    The mark never passes now - OVERLAP: an ingest transaction that took a received_at
    earlier but committed later than this read is still seen by the next one."""
    row = tx.one("SELECT through FROM facts_marks WHERE hall = ?", [hall])
    mark = row[0] if row else ""
    pairs: set[tuple[int, str]] = set()
    newest = mark
    starts = []
    for window, corrected, received, kind in tx.q(
            'SELECT "window", corrected_at, received_at, kind FROM service_events '
            "WHERE received_at > ? AND hall = ?", [mark, hall]):
        day = local_day(corrected)
        pairs.add((int(window), day.isoformat()))
        pairs.add((int(window), (day + timedelta(days=1)).isoformat()))
        newest = max(newest, received)
        if kind == "app_start":
            starts.append((int(window), corrected))
    for window, corrected in starts:  # with no app_stop before it: down since the last event
        last = tx.one('SELECT max(corrected_at) FROM service_events WHERE hall = ? AND '
                      '"window" = ? AND corrected_at < ?', [hall, window, corrected])
        if last and last[0]:
            day, end = local_day(last[0]), local_day(corrected)
            while day < end:
                pairs.add((window, day.isoformat()))
                day += timedelta(days=1)
    for window, day in sorted(pairs):
        tx.q('INSERT INTO facts_dirty (hall, "window", day) VALUES (?, ?, ?) '
             "ON CONFLICT DO NOTHING", [hall, window, day])
    newest = min(newest, utc_iso(now - OVERLAP)) if newest else newest
    if newest > mark:
        tx.q("DELETE FROM facts_marks WHERE hall = ?", [hall])
        tx.q("INSERT INTO facts_marks (hall, through) VALUES (?, ?)", [hall, newest])


def compute(tx, hall: str, window: int, day: date, now: datetime, rules=None,
            cal=None) -> dict:
    """One window-day's facts from its events (read in this transaction)."""
    rules = rules or hours.for_hall(tx, hall)
    cal = cal or load_calendar(tx)
    start, end = day_bounds(day)
    rows = tx.all('SELECT corrected_at, kind, staff_id, ticket, reason FROM service_events '
                  'WHERE hall = ? AND "window" = ? AND corrected_at >= ? AND corrected_at < ? '
                  "ORDER BY corrected_at, kind", [hall, window, utc_iso(start - derive.LOOKBACK),
                                                  utc_iso(end)])
    events = [derive.Event(parse_iso(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
    events = _carried(tx, hall, window, start, events) + events
    try:
        spans = rules.windows_of(day, cal)
    except LookupError:  # a year no holiday schedule covers: Monday to Friday
        spans = [(hours.at(day, a), hours.at(day, b))
                 for a, b in (rules.week.get(day.isoweekday()) or [])]
    return derive.derive(events, start, end, spans, rules.empty_minutes, rules.grace_minutes,
                         until=now, died=_died_after(tx, hall, window, end, now))


def _died_after(tx, hall: str, window: int, end: datetime, now: datetime) -> bool:
    """Whether the window's next event after a past day is an app_start (no app_stop came
    first: the kiosk crashed or lost power, and was down from its last event on)."""
    if end > now:
        return False
    row = tx.one('SELECT kind FROM service_events WHERE hall = ? AND "window" = ? AND '
                 "corrected_at >= ? ORDER BY corrected_at, kind LIMIT 1",
                 [hall, window, utc_iso(end)])
    return bool(row) and row[0] == "app_start"


# A window's state: is the kiosk up, who is signed in, is it paused. An app_start or app_stop
# resets the other two; each pair's latest event before a day says where it stood.
STATE_KINDS = (("app_start", "app_stop"), ("staff_in", "staff_out"), ("paused", "resumed"))


def _carried(tx, hall: str, window: int, start: datetime, events: list) -> list:
    """The events from before the look-back that the day's state still stands on: a kiosk
    left running over a weekend or a holiday is up on the next working morning, whoever
    signed out last is still out (the look-back alone would call it offline). Nothing when
    the look-back itself saw the kiosk start or stop."""
    before = [e.kind for e in events if e.at < start]
    if "app_start" in before or "app_stop" in before:
        return []
    carried = []
    for kinds in STATE_KINDS:
        if any(k in before for k in kinds):
            continue
        row = tx.one('SELECT corrected_at, kind, staff_id, ticket, reason FROM service_events '
                     'WHERE hall = ? AND "window" = ? AND corrected_at < ? AND kind IN (?, ?) '
                     "ORDER BY corrected_at DESC LIMIT 1",
                     [hall, window, utc_iso(start - derive.LOOKBACK), *kinds])
        if row:
            carried.append(derive.Event(parse_iso(row[0]), row[1], row[2], row[3], row[4]))
    return sorted(carried, key=lambda e: e.at)


def figures(facts: dict) -> tuple:
    """(completed, late 0/1, durations "s,s" or None, empties JSON or None, [(工号, late 0/1,
    completed)]): the figures the 考核 close sums, kept beside the JSON (server/facts/
    tables.py FACT_SCALARS; server/assess/metrics_facts.py reads them)."""
    durations = BaseStore.dumps(facts["durations"])[1:-1] or None
    people = facts["staff"]
    empties = [[e["start"], e["staff"] if e["staff"] in people else None]
               for e in facts["empty"]]
    return (int(facts["completed"]), int(bool(facts.get("late"))), durations,
            BaseStore.dumps(empties) if empties else None,
            [(sid, int(bool(p.get("late"))), int(p["completed"])) for sid, p in people.items()])


def _store(tx, hall: str, window: int, day: str, facts: dict, now: datetime) -> None:
    completed, late, durations, empties, staff = figures(facts)
    tx.q('INSERT INTO window_facts (hall, "window", day, facts, computed_at, completed, late, '
         "durations, empties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
         'ON CONFLICT (hall, "window", day) DO UPDATE SET facts = excluded.facts, '
         "computed_at = excluded.computed_at, completed = excluded.completed, "
         "late = excluded.late, durations = excluded.durations, empties = excluded.empties",
         [hall, window, day, BaseStore.dumps(facts), utc_iso(now), completed, late, durations,
          empties])
    _drop_staff(tx, hall, window, day)
    for sid, s_late, s_completed in staff:
        tx.q('INSERT INTO window_facts_staff (hall, "window", day, staff_id, late, completed) '
             'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hall, day, "window", staff_id) DO UPDATE '
             "SET late = excluded.late, completed = excluded.completed",
             [hall, window, day, sid, s_late, s_completed])


def _drop_staff(tx, hall: str, window: int, day: str) -> None:
    tx.q('DELETE FROM window_facts_staff WHERE hall = ? AND day = ? AND "window" = ?',
         [hall, day, window])


def refresh(store, hall: str, first: date | None = None, last: date | None = None,
            now: datetime | None = None) -> int:
    """Bring the hall's facts of [first, last] (every dirty day when None) up to date;
    returns how many window-days were recomputed."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(HALL_TZ).date()
    lo = (first or date(2000, 1, 1)).isoformat()
    hi = min(last or today, today).isoformat()
    with store.transaction() as tx:
        _mark_dirty(tx, hall, now)
        todo = {(int(w), d) for w, d in tx.all(
            'SELECT "window", day FROM facts_dirty WHERE hall = ? AND day >= ? AND day <= ?',
            [hall, lo, hi])}
        if lo <= today.isoformat() <= hi:
            stale = utc_iso(now - LIVE_EVERY)
            todo |= {(int(w), today.isoformat()) for (w,) in tx.all(
                'SELECT "window" FROM window_facts WHERE hall = ? AND day >= ? AND day <= ? '
                "AND computed_at < ?", [hall, (today - timedelta(days=1)).isoformat(),
                                        today.isoformat(), stale])}
        if not todo:
            return 0
        rules, cal = hours.for_hall(tx, hall), load_calendar(tx)
        work, done = sorted(todo, reverse=True), set()
        while work:
            window, day = work.pop()
            if (window, day) in done:
                continue
            done.add((window, day))
            facts = compute(tx, hall, window, date.fromisoformat(day), now, rules, cal)
            nxt = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
            if facts.pop("up_at_end") and (window, nxt) not in todo:
                if nxt <= hi:  # a running kiosk: the next day stands on this one
                    work.append((window, nxt))
                elif nxt <= today.isoformat():  # beyond the range asked: for its reader
                    tx.q('INSERT INTO facts_dirty (hall, "window", day) VALUES (?, ?, ?) '
                         "ON CONFLICT DO NOTHING", [hall, window, nxt])
            if facts["seen"]:
                _store(tx, hall, window, day, facts, now)
            else:
                tx.q('DELETE FROM window_facts WHERE hall = ? AND "window" = ? AND day = ?',
                     [hall, window, day])
                _drop_staff(tx, hall, window, day)
            tx.q('DELETE FROM facts_dirty WHERE hall = ? AND "window" = ? AND day = ?',
                 [hall, window, day])
    log.info("facts of hall %s: %d window-days recomputed", hall, len(done))
    return len(done)


def refresh_all(store, now: datetime | None = None) -> int:
    """The periodic job's round: every hall with events."""
    with store.transaction(write=False) as tx:
        halls = [r[0] for r in tx.all("SELECT DISTINCT hall FROM service_events")]
    return sum(refresh(store, h, now=now) for h in halls)


def read(store, halls, first: date, last: date, window: int | None = None):
    """[(hall, window, day, facts)] of [first, last], and the annotations {(hall, window,
    start): note} of those days."""
    halls = sorted(halls)
    if not halls:
        return [], {}
    marks = ", ".join("?" * len(halls))
    where = f"hall IN ({marks}) AND day >= ? AND day <= ?"
    params: list = [*halls, first.isoformat(), last.isoformat()]
    if window is not None:
        where += ' AND "window" = ?'
        params.append(window)
    lo, _ = day_bounds(first)
    _, hi = day_bounds(last)
    note_where = f"hall IN ({marks}) AND start >= ? AND start < ?"
    note_params: list = [*halls, utc_iso(lo), utc_iso(hi)]
    with store.transaction(write=False) as tx:
        rows = [(h, int(w), d, json.loads(f)) for h, w, d, f in tx.all(
            f'SELECT hall, "window", day, facts FROM window_facts WHERE {where} '
            'ORDER BY hall, day, "window"', params)]
        notes = {(h, int(w), s): {"staff": st, "excused": bool(x), "note": n, "by": b,
                                  "at": a}
                 for h, w, s, st, x, n, b, a in tx.all(
                     'SELECT hall, "window", start, staff_id, excused, note, noted_by, '
                     f"noted_at FROM empty_notes WHERE {note_where}", note_params)}
    return rows, notes
