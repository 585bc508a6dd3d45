"""Issue 12 item 4 on the phone path: a case without a case id is keyed on the kiosk's call
number, and the QR code carries it, so the phone and the counter agree on which case is which
even when the same three digits come back later the same day."""
from datetime import date

import requests

from sync.wire import BATCH_PATH
from sync.wire.cases import case_key
from sync.wire.qr_token import make_qr_url, read_qr_token
from tests.server.conftest import ADMIN_TOKEN

DAY = date(2026, 5, 4)


def ratings(server):
    return requests.get(server.url + "/api/v1/ratings", params={"limit": 1000}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["ratings"]


def qr(server, device, call):
    return make_qr_url(server.url, device.device_id, device.qr_key, "123", None, 600, window=3,
                       day=DAY, call=call)


def test_the_token_carries_the_call_only_without_a_case_id(server, device):
    assert read_qr_token(qr(server, device, 7).rsplit("/", 1)[1])["k"] == 7
    with_id = make_qr_url(server.url, device.device_id, device.qr_key, "123", "C1", 600,
                          window=3, day=DAY, call=7)
    assert "k" not in read_qr_token(with_id.rsplit("/", 1)[1])


def test_phone_and_kiosk_agree_on_the_call_not_the_digits(server, http, device, make_rating):
    first = case_key(DAY.isoformat(), 3, "123", None, 1)
    kiosk = make_rating(level=4, ticket="123", case_id=None, case_key=first)
    assert http.post(server.url + BATCH_PATH, json={"ratings": [kiosk]}).json()[
        "results"][0]["status"] == "accepted"
    # The phone code of that same call is second: kept, superseded.
    assert requests.post(qr(server, device, 1), data={"level": "1"}, timeout=5).status_code == 200
    # B123, call 3 later the same day: a case of its own, counted.
    assert requests.post(qr(server, device, 3), data={"level": "5"}, timeout=5).status_code == 200
    rows = sorted(ratings(server), key=lambda r: (r["case_key"], r["source"]))
    assert [(r["case_key"], r["source"], r["superseded"]) for r in rows] == [
        ("2026-05-04/3/123//1", "kiosk", False), ("2026-05-04/3/123//1", "phone", True),
        ("2026-05-04/3/123//3", "phone", False)]
