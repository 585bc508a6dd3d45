"""Validated ratings as table rows, a batch at a time: corrected time, case key, text forms.

This is the per-rating work of every upload, so it is written for a batch: pydantic-core turns
the batch's uuids and times into text in one call each, which costs a fifth of str() and
datetime.isoformat() per value (bench/ingest_profile.py), and the device's clocks are looked
at once per batch, not once per rating.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from uuid import UUID

from pydantic import TypeAdapter

from server.db.base import utc_iso
from server.db.clock_fix import DeviceClock, correct, same_boot_age
from sync.wire import RatingWire

log = logging.getLogger(__name__)

# Halls are in China (UTC+8 all year): the local date a kiosk's case key starts with.
HALL_OFFSET = timedelta(hours=8)
_UUIDS = TypeAdapter(list[UUID])
_TIMES = TypeAdapter(list[datetime])
# The last moment a rating may have (UTC text): the server adds hours (the hall's local day),
# days (the next day of a roll-up, a default rating's 90 days) and working days (a case's
# deadlines) to it, and exports it in hall time. A time in the calendar's last year (a kiosk
# clock set to 9999, its offset too big to correct) leaves the calendar there: refused alone.
LATEST = "9999-01-01T00:00:00.000Z"


def case_key_for(rating: RatingWire, corrected_at: datetime) -> str:
    """The kiosk's own key when it sent one, else the same shape (kiosk/flow.py _case_key)."""
    if rating.case_key:
        return rating.case_key
    day = (corrected_at.astimezone(timezone.utc) + HALL_OFFSET).date().isoformat()
    return f"{day}/{rating.window}/{rating.ticket}/{rating.case_id or ''}"


def iso(value: datetime) -> str:
    """'YYYY-MM-DDTHH:MM:SS.mmmZ' of an aware time (naive: taken as UTC), cut to the
    millisecond; OverflowError when converting to UTC leaves the calendar."""
    offset = value.utcoffset()
    if offset:
        value = value - offset  # the fields now read UTC
    # 'YYYY-MM-DDTHH:MM:SS.mmm' then whatever offset isoformat appends, which is dropped
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def utc_texts(values: list[datetime]) -> list[str | ArithmeticError | ValueError]:
    """iso() of each value, formatted by pydantic-core in one call; a value with an offset
    other than zero goes through iso() itself, and one that leaves the calendar then is
    given as its error."""
    # One comprehension for the usual values; anything else is left as the value itself and
    # goes through iso() below.
    texts = [(text[:23] + "Z" if len(text) > 25 else text[:19] + ".000Z")
             if len(text) in _PLAIN and not value.utcoffset() else value
             for text, value in zip(_TIMES.dump_python(values, mode="json"), values)]
    for i in [i for i, text in enumerate(texts) if text.__class__ is not str]:
        try:
            texts[i] = iso(values[i])
        except (OverflowError, ValueError) as exc:
            texts[i] = exc
    return texts


# The lengths of pydantic's text of a time with no fraction or with microseconds, with a
# 'Z' (aware, offset zero) or without (naive).
_PLAIN = frozenset((19, 20, 26, 27))


def build(ratings: list[RatingWire], clock: DeviceClock, source: str, now: datetime
          ) -> tuple[list[list], list[int], list[tuple[int, str, str]]]:
    """(rows in ratings.COLUMNS order, the index in `ratings` of each row, and
    (index, uuid, reason) of each rating refused because its time leaves the calendar once
    corrected: year 9999 plus an offset, year 1 minus 8 hours)."""
    n = len(ratings)
    received_at = utc_iso(now)
    now_naive = now.astimezone(timezone.utc).replace(tzinfo=None)
    uuids = _UUIDS.dump_python([r.uuid for r in ratings], mode="json")
    rated = utc_texts([r.rated_at for r in ratings])
    # Same boot as the upload (correct()'s first case, the usual one): the rating happened
    # (upload mono_s - rating mono_s) before now. No time zones; formatted as one batch.
    ages = [same_boot_age(r.boot_id, r.mono_s, clock) for r in ratings]
    same_boot = [None if age is None else now_naive - timedelta(seconds=age) for age in ages]
    same = [i for i in range(n) if same_boot[i] is not None]
    corrected: list = [None] * n
    trusted = [0] * n
    for i, text in zip(same, utc_texts([same_boot[i] for i in same])):
        corrected[i], trusted[i] = text, 1
    keys = [r.case_key for r in ratings]
    for i, r in enumerate(ratings):
        if same_boot[i] is not None:
            if not keys[i]:
                keys[i] = case_key_for(r, same_boot[i].replace(tzinfo=timezone.utc))
            continue
        aware, good = correct(r.rated_at, r.boot_id, r.mono_s, clock, now)
        try:  # another boot, or no monotonic clock: as correct() decides
            corrected[i], trusted[i] = iso(aware), int(good)
            keys[i] = keys[i] or case_key_for(r, aware)
        except (OverflowError, ValueError) as exc:
            corrected[i] = exc
    for i in range(n):
        if corrected[i].__class__ is str and corrected[i] >= LATEST:
            corrected[i] = ValueError(f"{corrected[i]} is in the calendar's last year; the "
                                      f"kiosk's clock is wrong (set its time or NTP)")
    where = [i for i in range(n) if rated[i].__class__ is str and corrected[i].__class__ is str]
    refused = []
    if len(where) < n:  # a time off the calendar: that rating only is refused
        kept = set(where)
        for i in range(n):
            if i not in kept:
                why = rated[i] if rated[i].__class__ is not str else corrected[i]
                refused.append((i, uuids[i], f"rated_at out of range: {why}"[:200]))
    picked = ratings if len(where) == n else [ratings[i] for i in where]
    # Reason codes are [a-z0-9_] (wire schema): joining them is exact JSON, 5x cheaper.
    rows = [[uuids[i], r.level, '["' + '","'.join(r.reasons) + '"]' if r.reasons else "[]",
             r.window, r.staff_id, r.ticket, r.case_id, r.item_code, r.device_id, rated[i],
             r.boot_id, float(r.mono_s), received_at, corrected[i], trusted[i], keys[i],
             source, 0] for i, r in zip(where, picked)]
    return rows, where, refused
