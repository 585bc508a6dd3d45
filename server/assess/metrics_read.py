"""The set queries behind a period's assessment data (metrics.py sums them): each one
statement over all the halls asked for, grouped by (hall, window) or by staff member in SQL,
written once for both stores (placeholders `?`; times compared as UTC ISO text, as stored).

No query is per unit or per window: 1,000 units cost the same number of round trips as one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from server.db.base import utc_iso

# When a 差评 case's 按时办结 is decided: at its closing when it was closed by its answer
# deadline (on time), else at the deadline itself (late, whenever it is closed). A case is
# counted in the period holding that moment, once; a case still open before its deadline is
# undecided and counted nowhere yet. Withdrawn (void) cases do not count: their rating
# stopped counting. A case without due dates (its year had no calendar) counts when closed,
# as on time. Only cases opened at most OPENED_WITHIN before the period are looked at, so the
# read does not grow with years of history: the longest answer deadline a policy allows is 60
# working days (server/workflow/policy.py), under 100 calendar days with weekends and the
# longest holidays; a case without due dates closed later than that after it opened is left
# out.
OPENED_WITHIN = timedelta(days=190)
ON_TIME_SQL = "state = 'closed' AND (answer_due IS NULL OR closed_at <= answer_due)"
DECIDED_SQL = f"CASE WHEN {ON_TIME_SQL} THEN closed_at ELSE answer_due END"


def marks(values) -> str:
    return ", ".join("?" * len(values))


def org(tx, halls: list[str]) -> tuple[list, list]:
    """(departments [(hall, name, credit_code)], windows [(hall, number, department)])."""
    m = marks(halls)
    departments = tx.all(f"SELECT hall_id, name, credit_code FROM departments "
                         f"WHERE hall_id IN ({m})", halls)
    windows = tx.all(f"SELECT hall_id, number, department FROM windows WHERE hall_id IN ({m})",
                     halls)
    return departments, windows


def staff_names(tx, halls: list[str], also: set[str]) -> dict[str, tuple[str, str]]:
    """{工号: (name, hall)} of the halls' staff, and of the ids in `also` found elsewhere (a
    staff member moved to another hall since)."""
    out = {sid: (name, hall) for sid, name, hall in tx.all(
        f"SELECT staff_id, name, hall_id FROM staff WHERE hall_id IN ({marks(halls)})", halls)}
    missing = sorted(also - out.keys())
    for i in range(0, len(missing), 500):
        chunk = missing[i:i + 500]
        out.update((sid, (name, hall)) for sid, name, hall in tx.all(
            f"SELECT staff_id, name, hall_id FROM staff WHERE staff_id IN ({marks(chunk)})",
            chunk))
    return out


def levels(tx, halls: list[str], first: date, last: date) -> list[tuple]:
    """[(hall, window, staff_id, level, n)]: the roll-ups of the period (counted ratings;
    level 0 = a completed case nobody rated), summed over its days in SQL."""
    return tx.all(f'SELECT hall, "window", staff_id, level, sum(n) FROM rollup_levels '
                  f"WHERE hall IN ({marks(halls)}) AND day >= ? AND day <= ? "
                  f'GROUP BY hall, "window", staff_id, level',
                  [*halls, first.isoformat(), last.isoformat()])


def bad_cases(tx, halls: list[str], lo: datetime, hi: datetime, now: datetime
              ) -> list[tuple]:
    """[(hall, window, cases decided in [lo, hi), of them closed on time)] (see DECIDED_SQL);
    nothing decided after `now` (a deadline still ahead)."""
    return tx.all(f'SELECT hall, "window", count(*), sum(CASE WHEN {ON_TIME_SQL} THEN 1 '
                  f"ELSE 0 END) FROM cases WHERE hall IN ({marks(halls)}) AND opened_at >= ? "
                  f"AND state <> 'void' AND {DECIDED_SQL} >= ? AND {DECIDED_SQL} < ? "
                  f'AND {DECIDED_SQL} <= ? GROUP BY hall, "window"',
                  [*halls, utc_iso(lo - OPENED_WITHIN), utc_iso(lo), utc_iso(hi), utc_iso(now)])


def appeals_upheld(tx, halls: list[str], lo: str, hi: str) -> list[tuple]:
    """[(hall, window, appeals approved in [lo, hi))]: an approved appeal excluded its rating;
    hall and window are the rating's (its device's hall, as the roll-ups have it)."""
    return tx.all(f'SELECT d.hall, r."window", count(*) FROM appeals a '
                  f"JOIN ratings r ON r.device_id = a.device_id AND r.uuid = a.rating_uuid "
                  f"JOIN devices d ON d.device_id = a.device_id "
                  f"WHERE a.state = 'approved' AND a.decided_at >= ? AND a.decided_at < ? "
                  f'AND d.hall IN ({marks(halls)}) GROUP BY d.hall, r."window"',
                  [lo, hi, *halls])


def records(tx, halls: list[str], lo: str, hi: str) -> list[tuple]:
    """[(hall, department, staff_id or '', item, state, sum of count, records)]: the 督察
    records that happened in [lo, hi), withdrawn ones left out (server/assess/
    inspection_tables.py: a record counts unless withdrawn; 'contested' counts, pending)."""
    return tx.all(f"SELECT hall, department, coalesce(staff_id, ''), item, state, sum(count), "
                  f"count(*) FROM inspections WHERE hall IN ({marks(halls)}) "
                  f"AND occurred_at >= ? AND occurred_at < ? AND state <> 'withdrawn' "
                  f"GROUP BY hall, department, coalesce(staff_id, ''), item, state",
                  [*halls, lo, hi])
