"""The 差评 case list and the appeals list with 40,000 open cases (issue 24.7): the first page
over HTTP (what a supervisor or a window staff member waits for) beside a floor measured in
the same run, on SQLite or PostgreSQL.

    .venv/bin/python bench/case_list.py [--cases 40000] [--db postgresql://...] [--repeat 20]

Loads one hall (20 windows, two staff members each) with --cases open 差评 cases, their
ratings and a pending appeal for each (straight into the tables: this times reading, not
ingest), starts the real server on the store and times, --repeat times each, alternating:
  cases (supervisor)   GET /console/cases        first page, sorted by due date;
  cases page 40        GET /console/cases?after= the 40th page (keyset: no dearer than page 1);
  cases (staff)        GET /console/cases        a window staff member's first page;
  appeals              GET /console/appeals      first page of pending appeals;
  floor                the first page's 50 rows by a bare indexed SELECT in this process
                       (SELECT ... FROM cases WHERE hall = ? AND state IN (open) ORDER BY
                       due key, opened_at, id LIMIT 50 through the store): no HTTP, no
                       rendering, no counts, no login;
  bare page            GET /console/password: the session check and the page frame with no
                       data, the HTTP floor any console page pays.
The unpaged list (the whole filtered list in one page, as before paging) is timed once for
scale. Last line: each first page's p50 over the SELECT floor's and over the bare page's.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct  # noqa: E402

import requests  # noqa: E402

from server.db import bulk, org, users  # noqa: E402
from server.db.base import utc_iso  # noqa: E402
from server.db.store import open_store  # noqa: E402
from server.db.workflow_tables import CASE_DUE_KEY  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from server.workflow import case_views  # noqa: E402
from server.workflow.actors import Actor  # noqa: E402
from server.workflow.cases import COLUMN_SQL, COLUMNS  # noqa: E402

HALL, WINDOWS, PASSWORD = "H01", 20, "bench-password-1"
APPEAL_COLS = ("id", "device_id", "rating_uuid", "kind", "reason", "evidence", "filed_by",
               "filed_role", "filed_at", "state")


def load(store, n: int) -> None:
    now = datetime.now(timezone.utc)
    with store.transaction() as tx:
        org.put_region(tx, org.Region("131000", "廊坊市"))
        org.put_hall(tx, org.Hall(HALL, "市民服务中心", "131000"))
        for w in range(1, WINDOWS + 1):
            org.put_window(tx, org.Window(HALL, w, f"窗口{w}"))
            tx.q('INSERT INTO devices (device_id, token_hash, qr_key, hall, "window", '
                 "enrolled_at) VALUES (?, ?, ?, ?, ?, ?)",
                 [f"D{w:02d}", f"t{w}", "k", HALL, w, "2025-01-01T00:00:00.000Z"])
        for s in range(2 * WINDOWS):
            org.put_staff(tx, org.Staff(f"S{s:03d}", f"员工{s}", HALL,
                                        windows=(1 + s // 2,)))
        users.add(tx, "sup", "主任", PASSWORD, "hall_supervisor", HALL)
        users.add(tx, "staff", "员工0", PASSWORD, "window_staff", "S000")
    rows, cases, appeals = [], [], []
    for i in range(n):
        window, staff = 1 + i % WINDOWS, f"S{(i % WINDOWS) * 2 + (i // WINDOWS) % 2:03d}"
        at = utc_iso(now - timedelta(days=2, seconds=i * 7))
        uuid, device = f"{i:032x}", f"D{window:02d}"
        rows.append((uuid, 1 + i % 2, '["attitude"]', window, staff, f"A{i % 999:03d}", None,
                     None, device, at, "b", 0.0, at, at, 1, f"k/{window}/{i}", "kiosk", 0))
        due = utc_iso(now + timedelta(days=(i % 9) - 3))
        cases.append((f"C{i:08d}", device, uuid, HALL, window, staff, 1 + i % 2, "verify", at,
                      due, due, due, None, None, None, None, at))
        appeals.append((f"A{i:08d}", device, uuid, "mistaken", "理由", "", "user:sup",
                        "hall_supervisor", at, "pending"))
    bulk.load(store, rows)
    mark = "%s" if store.kind == "postgresql" else "?"
    with store.transaction() as tx:
        for table, cols, values in (("cases", COLUMNS, cases),
                                    ("appeals", APPEAL_COLS, appeals)):
            names = ", ".join(f'"{c}"' for c in cols)
            tx.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                                  f"({', '.join([mark] * len(cols))})", values)

def settle(store, db: str, schema: str | None) -> None:
    """Statistics and the visibility map, as autovacuum leaves a live server's tables."""
    if store.kind != "postgresql":
        with store.transaction() as tx:
            tx.q("ANALYZE")
        return
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for table in ("ratings", "cases", "appeals", "devices"):
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
    ap.add_argument("--cases", type=int, default=40_000)
    ap.add_argument("--db", help="postgresql:// URL (default: a temp SQLite file)")
    ap.add_argument("--schema", default="bench_case_list")
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
    t0 = time.perf_counter()
    load(store, args.cases)
    settle(store, db, schema)
    print(f"{store.kind}: {args.cases:,} open cases, ratings and appeals loaded in "
          f"{time.perf_counter() - t0:.1f} s")
    server = ServerThread(store=store, open_ingest=False).start()
    sup, staff = login(server.url, "sup"), login(server.url, "staff")
    after = None
    url = "/console/cases"
    for _ in range(39):          # the 40th page's link, by following "next page"
        html = sup.get(server.url + url).text
        url = "/console/cases" + re.search(r'<a href="([^"]+)" rel="next"', html).group(1) \
            .replace("&amp;", "&")
    after = url

    def floor():
        with store.transaction(write=False) as tx:
            return tx.all(f"SELECT {COLUMN_SQL} FROM cases WHERE hall = ? AND state IN "
                          f"('verify', 'rectify', 'answer') ORDER BY {CASE_DUE_KEY}, "
                          f"opened_at, id LIMIT 50", [HALL])

    size = {}

    def get(session, path, name):
        def run():
            r = session.get(server.url + path)
            assert r.status_code == 200, (path, r.status_code)
            size[name] = len(r.content)
        return run

    pages = {"cases (supervisor)": get(sup, "/console/cases", "cases (supervisor)"),
             "cases page 40": get(sup, after, "cases page 40"),
             "cases (staff)": get(staff, "/console/cases", "cases (staff)"),
             "appeals": get(sup, "/console/appeals", "appeals"),
             "bare page": get(sup, "/console/password", "bare page"),
             "floor": floor}
    times = {name: [] for name in pages}
    for _ in range(args.repeat):
        for name, fn in pages.items():        # alternating: a noisy neighbour hurts all alike
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    everything = case_views.list_cases(store, Actor("sup", "hall_supervisor",
                                                    frozenset({HALL})))
    unpaged = (time.perf_counter() - t) * 1000
    for name, values in times.items():
        extra = f"  {size[name] / 1024:7.1f} KB" if name in size else ""
        print(f"{name:>20}: p50 {pct(values, 50):8.2f} ms  p99 {pct(values, 99):8.2f} ms{extra}")
    print(f"{'unpaged list':>20}: {unpaged:8.0f} ms for {len(everything):,} rows (the query "
          f"alone, before rendering: what one page used to read)")
    base = pct(times["floor"], 50)
    bare = pct(times["bare page"], 50)
    print(f"{store.kind} {args.cases:,} open cases, first page p50 over the SELECT floor "
          f"({base:.2f} ms) / over the bare page ({bare:.1f} ms): " + ", ".join(
              f"{name} {pct(v, 50) / base:.0f}x / {pct(v, 50) / bare:.1f}x"
              for name, v in times.items() if name not in ("floor", "bare page")))
    server.stop()
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
