"""What the figures pages show, built in Python: scopes, table rows, chart data, CSV rows.

Templates only lay out what these functions return (logic stays out of templates); every chart
is drawn from the same rows its table and CSV show, so the three never disagree.
"""
from __future__ import annotations

import logging
from datetime import date

from starlette.requests import Request

from server.console.scope import (ConsoleError, User, clamp_period, require_hall,
                                  require_region, staff_filter)
from server.console.templating import tr
from server.db import org, org_units, stats
from server.db.stats import Figures
from server.i18n import level_label, reason_label
from sync.wire.labels import N_

log = logging.getLogger(__name__)

LEVEL_COLOURS = {5: "#1e7b34", 4: "#52a447", 3: "#b5cf49", 2: "#f0a03c", 1: "#c62828",
                 0: "#9aa5b1"}
# level_0 is the completed cases nobody rated (参评率's other half).
FIGURE_HEADERS = ["name", "rated", "satisfaction", "bad", "participation",
                  "level_5", "level_4", "level_3", "level_2", "level_1", "level_0"]


def bad_request(request: Request, message: str) -> ConsoleError:
    return ConsoleError(400, tr(request, message))


def period(request: Request, user: User) -> tuple[date, date]:
    """The page's ?from=&to= (inclusive local dates; this month by default), cut at the
    user's last visible day (window staff: yesterday, scope.User.visible_until); 400 with a
    clear message when wrong."""
    try:
        start, end = stats.parse_range(request.query_params.get("from"),
                                       request.query_params.get("to"), this_month(user))
    except stats.RangeError as exc:
        raise bad_request(request, str(exc)) from None
    return clamp_period(user, start, end)


def this_month(user: User | None = None) -> tuple[date, date]:
    """The month up to today (window staff: the month of yesterday, up to yesterday)."""
    today = (user.last_day if user is not None else None) or stats.today()
    return today.replace(day=1), today


def scope(request: Request, user: User, store) -> tuple[set, str]:
    """The halls the figures cover (?hall= or ?region= narrows the user's own scope, checked:
    404 unknown, 403 someone else's) and a title for them."""
    hall = request.query_params.get("hall")
    region = request.query_params.get("region")
    if hall:
        require_hall(user, hall)
        return {hall}, org.hall(store, hall).name
    if region:
        require_region(user, region, store)
        codes = org.below(org.regions(store), region)
        halls = {h for h, v in org.halls(store, codes).items() if h in user.halls}
        return halls, org.regions(store)[region].name
    return set(user.halls), tr(request, N_("All halls you may see"))


def figure_row(name: str, f: Figures, url: str | None = None) -> dict:
    return {"name": name, "url": url, **f.as_row()}


def table_cells(row: dict) -> list:
    """The cells after the name, in figure_headers() order."""
    return [row[h] for h in FIGURE_HEADERS[1:]]


def figure_headers(request: Request, lang: str, first: str) -> list[str]:
    return [first, tr(request, N_("Rated")), tr(request, N_("Satisfaction rate")),
            tr(request, N_("Bad reviews")), tr(request, N_("Participation rate")),
            *(level_label(lv, lang) for lv in stats.LEVELS)]


def day_rows(days: list[tuple]) -> list[dict]:
    return [{"day": day, **{f"level_{lv}": f.levels.get(lv, 0) for lv in stats.LEVELS},
             "rated": f.rated, "satisfaction": stats.pct(f.satisfaction)} for day, f in days]


DAY_HEADERS = ["day", "level_5", "level_4", "level_3", "level_2", "level_1", "level_0",
               "rated", "satisfaction"]


def day_chart(rows: list[dict], lang: str) -> dict:
    """Stacked bars: one series per level (5 at the bottom), one bar per day."""
    return {"kind": "stacked", "categories": [r["day"][5:] for r in rows],
            "series": [{"name": level_label(lv, lang), "color": LEVEL_COLOURS[lv],
                        "data": [r[f"level_{lv}"] for r in rows]} for lv in stats.LEVELS]}


def reason_rows(pairs: list[tuple], lang: str) -> list[dict]:
    return [{"reason": code, "label": reason_label(code, lang), "count": n} for code, n in pairs]


def reason_chart(rows: list[dict]) -> dict:
    ordered = list(reversed(rows))  # ECharts draws category axes bottom-up: most named on top
    return {"kind": "bars", "categories": [r["label"] for r in ordered],
            "data": [r["count"] for r in ordered], "color": LEVEL_COLOURS[1]}


def overview_cards(request: Request, store, halls, user: User) -> list[dict]:
    """Today, this week, this month: ratings, 满意率, 差评, 参评率 (window staff: yesterday,
    its week and its month, up to yesterday)."""
    names = {"today": N_("Today"), "week": N_("This week"), "month": N_("This month")}
    if user.last_day is not None:
        names = {"today": N_("Yesterday"), "week": N_("Week up to yesterday"),
                 "month": N_("Month up to yesterday")}
    cards = []
    for key, (a, b, f) in stats.overview(store, halls, on=user.last_day,
                                         staff=staff_filter(user)).items():
        cards.append({"title": tr(request, names[key]), "from": a.isoformat(),
                      "to": b.isoformat(), "rated": f.rated,
                      "satisfaction": stats.pct(f.satisfaction) or "—", "bad": f.bad,
                      "participation": stats.pct(f.participation) or "—"})
    return cards


def window_number(request: Request, text: str) -> int:
    """A window number typed into a query string or form: ASCII digits, 1 to 999 (the wire's
    range); anything else (０-９ or ٣, ², 20 digits) is a clear 400, never a 500."""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    if not 1 <= number <= 999:
        raise bad_request(request, N_("A window is a number from 1 to 999."))
    return number


