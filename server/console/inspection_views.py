"""What the 督察 pages show, apart from the routes: the actor of a console user, filters, rows
of the list and its CSV, the new-record form's choices, and refusals as field errors."""
from __future__ import annotations

import logging
from datetime import datetime

from starlette.requests import Request

from server.assess import inspections as insp
from server.assess.inspections import InspectionError, Who
from server.console.scope import User, console_now, not_found, require_hall
from server.console.templating import tr
from server.db import org, users
from server.db.base import parse_iso
from server.workflow.workdays import HALL_TZ, UnknownYear
from sync.wire.labels import N_

log = logging.getLogger(__name__)

READERS = ("inspector", "region_admin", "hall_supervisor", "auditor")
FIELD_LABELS = {"hall": N_("Hall"), "department": N_("Window unit (department)"),
                "window": N_("Window"),
                "staff_id": N_("Staff"), "item": N_("Assessment item"), "kind": N_("Kind"),
                "count": N_("Occurrences"), "occurred_at": N_("Seen at"), "note": N_("Note"),
                "photo": N_("Evidence photo"), "reason": N_("Reason"), "decision": N_("Decision"),
                "state": N_("State"), "month": N_("Month"), "start": N_("空岗 interval"),
                "role": N_("Role"), "id": N_("Record no."), "source": N_("Made from")}
COLUMNS = [N_("Seen at"), N_("Hall"), N_("Window unit (department)"), N_("Window"),
           N_("Staff"), N_("Assessment item"), N_("Kind"), N_("Occurrences"), N_("State"),
           N_("Recorded by"), N_("Record no.")]
CSV_MORE = [N_("Note"), N_("Made from"), N_("Contest reason"), N_("Decision note")]


def who(user: User) -> Who:
    return Who(user.actor, user.role, frozenset(user.halls))


def local_time(text: str | None) -> str:
    return parse_iso(text).astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M") if text else ""


def this_month(request: Request) -> str:
    return console_now(request).astimezone(HALL_TZ).strftime("%Y-%m")


def message(request: Request, exc: InspectionError) -> str:
    """"备注：为必填项" in the page's language: the field named, then why."""
    label = tr(request, FIELD_LABELS.get(exc.field, exc.field))
    return tr(request, N_("{field}: {why}"), field=label,
              why=tr(request, exc.message, **exc.params))


def filters(request: Request, user: User) -> dict:
    """?month=&hall=&state= checked: 404 unknown hall, 403 someone else's, 400 bad month."""
    from server.console.figure_views import bad_request

    p = request.query_params
    hall = p.get("hall") or None
    if hall:
        require_hall(user, hall)
    state = p.get("state") or ""
    if state not in insp.STATES:
        state = ""
    month = p.get("month") or this_month(request)
    from server.assess.inspections_list import month_bounds

    try:
        month_bounds(month)
    except InspectionError as exc:
        raise bad_request(request, message(request, exc)) from None
    return {"month": month, "hall": hall, "state": state}


class Names:
    """Display names of halls, staff, accounts and scheme items, read once per page."""

    def __init__(self, store, tx=None) -> None:
        self.store = store
        self.halls = {h.hall_id: h.name for h in org.halls(store).values()}
        self.people = {f"user:{a.username}": a.display_name for a in users.all_accounts(store)}
        self._staff: dict[str, str] | None = None
        self._items: dict = {}

    def hall(self, hall_id: str) -> str:
        return self.halls.get(hall_id, hall_id)

    def person(self, actor: str | None) -> str:
        return self.people.get(actor or "", (actor or "").split(":", 1)[-1])

    def staff(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        if self._staff is None:
            self._staff = {s.staff_id: s.name for s in org.staff(self.store)}
        return f"{self._staff.get(staff_id, '')} {staff_id}".strip()

    def item(self, row: dict) -> str:
        key = (row["hall"], row["occurred_at"][:7], row["item"])
        if key not in self._items:
            month = insp.month_of(parse_iso(row["occurred_at"]))
            with self.store.transaction(write=False) as tx:
                scheme = insp.scheme_in_force(tx, row["hall"], month)
            found = next((i for i in getattr(scheme, "items", ()) if i.key == row["item"]),
                         None)
            self._items[key] = found.label if found is not None else row["item"]
        return self._items[key]


def cells(request: Request, names: Names, r: dict) -> list:
    return [local_time(r["occurred_at"]), names.hall(r["hall"]), r["department"],
            r["window"] if r["window"] is not None else "", names.staff(r["staff_id"]),
            names.item(r), tr(request, insp.KIND_LABELS.get(r["kind"], r["kind"])),
            r["count"], tr(request, insp.STATE_LABELS.get(r["state"], r["state"])),
            names.person(r["recorded_by"]), r["id"]]


def csv_cells(request: Request, names: Names, r: dict) -> list:
    source = tr(request, N_("空岗 interval")) if r["source"] == "empty" else \
        tr(request, N_("Inspector"))
    return [*cells(request, names, r), r["note"], source, r["contest_reason"] or "",
            r["decision_note"] or ""]


def form_choices(request: Request, store, hall: str) -> dict:
    """The new-record form's lists for a hall: units, windows, staff, the scheme's items."""
    month = this_month(request)
    with store.transaction(write=False) as tx:
        scheme = insp.scheme_in_force(tx, hall, month)
    items = [i for i in getattr(scheme, "items", ()) if i.kind in insp.KINDS]
    return {"departments": org.departments(store, hall), "windows": org.windows(store, hall),
            "staff": org.staff(store, hall), "items": items, "scheme": scheme,
            "scheme_month": month}


def record_or_404(request: Request, user: User, record_id: str) -> dict:
    store = request.app.state.store
    with store.transaction(write=False) as tx:
        found = insp.get(tx, record_id)
    if found is None or found["hall"] not in user.halls:
        raise not_found(N_("No such record in your scope."))
    return found


def may(request: Request, user: User, found: dict) -> dict:
    """What this user may do on the record now: contest (until when), decide (which)."""
    store = request.app.state.store
    actor, now = who(user), console_now(request)
    with store.transaction(write=False) as tx:
        try:
            deadline = insp.contest_deadline(tx, found)
        except UnknownYear:  # no holiday schedule for that year yet: no deadline shown
            log.warning("no contest deadline for %s", found["id"], exc_info=True)
            deadline = None
        contest = deadline is not None and actor.role == "hall_supervisor" \
            and found["state"] == "recorded" and now <= deadline
    return {"contest": contest, "deadline": deadline.strftime("%Y-%m-%d") if deadline else "",
            "decide": insp.decisions_open(actor, found)}


def when_value(moment: datetime) -> str:
    """A datetime-local field's value (the halls' time, to the minute)."""
    return moment.astimezone(HALL_TZ).strftime("%Y-%m-%dT%H:%M")
