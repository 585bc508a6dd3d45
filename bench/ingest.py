"""Ingest throughput: ratings per second over HTTP (batches of 500 from several client
processes, each an enrolled device with its own token) beside a raw executemany of the same
rows with the same durability, on SQLite and (when KIOSK_TEST_PG_URL answers) PostgreSQL.

A third figure is the floor of the HTTP path itself: the same clients posting to a bare ASGI
app on the same uvicorn that only json.loads the body, executemanys the rows and answers
"accepted" for each, with no validation, clock correction, roll-ups or 差评 cases. On this
2-core machine the clients, the server and the database share the CPUs, so that floor is
below the raw executemany (0.75-0.9 of it once answers stopped waiting 40 ms for delayed
ACKs); the product's distance from it is what code can still win.

    .venv/bin/python bench/ingest.py [--clients 4] [--batches 10]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.bare_ingest import BareServer, app_for, pg_writer, sqlite_writer  # noqa: E402
from server.api.enrol import create_code  # noqa: E402
from server.db.ratings import COLUMN_SQL, COLUMNS  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from server.serving import settle_heap  # noqa: E402
from sync.enrol import enrol  # noqa: E402
from sync.wire import BATCH_PATH  # noqa: E402
from sync.wire.cases import case_key  # noqa: E402
from tests.helpers.databases import PgSchema, pg_unreachable_reason  # noqa: E402

BATCH = 500


def make_batch(device_id: str, n: int = BATCH, window: int = 1) -> list[dict]:
    """What a kiosk uploads (sync/wire/models.py RatingWire, with the kiosk's case key)."""
    out = []
    for i in range(n):
        case_id = uuid.uuid4().hex[:16]
        out.append({"uuid": str(uuid.uuid4()), "level": 5, "reasons": [], "window": window,
                    "staff_id": "S-017", "ticket": f"A{i % 1000:03d}", "case_id": case_id,
                    "item_code": "RES-01", "device_id": device_id,
                    "rated_at": "2026-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5,
                    "case_key": case_key("2026-05-01", window, f"A{i % 1000:03d}", case_id)})
    return out


def bodies(device_id: str, window: int, batches: int) -> list[str]:
    """A client's upload bodies: `batches` batches of ratings with the kiosk's clock envelope."""
    return [json.dumps({"ratings": make_batch(device_id, window=window), "device_now":
                        "2026-05-01T08:00:10.000Z", "boot_id": "b0", "mono_s": 22.5})
            for _ in range(batches)]


def client(url: str, make_bodies, token: str, device_id: str, window: int, batches: int,
           out: mp.Queue, go) -> None:
    """One device posting its bodies (url is the full route) once every client is ready."""
    posts = make_bodies(device_id, window, batches)
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"})
        out.put(("ready", None))
        go.wait()  # every client ready before the clock starts: none is done before it
        for body in posts:
            resp = s.post(url, data=body, timeout=60)
            assert resp.status_code == 200, resp.text[:200]
            assert {r["status"] for r in resp.json()["results"]} == {"accepted"}, resp.text[:300]
    out.put(("done", batches * BATCH))


def http_rate(srv: ServerThread, clients: int, batches: int) -> float:
    """The product: each client an enrolled device posting to `kiosk-server`'s app."""
    devs = [enrol(srv.url, create_code(srv.store, "bench", i + 1).code) for i in range(clients)]
    settle_heap()  # as `kiosk-server serve` does once its app is built
    rate = post_all(srv.url, [(d.token, d.device_id, d.window) for d in devs], batches)
    assert srv.store.count() == clients * batches * BATCH
    return rate


def post_all(url: str, devices: list[tuple[str, str, int]], batches: int,
             path: str = BATCH_PATH, make_bodies=bodies) -> float:
    """Items per second while one client process per device posts its batches to url + path
    (ratings by default; bench/events_ingest.py posts service events the same way)."""
    out: mp.Queue = mp.Queue()
    go = mp.Event()
    procs = [mp.Process(target=client, args=(url + path, make_bodies, token, device_id, window,
                                             batches, out, go))
             for token, device_id, window in devices]
    for p in procs:
        p.start()
    for _ in procs:
        assert out.get(timeout=60)[0] == "ready"
    started = time.perf_counter()
    go.set()
    total = sum(out.get(timeout=600)[1] for _ in procs)
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    return total / elapsed


def bare_rate(write, clients: int, batches: int) -> float:
    """The floor of the HTTP path (bench/bare_ingest.py) with the same clients."""
    with BareServer(app_for(write, raw_row)) as bare:
        return post_all(bare.url, [("-", f"bare-{i}", i + 1) for i in range(clients)], batches)


def raw_row(r: dict) -> tuple:
    return (r["uuid"], 5, "[]", 1, "S-017", r["ticket"], r["case_id"], "RES-01", "raw",
            r["rated_at"], "b0", 12.5, "2026-05-01T08:00:10.000Z", "2026-05-01T08:00:00.123Z",
            1, r["case_key"], "kiosk", 0)


def rows(n_batches: int) -> list[list[tuple]]:
    out = []
    for _ in range(n_batches):
        out.append([raw_row(r) for r in make_batch("raw")])
    return out


def raw_sqlite_rate(path: Path, n_batches: int) -> float:
    from server.db.sqlite import SQLiteStore

    SQLiteStore(path).close()  # same schema and indexes
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    sql = raw_insert_sql("?")
    data = rows(n_batches)
    started = time.perf_counter()
    for batch in data:  # one transaction per batch, like the server
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return n_batches * BATCH / elapsed


def raw_pg_rate(url: str, schema: str, n_batches: int) -> float:
    import psycopg

    from server.db.postgres import PostgresStore

    PostgresStore(url, schema=schema).close()
    sql = raw_insert_sql("%s")
    data = rows(n_batches)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        started = time.perf_counter()
        for batch in data:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, batch)
        elapsed = time.perf_counter() - started
    return n_batches * BATCH / elapsed


