"""The 考核 result as the cities publish it: the A4 notice (通报), the meeting's XLSX and the HR
sheet (per-staff score and pay band) as XLSX and CSV. All of them lay out one Result
(server/assess/outputs.py); a live (not closed) result's notice says 草稿 in its title line.

The issuing office (发文单位) is the scheme's `office` when it has one, else the hall's name
(a hall's own result) or "<region>政务服务管理办公室" (a region's); ?office= overrides it for
one print (the page's form, not stored). Who: as the result page (assess_pages.py); window
staff have none of these.
"""
from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from server.assess import outputs
from server.console import assess_views as av
from server.console.assess_pages import load
from server.console.auth import page_user
from server.console.figure_views import bad_request
from server.console.scope import User, forbidden, not_found
from server.console.templating import csv_response, render, tr
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGION_OFFICE = N_("{region} government service administration office")


def _result(request: Request, user: User, scope: str, period: str):
    if user.role == "window_staff":
        raise forbidden()
    store, t, result, why = load(request, user, scope, period)
    if result is None:
        raise bad_request(request, why)
    return store, t, result


def office(request: Request, store, t: av.Target) -> str:
    asked = (request.query_params.get("office") or "").strip()[:60]
    if asked:
        return asked
    version = av.scheme_in_force(store, t.scope, t.period)
    named = getattr(version.scheme, "office", "") if version is not None else ""
    if named:
        return named
    if t.kind == "hall":
        return t.name
    return tr(request, REGION_OFFICE, region=t.name)


def _cn_date(day: date, request: Request) -> str:
    return tr(request, N_("{month}/{day}/{year}"), year=day.year, month=day.month, day=day.day)


@router.get("/assess/notice", include_in_schema=False)
def notice(request: Request, scope: str = "", period: str = "",
           user: User = Depends(page_user)):
    store, t, result = _result(request, user, scope, period)
    say = lambda msgid: tr(request, msgid)  # noqa: E731
    names = av.hall_names(store)
    headers, rows = outputs.notice_rows(result, say, names,
                                        av.aspect_labels(store, t.scope, t.period))
    ranked = outputs.ranking_rows(result, say, names)
    day = outputs.local_day(result.closed_at) or av.today(request)
    return render(request, "assess_notice.html", user, t=t, result=result, num=outputs.number,
                  title=outputs.notice_title(result, say), office=office(request, store, t),
                  day=_cn_date(day, request), label=outputs.period_label(t.period, say),
                  columns=headers, rows=rows,
                  red=[r["name"] for r in ranked if r["unit"].flag == "red"],
                  black=[r["name"] for r in ranked if r["unit"].flag == "black"],
                  quality=[r["name"] for r in ranked if r["unit"].quality],
                  warned=[(r["name"], r["Warning"]) for r in ranked if r["unit"].warning],
                  vetoed=[(r["name"], r["Why"]) for r in ranked if r["unit"].veto],
                  details=outputs.detail_lines(result, say, names),
                  back="/console/assess?" + urlencode({"scope": t.scope, "period": t.period}))


def _file(request: Request, user: User, scope: str, period: str, kind: str) -> Response:
    """The period's meeting workbook ('xlsx'), HR sheet ('hr.xlsx') or HR CSV ('hr.csv')."""
    store, t, result = _result(request, user, scope, period)
    say = lambda msgid: tr(request, msgid)  # noqa: E731
    names = av.hall_names(store)
    stem = f"assess-{'hr-' if kind.startswith('hr') else ''}{t.scope}-{t.period}"
    if kind == "hr.csv":
        return csv_response(outputs.staff_rows(result, say, names), outputs.staff_headers(say),
                            f"{stem}.csv")
    body = (outputs.hr_xlsx if kind == "hr.xlsx" else outputs.xlsx)(result, say, names)
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{stem}.xlsx"', "Cache-Control": "no-store"})


@router.get("/assess.xlsx", include_in_schema=False)
def as_xlsx(request: Request, scope: str = "", period: str = "",
            user: User = Depends(page_user)):
    return _file(request, user, scope, period, "xlsx")


@router.get("/assess/hr.{kind}", include_in_schema=False)
def hr_sheet(request: Request, kind: str, scope: str = "", period: str = "",
             user: User = Depends(page_user)):
    if kind not in ("xlsx", "csv"):
        raise not_found()
    return _file(request, user, scope, period, f"hr.{kind}")
