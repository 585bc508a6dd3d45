"""督察 records in the console (issue 28 item 3): the month's list (filters, keyset pages, CSV),
a new record with photo evidence, a record with its photo, the supervisor's contest and the
region admin's decision, and the one click that makes a 空岗 interval a deduction.

Who: inspectors and region admins (their region's halls) record; hall supervisors (their
hall) contest; region admins decide; auditors read. Scope is checked on the server for every
request (404 unknown, 403 someone else's); a bad field is a 400 page naming it.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from server.assess import inspections as insp
from server.assess import inspections_empty, inspections_list, inspections_photos as photos
from server.assess.inspections import InspectionError
from server.console import inspection_views as iv
from server.console.auth import page_user, posted_form
from server.console.figure_views import window_number
from server.console.scope import User, console_now, require_hall, require_role
from server.console.templating import add_nav, csv_response, render, tr
from server.workflow import keyset
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/inspections", N_("Inspections"),
        {"inspector", "region_admin", "hall_supervisor"}, 47)


@router.get("/inspections", include_in_schema=False)
def record_list(request: Request, user: User = Depends(page_user)):
    require_role(user, *iv.READERS)
    store = request.app.state.store
    f = iv.filters(request, user)
    after, size = request.query_params.get("after") or None, \
        keyset.page_size(request.query_params.get("n"))
    with store.transaction(write=False) as tx:
        try:
            page = inspections_list.page(tx, user.halls, f["month"], f["hall"],
                                         f["state"] or None, after, size)
        except keyset.KeysetError as exc:
            from server.console.figure_views import bad_request

            raise bad_request(request, exc.msgid) from None
    names = iv.Names(store)
    rows = [{"id": r["id"], "state": r["state"], "cells": iv.cells(request, names, r)}
            for r in page["rows"]]
    here = {k: v for k, v in f.items() if v}
    return render(request, "inspections.html", user, rows=rows, f=f,
                  columns=[tr(request, c) for c in iv.COLUMNS],
                  halls=[(h, names.hall(h)) for h in sorted(user.halls)],
                  states=insp.STATE_LABELS, can_record=user.role in insp.RECORDERS,
                  next_url=f"?{urlencode({**here, 'after': page['next']})}"
                  if page["next"] else None,
                  first_url=f"?{urlencode(here)}" if after else None,
                  csv_url=f"/console/inspections.csv?{urlencode(here)}")


@router.get("/inspections.csv", include_in_schema=False)
def record_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *iv.READERS)
    store = request.app.state.store
    f = iv.filters(request, user)
    with store.transaction(write=False) as tx:
        found = inspections_list.every(tx, user.halls, f["month"], f["hall"],
                                       f["state"] or None)
    names = iv.Names(store)
    headers = [tr(request, c) for c in iv.COLUMNS + iv.CSV_MORE]
    return csv_response([iv.csv_cells(request, names, r) for r in found], headers,
                        f"inspections-{f['month']}{'-' + f['hall'] if f['hall'] else ''}.csv")


def _form(request: Request, user: User, hall: str | None, status: int = 200,
          values: dict | None = None, errors: dict | None = None):
    store = request.app.state.store
    choices = iv.form_choices(request, store, hall) if hall else {}
    names = iv.Names(store)
    values = {"count": "1", "occurred_at": iv.when_value(console_now(request)),
              **(values or {})}
    return render(request, "inspection_new.html", user, status_code=status, hall=hall,
                  halls=[(h, names.hall(h)) for h in sorted(user.halls)], values=values,
                  errors=errors or {}, kinds=insp.KIND_LABELS,
                  max_mb=photos.MAX_BYTES // 2**20, **choices)


@router.get("/inspections/new", include_in_schema=False)
def new_form(request: Request, user: User = Depends(page_user)):
    require_role(user, *insp.RECORDERS)
    hall = request.query_params.get("hall") or (next(iter(user.halls))
                                                if len(user.halls) == 1 else None)
    if hall:
        require_hall(user, hall)
    return _form(request, user, hall)


@router.post("/inspections/new", include_in_schema=False)
def create(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    require_role(user, *insp.RECORDERS)
    store = request.app.state.store
    hall = str(form.get("hall") or "")
    require_hall(user, hall)
    values = {k: str(form.get(k) or "").strip() for k in
              ("department", "window", "staff_id", "item", "occurred_at", "count", "note")}
    upload, name = form.get("photo"), ""
    directory = photos.evidence_dir(store)
    try:
        if hasattr(upload, "read") and getattr(upload, "filename", ""):
            name = photos.save(directory, upload.file.read(photos.MAX_BYTES + 1))
        with store.transaction() as tx:
            row, _made = insp.record(tx, iv.who(user), hall, values["department"],
                                     values["window"], values["staff_id"], values["item"],
                                     None, values["count"], values["occurred_at"],
                                     values["note"], name, now=console_now(request))
    except InspectionError as exc:
        photos.discard(directory, name)
        return _form(request, user, hall, exc.status if exc.status != 404 else 400, values,
                     {exc.field: iv.message(request, exc)})
    return RedirectResponse(f"/console/inspections/{row['id']}?made=1", status_code=303)


def _detail(request: Request, user: User, record_id: str, status: int = 200, **extra):
    found = iv.record_or_404(request, user, record_id)
    names = iv.Names(request.app.state.store)
    return render(request, "inspection.html", user, status_code=status, r=found,
                  names=names, local_time=iv.local_time, may=iv.may(request, user, found),
                  states=insp.STATE_LABELS, kinds=insp.KIND_LABELS,
                  made=request.query_params.get("made"), **extra)


@router.get("/inspections/{record_id}", include_in_schema=False)
def detail(request: Request, record_id: str, user: User = Depends(page_user)):
    require_role(user, *iv.READERS)
    return _detail(request, user, record_id)


@router.get("/inspections/{record_id}/photo", include_in_schema=False)
def photo(request: Request, record_id: str, user: User = Depends(page_user)):
    require_role(user, *iv.READERS)
    found = iv.record_or_404(request, user, record_id)
    got = photos.load(photos.evidence_dir(request.app.state.store), found["photo"])
    if got is None:
        from server.console.scope import not_found

        raise not_found(N_("This record has no photo."))
    return Response(got[0], media_type=got[1], headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Disposition": f"inline; filename=\"{found['id']}.{found['photo'][-3:]}\"",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.post("/inspections/{record_id}/{step}", include_in_schema=False)
def act(request: Request, record_id: str, step: str, user: User = Depends(page_user),
        form=Depends(posted_form)):
    """contest (the hall's supervisor) or decide (a region admin)."""
    require_role(user, "hall_supervisor", "region_admin")
    iv.record_or_404(request, user, record_id)
    store = request.app.state.store
    try:
        with store.transaction() as tx:
            if step == "contest":
                insp.contest(tx, iv.who(user), record_id, str(form.get("reason") or ""),
                             now=console_now(request))
            elif step == "decide":
                insp.decide(tx, iv.who(user), record_id, str(form.get("decision") or ""),
                            str(form.get("note") or ""), now=console_now(request))
            else:
                from server.console.scope import not_found

                raise not_found()
    except InspectionError as exc:
        return _detail(request, user, record_id, exc.status if exc.status != 404 else 400,
                       error=iv.message(request, exc), posted=dict(form))
    return RedirectResponse(f"/console/inspections/{record_id}", status_code=303)


@router.post("/inspection-from-empty", include_in_schema=False)
def from_empty(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    """The 窗口服务 page's button: a 空岗 interval becomes a deduction (once)."""
    require_role(user, *insp.RECORDERS)
    hall = str(form.get("hall") or "")
    require_hall(user, hall)
    window = window_number(request, str(form.get("window") or ""))
    back = urlencode([(k, v) for k, v in parse_qsl(str(form.get("back") or ""))[:10]
                      if k in ("hall", "window", "staff", "month", "day")])
    try:
        with request.app.state.store.transaction() as tx:
            row, made = inspections_empty.from_interval(
                tx, iv.who(user), hall, window, str(form.get("start") or ""),
                now=console_now(request))
    except InspectionError as exc:
        from server.console.scope import ConsoleError

        raise ConsoleError(exc.status if exc.status != 404 else 400,
                           iv.message(request, exc)) from None
    return RedirectResponse(f"/console/inspections/{row['id']}?made={'1' if made else 'again'}"
                            f"&{urlencode({'back': back})}", status_code=303)
