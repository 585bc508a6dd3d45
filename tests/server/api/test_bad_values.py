"""One bad value never holds back a batch (issue 13 item 3): dates off the calendar after
correction, absurd device clocks, infinite or huge monotonic times, NUL in the free-text
field, NUL in admin paths and filters, offsets past 64 bits. Each is a per-item rejection or
a 4xx with a reason; the good ratings around it are stored."""
from datetime import datetime, timezone

import pytest
import requests

from sync.wire import BATCH_PATH
from tests.server.conftest import ADMIN_TOKEN

LIST = "/api/v1/ratings"

BAD_ITEMS = {
    # another boot: corrected by the wall-clock offset, which pushes it off the calendar
    "rated_at in year 9999": {"rated_at": "9999-12-31T23:59:59Z", "boot_id": "old"},
    "rated_at in year 1 at +08:00": {"rated_at": "0001-01-01T00:00:00+08:00"},
    "mono_s 1e300 same boot": {"mono_s": 1e300, "boot_id": "b0"},
    "NUL in boot_id": {"boot_id": "b\u00000"},
    "lone surrogate in boot_id": {"boot_id": "\ud800"},
}


def _send(http, server, body: str):
    return http.post(server.url + BATCH_PATH, data=body.encode("utf-8", "surrogatepass"),
                     headers={"Content-Type": "application/json"}, timeout=10)


def _batch(items, **envelope):
    import json
    return json.dumps({"ratings": items, **envelope})


def stored_uuids(server):
    resp = requests.get(server.url + LIST, params={"limit": 1000}, timeout=10,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    return sorted(r["uuid"] for r in resp.json()["ratings"])


@pytest.mark.parametrize("change", BAD_ITEMS.values(), ids=BAD_ITEMS.keys())
def test_bad_value_is_rejected_alone(server, http, make_rating, change):
    good, bad, after = make_rating(), make_rating(**change), make_rating(ticket="B001")
    resp = _send(http, server, _batch([good, bad, after], device_now="2024-05-01T08:00:10Z",
                                      boot_id="b0", mono_s=20.0))
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["uuid"] == bad["uuid"] and results[1]["reason"]
    assert stored_uuids(server) == sorted([good["uuid"], after["uuid"]])


def test_infinite_mono_s_is_rejected_not_stored_as_infinity(server, http, make_rating):
    good, bad = make_rating(), make_rating()
    body = _batch([good, dict(bad, mono_s=0)]).replace(
        '"mono_s": 0}', '"mono_s": 1e309}')  # JSON with a number that parses as infinity
    resp = _send(http, server, body)
    assert resp.status_code == 200
    assert [r["status"] for r in resp.json()["results"]] == ["accepted", "rejected"]
    assert "finite" in resp.json()["results"][1]["reason"]
    assert stored_uuids(server) == [good["uuid"]]


def test_year_9999_from_this_boot_is_corrected_by_the_monotonic_clock(server, http,
                                                                    make_rating):
    rating = make_rating(rated_at="9999-12-31T23:59:59Z", boot_id="b0", mono_s=12.5)
    resp = _send(http, server, _batch([rating], device_now="9999-12-31T23:59:59Z",
                                      boot_id="b0", mono_s=20.0))
    assert resp.json()["results"][0]["status"] == "accepted"
    [row] = requests.get(server.url + LIST, timeout=10,
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["ratings"]
    assert row["time_trusted"] is True and row["corrected_at"] < "2100"


@pytest.mark.parametrize("device_now", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_absurd_device_clock_keeps_every_rating_untrusted(server, http, make_rating,
                                                          device_now):
    ratings = [make_rating(), make_rating(ticket="B002")]
    resp = _send(http, server, _batch(ratings, device_now=device_now))
    assert resp.status_code == 200
    assert [r["status"] for r in resp.json()["results"]] == ["accepted", "accepted"]
    rows = requests.get(server.url + LIST, timeout=10,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["ratings"]
    assert {r["time_trusted"] for r in rows} == {False}
    if device_now.startswith("9999"):  # the offset overflows: kept as the kiosk said
        assert {r["corrected_at"] for r in rows} == {"2024-05-01T08:00:00.123Z"}


def test_huge_envelope_mono_s_is_a_422_with_a_reason(server, http, make_rating):
    resp = _send(http, server, _batch([make_rating()], boot_id="b0", mono_s=1e300))
    assert resp.status_code == 422 and "mono_s" in resp.json()["rejected"][0]["reason"]


@pytest.mark.parametrize("path,params", [
    (LIST, {"device_id": "a\x00"}),
    (LIST, {"offset": str(2**63)}),
    (LIST, {"device_id": "a b"}),
    ("/api/v1/admin/devices/%00/revoke", None),
], ids=["NUL filter", "offset 2**63", "space in filter", "NUL device path"])
def test_admin_filters_and_paths_with_nul_or_huge_numbers_are_4xx(server, admin, path, params):
    method = admin.post if path.endswith("revoke") else admin.get
    resp = method(server.url + path, params=params, timeout=10)
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.json()["error"]


def test_bad_values_do_not_block_the_next_good_batch(server, http, make_rating):
    _send(http, server, _batch([make_rating(rated_at="9999-12-31T23:59:59Z")]))
    resp = _send(http, server, _batch([make_rating()]))
    assert resp.json()["results"][0]["status"] == "accepted"


CALENDAR_END = {
    # the offset to the server clock is too big to add: the kiosk's 9999 is all there is
    "9999 with the kiosk's case key": {"rated_at": "9999-12-31T20:00:00Z", "boot_id": "old",
                                       "case_key": "2024-05-01/3/A012/C-1"},
    "9999 差评 with the kiosk's case key": {"rated_at": "9999-12-31T20:00:00Z",
                                           "boot_id": "old", "level": 1,
                                           "reasons": ["attitude"],
                                           "case_key": "2024-05-01/3/A013/C-2"},
    "9999 差评 in the day": {"rated_at": "9999-12-31T10:00:00Z", "boot_id": "old", "level": 2,
                            "reasons": ["efficiency"]},
    "9999 in the morning": {"rated_at": "9999-01-01T00:00:00Z", "boot_id": "old"},
}


@pytest.mark.parametrize("change", CALENDAR_END.values(), ids=CALENDAR_END.keys())
@pytest.mark.parametrize("clock", ["behind", "right"])
def test_year_9999_with_the_kiosk_clock_envelope_is_rejected_alone(server, http, make_rating,
                                                                   change, clock):
    """Issue 23 item 4: a rating in the calendar's last year, sent with the kiosk's clocks,
    was stored and then broke the roll-ups (500, the whole batch lost)."""
    device_now = ("2024-05-01T08:00:10Z" if clock == "behind"  # the offset overflows
                  else datetime.now(timezone.utc).isoformat())  # no offset to correct by
    good, bad = make_rating(), make_rating(**change)
    after = make_rating(ticket="B001", level=1, reasons=["attitude"])
    resp = _send(http, server, _batch([good, bad, after], device_now=device_now,
                                      boot_id="b0", mono_s=20.0))
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["uuid"] == bad["uuid"]
    assert "kiosk's clock is wrong" in results[1]["reason"]
    assert stored_uuids(server) == sorted([good["uuid"], after["uuid"]])
