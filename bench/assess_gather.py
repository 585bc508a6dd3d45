"""The data a month's 考核 scores, for 1,000 window units with 100,000 督察 records and a year of
roll-ups and window facts (issue 28: closing a month under 2 s on both stores), beside a floor
measured in the same run, on SQLite or PostgreSQL.

    .venv/bin/python bench/assess_gather.py [--units 1000] [--records 100000] [--months 12]
                                            [--db postgresql://...] [--repeat 10]

Loads the region of bench/assess_data.py (50 halls x 20 departments x 2-3 windows), then
times, --repeat times each, alternating:
  gather   server.assess.metrics.gather(store, halls, first, last) for the last full month:
           the facts refresh of each hall (nothing dirty: the periodic job keeps them), the
           set queries grouped in SQL (the window-days' figures kept beside their JSON,
           server/facts/tables.py FACT_SCALARS), every unit and staff member assembled;
  floor    the same rows by plain SELECTs in one read transaction (the month's roll-up rows,
           window_facts figures and staff shares, the cases and approved appeals the
           period decides, the month's records, the org), fetched and nothing else: no
           grouping, no sums.
Last line: gather's p50 against the 2 s goal of the whole close, over the floor's p50, and
the same ratio in this process's CPU time (on SQLite all the work, and steadier than the wall
clock on a shared machine; on PostgreSQL the server's share is not in it).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.assess_data import bench_args, load, timed  # noqa: E402
from bench.common import pct  # noqa: E402

from server.assess import metrics  # noqa: E402
from server.assess.metrics_read import DECIDED_SQL, OPENED_WITHIN, marks  # noqa: E402
from server.db.base import utc_iso  # noqa: E402
from server.facts.refresh import day_bounds  # noqa: E402

GOAL_MS = 2000.0


def floor(store, halls: list[str], first, last) -> int:
    """The rows gather reads, fetched plainly; how many."""
    m, lo, hi = marks(halls), utc_iso(day_bounds(first)[0]), utc_iso(day_bounds(last)[1])
    since = utc_iso(day_bounds(first)[0] - OPENED_WITHIN)
    days = [*halls, first.isoformat(), last.isoformat()]
    queries = [
        (f"SELECT hall_id, name, credit_code FROM departments WHERE hall_id IN ({m})", halls),
        (f"SELECT hall_id, number, department FROM windows WHERE hall_id IN ({m})", halls),
        (f"SELECT staff_id, name, hall_id FROM staff WHERE hall_id IN ({m})", halls),
        (f'SELECT hall, "window", staff_id, level, n FROM rollup_levels WHERE hall IN ({m}) '
         f"AND day >= ? AND day <= ?", days),
        (f'SELECT hall, "window", day, completed, late, durations, empties FROM window_facts '
         f"WHERE hall IN ({m}) AND day >= ? AND day <= ?", days),
        (f'SELECT hall, "window", day, staff_id, late, completed FROM window_facts_staff '
         f"WHERE hall IN ({m}) AND day >= ? AND day <= ?", days),
        (f'SELECT hall, "window", start, excused FROM empty_notes WHERE hall IN ({m}) '
         f"AND start >= ? AND start < ?", [*halls, lo, hi]),
        (f'SELECT hall, "window", state, answer_due, closed_at FROM cases WHERE hall IN ({m}) '
         f"AND opened_at >= ? AND state <> 'void' AND {DECIDED_SQL} >= ? "
         f"AND {DECIDED_SQL} < ?", [*halls, since, lo, hi]),
        ('SELECT d.hall, r."window" FROM appeals a JOIN ratings r ON r.device_id = '
         "a.device_id AND r.uuid = a.rating_uuid JOIN devices d ON d.device_id = a.device_id "
         f"WHERE a.state = 'approved' AND a.decided_at >= ? AND a.decided_at < ? "
         f"AND d.hall IN ({m})", [lo, hi, *halls]),
        (f"SELECT hall, department, staff_id, item, state, count FROM inspections WHERE hall "
         f"IN ({m}) AND occurred_at >= ? AND occurred_at < ? AND state <> 'withdrawn'",
         [*halls, lo, hi]),
    ]
    n = 0
    with store.transaction(write=False) as tx:
        for sql, params in queries:
            n += len(tx.all(sql, params))
    return n


def main() -> int:
    args = bench_args(__doc__, "bench_assess", 10)
    store, tmp, info = load(args)
    halls, first, last = info["halls"], info["first"], info["last"]
    got = metrics.gather(store, halls, first, last)  # warm-up, and what it found
    fetched = floor(store, halls, first, last)
    print(f"{first:%Y-%m}: {len(got.units):,} units, {len(got.staff):,} staff, "
          f"{sum(sum(r.values()) for r in got.records.values()):,} record occurrences, "
          f"{got.pending_contests:,} contested; the floor fetches {fetched:,} rows")
    runs = {"gather": lambda: metrics.gather(store, halls, first, last),
            "floor": lambda: floor(store, halls, first, last)}
    times, cpu = timed(runs, args.repeat)
    for name, values in times.items():
        print(f"{name:>8}: p50 {pct(values, 50):8.1f} ms  p99 {pct(values, 99):8.1f} ms  "
              f"this process's CPU p50 {pct(cpu[name], 50):8.1f} ms")
    g, f = pct(times["gather"], 50), pct(times["floor"], 50)
    gc, fc = pct(cpu["gather"], 50), pct(cpu["floor"], 50)
    print(f"{store.kind} {args.units:,} units, {args.records:,} records, {args.months} months: "
          f"gather p50 {g:.0f} ms ({g / GOAL_MS:.2f} of the {GOAL_MS:.0f} ms close goal), "
          f"{g / f:.2f}x the SELECT floor ({f:.0f} ms); CPU {gc / fc:.2f}x")
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
