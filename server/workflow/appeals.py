"""申诉: staff or a supervisor appeals a rating as mistaken or malicious; a different person
with a higher role approves or rejects. An approved appeal EXCLUDES the rating: the row stays
stored (ratings.excluded = 1) but stops counting everywhere.

Exclusion travels the same road as any rating that stops counting: the store's ingest hooks
get IngestChanges(uncounted=[row]) inside the decision's transaction, so the roll-ups drop it,
its 差评 case is withdrawn, and every other hook learns of it; readers that count select
`excluded = 0` (figures, ranking, provincial export). Every action is an audit entry.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime

from server.db import audit
from server.db.base import utc_iso
from server.db.ratings import COLUMN_SQL, COLUMNS, IngestChanges
from server.workflow import cases
from server.workflow.actors import RANK, Actor, Forbidden, WorkflowError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

KINDS = {"mistaken": N_("Mistaken rating"), "malicious": N_("Malicious rating")}
STATE_LABELS = {"pending": N_("Pending"), "approved": N_("Approved"),
                "rejected": N_("Rejected")}
FILERS = ("window_staff", "hall_supervisor")
APPEAL_COLUMNS = ("id", "device_id", "rating_uuid", "kind", "reason", "evidence", "filed_by",
                  "filed_role", "filed_at", "state", "decided_by", "decided_role", "decided_at",
                  "decision_note")
APPEAL_SQL = ", ".join(APPEAL_COLUMNS)
MAX_TEXT = 4000


class AppealError(WorkflowError, ValueError):
    """The appeal cannot be filed or decided (the message says why)."""


REQUIRED = {"reason": N_("Give the reason."), "decision note": N_("Say why.")}


def _text(value: str, what: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise AppealError(f"the {what} is required", REQUIRED.get(what))
    if len(value) > MAX_TEXT:
        raise AppealError(f"the {what} is longer than {MAX_TEXT} characters",
                          N_("The text is too long."))
    return value


def _hall_of(tx, device_id: str) -> str:
    row = tx.one("SELECT hall FROM devices WHERE device_id = ?", [device_id])
    return row[0] if row else "?"


def file(store, actor: Actor, rating_uuid: str, kind: str, reason: str, evidence: str,
         device_id: str | None = None, now: datetime | None = None) -> dict:
    """File an appeal against a counted rating of the actor's hall (window staff: one that
    names them)."""
    if actor.role not in FILERS:
        raise Forbidden("appeals are filed by window staff or a hall supervisor")
    if kind not in KINDS:
        raise AppealError(f"kind must be one of {', '.join(KINDS)}")
    reason, evidence = _text(reason, "reason"), _text(evidence, "evidence", required=False)
    at = utc_iso(now)
    with store.transaction() as tx:
        found = tx.all('SELECT device_id, staff_id, superseded, excluded FROM ratings '
                       'WHERE uuid = ?' + (" AND device_id = ?" if device_id else ""),
                       [rating_uuid] + ([device_id] if device_id else []))
        if not found:
            raise AppealError(f"no rating {rating_uuid!r}")
        if len(found) > 1:
            raise AppealError(f"two devices sent rating {rating_uuid}: name the device too")
        device_id, staff_id, superseded, excluded = found[0]
        actor.require_hall(_hall_of(tx, device_id))
        # A window shared by two staff members: each appeals only the ratings naming them.
        if actor.role == "window_staff" and (not actor.staff_id or staff_id != actor.staff_id):
            raise Forbidden("window staff appeal only ratings that name them (their 工号)")
        if superseded or excluded:
            raise AppealError("this rating does not count; there is nothing to appeal",
                              N_("This rating does not count: there is nothing to appeal."))
        appeal_id = "A" + secrets.token_hex(5)
        values = [appeal_id, device_id, rating_uuid, kind, reason, evidence, actor.audit_name,
                  actor.role, at, "pending", None, None, None, None]
        marks = ", ".join("?" * len(APPEAL_COLUMNS))
        if tx.q(f"INSERT INTO appeals ({APPEAL_SQL}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                values).rowcount != 1:
            raise AppealError("this rating already has an appeal waiting for a decision",
                              N_("This rating already has an appeal waiting for a decision."))
        audit.append(tx, actor.audit_name, "appeal.file", f"appeal:{appeal_id}",
                     {"rating": rating_uuid, "kind": kind, "reason": reason,
                      "evidence": evidence})
    log.info("appeal %s filed by %s", appeal_id, actor.name)
    return dict(zip(APPEAL_COLUMNS, values))


def _get(tx, appeal_id: str) -> dict:
    row = tx.one(f"SELECT {APPEAL_SQL} FROM appeals WHERE id = ?", [appeal_id])
    if row is None:
        raise AppealError(f"no appeal {appeal_id!r}", N_("No such appeal."))
    return dict(zip(APPEAL_COLUMNS, row))


def decide(store, actor: Actor, appeal_id: str, approve: bool, note: str,
           now: datetime | None = None) -> dict:
    """Approve (exclude the rating) or reject a pending appeal. Refused for the person who
    filed it and for anyone whose role is not above the filer's."""
    note = _text(note, "decision note")
    at = utc_iso(now)
    with store.transaction() as tx:
        appeal = _get(tx, appeal_id)
        # The hall first: someone else's appeal gets the same answer as one that does not exist.
        actor.require_hall(_hall_of(tx, appeal["device_id"]))
        if appeal["filed_by"] == actor.audit_name:
            raise Forbidden("you filed this appeal: a different person with a higher role "
                            "must decide it", N_("You filed this appeal: a different person "
                                                 "with a higher role must decide it."))
        if actor.role not in ("hall_supervisor", "region_admin") or \
                actor.rank <= RANK[appeal["filed_role"]]:
            raise Forbidden(f"an appeal filed by a {appeal['filed_role']} is decided by a "
                            f"higher role, not a {actor.role}",
                            N_("An appeal is decided by someone with a higher role than "
                               "the person who filed it."))
        state = "approved" if approve else "rejected"
        if tx.q("UPDATE appeals SET state = ?, decided_by = ?, decided_role = ?, "
                "decided_at = ?, decision_note = ? WHERE id = ? AND state = 'pending'",
                [state, actor.audit_name, actor.role, at, note, appeal_id]).rowcount != 1:
            raise AppealError(f"appeal {appeal_id} was already decided ({appeal['state']})",
                              N_("Someone else just changed this; reload the page."))
        # The exclusion (roll-up cells, then the audit head) before this decision's own audit
        # entry: every writer takes the roll-up rows before the audit head, as ingest does, so
        # two transactions on PostgreSQL never wait for each other in a circle.
        if approve:
            exclude(store, tx, appeal["device_id"], appeal["rating_uuid"], actor,
                    f"appeal {appeal_id} approved")
        audit.append(tx, actor.audit_name, "appeal.approve" if approve else "appeal.reject",
                     f"appeal:{appeal_id}", {"rating": appeal["rating_uuid"], "note": note})
        appeal = _get(tx, appeal_id)
    log.info("appeal %s %s by %s", appeal_id, state, actor.name)
    return appeal


