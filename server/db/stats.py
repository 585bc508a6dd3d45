"""The console's figures, read from the roll-ups (server/db/rollups.py), never the raw ratings.

满意率 = (非常满意 + 满意 + 基本满意) / rated; 差评 = levels 1–2; 参评率 = rated / completed,
where a kiosk level 0 is a completed case nobody rated. Days are the hall's local dates
(UTC+8), ranges inclusive. Every query takes the set of halls the user may see and filters
in SQL; window staff add their 工号 (staff=...), which moves the query to the fine table.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sync.wire.labels import N_

log = logging.getLogger(__name__)

HALL_TZ = timezone(timedelta(hours=8))
LEVELS = (5, 4, 3, 2, 1, 0)
MAX_RANGE_DAYS = 3 * 366


class RangeError(ValueError):
    """A date range the console cannot answer; the message is an English msgid."""


@dataclass
class Figures:
    """Counts per level (0 = completed, not rated) and what the 好差评 rules derive."""

    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    def add(self, level: int, n: int) -> None:
        if level in self.levels:  # levels are 0..5 (the wire schema); nothing else counts
            self.levels[level] += n

    # Plain additions, not sum() over a generator: a region's ranking asks these thousands
    # of times and they were most of its time.
    @property
    def rated(self) -> int:
        v = self.levels
        return v[1] + v[2] + v[3] + v[4] + v[5]

    @property
    def satisfied(self) -> int:
        v = self.levels
        return v[3] + v[4] + v[5]

    @property
    def bad(self) -> int:
        return self.levels[1] + self.levels[2]

    @property
    def unrated(self) -> int:
        return self.levels[0]

    @property
    def completed(self) -> int:
        return self.rated + self.unrated

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def participation(self) -> float | None:
        return self.rated / self.completed if self.completed else None

    @property
    def mean_level(self) -> float | None:
        if not self.rated:
            return None
        return sum(lv * self.levels.get(lv, 0) for lv in (1, 2, 3, 4, 5)) / self.rated

    def as_row(self) -> dict:
        return {"rated": self.rated, "satisfied": self.satisfied, "bad": self.bad,
                "unrated": self.unrated, "completed": self.completed,
                "satisfaction": pct(self.satisfaction), "participation": pct(self.participation),
                **{f"level_{lv}": self.levels.get(lv, 0) for lv in LEVELS}}


def pct(value: float | None) -> str:
    """A rate as the console prints it: 97.1% (one decimal), empty when undefined."""
    return "" if value is None else f"{value * 100:.1f}%"


def today() -> date:
    return datetime.now(HALL_TZ).date()


# The dates a page may ask about. Outside them a day's neighbour (the day after, the UTC
# instant of its local midnight) can fall off the calendar: ?month=9999-12 was a 500.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
OUT_OF_SPAN = N_("Dates and months lie between 2000 and 2999.")


def _in_span(*days: date) -> None:
    if any(not FIRST_DAY <= d <= LAST_DAY for d in days):
        raise RangeError(OUT_OF_SPAN)


def parse_range(start: str | None, end: str | None,
                default: tuple[date, date]) -> tuple[date, date]:
    """?from=&to= of a page: ISO dates, inclusive; RangeError when malformed, outside
    2000-2999, the wrong way round, or longer than three years."""
    try:
        a = date.fromisoformat(start) if start else default[0]
        b = date.fromisoformat(end) if end else default[1]
    except ValueError:
        raise RangeError(N_("Dates are written YYYY-MM-DD.")) from None
    _in_span(a, b)
    if a > b:
        raise RangeError(N_("The range ends before it starts: the first date must not be "
                            "after the second."))
    if (b - a).days > MAX_RANGE_DAYS:
        raise RangeError(N_("The range is longer than three years."))
    return a, b


def month_range(month: str) -> tuple[date, date]:
    """'2026-11' -> first and last day; RangeError when malformed or outside 2000-2999."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise RangeError(N_("A month is written YYYY-MM.")) from None
    _in_span(first)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _in(values) -> str:
    return ", ".join("?" * len(values))


