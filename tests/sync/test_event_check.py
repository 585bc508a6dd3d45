"""The kiosk's hand-written event check (sync/wire/event_check.py) holds to the contract
(sync/wire/events.py): the same kinds, causes, fields and path, and the same events accepted
and refused as EventWire, at each field's bounds and with hypothesis over mutated events."""
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sync.wire import event_check
from sync.wire.event_check import event_errors, kind_errors, to_event_wire
from sync.wire.events import CAUSES, EVENTS_PATH, KINDS, Cause, EventWire, Kind

UUID = "12345678-1234-5678-1234-567812345678"
VALID = {"uuid": UUID, "kind": "called", "device_id": "kiosk-1", "window": 3,
         "at": "2026-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5, "ticket": "A012"}


def test_the_kinds_causes_fields_and_path_are_the_contracts():
    assert event_check.KINDS == KINDS == typing.get_args(Kind)
    assert event_check.CAUSES == CAUSES == typing.get_args(Cause)
    assert event_check.EVENT_FIELDS == tuple(EventWire.model_fields)
    assert set(event_check.KIND_FIELDS) == set(KINDS)
    assert event_check.EVENTS_PATH == EVENTS_PATH
    required = tuple(k for k, f in EventWire.model_fields.items() if f.is_required())
    assert event_check.REQUIRED == required


def agree(event) -> bool:
    try:
        EventWire.model_validate(event)
        expected = True
    except ValidationError:
        expected = False
    assert (not event_errors(event)) == expected, (
        f"{event!r}: pydantic {'accepts' if expected else 'refuses'}, the hand check does not")
    return expected


def with_(**changes):
    return {**VALID, **changes}


TABLE = [
    (VALID, True), (with_(kind="app_start", ticket=None), True), (with_(kind="lunch"), False),
    (with_(kind=None), False), (with_(cause="pin"), True), (with_(cause="bored"), False),
    (with_(window=0), False), (with_(window=999), True), (with_(at="2026-05-01T08:00:00"), False),
    (with_(at=1700000000), True), (with_(ticket="a1"), False), (with_(reason="lunch"), True),
    (with_(reason="Lunch"), False), (with_(case_key="2026/3/A1/"), True),
    (with_(case_id=""), False), (with_(staff_id="a" * 65), False), (with_(level=5), False),
    ({k: v for k, v in VALID.items() if k != "at"}, False), (with_(mono_s=-1), False),
    (with_(boot_id="\x00"), False), (with_(uuid="nope"), False), ("called", False),
]


@pytest.mark.parametrize("event, accepted", TABLE, ids=[str(i) for i in range(len(TABLE))])
def test_hand_check_and_eventwire_agree_at_and_past_the_bounds(event, accepted):
    assert agree(event) == accepted


def test_each_kind_carries_its_fields_only_and_to_wire_drops_the_nulls():
    assert kind_errors("called", {"ticket": "A1"}) == []
    assert kind_errors("called", {"ticket": "A1", "staff_id": "S1"}) == [
        "staff_id: a called event does not carry it"]
    assert kind_errors("completed", {"ticket": "A1"}) == ["case_key: a completed event needs it"]
    assert kind_errors("staff_out", {"staff_id": "S1", "cause": "app_stop"}) == []
    row = {**VALID, "staff_id": None, "sync_state": "pending"}
    assert to_event_wire(row) == VALID


field_values = {
    "kind": st.sampled_from(KINDS) | st.text(max_size=10),
    "cause": st.none() | st.sampled_from(CAUSES) | st.text(max_size=10),
    "window": st.integers(-1, 1001), "ticket": st.from_regex(r"[A-Za-z0-9\- ]{0,18}",
                                                             fullmatch=True),
    "reason": st.none() | st.from_regex(r"[a-zA-Z_0-9 ]{0,34}", fullmatch=True),
    "mono_s": st.floats() | st.integers(-10, 2**40),
    "at": st.from_regex(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?",
                        fullmatch=True),
}
events = st.builds(lambda changes: {**VALID, **changes},
                   st.fixed_dictionaries({}, optional=field_values))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_hand_check_and_eventwire_agree_on_mutated_events(event):
    agree(event)
