"""The 考核 result page (issue 28): each window unit's score, rank, 红旗/黑旗, 优质服务窗口,
通报/约谈 and veto; a unit's breakdown item by item; the result's notes and pending contests;
CSV of the table; closing the period (confirm, CSRF; the engine audits and freezes it).

Who: region admins, auditors and inspectors (their regions and halls), hall supervisors
(their hall); closing: region admins, and hall supervisors for their own hall's scope.
Window staff get their own unit and score in closed periods (assess_staff.py).
Outputs of the same Result (notice, XLSX, HR sheet): assess_print.py; the scheme:
assess_scheme_pages.py.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from server.assess import outputs
from server.console import assess_views as av
from server.console.auth import page_user, posted_form
from server.console.figure_views import bad_request
from server.console.scope import User, forbidden, not_found
from server.console.templating import add_nav, csv_response, render, tr
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/assess", N_("Assessment"), {*av.READERS, "window_staff"}, 32)


def _say(request: Request):
    return lambda msgid: tr(request, msgid)


def load(request: Request, user: User, scope: str, period: str):
    """(store, target, Result or None, why none) after the scope checks."""
    store = request.app.state.store
    t = av.target(request, user, store, scope, period)
    try:
        return store, t, av.result_for(request, store, t.scope, t.period), ""
    except av.NoResult as exc:
        return store, t, None, str(exc)


@router.get("/assess", include_in_schema=False)
def page(request: Request, scope: str = "", period: str = "", user: User = Depends(page_user)):
    if user.role == "window_staff":
        from server.console import assess_staff

        return assess_staff.page(request, user, period)
    store, t, result, why = load(request, user, scope, period)
    say = _say(request)
    names = av.hall_names(store)
    q = urlencode({"scope": t.scope, "period": t.period})
    rows = outputs.ranking_rows(result, say, names) if result else []
    for r in rows:
        r["url"] = "/console/assess/unit?" + urlencode({**dict(scope=t.scope,
                                                               period=t.period),
                                                        "unit": r["key"]})
        r["score_text"] = outputs.number(r["Score"])
    return render(request, "assess.html", user, t=t, result=result, why=why, rows=rows, q=q,
                  num=outputs.number,
                  title=outputs.notice_title(result, say) if result else "",
                  label=outputs.period_label(t.period, say),
                  quality=[r for r in rows if r["unit"].quality],
                  red=[r for r in rows if r["unit"].flag == "red"],
                  black=[r for r in rows if r["unit"].flag == "black"],
                  warned=[r for r in rows if r["unit"].warning],
                  closed_at=av.local_time(result.closed_at) if result else "",
                  can_close=bool(result) and result.closed_at is None and t.ended
                  and av.may_close(user, t))


@router.get("/assess/unit", include_in_schema=False)
def unit(request: Request, scope: str = "", period: str = "", unit: str = "",
         user: User = Depends(page_user)):
    if user.role == "window_staff":
        raise forbidden()
    store, t, result, why = load(request, user, scope, period)
    found = next((u for u in (result.units if result else []) if u.key == unit), None)
    if found is None:
        raise not_found(N_("No such unit in this result."))
    return unit_page(request, user, t, result, found)


def unit_page(request: Request, user: User, t: av.Target, result, found, staff=None,
              **extra):
    """A unit's breakdown (also the staff view's, with their own StaffScore)."""
    say = _say(request)
    store = request.app.state.store
    headers, lines = outputs.breakdown_table(found, say)
    aspect_headers, aspect_rows = outputs.aspect_table(found, say)
    many = outputs.many_halls(result)
    return render(request, "assess_unit.html", user, t=t, result=result, u=found,
                  name=outputs.unit_label(found, av.hall_names(store), many),
                  label=outputs.period_label(t.period, say), columns=headers, lines=lines,
                  aspect_headers=aspect_headers, aspect_rows=aspect_rows,
                  score=outputs.number(found.score), base=outputs.number(result.base),
                  staff=staff, closed_at=av.local_time(result.closed_at),
                  **{"back": "/console/assess?" + urlencode({"scope": t.scope,
                                                             "period": t.period}), **extra})


@router.get("/assess.csv", include_in_schema=False)
def as_csv(request: Request, scope: str = "", period: str = "",
           user: User = Depends(page_user)):
    if user.role == "window_staff":
        raise forbidden()
    store, t, result, why = load(request, user, scope, period)
    if result is None:
        raise bad_request(request, why)
    say = _say(request)
    return csv_response(outputs.ranking_table(result, say, av.hall_names(store)),
                        outputs.ranking_headers(say), f"assess-{t.scope}-{t.period}.csv")


@router.post("/assess/close", include_in_schema=False)
def close(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    """Close and freeze the period's result (CSRF checked by page_user); the engine refuses
    a period not ended, one already closed, or one with contested records pending, unless
    the closer confirms closing with contests pending (force)."""
    store = request.app.state.store
    scope, period = str(form.get("scope") or ""), str(form.get("period") or "")
    if not scope or not period:   # never a default scope or period for a close
        raise bad_request(request, N_("Say which scope and period to close."))
    t = av.target(request, user, store, scope, period)
    if not av.may_close(user, t):
        raise forbidden(N_("Only a region administrator, or the hall's supervisor for the "
                           "hall, may close an assessment."))
    from server.assess import results
    from server.assess.scheme import SchemeError
    from server.console.scope import ConsoleError, console_now
    from server.console.templating import language
    from server.i18n import translations

    try:
        results.close(store, t.scope, t.period, user.display_name, user.actor,
                      force=form.get("force") == "1", now=console_now(request))
    except SchemeError as exc:   # not ended, closed already, contests pending, no scheme
        raise ConsoleError(400, exc.text(translations(language(request)).gettext)) from None
    q = urlencode({"scope": t.scope, "period": t.period})
    return RedirectResponse(f"/console/assess?{q}", status_code=303)
