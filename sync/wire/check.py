"""RatingWire's and BatchOut's rules by hand, for the kiosk, which does not load pydantic."""
from __future__ import annotations

import logging
import math
import re
import uuid as uuidlib
from datetime import date, datetime

from sync.wire import BAD_LEVELS

log = logging.getLogger(__name__)

# sync/wire/models.py stays the one contract (the server validates with it);
# tests/sync/test_wire_check.py holds this module to it, case by case and with hypothesis, so
# the two cannot drift apart silently. Plain JSON values are expected (what a store row or a
# parsed answer holds: None, bool, int, float, str, list, dict); where pydantic is lax (uuid,
# rated_at, mono_s) the same inputs pass here as there.

# RatingWire's fields in its order (a test compares it with RatingWire.model_fields).
RATING_FIELDS = ("uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id",
                 "item_code", "device_id", "rated_at", "boot_id", "mono_s", "case_key")
REQUIRED = ("uuid", "level", "window", "ticket", "device_id", "rated_at")

# The patterns of models.py, matched in full (pydantic's regex `$` is the end of the text
# only, so "A1\n" fails there; Python's `$` would let it through).
TICKET = re.compile(r"[A-Z0-9-]{1,16}")
IDENT = re.compile(r"[A-Za-z0-9._-]{1,64}")
REASON = re.compile(r"[a-z0-9_]{1,32}")
CASE_KEY = re.compile(r"[A-Za-z0-9._/-]{1,160}")
BOOT_ID = re.compile(r"[ -~]{0,64}")
# What pydantic (speedate) reads as a datetime with an offset; a naive one fails _aware.
# re.ASCII: \d is 0-9 only, as in pydantic's parsers (Python's would take "٣" as a digit).
ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt _](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
                 r"(?:([Zz])|([+-])(\d\d):?(\d\d))", re.ASCII)
NAIVE = re.compile(r"\d{4}-\d\d-\d\d(?:[Tt _]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?)?", re.ASCII)
# A number as a string: a unix timestamp for rated_at (speedate) / a float for mono_s.
STAMP = re.compile(r"[+-]?(?:(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+)", re.ASCII)
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
NOT_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
UUID_FORMS = re.compile(r"urn:uuid:(.{36})|\{(.{36})\}|(.{36})|([0-9A-Fa-f]{32})")
UUID_HYPHENATED = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                             r"[0-9A-Fa-f]{12}")
FIRST, LAST = -62135596800, 253402300800  # 0001-01-01 .. 10000-01-01 in unix seconds
MONO_MAX = 3.2e9


