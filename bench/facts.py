"""The 窗口服务 page on a year of a 50-window hall's service events (issue 27.8: ~3 M events, a
month's facts page in under 200 ms), beside floors measured in the same run, on SQLite or
PostgreSQL.

    .venv/bin/python bench/facts.py [--windows 50] [--days 365] [--cases 80] [--db postgresql://...]

Loads --days days of events for --windows windows (app start, sign-in, --cases calls and
completions a day, a pause now and then, sign-out, app stop; every day of the year, as a
hall with weekend service) straight into service_events with the bulk path (COPY on
PostgreSQL, executemany on SQLite), then computes every window-day's facts once (the
periodic job's catch-up: timed and printed), starts the real server and times, --repeat
times each, alternating:
  month page        GET /console/service?hall=&month= (a hall supervisor; the last full month)
  month CSV         GET /console/service.csv?...&table=windows
  window month      GET /console/service?hall=&window=1&month=
  late event        one event of that month arrives late, then the month page (recomputes
                    that window-day and the next before answering)
  floor             the month's facts rows by a bare indexed SELECT in this process (no
                    HTTP, no JSON, no summing, no rendering)
  bare page         GET /console/password: the session check and the page frame
Last line: the month page's p50 against the 200 ms goal, and over both floors.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct  # noqa: E402

import requests  # noqa: E402

from server.db import org, users  # noqa: E402
from server.db.base import utc_iso  # noqa: E402
from server.db.store import open_store  # noqa: E402
from server.facts import refresh  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from server.workflow.workdays import HALL_TZ  # noqa: E402

HALL, PASSWORD, GOAL_MS = "H50", "bench-password-1", 200.0
COLS = ("device_id", "uuid", "kind", "hall", "window", "staff_id", "ticket", "case_key",
        "case_id", "reason", "cause", "at", "corrected_at", "time_trusted", "boot_id",
        "mono_s", "received_at")


def day_events(window: int, day: date, cases: int):
    """One window's day: tuples in COLS order."""
    base = datetime.combine(day, dtime(8, 30), HALL_TZ)
    staff = f"S{window:03d}"
    device = f"D{window:02d}"
    out = []

    def ev(minutes: float, kind: str, **f):
        at = utc_iso(base + timedelta(minutes=minutes))
        out.append((device, uuid.UUID(int=len(out) + (window << 20)
                                      + (day.toordinal() << 40)).hex, kind, HALL, window,
                    f.get("staff_id"), f.get("ticket"), f.get("case_key"), None,
                    f.get("reason"), f.get("cause"), at, at, 1, "boot", 0.0, at))

    ev(0, "app_start")
    ev(20 + window % 15, "staff_in", staff_id=staff, cause="pin")
    step = 420 / cases  # the working day's minutes shared by the cases
    start = 30.0
    pause_at = (day.toordinal() + window) % 17 == 0  # a 空岗 on one window-day in 17
    for i in range(cases):
        t = start + i * step + (90 if start + i * step >= 210 else 0)  # lunch at 12:00
        ticket = f"A{i:03d}"
        ev(t, "called", ticket=ticket)
        ev(t + step * 0.8, "completed", ticket=ticket, case_key=f"{day}/{window}/{i}")
        if pause_at and i == cases // 4:
            ev(t + step * 0.85, "paused", reason="meeting")
            ev(t + step * 0.85 + 25, "resumed")
            start += 25
    ev(560, "staff_out", staff_id=staff, cause="key")
    ev(565, "app_stop")
    return out


def load(store, windows: int, days: int, cases: int, last: date) -> int:
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410106", "上街区"))
        org.put_hall(tx, org.Hall(HALL, "上街区政务服务中心", "410106"))
        for w in range(1, windows + 1):
            org.put_window(tx, org.Window(HALL, w, f"窗口{w}"))
            org.put_staff(tx, org.Staff(f"S{w:03d}", f"员工{w}", HALL, windows=(w,)))
        users.add(tx, "sup", "主任", PASSWORD, "hall_supervisor", HALL)
    names = ", ".join(f'"{c}"' for c in COLS)
    total = 0
    for d in range(days):
        day = last - timedelta(days=days - 1 - d)
        rows = [r for w in range(1, windows + 1) for r in day_events(w, day, cases)]
        with store.transaction() as tx:
            if store.kind == "postgresql":
                with tx.cursor.copy(f"COPY service_events ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                tx.cursor.executemany(f"INSERT INTO service_events ({names}) VALUES "
                                      f"({', '.join('?' * len(COLS))})", rows)
        total += len(rows)
    return total


