"""The database goes away under a running server (issue 23.10): uploads get 503 with
Retry-After (never a 500) and the console a plain "database unavailable" page, Chinese first;
once the database is back the server answers again at once, and every rating the server
acknowledged is stored exactly once.

PostgreSQL: a throw-away cluster of our own (tests/helpers/pg_cluster.py), stopped with
`pg_ctl stop -m fast` while a kiosk-like loop uploads, then started again. SQLite: another
process holding the write lock, and a database file that became unreadable."""
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from server.api.enrol import create_code
from server.console.sample import seed
from server.db.store import open_store
from server.runner import ServerThread
from sync.enrol import enrol
from sync.wire import BATCH_PATH
from tests.helpers.pg_cluster import TempCluster, unavailable_reason
from tests.server.console.conftest import PASSWORD, login


def ratings(device_id, n=5):
    return [{"uuid": str(uuid.uuid4()), "level": 5, "reasons": [], "window": 1,
             "staff_id": "S001", "ticket": "A012", "device_id": device_id,
             "rated_at": "2026-05-04T08:00:00.000Z", "boot_id": "b0", "mono_s": 1.0}
            for _ in range(n)]


class Kiosk:
    """Uploads batches like a kiosk: a batch is acknowledged by a 200 whose results are all
    accepted or duplicate; anything else is sent again (after a short pause)."""

    def __init__(self, url, device):
        self.url, self.device = url, device
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {device.token}"
        self.pending, self.acked, self.statuses = [], [], []
        self.ok_at: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def post(self, batch):
        return self.session.post(self.url + BATCH_PATH, json={"ratings": batch}, timeout=30)

    def _run(self):
        while not (self.stop.is_set() and not self.pending):
            if not self.pending:
                self.pending.append(ratings(self.device.device_id))
            batch = self.pending[0]
            try:
                resp = self.post(batch)
            except requests.RequestException:
                self.statuses.append("network")
                time.sleep(0.1)
                continue
            self.statuses.append(resp.status_code)
            if resp.status_code == 200 and all(r["status"] in ("accepted", "duplicate")
                                               for r in resp.json()["results"]):
                self.acked += [r["uuid"] for r in batch]
                self.pending.pop(0)
                self.ok_at.append(time.monotonic())
            else:
                time.sleep(0.1)


def stored(store, uuids) -> dict:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT uuid, count(*) FROM ratings GROUP BY uuid")
    counts = dict(rows)
    return {u: counts.get(u, 0) for u in uuids}


def assert_unavailable_answers(url, device, console):
    """What a kiosk and a supervisor see while the database is away."""
    kiosk = requests.post(url + BATCH_PATH, json={"ratings": ratings(device.device_id)},
                          headers={"Authorization": f"Bearer {device.token}"}, timeout=30)
    assert kiosk.status_code == 503, kiosk.text[:300]
    assert kiosk.json() == {"error": "database unavailable"}
    assert int(kiosk.headers["Retry-After"]) > 0
    page = console.get(url + "/console/figures", timeout=30)
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert int(page.headers["Retry-After"]) > 0
    text = page.text
    assert "数据库暂时无法使用" in text and "Database unavailable" in text
    assert text.index("数据库暂时无法使用") < text.index("Database unavailable")  # Chinese first
    assert "Traceback" not in text and "psycopg" not in text and "sqlite" not in text.lower()


@pytest.fixture
def cluster():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    made = TempCluster().start()
    yield made
    made.destroy()


def test_postgresql_stopped_mid_upload_gives_503_then_recovers_with_every_rating_once(cluster):
    srv = ServerThread(cluster.url, open_ingest=False).start()
    try:
        seed(srv.store, PASSWORD)
        device = enrol(srv.url, create_code(srv.store, "H01", 1).code)
        console = login(srv, "admin")
        kiosk = Kiosk(srv.url, device)
        kiosk.thread.start()
        time.sleep(1.0)
        cluster.stop()                                  # mid-upload
        down_at = time.monotonic()
        assert_unavailable_answers(srv.url, device, console)
        time.sleep(1.0)
        cluster.start()
        back_at = time.monotonic()
        deadline = back_at + 30
        while time.monotonic() < deadline and not [t for t in kiosk.ok_at if t > back_at]:
            time.sleep(0.05)
        recovered = [t for t in kiosk.ok_at if t > back_at]
        assert recovered, "no upload worked in 30 s after the database came back"
        assert recovered[0] - back_at < 10            # ~1 s on a quiet machine
        time.sleep(0.5)
        kiosk.stop.set()
        kiosk.thread.join(60)
        assert not kiosk.thread.is_alive() and not kiosk.pending
        assert set(kiosk.statuses) <= {200, 503}, sorted(set(map(str, kiosk.statuses)))
        assert 503 in kiosk.statuses and any(t < down_at for t in kiosk.ok_at)
        fresh = open_store(cluster.url)   # this thread's connection died with the cluster
        try:
            counts = stored(fresh, kiosk.acked)
        finally:
            fresh.close()
        assert len(counts) == len(kiosk.acked) and set(counts.values()) == {1}
        assert console.get(srv.url + "/console/figures", timeout=30).status_code == 200
    finally:
        srv.stop()


@pytest.fixture
def sqlite_server(tmp_path):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    seed(srv.store, PASSWORD)
    yield srv
    srv.stop()


def test_a_locked_sqlite_database_gives_503_and_the_retry_is_stored_once(sqlite_server):
    srv = sqlite_server
    device = enrol(srv.url, create_code(srv.store, "H01", 1).code)
    kiosk = Kiosk(srv.url, device)
    other = sqlite3.connect(str(srv.db_path), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")                   # another process holds the file
    try:
        batch = ratings(device.device_id)
        resp = kiosk.post(batch)                       # waits out SQLite's busy timeout
        assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0
        assert resp.json() == {"error": "database unavailable"}
    finally:
        other.execute("ROLLBACK")
        other.close()
    again = kiosk.post(batch)
    assert again.status_code == 200
    assert {r["status"] for r in again.json()["results"]} == {"accepted"}
    assert set(stored(srv.store, [r["uuid"] for r in batch]).values()) == {1}


def test_an_unreadable_sqlite_file_gives_503_not_500(sqlite_server):
    srv = sqlite_server
    device = enrol(srv.url, create_code(srv.store, "H01", 1).code)
    console = login(srv, "admin")
    # The disk returned garbage: the file, the WAL's header and the WAL index's header (in
    # place: the server's connections keep them open and mapped).
    for suffix, junk in (("", b"no longer a SQLite database " * 40), ("-wal", b"garbage!" * 8),
                         ("-shm", b"\0" * 136)):
        with open(f"{srv.db_path}{suffix}", "r+b") as fh:
            fh.write(junk)
    assert_unavailable_answers(srv.url, device, console)
