"""Org pages: regions and halls in scope, one hall's windows, staff and devices, edit forms.

Region admins add and rename regions below theirs and halls in them; hall supervisors (and
region admins) edit departments (their 统一社会信用代码), windows and staff of their halls;
auditors read; window staff have no org pages. A form with a bad value is shown again with the
message beside the field (400) and nothing is written. Every change is audited in its own
transaction.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from server.console.auth import page_user, posted_form
from server.console.fleet import fleet_rows
from server.console.scope import User, forbidden, require_edit, require_hall, require_role
from server.console.templating import add_nav, csv_response, render, tr
from server.db import audit, org, org_io, org_units, staff_pins
from server.db.org import Hall, OrgError, Region, Staff, Window
from sync.wire.labels import N_

log = logging.getLogger(__name__)

READERS = ("region_admin", "hall_supervisor", "auditor")
router = APIRouter()
add_nav("/console/org", N_("Organisation"), READERS, 70)


def _error_text(request: Request, exc: OrgError) -> str:
    return tr(request, exc.message, **exc.params)


def _form_values(form) -> dict:
    return {k: str(v) for k, v in form.multi_items() if k != "csrf_token"}


def overview(request: Request, user: User, status: int = 200, **extra):
    store = request.app.state.store
    regions = org.regions(store)
    halls = [h for h in org.halls(store).values() if h.hall_id in user.halls]
    counts = {}
    with store.transaction(write=False) as tx:
        for hid, kind, n in tx.all("SELECT hall_id, 'windows', count(*) FROM windows GROUP BY "
                                   "hall_id UNION ALL SELECT hall_id, 'staff', count(*) FROM "
                                   "staff GROUP BY hall_id UNION ALL SELECT hall_id, "
                                   "'departments', count(*) FROM departments GROUP BY hall_id"):
            counts[(hid, kind)] = n
    tree = _tree(regions, user)
    context = {"tree": tree, "halls": halls, "counts": counts, "regions": regions,
               "errors": {}, "values": {}, "import_error": None, "import_done": None,
               "import_dry": False, **extra}
    return render(request, "org.html", user, status_code=status, **context)


def _tree(regions: dict, user: User) -> list[tuple[int, Region]]:
    """Regions in scope, depth-first with their depth (for indenting)."""
    roots = [r for r in regions.values() if r.code in user.regions
             and (r.parent not in user.regions)]
    out: list[tuple[int, Region]] = []

    def walk(region: Region, depth: int) -> None:
        out.append((depth, region))
        for child in sorted((c for c in regions.values() if c.parent == region.code),
                            key=lambda c: c.code):
            walk(child, depth + 1)
    for root in sorted(roots, key=lambda r: r.code):
        walk(root, 0)
    return out


@router.get("/org", include_in_schema=False)
def org_page(request: Request, user: User = Depends(page_user)):
    require_role(user, *READERS)
    return overview(request, user)


@router.get("/org/export.csv", include_in_schema=False)
def org_csv(request: Request, user: User = Depends(page_user)):
    """The org sheet of the halls in scope, in the format `kiosk-server org import` reads."""
    return csv_response(_scoped_rows(request, user), list(org_io.CHINESE), "org.csv")


@router.get("/org/export.xlsx", include_in_schema=False)
def org_xlsx_sheet(request: Request, user: User = Depends(page_user)):
    """The same sheet as an Excel workbook."""
    from server.db import org_xlsx

    return Response(org_xlsx.to_xlsx(org_io.CHINESE, _scoped_rows(request, user)),
                    media_type=org_xlsx.XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="org.xlsx"',
                             "Cache-Control": "no-store"})


def _scoped_rows(request: Request, user: User) -> list[list]:
    require_role(user, *READERS)
    doc = org_io.load(request.app.state.store)
    doc.halls = {k: v for k, v in doc.halls.items() if k in user.halls}
    doc.regions = {k: v for k, v in doc.regions.items() if k in user.regions or any(
        h.region == k for h in doc.halls.values())}
    doc.departments = {k: v for k, v in doc.departments.items() if k[0] in user.halls}
    doc.windows = {k: v for k, v in doc.windows.items() if k[0] in user.halls}
    doc.staff = {k: v for k, v in doc.staff.items() if v.hall_id in user.halls}
    return org_io.to_rows(doc)


@router.post("/org/regions", include_in_schema=False)
def save_region(request: Request, user: User = Depends(page_user),
                form=Depends(posted_form)):
    require_role(user, "region_admin")
    store = request.app.state.store
    try:
        region = Region.check(form.get("code"), form.get("name"), form.get("parent"))
        existing = org.regions(store)
        if region.code in existing and region.code not in user.regions:
            raise OrgError("region_code", N_("belongs to another region's administrators"))
        if region.code == user.scope and region.parent != existing[region.code].parent:
            raise OrgError("parent_region_code", N_("your own region's parent cannot change"))
        if region.code != user.scope and region.parent not in user.regions:
            raise OrgError("parent_region_code", N_("must be your region or one below it"))
        if region.code in existing and region.parent in org.below(existing, region.code):
            raise OrgError("parent_region_code", N_("would make the regions loop"))
    except OrgError as exc:
        return overview(request, user, 400, errors={"region": {exc.field: _error_text(
            request, exc)}}, values={"region": _form_values(form)})
    with store.transaction() as tx:
        org.put_region(tx, region)
        audit.append(tx, user.actor, "org.region.save", f"region:{region.code}",
                     {"name": region.name, "parent": region.parent})
    return RedirectResponse("/console/org", 303)


@router.post("/org/halls", include_in_schema=False)
def save_hall(request: Request, user: User = Depends(page_user),
              form=Depends(posted_form)):
    require_role(user, "region_admin")
    store = request.app.state.store
    try:
        hall = Hall.check(form.get("hall_id"), form.get("name"), form.get("region"))
        if hall.hall_id in user.known_halls and hall.hall_id not in user.halls:
            raise OrgError("hall_id", N_("is taken by a hall outside your region"))
        if hall.region not in user.regions:
            raise OrgError("region_code", N_("must be your region or one below it"))
    except OrgError as exc:
        return overview(request, user, 400, errors={"hall": {exc.field: _error_text(
            request, exc)}}, values={"hall": _form_values(form)})
    with store.transaction() as tx:
        org.put_hall(tx, hall)
        audit.append(tx, user.actor, "org.hall.save", f"hall:{hall.hall_id}",
                     {"name": hall.name, "region": hall.region})
    return RedirectResponse(f"/console/org/halls/{hall.hall_id}", 303)


def hall_page(request: Request, user: User, hall_id: str, status: int = 200, **extra):
    store = request.app.state.store
    hall = org.hall(store, hall_id)
    windows = org.windows(store, hall_id)
    staff = org.staff(store, hall_id=hall_id)
    at_window = {w.number: [s for s in staff if w.number in s.windows] for w in windows}
    devices = fleet_rows(store, user, hall=hall_id)
    with store.transaction(write=False) as tx:
        units = org_units.units(tx, [hall_id])
    context = {"hall": hall, "windows": windows, "staff": staff, "at_window": at_window,
               "pins": staff_pins.set_at(store, hall_id), "pin_shown": None,
               "devices": devices, "departments": [d.name for d in units], "units": units,
               "region": org.regions(store).get(hall.region), "errors": {}, "values": {},
               **extra}
    return render(request, "hall.html", user, status_code=status, **context)


def _refused(request: Request, user: User, hall_id: str, form: str, exc: OrgError,
             values: dict):
    """The hall page again (400) with the message beside the field of the form it names."""
    return hall_page(request, user, hall_id, 400, errors={form: {
        exc.field: _error_text(request, exc)}}, values={form: values})


@router.get("/org/halls/{hall_id}", include_in_schema=False)
def hall_view(request: Request, hall_id: str, user: User = Depends(page_user)):
    require_role(user, *READERS)
    require_hall(user, hall_id)
    return hall_page(request, user, hall_id)


@router.post("/org/halls/{hall_id}/windows", include_in_schema=False)
def save_window(request: Request, hall_id: str, user: User = Depends(page_user),
                form=Depends(posted_form)):
    require_edit(user)
    require_hall(user, hall_id)
    try:
        window = Window.check(hall_id, form.get("number"), form.get("name"),
                              form.get("department"))
    except OrgError as exc:
        return _refused(request, user, hall_id, "window", exc, _form_values(form))
    with request.app.state.store.transaction() as tx:
        org.put_window(tx, window)
        audit.append(tx, user.actor, "org.window.save", f"window:{hall_id}/{window.number}",
                     {"name": window.name, "department": window.department})
    return RedirectResponse(f"/console/org/halls/{hall_id}#windows", 303)


@router.post("/org/halls/{hall_id}/departments", include_in_schema=False)
def save_department(request: Request, hall_id: str, user: User = Depends(page_user),
                    form=Depends(posted_form)):
    """Create a department or set its 统一社会信用代码 (checked as the CLI checks it)."""
    require_edit(user)
    require_hall(user, hall_id)
    try:
        with request.app.state.store.transaction() as tx:
            dept = org_units.set_department(tx, hall_id, form.get("name"),
                                            form.get("credit_code"))
            audit.append(tx, user.actor, "org.department.save",
                         f"department:{hall_id}/{dept.name}",
                         {"credit_code": dept.credit_code})
    except OrgError as exc:
        return _refused(request, user, hall_id, "department", exc, _form_values(form))
    return RedirectResponse(f"/console/org/halls/{hall_id}#departments", 303)


@router.post("/org/halls/{hall_id}/windows/{number}/delete", include_in_schema=False)
def delete_window(request: Request, hall_id: str, number: int,
                  user: User = Depends(page_user)):
    require_edit(user)
    require_hall(user, hall_id)
    with request.app.state.store.transaction() as tx:
        org.delete_window(tx, hall_id, number)
        audit.append(tx, user.actor, "org.window.delete", f"window:{hall_id}/{number}", {})
    return RedirectResponse(f"/console/org/halls/{hall_id}#windows", 303)


@router.post("/org/halls/{hall_id}/staff", include_in_schema=False)
def save_staff(request: Request, hall_id: str, user: User = Depends(page_user),
               form=Depends(posted_form)):
    require_edit(user)
    require_hall(user, hall_id)
    store = request.app.state.store
    try:
        member = Staff.check(form.get("staff_id"), form.get("name"), hall_id,
                             form.get("photo_url"), form.get("stars"),
                             form.getlist("windows"))
        other = next(iter(org.staff(store, staff_id=member.staff_id)), None)
        if other is not None and other.hall_id != hall_id:
            raise OrgError("staff_id", N_("already works in another hall; remove them there "
                                          "first"))
        numbers = {w.number for w in org.windows(store, hall_id)}
        missing = [n for n in member.windows if n not in numbers]
        if missing:
            raise OrgError("windows", N_("hall \u201c{hall}\u201d has no window {number}"),
                           hall=hall_id, number=missing[0])
    except OrgError as exc:
        values = _form_values(form)
        values["windows"] = form.getlist("windows")
        return _refused(request, user, hall_id, "staff", exc, values)
    with store.transaction() as tx:
        org.put_staff(tx, member)
        audit.append(tx, user.actor, "org.staff.save", f"staff:{member.staff_id}",
                     {"name": member.name, "hall": hall_id, "windows": list(member.windows),
                      "stars": member.stars, "photo_url": member.photo_url})
    return RedirectResponse(f"/console/org/halls/{hall_id}#staff", 303)


@router.post("/org/halls/{hall_id}/staff/{staff_id}/delete", include_in_schema=False)
def delete_staff(request: Request, hall_id: str, staff_id: str,
                 user: User = Depends(page_user)):
    require_edit(user)
    require_hall(user, hall_id)
    store = request.app.state.store
    member = next(iter(org.staff(store, staff_id=staff_id)), None)
    if member is None or member.hall_id != hall_id:
        raise forbidden(N_("not a staff member of this hall"))
    with store.transaction() as tx:
        org.delete_staff(tx, staff_id)
        audit.append(tx, user.actor, "org.staff.delete", f"staff:{staff_id}",
                     {"hall": hall_id})
    return RedirectResponse(f"/console/org/halls/{hall_id}#staff", 303)


# The sheet upload lives in its own module; its route joins this router (same page).
from server.console.org_import import router as _import_router  # noqa: E402
from server.console.staff_pin_pages import router as _pin_router  # noqa: E402

router.include_router(_import_router)
router.include_router(_pin_router)
