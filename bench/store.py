"""Tap -> rating durable: `Store.record` beside a raw sqlite3 INSERT + COMMIT with the same
pragmas (WAL, synchronous=FULL), N ratings each, p50/p99 per commit and the throughput ratio.

    .venv/bin/python bench/store.py [--ratings 10000]

Goal (issue 14): record/raw throughput >= 0.8 and record p99 <= 10 ms. Both run on the same
disk in the same process, alternating blocks so a noisy neighbour hurts both alike.

With service events on (issue 27), a third store records a case's events as the flow does
(called and completed, each its own commit, before the case's rating) and only the rating's
commit is timed: the tap -> durable path with events on, goal >= 0.8 of the raw commit too.
The events' own commits (record_event) are printed beside them.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct  # noqa: E402

from sync.outbox import MIGRATIONS, NewRating, Store  # noqa: E402

COLUMNS = ("uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id", "item_code",
           "device_id", "rated_at", "boot_id", "mono_s", "case_key", "sync_state")
BLOCK = 500


def rating(i: int) -> NewRating:
    return NewRating(level=5 - i % 5, window=5, ticket=f"A{i % 1000:03d}",
                     case_key=f"2026-11-24/5/A{i:05d}/", device_id="bench-kiosk", staff_id="1024",
                     reasons=["attitude"] if i % 5 >= 3 else [], rated_at="2026-11-24T08:00:00.000Z",
                     boot_id="b", mono_s=float(i))


def raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):
        conn.execute(statement)
    return conn


def raw_insert(conn: sqlite3.Connection, i: int) -> None:
    r = rating(i)
    conn.execute("BEGIN")
    conn.execute(f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES "
                 f"({', '.join('?' * len(COLUMNS))})",
                 [str(uuid.uuid4()), r.level, json.dumps(r.reasons), r.window, r.staff_id,
                  r.ticket, r.case_id, r.item_code, r.device_id, r.rated_at, r.boot_id, r.mono_s,
                  r.case_key, "pending"])
    conn.execute("COMMIT")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratings", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=Path.cwd()) as tmp:
        store = Store(Path(tmp) / "kiosk.db")
        with_events = Store(Path(tmp) / "events.db")
        with_events.bind_device("bench-kiosk", 5)
        raw = raw_connection(Path(tmp) / "raw.db")
        times = {"record": [], "raw": [], "record+events": [], "record_event": []}
        i = 0
        while i < args.ratings:
            for name in ("record", "raw", "record+events"):
                for j in range(i, min(i + BLOCK, args.ratings)):
                    if name == "record+events":
                        r = rating(j)
                        for kind, fields in (("called", {"ticket": r.ticket}),
                                             ("completed", {"ticket": r.ticket,
                                                            "case_key": r.case_key})):
                            t0 = time.perf_counter()
                            with_events.record_event(kind, **fields)
                            times["record_event"].append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    if name == "record":
                        store.record(rating(j))
                    elif name == "raw":
                        raw_insert(raw, j)
                    else:
                        with_events.record(r)
                    times[name].append(time.perf_counter() - t0)
            i += BLOCK
        assert store.count() == with_events.count() == args.ratings
        assert with_events.events_backlog() == 2 * args.ratings
        store.close()
        with_events.close()
        raw.close()
    for name, values in times.items():
        print(f"{name:>6}: {len(values)} commits, {len(values) / sum(values):,.0f}/s, "
              f"p50 {pct(values, 50) * 1e3:.2f} ms, p99 {pct(values, 99) * 1e3:.2f} ms, "
              f"max {max(values) * 1e3:.2f} ms")
    ratio = sum(times["raw"]) / sum(times["record"])
    print(f"Store.record / raw insert+commit throughput ratio: {ratio:.2f} (goal >= 0.8; "
          f"record p99 {pct(times['record'], 99) * 1e3:.2f} ms, goal <= 10 ms)")
    ratio = sum(times["raw"]) / sum(times["record+events"])
    print(f"with service events on: Store.record / raw insert+commit throughput ratio: "
          f"{ratio:.2f} (goal >= 0.8; record p99 "
          f"{pct(times['record+events'], 99) * 1e3:.2f} ms, goal <= 10 ms)")
    ratio = sum(times["raw"]) / len(times["raw"]) / (
        sum(times["record_event"]) / len(times["record_event"]))
    print(f"Store.record_event / raw insert+commit throughput ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
