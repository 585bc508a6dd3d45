"""The 考核方案 page: the scheme in force for a month at a scope, its versions, a readable table
of aspects, items, points and caps, copying a preset and editing the JSON.

Who: region admins (their regions and halls) and hall supervisors (their own hall) set
schemes; auditors and inspectors read. A scheme is set for a scope from a month on
(server/assess/store.py set_scheme: validated, audited in the same transaction); a refused
scheme comes back in the textarea with the engine's SchemeError (path and reason) beside it.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from server.assess import outputs
from server.console import assess_views as av
from server.console.auth import page_user, posted_form
from server.console.figure_views import bad_request
from server.console.scope import User, forbidden
from server.console.templating import language, render, tr
from server.i18n import translations
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
PRESETS = {"zhumadian": N_("驻马店-style (window service capability)"),
           "shangjie": N_("上街-style (quality service windows)"),
           "jining": N_("济宁-style (common and bonus indicators, staff pay)")}
KIND_LABELS = {"metric": N_("From data"), "deduction": N_("Deduction per record"),
               "bonus": N_("Bonus per record"), "veto": N_("Veto")}


def preset_body(name: str) -> dict:
    from server.assess.scheme import PRESETS_DIR

    return json.loads((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))


# What each metric is called on the page (the scheme names them by key: server/assess/scheme.py).
METRIC_LABELS = {"rated": N_("Rated"), "satisfaction": N_("Satisfaction rate"),
                 "participation": N_("Participation rate"), "bad": N_("Bad review count"),
                 "bad_on_time": N_("Bad reviews handled on time"),
                 "appeals_upheld": N_("Appeals upheld"), "handled": N_("Cases handled"),
                 "handling_median_s": N_("Median handling time (s)"),
                 "empty": N_("Empty-post intervals"), "late": N_("Late arrivals")}


def _metric(request: Request, key: str) -> str:
    return tr(request, METRIC_LABELS[key]) if key in METRIC_LABELS else key


def _rule_text(request: Request, item) -> str:
    if item.kind in ("deduction", "bonus"):
        return tr(request, N_("{points} each"), points=f"{item.points:g}")
    if item.kind == "veto":
        return tr(request, N_("one record: veto"))
    rule = item.rule
    if rule.per_unit is not None:
        text = tr(request, N_("{metric}: {points} per unit"),
                  metric=_metric(request, item.metric), points=f"{rule.per_unit:g}")
    else:
        (x0, p0), (x1, p1) = sorted(rule.linear)
        text = tr(request, N_("{metric}: {p0} at {x0} or below, {p1} at {x1} or above"),
                  metric=_metric(request, item.metric), x0=f"{x0:g}", p0=f"{p0:g}",
                  x1=f"{x1:g}", p1=f"{p1:g}")
    return text


def readable(request: Request, scheme) -> dict:
    """The scheme as tables for people: aspects with their items, awards, staff pay."""
    aspects = []
    for a in scheme.aspects:
        rows = []
        for i in scheme.items:
            if i.aspect != a.key:
                continue
            cap = i.cap if i.kind != "metric" else (i.rule.cap if i.rule else None)
            rows.append([i.label, tr(request, KIND_LABELS[i.kind]), _rule_text(request, i),
                         "" if cap is None else f"{cap:g}"])
        aspects.append({"label": a.label, "points": f"{a.points:g}", "rows": rows})
    return {"aspects": aspects, "awards": scheme.awards, "staff": scheme.staff,
            "headers": [tr(request, N_("Item")), tr(request, N_("Kind")),
                        tr(request, N_("Points")), tr(request, N_("Cap"))]}


def _page(request: Request, user: User, scope: str, month: str, body: str | None = None,
          error: str = "", month_from: str = "", status_code: int = 200):
    store = request.app.state.store
    t = av.target(request, user, store, scope, month or av.this_month(request))
    if not av.is_month(t.period):
        raise bad_request(request, N_("A scheme is set from a month: write it as YYYY-MM."))
    from server.assess import store as assess_store

    version = assess_store.scheme_for(store, t.scope, t.period)
    versions = assess_store.versions(store, t.scope)
    if body is None:
        body = json.dumps(version.scheme.to_dict(), ensure_ascii=False, indent=1) \
            if version else ""
    return render(request, "assess_scheme.html", user, status_code=status_code, t=t,
                  num=outputs.number,
                  version=version, versions=versions, body=body, error=error,
                  month_from=month_from or t.period, presets=PRESETS,
                  table=readable(request, version.scheme) if version else None,
                  set_at=av.local_time(version.set_at) if version else "",
                  can_edit=av.may_close(user, t),
                  q=urlencode({"scope": t.scope, "period": t.period}))


@router.get("/assess/scheme", include_in_schema=False)
def page(request: Request, scope: str = "", month: str = "", period: str = "",
         user: User = Depends(page_user)):
    return _page(request, user, scope, month or period[:7])


def _save(request: Request, user: User, form, body) -> tuple[av.Target, str]:
    """Store `body` for the form's scope from its month; '' or the refusal's text."""
    store = request.app.state.store
    month_from = str(form.get("month_from") or "")
    t = av.target(request, user, store, str(form.get("scope") or ""),
                  month_from if av.period_end(month_from) else "")
    if not av.may_close(user, t):
        raise forbidden(N_("Only a region administrator, or the hall's supervisor for the "
                           "hall, may set an assessment scheme."))
    from server.assess import store as assess_store
    from server.assess.scheme import SchemeError

    try:
        with store.transaction() as tx:
            assess_store.set_scheme(tx, t.scope, month_from, body, user.actor)
    except SchemeError as exc:
        return t, exc.text(translations(language(request)).gettext)
    return t, ""


@router.post("/assess/scheme", include_in_schema=False)
def save(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    body = str(form.get("body") or "")
    t, error = _save(request, user, form, body)
    month_from = str(form.get("month_from") or "")
    if error:
        return _page(request, user, t.scope, month_from if av.is_month(month_from) else "",
                     body=body, error=error, month_from=month_from, status_code=422)
    return RedirectResponse("/console/assess/scheme?" + urlencode(
        {"scope": t.scope, "month": month_from}), status_code=303)


@router.post("/assess/scheme/copy", include_in_schema=False)
def copy(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    name = str(form.get("preset") or "")
    if name not in PRESETS:
        raise bad_request(request, N_("Pick one of the presets."))
    t, error = _save(request, user, form, preset_body(name))
    month_from = str(form.get("month_from") or "")
    if error:
        return _page(request, user, t.scope, "", error=error, month_from=month_from,
                     status_code=422)
    return RedirectResponse("/console/assess/scheme?" + urlencode(
        {"scope": t.scope, "month": month_from}), status_code=303)
