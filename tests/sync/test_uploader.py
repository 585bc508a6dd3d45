"""The uploader against a real server, a real kiosk store and a misbehaving real proxy."""
import time

import pytest
import requests

from server.runner import ServerThread
from sync.outbox import PENDING, REJECTED, SYNCED
from sync.uploader import Uploader
from tests.helpers.fault_proxy import FaultProxy
from tests.waiting import wait_for


def server_uuids(server):
    resp = requests.get(server.url + "/api/v1/ratings", params={"limit": 1000}, timeout=5)
    return [r["uuid"] for r in resp.json()["ratings"]]


def states(store):
    return {row["uuid"]: row["sync_state"] for row in store.all()}


def all_synced(store):
    rows = store.all()
    return bool(rows) and all(r["sync_state"] == SYNCED for r in rows)


@pytest.fixture
def proxy(server):
    fp = FaultProxy("127.0.0.1", server.port).start()
    yield fp
    fp.stop()


def test_recorded_ratings_reach_the_server_and_are_marked_synced(
        server, kiosk_db, kiosk_store, record, uploaders):
    rows = record(7) + record(1, level=2, reasons=["long_wait", "unclear_rules"])
    up = uploaders(kiosk_db, server.url, batch_size=3)
    wait_for(lambda: all_synced(kiosk_store))
    assert sorted(server_uuids(server)) == sorted(r["uuid"] for r in rows)
    on_server = requests.get(server.url + "/api/v1/ratings", params={"limit": 1000}).json()
    bad = next(r for r in on_server["ratings"] if r["uuid"] == rows[-1]["uuid"])
    assert bad["reasons"] == ["long_wait", "unclear_rules"] and bad["level"] == 2
    status = wait_for(lambda: (s := up.status())["backlog"] == 0 and s)
    assert status["last_sync_at"] and status["last_error"] is None
    assert status["consecutive_failures"] == 0


def test_wake_uploads_a_new_rating_without_waiting_for_the_idle_poll(
        server, kiosk_db, kiosk_store, record, uploaders):
    up = uploaders(kiosk_db, server.url, idle_poll_s=600)
    wait_for(lambda: up.status()["backlog"] == 0)  # it looked, found nothing, went idle
    started = time.monotonic()
    [row] = record(1)
    up.wake()
    wait_for(lambda: all_synced(kiosk_store), timeout=10)
    assert time.monotonic() - started < 10  # woken at once: the idle poll is 600 s away
    assert server_uuids(server) == [row["uuid"]]


def test_server_down_at_first_then_started_on_that_port_gets_every_rating_once(
        tmp_path, kiosk_db, kiosk_store, record, uploaders, free_port):
    rows = record(12)
    up = uploaders(kiosk_db, f"http://127.0.0.1:{free_port}", batch_size=5)
    wait_for(lambda: up.status()["consecutive_failures"] >= 3)
    status = up.status()
    assert status["last_error"] and status["last_sync_at"] is None
    assert set(states(kiosk_store).values()) == {PENDING}

    srv = ServerThread(tmp_path / "late.db", port=free_port).start()
    try:
        rows += record(3)
        up.wake()
        wait_for(lambda: all_synced(kiosk_store) and len(kiosk_store.all()) == 15, timeout=10)
        uuids = server_uuids(srv)
        assert sorted(uuids) == sorted(r["uuid"] for r in rows)
        assert len(set(uuids)) == len(uuids) == 15
        wait_for(lambda: up.status()["consecutive_failures"] == 0)
    finally:
        srv.stop()


def test_lost_responses_leave_every_rating_on_the_server_once_and_synced(
        server, proxy, kiosk_db, kiosk_store, record, uploaders):
    rows = record(10)
    proxy.set_fault("drop_response", count=3)
    uploaders(kiosk_db, proxy.url, batch_size=4)
    wait_for(lambda: all_synced(kiosk_store), timeout=10)
    assert proxy.faults["drop_response"] == 3
    uuids = server_uuids(server)
    assert sorted(uuids) == sorted(r["uuid"] for r in rows)
    assert len(set(uuids)) == len(uuids)


def test_reset_connections_are_retried_until_synced(
        server, proxy, kiosk_db, kiosk_store, record, uploaders):
    rows = record(6)
    proxy.set_fault("reset", count=2)
    up = uploaders(kiosk_db, proxy.url, batch_size=4)
    wait_for(lambda: all_synced(kiosk_store), timeout=10)
    assert proxy.faults["reset"] == 2
    assert sorted(server_uuids(server)) == sorted(r["uuid"] for r in rows)
    wait_for(lambda: up.status()["consecutive_failures"] == 0)


def test_read_timeout_after_the_server_committed_ends_synced_without_duplicates(
        server, proxy, kiosk_db, kiosk_store, record, uploaders):
    rows = record(5)
    proxy.set_fault("delay", count=1, delay_s=1.5)  # the server commits; the client times out
    uploaders(kiosk_db, proxy.url, timeout_s=0.5)
    wait_for(lambda: all_synced(kiosk_store), timeout=10)
    assert proxy.faults["delay"] == 1
    uuids = server_uuids(server)
    assert sorted(uuids) == sorted(r["uuid"] for r in rows)
    assert len(set(uuids)) == len(uuids)


def test_refused_connections_back_off_then_sync_when_accepted_again(
        server, proxy, kiosk_db, kiosk_store, record, uploaders):
    proxy.set_fault("refuse")
    rows = record(3)
    up = uploaders(kiosk_db, proxy.url)
    wait_for(lambda: up.status()["consecutive_failures"] >= 2)
    assert not server_uuids(server)
    proxy.set_fault("pass")
    wait_for(lambda: all_synced(kiosk_store), timeout=10)
    assert sorted(server_uuids(server)) == sorted(r["uuid"] for r in rows)


