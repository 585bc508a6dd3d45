"""Uploading the organisation sheet in the console: the CSV, XLSX (or JSON) `kiosk-server org
import` reads, all or nothing, limited to what the uploader may change.

Region administrators may add or change regions below theirs, halls in them, and departments
(with their credit codes), windows and staff of those halls; hall supervisors only
departments, windows and staff of their own hall (rows that
repeat their region and hall unchanged are fine). The first value out of scope or malformed
stops the import with its line and column, and nothing is written.
"""
from __future__ import annotations

import hashlib
import logging

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user, posted_form
from server.console.scope import User, require_edit
from server.console.templating import tr
from server.db import audit, org_io
from server.db.org import OrgError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

MAX_UPLOAD = 5 * 1024 * 1024
router = APIRouter()


def check_scope(user: User, doc: org_io.OrgDoc, existing: org_io.OrgDoc) -> None:
    """Raise OrgError (with the line) at the first thing in doc the user may not change."""
    where = doc.where
    allowed_regions = set(user.regions)
    grew = True
    while grew:  # new regions hanging below the user's region are theirs too
        grew = False
        for code, r in doc.regions.items():
            if code not in existing.regions and code not in allowed_regions \
                    and r.parent in allowed_regions and user.role == "region_admin":
                allowed_regions.add(code)
                grew = True
    for code, r in doc.regions.items():
        old = existing.regions.get(code)
        if old == r:  # repeated unchanged on the rows of a hall: writes nothing new
            continue
        if user.role != "region_admin":
            raise OrgError("region_code", N_("only region administrators may change regions"),
                           where[("regions", code)])
        if code not in allowed_regions:
            raise OrgError("region_code", N_("must be your region or one below it"),
                           where[("regions", code)])
        if code == user.scope and old is not None and old.parent != r.parent:
            raise OrgError("parent_region_code", N_("your own region's parent cannot change"),
                           where[("regions", code)])
    allowed_halls = set(user.halls)
    for hid, h in doc.halls.items():
        old = existing.halls.get(hid)
        if old == h:  # unchanged; its windows and staff are checked below
            continue
        if user.role != "region_admin":
            raise OrgError("hall_id", N_("only region administrators may add or change halls"),
                           where[("halls", hid)])
        if (old is not None and hid not in user.halls) or h.region not in allowed_regions:
            raise OrgError("hall_id", N_("is taken by a hall outside your region"),
                           where[("halls", hid)])
        allowed_halls.add(hid)
    for key, d in doc.departments.items():
        if d.hall_id not in allowed_halls:
            raise OrgError("hall_id", N_("is not one of your halls"),
                           where[("departments", key)])
    for key, w in doc.windows.items():
        if w.hall_id not in allowed_halls:
            raise OrgError("hall_id", N_("is not one of your halls"), where[("windows", key)])
    for sid, s in doc.staff.items():
        old = existing.staff.get(sid)
        if s.hall_id not in allowed_halls or (old is not None
                                              and old.hall_id not in allowed_halls):
            raise OrgError("staff_id", N_("already works in another hall; remove them there "
                                          "first") if old is not None and old.hall_id != s.hall_id
                           else N_("is not one of your halls"), where[("staff", sid)])


def describe(request: Request, exc: OrgError) -> str:
    """"第 5 行：stars：应为 0 至 5 的整数……" in the page's language."""
    where = exc.where
    if where.startswith("line "):
        where = tr(request, N_("line {n}"), n=where[5:])
    return f"{where}: {exc.field}: {tr(request, exc.message, **exc.params)}" if where \
        else f"{exc.field}: {tr(request, exc.message, **exc.params)}"


@router.post("/org/import", include_in_schema=False)
def import_sheet(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    from server.console.org_pages import overview  # the page this form lives on

    require_edit(user)
    store = request.app.state.store
    upload = form.get("file")
    dry_run = bool(form.get("dry_run"))
    if not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        return overview(request, user, 400, import_error=tr(request, N_("Choose a file.")))
    data = upload.file.read(MAX_UPLOAD + 1)
    try:
        if len(data) > MAX_UPLOAD:
            raise OrgError("file", N_("is larger than {max} MB"), max=MAX_UPLOAD // 2**20)
        existing = org_io.load(store)
        name = upload.filename.lower()
        fmt = "json" if name.endswith(".json") else "xlsx" if name.endswith(".xlsx") else "csv"
        doc = org_io.parse_file(data, fmt, existing)
        check_scope(user, doc, existing)
    except OrgError as exc:
        return overview(request, user, 400, import_error=describe(request, exc))
    counts = doc.counts()
    if not dry_run:
        with store.transaction() as tx:
            org_io.apply(tx, doc)
            audit.append(tx, user.actor, "org.import", "org",
                         {"file": upload.filename[:200], **counts,
                          "sha256": hashlib.sha256(data).hexdigest()})
    return overview(request, user, import_done=counts, import_dry=dry_run)
