"""A region's assessment data for the 考核 benchmarks (issue 28: closing a month for 1,000 units
with 100,000 督察 records and a year of ratings and service events, under 2 s on both stores).

    from bench.assess_data import build
    info = build(store, units=1000, records=100_000, months=12)

build() loads, straight into the tables (this data times reading, not ingest):
- one region with units / 20 halls of 20 departments (窗口单位, each with a credit code) of 2
  or 3 windows (2.5 on average: 2,500 windows for 1,000 units), two staff members a window,
  one enrolled device a window;
- `months` months of working days (Monday to Friday) up to the last full month: per window
  and day the roll-ups of one staff member's ratings (about 25 a day: 5/4/3 always, unrated
  completions, a 差评 one day in four) and the day's window_facts JSON as derive.py writes it,
  with the figures the facts' refresh keeps beside it (refresh.figures), (办件 with their
  durations, a 空岗 one window-day in 17, a fifth of those excused by a note, a late sign-in
  one in 23); the hall-day roll-ups;
- a 差评 case per bad rating (most closed, some late, a few withdrawn, the newest open) and an
  approved appeal with its rating row for one case in 40;
- `records` 督察 records spread over the months, halls, departments and 8 items (5 % withdrawn,
  5 % contested, 40 % naming a staff member).
Returns {"halls", "region", "first", "last" (the last full month, the one to close),
"windows", "staff", "rows": {table: rows loaded}}.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
from time import perf_counter, process_time
from collections import Counter
from datetime import date, datetime, time, timedelta

from server.db import bulk, org, org_units
from server.db.base import utc_iso
from server.facts.refresh import figures
from server.workflow.workdays import HALL_TZ

REGION = "410100"
DEPARTMENTS = 20
ITEMS = ("empty", "late", "dress", "phone", "notice", "attitude", "praise", "innovation")
CASE_COLS = ("id", "device_id", "rating_uuid", "hall", "window", "staff_id", "level", "state",
             "opened_at", "verify_due", "rectify_due", "answer_due", "due_error",
             "escalated_to", "escalated_at", "closed_at", "updated_at")
RECORD_COLS = ("id", "hall", "department", "window", "staff_id", "item", "kind", "count",
               "occurred_at", "note", "recorded_by", "recorded_at", "state")


def put(store, table: str, cols, rows: list) -> int:
    """Rows into a table in one transaction: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return 0
    names = ", ".join(f'"{c}"' for c in cols)
    with store.transaction() as tx:
        if store.kind == "postgresql":
            with tx.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            tx.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                                  f"({', '.join('?' * len(cols))})", rows)
    return len(rows)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), HALL_TZ)


def windows_of(units: int) -> list[tuple[str, int, str]]:
    """[(hall, window, department)]: departments of 2 or 3 windows, 20 to a hall."""
    out, used = [], Counter()
    for u in range(units):
        hall, dept = f"H{u // DEPARTMENTS + 1:02d}", f"单位{u % DEPARTMENTS + 1:02d}"
        out += [(hall, used[hall] + 1 + i, dept) for i in range(2 + u % 2)]
        used[hall] += 2 + u % 2
    return out


def load_org(store, units: int, last: date) -> tuple[list, list[str]]:
    wins = windows_of(units)
    halls = sorted({h for h, _w, _d in wins})
    enrolled = utc_iso(at(last - timedelta(days=400), 9))
    with store.transaction() as tx:
        org.put_region(tx, org.Region(REGION, "郑州市"))
        for hall in halls:
            org.put_hall(tx, org.Hall(hall, f"政务服务中心{hall}", REGION))
        for hall, w, dept in wins:
            org.put_window(tx, org.Window(hall, w, f"{w}号窗口", dept))
            for s in "AB":
                org.put_staff(tx, org.Staff(f"{hall}-{w:02d}{s}", f"员工{hall}{w}{s}", hall,
                                            windows=(w,)))
        for i, (hall, dept) in enumerate(sorted({(h, d) for h, _w, d in wins})):
            first = f"11410100{i:09d}"          # a code per department, its check char right
            org_units.set_department(tx, hall, dept, first + org_units.credit_check_char(first))
    put(store, "devices", ("device_id", "token_hash", "qr_key", "hall", "window",
                           "enrolled_at"),
        [(f"D-{h}-{w}", f"t-{h}-{w}", "k", h, w, enrolled) for h, w, _d in wins])
    put(store, "facts_marks", ("hall", "through"), [(h, utc_iso()) for h in halls])
    return wins, halls


