"""The ingest API against a real uvicorn server over SQLite and (when reachable) PostgreSQL."""
import threading
import uuid

import pytest
import requests

from server import wiring
from server.db.store import MIGRATIONS, SQLiteStore
from sync.wire import BATCH_PATH, RatingWire
from tests.server.conftest import ADMIN_TOKEN, session_with

LIST_PATH = "/api/v1/ratings"


def stored(server, _session=None, **params):
    """What the server holds, read with the admin token."""
    resp = requests.get(server.url + LIST_PATH, params={"limit": 1000, **params},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert resp.status_code == 200
    return resp.json()


def test_valid_batch_is_stored_with_every_field(server, http, make_rating):
    bad = make_rating(level=1, reasons=["long_wait", "rude_staff"])
    good = make_rating(level=4, staff_id=None, case_id=None, item_code=None, ticket="A013")
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [bad, good]})
    assert resp.status_code == 200
    assert resp.json()["results"] == [
        {"uuid": bad["uuid"], "status": "accepted", "reason": None},
        {"uuid": good["uuid"], "status": "accepted", "reason": None},
    ]
    body = stored(server)
    assert body["total"] == 2
    by_uuid = {r["uuid"]: r for r in body["ratings"]}
    for sent in (bad, good):
        row = by_uuid[sent["uuid"]]
        assert row.pop("received_at").endswith("Z")
        extra = {k: row.pop(k) for k in ("corrected_at", "time_trusted", "case_key", "source",
                                          "superseded")}
        assert row == sent
        assert extra["source"] == "kiosk" and extra["superseded"] is False
        assert extra["case_key"] == f"2024-05-01/3/{sent['ticket']}/{sent['case_id'] or ''}"


def test_resent_batch_is_all_duplicate_and_stored_once(server, http, make_rating):
    batch = {"ratings": [make_rating() for _ in range(5)]}
    first = http.post(server.url + BATCH_PATH, json=batch).json()["results"]
    again = http.post(server.url + BATCH_PATH, json=batch).json()["results"]
    assert {r["status"] for r in first} == {"accepted"}
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert [r["uuid"] for r in again] == [r["uuid"] for r in batch["ratings"]]
    assert stored(server)["total"] == 5


def test_same_uuid_twice_in_one_batch_is_stored_once(server, http, make_rating):
    rating = make_rating()
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [rating, rating]})
    assert [r["status"] for r in resp.json()["results"]] == ["accepted", "duplicate"]
    assert stored(server)["total"] == 1


def test_uuid_in_any_case_is_stored_canonical_and_dedupes(server, http, make_rating):
    rating = make_rating()
    upper = dict(rating, uuid=rating["uuid"].upper())
    http.post(server.url + BATCH_PATH, json={"ratings": [upper]})
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [rating]})
    assert resp.json()["results"][0] == {"uuid": rating["uuid"], "status": "duplicate",
                                         "reason": None}
    assert [r["uuid"] for r in stored(server)["ratings"]] == [rating["uuid"]]


def test_offset_timestamp_is_stored_as_utc(server, http, make_rating):
    rating = make_rating(rated_at="2024-05-01T16:00:00.5+08:00")
    http.post(server.url + BATCH_PATH, json={"ratings": [rating]})
    assert stored(server)["ratings"][0]["rated_at"] == "2024-05-01T08:00:00.500Z"


@pytest.mark.parametrize("body", [b"{not json", b"", b'{"ratings": [', b"\xff\xfe",
                                  b'{"ratings": [{"mono_s": NaN}]}'])
def test_malformed_json_is_400_with_json_error(server, http, body):
    resp = http.post(server.url + BATCH_PATH, data=body,
                     headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["error"] == "malformed JSON"
    assert stored(server)["total"] == 0


BAD_FIELDS = {
    "level as string": {"level": "4"},
    "level out of range": {"level": 6},
    "level as bool": {"level": True},
    "window zero": {"window": 0},
    "window as float": {"window": 3.0},
    "lowercase ticket": {"ticket": "a012"},
    "empty ticket": {"ticket": ""},
    "unknown extra field": {"citizen_name": "张三"},
    "naive datetime": {"rated_at": "2024-05-01T08:00:00"},
    "not a datetime": {"rated_at": "yesterday"},
    "reasons on level 4": {"level": 4, "reasons": ["long_wait"]},
    "bad reason code": {"level": 1, "reasons": ["Long Wait"]},
    "bad uuid": {"uuid": "not-a-uuid"},
    "null device": {"device_id": None},
    "negative mono": {"mono_s": -1},
    "rating not an object": None,
}


@pytest.mark.parametrize("change", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_invalid_rating_is_rejected_alone_and_the_rest_of_the_batch_is_stored(
        server, http, make_rating, change):
    good = make_rating()
    bad = "oops" if change is None else make_rating(**change)
    after = make_rating(ticket="B001")
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [good, bad, after]})
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    expected_uuid = bad["uuid"] if isinstance(bad, dict) else None
    assert results[1]["uuid"] == expected_uuid
    assert results[1]["reason"]
    assert sorted(r["uuid"] for r in stored(server)["ratings"]) == sorted(
        [good["uuid"], after["uuid"]])


def test_missing_required_field_is_rejected_naming_the_field(server, http, make_rating):
    rating = make_rating()
    del rating["ticket"]
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [rating]})
    assert resp.status_code == 200
    [result] = resp.json()["results"]
    assert result["status"] == "rejected" and "ticket" in result["reason"]


@pytest.mark.parametrize("body", [{"ratings": []}, {}, [], {"ratings": "x"},
                                  {"ratings": [], "extra": 1}], ids=str)
