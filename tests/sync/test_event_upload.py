"""The uploader's service events (issue 27) against a real server on loopback: refused events
are set aside with the server's reason, a malformed local row cannot block the queue, 413
halves the event batch, and a server without the events route (an older one) keeps events on
the kiosk while ratings go on."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from server.api.enrol import create_code
from server.db.events import list_events
from server.runner import ServerThread
from sync.enrol import enrol
from sync.outbox import PENDING, REJECTED, SYNCED
from tests.waiting import wait_for


def enrolled(tmp_path, window=1):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    token_file = tmp_path / "kiosk" / "device-token.json"
    dev = enrol(srv.url, create_code(srv.store, "hallU", window).code, token_file=token_file)
    return srv, dev, token_file


def test_events_the_server_refuses_are_kept_aside_with_its_reason_and_the_rest_go(
        tmp_path, kiosk_db, kiosk_store, uploaders):
    srv, dev, token_file = enrolled(tmp_path, window=1)
    try:
        kiosk_store.bind_device(dev.device_id, 1)
        good = [kiosk_store.record_event("called", ticket=f"A{i:03d}") for i in range(5)]
        kiosk_store.bind_device(dev.device_id, 2)  # a window this device is not enrolled for
        wrong = kiosk_store.record_event("paused")
        # A row the wire check refuses (written around record_event): set aside locally.
        kiosk_store.db.execute("INSERT INTO events (uuid, kind, device_id, window, at) "
                               "VALUES ('not-a-uuid', 'called', ?, 1, 'x')", [dev.device_id])
        uploaders(kiosk_db, srv.url, batch_size=2, token_file=token_file)
        wait_for(lambda: kiosk_store.events_backlog() == 0, timeout=10)
        state = {e["uuid"]: (e["sync_state"], e["sync_error"]) for e in kiosk_store.all_events()}
        assert {state[e["uuid"]][0] for e in good} == {SYNCED}
        assert state[wrong["uuid"]][0] == REJECTED
        assert "window 2 is not this device's window (1)" in state[wrong["uuid"]][1]
        assert state["not-a-uuid"][0] == REJECTED and state["not-a-uuid"][1].startswith("local:")
        assert sorted(e["uuid"] for e in list_events(srv.store)) == sorted(
            e["uuid"] for e in good)
    finally:
        srv.stop()


class OldServer(BaseHTTPRequestHandler):
    """A server from before service events: ratings accepted, /events/batch unknown (404);
    records the paths it was asked for."""

    paths: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.paths.append(self.path)
        if self.path.endswith("/ratings/batch"):
            answer = {"results": [{"uuid": r["uuid"], "status": "accepted", "reason": None}
                                  for r in body["ratings"]]}
            data, status = json.dumps(answer).encode(), 200
        else:
            data, status = b'{"error": "not found"}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_server_without_the_events_route_keeps_events_pending_and_ratings_flowing(
        kiosk_db, kiosk_store, record, uploaders):
    OldServer.paths = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OldServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        kiosk_store.bind_device("kiosk-07", 3)
        kiosk_store.record_event("app_start")
        record(3)
        up = uploaders(kiosk_db, f"http://127.0.0.1:{httpd.server_port}", idle_poll_s=0.05)
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=10)
        wait_for(lambda: any(p.endswith("/events/batch") for p in OldServer.paths))
        record(2)  # later ratings still go at once: the 404 is no failure to back off from
        up.wake()
        wait_for(lambda: kiosk_store.backlog() == 0, timeout=10)
        assert OldServer.paths[0].endswith("/ratings/batch")  # ratings first
        assert sum(p.endswith("/events/batch") for p in OldServer.paths) == 1  # not hammered
        assert [e["sync_state"] for e in kiosk_store.all_events()] == [PENDING]
        assert up.status()["consecutive_failures"] == 0
        assert up.status()["events_backlog"] == 1
    finally:
        httpd.shutdown()


def test_a_413_halves_the_event_batch_only(tmp_path, kiosk_db, kiosk_store, uploaders):
    srv, dev, token_file = enrolled(tmp_path)
    try:
        srv.app.state.max_body_bytes = 3500  # 20 events are ~6 KB, 10 fit
        kiosk_store.bind_device(dev.device_id, 1)
        sent = [kiosk_store.record_event("called", ticket=f"A{i:03d}") for i in range(20)]
        up = uploaders(kiosk_db, srv.url, batch_size=20, token_file=token_file)
        wait_for(lambda: kiosk_store.events_backlog() == 0, timeout=10)
        assert len(list_events(srv.store)) == len(sent)
        assert up._batches == {"ratings": 20, "events": 10}
    finally:
        srv.stop()
