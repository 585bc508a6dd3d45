"""POST EVENTS_PATH against a real uvicorn server over SQLite and (when reachable) PostgreSQL:
per-item results, duplicates, another device's or window's events refused, per-kind fields,
bad envelopes, 413, corrected times, and the row stored with the enrolled device's hall."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.db.events import list_events
from sync.wire.events import EVENTS_PATH


@pytest.fixture
def make_event(device):
    """A valid wire event of `device` (window 3) as JSON; keyword arguments override."""
    def make(kind="called", **fields):
        event = {"uuid": str(uuid.uuid4()), "kind": kind, "device_id": device.device_id,
                 "window": 3, "at": "2026-05-04T01:30:00.000Z", "boot_id": "b0",
                 "mono_s": 100.0}
        if kind == "called":
            event["ticket"] = "A012"
        event.update(fields)
        return event
    return make


def post(server, http, events, **envelope):
    return http.post(server.url + EVENTS_PATH, json={"events": events, **envelope})


def test_events_are_stored_once_with_the_devices_hall_and_a_corrected_time(
        server, http, device, make_event):
    sent = [make_event("staff_in", staff_id="S-017", cause="pin", mono_s=100.0),
            make_event("called", ticket="A012", mono_s=160.0),
            make_event("completed", ticket="A012", case_key="2026-05-04/3/A012/C1",
                       case_id="C1", mono_s=400.0),
            make_event("paused", reason="lunch", mono_s=500.0),
            make_event("resumed", mono_s=600.0)]
    # The device's clock is two hours slow; same boot, so the monotonic ages decide.
    resp = post(server, http, sent, device_now="2026-05-04T01:40:00.000Z", boot_id="b0",
                mono_s=700.0)
    assert resp.status_code == 200
    assert [r["status"] for r in resp.json()["results"]] == ["accepted"] * 5
    again = post(server, http, sent[:2], device_now="2026-05-04T01:40:00.000Z")
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 2
    rows = {r["uuid"]: r for r in list_events(server.store, device.device_id)}
    assert len(rows) == 5
    now = datetime.now(timezone.utc)
    for event in sent:
        row = rows[event["uuid"]]
        assert (row["hall"], row["window"], row["kind"]) == ("hall01", 3, event["kind"])
        assert row["at"] == event["at"] and row["time_trusted"] == 1
        corrected = datetime.fromisoformat(row["corrected_at"].replace("Z", "+00:00"))
        age = 700.0 - event["mono_s"]
        assert abs((now - corrected).total_seconds() - age) < 30
    completed = rows[sent[2]["uuid"]]
    assert (completed["ticket"], completed["case_key"], completed["case_id"]) == (
        "A012", "2026-05-04/3/A012/C1", "C1")
    assert rows[sent[3]["uuid"]]["reason"] == "lunch"
    assert rows[sent[0]["uuid"]]["staff_id"] == "S-017"


def test_another_boot_is_corrected_by_the_clock_offset_and_flagged_untrusted(
        server, http, device, make_event):
    event = make_event(boot_id="old-boot", at="2020-01-01T00:00:00.000Z")
    device_now = datetime.now(timezone.utc) - timedelta(days=1)
    resp = post(server, http, [event], device_now=device_now.isoformat(), boot_id="new",
                mono_s=5.0)
    assert resp.json()["results"][0]["status"] == "accepted"
    [row] = list_events(server.store, device.device_id)
    assert row["corrected_at"].startswith("2020-01-02") and row["time_trusted"] == 0


def test_bad_events_are_rejected_alone_and_the_rest_stored(server, http, device, enrolled,
                                                           make_event):
    other = enrolled("hall01", 4)
    items = [make_event(),                                      # fine
             make_event(window=4),                              # not this device's window
             make_event(device_id=other.device_id),             # another device's
             make_event("called", staff_id="S-1"),              # a field called does not carry
             make_event("completed", ticket="A1"),              # completed needs its case key
             make_event(level=5),                               # no event carries a level
             make_event(kind="coffee"),                         # unknown kind
             make_event(at="2026-05-04T01:30:00"),              # no time zone
             {"uuid": "not-a-uuid"},
             "a string"]
    resp = post(server, http, items)
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * 9
    assert "window 4 is not this device's window (3)" in results[1]["reason"]
    assert "is not this device" in results[2]["reason"]
    assert "staff_id: a called event does not carry it" in results[3]["reason"]
    assert "case_key: a completed event needs it" in results[4]["reason"]
    assert "level" in results[5]["reason"] and "kind" in results[6]["reason"]
    assert results[1]["uuid"] == items[1]["uuid"] and results[9]["uuid"] is None
    assert [r["uuid"] for r in list_events(server.store)] == [items[0]["uuid"]]


def test_the_same_uuid_from_two_devices_is_two_events(server, http, device, enrolled,
                                                      make_event):
    from tests.server.conftest import session_with

    other = enrolled("hall02", 3)
    event = make_event()
    assert post(server, http, [event]).json()["results"][0]["status"] == "accepted"
    with session_with(other.token) as second:
        theirs = {**event, "device_id": other.device_id}
        assert post(server, second, [theirs]).json()["results"][0]["status"] == "accepted"
    halls = sorted(r["hall"] for r in list_events(server.store))
    assert halls == ["hall01", "hall02"]


@pytest.mark.parametrize("body", [{"events": []}, {"events": "x"}, {}, [1],
                                  {"events": [{}], "extra": 1},
                                  {"events": [{}], "device_now": "yesterday"},
                                  {"events": [{}], "device_now": "2026-05-04T01:30:00"}])
def test_a_bad_envelope_is_422_and_stores_nothing(server, http, body):
    resp = http.post(server.url + EVENTS_PATH, json=body)
    assert resp.status_code == 422 and resp.json()["error"] == "invalid batch"
    assert list_events(server.store) == []


def test_a_device_clock_without_a_time_zone_is_422_not_a_crash(server, http, make_event):
    resp = post(server, http, [make_event()], device_now="2026-05-04T01:30:00", boot_id="x",
                mono_s=1.0)
    assert resp.status_code == 422 and "device_now" in resp.text
    assert list_events(server.store) == []


def test_more_than_500_events_is_422_and_bad_json_400(server, http, make_event):
    resp = post(server, http, [make_event() for _ in range(501)])
    assert resp.status_code == 422 and resp.json()["max_batch"] == 500
    bad = http.post(server.url + EVENTS_PATH, data=b'{"events": [',
                    headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"] == "malformed JSON"
    assert list_events(server.store) == []


def test_500_events_are_accepted_in_order(server, http, make_event):
    events = [make_event(ticket=f"A{i:03d}") for i in range(500)]
    resp = post(server, http, events)
    assert resp.status_code == 200
    assert [r["uuid"] for r in resp.json()["results"]] == [e["uuid"] for e in events]
    assert len(list_events(server.store)) == 500


def test_oversized_body_is_413_and_no_token_401(server, http):
    chunks = (b" " * 65536 for _ in range(48))  # 3 MiB, no Content-Length
    resp = http.post(server.url + EVENTS_PATH, data=chunks)
    assert resp.status_code == 413 and resp.json()["error"] == "body too large"
    import requests

    anonymous = requests.post(server.url + EVENTS_PATH, json={"events": [{}]}, timeout=10)
    assert anonymous.status_code == 401


def test_a_batch_mixing_boots_and_an_off_calendar_time_refuses_only_that_event(
        server, http, device, make_event):
    """The usual upload's one-pass rows and the slower path (another boot, a time that leaves
    the calendar once corrected) give the same per-event answer and rows."""
    device_now = datetime.now(timezone.utc) - timedelta(days=1)
    sent = [make_event(mono_s=650.0),                                     # this boot
            make_event(boot_id="old", at="2020-01-01T00:00:00.000Z"),     # another boot
            make_event(boot_id="old", at="9998-12-31T12:00:00.000Z"),     # +1 day: year 9999
            make_event(mono_s=690.0, ticket="A013")]                      # this boot
    resp = post(server, http, sent, device_now=device_now.isoformat(), boot_id="b0",
                mono_s=700.0)
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "accepted"]
    assert [r["uuid"] for r in results] == [e["uuid"] for e in sent]
    assert "at out of range" in results[2]["reason"] and "last year" in results[2]["reason"]
    rows = {r["uuid"]: r for r in list_events(server.store, device.device_id)}
    assert set(rows) == {sent[0]["uuid"], sent[1]["uuid"], sent[3]["uuid"]}
    assert [rows[sent[i]["uuid"]]["time_trusted"] for i in (0, 1, 3)] == [1, 0, 1]
    assert rows[sent[1]["uuid"]]["corrected_at"].startswith("2020-01-02")
    assert rows[sent[3]["uuid"]]["ticket"] == "A013"
    assert rows[sent[3]["uuid"]]["mono_s"] == 690.0


def test_an_unknown_token_is_401_and_nothing_stored(server, http, device, make_event):
    resp = http.post(server.url + EVENTS_PATH, json={"events": [make_event()]},
                     headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    assert list_events(server.store, device.device_id) == []
