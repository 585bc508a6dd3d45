"""A kiosk's wrong wall clock (no RTC on a Pi) is corrected from the upload's device clocks."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from server.db.clock_fix import TRUSTED_OFFSET_S, DeviceClock, correct
from sync.wire import BATCH_PATH
from tests.server.conftest import ADMIN_TOKEN

YEAR = timedelta(days=365)


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def upload(server, http, rating, **envelope):
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [rating], **envelope})
    assert resp.json()["results"][0]["status"] == "accepted", resp.text
    listed = requests.get(server.url + "/api/v1/ratings", timeout=5,
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    return next(r for r in listed["ratings"] if r["uuid"] == rating["uuid"])


@pytest.mark.parametrize("skew", [YEAR, -YEAR], ids=["device a year ahead", "a year behind"])
def test_same_boot_skew_of_a_year_is_corrected_from_the_monotonic_clock(
        server, http, make_rating, skew):
    true_now = datetime.now(timezone.utc)
    rating = make_rating(rated_at=iso(true_now - timedelta(seconds=30) + skew),
                         boot_id="boot-1", mono_s=1000.0)
    row = upload(server, http, rating, device_now=iso(true_now + skew), boot_id="boot-1",
                 mono_s=1030.0)
    assert row["rated_at"] == rating["rated_at"]  # what the device said is kept as said
    error = parse(row["corrected_at"]) - (true_now - timedelta(seconds=30))
    assert abs(error.total_seconds()) < 10  # the upload's own time, on a busy machine too
    assert row["time_trusted"] is True


@pytest.mark.parametrize("skew", [YEAR, -YEAR], ids=["device a year ahead", "a year behind"])
def test_rating_from_an_earlier_boot_is_corrected_by_the_offset_but_flagged_untrusted(
        server, http, make_rating, skew):
    true_now = datetime.now(timezone.utc)
    rating = make_rating(rated_at=iso(true_now - timedelta(hours=5) + skew),
                         boot_id="old-boot", mono_s=50.0)
    row = upload(server, http, rating, device_now=iso(true_now + skew), boot_id="new-boot",
                 mono_s=20.0)
    error = parse(row["corrected_at"]) - (true_now - timedelta(hours=5))
    assert abs(error.total_seconds()) < 10  # the upload's own time, on a busy machine too
    assert row["time_trusted"] is False


def test_earlier_boot_with_a_right_clock_now_is_trusted(server, http, make_rating):
    true_now = datetime.now(timezone.utc)
    rating = make_rating(rated_at=iso(true_now - timedelta(hours=1)), boot_id="old", mono_s=5.0)
    row = upload(server, http, rating, device_now=iso(true_now + timedelta(seconds=3)),
                 boot_id="new", mono_s=9.0)
    assert row["time_trusted"] is True
    assert abs((parse(row["corrected_at"]) - parse(rating["rated_at"])).total_seconds()) < 5


def test_upload_without_device_clocks_keeps_rated_at_untrusted(server, http, make_rating):
    rating = make_rating()
    row = upload(server, http, rating)
    assert row["corrected_at"] == rating["rated_at"] and row["time_trusted"] is False


def test_bad_envelope_clock_is_a_422(server, http, make_rating):
    resp = http.post(server.url + BATCH_PATH, json={
        "ratings": [make_rating()], "device_now": "2024-05-01T08:00:00"})
    assert resp.status_code == 422 and "device_now" in resp.json()["rejected"][0]["reason"]


def test_correction_rules_at_their_edges():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rated = datetime(2027, 1, 1, tzinfo=timezone.utc)
    # same boot, but the upload's mono is smaller (impossible): fall back to the offset
    clock = DeviceClock(now + YEAR, "b", 10.0)
    assert correct(rated, "b", 20.0, clock, now) == (rated - YEAR, False)
    edge = DeviceClock(now - timedelta(seconds=TRUSTED_OFFSET_S), "x", 1.0)
    assert correct(now, "y", 1.0, edge, now)[1] is True
