"""差评 case pages: the case list (keyset-paged, filtered by hall, window and state, sortable
by due date, overdue marked in words and colour, CSV of the whole filtered list streamed),
one case with its step form, and the window staff's view of the cases naming them, opened
before their view's cut-off (window, opened date, state, due day; no id, ticket, time or
level: server/workflow/case_list.py)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from server.console import listing
from server.console.auth import page_user, posted_form
from server.console.notices import holiday_notice
from server.console.scope import ALL_ROLES, User, forbidden, not_found, require_edit
from server.console.templating import add_nav, render, tr
from server.db import org, users
from server.db.base import parse_iso
from server.workflow import appeals, case_list as case_list_sql, case_views, cases
from server.workflow.actors import Actor, Forbidden, WorkflowError
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
NO_SUCH_CASE = N_("No such case about you.")
add_nav("/console/cases", N_("Bad-review cases"), ALL_ROLES, 40)


def actor_of(user: User) -> Actor:
    """The workflow's view of a console user: role, halls, and a staff member's windows,
    工号 and view cut-off (scope.User.visible_until). Roles outside the workflow (督察
    inspectors) read no 差评 case or appeal: 403, as for any page not theirs."""
    if user.role not in ALL_ROLES:
        raise forbidden(N_("your role may not open this page"))
    return Actor(user.username, user.role, frozenset(user.halls),
                 frozenset(number for _hall, number in user.windows),
                 staff_id=user.staff_id, visible_until=user.visible_until_text)


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
    """One page of the filtered cases (hall, window, state; keyset paged, "next page")."""
    store = request.app.state.store
    if user.role == "window_staff":
        return staff_page(request, user)
    if sort not in case_list_sql.SORTS:
        sort = "due"
    f = listing.filters(request, user, case_list_sql.STATES,
                        "all" if all == "1" else "open")  # a hand-typed ?all=yes: open
    page = listing.page_or_400(request, lambda: case_list_sql.case_page(
        store, actor_of(user), f["hall"], f["window"], f["state"], sort, f["after"],
        f["size"]))
    here = listing.keep(f, sort=sort)
    return render(request, "cases.html", user, rows=page["rows"], page=page, sort=sort,
                  f=f, here=here, query=listing.query, states_filter=case_list_sql.STATES,
                  show_all=f["state"] == "all", overdue=page["overdue"],
                  halls=sorted(user.halls), holiday_notice=holiday_notice(request, user),
                  **labels(store))


CASE_CSV = ["case", "hall", "window", "staff_id", "level", "state", "opened", "due_day",
            "overdue", "escalated_to"]
STAFF_CSV = ["window", "opened_day", "state", "due_day", "overdue"]


@router.get("/cases.csv", include_in_schema=False)
def case_csv(request: Request, sort: str = "due", user: User = Depends(page_user)):
    """The whole filtered list as CSV, streamed page by page (staff: their own view's rows)."""
    store, actor = request.app.state.store, actor_of(user)
    if user.role == "window_staff":
        window = listing.filters(request, user, ("open",), "open")["window"]
        return listing.csv_stream(
            lambda after: case_list_sql.staff_page(store, actor, window, after,
                                                   listing.CSV_BATCH),
            STAFF_CSV, lambda r: [r["window"], r["opened_day"], r["state"], r["due_day"],
                                  int(r["overdue"])], "my-cases.csv")
    sort = sort if sort in case_list_sql.SORTS else "due"
    f = listing.filters(request, user, case_list_sql.STATES, "open")
    return listing.csv_stream(
        lambda after: case_list_sql.case_page(store, actor, f["hall"], f["window"],
                                              f["state"], sort, after, listing.CSV_BATCH),
        CASE_CSV, lambda c: [c["id"], c["hall"], c["window"], c["staff_id"], c["level"],
                             c["state"], local_time(c["opened_at"]), c["due_day"],
                             int(c["overdue"]), c["escalated_to"]], "cases.csv")


def staff_page(request: Request, user: User, status: int = 200, **extra):
    """A window staff member's cases: only those naming them, as they stood at the end of
    yesterday (scope.User.visible_until), one page at a time."""
    f = listing.filters(request, user, ("open",), "open")
    page = listing.page_or_400(request, lambda: case_list_sql.staff_page(
        request.app.state.store, actor_of(user), f["window"], f["after"], f["size"]))
    # labels() without the store: no names, staff see no one's steps
    return render(request, "cases_staff.html", user, status_code=status, rows=page["rows"],
                  page=page, f=f, here=listing.keep(f, state=None), query=listing.query,
                  last_day=user.last_day,
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
    """Window staff appeal a case about them (their 工号) by its opaque reference."""
    if user.role != "window_staff":
        raise forbidden()
    store = request.app.state.store
    actor = actor_of(user)
    values = {k: str(form.get(k) or "") for k in ("ref", "kind", "reason", "evidence")}
    try:
        case = case_list_sql.staff_case_by_ref(store, actor, values["ref"])
        if case is None:   # a colleague's case, a closed one, or no case at all: one answer
            return staff_page(request, user, 404, appeal_error=tr(request, NO_SUCH_CASE),
                              appeal=values)
        appeals.file(store, actor, case["rating_uuid"], values["kind"], values["reason"],
                     values["evidence"], device_id=case["device_id"])
    except WorkflowError as exc:
        return staff_page(request, user, 400, appeal_error=refusal(request, exc),
                          appeal=values)
    return RedirectResponse("/console/appeals", 303)
