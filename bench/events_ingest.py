"""Service-event ingest throughput (issue 27): events per second over HTTP (batches of 500 to
EVENTS_PATH from several client processes, each an enrolled device with its own token) beside
a raw executemany of the same rows into service_events with the same durability, on SQLite
and (when KIOSK_TEST_PG_URL answers) PostgreSQL. Goal: HTTP/raw >= 0.7 on both stores; the
floor is measured in the same run, on the same machine.

As bench/ingest.py, a third figure is the floor of the HTTP path itself (bench/bare_ingest.py:
the same uvicorn and clients, a bare app that only json.loads and executemanys): on SQLite the
events table is light (two indexes, no hooks), so its raw executemany is about twice a rating's
and the HTTP floor alone may stay under 0.7 of it on a small shared machine; HTTP/bare says how
far the product is from that floor.

    .venv/bin/python bench/events_ingest.py [--clients 4] [--batches 10] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import ingest  # noqa: E402
from bench.bare_ingest import BareServer, app_for, pg_writer, sqlite_writer  # noqa: E402
from server.api.enrol import create_code  # noqa: E402
from server.db.events import COLUMN_SQL, COLUMNS, list_events  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from server.serving import settle_heap  # noqa: E402
from sync.enrol import enrol  # noqa: E402
from sync.wire.events import EVENTS_PATH  # noqa: E402
from tests.helpers.databases import PgSchema  # noqa: E402

BATCH = 500
# A day at a window, roughly: calls and completions, a few pauses and sign-ins.
MIX = [("called", {"ticket": "A001"}),
       ("completed", {"ticket": "A001", "case_key": "2026-05-04/1/A001/C1", "case_id": "C1"}),
       ("paused", {"reason": "lunch"}), ("resumed", {}),
       ("staff_in", {"staff_id": "S-017", "cause": "pin"})]


def make_batch(device_id: str, window: int, n: int = BATCH) -> list[dict]:
    out = []
    for i in range(n):
        kind, fields = MIX[i % len(MIX)]
        out.append({"uuid": str(uuid.uuid4()), "kind": kind, "device_id": device_id,
                    "window": window, "at": "2026-05-04T01:30:00.000Z", "boot_id": "b0",
                    "mono_s": 100.0 + i, **fields})
    return out


def bodies(device_id: str, window: int, batches: int) -> list[str]:
    """A client's upload bodies: `batches` batches of events with the kiosk's clock envelope."""
    return [json.dumps({"events": make_batch(device_id, window),
                        "device_now": "2026-05-04T01:40:00.000Z", "boot_id": "b0",
                        "mono_s": 700.0}) for _ in range(batches)]


def http_rate(srv: ServerThread, clients: int, batches: int) -> float:
    devs = [enrol(srv.url, create_code(srv.store, "bench", i + 1).code) for i in range(clients)]
    settle_heap()
    rate = post_all(srv.url, [(d.token, d.device_id, d.window) for d in devs], batches)
    assert len(list_events(srv.store, limit=10**7)) == clients * batches * BATCH
    return rate


def bare_rate(write, clients: int, batches: int) -> float:
    """The floor of the HTTP path (bench/bare_ingest.py) with the same clients."""
    with BareServer(app_for(write, raw_row, key="events")) as bare:
        return post_all(bare.url, [("-", f"bare-{i}", i + 1) for i in range(clients)], batches)


def post_all(url: str, devices: list[tuple[str, str, int]], batches: int) -> float:
    """Events per second while one client process per device posts its batches."""
    return ingest.post_all(url, devices, batches, EVENTS_PATH, bodies)


def raw_row(e: dict) -> tuple:
    """The row the server stores for an event (corrected, received), ready-made."""
    return (e["device_id"], e["uuid"], e["kind"], "bench", e["window"], e.get("staff_id"),
            e.get("ticket"), e.get("case_key"), e.get("case_id"), e.get("reason"),
            e.get("cause"), e["at"], "2026-05-04T01:35:00.000Z", 1, "b0", e["mono_s"],
            "2026-05-04T01:40:00.000Z")


def rows(n_batches: int) -> list[list[tuple]]:
    return [[raw_row(e) for e in make_batch(f"raw-{b % 4}", 1 + b % 4)]
            for b in range(n_batches)]


def insert_sql(mark: str) -> str:
    return (f"INSERT INTO service_events ({COLUMN_SQL}) VALUES "
            f"({', '.join([mark] * len(COLUMNS))}) ON CONFLICT DO NOTHING")


def raw_sqlite_rate(path: Path, n_batches: int) -> float:
    from server.db.sqlite import SQLiteStore

    SQLiteStore(path).close()  # same schema and indexes
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    sql, data = insert_sql("?"), rows(n_batches)
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
    sql, data = insert_sql("%s"), rows(n_batches)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        started = time.perf_counter()
        for batch in data:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, batch)
        elapsed = time.perf_counter() - started
    return n_batches * BATCH / elapsed


def sqlite_round(clients: int, batches: int) -> tuple[float, float, float]:
    """(product HTTP, raw executemany, bare HTTP) events/s on fresh SQLite files."""
    from server.db.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as tmp:
        with ServerThread(Path(tmp) / "http.db", open_ingest=False, admin_token="b") as srv:
            rate = http_rate(srv, clients, batches)
        raw = raw_sqlite_rate(Path(tmp) / "raw.db", clients * batches)
        SQLiteStore(Path(tmp) / "bare.db").close()  # same schema and indexes
        bare = bare_rate(sqlite_writer(str(Path(tmp) / "bare.db"), insert_sql("?")), clients,
                         batches)
    return rate, raw, bare


def pg_round(clients: int, batches: int) -> tuple[float, float, float]:
    """The same on fresh PostgreSQL schemas."""
    from server.db.postgres import PostgresStore

    schemas = [PgSchema() for _ in range(3)]
    try:
        with ServerThread(schemas[0].url, schema=schemas[0].name, open_ingest=False,
                          admin_token="b") as srv:
            rate = http_rate(srv, clients, batches)
        raw = raw_pg_rate(schemas[1].url, schemas[1].name, clients * batches)
        PostgresStore(schemas[2].url, schema=schemas[2].name).close()
        bare = bare_rate(pg_writer(schemas[2].url, schemas[2].name, insert_sql("%s")), clients,
                         batches)
    finally:
        for schema in schemas:
            schema.drop()
    return rate, raw, bare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batches", type=int, default=10, help="batches of 500 per client")
    ap.add_argument("--rounds", type=int, default=3,
                    help="each store measured this many times; the medians are reported")
    args = ap.parse_args()
    print(f"{args.clients} client processes x {args.batches} batches x {BATCH} events = "
          f"{args.clients * args.batches * BATCH} events per store and round; "
          f"{os.cpu_count()} CPUs")
    worst, worst_bare = ingest.measure_stores(sqlite_round, pg_round, args, " events/s")
    print(f"ratio events HTTP/bare HTTP floor (worst store): {min(worst_bare):.2f}")
    print(f"ratio events HTTP/raw executemany (worst store): {min(worst):.2f} (goal >= 0.7)")


if __name__ == "__main__":
    main()
