"""The admin's holiday table: load a year's schedule from CSV, build the working-day Calendar.

The State Council publishes next year's 放假安排 each winter, usually before chinesecalendar
ships it; `kiosk-server holidays load FILE` puts it in the database, where it wins over the
package. A file replaces every row of the years it contains (so a corrected file leaves no
stale day behind) and leaves other years alone.

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
from server.workflow.workdays import HOLIDAY, WORKDAY, Calendar

log = logging.getLogger(__name__)

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


def load(store, rows: dict[date, tuple[str, str]], actor: Actor) -> dict:
    """Replace the table's rows for every year in `rows`; one audit entry. Returns a summary."""
    years = sorted({d.year for d in rows})
    now = utc_iso()
    with store.transaction() as tx:
        for year in years:
            tx.q("DELETE FROM holidays WHERE day >= ? AND day <= ?",
                 [f"{year}-01-01", f"{year}-12-31"])
        for day, (kind, note) in sorted(rows.items()):
            tx.q("INSERT INTO holidays (day, kind, note, loaded_at) VALUES (?, ?, ?, ?)",
                 [day.isoformat(), kind, note, now])
        summary = {"years": years, "holidays": sum(k == HOLIDAY for k, _ in rows.values()),
                   "workdays": sum(k == WORKDAY for k, _ in rows.values())}
        audit.append(tx, actor.audit_name, "holidays.load", "holidays:" +
                     ",".join(map(str, years)), summary)
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
