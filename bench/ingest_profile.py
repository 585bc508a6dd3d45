"""Where a rating's ingest CPU goes (SQLite, in-process, one thread): the route's phases timed
with the thread's CPU clock, beside a raw executemany + commit of the same rows. The HTTP
figures of bench/ingest.py are wall-clock and swing with the machine; this one does not.

    .venv/bin/python bench/ingest_profile.py [--batches 40]
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import BATCH, make_batch, raw_insert_sql, rows  # noqa: E402
from server import wiring  # noqa: E402
from server.api.ingest import answer  # noqa: E402
from server.db import rating_rows, ratings  # noqa: E402
from server.db.clock_fix import DeviceClock  # noqa: E402
from server.db.sqlite import SQLiteStore  # noqa: E402
from server.serving import settle_heap  # noqa: E402
from sync.wire import BatchIn  # noqa: E402

SPENT: dict[str, float] = {}


def timed(name: str, fn):
    """fn wrapped to add its thread CPU time to SPENT[name]."""
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] = SPENT.get(name, 0.0) + time.thread_time() - start
    return wrapper


def bodies(n: int) -> list[bytes]:
    return [json.dumps({"ratings": make_batch("d1"), "device_now": "2026-05-01T08:00:10.000Z",
                        "boot_id": "b0", "mono_s": 22.5}).encode() for _ in range(n)]


def product(tmp: Path, n: int) -> float:
    """CPU seconds of n batches through what the upload route does (validation,
    Store.ingest_plain, the JSON answer), phases in SPENT."""
    store = wiring.attach(SQLiteStore(tmp / "product.db"))
    store.ingest_hooks = [timed(f"hook {h.__module__}", h) for h in store.ingest_hooks]
    rating_rows.build = timed("rows: clock correction, case key, row", rating_rows.build)
    mixin = ratings.RatingsMixin
    mixin._insert_set = timed("insert (executemany)", mixin._insert_set)
    store._group._commit = timed("transaction (all of it)", store._group._commit)
    validate = timed("validation (pydantic)", BatchIn.model_validate_json)
    respond = timed("results: the JSON answer", answer)
    data = bodies(n)
    settle_heap()
    start = time.thread_time()
    for body in data:
        batch = validate(body)
        respond(store.ingest_plain(batch.ratings, DeviceClock(batch.device_now, batch.boot_id,
                                                              batch.mono_s),
                                   "kiosk", datetime.now(timezone.utc)))
    spent = time.thread_time() - start
    store.close()
    return spent


def raw(tmp: Path, n: int) -> float:
    SQLiteStore(tmp / "raw.db").close()
    conn = sqlite3.connect(str(tmp / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    sql, data = raw_insert_sql("?"), rows(n)
    start = time.thread_time()
    for batch in data:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    spent = time.thread_time() - start
    conn.close()
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=40, help="batches of 500")
    args = ap.parse_args()
    per = 1e6 / (args.batches * BATCH)
    with tempfile.TemporaryDirectory() as tmp:
        total = product(Path(tmp), args.batches)
        floor = raw(Path(tmp), args.batches)
    tx = SPENT.pop("transaction (all of it)")
    inside = sum(v for k, v in SPENT.items() if k.startswith(("insert", "hook")))
    print(f"CPU per rating, SQLite, {args.batches} x {BATCH} ratings:")
    for name, value in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"  {name:45s} {value * per:6.1f} us")
    print(f"  {'rest of the transaction (loop, commit)':45s} {(tx - inside) * per:6.1f} us")
    rest = total - tx - sum(v for k, v in SPENT.items() if not k.startswith(("insert", "hook")))
    print(f"  {'rest of ingest (row dicts, results list)':45s} {rest * per:6.1f} us")
    print(f"  {'product total':45s} {total * per:6.1f} us")
    print(f"  {'raw executemany + commit of the same rows':45s} {floor * per:6.1f} us")
    print(f"ratio raw CPU / product CPU: {floor / total:.2f}")


if __name__ == "__main__":
    main()
