"""The admin's holiday table: load a year's schedule from CSV, build the working-day Calendar.

The State Council publishes next year's 放假安排 each winter, usually before chinesecalendar
ships it; `kiosk-server holidays load FILE` puts it in the database, where it wins over the
package. A file is the schedule of ONE year: the year most of its dates fall in (a tie goes
to the later year), or the one the admin names (--year). It replaces every row of that year
(so a corrected file leaves no stale day behind); its dates in other years (a notice's 元旦
that starts on 31 December of the year before, as the 2023 notice's 2022-12-31) are added or
changed one by one, and the rest of those years is kept: loading 2028 never erases 2027's
春节. A load that would remove most of a year's holidays (all of them, or more than half) is
refused unless the admin says replace=True.

CSV: one date per line, `date,kind[,note]`, date YYYY-MM-DD, kind holiday or workday (休/班
are accepted too); a header line and blank lines are skipped.
"""
from __future__ import annotations

import csv
import io
import logging
from datetime import date

from server.db import audit
from server.db.base import utc_iso
from server.workflow.actors import Actor
from server.workflow.policy import Policy
from server.workflow.workdays import HOLIDAY, PACKAGE_YEARS, WORKDAY, Calendar, horizon

log = logging.getLogger(__name__)

# Warn this many days before cases start to get no due dates: the State Council publishes
# next year's schedule around November, so a month leaves time to load it once it is out.
WARN_DAYS = 30
# A State Council year has ~30 days off; a table-only year listing fewer looks partial (its
# unlisted days count Monday to Friday, so a missing Spring Festival would be worked).
FULL_YEAR_HOLIDAYS = 20
OPEN = "('verify', 'rectify', 'answer')"
ANY_STATE = "('verify', 'rectify', 'answer', 'closed', 'void')"  # lets (state, hall) serve
KIND_WORDS = {"holiday": HOLIDAY, "休": HOLIDAY, "workday": WORKDAY, "班": WORKDAY}


class HolidayFileError(ValueError):
    """The file is not a holiday table; the message lists each bad line."""


def parse_csv(text: str) -> dict[date, tuple[str, str]]:
    """{date: (kind, note)}, or HolidayFileError naming every bad line."""
    rows: dict[date, tuple[str, str]] = {}
    errors: list[str] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        fields = [f.strip() for f in fields]
        if not any(fields) or fields[0].startswith("#"):
            continue
        if number == 1 and fields[0].lower() in ("date", "日期"):
            continue
        if len(fields) < 2:
            errors.append(f"line {number}: expected date,kind[,note], got {','.join(fields)!r}")
            continue
        try:
            day = date.fromisoformat(fields[0])
        except ValueError:
            errors.append(f"line {number}: {fields[0]!r} is not a date (YYYY-MM-DD)")
            continue
        kind = KIND_WORDS.get(fields[1].lower())
        if kind is None:
            errors.append(f"line {number}: kind {fields[1]!r} is not holiday or workday")
            continue
        if day in rows and rows[day][0] != kind:
            errors.append(f"line {number}: {day} is listed twice with different kinds")
            continue
        rows[day] = (kind, fields[2] if len(fields) > 2 else "")
    if errors:
        raise HolidayFileError("holiday file rejected, nothing loaded:\n  " + "\n  ".join(errors))
    if not rows:
        raise HolidayFileError("holiday file has no dates")
    return rows


class WouldErase(ValueError):
    """A load that would remove most of a year's holidays, refused without replace=True."""


def schedule_year(rows: dict[date, tuple[str, str]]) -> int:
    """The year a file is the schedule of: the one most of its dates fall in, the later of a
    tie (a notice reaches back into the previous December, never forward)."""
    counts: dict[int, int] = {}
    for day in rows:
        counts[day.year] = counts.get(day.year, 0) + 1
    return max(counts, key=lambda y: (counts[y], y))


def _plan(tx, rows: dict[date, tuple[str, str]], year: int) -> dict[int, dict]:
    """Per year the file touches: the dates to add, to change, to remove, and the holidays
    the table has for it now."""
    years = sorted({d.year for d in rows} | {year})
    plan = {}
    for y in years:
        old = {date.fromisoformat(d): (k, n) for d, k, n in tx.all(
            "SELECT day, kind, note FROM holidays WHERE day >= ? AND day <= ?",
            [f"{y}-01-01", f"{y}-12-31"])}
        new = {d: v for d, v in rows.items() if d.year == y}
        plan[y] = {"added": sorted(set(new) - set(old)),
                   "changed": sorted(d for d in set(new) & set(old) if new[d] != old[d]),
                   "removed": sorted(set(old) - set(new)) if y == year else [],
                   "had_holidays": sum(k == HOLIDAY for k, _ in old.values()),
                   "lost_holidays": sum(old[d][0] == HOLIDAY for d in old if y == year
                                        and (d not in new or new[d][0] != HOLIDAY))}
    return plan


