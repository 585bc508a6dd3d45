"""A window's day from its service events (issue 27.5): pure, no database, no clock.

derive() replays the events of one window in corrected-time order, from a look-back before
the day (so a kiosk that ran overnight, or a sign-in before midnight, is known at the day's
start; refresh.py adds the older events the state still stands on, for a kiosk left running
over a weekend) to the day's end (or `until`, now, for today), and returns the day's facts as JSON:

- completed (办件量) and durations (办理时长, seconds, call → completed of the same ticket,
  else the window's last call); the median and 90th percentile are taken over a day's or a
  month's durations by summary.py;
- empty (空岗): the runs when the kiosk was up but nobody was signed in or the window was
  paused, cut to each working span of the hall's hours (a pause over lunch is cut to the
  minutes inside hours on each side), kept when at least the hall's threshold long; each
  with start, end, the staff member (signed in and paused, or the last one who signed out)
  and why (nobody / paused, with the pause reason);
- first sign-in and last sign-out, for the window and per staff member, and 迟到 / 早退
  candidates against the first span's start and the last span's end, with the grace;
- offline minutes inside working hours: from app_stop to the next event, and, for an
  app_start with no app_stop before it (a crash or power cut), from the last event before
  it; before the first event ever seen the kiosk counts as offline. Offline time is never
  空岗, so a dead kiosk is not scored as an empty window.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.db.base import utc_iso

LOOKBACK = timedelta(hours=24)
MAX_HANDLING = timedelta(hours=12)  # a "call" this old is a ticket left open, not a case


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    staff_id: str | None = None
    ticket: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class State:
    up: bool = False
    staff: str | None = None
    paused: bool = False
    reason: str | None = None
    who: str | None = None     # signed in, else the last one who signed out

    @property
    def empty(self) -> bool:
        return self.up and (self.staff is None or self.paused)


def _overlap(a0, a1, b0, b1) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def _timeline(events: list[Event], start: datetime, end: datetime, out: dict,
              died: bool = False):
    """[(t0, t1, State)] covering [start, end); fills out's counts as it goes. died: the
    kiosk's next event after `end` is an app_start with no app_stop before it (a crash or
    a power cut), so it was down from its last event on."""
    segments: list[tuple[datetime, datetime, State]] = []
    state, since, last_at = State(), start, None
    calls: dict[str | None, datetime] = {}
    last_call: datetime | None = None
    staff_facts = out["staff"]

    def change(t: datetime, **new) -> None:
        nonlocal state, since
        t = min(max(t, start), end)
        if t > since:
            segments.append((since, t, state))
        since = max(since, t)
        fields = {**state.__dict__, **new}
        state = State(**fields)

    def person(sid: str) -> dict:
        return staff_facts.setdefault(sid, {"completed": 0, "durations": [], "first_in": None,
                                            "last_out": None})

    for ev in events:
        t = ev.at
        if t >= end:
            break
        inside = t >= start
        if ev.kind == "app_start":
            if state.up and last_at is not None:  # no app_stop: down since its last event
                change(last_at, up=False)
            change(t, up=True, staff=None, paused=False, reason=None)
        elif ev.kind == "app_stop":
            change(t, up=False, staff=None, paused=False, reason=None)
        elif not state.up:
            change(t, up=True)
        if ev.kind == "staff_in" and ev.staff_id:
            change(t, staff=ev.staff_id, who=ev.staff_id)
            if inside:
                p = person(ev.staff_id)
                p["first_in"] = p["first_in"] or utc_iso(t)
                out["first_in"] = out["first_in"] or utc_iso(t)
        elif ev.kind == "staff_out":
            gone = ev.staff_id or state.staff
            change(t, staff=None, who=gone or state.who)
            if inside and gone:
                person(gone)["last_out"] = utc_iso(t)
                out["last_out"] = utc_iso(t)
        elif ev.kind == "paused":
            change(t, paused=True, reason=ev.reason)
        elif ev.kind == "resumed":
            change(t, paused=False, reason=None)
        elif ev.kind == "called":
            calls[ev.ticket] = last_call = t
        elif ev.kind == "completed" and inside:
            began = calls.pop(ev.ticket, None) if ev.ticket is not None else None
            began = began or last_call
            out["completed"] += 1
            seconds = None
            if began is not None and timedelta(0) <= t - began <= MAX_HANDLING:
                seconds = round((t - began).total_seconds())
                out["durations"].append(seconds)
            who = state.staff or state.who
            if who:
                p = person(who)
                p["completed"] += 1
                if seconds is not None:
                    p["durations"].append(seconds)
        last_at = t
    if died and state.up and last_at is not None:
        change(last_at, up=False)
    change(end)
    return segments, state


def derive(events: list[Event], day_start: datetime, day_end: datetime,
           spans: list[tuple[datetime, datetime]], empty_minutes: int = 15,
           grace_minutes: int = 0, until: datetime | None = None, died: bool = False) -> dict:
    """The facts of one window's local day [day_start, day_end) from its events (sorted by
    time, from day_start - LOOKBACK on); `spans` are the day's working hours; `until` cuts
    an unfinished day (today) at now; died: the kiosk's next event after the day is an
    app_start without an app_stop before it (it was down from its last event on)."""
    end = min(day_end, until) if until is not None else day_end
    end = max(end, day_start)
    out: dict = {"completed": 0, "durations": [], "empty": [], "first_in": None,
                 "last_out": None, "late": False, "early": False, "offline_min": 0.0,
                 "working_min": round(sum((b - a).total_seconds() for a, b in spans) / 60, 1),
                 "staff": {}}
    segments, final = _timeline(events, day_start, end, out, died)
    out["up_at_end"] = final.up  # refresh.py carries a running kiosk into the next day
    # A day the kiosk neither ran into nor logged anything in has no facts (not a day of it).
    out["seen"] = any(day_start <= e.at < end for e in events) or bool(
        segments and segments[0][2].up)
    offline = sum(_overlap(t0, t1, a, b) for t0, t1, s in segments if not s.up
                  for a, b in spans)
    out["offline_min"] = round(offline / 60, 1)
    # Runs of empty time (a pause followed by a sign-out is one run), cut to each span.
    runs: list[list] = []
    for t0, t1, s in segments:
        if s.empty and runs and runs[-1][1] == t0:
            runs[-1][1] = t1
        elif s.empty:
            runs.append([t0, t1, s])
    threshold = empty_minutes * 60
    for r0, r1, s in runs:
        for a, b in spans:
            lo, hi = max(r0, a), min(r1, b)
            if (hi - lo).total_seconds() >= threshold:
                out["empty"].append({
                    "start": utc_iso(lo), "end": utc_iso(hi), "staff": s.who,
                    "why": "paused" if s.paused and s.staff else "nobody",
                    "reason": s.reason if s.paused else None,
                    "minutes": round((hi - lo).total_seconds() / 60, 1),
                    "open": hi == end and end < day_end})
    if spans:
        grace = timedelta(minutes=grace_minutes)
        first, last = spans[0][0], spans[-1][1]

        def late_early(facts: dict, still_in: bool) -> None:
            fin = facts["first_in"]
            facts["late"] = fin is not None and fin > utc_iso(first + grace)
            lout = facts["last_out"]
            facts["early"] = (lout is not None and not still_in
                              and lout < utc_iso(last - grace) and last <= end)
        late_early(out, final.staff is not None)
        for sid, facts in out["staff"].items():
            late_early(facts, final.staff == sid)
    return out