def test_locally_malformed_row_is_set_aside_and_does_not_block_the_queue(
        server, kiosk_db, kiosk_store, record, uploaders):
    good = record(2)
    [bad] = record(1, ticket="a-lowercase")  # the store does not check; the wire schema does
    good += record(2)
    uploaders(kiosk_db, server.url, batch_size=2)
    wait_for(lambda: sum(s == SYNCED for s in states(kiosk_store).values()) == 4)
    row = next(r for r in kiosk_store.all() if r["uuid"] == bad["uuid"])
    assert row["sync_state"] == REJECTED
    assert row["sync_error"].startswith("local:") and "ticket" in row["sync_error"]
    assert sorted(server_uuids(server)) == sorted(r["uuid"] for r in good)


def test_stop_returns_promptly_even_during_a_long_back_off(
        kiosk_db, kiosk_store, record, free_port):
    record(1)
    up = Uploader(kiosk_db, f"http://127.0.0.1:{free_port}", base_delay_s=60,
                  max_delay_s=60).start()
    wait_for(lambda: up.status()["consecutive_failures"] >= 1)
    started = time.monotonic()
    up.wake()  # does not cut the back-off short, and must not block
    up.stop()
    assert time.monotonic() - started < 10  # not hung in the 60 s back-off


def test_status_is_answered_before_the_first_upload(kiosk_db, free_port):
    up = Uploader(kiosk_db, f"http://127.0.0.1:{free_port}")
    assert up.status() == {"last_sync_at": None, "last_error": None, "backlog": None,
                           "events_backlog": None, "consecutive_failures": 0}


class ScriptedServer:
    """A real HTTP server on loopback whose answers a test scripts: answer(batch) -> (status,
    headers, body). Stands in for a server of another version or one under load."""

    def __init__(self, answer):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.batches, self.times = [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.batches.append(batch["ratings"])
                outer.times.append(time.monotonic())
                status, headers, body = answer(batch["ratings"])
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json",
                                   "Content-Length": str(len(data))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def accept_all(batch):
    return 200, {}, {"results": [{"uuid": r["uuid"], "status": "accepted"} for r in batch]}


def test_ratings_the_server_refuses_are_kept_rejected_and_the_rest_resent(
        kiosk_db, kiosk_store, record, uploaders):
    rows = record(4)
    refused = rows[1]["uuid"]

    def answer(batch):
        if any(r["uuid"] == refused for r in batch):
            return 422, {}, {"error": "invalid batch", "rejected": [
                {"index": i, "uuid": None, "reason": "window: not open today"}
                for i, r in enumerate(batch) if r["uuid"] == refused]}
        return accept_all(batch)

    srv = ScriptedServer(answer)
    try:
        uploaders(kiosk_db, srv.url)
        wait_for(lambda: PENDING not in states(kiosk_store).values())
        row = next(r for r in kiosk_store.all() if r["uuid"] == refused)
        assert row["sync_state"] == REJECTED
        assert row["sync_error"] == "server: window: not open today"
        assert [r["sync_state"] for r in kiosk_store.all()].count(SYNCED) == 3
        assert len(srv.batches) == 2 and len(srv.batches[1]) == 3
    finally:
        srv.stop()


def test_a_422_naming_no_rating_backs_off_and_keeps_everything_pending(
        kiosk_db, kiosk_store, record, uploaders):
    record(2)
    srv = ScriptedServer(lambda batch: (422, {}, {"error": "invalid batch", "rejected": [
        {"index": None, "uuid": None, "reason": "unknown schema"}]}))
    try:
        up = uploaders(kiosk_db, srv.url)
        wait_for(lambda: up.status()["consecutive_failures"] >= 2)
        assert set(states(kiosk_store).values()) == {PENDING}
        assert "422" in up.status()["last_error"]
    finally:
        srv.stop()


def test_busy_server_retry_after_is_honoured(kiosk_db, kiosk_store, record, uploaders):
    record(2)

    def answer(batch):
        if len(srv.batches) == 1:
            return 503, {"Retry-After": "1"}, {"error": "busy"}
        return accept_all(batch)

    srv = ScriptedServer(answer)
    try:
        uploaders(kiosk_db, srv.url, base_delay_s=0.01, max_delay_s=5)
        wait_for(lambda: all_synced(kiosk_store), timeout=10)
        assert srv.times[1] - srv.times[0] >= 0.9
    finally:
        srv.stop()


def test_retry_after_is_capped_at_max_delay(kiosk_db, kiosk_store, record, uploaders):
    record(1)

    def answer(batch):
        if len(srv.batches) == 1:
            return 429, {"Retry-After": "3600"}, {"error": "slow down"}
        return accept_all(batch)

    srv = ScriptedServer(answer)
    try:
        uploaders(kiosk_db, srv.url, max_delay_s=0.3)
        wait_for(lambda: all_synced(kiosk_store), timeout=10)  # not 3600 s: capped
    finally:
        srv.stop()


def test_too_large_answer_halves_the_batch(kiosk_db, kiosk_store, record, uploaders):
    record(8)

    def answer(batch):
        if len(batch) > 2:
            return 413, {}, {"error": "body too large"}
        return accept_all(batch)

    srv = ScriptedServer(answer)
    try:
        uploaders(kiosk_db, srv.url, batch_size=8)
        wait_for(lambda: all_synced(kiosk_store))
        assert [len(b) for b in srv.batches[:3]] == [8, 4, 2]
    finally:
        srv.stop()