def test_batch_shape_errors_are_422_without_an_index(server, http, body):
    resp = http.post(server.url + BATCH_PATH, json=body)
    assert resp.status_code == 422
    assert resp.json()["error"] == "invalid batch"
    assert all(r["index"] is None for r in resp.json()["rejected"])


def test_more_than_500_ratings_is_422_and_nothing_is_stored(server, http, make_rating):
    resp = http.post(server.url + BATCH_PATH,
                     json={"ratings": [make_rating() for _ in range(501)]})
    assert resp.status_code == 422
    assert resp.json()["error"] == "invalid batch"
    assert stored(server)["total"] == 0


def test_exactly_500_ratings_are_accepted(server, http, make_rating):
    resp = http.post(server.url + BATCH_PATH,
                     json={"ratings": [make_rating() for _ in range(500)]})
    assert resp.status_code == 200
    assert stored(server)["total"] == 500


def test_a_batch_stored_whole_is_answered_uuid_by_uuid_in_the_order_sent(server, http,
                                                                        make_rating):
    """The usual upload's short answer (every rating new) keeps the order of the batch, also
    on PostgreSQL, which inserts in uuid order."""
    batch = [make_rating() for _ in range(60)]
    resp = http.post(server.url + BATCH_PATH, json={"ratings": batch})
    assert resp.json()["results"] == [{"uuid": r["uuid"], "status": "accepted", "reason": None}
                                      for r in batch]
    resent = http.post(server.url + BATCH_PATH, json={"ratings": batch + [make_rating()]})
    assert [r["status"] for r in resent.json()["results"]] == ["duplicate"] * 60 + ["accepted"]


def test_oversized_body_is_413_json(server, device):
    """A declared body over the limit is answered before a byte of it is sent. (A client that
    pushes all 3 MiB before reading may instead see the closed connection reset under it.)"""
    import json
    import socket
    from urllib.parse import urlparse

    url = urlparse(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall((f"POST {BATCH_PATH} HTTP/1.1\r\nHost: {url.hostname}\r\n"
                      f"Authorization: Bearer {device.token}\r\n"
                      f"Content-Type: application/json\r\n"
                      f"Content-Length: {3 * 1024 * 1024}\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before an answer: {answer!r}"
            answer += chunk
        head, body = answer.split(b"\r\n\r\n", 1)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed in the middle of the answer"
            body += chunk
    assert head.split(b"\r\n")[0].startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"] == "body too large"


def test_oversized_chunked_body_is_413_json(server, http):
    chunks = (b" " * 65536 for _ in range(48))  # 3 MiB, no Content-Length
    resp = http.post(server.url + BATCH_PATH, data=chunks)
    assert resp.status_code == 413
    assert resp.json()["error"] == "body too large"


def test_list_filters_and_pages(server, enrolled, make_rating):
    k1, k2 = enrolled(window=1), enrolled(window=2)
    ratings = [make_rating(device_id=k1.device_id, window=1,
                           rated_at=f"2024-05-01T08:00:0{i}Z") for i in range(5)]
    others = [make_rating(device_id=k2.device_id, window=2) for _ in range(3)]
    for dev, batch in ((k1, ratings), (k2, others)):
        with session_with(dev.token) as session:
            resp = session.post(server.url + BATCH_PATH, json={"ratings": batch})
            assert {r["status"] for r in resp.json()["results"]} == {"accepted"}

    assert stored(server)["total"] == 8
    assert stored(server, device_id=k2.device_id)["total"] == 3
    assert stored(server, window=1)["total"] == 5
    assert stored(server, device_id=k1.device_id, window=2) == {"ratings": [], "total": 0}
    page = stored(server, device_id=k1.device_id, limit=2, offset=1)
    assert page["total"] == 5
    assert [r["uuid"] for r in page["ratings"]] == [r["uuid"] for r in ratings[1:3]]


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": 0}, {"offset": -1},
                                    {"window": "x"}, {"limit": 10**6}], ids=str)
def test_bad_list_query_is_422_json(server, admin, params):
    resp = admin.get(server.url + LIST_PATH, params=params)
    assert resp.status_code == 422
    assert resp.json()["error"] == "invalid request"


def test_health_and_unknown_paths_answer_json(server, http):
    assert http.get(server.url + "/healthz").json() == {"ok": True}
    resp = http.get(server.url + "/nowhere")
    assert resp.status_code == 404
    assert "error" in resp.json()
    resp = http.get(server.url + BATCH_PATH)
    assert resp.status_code == 405
    assert "error" in resp.json()


def test_store_migrates_once_and_keeps_data_across_reopen(tmp_path, make_rating):
    path = tmp_path / "s.db"
    store = wiring.attach(SQLiteStore(path))
    assert store.schema_version == len(MIGRATIONS)
    store.ingest([RatingWire.model_validate(make_rating())])
    store.close()
    store = SQLiteStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.count() == 1
    store.close()


def test_concurrent_ingest_of_overlapping_batches_stores_each_uuid_once(store, make_rating):
    ratings = [RatingWire.model_validate(make_rating()) for _ in range(50)]
    results, errors = [], []

    def send(part):
        try:
            results.extend(store.ingest(part))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(ratings[i:i + 30],)) for i in range(0, 50, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    accepted = [r.uuid for r in results if r.status == "accepted"]
    assert sorted(accepted) == sorted(str(r.uuid) for r in ratings)
    assert store.count() == 50


def test_list_on_empty_store(store):
    assert store.list_ratings(10, 0) == ([], 0)
    assert store.list_ratings(10, 0, device_id="x", window=uuid.uuid4().int % 999 + 1) == ([], 0)
