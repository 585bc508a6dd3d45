"""Uniqueness per (device, uuid) (issue 13 item 4): another device can neither block a
citizen's phone rating nor be told `duplicate` for a uuid it never stored; exactly-once per
device holds; the SQLite migration keeps every row, column and index."""
import sqlite3
import uuid as uuidlib
from datetime import date

import requests

from server import wiring
from server.api.phone import PHONE_NS
from server.db.sqlite import MIGRATIONS, SQLiteStore
from sync.wire import BATCH_PATH, RatingWire
from sync.wire.qr_token import make_qr_url, signature
from tests.server.conftest import ADMIN_TOKEN, session_with


def _rating(device, **kw):
    base = {"uuid": str(uuidlib.uuid4()), "level": 5, "window": 3, "ticket": "A1",
            "device_id": device.device_id, "rated_at": "2026-05-04T08:00:00Z",
            "case_id": uuidlib.uuid4().hex[:12]}
    return {**base, **kw}


def test_same_uuid_from_two_devices_is_stored_for_each(server, enrolled):
    a, b = enrolled(window=3), enrolled(window=3)
    shared = str(uuidlib.uuid4())
    for dev in (a, b):
        with session_with(dev.token) as s:
            resp = s.post(server.url + BATCH_PATH, json={"ratings": [_rating(dev, uuid=shared)]})
            assert resp.json()["results"][0]["status"] == "accepted"  # never "duplicate"
        with session_with(dev.token) as s:  # exactly once per device
            resp = s.post(server.url + BATCH_PATH, json={"ratings": [_rating(dev, uuid=shared)]})
            assert resp.json()["results"][0]["status"] == "duplicate"
    assert server.store.count() == 2
    assert server.store.get_rating(shared, b.device_id)["device_id"] == b.device_id


def test_no_device_can_preempt_a_phone_rating(server, enrolled):
    kiosk, intruder = enrolled(window=3), enrolled(window=3)
    url = make_qr_url(server.url, kiosk.device_id, kiosk.qr_key, "A023", "C1", 600, window=3,
                      day=date(2026, 5, 4))
    guessable = str(uuidlib.uuid5(PHONE_NS, signature(url.rsplit("/", 1)[1])))
    for dev in (intruder, kiosk):  # both upload the uuid anyone seeing the QR could compute
        with session_with(dev.token) as s:
            s.post(server.url + BATCH_PATH, json={"ratings": [_rating(
                dev, uuid=guessable, ticket="B9", case_id="other")]})
    page = requests.post(url, data={"level": "4"}, timeout=5)
    assert page.status_code == 200 and "感谢您的评价" in page.text
    rows = requests.get(server.url + "/api/v1/ratings", params={"limit": 100}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["ratings"]
    [phone] = [r for r in rows if r["source"] == "phone"]
    assert phone["uuid"] != guessable and phone["level"] == 4
    again = requests.post(url, data={"level": "1", "reasons": ["attitude"]}, timeout=5)
    assert "已经评价过" in again.text  # one token still gives one rating


def test_second_phone_user_is_told_it_was_rated_by_phone(server, device):
    day = date(2026, 5, 4)
    first = make_qr_url(server.url, device.device_id, device.qr_key, "A023", "C1", 600,
                        window=3, day=day)
    second = make_qr_url(server.url, device.device_id, device.qr_key, "A023", "C1", 900,
                         window=3, day=day)  # same case, another code (a reprint)
    assert "感谢" in requests.post(first, data={"level": "5"}, timeout=5).text
    page = requests.post(second + "?lang=en", data={"level": "3"}, timeout=5).text
    assert "already rated by phone" in page and "at the window" not in page


def test_sqlite_migration_keeps_rows_columns_and_indexes(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    before = len(MIGRATIONS) - 1
    step = MIGRATIONS.index(next(m for m in MIGRATIONS if callable(m)))
    for script in MIGRATIONS[:step]:
        for statement in filter(str.strip, script.split(";")):
            conn.execute(statement)
    conn.execute("CREATE INDEX ratings_extra ON ratings (ticket)")  # another helper's index
    cols = [r[1] for r in conn.execute("PRAGMA table_info(ratings)")]
    values = {c: None for c in cols} | {
        "uuid": "u1", "level": 5, "reasons": "[]", "window": 3, "ticket": "A1",
        "device_id": "d1", "rated_at": "t", "boot_id": "", "mono_s": 0.0, "received_at": "t",
        "case_key": "k1", "source": "kiosk", "superseded": 0, "time_trusted": 0}
    values = {c: v for c, v in values.items() if v is not None}
    conn.execute(f"INSERT INTO ratings ({', '.join(values)}) VALUES "
                 f"({', '.join('?' * len(values))})", list(values.values()))
    conn.execute(f"PRAGMA user_version = {step}")
    conn.close()
    store = wiring.attach(SQLiteStore(path))
    try:
        assert store.schema_version == len(MIGRATIONS) > before
        assert store.get_rating("u1")["case_key"] == "k1"
        with store.transaction(write=False) as tx:
            names = {r[0] for r in tx.all("SELECT name FROM sqlite_master WHERE "
                                          "tbl_name = 'ratings' AND type = 'index'")}
            assert [r[1] for r in tx.all("PRAGMA table_info(ratings)")] == cols
        assert {"ratings_extra", "ratings_case", "ratings_device"} <= names
        store.ingest([RatingWire.model_validate({
            "uuid": "00000000-0000-4000-8000-000000000001", "level": 4, "window": 3,
            "ticket": "A2", "device_id": "d2", "rated_at": "2026-05-04T08:00:00Z"})])
        assert store.count() == 2
    finally:
        store.close()
