"""The provincial export on the console: each target's records sent, waiting, held and given
up; the records that failed with the target's last answer; the records held (e.g. "held: no
办件编号"), with a CSV; the retractions (sent by the target's retraction call, or to withdraw
on the platform by hand). A region admin can queue the given-up ones again. Everything is
limited to the halls the viewer may see."""
from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from server.console.auth import page_user
from server.console.scope import User, forbidden, require_role
from server.console.templating import add_nav, csv_response, render
from server.db import audit, audit_scope, outbox
from server.db.base import parse_iso
from server.export import views
from sync.wire.labels import N_

log = logging.getLogger(__name__)

ROLES = ("region_admin", "hall_supervisor", "auditor")
STATES = ("sent", "pending", "sending", "failed", "cancelled", "held")
HEADERS = ["target", "hall", "window", "rating", "state", "attempts", "next_at", "error",
           "queued_at"]
HELD_HEADERS = ["target", "hall", "window", "rating", "reason", "note", "catalogue", "held_at"]
HOLD_WORDS = {"no_case_no": N_("held: no 办件编号"), "unknown_reason": N_("reason without a code"),
              "missing_field": N_("a required value is unknown"),
              "not_exported": N_("not exported by this mapping")}
RETRACT_WORDS = {"queued": N_("retraction queued"), "sent": N_("retracted"),
                 "listed": N_("withdraw by hand")}

router = APIRouter()
add_nav("/console/export", N_("Provincial export"), ROLES, 75)


def local_time(text: str | None) -> str:
    """UTC text from the store in hall time (UTC+8), to the second."""
    return (parse_iso(text) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S") if text else ""


def visible(user: User, hall: str) -> bool:
    return hall in user.halls or (user.sees_unassigned and hall not in user.known_halls)


def page_data(store, user: User) -> tuple[list[dict], list[dict]]:
    """(one row per target with its counts, the failures) within the user's halls."""
    targets, counts, failures = views.by_hall(store)
    table = {t["name"]: {**t, **{s: 0 for s in STATES}} for t in targets}
    for c in counts:
        if visible(user, c["hall"]):
            row = table.setdefault(c["target"], {"name": c["target"], "mapping": "?",
                                                 "enabled": False, **{s: 0 for s in STATES}})
            row[c["state"]] = row.get(c["state"], 0) + c["n"]
    return list(table.values()), [f for f in failures if visible(user, f["hall"])]


def held_data(store, user: User) -> tuple[list[dict], list[dict]]:
    held, retractions = views.held_and_retracted(store)
    return ([h for h in held if visible(user, h["hall"])],
            [r for r in retractions if visible(user, r["hall"])])


@router.get("/export", include_in_schema=False)
def export_page(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    store = request.app.state.store
    rows, failures = page_data(store, user)
    held, retractions = held_data(store, user)
    no_case_no = sum(1 for h in held if h["reason"] == "no_case_no")
    return render(request, "export.html", user, rows=rows, failures=failures, held=held,
                  no_case_no=no_case_no, retractions=retractions, hold_words=HOLD_WORDS,
                  retract_words=RETRACT_WORDS, can_retry=user.role == "region_admin",
                  local_time=local_time)


@router.get("/export/failures.csv", include_in_schema=False)
def export_failures_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    _, failures = page_data(request.app.state.store, user)
    return csv_response(failures, HEADERS, "export-failures.csv")


@router.get("/export/held.csv", include_in_schema=False)
def export_held_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    held, _ = held_data(request.app.state.store, user)
    return csv_response(held, HELD_HEADERS, "export-held.csv")


@router.post("/export/retry", include_in_schema=False)
def export_retry(request: Request, user: User = Depends(page_user)):
    """Queue the given-up records of the admin's halls again (every target: a target is
    province-wide; another region's records are theirs to retry)."""
    if user.role != "region_admin":
        raise forbidden("only a region admin queues export records again")
    store = request.app.state.store
    everything = user.sees_unassigned and user.halls >= user.known_halls
    halls = None if everything else sorted(user.halls)
    others = sorted(user.known_halls) if user.sees_unassigned and not everything else None
    n = outbox.retry_failed(store, "export", halls=halls, other_halls_than=others)
    with store.transaction() as tx:
        audit.append(tx, user.actor, "export.retry", "export:*", {"records": n},
                     scopes=None if everything else set(audit_scope.visible_scopes(user)))
    return RedirectResponse("/console/export", status_code=303)
