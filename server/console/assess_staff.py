"""Window staff's 考核 view: their own unit's breakdown and their own score, closed periods only.

Rater protection (scope.py): what a window staff member sees must not move in step with a
rating about them. A live result does (a 差评 changes the unit's 满意率 item at once), so staff
see a period only once it is closed and frozen, and only when it ended before their view's
cut-off (User.last_day, yesterday). A Result holds counts and points only: never a ticket, a
time or who rated whom. The closed result is looked up at their hall, then its region and
the region's parents (a region's close covers its halls' units).
"""
from __future__ import annotations

import logging

from starlette.requests import Request

from server.assess import outputs
from server.console import assess_views as av
from server.console.figure_views import bad_request
from server.console.scope import User
from server.console.templating import render, tr
from server.db import org
from sync.wire.labels import N_

log = logging.getLogger(__name__)

MY_COLUMNS = [N_("Good reviews"), N_("Bad reviews"), N_("Points from ratings"),
              N_("Points from inspections"), N_("Total"), N_("Pay (yuan)")]


def _scopes(store, hall_id: str) -> list[str]:
    hall = org.hall(store, hall_id)
    regions = org.regions(store)
    out, code = [hall_id], hall.region if hall else None
    while code and code in regions and code not in out:
        out.append(code)
        code = regions[code].parent
    return out


def _department(store, user: User, result) -> tuple[str, str] | None:
    """(hall, department) of the staff member: as the result names them, else from the
    department of their first window."""
    mine = next((s for s in result.staff if s.staff_id == user.staff_id), None)
    if mine is not None:
        return mine.hall, mine.department
    for hall_id, number in sorted(user.windows):
        for w in org.windows(store, hall_id):
            if w.number == number and w.department:
                return hall_id, w.department
    return None


def closed_for(store, user: User, period: str):
    """(scope, Result, UnitScore) of the closed result that covers the staff member's unit."""
    for hall_id in sorted(user.halls):
        for scope in _scopes(store, hall_id):
            result = av.closed_result(store, scope, period)
            if result is None or not result.closed_at:
                continue
            where = _department(store, user, result)
            unit = next((u for u in result.units if where and u.hall == where[0]
                         and u.department == where[1]), None)
            if unit is not None:
                return scope, result, unit
    return None


def page(request: Request, user: User, period: str):
    store = request.app.state.store
    period = period or av.last_month(request)
    end = av.period_end(period)
    if end is None:
        raise bad_request(request, N_("Period: write a month as YYYY-MM, a quarter as "
                                      "YYYY-Qn or a year as YYYY."))
    say = lambda msgid: tr(request, msgid)  # noqa: E731
    label = outputs.period_label(period, say)
    found = None
    if user.last_day is not None and end <= user.last_day:
        found = closed_for(store, user, period)
    if found is None:
        return render(request, "assess_staff.html", user, period=period, label=label,
                      staff_note=tr(request, STAFF_NOTE))
    scope, result, unit = found
    from server.console.assess_pages import unit_page

    t = av.Target(scope, period, org.regions(store)[scope].name if scope in org.regions(store)
                  else org.hall(store, scope).name, "hall", True, [])
    mine = next((s for s in result.staff if s.staff_id == user.staff_id), None)
    staff = None
    if mine is not None:
        staff = {"headers": [say(c) for c in MY_COLUMNS],
                 "rows": [[mine.good, mine.bad, outputs.number(mine.points),
                           outputs.number(mine.records), outputs.number(mine.total),
                           mine.pay]]}
    return unit_page(request, user, t, result, unit, staff=staff, back=None,
                     staff_note=tr(request, STAFF_NOTE))


STAFF_NOTE = N_("You see your unit's result and your own score once the period is closed: "
                "live figures would change as ratings arrive. Nobody's rating of you is "
                "shown individually.")
