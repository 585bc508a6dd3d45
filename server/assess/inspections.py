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
month (server/assess/store.py scheme_for); without one nothing is recorded. A month whose result is
closed takes no new records. Reading and paging: inspections_list.py; photos:
inspections_photos.py; 空岗 intervals: inspections_empty.py.
"""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from server.db import audit
from server.db.base import parse_iso, utc_iso
from server.workflow import holidays
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

KINDS = ("deduction", "bonus", "veto")
STATES = ("recorded", "contested", "upheld", "withdrawn")
STATE_LABELS = {"recorded": N_("On record"), "contested": N_("Contested by the unit"),
                "upheld": N_("Upheld on review"), "withdrawn": N_("Withdrawn")}
KIND_LABELS = {"deduction": N_("Deduction item"), "bonus": N_("Bonus item"), "veto": N_("Veto item")}
DECISIONS = ("upheld", "withdrawn")
SOURCES = ("inspector", "empty")
RECORDERS = ("inspector", "region_admin")
MAX_NOTE, MAX_COUNT, BACK_DAYS = 500, 20, 62   # "within the last 2 months"
DEFAULT_CONTEST_DAYS = 3
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
COLUMNS = ("id", "hall", "department", "window", "staff_id", "item", "kind", "count",
           "occurred_at", "note", "photo", "source", "source_ref", "recorded_by",
           "recorded_at", "state", "contest_reason", "contested_by", "contested_at",
           "decided_by", "decided_at", "decision_note")
SELECT = "SELECT " + ", ".join(f'"{c}"' if c == "window" else c for c in COLUMNS) + \
    " FROM inspections"


class InspectionError(ValueError):
    """Bad input: the field it is about and why (an English msgid with {params})."""

    status = 400

    def __init__(self, field: str, message: str, **params) -> None:
        self.field, self.message, self.params = field, message, params
        super().__init__(f"{field}: {message.format(**params)}")


class Refused(InspectionError):
    """The actor may not do this (403), or not now (409 for a state that moved on)."""

    status = 403


class NotFound(InspectionError):
    status = 404


class Conflict(InspectionError):
    status = 409


@dataclass(frozen=True)
class Who:
    """Whoever acts: audit name ("user:alice", "cli:root"), role, halls (None: every hall)."""

    name: str
    role: str
    halls: frozenset | None = None

    def sees(self, hall: str) -> bool:
        return self.halls is None or hall in self.halls


def who_of(store, account) -> Who:
    """The Who of a console account (server.db.users.Account), its halls from its scope."""
    from server.db import org

    if account.role in ("region_admin", "auditor", "inspector"):
        codes = org.below(org.regions(store), account.scope)
        return Who(f"user:{account.username}", account.role, frozenset(org.halls(store, codes)))
    if account.role == "hall_supervisor":
        return Who(f"user:{account.username}", account.role, frozenset({account.scope}))
    return Who(f"user:{account.username}", account.role, frozenset())


# -- checks -----------------------------------------------------------------------------------
def clean_text(value, field: str, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise InspectionError(field, N_("is required"))
    if len(text) > MAX_NOTE:
        raise InspectionError(field, N_("is longer than {max} characters"), max=MAX_NOTE)
    if CONTROL.search(text):
        raise InspectionError(field, N_("contains control characters"))
    return text


def parse_when(value) -> datetime:
    """A time from a form (YYYY-MM-DDTHH:MM, the halls' local time) or UTC text / datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value or "").strip().replace("Z", "+00:00"))
        except ValueError:
            raise InspectionError("occurred_at", N_("must be a date and time, e.g. "
                                                    "2026-12-01 10:30")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HALL_TZ)
    return moment.astimezone(timezone.utc)


def count_of(value) -> int:
    raw = str(value if value is not None else "").strip()
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_COUNT:
        raise InspectionError("count", N_("must be a whole number from 1 to {max}"),
                              max=MAX_COUNT)
    return int(raw)


def month_of(moment: datetime) -> str:
    return moment.astimezone(HALL_TZ).strftime("%Y-%m")


def scheme_in_force(tx, hall: str, month: str):
    """The scheme scoring `month` for the hall, or None (none set, or not built yet)."""
    from server.assess.store import scheme_for

    version = scheme_for(tx, hall, month)
    return version.scheme if version is not None else None


def scheme_item(tx, hall: str, month: str, key: str):
    """The scheme's item `key` (a deduction, bonus or veto), or InspectionError."""
    scheme = scheme_in_force(tx, hall, month)
    if scheme is None:
        raise Refused("item", N_("No assessment scheme is in force for {month} in this hall: "
                                 "a region administrator must set one first."), month=month)
    found = next((i for i in scheme.items if i.key == key), None)
    if found is None or found.kind not in KINDS:
        raise InspectionError("item", N_("is not a deduction, bonus or veto item of the "
                                         "scheme for {month}"), month=month)
    return scheme, found


def _closed(tx, hall: str, month: str) -> bool:
    row = tx.one("SELECT region FROM halls WHERE hall_id = ?", [hall])
    scopes, region = [hall, "*"], row[0] if row else None
    seen = set()
    while region and region not in seen:
        seen.add(region)
        scopes.append(region)
        parent = tx.one("SELECT parent FROM regions WHERE code = ?", [region])
        region = parent[0] if parent else None
    marks = ", ".join("?" * len(scopes))
    return tx.one(f"SELECT 1 FROM assess_results WHERE period = ? AND scope IN ({marks})",
                  [month, *scopes]) is not None


def check_unit(tx, hall: str, department: str, window, staff_id) -> tuple:
    """(department, window or None, staff_id or None) after the org checks."""
    if not tx.one("SELECT 1 FROM halls WHERE hall_id = ?", [hall]):
        raise NotFound("hall", N_("no such hall"))
    department = str(department or "").strip()
    if not department:
        raise InspectionError("department", N_("is required"))
    if not tx.one("SELECT 1 FROM departments WHERE hall_id = ? AND name = ?", [hall, department]):
        raise InspectionError("department", N_("is not a unit of this hall"))
    number = None
    if window not in (None, ""):
        raw = str(window).strip()
        if not re.fullmatch(r"[0-9]{1,3}", raw):
            raise InspectionError("window", N_("must be a window number"))
        row = tx.one('SELECT department FROM windows WHERE hall_id = ? AND number = ?',
                     [hall, int(raw)])
        if row is None:
            raise InspectionError("window", N_("is not a window of this hall"))
        if row[0] != department:
            raise InspectionError("window", N_("belongs to another unit"))
        number = int(raw)
    staff = str(staff_id or "").strip() or None
    if staff is not None and not tx.one("SELECT 1 FROM staff WHERE staff_id = ? AND hall_id = ?",
                                        [staff, hall]):
        raise InspectionError("staff_id", N_("is not a staff member of this hall"))
    return department, number, staff


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
    if _closed(tx, hall, month):
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


def may_contest(tx, actor: Who, found: dict, now: datetime) -> bool:
    return (actor.role == "hall_supervisor" and actor.sees(found["hall"])
            and found["state"] == "recorded" and now <= contest_deadline(tx, found))


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
