"""What the 窗口服务 page shows (issue 27.6), apart from the routes: which level (region's halls,
a hall, a window, a staff member) after the scope checks, the period (a month or a day, cut
at yesterday for window staff), and the tables as rows of cells for the page and its CSV.

Privacy (27.7): the page shows facts of service events only, never a rating: supervisors
see the times of events (空岗 from-to, first sign-in, last sign-out); window staff see only
their own facts, and only up to the end of the previous local day (User.visible_until), so
nothing on it moves while a citizen is rating them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from starlette.requests import Request

from server.console.figure_views import bad_request, window_number
from server.console.scope import (User, clamp_period, forbidden, require_hall, require_staff,
                                  require_window)
from server.console.templating import tr
from server.db import org, stats
from server.db.base import parse_iso
from server.facts import hours, refresh, summary
from server.workflow.workdays import HALL_TZ
from sync.wire.labels import N_

COLUMNS = [N_("Days"), N_("Cases completed"), N_("Handling time, median (min)"),
           N_("Handling time, 90th percentile (min)"), N_("空岗 count"), N_("空岗 minutes"),
           N_("Excused"), N_("Kiosk offline (min)"), N_("Late candidates"),
           N_("Early-leave candidates")]
DAY_COLUMNS = [N_("First sign-in"), N_("Last sign-out")]
EMPTY_COLUMNS = [N_("Day"), N_("Window"), N_("Staff"), N_("Began"), N_("Ended"), N_("Minutes"),
                 N_("Why"), N_("Counted"), N_("Note"), N_("Noted by")]
WHY = {"nobody": N_("nobody signed in"), "paused": N_("paused")}
TABLES = ("halls", "windows", "staff", "days", "empty")


@dataclass
class View:
    level: str                      # halls | hall | window | staff
    halls: list[str]
    first: date
    last: date
    month: str
    day: str = ""
    hall: str = ""
    window: int | None = None
    staff: str | None = None
    title: str = ""
    params: dict = field(default_factory=dict)


def _period(request: Request, user: User, month: str, day: str) -> tuple[date, date, str]:
    try:
        if day:
            try:
                first = last = date.fromisoformat(day)
            except ValueError:
                raise stats.RangeError(N_("Dates are written YYYY-MM-DD.")) from None
            stats._in_span(first)
            month = first.strftime("%Y-%m")
        else:
            month = month or (user.last_day or stats.today()).strftime("%Y-%m")
            first, last = stats.month_range(month)
    except stats.RangeError as exc:
        raise bad_request(request, str(exc)) from None
    first, last = clamp_period(user, first, last)
    return first, min(last, stats.today()), month


def target(request: Request, user: User, store) -> View:
    """The level and period the query asks for, after the scope checks (404 / 403)."""
    q = request.query_params
    hall, staff, window = q.get("hall", ""), q.get("staff", ""), q.get("window", "")
    first, last, month = _period(request, user, q.get("month", ""), q.get("day", ""))
    view = View("halls", sorted(user.halls), first, last, month, q.get("day", ""))
    if user.role == "window_staff":
        if user.staff_id is None:
            raise forbidden()
        staff = user.staff_id
    if staff:
        member = require_staff(user, staff, store)
        view.level, view.staff, view.hall, view.halls = "staff", staff, member.hall_id, \
            [member.hall_id]
        view.title = member.name
    elif window:
        number = window_number(request, window)
        require_window(user, hall, number)
        view.level, view.hall, view.window, view.halls = "window", hall, number, [hall]
        view.title = f"{org.hall(store, hall).name} · " + tr(request, N_("Window {n}"), n=number)
    elif hall or len(user.halls) == 1:
        hall = hall or next(iter(user.halls))
        require_hall(user, hall)
        view.level, view.hall, view.halls = "hall", hall, [hall]
        view.title = org.hall(store, hall).name
    else:
        view.title = tr(request, N_("All halls in your scope"))
    view.params = {k: v for k, v in (("hall", view.hall), ("window", view.window),
                                      ("staff", None if user.role == "window_staff"
                                       else view.staff),
                                      ("month", view.month), ("day", view.day)) if v}
    return view


def load(request: Request, view: View, store):
    """(facts rows, notes) of the view, after bringing the facts up to date."""
    from server.console.scope import console_now

    now = console_now(request)
    for hall in view.halls:
        refresh.refresh(store, hall, view.first, view.last, now=now)
    rows, notes = refresh.read(store, view.halls, view.first, view.last, view.window)
    if view.staff is not None:
        rows = [r for r in rows if view.staff in r[3]["staff"] or
                any(e["staff"] == view.staff for e in r[3]["empty"])]
    return rows, notes


def local_hm(text: str | None, with_day: bool = False) -> str:
    if not text:
        return ""
    return parse_iso(text).astimezone(HALL_TZ).strftime("%m-%d %H:%M" if with_day else "%H:%M")


def minutes(seconds) -> float | str:
    return "" if seconds is None else round(seconds / 60, 1)


def cells(g: dict, with_times: bool) -> list:
    row = [g["days"], g["completed"], minutes(g["median_s"]), minutes(g["p90_s"]),
           g["empty_n"], g["empty_min"], g["excused_n"], g["offline_min"], g["late"],
           g["early"]]
    if with_times:
        row += [local_hm(g["first_in"]), local_hm(g["last_out"])]
    return row


def tables(request: Request, view: View, rows, notes, store) -> dict:
    """{table name: (first column header, [(label, url params or None, cells)])}."""
    staff_names = {s.staff_id: s.name for h in view.halls for s in org.staff(store, h)}
    one_day = bool(view.day)
    person = view.staff
    out: dict = {}

    def by(key, label, link, times):
        groups = summary.summarize(rows, notes, key, staff=person)
        return [(label(g["key"]), link(g["key"]), cells(g, times)) for g in groups]

    if view.level == "halls":
        names = org.halls(store)
        out["halls"] = by(lambda h, w, d, p: h if p is None else None,
                          lambda k: names[k].name if k in names else k,
                          lambda k: {"hall": k}, False)
    if view.level in ("hall", "window"):
        out["windows"] = by(lambda h, w, d, p: w if p is None else None,
                            lambda k: tr(request, N_("Window {n}"), n=k),
                            lambda k: {"hall": view.hall, "window": k}, one_day)
        out["staff"] = by(lambda h, w, d, p: p, lambda k: f"{staff_names.get(k, '')} {k}",
                          lambda k: {"staff": k}, one_day)
    if view.level != "halls":
        out["days"] = by(lambda h, w, d, p: d if p == person else None, lambda k: k,
                         lambda k: {**view.params, "day": k}, True)
    return out


def empty_rows(request: Request, view: View, rows, notes, store) -> list[dict]:
    staff_names = {s.staff_id: s.name for h in view.halls for s in org.staff(store, h)}
    out = []
    for e in summary.intervals(rows, notes, view.staff):
        why = tr(request, WHY.get(e["why"], e["why"]))
        if e.get("reason"):
            why += f" ({e['reason']})"
        out.append({**e, "cells": [
            e["day"], e["window"], f"{staff_names.get(e['staff'], '')} {e['staff'] or ''}".strip(),
            local_hm(e["start"]), local_hm(e["end"]), e["minutes"], why,
            tr(request, N_("excused")) if e["excused"] else tr(request, N_("counted")),
            e["note"], (e["noted_by"] or "").removeprefix("user:")]})
    return out


def hours_line(request: Request, store, hall: str) -> str:
    with store.transaction(write=False) as tx:
        rules = hours.for_hall(tx, hall)
    d = rules.as_dict()
    names = [tr(request, n) for n in (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"),
                                      N_("Sat"), N_("Sun"))]
    runs: list[list] = []  # consecutive weekdays with the same spans: 周一至周五 ...
    for k, v in d["hours"].items():
        i = hours.WEEKDAYS.index(k)
        if runs and runs[-1][1] == i - 1 and runs[-1][2] == v:
            runs[-1][1] = i
        else:
            runs.append([i, i, v])
    days = "; ".join((names[a] if a == b else tr(request, N_("{first} to {last}"),
                                                  first=names[a], last=names[b]))
                     + " " + ", ".join(v) for a, b, v in runs)
    return tr(request, N_("Hours: {days}. 空岗 counts from {n} minutes; late or early beyond "
                          "{g} minutes."), days=days, n=d["empty_minutes"], g=d["grace_minutes"])


def may_record(user: User) -> bool:
    """Inspectors and region admins make a 空岗 interval a 督察 deduction (issue 28)."""
    from server.assess.inspections import RECORDERS

    return user.role in RECORDERS


def mark_recorded(store, empty: list[dict]) -> None:
    """Give each interval its 督察 record ("record": the row, or None)."""
    from server.assess.inspections_empty import source_ref
    from server.assess.inspections_list import from_intervals

    refs = [(e["hall"], source_ref(e["window"], e["start"])) for e in empty]
    with store.transaction(write=False) as tx:
        made = from_intervals(tx, refs)
    for e, key in zip(empty, refs):
        e["record"] = made.get(key)
