"""Working days in the halls' time zone (UTC+8): statutory holidays, 调休 make-up days, overrides.

Pure: no database, no clock. A Calendar answers "is this a working day" from, in order,
1. the admin's holiday table (`kiosk-server holidays load FILE`; one row per date, holiday or
   workday), which wins over everything else, so a correction or next year's State Council
   schedule can be loaded before the package knows it;
2. the `chinesecalendar` package (statutory holidays and make-up working days; version 1.11
   covers 2004-2026);
3. for a year the admin table covers but the package does not: Monday to Friday.
A date in a year that neither source knows raises UnknownYear: a deadline is never guessed.

Deadlines follow "N 个工作日内": the day a case opens does not count, the deadline is the end
(23:59:59 local) of the Nth working day after it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Mapping

import chinese_calendar
from chinese_calendar import constants as _cc

log = logging.getLogger(__name__)

HALL_TZ = timezone(timedelta(hours=8))
HOLIDAY, WORKDAY = "holiday", "workday"
KINDS = (HOLIDAY, WORKDAY)
# The years chinesecalendar has a State Council schedule for (read from its own tables).
PACKAGE_YEARS = range(min(d.year for d in _cc.holidays), max(d.year for d in _cc.holidays) + 1)
# No real deadline is more than a few months of working days away; this bounds the walk.
MAX_DAYS = 366


@lru_cache(maxsize=16384)
def _package_is_workday(day: date) -> bool:
    """chinesecalendar's answer, remembered: its is_workday() checks the date's range with a
    min() and max() over every holiday it knows, and 差评 due dates ask about the same few
    weeks thousands of times per ingest (88% of a 500-rating batch before this cache)."""
    return chinese_calendar.is_workday(day)


class UnknownYear(LookupError):
    """A date in a year for which no holiday schedule is known."""

    def __init__(self, year: int, table_years: frozenset[int] = frozenset()) -> None:
        self.year = year
        loaded = ", ".join(str(y) for y in sorted(table_years)) or "none"
        super().__init__(
            f"no holiday schedule for {year}: chinesecalendar "
            f"{getattr(chinese_calendar, '__version__', '')} covers "
            f"{PACKAGE_YEARS.start}-{PACKAGE_YEARS.stop - 1}, the holiday table covers "
            f"{loaded}; load the State Council's {year} schedule with "
            f"`kiosk-server holidays load FILE`")


class Calendar:
    """Which local dates are working days; overrides: {date: "holiday" | "workday"}."""

    def __init__(self, overrides: Mapping[date, str] | None = None) -> None:
        self.overrides = dict(overrides or {})
        bad = {d: k for d, k in self.overrides.items() if k not in KINDS}
        if bad:
            raise ValueError(f"override kinds must be holiday or workday, not {bad}")
        self.table_years = frozenset(d.year for d in self.overrides)

    def knows(self, year: int) -> bool:
        return year in PACKAGE_YEARS or year in self.table_years

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == WORKDAY
        if day.year in PACKAGE_YEARS:
            return _package_is_workday(day)
        if day.year in self.table_years:
            return day.weekday() < 5
        raise UnknownYear(day.year, self.table_years)

    def add_working_days(self, moment: datetime, n: int) -> datetime:
        """The end (23:59:59 UTC+8) of the nth working day after moment's local date."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        day = local_date(moment)
        counted, walked = 0, 0
        while counted < n:
            day += timedelta(days=1)
            walked += 1
            if walked > MAX_DAYS + 2 * n:  # pragma: no cover - a table with no working day
                raise ValueError(f"no {n} working days within a year of {local_date(moment)}")
            counted += self.is_working_day(day)
        return end_of_day(day)

    def count_working_days(self, start: datetime, end: datetime) -> int:
        """Working days after start's local date up to and including end's (negative when
        end is earlier), so count(m, add(m, n)) == n."""
        a, b = local_date(start), local_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        if (b - a).days > MAX_DAYS * 5:
            raise ValueError("span too long to count in working days")
        return sign * sum(self.is_working_day(a + timedelta(days=i))
                          for i in range(1, (b - a).days + 1))


@dataclass(frozen=True)
class Horizon:
    """Where known years end for deadlines: a case opened after `last_safe` (local date) has
    a `longest`-working-day deadline in `year`, which the calendar does not know."""

    year: int
    last_safe: date
    longest: int

    @property
    def starts(self) -> date:
        """The first opening day that gets no due dates."""
        return self.last_safe + timedelta(days=1)


def horizon(today: date, calendar: Calendar, longest: int) -> Horizon:
    """The first year from today's on that the calendar does not know, and the last day a
    case may open and still have its longest deadline counted (working days are counted
    back from that year's eve: opening the day before the longest-th last working day
    leaves exactly `longest` working days in known time). With both today's year and the
    one before unknown there is nothing to count back in: last_safe is yesterday."""
    year = today.year
    while calendar.knows(year):
        year += 1
    if year == today.year and not calendar.knows(year - 1):
        return Horizon(year, today - timedelta(days=1), longest)
    day, counted = date(year - 1, 12, 31), 0
    while day.year == year - 1:
        counted += calendar.is_working_day(day)
        if counted >= longest:
            return Horizon(year, day - timedelta(days=1), longest)
        day -= timedelta(days=1)
    # A table making a whole year holidays: no day of that year fits.
    return Horizon(year, day, longest)  # pragma: no cover


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("moment must carry a time zone")
    return moment.astimezone(HALL_TZ).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), HALL_TZ)


def add_natural_days(moment: datetime, n: int) -> datetime:
    """n calendar days later, to the second (holidays do not matter)."""
    return moment + timedelta(days=n)


def add_working_days(moment: datetime, n: int, calendar: Calendar | None = None) -> datetime:
    return (calendar or Calendar()).add_working_days(moment, n)


def count_working_days(start: datetime, end: datetime, calendar: Calendar | None = None) -> int:
    return (calendar or Calendar()).count_working_days(start, end)
