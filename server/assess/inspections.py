"""督察 records (issue 28 item 3): an inspector records a deduction, bonus or veto against a
window unit; the hall's supervisor may contest it within the scheme's contest_days working
days; a region admin of that region decides (upheld / withdrawn). Every step is audited in
the caller's transaction (target "inspection:<id>", scoped to the hall by its detail).

Who may do what (checked here, whichever way the request came: console or CLI):
- record: an inspector or a region admin whose region holds the hall;
- contest: the hall's supervisor, while the record is 'recorded', until the end of the
  contest_days-th working day after it was recorded (holidays from the admin's table);
- decide: a region admin whose region holds the hall (or the server host's administrator),
  never the person who recorded it; 'upheld' or 'withdrawn' a contested record, or
  'withdrawn' an uncontested one (a mistake). A withdrawn record no longer counts.

The item must be a deduction, bonus or veto item of the scheme in force for the record's
month (server/assess/store.py scheme_for); without one nothing is recorded. A month whose
result is closed takes no new records. The field checks: inspections_checks.py; reading and
paging: inspections_list.py; photos: inspections_photos.py; 空岗: inspections_empty.py.
"""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta, timezone

# The checks, refusals and labels live in inspections_checks; callers import them from here.
from server.assess.inspections_checks import (  # noqa: F401 - re-exported
    BACK_DAYS, DECISIONS, DEFAULT_CONTEST_DAYS, KIND_LABELS, KINDS, RECORDERS, SOURCES,
    STATE_LABELS, STATES, Conflict, InspectionError, NotFound, Refused, Who, check_unit,
    clean_text, closed_month, count_of, month_of, parse_when, scheme_in_force, scheme_item,
    who_of)
from server.db import audit
from server.db.base import parse_iso, utc_iso
from server.workflow import holidays
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

COLUMNS = ("id", "hall", "department", "window", "staff_id", "item", "kind", "count",
           "occurred_at", "note", "photo", "source", "source_ref", "recorded_by",
           "recorded_at", "state", "contest_reason", "contested_by", "contested_at",
           "decided_by", "decided_at", "decision_note")
SELECT = "SELECT " + ", ".join(f'"{c}"' if c == "window" else c for c in COLUMNS) + \
    " FROM inspections"


# -- the steps ----------------------------------------------------------------------------------
def record(tx, actor: Who, hall: str, department: str, window, staff_id, item: str,
           kind: str | None, count, occurred_at, note: str, photo: str = "",
           source: str = "inspector", source_ref: str | None = None,
           now: datetime | None = None) -> tuple[dict, bool]:
    """(the record, True) once recorded; for a source_ref already recorded (one 空岗
    interval, one record): (that record, False) and nothing changes."""
    now = now or datetime.now(timezone.utc)
    if actor.role not in RECORDERS:
        raise Refused("role", N_("Only inspectors and region administrators record."))
    if not tx.one("SELECT 1 FROM halls WHERE hall_id = ?", [hall]):
        raise NotFound("hall", N_("no such hall"))
    if not actor.sees(hall):
        raise Refused("hall", N_("This hall is not in your scope."))
    if source not in SOURCES:
        raise InspectionError("source", N_("is not a known value"))
    if source_ref:
        existing = tx.one(f"{SELECT} WHERE hall = ? AND source = ? AND source_ref = ?",
                          [hall, source, source_ref])
        if existing:
            return dict(zip(COLUMNS, existing)), False
    department, number, staff = check_unit(tx, hall, department, window, staff_id)
    moment = parse_when(occurred_at)
    if moment > now + timedelta(minutes=1):
        raise InspectionError("occurred_at", N_("is in the future"))
    if moment < now - timedelta(days=BACK_DAYS):
        raise InspectionError("occurred_at", N_("is more than two months ago"))
    month = month_of(moment)
    _scheme, found = scheme_item(tx, hall, month, str(item or ""))
    if kind not in (None, "") and kind != found.kind:
        raise InspectionError("kind", N_("does not match the item ({kind})"), kind=found.kind)
    occurrences = count_of(count)
    text = clean_text(note, "note")
    if photo and not re.fullmatch(r"[0-9a-f]{32}\.(jpg|png)", photo):
        raise InspectionError("photo", N_("is not a stored photo"))
    if closed_month(tx, hall, month):
        raise Conflict("occurred_at", N_("The assessment of {month} is closed; it takes no new "
                                         "records."), month=month)
    row = {"id": secrets.token_hex(5), "hall": hall, "department": department,
           "window": number, "staff_id": staff, "item": found.key, "kind": found.kind,
           "count": occurrences, "occurred_at": utc_iso(moment), "note": text, "photo": photo,
           "source": source, "source_ref": source_ref, "recorded_by": actor.name,
           "recorded_at": utc_iso(now), "state": "recorded", "contest_reason": None,
           "contested_by": None, "contested_at": None, "decided_by": None, "decided_at": None,
           "decision_note": None}
    cols = ", ".join(f'"{c}"' if c == "window" else c for c in COLUMNS)
    tx.q(f"INSERT INTO inspections ({cols}) VALUES ({', '.join('?' * len(COLUMNS))}) "
         "ON CONFLICT DO NOTHING", [row[c] for c in COLUMNS])
    if tx.cursor.rowcount != 1:  # the same interval, recorded a moment ago by someone else
        existing = tx.one(f"{SELECT} WHERE hall = ? AND source = ? AND source_ref = ?",
                          [hall, source, source_ref])
        return dict(zip(COLUMNS, existing)), False
    audit.append(tx, actor.name, "inspection.record", f"inspection:{row['id']}",
                 {k: row[k] for k in ("hall", "department", "window", "staff_id", "item",
                                      "kind", "count", "occurred_at", "note", "photo",
                                      "source", "source_ref")})
    log.info("督察 record %s in %s/%s by %s", row["id"], hall, department, actor.name)
    return row, True


