"""Time to drain a kiosk backlog of 10,000 ratings from its SQLite store to the server
(real uploader thread, enrolled device token, real uvicorn + SQLite server on loopback).

    .venv/bin/python bench/drain.py [--ratings 10000] [--batch-size 100 500]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.api.enrol import create_code  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from sync.enrol import enrol  # noqa: E402
from sync.outbox import Store  # noqa: E402
from sync.uploader import Uploader  # noqa: E402


def fill(store: Store, device_id: str, n: int) -> None:
    rows = [{"uuid": f"00000000-0000-4000-8000-{i:012d}", "level": 5, "reasons": "[]",
             "window": 1, "staff_id": "S-017", "ticket": f"A{i % 1000:03d}", "case_id": f"C{i}",
             "item_code": None, "device_id": device_id,
             "rated_at": f"2026-05-01T{8 + i // 3600 % 10:02d}:{i // 60 % 60:02d}:"
                         f"{i % 60:02d}.000Z", "boot_id": "b0", "mono_s": float(i),
             "case_key": f"2026-05-01/1/A{i % 1000:03d}/C{i}", "sync_state": "pending"}
            for i in range(n)]
    names = list(rows[0])
    with store.db.conn:
        store.db.conn.executemany(f"INSERT INTO ratings ({', '.join(names)}) VALUES "
                                  f"({', '.join('?' * len(names))})",
                                  [[r[n] for n in names] for r in rows])
    assert store.backlog() == n


def drain(n: int, batch_size: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        with ServerThread(Path(tmp) / "server.db", open_ingest=False, admin_token="b") as srv:
            token_file = Path(tmp) / "kiosk" / "token.json"
            dev = enrol(srv.url, create_code(srv.store, "bench", 1).code, token_file=token_file)
            db = Path(tmp) / "kiosk" / "kiosk.db"
            store = Store(db)
            fill(store, dev.device_id, n)
            started = time.perf_counter()
            up = Uploader(db, srv.url, batch_size=batch_size, token_file=token_file).start()
            while store.backlog():
                time.sleep(0.01)
            elapsed = time.perf_counter() - started
            up.stop()
            store.close()
            assert srv.store.count() == n
            return elapsed


def direct_ingest(n: int, batch_size: int) -> float:
    """The floor: the same ratings handed to the server's store in the same batches, in one
    process (no HTTP, no uploader thread, no kiosk store)."""
    from server.db.store import open_store
    from sync.wire import RatingWire
    from sync.wire.check import to_wire

    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Store(Path(tmp) / "kiosk.db")
        fill(kiosk, "bench-device", n)
        wires = [RatingWire.model_validate(to_wire(r)) for r in kiosk.pending(n)]
        kiosk.close()
        server = open_store(Path(tmp) / "server.db")
        server.ingest_hooks = []  # the bare store: the floor the drain is measured against
        started = time.perf_counter()
        for i in range(0, n, batch_size):
            server.ingest(wires[i:i + batch_size])
        elapsed = time.perf_counter() - started
        assert server.count() == n
        server.close()
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratings", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, nargs="+", default=[100, 500])
    args = ap.parse_args()
    ratio = None
    for size in args.batch_size:
        elapsed = drain(args.ratings, size)
        floor = direct_ingest(args.ratings, size)
        ratio = floor / elapsed
        print(f"drained {args.ratings} ratings in batches of {size}: {elapsed:.2f} s "
              f"({args.ratings / elapsed:.0f} ratings/s); the server store alone: {floor:.2f} s")
    print(f"kiosk-to-server drain / direct store ingest throughput ratio "
          f"(batches of {args.batch_size[-1]}): {ratio:.2f}")


if __name__ == "__main__":
    main()