class CheckError(ValueError):
    """The value breaks the contract; str() is "field: what is wrong; ..."."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def to_wire(row: dict) -> dict:
    """A local store row as the JSON the server takes (store-only columns left out)."""
    return {k: row[k] for k in RATING_FIELDS if k in row}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pattern(value, pattern: re.Pattern, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        return "should be a string"
    if not pattern.fullmatch(value):
        return f"should match {pattern.pattern!r}"
    return None


def _int_range(value, low: int, high: int) -> str | None:
    if not _is_int(value):
        return "should be an integer"
    if not low <= value <= high:
        return f"should be from {low} to {high}"
    return None


def _uuid(value) -> str | None:
    if isinstance(value, uuidlib.UUID):
        return None
    if not isinstance(value, str):
        return "should be a UUID string"
    forms = UUID_FORMS.fullmatch(value)
    text = forms and next(g for g in forms.groups() if g is not None)
    if not text or not (len(text) == 32 or UUID_HYPHENATED.fullmatch(text)):
        return "should be a UUID (8-4-4-4-12 hex digits)"
    return None


def _stamp(seconds: float) -> str | None:
    if math.isnan(seconds) or math.isinf(seconds):
        return "should be a finite unix time"
    if abs(seconds) > 2e10:  # speedate: a number this large counts milliseconds
        seconds /= 1000
    if not FIRST <= seconds < LAST:
        return "unix time outside the years 1 to 9999"
    return None


def _rated_at(value) -> str | None:
    if _is_int(value) and abs(value) > 10**20:
        return "unix time outside the years 1 to 9999"
    if isinstance(value, float) or _is_int(value):
        return _stamp(float(value))
    if isinstance(value, datetime):
        return None if value.tzinfo is not None else "needs a time zone (UTC, ending in Z)"
    if not isinstance(value, str):
        return "should be an ISO 8601 date and time"
    if STAMP.fullmatch(value):
        return _stamp(float(value))
    if NAIVE.fullmatch(value):
        return "needs a time zone (UTC, ending in Z)"
    parts = ISO.fullmatch(value)
    if not parts:
        return "should be an ISO 8601 date and time with a time zone"
    year, month, day, hour, minute, second = (int(p or 0) for p in parts.groups()[:6])
    try:
        date(year, month, day)
    except ValueError:
        return "is not a calendar date"
    off_h, off_m = int(parts[10] or 0), int(parts[11] or 0)
    if hour > 23 or minute > 59 or second > 59 or off_h > 23 or off_m > 59:
        return "time of day or offset out of range"
    return None


def _mono_s(value) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if "_" in text:  # 1_000 as in Python's literals: one, between two characters
            if text.startswith("_") or text.endswith("_") or "__" in text:
                return "should be a number"
            text = text.replace("_", "")
        if NOT_FINITE.fullmatch(text):
            return "should be a finite number"
        if not FLOAT.fullmatch(text):
            return "should be a number"
        value = float(text)
    elif isinstance(value, int):  # bool too: pydantic reads True as 1.0 here
        if not 0 <= value <= MONO_MAX:
            return f"should be from 0 to {MONO_MAX:.0f}"
        value = float(value)
    elif not isinstance(value, float):
        return "should be a number"
    if not math.isfinite(value):
        return "should be a finite number"
    if not 0 <= value <= MONO_MAX:
        return f"should be from 0 to {MONO_MAX:.0f}"
    return None


def _reasons(value, level) -> str | None:
    if not isinstance(value, list):
        return "should be a list"
    if len(value) > 12:
        return "at most 12 reasons"
    for i, code in enumerate(value):
        if (wrong := _pattern(code, REASON)) is not None:
            return f"[{i}] {wrong}"
    if value and not (_is_int(level) and 0 <= level <= 5 and level in BAD_LEVELS):
        return "reasons are only given with level 1 or 2"
    return None


def rating_errors(rating) -> list[str]:
    """What is wrong with one rating as RatingWire sees it: ["field: why", ...], [] if fine."""
    if not isinstance(rating, dict):
        return ["rating: should be an object"]
    errors = [f"{k}: missing" for k in REQUIRED if k not in rating]
    errors += [f"{k}: not allowed (unknown field)" for k in rating if k not in RATING_FIELDS]
    checks = {"uuid": _uuid, "level": lambda v: _int_range(v, 0, 5),
              "reasons": lambda v: _reasons(v, rating.get("level")),
              "window": lambda v: _int_range(v, 1, 999),
              "staff_id": lambda v: _pattern(v, IDENT, True), "ticket": lambda v: _pattern(
                  v, TICKET), "case_id": lambda v: _pattern(v, IDENT, True),
              "item_code": lambda v: _pattern(v, IDENT, True),
              "device_id": lambda v: _pattern(v, IDENT), "rated_at": _rated_at,
              "boot_id": lambda v: _pattern(v, BOOT_ID), "mono_s": _mono_s,
              "case_key": lambda v: _pattern(v, CASE_KEY, True)}
    for field in RATING_FIELDS:
        if field in rating and (wrong := checks[field](rating[field])) is not None:
            errors.append(f"{field}: {wrong}")
    return errors


def read_batch_out(answer) -> list[tuple[str | None, str, str | None]]:
    """The server's acknowledgement (BatchOut) as (uuid, status, reason) per item;
    CheckError when it does not have BatchOut's shape."""
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise CheckError(["results: should be a list"])
    items = []
    for i, item in enumerate(answer["results"]):
        if not isinstance(item, dict) or "uuid" not in item or "status" not in item:
            raise CheckError([f"results.{i}: should be an object with uuid and status"])
        uuid, status, reason = item["uuid"], item["status"], item.get("reason")
        if not (uuid is None or isinstance(uuid, str)):
            raise CheckError([f"results.{i}.uuid: should be a string or null"])
        if status not in ("accepted", "duplicate", "rejected"):
            raise CheckError([f"results.{i}.status: should be accepted, duplicate or "
                              f"rejected"])
        if not (reason is None or isinstance(reason, str)):
            raise CheckError([f"results.{i}.reason: should be a string or null"])
        items.append((uuid, status, reason))
    return items
