"""The kiosk's hand-written wire check (sync/wire/check.py) and the server's pydantic models
(sync/wire/models.py) accept and refuse the same ratings and acknowledgements: a table of
each field at and past its bounds, then hypothesis over mutated ratings."""
import math
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sync.wire.check import RATING_FIELDS, CheckError, rating_errors, read_batch_out, to_wire
from sync.wire.models import BatchOut, RatingWire

UUID = "12345678-1234-5678-1234-567812345678"
VALID = {"uuid": UUID, "level": 4, "window": 3, "ticket": "A012", "device_id": "kiosk-1",
         "rated_at": "2024-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5}


def pydantic_accepts(rating) -> bool:
    try:
        RatingWire.model_validate(rating)
    except ValidationError:
        return False
    return True


def check_accepts(rating) -> bool:
    return not rating_errors(rating)


def agree(rating) -> bool:
    expected = pydantic_accepts(rating)
    assert check_accepts(rating) == expected, (
        f"{rating!r}: pydantic {'accepts' if expected else 'refuses'}, the hand check does not")
    return expected


def with_(**changes):
    return {**VALID, **changes}


def without(key):
    return {k: v for k, v in VALID.items() if k != key}


# (rating, accepted): every field at its bounds and one step past them.
TABLE = [
    (VALID, True), (without("boot_id") | {"reasons": []}, True),
    (with_(uuid=UUID.upper()), True), (with_(uuid=UUID.replace("-", "")), True),
    (with_(uuid="{" + UUID + "}"), True), (with_(uuid="urn:uuid:" + UUID), True),
    (with_(uuid=UUID[:-1]), False), (with_(uuid=UUID + "\n"), False), (with_(uuid=5), False),
    (with_(uuid="12345678-1234-5678-1234567812345678"), False), (without("uuid"), False),
    (with_(level=0), True), (with_(level=5), True), (with_(level=-1), False),
    (with_(level=6), False), (with_(level=True), False), (with_(level=4.0), False),
    (with_(level="4"), False), (with_(level=None), False),
    (with_(level=1, reasons=["long_wait"]), True), (with_(level=2, reasons=["a" * 32]), True),
    (with_(level=3, reasons=["long_wait"]), False), (with_(level=0, reasons=["x"]), False),
    (with_(level=2, reasons=["a" * 33]), False), (with_(level=2, reasons=["Long"]), False),
    (with_(level=2, reasons=["x"] * 12), True), (with_(level=2, reasons=["x"] * 13), False),
    (with_(level=2, reasons=("x",)), False), (with_(level=2, reasons=[""]), False),
    (with_(level=2, reasons=["x\n"]), False), (with_(level=True, reasons=["x"]), False),
    (with_(window=1), True), (with_(window=999), True), (with_(window=0), False),
    (with_(window=1000), False), (with_(ticket="A" * 16), True), (with_(ticket="A" * 17), False),
    (with_(ticket="a012"), False), (with_(ticket=""), False), (with_(ticket="A-1\n"), False),
    (with_(staff_id=None), True), (with_(staff_id="a" * 64), True),
    (with_(staff_id="a" * 65), False), (with_(staff_id="张"), False),
    (with_(case_id="C.1_x-2"), True), (with_(case_id=""), False), (with_(item_code=7), False),
    (with_(device_id="a" * 64), True), (with_(device_id=None), False),
    (without("device_id"), False), (with_(case_key="5/A012/C1"), True),
    (with_(case_key="k" * 160), True), (with_(case_key="k" * 161), False),
    (with_(case_key="a b"), False), (with_(boot_id=""), True), (with_(boot_id="~" * 64), True),
    (with_(boot_id="x" * 65), False), (with_(boot_id="\x00"), False),
    (with_(boot_id=None), False), (with_(rated_at="2024-05-01T08:00:00+08:00"), True),
    (with_(rated_at="2024-05-01 08:00Z"), True), (with_(rated_at="2024-05-01T08:00:00"), False),
    (with_(rated_at="2024-05-01"), False), (with_(rated_at="2024-02-30T08:00:00Z"), False),
    (with_(rated_at="2024-05-01T24:00:00Z"), False), (with_(rated_at="2024-05-01T08:00:00+24:00"),
                                                     False),
    (with_(rated_at="0000-01-01T00:00:00Z"), False), (with_(rated_at="9999-12-31T23:59:59Z"), True),
    (with_(rated_at=1700000000), True), (with_(rated_at="1700000000.5"), True),
    (with_(rated_at=True), False), (with_(rated_at=None), False), (with_(rated_at=math.nan), False),
    (with_(rated_at=253402300800000), False), (with_(mono_s=0), True), (with_(mono_s=3.2e9), True),
    (with_(mono_s=3.2e9 + 1), False), (with_(mono_s=-1e-9), False), (with_(mono_s=math.inf), False),
    (with_(mono_s="1e309"), False), (with_(mono_s=" 1.5"), True), (with_(mono_s=True), True),
    (with_(mono_s=None), False), (with_(mono_s="abc"), False), (with_(mono_s="1_000"), True),
    (with_(mono_s="1__0"), False), (with_(rated_at="1.e3"), True), (with_(rated_at="1e3"), False),
    (with_(unknown=1), False),
    ([VALID], False), (None, False),
]


@pytest.mark.parametrize("rating, accepted", TABLE, ids=[str(i) for i in range(len(TABLE))])
def test_hand_check_and_ratingwire_agree_on_each_field_at_and_past_its_bounds(rating, accepted):
    assert agree(rating) == accepted


def test_the_hand_check_names_the_field_and_what_is_wrong():
    # As the uploader joins them into the rating's rejected reason.
    message = "; ".join(rating_errors(with_(level=7, ticket="a-lowercase", extra=1)))
    assert "level: should be from 0 to 5" in message
    assert "ticket: should match" in message and "extra: not allowed" in message


def test_to_wire_keeps_exactly_ratingwires_fields():
    assert RATING_FIELDS == tuple(RatingWire.model_fields)
    row = {**VALID, "id": 1, "sync_state": "pending", "sync_error": None}
    assert to_wire(row) == VALID


json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20))
field_values = {
    "uuid": st.uuids().map(str) | st.uuids().map(lambda u: u.hex) | st.text("0123456789abcdef-{}",
                                                                          max_size=40),
    "level": st.integers(-2, 7), "window": st.integers(-1, 1001),
    "reasons": st.lists(st.from_regex(r"[a-z_]{0,34}", fullmatch=True) | st.text(max_size=3),
                        max_size=14),
    "ticket": st.from_regex(r"[A-Za-z0-9\- \n]{0,18}", fullmatch=True),
    "staff_id": st.none() | st.from_regex(r"[A-Za-z0-9._\-/ ]{0,66}", fullmatch=True),
    "device_id": st.from_regex(r"[A-Za-z0-9._\-/é]{0,66}", fullmatch=True),
    "case_key": st.none() | st.from_regex(r"[A-Za-z0-9._/\- ]{0,162}", fullmatch=True),
    "boot_id": st.text(st.characters(min_codepoint=0, max_codepoint=130), max_size=66),
    "rated_at": st.datetimes(timezones=st.none() | st.timezones()).map(
        lambda d: d.isoformat(sep=" " if d.microsecond % 2 else "T"))
    | st.from_regex(r"\d{4}-\d\d-\d\d[T t_]\d\d:\d\d(:\d\d([.,]\d{1,9})?)?(Z|z|[+-]\d\d:?\d\d)?",
                    fullmatch=True)
    | st.from_regex(r"[+-]?\d{0,16}(\.\d{0,4})?([eE][+-]?\d{0,2})?", fullmatch=True)
    | st.integers(-2**64, 2**64) | st.floats(),
    "mono_s": st.floats() | st.integers(-10, 2**40)
    | st.from_regex(r" ?[+-]?\d{0,12}(\.\d{0,3})?([eE][+-]?\d{1,3})? ?", fullmatch=True)
    | st.from_regex(r"[+_-]?[\d_]{0,6}(\.[\d_]{0,3})?([eE][+_-]?[\d_]{1,3})?", fullmatch=True)
    | st.sampled_from(["inf", "-Infinity", "nan", "NaN", "1e309", "", " "]),
}
field_values["case_id"] = field_values["item_code"] = field_values["staff_id"]
ratings = st.builds(
    lambda drop, changes, junk: {**{k: v for k, v in VALID.items() if k not in drop},
                                 **changes, **junk},
    st.sets(st.sampled_from(list(VALID)), max_size=2),
    st.fixed_dictionaries({}, optional={k: v | json_scalars for k, v in field_values.items()}),
    st.dictionaries(st.sampled_from(["extra", "id", "Level"]), json_scalars, max_size=1))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratings)