def settle(store, db: str, schema: str | None) -> None:
    if store.kind != "postgresql":
        with store.transaction() as tx:
            tx.q("ANALYZE")
        return
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for table in ("service_events", "window_facts"):
            conn.execute(f"VACUUM ANALYZE {table}")


def login(url: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{url}/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    r = s.post(f"{url}/console/login", data={"csrf_token": token, "username": username,
                                             "password": PASSWORD, "next": "/console/"})
    assert r.status_code == 200, r.status_code
    return s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--windows", type=int, default=50)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--cases", type=int, default=80, help="cases per window and day")
    ap.add_argument("--db", help="postgresql:// URL (default: a temp SQLite file)")
    ap.add_argument("--schema", default="bench_facts")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tmp, schema, db = None, None, args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = str(Path(tmp.name) / "bench.db")
    else:
        import psycopg

        schema = args.schema
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    store = open_store(db, schema=schema)
    today = datetime.now(HALL_TZ).date()
    last = today.replace(day=1) - timedelta(days=1)          # the last full month's end
    month = last.strftime("%Y-%m")
    t0 = time.perf_counter()
    n = load(store, args.windows, args.days, args.cases, last)
    loaded = time.perf_counter() - t0
    settle(store, db, schema)
    t0 = time.perf_counter()
    computed = refresh.refresh(store, HALL)
    catch_up = time.perf_counter() - t0
    settle(store, db, schema)
    print(f"{store.kind}: {n:,} events of {args.windows} windows over {args.days} days loaded "
          f"in {loaded:.0f} s; facts of {computed:,} window-days computed in {catch_up:.0f} s "
          f"({catch_up / max(computed, 1) * 1000:.1f} ms each: the periodic job's catch-up)")
    server = ServerThread(store=store, open_ingest=False).start()
    sup = login(server.url, "sup")
    first = last.replace(day=1)
    q = f"hall={HALL}&month={month}"
    size: dict = {}

    def get(path, name):
        def run():
            r = sup.get(server.url + path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            size[name] = len(r.content)
        return run

    def floor():
        with store.transaction(write=False) as tx:
            return tx.all("SELECT facts FROM window_facts WHERE hall = ? AND day >= ? AND "
                          "day <= ?", [HALL, first.isoformat(), last.isoformat()])

    late_day = first + timedelta(days=9)

    def late():
        at = utc_iso(datetime.combine(late_day, dtime(15, 1), HALL_TZ))
        with store.transaction() as tx:
            tx.q(f"INSERT INTO service_events ({', '.join(chr(34) + c + chr(34) for c in COLS)})"
                 f" VALUES ({', '.join('?' * len(COLS))})",
                 ["D01", uuid.uuid4().hex, "called", HALL, 1, None, "L1", None, None, None,
                  None, at, at, 1, "boot", 0.0, utc_iso(datetime.now(HALL_TZ) - timedelta(
                      minutes=5))])
        get(f"/console/service?{q}", "late event")()

    pages = {"month page": get(f"/console/service?{q}", "month page"),
             "month CSV": get(f"/console/service.csv?{q}&table=windows", "month CSV"),
             "window month": get(f"/console/service?{q}&window=1", "window month"),
             "late event": late,
             "bare page": get("/console/password", "bare page"),
             "floor": floor}
    times: dict = {name: [] for name in pages}
    for name, fn in pages.items():
        fn()  # warm-up
    for _ in range(args.repeat):
        for name, fn in pages.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    for name, values in times.items():
        extra = f"  {size[name] / 1024:7.1f} KB" if name in size else ""
        print(f"{name:>14}: p50 {pct(values, 50):8.2f} ms  p99 {pct(values, 99):8.2f} ms{extra}")
    page, base, bare = (pct(times[k], 50) for k in ("month page", "floor", "bare page"))
    print(f"{store.kind} {n:,} events: month page p50 {page:.0f} ms "
          f"({'within' if page < GOAL_MS else 'OVER'} the {GOAL_MS:.0f} ms goal), "
          f"{page / base:.0f}x the SELECT floor ({base:.2f} ms), {page / bare:.1f}x the bare "
          f"page ({bare:.1f} ms)")
    server.stop()
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
