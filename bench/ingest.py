"""Ingest throughput: ratings per second over HTTP (batches of 500 from several client
processes, each an enrolled device with its own token) beside a raw executemany of the same
rows with the same durability, on SQLite and (when KIOSK_TEST_PG_URL answers) PostgreSQL.

    .venv/bin/python bench/ingest.py [--clients 4] [--batches 10]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from server.api.enrol import create_code  # noqa: E402
from server.db.ratings import COLUMN_SQL, COLUMNS  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from sync.enrol import enrol  # noqa: E402
from sync.wire import BATCH_PATH  # noqa: E402
from tests.helpers.databases import PgSchema, pg_unreachable_reason  # noqa: E402

BATCH = 500


def make_batch(device_id: str, n: int = BATCH, window: int = 1) -> list[dict]:
    return [{"uuid": str(uuid.uuid4()), "level": 5, "reasons": [], "window": window,
             "staff_id": "S-017", "ticket": f"A{i % 1000:03d}", "case_id": uuid.uuid4().hex[:16],
             "item_code": "RES-01", "device_id": device_id,
             "rated_at": "2026-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5}
            for i in range(n)]


def client(url: str, token: str, device_id: str, window: int, batches: int,
           out: mp.Queue) -> None:
    bodies = [json.dumps({"ratings": make_batch(device_id, window=window), "device_now":
                          "2026-05-01T08:00:10.000Z", "boot_id": "b0", "mono_s": 22.5})
              for _ in range(batches)]
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"})
        out.put(("ready", None))
        for body in bodies:
            resp = s.post(url + BATCH_PATH, data=body, timeout=60)
            assert resp.status_code == 200, resp.text[:200]
            assert {r["status"] for r in resp.json()["results"]} == {"accepted"}, resp.text[:300]
    out.put(("done", batches * BATCH))


def http_rate(srv: ServerThread, clients: int, batches: int) -> float:
    devs = [enrol(srv.url, create_code(srv.store, "bench", i + 1).code) for i in range(clients)]
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=client, args=(srv.url, d.token, d.device_id, d.window, batches, out))
             for d in devs]
    for p in procs:
        p.start()
    for _ in procs:
        assert out.get(timeout=60)[0] == "ready"
    started = time.perf_counter()
    total = sum(out.get(timeout=600)[1] for _ in procs)
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    assert srv.store.count() == total
    return total / elapsed


def rows(n_batches: int) -> list[list[tuple]]:
    out = []
    for _ in range(n_batches):
        out.append([(r["uuid"], 5, "[]", 1, "S-017", r["ticket"], r["case_id"], "RES-01", "raw",
                     r["rated_at"], "b0", 12.5, "2026-05-01T08:00:10.000Z",
                     "2026-05-01T08:00:00.123Z", 1, f"k/{r['uuid']}", "kiosk", 0)
                    for r in make_batch("raw")])
    return out


def raw_sqlite_rate(path: Path, n_batches: int) -> float:
    from server.db.sqlite import SQLiteStore

    SQLiteStore(path).close()  # same schema and indexes
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    sql = (f"INSERT INTO ratings ({COLUMN_SQL}) VALUES ({', '.join('?' * len(COLUMNS))}) "
           f"ON CONFLICT DO NOTHING")
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
    sql = (f"INSERT INTO ratings ({COLUMN_SQL}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
           f"ON CONFLICT DO NOTHING")
    data = rows(n_batches)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        started = time.perf_counter()
        for batch in data:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, batch)
        elapsed = time.perf_counter() - started
    return n_batches * BATCH / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batches", type=int, default=10, help="batches of 500 per client")
    args = ap.parse_args()
    n = args.clients * args.batches
    print(f"{args.clients} client processes x {args.batches} batches x {BATCH} ratings = "
          f"{n * BATCH} ratings per store; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        with ServerThread(Path(tmp) / "http.db", open_ingest=False, admin_token="b") as srv:
            rate = http_rate(srv, args.clients, args.batches)
        raw = raw_sqlite_rate(Path(tmp) / "raw.db", n)
        print(f"SQLite (WAL, synchronous=FULL): HTTP {rate:8.0f} ratings/s   raw executemany "
              f"{raw:8.0f} ratings/s   (HTTP = {rate / raw:.0%} of raw)")
    ratios = [rate / raw]
    reason = pg_unreachable_reason()
    if reason:
        print(f"PostgreSQL: skipped ({reason})")
        print(f"ratio HTTP/raw (worst store): {min(ratios):.2f}")
        return
    for_http, for_raw = PgSchema(), PgSchema()
    try:
        with ServerThread(for_http.url, schema=for_http.name, open_ingest=False,
                          admin_token="b") as srv:
            rate = http_rate(srv, args.clients, args.batches)
        raw = raw_pg_rate(for_raw.url, for_raw.name, n)
        print(f"PostgreSQL (default fsync, synchronous_commit on): HTTP {rate:8.0f} ratings/s   "
              f"raw executemany {raw:8.0f} ratings/s   (HTTP = {rate / raw:.0%} of raw)")
        ratios.append(rate / raw)
    finally:
        for_http.drop()
        for_raw.drop()
        print(f"ratio HTTP/raw (worst store): {min(ratios):.2f}")


if __name__ == "__main__":
    main()
