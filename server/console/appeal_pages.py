"""申诉 pages: the appeals in the user's halls with approve/reject for those who may decide
(a different person with a higher role than the filer; the server checks, the page only
hides buttons that would be refused)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from server.console.auth import page_user, posted_form
from server.console.case_pages import actor_of, labels, refusal
from server.console.scope import ALL_ROLES, User, not_found, require_edit
from server.console.templating import add_nav, render
from server.workflow import appeals
from server.workflow.actors import RANK, WorkflowError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/appeals", N_("Appeals"), ALL_ROLES, 45)
STATES = ("pending", "approved", "rejected", "all")


def may_decide(user: User, appeal: dict) -> bool:
    return (appeal["state"] == "pending" and user.can_edit
            and appeal["filed_by"] != user.actor
            and RANK[user.role] > RANK.get(appeal["filed_role"], 9))


def appeals_page(request: Request, user: User, state: str = "pending", status: int = 200,
                 **extra):
    if state not in STATES:
        state = "pending"
    rows = appeals.listing(request.app.state.store, actor_of(user),
                           None if state == "all" else state)
    for row in rows:
        row["may_decide"] = may_decide(user, row)
    return render(request, "appeals.html", user, status_code=status, rows=rows, state=state,
                  filters=STATES, appeal_states=appeals.STATE_LABELS,
                  **labels(request.app.state.store), **extra)


@router.get("/appeals", include_in_schema=False)
def appeal_list(request: Request, state: str = "pending", user: User = Depends(page_user)):
    return appeals_page(request, user, state)


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
