"""督察 records: the checks a record's fields pass before anything is stored (each refusal names
its field), the refusals' kinds (400 bad input, 403 not yours, 404 not there, 409 not now),
who acts (Who), and the scheme item a record is against (the scheme in force for its month).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

KINDS = ("deduction", "bonus", "veto")
STATES = ("recorded", "contested", "upheld", "withdrawn")
STATE_LABELS = {"recorded": N_("On record"), "contested": N_("Contested by the unit"),
                "upheld": N_("Upheld on review"), "withdrawn": N_("Withdrawn")}
KIND_LABELS = {"deduction": N_("Deduction item"), "bonus": N_("Bonus item"),
               "veto": N_("Veto item")}
DECISIONS = ("upheld", "withdrawn")
SOURCES = ("inspector", "empty")
RECORDERS = ("inspector", "region_admin")
MAX_NOTE, MAX_COUNT, BACK_DAYS = 500, 20, 62   # "within the last 2 months"
DEFAULT_CONTEST_DAYS = 3
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def closed_month(tx, hall: str, month: str) -> bool:
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
