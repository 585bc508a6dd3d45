"""The 窗口服务 page (issue 27.6): 办件量, 办理时长, 空岗, sign-in times and kiosk offline time per
hall, window, staff member and day, for a month or a day; CSV of every table; the 空岗 list,
which hall supervisors and region admins annotate (外出办事 approved: the interval no longer
counts; audited).

Who: region admins and auditors (their region's halls; auditors read only), hall supervisors
(their hall), window staff (their own facts, up to yesterday), inspectors (their region's
halls; they and region admins make a 空岗 interval a 督察 deduction with one click). Every request goes through
service_views.target(), which checks the scope on the server.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from server.console import service_views as sv
from server.console.auth import page_user, posted_form
from server.console.figure_views import bad_request, window_number
from server.console.scope import ALL_ROLES, User, require_edit, require_hall
from server.console.templating import add_nav, csv_response, render, tr
from server.facts import notes as facts_notes
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/service", N_("Window service"), ALL_ROLES | {"inspector"}, 25)

TABLE_TITLES = {"halls": N_("Halls"), "windows": N_("Windows"), "staff": N_("Staff"),
                "days": N_("By day"), "empty": N_("空岗 intervals")}
FIRST_COLUMN = {"halls": N_("Hall"), "windows": N_("Window"), "staff": N_("Staff"),
                "days": N_("Day")}


def _headers(request: Request, name: str, times: bool) -> list[str]:
    cols = [FIRST_COLUMN[name], *sv.COLUMNS, *(sv.DAY_COLUMNS if times else [])]
    return [tr(request, c) for c in cols]


def _data(request: Request, user: User):
    store = request.app.state.store
    view = sv.target(request, user, store)
    rows, notes = sv.load(request, view, store)
    tables = sv.tables(request, view, rows, notes, store)
    empty = sv.empty_rows(request, view, rows, notes, store)
    return store, view, tables, empty


def _times(view: sv.View, name: str) -> bool:
    return name == "days" or (bool(view.day) and name in ("windows", "staff"))


@router.get("/service", include_in_schema=False)
def page(request: Request, user: User = Depends(page_user)):
    store, view, tables, empty = _data(request, user)
    shown = []
    for name, rows in tables.items():
        shown.append({"name": name, "title": tr(request, TABLE_TITLES[name]),
                      "headers": _headers(request, name, _times(view, name)),
                      "rows": [(label, f"/console/service?{urlencode(link)}" if link else None,
                                cells) for label, link, cells in rows],
                      "csv": f"/console/service.csv?{urlencode({**view.params, 'table': name})}"})
    up = None
    if view.level in ("window", "staff") and user.role != "window_staff":
        up = f"/console/service?{urlencode({'hall': view.hall, 'month': view.month})}"
    elif view.level == "hall" and len(user.halls) > 1:
        up = f"/console/service?{urlencode({'month': view.month})}"
    can_record = sv.may_record(user) and view.level != "halls"
    if can_record:  # each 空岗 interval's 督察 record, if one was made (issue 28)
        sv.mark_recorded(store, empty)
    return render(request, "service.html", user, view=view, tables=shown, empty=empty,
                  can_record=can_record,
                  empty_headers=[tr(request, c) for c in sv.EMPTY_COLUMNS], up=up,
                  hours=sv.hours_line(request, store, view.hall) if view.hall else "",
                  can_note=user.can_edit and view.level != "halls",
                  back=urlencode(view.params),
                  empty_csv=f"/console/service.csv?{urlencode({**view.params, 'table': 'empty'})}",
                  month_param={k: v for k, v in view.params.items() if k != "day"
                               and k != "month"})


@router.get("/service.csv", include_in_schema=False)
def as_csv(request: Request, table: str = "days", user: User = Depends(page_user)):
    if table not in sv.TABLES:
        raise bad_request(request, N_("Unknown table."))
    _store, view, tables, empty = _data(request, user)
    name = "-".join(str(v) for v in view.params.values()) or "all"
    if table == "empty":
        headers = [tr(request, c) for c in sv.EMPTY_COLUMNS]
        return csv_response([e["cells"] for e in empty], headers, f"service-empty-{name}.csv")
    rows = tables.get(table)
    if rows is None:
        raise bad_request(request, N_("This table is not shown at this level."))
    return csv_response([[label, *cells] for label, _link, cells in rows],
                        _headers(request, table, _times(view, table)),
                        f"service-{table}-{name}.csv")


@router.post("/service/note", include_in_schema=False)
def note(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    """A supervisor's note on a 空岗 interval (CSRF checked by page_user)."""
    require_edit(user)
    hall = str(form.get("hall") or "")
    require_hall(user, hall)
    window = window_number(request, str(form.get("window") or ""))
    try:
        facts_notes.annotate(request.app.state.store, user.actor, hall, window,
                             str(form.get("start") or ""), form.get("excused") == "1",
                             str(form.get("note") or ""))
    except facts_notes.NoteError as exc:
        raise bad_request(request, str(exc)) from None
    back = str(form.get("back") or "")
    safe = urlencode([(k, v) for k, v in _pairs(back) if k in ("hall", "window", "staff",
                                                                "month", "day")])
    return RedirectResponse(f"/console/service?{safe}#empty", status_code=303)


def _pairs(query: str):
    from urllib.parse import parse_qsl

    return parse_qsl(query)[:10]
