"""申诉 pages: the appeals in the user's halls (keyset-paged, filtered by state, hall and
window, CSV streamed) with approve/reject for those who may decide (a different person with
a higher role than the filer; the server checks, the page only hides buttons that would be
refused). Window staff see only their own appeals, never the rating's level."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from server.console import listing
from server.console.auth import page_user, posted_form
from server.console.case_pages import actor_of, labels, local_time, refusal
from server.console.scope import ALL_ROLES, User, not_found, require_edit
from server.console.templating import add_nav, render
from server.workflow import appeals, case_list
from server.workflow.actors import RANK, WorkflowError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/appeals", N_("Appeals"), ALL_ROLES, 45)
STATES = case_list.APPEAL_STATES


def may_decide(user: User, appeal: dict) -> bool:
    return (appeal["state"] == "pending" and user.can_edit
            and appeal["filed_by"] != user.actor
            and RANK[user.role] > RANK.get(appeal["filed_role"], 9))


def appeals_page(request: Request, user: User, state: str = "pending", status: int = 200,
                 **extra):
    """One page of the appeals (filters state, hall, window; keyset paged). Window staff see
    only their own appeals and never the rating's level."""
    store = request.app.state.store
    f = listing.filters(request, user, STATES, state if state in STATES else "pending")
    page = listing.page_or_400(request, lambda: case_list.appeal_page(
        store, actor_of(user), f["state"], f["hall"], f["window"], f["after"], f["size"]))
    for row in page["rows"]:
        row["may_decide"] = may_decide(user, row)
    here = listing.keep(f)
    return render(request, "appeals.html", user, status_code=status, rows=page["rows"],
                  page=page, state=f["state"], f=f, here=here, query=listing.query,
                  halls=sorted(user.halls), filters=STATES, appeal_states=appeals.STATE_LABELS,
                  shows_level=user.sees_rating_details or user.role == "auditor",
                  **labels(store), **extra)


@router.get("/appeals", include_in_schema=False)
def appeal_list(request: Request, state: str = "pending", user: User = Depends(page_user)):
    return appeals_page(request, user, state)


APPEAL_CSV = ["appeal", "state", "kind", "hall", "window", "level", "case_opened", "reason",
              "evidence", "filed_by", "filed_at", "decided_by", "decided_at", "decision_note"]
STAFF_APPEAL_CSV = ["appeal", "state", "kind", "window", "case_opened", "reason", "evidence",
                    "filed_at", "decided_at", "decision_note"]


@router.get("/appeals.csv", include_in_schema=False)
def appeal_csv(request: Request, state: str = "all", user: User = Depends(page_user)):
    """The whole filtered list of appeals as CSV, streamed (staff: no level, no names)."""
    store, actor = request.app.state.store, actor_of(user)
    f = listing.filters(request, user, STATES, state if state in STATES else "all")
    staff = user.role == "window_staff"

    def row(a: dict) -> list:
        values = {"appeal": a["id"], "case_opened": a["opened_day"],
                  "filed_by": a["filed_by"].split(":", 1)[-1],
                  "filed_at": local_time(a["filed_at"]), "decided_at": local_time(
                      a["decided_at"]), "decided_by": (a["decided_by"] or "").split(":", 1)[-1]}
        return [values.get(h, a.get(h)) for h in (STAFF_APPEAL_CSV if staff else APPEAL_CSV)]
    return listing.csv_stream(
        lambda after: case_list.appeal_page(store, actor, f["state"], f["hall"], f["window"],
                                            after, listing.CSV_BATCH),
        STAFF_APPEAL_CSV if staff else APPEAL_CSV, row, "appeals.csv")


@router.post("/appeals/{appeal_id}/decide", include_in_schema=False)
def appeal_decide(request: Request, appeal_id: str, user: User = Depends(page_user),
                  form=Depends(posted_form)):
    require_edit(user)
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "")
    if decision not in ("approve", "reject"):
        return appeals_page(request, user, status=400, errors={appeal_id: refusal_text(
            request)}, notes={appeal_id: note})
    try:
        appeals.decide(request.app.state.store, actor_of(user), appeal_id,
                       decision == "approve", note)
    except WorkflowError as exc:
        if exc.msgid in (N_("No such appeal."), N_("This hall is not in your scope.")):
            raise not_found("no such appeal")   # the same answer: nothing of it is shown
        return appeals_page(request, user, status=400,
                            errors={appeal_id: refusal(request, exc)}, notes={appeal_id: note})
    return RedirectResponse("/console/appeals?state=all", 303)


def refusal_text(request: Request) -> str:
    from server.console.templating import tr

    return tr(request, N_("Choose approve or reject."))
