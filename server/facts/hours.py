"""Hall hours (issue 27.4): working hours and breaks per weekday, the 空岗 threshold and the
迟到/早退 grace, per hall, per region or everywhere; the working-day calendar decides which
dates have hours at all (statutory holidays none, 调休 make-up days some).

Scopes, most specific first, as the 差评 policies (server/workflow/policy.py): `hall:<id>`,
`region:<code>` (nearest region up the org tree first), `*`; with none set, the package's
default file hours_default.json (which names its sources) applies. Each row is complete.

A working day uses its weekday's spans; a 调休 Saturday or Sunday (a working day by the
calendar, with no spans of its own) uses Monday's. A date that is not a working day has no
hours, even if its weekday has spans (a hall that opens on Saturdays lists them, and they
apply on Saturdays the calendar calls working days only).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from server.db import audit
from server.db.base import BaseStore, utc_iso
from server.workflow.actors import Actor, Forbidden
from server.workflow.policy import check_scope, region_of
from server.workflow.workdays import HALL_TZ, Calendar

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).with_name("hours_default.json")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[str, str]  # ("09:00", "12:00"), local time


def _minutes(text: str) -> int:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day HH:MM") from None
    if not (0 <= int(hh) <= 24 and 0 <= int(mm) < 60 and value <= 24 * 60):
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return value


def parse_spans(text: str) -> list[Span]:
    """'09:00-12:00,13:30-17:30' -> [("09:00", "12:00"), ("13:30", "17:30")]; '' or 'off'
    -> [] (closed). ValueError unless each span ends after it starts and they do not overlap."""
    text = text.strip()
    if text.lower() in ("", "off", "closed", "休"):
        return []
    spans: list[Span] = []
    for part in text.replace("，", ",").split(","):
        start, sep, end = part.strip().replace("–", "-").partition("-")
        if not sep:
            raise ValueError(f"{part.strip()!r}: write a span as HH:MM-HH:MM")
        spans.append((f"{_minutes(start) // 60:02d}:{_minutes(start) % 60:02d}",
                      f"{_minutes(end) // 60:02d}:{_minutes(end) % 60:02d}"))
    return check_spans(spans)


def check_spans(spans) -> list[Span]:
    spans = [(str(a), str(b)) for a, b in spans]
    last = -1
    for a, b in sorted(spans):
        if _minutes(b) <= _minutes(a):
            raise ValueError(f"{a}-{b}: a span must end after it starts")
        if _minutes(a) < last:
            raise ValueError(f"{a}-{b} overlaps the span before it")
        last = _minutes(b)
    return sorted(spans)


@dataclass(frozen=True)
class Hours:
    """One scope's hours: {ISO weekday 1-7: spans}, the 空岗 threshold and the grace."""

    week: dict = field(default_factory=dict)
    empty_minutes: int = 15
    grace_minutes: int = 15
    scope: str = "default"
    source: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.empty_minutes <= 240:
            raise ValueError("the 空岗 threshold must be 1 to 240 minutes")
        if not 0 <= self.grace_minutes <= 120:
            raise ValueError("the late/early grace must be 0 to 120 minutes")
        for day, spans in self.week.items():
            if int(day) not in range(1, 8):
                raise ValueError(f"weekday {day}: use 1 (Monday) to 7 (Sunday)")
            check_spans(spans)

    def spans_for(self, day: date, calendar: Calendar) -> list[Span]:
        """The local spans of a date: none on a day off; a 调休 weekend day uses Monday's."""
        if not calendar.is_working_day(day):
            return []
        return list(self.week.get(day.isoweekday()) or self.week.get(1) or [])

    def windows_of(self, day: date, calendar: Calendar) -> list[tuple[datetime, datetime]]:
        """The date's working spans as aware UTC instants."""
        return [(at(day, a), at(day, b)) for a, b in self.spans_for(day, calendar)]

    def as_dict(self) -> dict:
        return {"scope": self.scope, "empty_minutes": self.empty_minutes,
                "grace_minutes": self.grace_minutes,
                "hours": {WEEKDAYS[int(d) - 1]: ["-".join(s) for s in spans]
                          for d, spans in sorted(self.week.items())}}


