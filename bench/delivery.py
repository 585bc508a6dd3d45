"""Outbox delivery rate: N counted ratings queued for one export target and sent by the delivery
worker (claim, build the record through the GB/T 39046 mapping, signed POST, mark sent) to a
loopback receiver, beside the floor: the same number of bare signed POSTs to the same
receiver. Then --alerts N single 差评 ratings, one at a time, each timed from ingest until its
alert reaches a webhook receiver through the running background worker (its production poll
interval), beside the floor: one bare signed POST to the same receiver. The goal the suite
only bounds loosely (tests/server/workflow/test_alerts.py): an alert within a second.

    .venv/bin/python bench/delivery.py [--ratings 1000] [--alerts 20] [--pg]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import wiring  # noqa: E402
from server.api.enrol import create_code, redeem  # noqa: E402
from server.db.store import open_store  # noqa: E402
from server.delivery import Deliverer  # noqa: E402
from server.export import sender, targets  # noqa: E402
from server.export.testing import Receiver  # noqa: E402
from server.signing import IDEMPOTENCY_HEADER, post_json  # noqa: E402
from sync.wire import RatingWire  # noqa: E402


def rating(device_id: str, i: int) -> RatingWire:
    return RatingWire.model_validate({
        "uuid": str(uuid.uuid4()), "level": 1 + i % 5, "reasons": [], "window": 3,
        "staff_id": "S-017", "ticket": f"A{i % 1000:03d}", "case_id": f"C{i}",
        "item_code": "RES-01", "device_id": device_id, "rated_at": "2025-09-26T08:00:00.000Z",
        "boot_id": "b0", "mono_s": float(i)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=1000)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at KIOSK_TEST_PG_URL, in "
                        "a fresh schema dropped afterwards (default: a SQLite file)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    schema = None
    if args.pg:
        from tests.helpers.databases import PgSchema, pg_unreachable_reason
        if pg_unreachable_reason():
            sys.exit(pg_unreachable_reason())
        schema = PgSchema()
        store = wiring.attach(open_store(schema.url, schema=schema.name))
    else:
        store = wiring.attach(open_store(Path(tempfile.mkdtemp()) / "server.db"))
    device = redeem(store, create_code(store, "hall01", 3).code).device_id
    rx = Receiver().start()
    body = b'{"x": 1}'
    start = time.perf_counter()
    for i in range(args.ratings):
        post_json(rx.url, body, {IDEMPOTENCY_HEADER: f"bare-{i}"})
    bare = time.perf_counter() - start
    with store.transaction() as tx:
        targets.set_target(tx, "bench", "gbt39046", rx.url)
    store.ingest([rating(device, i) for i in range(args.ratings)])
    worker = Deliverer(store, kinds={"export": sender.deliver}, batch=200)
    start, sent = time.perf_counter(), 0
    while sent < args.ratings:
        sent += worker.run_once()["export"]["sent"]
    outboxed = time.perf_counter() - start
    rx.stop()
    alert_ms, floor_ms = alert_latency(store, device, args.alerts) if args.alerts else ([], [])
    store.close()
    if schema:
        schema.drop()
    print(f"{store!r}: {args.ratings} records")
    print(f"bare signed POSTs to the receiver: {args.ratings / bare:.0f}/s")
    print(f"through the outbox (claim, map, POST, mark sent): {args.ratings / outboxed:.0f}/s")
    print(f"ratio outbox/bare time: {outboxed / bare:.2f}")
    if alert_ms:
        print(f"差评 alert, ingest -> webhook, {len(alert_ms)} alerts: median "
              f"{statistics.median(alert_ms):.0f} ms, max {max(alert_ms):.0f} ms; bare "
              f"POST median {statistics.median(floor_ms):.1f} ms")
        print(f"alert max / 1 s goal ratio: {max(alert_ms) / 1000:.2f}")
        print(f"alert median / bare POST median ratio: "
              f"{statistics.median(alert_ms) / statistics.median(floor_ms):.0f}")


def alert_latency(store, device: str, n: int) -> tuple[list[float], list[float]]:
    """ms from ingest of one 差评 to its alert at the receiver, and of one bare POST."""
    from server.workflow import alerts

    secret = "bench-secret"
    rx = Receiver(secret=secret).start()
    with store.transaction() as tx:
        alerts.set_channel(tx, "hall01", "webhook", {"url": rx.url}, secret)
    bare_rx, floor = Receiver().start(), []
    for i in range(n):
        start = time.perf_counter()
        post_json(bare_rx.url, b'{"x": 1}', {IDEMPOTENCY_HEADER: f"floor-{i}"})
        floor.append((time.perf_counter() - start) * 1000)
    bare_rx.stop()
    seen = len(rx.received)
    worker = Deliverer(store, kinds={"alert": alerts.deliver}).start()
    times = []
    try:
        for i in range(n):
            bad = rating(device, 1_000_000 + 5 * i)  # level 1, a case of its own
            start = time.perf_counter()
            store.ingest([bad])
            rx.wait_for(seen + i + 1, timeout=30)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        worker.stop()
        rx.stop()
    return times, floor


if __name__ == "__main__":
    main()
