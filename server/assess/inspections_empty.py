"""A 空岗 interval of the service facts made into a 督察 deduction with one click (issue 28
item 3): the scheme's empty_item, the interval's window, staff member and start, the unit
being the window's department. One interval makes one record (source 'empty', source_ref
"<window>/<start>", unique within the hall): a second click finds the first record. An
interval a supervisor excused (外出办事 approved, server/facts/notes.py) is no deduction.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from server.assess.inspections import (InspectionError, NotFound, Refused, Who, month_of,
                                       record, scheme_in_force)
from server.db.base import parse_iso
from server.facts.refresh import local_day
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)


def source_ref(window: int, start: str) -> str:
    return f"{window}/{start}"


def find_interval(tx, hall: str, window: int, start: str) -> dict:
    """The facts' 空岗 interval of (hall, window) starting at `start` (UTC text)."""
    try:
        day = local_day(start).isoformat()
    except ValueError:
        raise NotFound("start", N_("No such 空岗 interval.")) from None
    row = tx.one('SELECT facts FROM window_facts WHERE hall = ? AND "window" = ? AND day = ?',
                 [hall, window, day])
    found = next((e for e in (json.loads(row[0])["empty"] if row else [])
                  if e["start"] == start), None)
    if found is None:
        raise NotFound("start", N_("No such 空岗 interval."))
    return found


def from_interval(tx, actor: Who, hall: str, window: int, start: str,
                  now: datetime | None = None) -> tuple[dict, bool]:
    """(the record, True when made now; False when the interval was recorded before)."""
    if not actor.sees(hall):
        raise Refused("hall", N_("This hall is not in your scope."))
    interval = find_interval(tx, hall, window, start)
    excused = tx.one('SELECT excused FROM empty_notes WHERE hall = ? AND "window" = ? AND '
                     "start = ?", [hall, window, start])
    if excused and excused[0]:
        raise InspectionError("start", N_("This interval was excused (外出办事 approved); it is "
                                          "no deduction."))
    unit = tx.one('SELECT department FROM windows WHERE hall_id = ? AND number = ?',
                  [hall, window])
    if unit is None or not unit[0]:
        raise InspectionError("window", N_("has no unit (department) in the org sheet"))
    month = month_of(parse_iso(start))
    scheme = scheme_in_force(tx, hall, month)
    item = getattr(scheme, "empty_item", None) if scheme is not None else None
    if scheme is not None and not item:
        raise InspectionError("item", N_("The scheme for {month} names no item for 空岗."),
                              month=month)
    begin, end = parse_iso(interval["start"]), parse_iso(interval["end"])
    minutes = round((end - begin).total_seconds() / 60)
    note = (f"空岗 {begin.astimezone(HALL_TZ):%Y-%m-%d %H:%M}–{end.astimezone(HALL_TZ):%H:%M}"
            f"（{minutes} 分钟）")
    return record(tx, actor, hall, unit[0], window, interval.get("staff") or None,
                  item or "", None, 1, begin, note, source="empty",
                  source_ref=source_ref(window, start), now=now)