def facts_of(rnd: random.Random, day: date, staff: str, completed: int, pools) -> dict:
    """A window-day's facts JSON as server/facts/derive.py stores it."""
    durations = pools[rnd.randrange(len(pools))][:completed]
    first_in = utc_iso(at(day, 8, 50 + rnd.randrange(9)))
    late = rnd.randrange(23) == 0
    if late:
        first_in = utc_iso(at(day, 9, 20 + rnd.randrange(30)))
    last_out = utc_iso(at(day, 17, 31 + rnd.randrange(9)))
    empty = []
    if rnd.randrange(17) == 0:
        minutes = 15 + rnd.randrange(40)
        empty.append({"start": utc_iso(at(day, 10)), "end": utc_iso(at(day, 10, minutes)),
                      "staff": staff, "why": "paused", "reason": "meeting",
                      "minutes": float(minutes), "open": False})
    person = {"completed": completed, "durations": durations, "first_in": first_in,
              "last_out": last_out, "late": late, "early": False}
    return {"completed": completed, "durations": durations, "empty": empty,
            "first_in": first_in, "last_out": last_out, "late": late, "early": False,
            "offline_min": 0.0, "working_min": 420.0, "staff": {staff: person}, "seen": True}


def load_days(store, wins, days: list[date], rnd: random.Random, now: datetime) -> Counter:
    """Roll-ups, facts, notes, cases, appeals and their ratings, a month at a time."""
    pools = [[rnd.randint(180, 1800) for _ in range(40)] for _ in range(64)]
    loaded: Counter = Counter()
    months = sorted({d.replace(day=1) for d in days})
    for month in months:
        levels, hall_levels, facts, notes, cases, ratings, appeals = [], Counter(), [], [], \
            [], [], []
        staff_facts = []
        for day in (d for d in days if d.replace(day=1) == month):
            iso = day.isoformat()
            for hall, w, _dept in wins:
                staff = f"{hall}-{w:02d}{'AB'[day.toordinal() % 2]}"
                counts = {5: 10 + rnd.randrange(10), 4: 3 + rnd.randrange(4),
                          3: rnd.randrange(4), 0: 2 + rnd.randrange(6)}
                if rnd.randrange(4) == 0:
                    counts[1 + rnd.randrange(2)] = 1
                for level, n in counts.items():
                    if n:
                        levels.append((hall, iso, w, staff, level, n))
                        hall_levels[(hall, iso, level)] += n
                done = sum(counts.values())
                f = facts_of(rnd, day, staff, done, pools)
                completed, late, durations, empties, people = figures(f)
                facts.append((hall, w, iso, json.dumps(f, separators=(",", ":")),
                              utc_iso(at(day, 18)), completed, late, durations, empties))
                staff_facts += [(hall, w, iso, *p) for p in people]
                for e in f["empty"]:
                    if rnd.randrange(5) == 0:
                        notes.append((hall, w, e["start"], staff, 1, "外出办事", "user:sup",
                                      e["end"]))
                for level in (lv for lv in (1, 2) if counts.get(lv)):
                    _case(rnd, hall, w, staff, level, day, now, cases, ratings, appeals)
        loaded["rollup_levels"] += put(store, "rollup_levels", ("hall", "day", "window",
                                                                "staff_id", "level", "n"),
                                       levels)
        loaded["rollup_hall_levels"] += put(store, "rollup_hall_levels",
                                            ("hall", "day", "level", "n"),
                                            [(*k, n) for k, n in hall_levels.items()])
        loaded["window_facts"] += put(store, "window_facts", (
            "hall", "window", "day", "facts", "computed_at", "completed", "late", "durations",
            "empties"), facts)
        loaded["window_facts_staff"] += put(store, "window_facts_staff", (
            "hall", "window", "day", "staff_id", "late", "completed"), staff_facts)
        loaded["empty_notes"] += put(store, "empty_notes", (
            "hall", "window", "start", "staff_id", "excused", "note", "noted_by", "noted_at"),
            notes)
        loaded["cases"] += put(store, "cases", CASE_COLS, cases)
        loaded["ratings"] += bulk.load(store, ratings)
        loaded["appeals"] += put(store, "appeals", (
            "id", "device_id", "rating_uuid", "kind", "reason", "evidence", "filed_by",
            "filed_role", "filed_at", "state", "decided_by", "decided_role", "decided_at",
            "decision_note"), appeals)
    return loaded


def _case(rnd, hall, w, staff, level, day, now, cases, ratings, appeals) -> None:
    device, n = f"D-{hall}-{w}", len(cases)
    uid = f"{day.toordinal():08x}{hall}{w:04d}{level}".ljust(32, "0")
    opened = at(day, 10 + rnd.randrange(7))
    dues = [utc_iso(opened + timedelta(days=d)) for d in (3, 7, 21)]
    closed = opened + timedelta(days=1 + rnd.randrange(25))   # one in five closed late
    state = "void" if rnd.randrange(33) == 0 else "closed" if closed < now else "answer"
    closed_at = utc_iso(closed) if state == "closed" else None
    cases.append((f"C{day:%Y%m%d}-{hall}{w:03d}{level}", device, uid, hall, w, staff, level,
                  state, utc_iso(opened), *dues, None, None, None, closed_at,
                  closed_at or utc_iso(opened)))
    if rnd.randrange(40) == 0 or n == 0:
        when = utc_iso(opened)
        ratings.append((uid, level, '["attitude"]', w, staff, "A001", None, None, device,
                        when, "b", 0.0, when, when, 1, f"{day}/{w}/{uid}", "kiosk", 0))
        decided = utc_iso(opened + timedelta(days=2))
        appeals.append((f"A{uid[:20]}", device, uid, "malicious", "理由", "", "user:sup",
                        "hall_supervisor", when, "approved", "user:admin", "region_admin",
                        decided, "属实"))