def get(tx, record_id: str) -> dict | None:
    row = tx.one(f"{SELECT} WHERE id = ?", [str(record_id)[:40]])
    return dict(zip(COLUMNS, row)) if row else None


def _visible(tx, actor: Who, record_id: str) -> dict:
    found = get(tx, record_id)
    if found is None or not actor.sees(found["hall"]):
        raise NotFound("id", N_("No such record in your scope."))
    return found


def contest_deadline(tx, found: dict) -> datetime:
    """The end of the contest_days-th working day after the record was recorded."""
    scheme = scheme_in_force(tx, found["hall"], month_of(parse_iso(found["occurred_at"])))
    days = getattr(scheme, "contest_days", None) or DEFAULT_CONTEST_DAYS
    return holidays.calendar(tx).add_working_days(parse_iso(found["recorded_at"]), days)


def contest(tx, actor: Who, record_id: str, reason: str, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    found = _visible(tx, actor, record_id)
    if actor.role != "hall_supervisor":
        raise Refused("role", N_("Only the hall's supervisor contests a record."))
    if found["state"] != "recorded":
        raise Conflict("state", N_("Only a record not yet contested or decided can be "
                                   "contested."))
    deadline = contest_deadline(tx, found)
    if now > deadline:
        raise Conflict("state", N_("The time to contest ended on {day}."),
                       day=deadline.astimezone(HALL_TZ).strftime("%Y-%m-%d"))
    text = clean_text(reason, "reason")
    tx.q("UPDATE inspections SET state = 'contested', contest_reason = ?, contested_by = ?, "
         "contested_at = ? WHERE id = ? AND state = 'recorded'",
         [text, actor.name, utc_iso(now), found["id"]])
    if tx.cursor.rowcount != 1:
        raise Conflict("state", N_("The record changed meanwhile; reload it."))
    audit.append(tx, actor.name, "inspection.contest", f"inspection:{found['id']}",
                 {"hall": found["hall"], "reason": text})
    return {**found, "state": "contested", "contest_reason": text, "contested_by": actor.name,
            "contested_at": utc_iso(now)}


def decisions_open(actor: Who, found: dict) -> tuple[str, ...]:
    """The decisions this actor may take on the record now (none, or some of DECISIONS)."""
    if actor.role not in ("region_admin", "cli") or not actor.sees(found["hall"]) \
            or found["recorded_by"] == actor.name:
        return ()
    return {"contested": DECISIONS, "recorded": ("withdrawn",)}.get(found["state"], ())


def decide(tx, actor: Who, record_id: str, decision: str, note: str,
           now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    found = _visible(tx, actor, record_id)
    if decision not in DECISIONS:
        raise InspectionError("decision", N_("must be upheld or withdrawn"))
    if actor.role not in ("region_admin", "cli"):
        raise Refused("role", N_("Only a region administrator decides."))
    if found["recorded_by"] == actor.name:
        raise Refused("role", N_("Whoever recorded it does not decide it."))
    if decision not in decisions_open(actor, found):
        raise Conflict("state", N_("This record cannot be {decision} now (it is {state})."),
                       decision=decision, state=found["state"])
    text = clean_text(note, "note")
    tx.q("UPDATE inspections SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? "
         "WHERE id = ? AND state = ?",
         [decision, actor.name, utc_iso(now), text, found["id"], found["state"]])
    if tx.cursor.rowcount != 1:
        raise Conflict("state", N_("The record changed meanwhile; reload it."))
    audit.append(tx, actor.name, "inspection.decide", f"inspection:{found['id']}",
                 {"hall": found["hall"], "decision": decision, "was": found["state"],
                  "note": text})
    return {**found, "state": decision, "decided_by": actor.name, "decided_at": utc_iso(now),
            "decision_note": text}
