"""差评 cases: one per counted bad rating; 待核实 → 整改中 → 待反馈 → 已办结 in working days.

Opened inside the ingest transaction (ingest_hook, listed in server/wiring.py), so a bad
rating and its case commit together whichever way the rating came (kiosk, phone, import).
A rating that stops counting (a later real rating took its case, or an appeal excluded it)
voids its open case. A step is done by a hall supervisor of the case's hall or a region
admin, who writes what was done; every change is an audit entry. The deadlines count from
the rating's clock-corrected time, not its arrival: a case that arrives already overdue (a
kiosk offline for a week) is escalated in the ingest transaction itself. Cases that become
overdue later are escalated to the region admin by escalate_overdue(), which the server's
background job and `kiosk-server cases digest` run.

A case row holds the hall, window, staff id and level only: nothing about the citizen.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from server.db import audit
from server.db.base import parse_iso, utc_iso
from server.workflow import holidays, policy
from server.workflow.actors import NEXT_UP, SYSTEM, Actor, Forbidden, WorkflowError
from server.workflow.workdays import HALL_TZ, UnknownYear
from sync.wire import BAD_LEVELS
from sync.wire.labels import N_

log = logging.getLogger(__name__)

OPEN_STATES = ("verify", "rectify", "answer")
NEXT = {"verify": "rectify", "rectify": "answer", "answer": "closed"}
STATE_LABELS = {"verify": N_("To verify"), "rectify": N_("Rectifying"),
                "answer": N_("To answer the citizen"), "closed": N_("Closed"),
                "void": N_("Withdrawn")}
STEP_LABELS = {"verify": N_("Verified"), "rectify": N_("Rectified"),
               "answer": N_("Answered the citizen"), "escalate": N_("Escalated (overdue)"),
               "void": N_("Withdrawn")}
COLUMNS = ("id", "device_id", "rating_uuid", "hall", "window", "staff_id", "level", "state",
           "opened_at", "verify_due", "rectify_due", "answer_due", "due_error", "escalated_to",
           "escalated_at", "closed_at", "updated_at")
COLUMN_SQL = ", ".join(f'"{c}"' for c in COLUMNS)
# The due date of the step a case is in, in SQL (for sorting and the overdue test).
DUE_SQL = ("CASE state WHEN 'verify' THEN verify_due WHEN 'rectify' THEN rectify_due "
           "WHEN 'answer' THEN answer_due END")
MAX_NOTE = 4000


class CaseError(WorkflowError, ValueError):
    """A case cannot do that now (unknown id, already closed, advanced by someone else)."""


def is_bad(row: dict) -> bool:
    return row["level"] in BAD_LEVELS and not row.get("superseded") and \
        not row.get("excluded") and row.get("source") != "default"


def bad_rows(changes) -> list[dict]:
    """The counted rows of a 差评 level (as dicts), found by their level column: an upload of
    good ratings makes no dict."""
    return changes.picks([i for i, level in enumerate(changes.column("level"))
                          if level in BAD_LEVELS])


def ingest_hook(tx, changes) -> list[dict]:
    """The ingest hook: open a case per counted bad rating, void the cases of ratings that
    stopped counting, and escalate at once a case that arrives already overdue (a kiosk
    offline for a week). Returns the cases it opened (for a caller that wants them)."""
    cache: dict = {}  # one calendar, one policy per hall and one hall per device per batch
    opened = [case for row in bad_rows(changes) if is_bad(row)
              for case in [open_case(tx, row, cache)] if case]
    if opened:  # as of the moment they were stored (received_at: the ingest's now)
        escalate(tx, max(case["updated_at"] for case in opened), [c["id"] for c in opened])
    for row in changes.uncounted:
        void_for_rating(tx, row["device_id"], row["uuid"], "the rating no longer counts",
                        SYSTEM)
    return opened


def started(row: dict) -> datetime:
    """When a case's deadlines start: the rating's clock-corrected time (a 差评 given last
    Monday and uploaded today is due as from last Monday), never after it reached us."""
    return min(parse_iso(row["corrected_at"]), parse_iso(row["received_at"]))


def due_dates(tx, hall: str, opened: datetime,
              cache: dict | None = None) -> tuple[list[str | None], str | None]:
    """([verify, rectify, answer] due as UTC text, None) or ([None]*3, why not)."""
    cache = {} if cache is None else cache
    if ("policy", hall) not in cache:
        cache[("policy", hall)] = policy.for_hall(tx, hall)
    if "calendar" not in cache:
        cache["calendar"] = holidays.calendar(tx)
    rule, cal = cache[("policy", hall)], cache["calendar"]
    try:
        return [utc_iso(cal.add_working_days(opened, n)) for n in
                (rule.verify_days, rule.rectify_days, rule.answer_days)], None
    except UnknownYear as exc:
        log.error("case in hall %s gets no due dates: %s", hall, exc)
        return [None, None, None], str(exc)


def open_case(tx, row: dict, cache: dict | None = None) -> dict | None:
    """Open the case of one counted bad rating (a dict of ratings COLUMNS); None if it has one."""
    cache = {} if cache is None else cache
    if ("hall", row["device_id"]) not in cache:
        found = tx.one("SELECT hall FROM devices WHERE device_id = ?", [row["device_id"]])
        cache[("hall", row["device_id"])] = found[0] if found else "?"
    hall = cache[("hall", row["device_id"])]
    opened = started(row)
    dues, error = due_dates(tx, hall, opened, cache)
    if error is not None and utc_iso(opened) != row["received_at"]:
        # The rating's year has no holiday schedule (a kiosk clock at 1970, untrusted):
        # count from its arrival rather than leave the case without deadlines.
        arrived = parse_iso(row["received_at"])
        dues, error = due_dates(tx, hall, arrived, cache)
        opened = arrived if error is None else opened
    # Short enough to read out on the phone, derived from the rating so a retry is the same.
    digest = hashlib.sha256(f"{row['device_id']}/{row['uuid']}".encode()).hexdigest()[:10]
    case_id = opened.astimezone(HALL_TZ).strftime("%Y%m%d-") + digest
    values = [case_id, row["device_id"], row["uuid"], hall, row["window"], row["staff_id"],
              row["level"], "verify", utc_iso(opened), *dues, error, None, None, None,
              row["received_at"]]
    inserted = tx.q(f"INSERT INTO cases ({COLUMN_SQL}) VALUES "
                    f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT DO NOTHING", values).rowcount
    if inserted != 1:
        return None
    case = dict(zip(COLUMNS, values))
    audit.append(tx, SYSTEM.audit_name, "case.open", f"case:{case_id}",
                 {"hall": hall, "window": row["window"], "level": row["level"],
                  "verify_due": dues[0], "rectify_due": dues[1], "answer_due": dues[2],
                  "due_error": error})
    log.info("差评 case %s opened for hall %s window %s", case_id, hall, row["window"])
    return case


def _add_step(tx, case_id: str, step: str, actor: Actor, note: str, at: str) -> None:
    seq = tx.one("SELECT coalesce(max(seq), 0) + 1 FROM case_steps WHERE case_id = ?",
                 [case_id])[0]
    tx.q("INSERT INTO case_steps (case_id, seq, step, done_by, done_at, note) "
         "VALUES (?, ?, ?, ?, ?, ?)", [case_id, seq, step, actor.audit_name, at, note])


def void_for_rating(tx, device_id: str, rating_uuid: str, why: str,
                    actor: Actor) -> str | None:
    """Withdraw the open case of a rating (it stopped counting); the case id, or None."""
    now = utc_iso()
    row = tx.one("UPDATE cases SET state = 'void', closed_at = ?, updated_at = ? "
                 "WHERE device_id = ? AND rating_uuid = ? AND state IN ('verify', 'rectify', "
                 "'answer') RETURNING id", [now, now, device_id, rating_uuid])
    if row is None:
        return None
    _add_step(tx, row[0], "void", actor, why, now)
    audit.append(tx, actor.audit_name, "case.void", f"case:{row[0]}", {"why": why})
    return row[0]


def get_row(tx, case_id: str) -> dict:
    row = tx.one(f"SELECT {COLUMN_SQL} FROM cases WHERE id = ?", [case_id])
    if row is None:
        raise CaseError(f"no case {case_id!r}")
    return dict(zip(COLUMNS, row))


class StaleStep(CaseError):
    """The form was opened at a step the case has since left (someone else recorded it, or
    the case was withdrawn): nothing is saved. by/at: who moved it from that step and when
    (audit-style actor, UTC text; None if the case's steps do not say)."""

    def __init__(self, case_id: str, expected: str, state: str, by: str | None,
                 at: str | None) -> None:
        super().__init__(f"case {case_id} is no longer at step {expected} but {state}: "
                         f"{by or 'someone'} moved it at {at or '?'}; nothing was saved",
                         N_("Someone else just changed this; reload the page."))
        self.case_id, self.expected, self.state, self.by, self.at = \
            case_id, expected, state, by, at


def _stale(tx, case_id: str, expected: str) -> StaleStep:
    """Why a step for `expected` cannot be saved: the case's state now, and the step that
    moved it on (the one recording `expected`, else the last change: a withdrawal)."""
    state = get_row(tx, case_id)["state"]
    row = tx.one("SELECT done_by, done_at FROM case_steps WHERE case_id = ? AND step = ? "
                 "ORDER BY seq DESC LIMIT 1", [case_id, expected]) or \
        tx.one("SELECT done_by, done_at FROM case_steps WHERE case_id = ? AND step <> "
               "'escalate' ORDER BY seq DESC LIMIT 1", [case_id])
    return StaleStep(case_id, expected, state, *(row or (None, None)))


def advance(store, case_id: str, actor: Actor, note: str,
            now: datetime | None = None, expected: str | None = None) -> dict:
    """Record the current step as done by `actor` with `note`; the case moves to the next
    state (已办结 after answering). Refused unless the actor is a hall supervisor of the
    case's hall or a region admin over it.

    expected: the step the actor was looking at (the console form's hidden field, the CLI's
    --step). If the case is no longer there, StaleStep and nothing is saved. The move itself
    is a compare-and-set on the state (states only go forward), so of two submissions for
    the same step, on either store, exactly one is recorded."""
    note = (note or "").strip()
    if not note:
        raise CaseError("write what was done (the note is required)",
                        N_("Write what was done."))
    if len(note) > MAX_NOTE:
        raise CaseError(f"the note is longer than {MAX_NOTE} characters")
    if expected is not None and expected not in NEXT:
        raise CaseError(f"step {expected!r} is not one of {', '.join(OPEN_STATES)}",
                        N_("Someone else just changed this; reload the page."))
    at = utc_iso(now)
    with store.transaction() as tx:
        case = get_row(tx, case_id)
        if actor.role not in ("hall_supervisor", "region_admin"):
            raise Forbidden("only a hall supervisor or a region admin handles cases",
                            N_("Only a hall supervisor or a region administrator handles cases."))
        actor.require_hall(case["hall"])
        state = case["state"]
        if expected is not None and state != expected:
            raise _stale(tx, case_id, expected)
        if state not in NEXT:
            raise CaseError(f"case {case_id} is {state}: nothing left to do",
                            N_("This case is finished: nothing left to do."))
        new = NEXT[state]
        moved = tx.q("UPDATE cases SET state = ?, updated_at = ?, closed_at = ?, "
                     "escalated_to = NULL, escalated_at = NULL WHERE id = ? AND state = ?",
                     [new, at, at if new == "closed" else None, case_id, state]).rowcount
        if moved != 1:
            # Another submission moved it between our read and our write (PostgreSQL: its
            # UPDATE held the row, ours found the state changed): theirs stands, not ours.
            raise _stale(tx, case_id, state)
        _add_step(tx, case_id, state, actor, note, at)
        audit.append(tx, actor.audit_name, f"case.{state}", f"case:{case_id}",
                     {"note": note, "state": new})
        escalate(tx, at, [case_id])  # a step done late may leave the next one overdue
        case = get_row(tx, case_id)
    log.info("case %s: %s done by %s, now %s", case_id, state, actor.name, new)
    return case


def escalate_overdue(store, now: datetime | None = None) -> list[dict]:
    """Hand every open case past its current due date to the next role up (once per step)."""
    with store.transaction() as tx:
        escalated = escalate(tx, utc_iso(now or datetime.now(timezone.utc)))
    if escalated:
        log.warning("%d overdue 差评 cases escalated", len(escalated))
    return escalated


def escalate(tx, at: str, ids: list[str] | None = None) -> list[dict]:
    """Escalate the open cases past their current due date at `at` (UTC text), only those
    of `ids` when given: the escalated cases, each with a step and an audit entry."""
    where, params = "", [NEXT_UP["hall_supervisor"], at, at, at]
    if ids is not None:
        where = f" AND id IN ({', '.join('?' * len(ids))})"
        params += ids
    rows = tx.all(f"UPDATE cases SET escalated_to = ?, escalated_at = ?, updated_at = ? "
                  f"WHERE state IN ('verify', 'rectify', 'answer') AND escalated_to IS NULL "
                  f"AND {DUE_SQL} < ?{where} RETURNING {COLUMN_SQL}", params)
    escalated = []
    for row in sorted(rows):
        case = dict(zip(COLUMNS, row))
        due = case[f"{case['state']}_due"]
        _add_step(tx, case["id"], "escalate", SYSTEM, f"{case['state']} due {due}", at)
        audit.append(tx, SYSTEM.audit_name, "case.escalate", f"case:{case['id']}",
                     {"state": case["state"], "due": due, "to": case["escalated_to"]})
        escalated.append(case)
    return escalated


def recompute_missing_dues(tx) -> int:
    """Give due dates to open cases that got none (their year was unknown); how many did."""
    done = []
    for case_id, hall, opened_at in tx.all(
            "SELECT id, hall, opened_at FROM cases WHERE due_error IS NOT NULL "
            "AND state IN ('verify', 'rectify', 'answer')"):
        dues, error = due_dates(tx, hall, parse_iso(opened_at))
        if error is None:
            tx.q("UPDATE cases SET verify_due = ?, rectify_due = ?, answer_due = ?, "
                 "due_error = NULL WHERE id = ?", [*dues, case_id])
            done.append(case_id)
    if done:  # an old 差评 whose year just got its schedule may be overdue already
        escalate(tx, utc_iso(), done)
    return len(done)


def reasons_of(text: str) -> list[str]:
    return json.loads(text) if text else []