def drill(request: Request, user: User, store, start: date, end: date,
          hall: str | None = None, window: str | None = None, region: str | None = None,
          by: str | None = None) -> dict:
    """One level of region → hall → window → staff, in the user's scope, with links down;
    by="departments": a hall's or a region's departments instead (with a link back)."""
    q = f"from={start.isoformat()}&to={end.isoformat()}"
    if by:
        if by != "departments":
            raise bad_request(request, N_("Unknown breakdown."))
        return _departments(request, user, store, start, end, q, hall, region)
    level = _drill(request, user, store, start, end, q, hall, window, region)
    if level.get("scope") and not window:
        level["switch"] = (tr(request, N_("By department")),
                           f"/console/figures/drill?{q}&{level['scope']}&by=departments")
    return level


def _drill(request: Request, user: User, store, start: date, end: date, q: str,
           hall: str | None, window: str | None, region: str | None) -> dict:
    staff = staff_filter(user)
    if hall:
        require_hall(user, hall)
        names = {s.staff_id: s.name for s in org.staff(store, hall_id=hall)}
        if window:
            got = stats.breakdown(store, {hall}, start, end, "window_staff", staff,
                                  window_number(request, window))
            rows = [figure_row(f"{names.get(k[2], k[2] or '—')} ({k[2] or '—'})", f)
                    for k, f in sorted(got.items())]
            wname = {w.number: w.name for w in org.windows(store, hall)}.get(int(window), "")
            return {"title": f"{org.hall(store, hall).name} · {window} {wname}".strip(),
                    "first": tr(request, N_("Staff")), "rows": rows,
                    "up": f"/console/figures/drill?{q}&hall={hall}"}
        wins = {str(w.number): w.name for w in org.windows(store, hall)}
        got = stats.breakdown(store, {hall}, start, end, "window", staff)
        rows = [figure_row(f"{k[1]} {wins.get(str(k[1]), '')}".strip(), f,
                           f"/console/figures/drill?{q}&hall={hall}&window={k[1]}")
                for k, f in sorted(got.items(), key=lambda kv: kv[0][1])]
        region = org.hall(store, hall).region
        return {"title": org.hall(store, hall).name, "first": tr(request, N_("Window")),
                "rows": rows, "up": f"/console/figures/drill?{q}&region={region}"
                if region in user.regions else None, "scope": f"hall={hall}"}
    regions = org.regions(store)
    code = region or _top_region(user, regions)
    if code is None:  # a hall supervisor or staff member: straight to their hall
        only = sorted(user.halls)
        if not only:
            return {"title": "", "first": "", "rows": [], "up": None}
        return _drill(request, user, store, start, end, q, only[0], None, None)
    require_region(user, code, store)
    halls = org.halls(store)
    children = [r for r in regions.values() if r.parent == code]
    rows = []
    for child in children:
        inside = {h for h, v in halls.items() if v.region in org.below(regions, child.code)
                  and h in user.halls}
        rows.append(figure_row(child.name, stats.totals(store, inside, start, end, staff),
                               f"/console/figures/drill?{q}&region={child.code}"))
    direct = {h: v for h, v in halls.items() if v.region == code and h in user.halls}
    got = stats.breakdown(store, set(direct), start, end, "hall", staff)
    for h, v in direct.items():
        rows.append(figure_row(v.name, got.get(h, Figures()),
                               f"/console/figures/drill?{q}&hall={h}"))
    parent = regions[code].parent
    return {"title": regions[code].name, "first": tr(request, N_("Region or hall")), "rows": rows,
            "up": f"/console/figures/drill?{q}&region={parent}" if parent in user.regions
            else None, "scope": f"region={code}"}


def _departments(request: Request, user: User, store, start: date, end: date, q: str,
                 hall: str | None, region: str | None) -> dict:
    """The departments of a hall, or of a region's halls in the user's scope (one row per
    department per hall, "<hall> · <department>"): their windows' figures."""
    regions = org.regions(store)
    if not hall and not region:
        region = _top_region(user, regions)
        hall = None if region else next(iter(sorted(user.halls)), None)
        if not hall and not region:
            return {"title": "", "first": "", "rows": [], "up": None}
    if hall:
        require_hall(user, hall)
        halls, title, scope = {hall: org.hall(store, hall)}, org.hall(store, hall).name, \
            f"hall={hall}"
    else:
        require_region(user, region, store)
        halls = {h: v for h, v in org.halls(store, org.below(regions, region)).items()
                 if h in user.halls}
        title, scope = regions[region].name, f"region={region}"
    got = stats.breakdown(store, set(halls), start, end, "department", staff_filter(user))
    with store.transaction(write=False) as tx:
        listed = {(d.hall_id, d.name) for d in org_units.units(tx, sorted(halls))}
    rows = [figure_row(name if hall else f"{halls[h].name} · {name}",
                       got.get((h, name), Figures()),
                       None if hall else f"/console/figures/drill?{q}&hall={h}&by=departments")
            for h, name in sorted(listed | set(got))]
    return {"title": title, "first": tr(request, N_("Department")), "rows": rows,
            "up": None, "scope": scope,
            "switch": (tr(request, N_("By window") if hall else N_("By hall")),
                       f"/console/figures/drill?{q}&{scope}")}


def _top_region(user: User, regions: dict) -> str | None:
    tops = [c for c in user.regions if regions.get(c) and regions[c].parent not in user.regions]
    return sorted(tops)[0] if tops else None
