"""Reading 差评 cases: the supervisor's list, one case in full, and the daily digest. Every
reader is an Actor and sees only what its role and halls allow. The console's paged lists
and the window staff's view (a case about them exists and when it is due, nothing else) are
server/workflow/case_list.py.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone

from server.db.base import parse_iso, utc_iso
from server.db.ratings import COLUMN_SQL as RATING_SQL, COLUMNS as RATING_COLUMNS
from server.workflow.actors import Actor, Forbidden
from server.workflow.cases import (COLUMN_SQL, COLUMNS, DUE_SQL, OPEN_STATES, CaseError,
                                   get_row, reasons_of)
from server.workflow.workdays import HALL_TZ

log = logging.getLogger(__name__)

SORTS = {"due": f"{DUE_SQL} IS NOT NULL, {DUE_SQL}, opened_at",
         "opened": "opened_at DESC", "hall": 'hall, "window", opened_at'}


def annotate(case: dict, now: datetime) -> dict:
    """Add the current step's due date, overdue and local due day to a case dict."""
    out = dict(case)
    due = case.get(f"{case['state']}_due") if case["state"] in OPEN_STATES else None
    out["due"] = due
    out["overdue"] = bool(due and due < utc_iso(now))
    out["due_day"] = parse_iso(due).astimezone(HALL_TZ).date().isoformat() if due else None
    return out


def _scope(actor: Actor) -> tuple[str, list]:
    if actor.role == "window_staff":
        raise Forbidden("window staff see only their own window's cases (staff view)")
    if actor.halls is None:
        return "", []
    halls = sorted(actor.halls) or [""]
    return f" AND hall IN ({', '.join('?' * len(halls))})", halls


def list_cases(store, actor: Actor, open_only: bool = True, sort: str = "due",
               hall: str | None = None, now: datetime | None = None) -> list[dict]:
    """Cases the actor may see, overdue marked, sorted by the current due date by default."""
    now = now or datetime.now(timezone.utc)
    clause, params = _scope(actor)
    if open_only:
        clause += " AND state IN ('verify', 'rectify', 'answer')"
    if hall:
        clause += " AND hall = ?"
        params.append(hall)
    order = SORTS.get(sort)
    if order is None:
        raise CaseError(f"sort by one of {', '.join(SORTS)}")
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {COLUMN_SQL} FROM cases WHERE 1 = 1{clause} ORDER BY {order}",
                      params)
    return [annotate(dict(zip(COLUMNS, r)), now) for r in rows]


def detail(store, actor: Actor, case_id: str, now: datetime | None = None) -> dict:
    """One case with its steps and the rating it came from (no citizen data exists to show)."""
    now = now or datetime.now(timezone.utc)
    _scope(actor)
    with store.transaction(write=False) as tx:
        case = get_row(tx, case_id)
        actor.require_hall(case["hall"])
        steps = [dict(zip(("seq", "step", "done_by", "done_at", "note"), r)) for r in tx.all(
            "SELECT seq, step, done_by, done_at, note FROM case_steps WHERE case_id = ? "
            "ORDER BY seq", [case_id])]
        rating = tx.one(f"SELECT {RATING_SQL} FROM ratings WHERE device_id = ? AND uuid = ?",
                        [case["device_id"], case["rating_uuid"]])
    out = annotate(case, now)
    out["steps"] = steps
    if rating:
        r = dict(zip(RATING_COLUMNS, rating))
        out["rating"] = {"ticket": r["ticket"], "case_no": r["case_id"],
                         "item_code": r["item_code"], "rated_at": r["corrected_at"],
                         "reasons": reasons_of(r["reasons"]), "source": r["source"]}
    return out


def staff_ref(case: dict) -> str:
    """An opaque handle on a case for window staff (to appeal it): a hash over the rating's
    random uuid, so it tells nothing (no id, date or ticket) and cannot be guessed."""
    return hashlib.sha256(f"{case['id']}/{case['rating_uuid']}".encode()).hexdigest()[:20]


def digest(store, actor: Actor, now: datetime | None = None) -> dict:
    """The daily digest: open cases overdue, due by the end of today (local), and escalated,
    per hall, for everyone the actor answers for."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(HALL_TZ).date()
    end_today = utc_iso(datetime.combine(today + timedelta(days=1), datetime.min.time(),
                                         HALL_TZ))
    cases = list_cases(store, actor, open_only=True, sort="due", now=now)
    overdue = [c for c in cases if c["overdue"]]
    due_today = [c for c in cases if not c["overdue"] and c["due"] and c["due"] < end_today]
    undated = [c for c in cases if c["due_error"]]
    halls: dict[str, dict] = {}
    for c in cases:
        h = halls.setdefault(c["hall"], {"open": 0, "overdue": 0, "escalated": 0})
        h["open"] += 1
        h["overdue"] += c["overdue"]
        h["escalated"] += bool(c["escalated_to"])
    return {"date": today.isoformat(), "generated_at": utc_iso(now), "open": len(cases),
            "overdue": overdue, "due_today": due_today, "undated": undated, "halls": halls}


def digest_text(d: dict) -> str:
    """The digest as plain text (Chinese first), for the terminal or an e-mail body."""
    lines = [f"差评工单日报 {d['date']}: 未办结 {d['open']}, 逾期 {len(d['overdue'])}, "
             f"今日到期 {len(d['due_today'])}"]
    for title, key in (("逾期 overdue", "overdue"), ("今日到期 due today", "due_today"),
                       ("无期限 no due date", "undated")):
        if d[key]:
            lines.append(f"{title}:")
            lines += [f"  {c['id']}  {c['hall']} 窗口{c['window']}  {c['state']}  "
                      f"due {c['due_day'] or '-'}"
                      + (f"  → {c['escalated_to']}" if c["escalated_to"] else "")
                      + (f"  ({c['due_error']})" if c["due_error"] else "")
                      for c in d[key]]
    for hall, h in sorted(d["halls"].items()):
        lines.append(f"{hall}: open {h['open']}, overdue {h['overdue']}, "
                     f"escalated {h['escalated']}")
    return "\n".join(lines)
