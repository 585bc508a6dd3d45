"""Two delivery workers (`kiosk-server deliver`, two processes, as two servers run them) and a
webhook that answers slowly: every alert is POSTed once, and no alert is ever on the wire
twice at the same moment, even when the target is slower than the lease (issue 23.5: 26 of
60 rows were sent twice, in parallel, when a claim took 50 rows on one 120 s lease).

The lease and the send timeout are shrunk through the operator's settings
(KIOSK_SERVER_DELIVERY_LEASE_S, KIOSK_SERVER_DELIVERY_TIMEOUT_S) to keep this short."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.db import outbox
from server.workflow import alerts
from tests.helpers.slow_receiver import SlowReceiver
from tests.server.workflow.conftest import HALL, rating

ROOT = Path(__file__).resolve().parents[3]


def cli_db(db) -> str:
    url, schema = db
    return f"{url}?options=-csearch_path%3D{schema}" if schema else url


def workers(db, lease_s: float, timeout_s: float, n: int = 2) -> list[subprocess.Popen]:
    env = {**os.environ, "KIOSK_SERVER_DELIVERY_POLL_S": "0.05",
           "KIOSK_SERVER_DELIVERY_LEASE_S": str(lease_s),
           "KIOSK_SERVER_DELIVERY_TIMEOUT_S": str(timeout_s),
           "KIOSK_SERVER_DELIVERY_BACKOFF_S": "0.5", "LANG": "C.UTF-8"}
    return [subprocess.Popen([sys.executable, "-m", "server.cli", "deliver", "--db", cli_db(db)],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(n)]


def stop(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=15)


def queue_alerts(store, url: str, n: int) -> None:
    with store.transaction() as tx:
        alerts.set_channel(tx, HALL, "webhook", {"url": url}, "k")
    store.ingest([rating(store.device_id, level=1) for _ in range(n)])


def wait_until(check, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not check():
        time.sleep(0.1)


@pytest.fixture
def slow():
    made = []

    def make(delay_s):
        made.append(SlowReceiver(delay_s).start())
        return made[-1]
    yield make
    for rx in made:
        rx.stop()


def test_two_workers_and_a_slow_webhook_send_every_alert_once(wired, db, slow):
    rx = slow(0.6)                     # answers in 0.6 s: 12 sends take longer than a lease
    queue_alerts(wired, rx.url, 12)
    procs = workers(db, lease_s=3, timeout_s=2)
    try:
        wait_until(lambda: outbox.summary(wired, "alert").get(f"{HALL}/webhook", {})
                   .get("sent") == 12, 60)
        time.sleep(1)                  # anything still going out would arrive now
    finally:
        stop(procs)
    assert outbox.summary(wired, "alert") == {f"{HALL}/webhook": {"sent": 12}}
    assert len(rx.arrivals) == 12
    assert {key: n for key, n in rx.arrivals.items() if n != 1} == {}
    assert sum(rx.delivered.values()) == 12


def test_a_target_slower_than_the_lease_never_gets_one_alert_twice_at_once(wired, db, slow):
    rx = slow(30)                      # never answers within the 3 s lease
    queue_alerts(wired, rx.url, 3)
    procs = workers(db, lease_s=3, timeout_s=10)
    try:
        wait_until(lambda: sum(rx.arrivals.values()) >= 9, 40)
    finally:
        stop(procs)
    assert {key: n for key, n in rx.max_in_flight.items() if n != 1} == {}
    assert sum(rx.arrivals.values()) >= 9     # tried again and again, by either worker
    assert sum(rx.delivered.values()) == 0
    problems = outbox.problems(wired, "alert")
    assert problems and all("no answer within" in p["last_error"] for p in problems)