def _where(halls, start: date, end: date, staff: str | None, hall_col="hall"):
    halls = sorted(halls)
    sql = f"{hall_col} IN ({_in(halls)}) AND day >= ? AND day <= ?"
    params = [*halls, start.isoformat(), end.isoformat()]
    if staff is not None:
        sql += " AND staff_id = ?"
        params.append(staff)
    return sql, params


def _read(store, sql: str, params: list) -> list[tuple]:
    with store.transaction(write=False) as tx:
        return tx.all(sql, params)


def totals(store, halls, start: date, end: date, staff: str | None = None) -> Figures:
    """One set of figures over the halls and days (and one staff member's, when given)."""
    out = Figures()
    if not halls:
        return out
    table = "rollup_levels" if staff is not None else "rollup_hall_levels"
    where, params = _where(halls, start, end, staff)
    for level, n in _read(store, f"SELECT level, sum(n) FROM {table} WHERE {where} "
                                 f"GROUP BY level", params):
        out.add(int(level), int(n))
    return out


def overview(store, halls, on: date | None = None, staff: str | None = None) -> dict:
    """Today, this week (from Monday) and this month, up to `on` (the hall's today): one
    query for the days of all three, summed here."""
    on = on or today()
    periods = {"today": (on, on), "week": (on - timedelta(days=on.weekday()), on),
               "month": (on.replace(day=1), on)}
    days = by_day(store, halls, min(a for a, _b in periods.values()), on, staff)
    out = {}
    for name, (a, b) in periods.items():
        f, lo, hi = Figures(), a.isoformat(), b.isoformat()
        for day, figures in days:
            if lo <= day <= hi:
                for level, n in figures.levels.items():
                    f.add(level, n)
        out[name] = (a, b, f)
    return out


def by_day(store, halls, start: date, end: date, staff: str | None = None) -> list[tuple]:
    """(day, Figures) for every day of the range, empty days included (the stacked bars)."""
    days = {(start + timedelta(days=i)).isoformat(): Figures()
            for i in range((end - start).days + 1)}
    if halls:
        table = "rollup_levels" if staff is not None else "rollup_hall_levels"
        where, params = _where(halls, start, end, staff)
        for day, level, n in _read(store, f"SELECT day, level, sum(n) FROM {table} WHERE "
                                          f"{where} GROUP BY day, level", params):
            days[day].add(int(level), int(n))
    return list(days.items())


def reasons(store, halls, start: date, end: date, staff: str | None = None) -> list[tuple]:
    """(reason code, 差评 naming it), most named first."""
    if not halls:
        return []
    table = "rollup_reasons" if staff is not None else "rollup_hall_reasons"
    where, params = _where(halls, start, end, staff)
    rows = _read(store, f"SELECT reason, sum(n) FROM {table} WHERE {where} GROUP BY reason",
                 params)
    return sorted(((r, int(n)) for r, n in rows if n), key=lambda x: (-x[1], x[0]))


def breakdown(store, halls, start: date, end: date, by: str, staff: str | None = None,
              window: int | None = None) -> dict:
    """Figures per unit: by 'hall' ({hall: F}), 'window' ({(hall, n): F}), 'staff'
    ({(hall, 工号): F}), 'window_staff' ({(hall, n, 工号): F}) or 'department'
    ({(hall, department): F}: its windows' roll-ups, through windows.department as the org
    has it now; windows without a department belong to none); window narrows to one."""
    out: dict = {}
    if not halls:
        return out
    keys = {"hall": "hall", "window": 'hall, "window"', "staff": "hall, staff_id",
            "window_staff": 'hall, "window", staff_id', "department": "hall, w.department"}[by]
    table = "rollup_hall_levels" if by == "hall" and staff is None else "rollup_levels"
    where, params = _where(halls, start, end, staff)
    if by == "department":
        table += ' JOIN windows w ON w.hall_id = hall AND w.number = "window"'
        where += " AND w.department <> ''"
    if window is not None:
        where += ' AND "window" = ?'
        params.append(window)
    for *key, level, n in _read(store, f"SELECT {keys}, level, sum(n) FROM {table} WHERE "
                                       f"{where} GROUP BY {keys}, level", params):
        unit = key[0] if by == "hall" else tuple(key)
        out.setdefault(unit, Figures()).add(int(level), int(n))
    return out
