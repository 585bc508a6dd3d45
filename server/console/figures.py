"""Satisfaction at a glance: the overview (cards, levels per day, 差评 reasons) and drill-down.

Every role may open these pages; each sees only its scope (window staff only their own
figures, through staff_filter). Each chart has its table beside it and a CSV of the same
rows: /console/figures/days.csv, /console/figures/reasons.csv, /console/figures/drill.csv.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from server.console import figure_views as fv
from server.console.auth import page_user
from server.console.scope import User, staff_filter
from server.console.templating import add_nav, csv_response, language, render, tr
from server.db import stats
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/figures", N_("Figures"),
        {"region_admin", "hall_supervisor", "window_staff", "auditor"}, 20)


def _query(request: Request, start, end, **extra) -> str:
    params = {k: v for k, v in request.query_params.items() if k in ("hall", "region")}
    params.update({"from": start.isoformat(), "to": end.isoformat(), **extra})
    return urlencode({k: v for k, v in params.items() if v})


def _data(request: Request, user: User):
    store = request.app.state.store
    start, end = fv.period(request, user)
    halls, title = fv.scope(request, user, store)
    staff = staff_filter(user)
    lang = language(request)
    days = fv.day_rows(stats.by_day(store, halls, start, end, staff))
    reasons = fv.reason_rows(stats.reasons(store, halls, start, end, staff), lang)
    return store, start, end, halls, title, days, reasons, lang


@router.get("/figures", include_in_schema=False)
def overview(request: Request, user: User = Depends(page_user)):
    store, start, end, halls, title, days, reasons, lang = _data(request, user)
    q = _query(request, start, end)
    total = stats.totals(store, halls, start, end, staff_filter(user))
    # The page's table has the chart's figures (levels per day); the CSV adds rated and 满意率.
    level_headers = [tr(request, N_("Day")), *(fv.level_label(lv, lang) for lv in stats.LEVELS)]
    return render(
        request, "figures.html", user, title=title, start=start, end=end, q=q,
        cards=fv.overview_cards(request, store, halls, user),
        total=fv.figure_row(title, total),
        day_headers=level_headers,
        day_table=[[r["day"][5:], *(r[f"level_{lv}"] for lv in stats.LEVELS)] for r in days],
        reason_headers=[tr(request, N_("Reason")), tr(request, N_("Bad reviews naming it"))],
        reason_table=[[r["label"], r["count"]] for r in reasons],
        day_chart=json.dumps(fv.day_chart(days, lang), ensure_ascii=False),
        reason_chart=json.dumps(fv.reason_chart(reasons), ensure_ascii=False),
        hall=request.query_params.get("hall", ""), region=request.query_params.get("region", ""),
        staff_only=staff_filter(user) is not None, last_day=user.last_day)


@router.get("/figures/days.csv", include_in_schema=False)
def days_csv(request: Request, user: User = Depends(page_user)):
    *_, days, _reasons, _lang = _data(request, user)
    return csv_response(days, fv.DAY_HEADERS, "levels-per-day.csv")


@router.get("/figures/reasons.csv", include_in_schema=False)
def reasons_csv(request: Request, user: User = Depends(page_user)):
    *_, reasons, _lang = _data(request, user)
    return csv_response(reasons, ["reason", "label", "count"], "bad-review-reasons.csv")


def _drill(request: Request, user: User):
    store = request.app.state.store
    start, end = fv.period(request, user)
    p = request.query_params
    level = fv.drill(request, user, store, start, end, hall=p.get("hall"),
                     window=p.get("window"), region=p.get("region"), by=p.get("by"))
    return start, end, level


@router.get("/figures/drill", include_in_schema=False)
def drill(request: Request, user: User = Depends(page_user)):
    start, end, level = _drill(request, user)
    lang = language(request)
    p = request.query_params
    extra = {k: p.get(k) for k in ("hall", "window", "region", "by") if p.get(k)}
    return render(request, "drill.html", user, level=level, start=start, end=end,
                  columns=fv.figure_headers(request, lang, level["first"]),
                  cells=fv.table_cells, extra=extra,
                  csv_url="/console/figures/drill.csv?" + urlencode(
                      {"from": start.isoformat(), "to": end.isoformat(), **extra}))


@router.get("/figures/drill.csv", include_in_schema=False)
def drill_csv(request: Request, user: User = Depends(page_user)):
    _start, _end, level = _drill(request, user)
    return csv_response(level["rows"], fv.FIGURE_HEADERS, "figures.csv")