def load(store, rows: dict[date, tuple[str, str]], actor: Actor, year: int | None = None,
         replace: bool = False) -> dict:
    """Load one year's schedule (see the module docstring); one audit entry. Returns a
    summary with, per year, how many dates were added, changed and removed. WouldErase
    (nothing loaded) when it would remove most of the year's holidays and not replace."""
    year = year or schedule_year(rows)
    if not any(d.year == year for d in rows):
        raise HolidayFileError(f"the file has no dates in {year}")
    now = utc_iso()
    with store.transaction() as tx:
        plan = _plan(tx, rows, year)
        mine = plan[year]
        if not replace and mine["lost_holidays"] and \
                mine["lost_holidays"] * 2 > mine["had_holidays"]:
            raise WouldErase(f"loading this file as the {year} schedule would remove "
                             f"{mine['lost_holidays']} of the {mine['had_holidays']} holidays "
                             f"the table has for {year}; check the file (or --year), or load "
                             f"it with --replace")
        for day in mine["removed"]:
            tx.q("DELETE FROM holidays WHERE day = ?", [day.isoformat()])
        for y, step in plan.items():
            for day in step["changed"]:
                tx.q("UPDATE holidays SET kind = ?, note = ?, loaded_at = ? WHERE day = ?",
                     [rows[day][0], rows[day][1], now, day.isoformat()])
            for day in step["added"]:
                tx.q("INSERT INTO holidays (day, kind, note, loaded_at) VALUES (?, ?, ?, ?)",
                     [day.isoformat(), rows[day][0], rows[day][1], now])
        summary = {"year": year, "years": sorted(plan),
                   "holidays": sum(k == HOLIDAY for k, _ in rows.values()),
                   "workdays": sum(k == WORKDAY for k, _ in rows.values()),
                   "per_year": {y: {"added": len(p["added"]), "changed": len(p["changed"]),
                                    "removed": len(p["removed"])} for y, p in plan.items()}}
        audit.append(tx, actor.audit_name, "holidays.load", f"holidays:{year}",
                     {**summary, "per_year": {str(y): v for y, v in
                                              summary["per_year"].items()}})
        # Cases opened while a year was unknown get their due dates now.
        from server.workflow.cases import recompute_missing_dues

        summary["cases_dated"] = recompute_missing_dues(tx)
    log.info("holiday table loaded: %s", summary)
    return summary


def calendar(tx) -> Calendar:
    """The working-day calendar with the admin's table over chinesecalendar."""
    return Calendar({date.fromisoformat(d): k for d, k in
                     tx.all("SELECT day, kind FROM holidays")})


def listing(store, year: int | None = None) -> list[dict]:
    clause, params = "", []
    if year is not None:
        clause, params = " WHERE day >= ? AND day <= ?", [f"{year}-01-01", f"{year}-12-31"]
    with store.transaction(write=False) as tx:
        return [{"day": d, "kind": k, "note": n, "loaded_at": t} for d, k, n, t in
                tx.all(f"SELECT day, kind, note, loaded_at FROM holidays{clause} ORDER BY day",
                       params)]


def longest_deadline(tx) -> int:
    """The longest answer deadline a hall can have: every policy's, and the national 15 unless
    a `*` policy stands in for it (an upper bound: a policy may cover no hall)."""
    rows = tx.all("SELECT scope, answer_days FROM case_policies")
    days = [d for _scope, d in rows]
    if all(scope != "*" for scope, _d in rows):
        days.append(Policy().answer_days)
    return max(days)


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(values)
    return f" AND {column} IN ({', '.join('?' * len(values))})", values


def deadline_status(tx, today: date, halls=None, windows=None, staff_id: str | None = None,
                    opened_before: str | None = None) -> dict:
    """Whether cases opened soon get due dates: the first year nobody knows, the last opening
    day whose longest deadline still fits (`last_safe`), the days until it fails, how many
    open cases already lack due dates, and `warn` (within WARN_DAYS, or cases lack them).
    halls (None: all), windows, staff_id (window staff: the cases naming them) and
    opened_before (UTC text: their view's cut-off, which also bounds `has_cases`) limit the
    case counts to what a user sees."""
    cal = calendar(tx)
    edge = horizon(today, cal, longest_deadline(tx))
    where, params = "", []
    if halls is not None:
        where, params = _in("hall", halls)
    mine, mine_params = "", []   # window staff: their own cases, opened before the cut-off
    if staff_id is not None:
        mine, mine_params = " AND staff_id = ?", [staff_id]
    if opened_before is not None:
        mine, mine_params = mine + " AND opened_at < ?", mine_params + [opened_before]
    missing, has_cases = 0, halls is None or bool(halls)
    if has_cases and halls is not None:
        has_cases = tx.one(f"SELECT 1 FROM cases WHERE state IN {ANY_STATE}{where}{mine} "
                           f"LIMIT 1", params + mine_params) is not None
    if has_cases and windows is not None:
        more, extra = _in('"window"', windows) if windows else (" AND 1 = 0", [])
        where, params = where + more, params + extra
    if has_cases:
        missing = tx.one(f"SELECT count(*) FROM cases WHERE state IN {OPEN} AND due_error "
                         f"IS NOT NULL{where}{mine}", params + mine_params)[0]
    days_left = (edge.starts - today).days
    table: dict[int, dict] = {}
    for day, kind in cal.overrides.items():
        table.setdefault(day.year, {HOLIDAY: 0, WORKDAY: 0})[kind] += 1
    return {"today": today.isoformat(), "year": edge.year, "longest_days": edge.longest,
            "last_safe": edge.last_safe.isoformat(), "starts": edge.starts.isoformat(),
            "days_left": days_left, "cases_without_due": missing, "has_cases": has_cases,
            "warn": days_left <= WARN_DAYS or missing > 0,
            "package_years": [PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1],
            "table_years": {y: table[y] for y in sorted(table)},
            "partial_years": [y for y in sorted(table) if y not in PACKAGE_YEARS
                              and table[y][HOLIDAY] < FULL_YEAR_HOLIDAYS]}