def load_records(store, wins, days: list[date], records: int, rnd: random.Random) -> int:
    states = ["recorded"] * 16 + ["upheld", "upheld", "contested", "withdrawn"]
    rows = []
    for i in range(records):
        hall, w, dept = wins[rnd.randrange(len(wins))]
        item = ITEMS[rnd.randrange(len(ITEMS))]
        staff = f"{hall}-{w:02d}{'AB'[i % 2]}" if rnd.randrange(5) < 2 else None
        when = utc_iso(at(days[rnd.randrange(len(days))], 9 + rnd.randrange(8),
                          rnd.randrange(60)))
        rows.append((f"R{i:08d}", hall, dept, w if staff or i % 3 else None, staff, item,
                     "bonus" if item in ("praise", "innovation") else "deduction",
                     1 + rnd.randrange(3) // 2, when, "督察记录", "user:du", when,
                     states[rnd.randrange(len(states))]))
    return put(store, "inspections", RECORD_COLS, rows)


TABLES = ("rollup_levels", "rollup_hall_levels", "window_facts", "window_facts_staff",
          "empty_notes", "cases", "ratings", "appeals", "inspections", "devices", "windows",
          "departments", "staff")


def open_bench_store(db: str | None, schema: str):
    """(store, db, schema or None, temporary directory or None): a fresh SQLite file when db is
    None, else a fresh schema of that PostgreSQL (dropped first)."""
    import tempfile
    from pathlib import Path

    from server.db.store import open_store

    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = str(Path(tmp.name) / "bench.db")
        return open_store(db), db, None, tmp
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return open_store(db, schema=schema), db, schema, None


def settle(store, db: str, schema: str | None) -> None:
    """Planner statistics (and PostgreSQL's visibility map), as a live server's tables have."""
    if store.kind != "postgresql":
        with store.transaction() as tx:
            tx.q("ANALYZE")
        return
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")


def build(store, units: int = 1000, records: int = 100_000, months: int = 12,
          seed: int = 28) -> dict:
    rnd = random.Random(seed)
    now = datetime.now(HALL_TZ)
    last = now.date().replace(day=1) - timedelta(days=1)
    start = last.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    days = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    wins, halls = load_org(store, units, last)
    loaded = load_days(store, wins, days, rnd, now)
    loaded["inspections"] = load_records(store, wins, days, records, rnd)
    return {"halls": halls, "region": REGION, "first": last.replace(day=1), "last": last,
            "windows": len(wins), "staff": 2 * len(wins), "rows": dict(loaded)}


def bench_args(doc: str, schema: str, repeat: int) -> argparse.Namespace:
    """The options both assessment benches take (assess_gather.py, assess_close.py)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--db", help="postgresql:// URL (default: a temp SQLite file)")
    ap.add_argument("--schema", default=schema)
    ap.add_argument("--repeat", type=int, default=repeat)
    return ap.parse_args()


def load(args: argparse.Namespace, prepare=None):
    """Open the bench store, build the data set (then prepare(store, info), before the
    statistics are settled), and say what was loaded: (store, tmp, info)."""
    logging.basicConfig(level=logging.WARNING)
    store, db, schema, tmp = open_bench_store(args.db, args.schema)
    t0 = perf_counter()
    info = build(store, args.units, args.records, args.months)
    if prepare is not None:
        prepare(store, info)
    settle(store, db, schema)
    rows = ", ".join(f"{k} {v:,}" for k, v in info["rows"].items())
    print(f"{store.kind}: {args.units:,} units, {info['windows']:,} windows, "
          f"{len(info['halls'])} halls loaded in {perf_counter() - t0:.0f} s ({rows})")
    return store, tmp, info


def timed(runs: dict, repeat: int) -> tuple[dict, dict]:
    """Each of runs' callables `repeat` times, in turn: (wall ms, own CPU ms) per name."""
    times: dict = {name: [] for name in runs}
    cpu: dict = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            t, c = perf_counter(), process_time()
            fn()
            times[name].append((perf_counter() - t) * 1000)
            cpu[name].append((process_time() - c) * 1000)
    return times, cpu
