"""Exactly once through a hostile network: 1,200 ratings from a kiosk store through a proxy
that refuses, resets, delays past the client's timeout, answers 502 after the server
committed, and drops responses after the server committed. The server ends with each rating
once and the kiosk has every one marked synced."""
import time

import requests

from server.api.enrol import create_code
from server.runner import ServerThread
from sync.enrol import enrol
from sync.outbox import SYNCED
from tests.helpers.fault_proxy import FaultProxy
from tests.waiting import wait_for

ADMIN = "fault-test-admin"
N = 1200


def test_every_rating_reaches_the_server_exactly_once_through_every_fault(
        tmp_path, kiosk_db, kiosk_store, record, uploaders):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    proxy = FaultProxy("127.0.0.1", srv.port).start()
    try:
        token_file = tmp_path / "kiosk" / "device-token.json"
        dev = enrol(srv.url, create_code(srv.store, "hallF", 1).code, token_file=token_file)
        rows = record(N, device_id=dev.device_id, window=1)
        proxy.set_chaos({"pass": 4, "refuse": 1, "reset": 1, "delay": 1, "bad_gateway": 1,
                         "drop_response": 1}, delay_s=0.6, seed=5)
        started = time.monotonic()
        up = uploaders(kiosk_db, proxy.url, batch_size=20, timeout_s=0.5, base_delay_s=0.01,
                       max_delay_s=0.05, token_file=token_file)
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=50, step=0.1)
        elapsed = time.monotonic() - started
        assert {r["sync_state"] for r in kiosk_store.all()} == {SYNCED}
        for mode in ("refuse", "reset", "delay", "bad_gateway", "drop_response"):
            assert proxy.faults[mode] >= 3, proxy.faults
        listed = requests.get(srv.url + "/api/v1/ratings", params={"limit": 1000, "offset": 0},
                              headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).json()
        rest = requests.get(srv.url + "/api/v1/ratings", params={"limit": 1000, "offset": 1000},
                            headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).json()
        uuids = [r["uuid"] for r in listed["ratings"] + rest["ratings"]]
        assert listed["total"] == srv.store.count() == N
        assert sorted(uuids) == sorted(r["uuid"] for r in rows)
        assert up.status()["consecutive_failures"] == 0 or kiosk_store.backlog() == 0
        print(f"{N} ratings exactly once in {elapsed:.1f}s; faults: {dict(proxy.faults)}")
    finally:
        proxy.stop()
        srv.stop()


def test_service_events_reach_the_server_exactly_once_through_every_fault_after_ratings(
        tmp_path, kiosk_db, kiosk_store, record, uploaders):
    from server.db.events import list_events

    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    proxy = FaultProxy("127.0.0.1", srv.port).start()
    try:
        token_file = tmp_path / "kiosk" / "device-token.json"
        dev = enrol(srv.url, create_code(srv.store, "hallF", 1).code, token_file=token_file)
        kiosk_store.bind_device(dev.device_id, 1)
        events = [kiosk_store.record_event("called", ticket=f"A{i:03d}") for i in range(600)]
        rows = record(200, device_id=dev.device_id, window=1)
        proxy.set_chaos({"pass": 4, "refuse": 1, "reset": 1, "delay": 1, "bad_gateway": 1,
                         "drop_response": 1}, delay_s=0.6, seed=7)
        uploaders(kiosk_db, proxy.url, batch_size=20, timeout_s=0.5, base_delay_s=0.01,
                  max_delay_s=0.05, token_file=token_file)
        wait_for(lambda: kiosk_store.backlog() == 0 and kiosk_store.events_backlog() == 0,
                 timeout=60, step=0.1)
        assert {e["sync_state"] for e in kiosk_store.all_events()} == {SYNCED}
        stored = list_events(srv.store, dev.device_id, limit=10_000)
        assert sorted(e["uuid"] for e in stored) == sorted(e["uuid"] for e in events)
        assert srv.store.count() == len(rows)
        # Ratings first: every rating was stored before the first event arrived.
        last_rating = max(r["received_at"] for r in srv.store.list_ratings(1000, 0)[0])
        assert min(e["received_at"] for e in stored) >= last_rating
        for mode in ("refuse", "reset", "delay", "bad_gateway", "drop_response"):
            assert proxy.faults[mode] >= 1, proxy.faults
    finally:
        proxy.stop()
        srv.stop()