def at(day: date, hhmm: str) -> datetime:
    m = _minutes(hhmm)
    return (datetime.combine(day, time(0), HALL_TZ) + timedelta(minutes=m)).astimezone(
        timezone.utc)


def default() -> Hours:
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    return Hours({int(k): [tuple(s) for s in v] for k, v in data["hours"].items()},
                 data["empty_minutes"], data["grace_minutes"], "default", data["source"])


def default_source_zh() -> str:
    """The default's sources in Chinese, for a Chinese shell (the JSON keeps both)."""
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8")).get("source_zh", "")


def _row(scope: str, hours: str, empty: int, grace: int) -> Hours:
    return Hours({int(k): [tuple(s) for s in v] for k, v in json.loads(hours).items()},
                 int(empty), int(grace), scope)


def for_hall(tx, hall: str) -> Hours:
    """The hours that apply to a hall: its own, its nearest region's, '*', or the default."""
    scopes = [f"hall:{hall}"] + [f"region:{r}" for r in region_of(tx, hall)] + ["*"]
    rows = {r[0]: r for r in tx.all(
        "SELECT scope, hours, empty_minutes, grace_minutes FROM hall_hours WHERE scope IN ("
        + ", ".join("?" * len(scopes)) + ")", scopes)}
    for scope in scopes:
        if scope in rows:
            return _row(*rows[scope])
    return default()


def set_hours(store, scope: str, actor: Actor, days: dict[int, list[Span]] | None = None,
              empty_minutes: int | None = None, grace_minutes: int | None = None) -> Hours:
    """Create or change a scope's hours (region admins and the host's CLI; a hall
    supervisor for their own hall); the weekdays not named keep what applied. Audited."""
    scope = check_scope(scope)
    hall = scope.split(":", 1)[1] if scope.startswith("hall:") else None
    if not (actor.role in ("region_admin", "system") or (
            actor.role == "hall_supervisor" and hall is not None)) or (
            hall is not None and not actor.sees_hall(hall)):
        raise Forbidden("only a region admin, or the hall's supervisor, sets hall hours")
    with store.transaction() as tx:
        row = tx.one("SELECT scope, hours, empty_minutes, grace_minutes FROM hall_hours "
                     "WHERE scope = ?", [scope])
        if row is not None:
            base = _row(*row)
        elif scope.startswith("hall:"):
            base = for_hall(tx, scope.split(":", 1)[1])
        else:
            base = default()
        week = {**base.week, **(days or {})}
        week = {d: s for d, s in week.items() if s}
        hours = Hours(week, base.empty_minutes if empty_minutes is None else empty_minutes,
                      base.grace_minutes if grace_minutes is None else grace_minutes, scope)
        text = BaseStore.dumps({str(d): [list(s) for s in v] for d, v in hours.week.items()})
        tx.q("DELETE FROM hall_hours WHERE scope = ?", [scope])
        tx.q("INSERT INTO hall_hours (scope, hours, empty_minutes, grace_minutes, updated_at, "
             "updated_by) VALUES (?, ?, ?, ?, ?, ?)",
             [scope, text, hours.empty_minutes, hours.grace_minutes, utc_iso(),
              actor.audit_name])
        # Facts computed with the old hours are recomputed when next read (server/facts).
        where, params = ("hall = ?", [hall]) if hall is not None else ("1 = 1", [])
        tx.q('INSERT INTO facts_dirty (hall, "window", day) SELECT hall, "window", day '
             f"FROM window_facts WHERE {where} ON CONFLICT DO NOTHING", params)
        audit.append(tx, actor.audit_name, "hours.set", f"policy:{scope}", hours.as_dict())
    log.info("hall hours %s set by %s", scope, actor.name)
    return hours


def listing(store) -> list[dict]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT scope, hours, empty_minutes, grace_minutes, updated_at, "
                      "updated_by FROM hall_hours ORDER BY scope")
    return [{**_row(*r[:4]).as_dict(), "updated_at": r[4], "updated_by": r[5]} for r in rows]
