"""Closing a month's assessment (issue 28: 1,000 window units, 100,000 督察 records, a year of
ratings and service-event facts: under 2 s), beside a floor measured in the same run, on
SQLite or PostgreSQL.

    .venv/bin/python bench/assess_close.py [--units 1000] [--halls 25] [--records 100000]
        [--days 365] [--repeat 5] [--db postgresql://...|FILE] [--reuse]

Loads, straight into the tables with the bulk path (COPY on PostgreSQL, executemany on
SQLite): --halls halls of one region sharing --units departments (window units), one window
and one staff member each; --days days of roll-ups (rollup_levels: what the ratings ingest
leaves, levels 5 to 0 a day), a 差评 case for every level 1-2 rating (closed on time, now and
then late), the facts of every working day of every window (window_facts: one real
window-day derived from service events by server/facts, copied to the others, the hall's
mark set so nothing is stale) and --records 督察 records spread over the days (5 % withdrawn).
The region gets the 上街-style preset, with 济宁's staff points. Then, --repeat times each, alternating:
  close   server/assess/results.close() of the region for the last full month (the frozen
          row deleted between runs): gather, score, award, freeze, audit
  floor   the month's roll-up, facts and 督察 rows by bare SELECTs in this process (no
          summing, no JSON, no scoring)
Last line: the close's p50 against the 2 s goal, and over the floor.
"""
from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct  # noqa: E402
from bench.facts import COLS as EVENT_COLS, day_events  # noqa: E402

from server.assess import results, scheme, store as assess_store  # noqa: E402
from server.db import org  # noqa: E402
from server.db.base import utc_iso  # noqa: E402
from server.db.store import open_store  # noqa: E402
from server.facts import refresh  # noqa: E402
from server.workflow.workdays import HALL_TZ  # noqa: E402

REGION, GOAL_MS = "410106", 2000.0
ITEMS = [i.key for i in scheme.preset("shangjie").items if i.kind == "deduction"]


def bulk(store, table: str, cols: tuple, rows: list) -> None:
    names = ", ".join(f'"{c}"' for c in cols)
    with store.transaction() as tx:
        if store.kind == "postgresql":
            with tx.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            tx.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                                  f"({', '.join('?' * len(cols))})", rows)


def at(day: date, hh: int, mm: int = 0) -> str:
    return utc_iso(datetime.combine(day, dtime(hh, mm), HALL_TZ))


def load_org(store, halls: list[str], units: int) -> list[tuple[str, int, str]]:
    """[(hall, window, staff id)]: one window and one staff member per department."""
    windows = []
    with store.transaction() as tx:
        org.put_region(tx, org.Region(REGION, "上街区"))
        for h in halls:
            org.put_hall(tx, org.Hall(h, f"政务服务中心{h}", REGION))
        for n in range(units):
            hall, w = halls[n % len(halls)], n // len(halls) + 1
            sid = f"S{n + 1:05d}"
            org.put_window(tx, org.Window(hall, w, f"窗口{w}", f"部门{w:03d}"))
            org.put_staff(tx, org.Staff(sid, f"员工{n + 1}", hall, windows=(w,)))
            windows.append((hall, w, sid))
    return windows


def template_facts(store, hall: str, day: date) -> str:
    """One real window-day's facts (window 1 of `hall`), derived from its service events."""
    rows = [r[:3] + (hall,) + r[4:] for r in day_events(1, day, 60)]
    bulk(store, "service_events", EVENT_COLS, rows)
    refresh.refresh(store, hall, day, day)
    with store.transaction(write=False) as tx:
        facts = tx.one('SELECT facts FROM window_facts WHERE hall = ? AND "window" = 1 AND '
                       "day = ?", [hall, day.isoformat()])[0]
    with store.transaction() as tx:   # the copies below stand for it
        tx.q("DELETE FROM window_facts WHERE hall = ?", [hall])
    return facts


def load_days(store, windows, days: list[date], template: str, rng: random.Random) -> tuple:
    levels = ("hall", "day", "window", "staff_id", "level", "n")
    facts = ("hall", "window", "day", "facts", "computed_at")
    cases = ("id", "device_id", "rating_uuid", "hall", "window", "staff_id", "level", "state",
             "opened_at", "answer_due", "closed_at", "updated_at")
    n_levels = n_facts = n_cases = 0
    done = utc_iso()
    for day in days:
        lv, fa, ca = [], [], []
        working = day.weekday() < 5
        for hall, w, sid in windows:
            counts = {5: rng.randint(5, 30), 4: rng.randint(0, 5), 3: rng.randint(0, 2),
                      2: int(rng.random() < 0.04), 1: int(rng.random() < 0.02),
                      0: rng.randint(0, 4)}
            lv += [(hall, day.isoformat(), w, sid, k, v) for k, v in counts.items() if v]
            for k in (1, 2):
                for _ in range(counts[k]):
                    late = rng.random() < 0.1
                    ca.append((uuid.uuid4().hex, f"D-{hall}-{w}", uuid.uuid4().hex, hall, w,
                               sid, k, "open" if late else "closed", at(day, 10),
                               at(day + timedelta(days=21), 17),
                               None if late else at(day + timedelta(days=3), 10), done))
            if working:
                fa.append((hall, w, day.isoformat(), template.replace('"S001"', f'"{sid}"'),
                           done))
        bulk(store, "rollup_levels", levels, lv)
        bulk(store, "cases", cases, ca)
        bulk(store, "window_facts", facts, fa)
        n_levels, n_facts, n_cases = n_levels + len(lv), n_facts + len(fa), n_cases + len(ca)
    return n_levels, n_facts, n_cases


