"""差评 case pages: the open-case list (sortable by due date, overdue marked in words and
colour), one case with its step form, and the window staff's view of their own windows
(that a case exists and when it is due; no id, ticket, time or level)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from server.console.auth import page_user, posted_form
from server.console.notices import holiday_notice
from server.console.scope import ALL_ROLES, User, forbidden, not_found, require_edit
from server.console.templating import add_nav, render, tr
from server.db import org, users
from server.db.base import parse_iso
from server.workflow import appeals, case_views, cases
from server.workflow.actors import Actor, Forbidden, WorkflowError
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/cases", N_("Bad-review cases"), ALL_ROLES, 40)


def actor_of(user: User) -> Actor:
    """The workflow's view of a console user: role, halls, and a staff member's windows."""
    return Actor(user.username, user.role, frozenset(user.halls),
                 frozenset(number for _hall, number in user.windows))


def local_time(text: str | None) -> str:
    """UTC text from the store as the hall's local time, to the minute."""
    if not text:
        return ""
    return parse_iso(text).astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M")


def refusal(request: Request, exc: WorkflowError) -> str:
    """A workflow refusal in the reader's language (its English text when it has no msgid)."""
    return tr(request, exc.msgid) if exc.msgid else str(exc)


def labels(store=None) -> dict:
    """What the case and appeal templates share: labels, local time, and who() naming the
    person behind an audit-style actor ("user:sup1" -> 张主任, "system" -> 系统)."""
    names = {f"user:{a.username}": a.display_name for a in users.all_accounts(store)} \
        if store is not None else {}
    halls = {h.hall_id: h.name for h in org.halls(store).values()} if store is not None else {}
    return {"states": cases.STATE_LABELS, "steps": cases.STEP_LABELS,
            "kinds": appeals.KINDS, "local_time": local_time,
            "who": lambda actor: names.get(actor, actor.split(":", 1)[-1]),
            "hall_name": lambda hall: halls.get(hall, hall)}


@router.get("/cases", include_in_schema=False)
def case_list(request: Request, sort: str = "due", all: str = "",
              user: User = Depends(page_user)):
    store = request.app.state.store
    actor = actor_of(user)
    if user.role == "window_staff":
        return staff_page(request, user)
    if sort not in case_views.SORTS:
        sort = "due"
    show_all = all == "1"   # a hand-typed ?all=yes shows the open cases, never an error
    rows = case_views.list_cases(store, actor, open_only=not show_all, sort=sort)
    overdue = sum(r["overdue"] for r in rows)
    return render(request, "cases.html", user, rows=rows, sort=sort, show_all=show_all,
                  overdue=overdue, holiday_notice=holiday_notice(request, user),
                  **labels(store))


def staff_page(request: Request, user: User, status: int = 200, **extra):
    rows = case_views.staff_view(request.app.state.store, actor_of(user))
    # labels() without the store: no names, staff see no one's steps
    return render(request, "cases_staff.html", user, status_code=status, rows=rows,
                  holiday_notice=holiday_notice(request, user), **labels(), **extra)


def detail_page(request: Request, user: User, case_id: str, status: int = 200, **extra):
    if user.role == "window_staff":
        raise forbidden("window staff see their cases on the case list")
    try:
        case = case_views.detail(request.app.state.store, actor_of(user), case_id)
    except cases.CaseError:
        raise not_found("no such case")
    except Forbidden:
        raise forbidden()
    return render(request, "case.html", user, status_code=status, case=case,
                  can_act=user.can_edit, **labels(request.app.state.store), **extra)


@router.get("/cases/{case_id}", include_in_schema=False)
def case_detail(request: Request, case_id: str, user: User = Depends(page_user)):
    return detail_page(request, user, case_id)


@router.post("/cases/{case_id}/advance", include_in_schema=False)
def case_advance(request: Request, case_id: str, user: User = Depends(page_user),
                 form=Depends(posted_form)):
    """Record the step the form was opened at (hidden field `step`): if the case has moved
    on since, nothing is saved and the page says who moved it and when (409)."""
    require_edit(user)
    note = str(form.get("note") or "")
    step = str(form.get("step") or "")
    store = request.app.state.store
    try:
        if not step:   # a form from before the field existed: it cannot say its step
            raise cases.CaseError("the form does not say its step",
                                  N_("Someone else just changed this; reload the page."))
        cases.advance(store, case_id, actor_of(user), note, expected=step)
    except Forbidden:
        raise forbidden()
    except cases.StaleStep as exc:
        names = labels(store)
        who = tr(request, N_("System")) if exc.by in (None, "system") else names["who"](exc.by)
        message = tr(request, N_("Not saved: {who} moved this case on at {time}; it is now "
                                 "\u201c{state}\u201d. Your note is kept below: submit it "
                                 "again only if it belongs to the step shown now."),
                     who=who, time=local_time(exc.at) or "?",
                     state=tr(request, cases.STATE_LABELS.get(exc.state, exc.state)))
        return detail_page(request, user, case_id, 409, step_error=message, note=note)
    except cases.CaseError as exc:
        return detail_page(request, user, case_id, 400, step_error=refusal(request, exc),
                           note=note)
    return RedirectResponse(f"/console/cases/{case_id}", 303)


@router.post("/cases/{case_id}/appeal", include_in_schema=False)
def case_appeal(request: Request, case_id: str, user: User = Depends(page_user),
                form=Depends(posted_form)):
    """A supervisor appeals the rating behind a case."""
    require_edit(user)
    store = request.app.state.store
    values = {k: str(form.get(k) or "") for k in ("kind", "reason", "evidence")}
    try:
        case = case_views.detail(store, actor_of(user), case_id)
        appeals.file(store, actor_of(user), case["rating_uuid"], values["kind"],
                     values["reason"], values["evidence"], device_id=case["device_id"])
    except Forbidden as exc:
        if user.role == "region_admin":   # filing is for the hall; deciding is theirs
            return detail_page(request, user, case_id, 400,
                               appeal_error=refusal(request, exc), appeal=values)
        raise forbidden()
    except WorkflowError as exc:
        return detail_page(request, user, case_id, 400, appeal_error=refusal(request, exc),
                           appeal=values)
    return RedirectResponse("/console/appeals", 303)


@router.post("/cases/staff-appeal", include_in_schema=False)
def staff_appeal(request: Request, user: User = Depends(page_user),
                 form=Depends(posted_form)):
    """Window staff appeal a case of their window by its opaque reference."""
    if user.role != "window_staff":
        raise forbidden()
    store = request.app.state.store
    actor = actor_of(user)
    values = {k: str(form.get(k) or "") for k in ("ref", "kind", "reason", "evidence")}
    try:
        case = case_views.case_by_ref(store, actor, values["ref"])
        appeals.file(store, actor, case["rating_uuid"], values["kind"], values["reason"],
                     values["evidence"], device_id=case["device_id"])
    except WorkflowError as exc:
        return staff_page(request, user, 400, appeal_error=refusal(request, exc),
                          appeal=values)
    return RedirectResponse("/console/appeals", 303)
