"""Rows built a batch at a time hold exactly what one-by-one formatting and correction give."""
from __future__ import annotations

import json
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from server.api.ingest import answer
from server.db.clock_fix import DeviceClock, correct
from server.db.rating_rows import build, case_key_for, iso, utc_texts
from server.db.ratings import Accepted
from sync.wire import BatchOut, RatingWire

OFFSETS = st.one_of(
    st.none(),
    st.just(timedelta(0)),
    st.integers(-1439, 1439).map(lambda m: timedelta(minutes=m)),
    # under a minute: pydantic writes these as 'Z' or '+00:00', yet they are not UTC
    st.integers(-59_999_999, 59_999_999).map(lambda us: timedelta(microseconds=us)),
)


@st.composite
def times(draw) -> datetime:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31,
                                                                                23, 59, 59,
                                                                                999999)))
    offset = draw(OFFSETS)
    return moment if offset is None else moment.replace(tzinfo=timezone(offset))


def one_by_one(value: datetime) -> str | type:
    try:
        return iso(value)
    except (OverflowError, ValueError) as exc:
        return type(exc)


@settings(max_examples=400, deadline=None)
@given(st.lists(times(), min_size=1, max_size=20))
def test_batch_time_texts_are_what_iso_gives_each_time(values):
    got = [t if isinstance(t, str) else type(t) for t in utc_texts(values)]
    assert got == [one_by_one(v) for v in values]


def test_whole_seconds_and_fractions_keep_three_digits():
    utc = timezone.utc
    assert utc_texts([datetime(2026, 5, 1, 8, 0, 0, tzinfo=utc),
                      datetime(2026, 5, 1, 8, 0, 0, 123999, tzinfo=utc),
                      datetime(2026, 5, 1, 8, 0, 0, 999),
                      datetime(2026, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))]) == [
        "2026-05-01T08:00:00.000Z", "2026-05-01T08:00:00.123Z", "2026-05-01T08:00:00.000Z",
        "2026-04-30T16:30:00.000Z"]


def _rating(i: int, **over) -> RatingWire:
    fields = {"uuid": f"00000000-0000-4000-8000-{i:012d}", "level": 5, "window": 3,
              "ticket": f"A{i:03d}", "device_id": "dev-1", "rated_at": "2026-05-01T23:59:58.5Z",
              "boot_id": "b0", "mono_s": 100.0 + i, "case_key": None}
    return RatingWire.model_validate({**fields, **over})


def test_a_batch_is_corrected_as_each_rating_alone_would_be():
    now = datetime(2026, 5, 2, 0, 0, 0, 250000, tzinfo=timezone.utc)
    clock = DeviceClock(datetime(2026, 5, 2, 0, 0, 3, tzinfo=timezone.utc), "b0", 110.0)
    ratings = [_rating(1),  # same boot: now minus its age
               _rating(2, boot_id="older"),  # another boot: rated_at plus the clock's offset
               _rating(3, mono_s=500.0),  # "after" the upload: not the monotonic clock
               _rating(4, case_key="2026-05-01/3/A004/x", level=1, reasons=["slow"]),
               _rating(5, rated_at="2026-05-02T07:59:58+08:00", boot_id="")]
    rows, where, refused = build(ratings, clock, "kiosk", now)
    assert (where, refused) == ([0, 1, 2, 3, 4], [])
    for rating, row in zip(ratings, rows):
        aware, good = correct(rating.rated_at, rating.boot_id, rating.mono_s, clock, now)
        assert row[0] == str(rating.uuid)
        assert row[9] == iso(rating.rated_at)
        assert (row[13], row[14]) == (iso(aware), int(good))
        assert row[15] == case_key_for(rating, aware)
        assert row[12] == "2026-05-02T00:00:00.250Z"
    assert rows[0][13] == "2026-05-01T23:59:51.250Z"  # 9 s before now, by the monotonic clock
    assert rows[0][15] == "2026-05-02/3/A001/"  # the hall's date (UTC+8), not UTC's
    assert rows[3][2] == '["slow"]' and rows[3][15] == "2026-05-01/3/A004/x"


def test_a_time_off_the_calendar_refuses_that_rating_only():
    now = datetime(2026, 5, 2, tzinfo=timezone.utc)
    clock = DeviceClock(datetime(2026, 5, 1, tzinfo=timezone.utc), "b9", 5.0)  # a day slow
    ratings = [_rating(1, rated_at="9999-12-31T23:00:00Z", boot_id="x"), _rating(2)]
    rows, where, refused = build(ratings, clock, "kiosk", now)
    assert where == [1] and [r[0] for r in rows] == [str(ratings[1].uuid)]
    assert refused[0][:2] == (0, str(ratings[0].uuid))
    assert refused[0][2].startswith("rated_at out of range")


def test_the_answer_is_the_json_pydantic_would_write():
    results = [{"uuid": "a", "status": "accepted", "reason": None},
               {"uuid": None, "status": "rejected", "reason": "uuid: 不是 \"x\"\n"},
               {"uuid": "c", "status": "duplicate", "reason": None}]
    assert json.loads(answer(results)) == json.loads(
        BatchOut.model_validate({"results": results}).model_dump_json())


def test_an_answer_quoting_a_lone_surrogate_still_encodes():
    body = answer([{"uuid": None, "status": "rejected", "reason": "found `\ud800`"}])
    assert body.isascii() and json.loads(body)["results"][0]["reason"] == "found `\ud800`"


def test_a_batch_stored_whole_answers_as_its_results_would():
    uuids = [str(uuidlib.uuid4()) for _ in range(3)]
    whole = Accepted(uuids)
    assert list(whole) == [{"uuid": u, "status": "accepted", "reason": None} for u in uuids]
    assert (len(whole), whole[1], whole[1:]) == (3, list(whole)[1], list(whole)[1:])
    assert answer(whole) == answer(list(whole))
    assert json.loads(answer(whole)) == json.loads(
        BatchOut.model_validate({"results": list(whole)}).model_dump_json())