def sqlite_round(clients: int, batches: int) -> tuple[float, float, float]:
    """(product HTTP, raw executemany, bare HTTP) ratings/s on fresh SQLite files."""
    n = clients * batches
    with tempfile.TemporaryDirectory() as tmp:
        with ServerThread(Path(tmp) / "http.db", open_ingest=False, admin_token="b") as srv:
            rate = http_rate(srv, clients, batches)
        raw = raw_sqlite_rate(Path(tmp) / "raw.db", n)
        from server.db.sqlite import SQLiteStore

        SQLiteStore(Path(tmp) / "bare.db").close()  # same schema and indexes
        bare = bare_rate(sqlite_writer(str(Path(tmp) / "bare.db"), raw_insert_sql("?")),
                         clients, batches)
    return rate, raw, bare


def pg_round(clients: int, batches: int) -> tuple[float, float, float]:
    """The same on fresh PostgreSQL schemas."""
    from server.db.postgres import PostgresStore

    n = clients * batches
    schemas = [PgSchema() for _ in range(3)]
    try:
        for_http, for_raw, for_bare = schemas
        with ServerThread(for_http.url, schema=for_http.name, open_ingest=False,
                          admin_token="b") as srv:
            rate = http_rate(srv, clients, batches)
        raw = raw_pg_rate(for_raw.url, for_raw.name, n)
        PostgresStore(for_bare.url, schema=for_bare.name).close()
        bare = bare_rate(pg_writer(for_bare.url, for_bare.name, raw_insert_sql("%s")),
                         clients, batches)
    finally:
        for schema in schemas:
            schema.drop()
    return rate, raw, bare


def raw_insert_sql(mark: str) -> str:
    return (f"INSERT INTO ratings ({COLUMN_SQL}) VALUES ({', '.join([mark] * len(COLUMNS))}) "
            f"ON CONFLICT DO NOTHING")


def measure_stores(sqlite_round, pg_round, args, per_s: str) -> tuple[list, list]:
    """Each store's rounds (HTTP, raw, bare rates), a line of medians per store; the HTTP/raw
    and HTTP/bare ratios of each store, for the caller's closing lines."""
    stores = [("SQLite (WAL, synchronous=FULL)", sqlite_round)]
    reason = pg_unreachable_reason()
    if reason:
        print(f"PostgreSQL: skipped ({reason})")
    else:
        stores.append(("PostgreSQL (fsync, synchronous_commit on)", pg_round))
    worst, worst_bare = [], []
    for name, measure in stores:
        got = [measure(args.clients, args.batches) for _ in range(args.rounds)]
        rate, raw, bare = (statistics.median(g[k] for g in got) for k in range(3))
        to_raw = statistics.median(g[0] / g[1] for g in got)
        to_bare = statistics.median(g[0] / g[2] for g in got)
        print(f"{name}: HTTP {rate:6.0f}{per_s}   raw executemany {raw:6.0f}/s   bare HTTP "
              f"floor {bare:6.0f}/s   HTTP/raw {to_raw:.2f}   bare/raw "
              f"{statistics.median(g[2] / g[1] for g in got):.2f}   HTTP/bare {to_bare:.2f}   "
              f"(medians of {args.rounds} rounds)")
        worst.append(to_raw)
        worst_bare.append(to_bare)
    return worst, worst_bare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batches", type=int, default=10, help="batches of 500 per client")
    ap.add_argument("--rounds", type=int, default=3,
                    help="each store measured this many times; the medians are reported")
    args = ap.parse_args()
    print(f"{args.clients} client processes x {args.batches} batches x {BATCH} ratings = "
          f"{args.clients * args.batches * BATCH} ratings per store and round; "
          f"{os.cpu_count()} CPUs")
    worst, worst_bare = measure_stores(sqlite_round, pg_round, args, "/s")
    print(f"ratio HTTP/bare HTTP floor (worst store): {min(worst_bare):.2f}")
    print(f"ratio HTTP/raw (worst store): {min(worst):.2f}")


if __name__ == "__main__":
    main()
