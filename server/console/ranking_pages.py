"""The monthly ranking page: flags with the reason for each, month close, print, CSV and XLSX.

Who: region admins (their halls and their regions' departments, and the windows, staff and
departments of those halls), hall supervisors (their hall's windows, staff and departments),
auditors (read only). Window staff have no ranking page.
The rules are server/workflow/ranking.py's; this module only picks the scope and lays out.
"""
from __future__ import annotations

import io
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from server.console.auth import page_user, posted_form
from server.console.figure_views import bad_request
from server.console.scope import User, require_edit, require_hall, require_region, require_role
from server.console.templating import add_nav, csv_response, render, tr
from server.db import org, stats
from server.db.base import parse_iso
from server.workflow import ranking
from sync.wire import cells
from sync.wire.labels import N_

log = logging.getLogger(__name__)

READERS = ("region_admin", "hall_supervisor", "auditor")
HEADERS = ["rank", "flag", "key", "unit", "rated", "satisfaction", "participation", "bad",
           "unrated", "late", "why"]
router = APIRouter()
add_nav("/console/ranking", N_("Ranking"), READERS, 30)


def _target(request: Request, user: User, store, kind, scope, month,
            lenient: bool = True) -> tuple[str, str, str, str]:
    """(kind, scope, month, title) after the scope checks: 404 unknown, 403 not yours. A
    page (lenient) read with a hall for a region's kind, or the other way round (the picker
    keeps the last scope when the kind changes), starts at the user's default scope."""
    require_role(user, *READERS)
    month = month or stats.today().strftime("%Y-%m")
    try:
        stats.month_range(month)
    except stats.RangeError as exc:
        raise bad_request(request, str(exc)) from None
    if not kind:
        kind = "windows" if user.role == "hall_supervisor" else "halls"
    if kind not in ranking.KINDS:
        raise bad_request(request, N_("Unknown ranking."))
    regions = org.regions(store)
    if kind in ranking.REGION_KINDS:
        if lenient and scope in user.known_halls and scope not in regions:
            scope = ""
        scope = scope or next(iter(sorted(c for c in user.regions
                                          if regions[c].parent not in user.regions)), "")
        require_region(user, scope, store)
        return kind, scope, month, regions[scope].name
    if lenient and scope in regions and scope not in user.known_halls:
        scope = ""
    scope = scope or next(iter(sorted(user.halls)), "")
    require_hall(user, scope)
    return kind, scope, month, org.hall(store, scope).name


def _why(request: Request, row: dict) -> str:
    """The reason line of a row: "满意率 97.1% (rank 1 of 12)", or why it is not ranked."""
    if not row["qualified"]:
        return tr(request, N_("Not ranked: {n} rated, fewer than the {min} needed."),
                  n=row["rated"], min=row.get("min_rated", ""))
    value = row["score_value"]
    shown = f"{value:.2f}" if row["score"] == "mean_level" else stats.pct(value)
    return tr(request, N_("{score} {value} (rank {rank} of {of})"),
              score=tr(request, ranking.SCORES[row["score"]]), value=shown,
              rank=row["rank"], of=row["of"])


def _rows(request: Request, shown: dict) -> list[dict]:
    flags = {"red": tr(request, N_("Red flag")), "black": tr(request, N_("Black flag"))}
    out = []
    for r in shown["rows"]:
        r = {**r, "min_rated": shown["settings"]["min_rated"]}
        out.append({**r, "unit": r["label"], "why": _why(request, r),
                    "flag_label": flags.get(r["flag"], ""), "late": r.get("late", "")})
    return out


def _load(request: Request, user: User, kind, scope, month):
    store = request.app.state.store
    kind, scope, month, title = _target(request, user, store, kind, scope, month)
    shown = ranking.view(store, kind, scope, month)
    return store, kind, scope, month, title, shown, _rows(request, shown)


@router.get("/ranking", include_in_schema=False)
def page(request: Request, kind: str = "", scope: str = "", month: str = "",
         user: User = Depends(page_user)):
    store, kind, scope, month, title, shown, rows = _load(request, user, kind, scope, month)
    q = urlencode({"kind": kind, "scope": scope, "month": month})
    regions = org.regions(store)
    choices = ([(c, regions[c].name) for c in sorted(user.regions)]
               if kind in ranking.REGION_KINDS else
               [(h, v.name) for h, v in org.halls(store).items() if h in user.halls])
    _first, last = stats.month_range(month)
    closed = shown["closed"] or {}
    at = closed.get("closed_at")
    return render(request, "ranking.html", user, kind=kind, scope=scope, month=month,
                  closed_by=closed.get("closed_by", "").removeprefix("user:"),
                  closed_at=parse_iso(at).astimezone(stats.HALL_TZ).strftime("%Y-%m-%d %H:%M")
                  if at else "",
                  title=title, rows=rows, shown=shown, q=q, choices=choices,
                  kinds=ranking.KINDS, score_label=tr(request, ranking.SCORES[
                      shown["settings"]["score"]]),
                  red=[r for r in rows if r["flag"] == "red"],
                  black=[r for r in rows if r["flag"] == "black"],
                  can_close=user.can_edit and shown["closed"] is None
                  and last < stats.today())


@router.get("/ranking.csv", include_in_schema=False)
def as_csv(request: Request, kind: str = "", scope: str = "", month: str = "",
           user: User = Depends(page_user)):
    *_, month, _title, _shown, rows = _load(request, user, kind, scope, month)
    return csv_response(rows, HEADERS, f"ranking-{kind or 'units'}-{scope}-{month}.csv"
                        if scope else f"ranking-{month}.csv")


@router.get("/ranking.xlsx", include_in_schema=False)
def as_xlsx(request: Request, kind: str = "", scope: str = "", month: str = "",
            user: User = Depends(page_user)):
    from openpyxl import Workbook

    _store, kind, scope, month, title, shown, rows = _load(request, user, kind, scope, month)
    book = Workbook()
    sheet = book.active
    sheet.title = month
    # Text as string cells, never formulas (a unit or staff name may start with "=").
    sheet.append(cells.xlsx_row(sheet, [f"{title} {month} {tr(request, ranking.KINDS[kind])}"]))
    sheet.append(cells.xlsx_row(sheet, HEADERS))
    for r in rows:
        sheet.append(cells.xlsx_row(sheet, [r[h] for h in HEADERS]))
    for column, width in zip("ABCDEFGHIJK", (6, 8, 10, 28, 8, 12, 12, 8, 8, 8, 40)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    name = f"ranking-{kind}-{scope}-{month}.xlsx"
    return Response(out.getvalue(), headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/ranking/close", include_in_schema=False)
def close(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    """Freeze a finished month's ranking (CSRF checked by page_user; supervisors only)."""
    require_edit(user)
    store = request.app.state.store
    kind, scope, month, _title = _target(request, user, store, str(form.get("kind") or ""),
                                         str(form.get("scope") or ""),
                                         str(form.get("month") or ""), lenient=False)
    try:
        ranking.close(store, kind, scope, month, user.actor)
    except ranking.RankingError as exc:
        raise bad_request(request, str(exc)) from None
    q = urlencode({"kind": kind, "scope": scope, "month": month})
    return RedirectResponse(f"/console/ranking?{q}", status_code=303)