def test_hand_check_and_ratingwire_agree_on_mutated_ratings(rating):
    agree(rating)


results = st.lists(st.fixed_dictionaries(
    {}, optional={"uuid": st.none() | st.text(max_size=5) | st.integers(),
                  "status": st.sampled_from(["accepted", "duplicate", "rejected", "ok", None]),
                  "reason": st.none() | st.text(max_size=5) | st.integers(), "x": st.booleans()}),
    max_size=3)


@settings(max_examples=500, deadline=None)
@given(st.none() | st.fixed_dictionaries({}, optional={"results": results | json_scalars,
                                                       "extra": json_scalars}))
def test_the_acknowledgement_reader_and_batchout_agree(answer):
    try:
        model = BatchOut.model_validate(answer)
    except ValidationError:
        with pytest.raises(CheckError):
            read_batch_out(answer)
        return
    assert read_batch_out(answer) == [(r.uuid, r.status, r.reason) for r in model.results]


def test_a_fresh_kiosk_rating_passes_both():
    rating = with_(uuid=str(uuid.uuid4()), level=1, reasons=["long_wait"], case_key="5/A012")
    assert agree(rating)


def test_the_heartbeat_body_is_a_heartbeatin_with_every_field(tmp_path):
    from sync.heartbeat import build_payload
    from sync.wire.models import HeartbeatIn

    payload = build_payload(tmp_path, link_state="up", backlog=3,
                            last_rating_at="2024-05-01T08:00:00.000Z", clock_offset_s=-0.5)
    assert set(payload) == set(HeartbeatIn.model_fields)
    beat = HeartbeatIn.model_validate(payload)
    assert (beat.backlog, beat.link_state, beat.clock_offset_s) == (3, "up", -0.5)