def load_records(store, windows, days: list[date], n: int, rng: random.Random) -> None:
    cols = ("id", "hall", "department", "window", "staff_id", "item", "kind", "count",
            "occurred_at", "note", "recorded_by", "recorded_at", "state")
    rows = []
    for i in range(n):
        hall, w, sid = rng.choice(windows)
        day = rng.choice(days)
        when = at(day, rng.randint(9, 16), rng.randint(0, 59))
        state = "withdrawn" if rng.random() < 0.05 else "recorded"
        rows.append((uuid.uuid4().hex, hall, f"部门{w:03d}", w, sid if i % 3 else None,
                     rng.choice(ITEMS), "deduction", rng.randint(1, 2), when, "督察",
                     "user:du", when, state))
        if len(rows) == 20000:
            bulk(store, "inspections", cols, rows)
            rows = []
    bulk(store, "inspections", cols, rows)


def settle(store) -> None:
    """Fresh planner statistics (ANALYZE runs inside a transaction on both stores)."""
    with store.transaction() as tx:
        tx.q("ANALYZE")


def load(store, args, halls: list[str], days: list[date], rng) -> None:
    windows = load_org(store, halls, args.units)
    template = template_facts(store, halls[0], days[0])
    n_levels, n_facts, n_cases = load_days(store, windows, days, template, rng)
    load_records(store, windows, days, args.records, rng)
    with store.transaction() as tx:
        for h in halls:   # every event looked at: the facts loaded are the facts
            tx.q("INSERT INTO facts_marks (hall, through) VALUES (?, ?) ON CONFLICT (hall) "
                 "DO UPDATE SET through = excluded.through", [h, utc_iso()])
        body = scheme.preset("shangjie").to_dict()   # and staff scored, as 济宁 does
        body["staff"] = scheme.preset("jining").to_dict()["staff"]
        assess_store.set_scheme(tx, REGION, days[0].strftime("%Y-%m"), body, "bench")
    settle(store)
    print(f"  {n_levels:,} roll-up rows, {n_facts:,} window-days of facts, {n_cases:,} 差评 "
          f"cases")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--halls", type=int, default=25)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="postgresql:// URL or a SQLite file (default: a temp SQLite "
                                 "file)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the database (--db: a SQLite file or postgresql:// URL) and "
                         "skip the load when it was loaded before (for profiling)")
    ap.add_argument("--schema", default="bench_assess")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tmp, schema, db = None, None, args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = str(Path(tmp.name) / "bench.db")
    elif "://" in db:
        import psycopg

        schema = args.schema
        with psycopg.connect(db, autocommit=True) as conn:
            if not args.reuse:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    elif not args.reuse:
        Path(db).unlink(missing_ok=True)
    store = open_store(db, schema=schema)
    with store.transaction(write=False) as tx:
        loaded = tx.one("SELECT count(*) FROM assess_schemes")[0] > 0
    rng = random.Random(28)
    today = datetime.now(HALL_TZ).date()
    last = today.replace(day=1) - timedelta(days=1)          # the last full month's end
    first = last.replace(day=1)
    month = last.strftime("%Y-%m")
    days = [last - timedelta(days=d) for d in range(args.days)][::-1]
    halls = [f"H{n + 1:02d}" for n in range(args.halls)]
    t0 = time.perf_counter()
    if not loaded:
        load(store, args, halls, days, rng)
    print(f"{store.kind}: {args.units:,} units in {args.halls} halls, {args.days} days, "
          f"{args.records:,} 督察 records; loaded in {time.perf_counter() - t0:.0f} s")
    marks = ", ".join("?" * len(halls))
    lo, hi = utc_iso(datetime.combine(first, dtime(), HALL_TZ)), utc_iso(
        datetime.combine(last + timedelta(days=1), dtime(), HALL_TZ))
    got: dict = {}

    def close():
        with store.transaction() as tx:
            tx.q("DELETE FROM assess_results WHERE scope = ? AND period = ?", [REGION, month])
        got["result"] = results.close(store, REGION, month, "基准", "bench")

    def floor():
        with store.transaction(write=False) as tx:
            a = tx.all(f'SELECT hall, "window", staff_id, level, n FROM rollup_levels WHERE '
                       f"hall IN ({marks}) AND day >= ? AND day <= ?",
                       [*halls, first.isoformat(), last.isoformat()])
            b = tx.all(f'SELECT hall, "window", day, facts FROM window_facts WHERE '
                       f"hall IN ({marks}) AND day >= ? AND day <= ?",
                       [*halls, first.isoformat(), last.isoformat()])
            c = tx.all(f"SELECT hall, department, staff_id, item, state, count FROM "
                       f"inspections WHERE hall IN ({marks}) AND occurred_at >= ? AND "
                       f"occurred_at < ?", [*halls, lo, hi])
        got["floor rows"] = len(a) + len(b) + len(c)

    runs = {"close": close, "floor": floor}
    times: dict = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm-up
    for _ in range(args.repeat):
        for name, fn in runs.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    for name, values in times.items():
        print(f"{name:>6}: p50 {pct(values, 50):8.1f} ms  max {max(values):8.1f} ms")
    result = got["result"]
    print(f"  {month}: {len(result.units)} units scored, {len(result.staff)} staff, "
          f"{sum(u.quality for u in result.units)} 优质服务窗口; floor read "
          f"{got['floor rows']:,} rows")
    took, base = pct(times["close"], 50), pct(times["floor"], 50)
    print(f"{store.kind} close of {args.units:,} units: p50 {took:.0f} ms "
          f"({'within' if took < GOAL_MS else 'OVER'} the {GOAL_MS:.0f} ms goal), "
          f"{took / base:.1f}x the SELECT floor ({base:.1f} ms)")
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
