"""EventWire's rules by hand, for the kiosk (which does not load pydantic), and which fields each
kind of service event carries (the kiosk and the server both hold events to it).

sync/wire/events.py stays the contract; tests/sync/test_event_check.py holds this module to
it (the kinds, causes and fields, and the same events accepted and refused as EventWire).
"""
from __future__ import annotations

from sync.wire.check import (
    BOOT_ID,
    CASE_KEY,
    IDENT,
    REASON,
    TICKET,
    _int_range,
    _mono_s,
    _pattern,
    _rated_at,
    _uuid,
)

KINDS = ("staff_in", "staff_out", "called", "completed", "paused", "resumed",
         "link_up", "link_down", "app_start", "app_stop")
CAUSES = ("pin", "keypad", "queue", "key", "pause", "day_end", "replaced", "app_stop")
# EventWire's fields in its order (a test compares it with EventWire.model_fields).
EVENT_FIELDS = ("uuid", "kind", "device_id", "window", "at", "boot_id", "mono_s", "staff_id",
                "ticket", "case_key", "case_id", "reason", "cause")
REQUIRED = ("uuid", "kind", "device_id", "window", "at")
# The optional fields each kind may carry, and which of them it must carry (events.py's table):
# any other optional field must be absent or null. Nothing about a citizen, never a level.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "staff_in": ("staff_id", "cause"), "staff_out": ("staff_id", "cause"),
    "called": ("ticket",), "completed": ("ticket", "case_key", "case_id"),
    "paused": ("reason",), "resumed": (), "link_up": (), "link_down": (),
    "app_start": (), "app_stop": (),
}
KIND_NEEDS: dict[str, tuple[str, ...]] = {
    "staff_in": ("staff_id",), "staff_out": ("staff_id",), "called": ("ticket",),
    "completed": ("ticket", "case_key"),
}
OPTIONAL = ("staff_id", "ticket", "case_key", "case_id", "reason", "cause")


def to_event_wire(row: dict) -> dict:
    """A local store row as the JSON the server takes (store-only columns and the nulls of
    fields the kind does not carry left out)."""
    return {k: row[k] for k in EVENT_FIELDS if k in row and not (k in OPTIONAL and row[k] is None)}


def _choice(value, choices: tuple[str, ...], optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in choices:
        return f"should be one of {', '.join(choices)}"
    return None


def event_errors(event) -> list[str]:
    """What is wrong with one event as EventWire sees it: ["field: why", ...], [] if fine."""
    if not isinstance(event, dict):
        return ["event: should be an object"]
    errors = [f"{k}: missing" for k in REQUIRED if k not in event]
    errors += [f"{k}: not allowed (unknown field)" for k in event if k not in EVENT_FIELDS]
    checks = {"uuid": _uuid, "kind": lambda v: _choice(v, KINDS),
              "device_id": lambda v: _pattern(v, IDENT),
              "window": lambda v: _int_range(v, 1, 999), "at": _rated_at,
              "boot_id": lambda v: _pattern(v, BOOT_ID), "mono_s": _mono_s,
              "staff_id": lambda v: _pattern(v, IDENT, True),
              "ticket": lambda v: _pattern(v, TICKET, True),
              "case_key": lambda v: _pattern(v, CASE_KEY, True),
              "case_id": lambda v: _pattern(v, IDENT, True),
              "reason": lambda v: _pattern(v, REASON, True),
              "cause": lambda v: _choice(v, CAUSES, True)}
    for field in EVENT_FIELDS:
        if field in event and (wrong := checks[field](event[field])) is not None:
            errors.append(f"{field}: {wrong}")
    return errors


def kind_errors(kind: str, values: dict) -> list[str]:
    """What breaks the per-kind table: a field the kind does not carry, or one it needs
    missing. values: field -> value (None for absent)."""
    carries = KIND_FIELDS.get(kind)
    if carries is None:
        return [f"kind: should be one of {', '.join(KINDS)}"]
    errors = [f"{k}: a {kind} event does not carry it" for k in OPTIONAL
              if values.get(k) is not None and k not in carries]
    errors += [f"{k}: a {kind} event needs it" for k in KIND_NEEDS.get(kind, ())
               if values.get(k) is None]
    return errors


EVENTS_PATH = "/api/v1/events/batch"  # sync/wire/events.py's, without loading pydantic
