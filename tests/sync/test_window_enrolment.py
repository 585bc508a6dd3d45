"""Issue 12 item 3: a kiosk enrolled for window 7 whose config still says window 5. The server
refuses the window-5 ratings item by item; the kiosk keeps them, rejected, and never resends."""
import requests

from server.api.enrol import create_code
from server.runner import ServerThread
from sync.enrol import enrol
from sync.outbox import REJECTED, SYNCED
from tests.waiting import wait_for

ADMIN = "window-test-admin-token"


def on_server(srv):
    resp = requests.get(srv.url + "/api/v1/ratings", params={"limit": 1000}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN}"})
    return resp.json()["ratings"]


def test_ratings_for_a_window_the_device_is_not_enrolled_for_are_rejected_once(
        tmp_path, kiosk_db, kiosk_store, record, uploaders):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    try:
        token_file = tmp_path / "kiosk" / "device-token.json"
        dev = enrol(srv.url, create_code(srv.store, "H01", 7).code, token_file=token_file)
        assert dev.device_id.startswith("H01-w007-")
        wrong = record(2, device_id=dev.device_id, window=5)
        right = record(1, device_id=dev.device_id, window=7)
        up = uploaders(kiosk_db, srv.url, token_file=token_file)
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=10)
        rows = {r["uuid"]: r for r in kiosk_store.all()}
        for row in wrong:
            assert rows[row["uuid"]]["sync_state"] == REJECTED
            assert "window 5 is not this device's window (7)" in rows[row["uuid"]]["sync_error"]
        assert rows[right[0]["uuid"]]["sync_state"] == SYNCED
        assert [r["uuid"] for r in on_server(srv)] == [right[0]["uuid"]]
        # A later upload sends only the new rating: the refused ones are not retried.
        later = record(1, device_id=dev.device_id, window=7)
        up.wake()
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=10)
        assert sorted(r["uuid"] for r in on_server(srv)) == sorted(
            [right[0]["uuid"], later[0]["uuid"]])
        assert {r["sync_state"] for r in kiosk_store.all() if r["window"] == 5} == {REJECTED}
        assert up.status()["consecutive_failures"] == 0
    finally:
        srv.stop()


def test_a_hall_wide_device_may_rate_any_window(tmp_path, kiosk_db, kiosk_store, record,
                                                uploaders):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    try:
        token_file = tmp_path / "kiosk" / "device-token.json"
        dev = enrol(srv.url, create_code(srv.store, "H01").code, token_file=token_file)
        record(1, device_id=dev.device_id, window=5)
        record(1, device_id=dev.device_id, window=9)
        uploaders(kiosk_db, srv.url, token_file=token_file)
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=10)
        assert {r["sync_state"] for r in kiosk_store.all()} == {SYNCED}
        assert sorted(r["window"] for r in on_server(srv)) == [5, 9]
    finally:
        srv.stop()