def exclude(store, tx, device_id: str, rating_uuid: str, actor: Actor,
            why: str) -> dict | None:
    """Mark a rating excluded and tell every ingest hook it stopped counting."""
    rows = tx.all(f"UPDATE ratings SET excluded = 1 WHERE device_id = ? AND uuid = ? "
                  f"AND excluded = 0 RETURNING {COLUMN_SQL}", [device_id, rating_uuid])
    if not rows:
        return None
    row = dict(zip(COLUMNS, rows[0]))
    if not row["superseded"]:
        changes = IngestChanges(uncounted=[row])
        hooks = getattr(store, "ingest_hooks", None) or [cases.ingest_hook]
        for hook in hooks:
            hook(tx, changes)
    audit.append(tx, actor.audit_name, "rating.exclude", f"rating:{rating_uuid}",
                 {"why": why, "level": row["level"]})
    return row


def listing(store, actor: Actor, state: str | None = "pending") -> list[dict]:
    """Appeals the actor may see (their halls), newest first, with the rating's window/level."""
    if actor.role == "window_staff":
        where, params = " AND a.filed_by = ?", [actor.audit_name]
    else:
        where, params = "", []
    if state:
        where += " AND a.state = ?"
        params.append(state)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {', '.join('a.' + c for c in APPEAL_COLUMNS)}, r.\"window\", "
                      f"r.level, d.hall FROM appeals a JOIN ratings r ON r.device_id = a.device_id "
                      f"AND r.uuid = a.rating_uuid "
                      f"LEFT JOIN devices d ON d.device_id = r.device_id WHERE 1 = 1{where} "
                      f"ORDER BY a.filed_at DESC", params)
    out = []
    for row in rows:
        item = dict(zip((*APPEAL_COLUMNS, "window", "level", "hall"), row))
        item["hall"] = item["hall"] or "?"
        if actor.sees_hall(item["hall"]):
            out.append(item)
    return out
