"""What the 考核 pages share: who may read or close which scope, the period asked for, the
Result to show (closed, else live) and the names a Result's keys stand for.

A scope is a region code or a hall id in the user's scope (region admins, auditors and
inspectors: their regions and halls; hall supervisors: their hall). Window staff never get
a scope of their choosing: assess_staff.py shows them their own unit in closed periods only.
The engine (server/assess/results.py, store.py) computes, closes and keeps results; these
helpers only check, pick and name.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from starlette.requests import Request

from server.console.figure_views import bad_request
from server.console.scope import User, console_now, require_hall, require_region, require_role
from server.db import org
from server.db.base import parse_iso
from server.db.stats import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

READERS = ("region_admin", "hall_supervisor", "auditor", "inspector")
PERIOD = re.compile(r"([0-9]{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?")


@dataclass
class Target:
    scope: str
    period: str
    name: str                  # the region's or hall's name
    kind: str                  # 'region' / 'hall'
    ended: bool                # the period is over (a close is possible)
    choices: list[tuple[str, str]]


def last_month(request: Request) -> str:
    first = console_now(request).astimezone(HALL_TZ).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def this_month(request: Request) -> str:
    return console_now(request).astimezone(HALL_TZ).strftime("%Y-%m")


def period_end(period: str) -> date | None:
    """The last day of 'YYYY-MM', 'YYYY-Qn' or 'YYYY'; None when it is none of them."""
    m = PERIOD.fullmatch(period or "")
    if not m:
        return None
    year, month, quarter = int(m.group(1)), m.group(2), m.group(3)
    if not 2000 <= year <= 2100:
        return None
    last = 12 if not (month or quarter) else int(month) if month else int(quarter) * 3
    nxt = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return nxt - timedelta(days=1)


def today(request: Request) -> date:
    return console_now(request).astimezone(HALL_TZ).date()


def choices(user: User, store) -> list[tuple[str, str]]:
    """(scope, label) the user may pick: their regions (top first), then their halls."""
    regions = org.regions(store)
    halls = org.halls(store)

    def depth(code: str) -> int:
        n, seen = 0, set()
        while code in regions and regions[code].parent and code not in seen:
            seen.add(code)
            code, n = regions[code].parent, n + 1
        return n

    out = [(c, regions[c].name) for c in sorted(user.regions, key=lambda c: (depth(c), c))
           if c in regions]
    out += [(h, halls[h].name) for h in sorted(user.halls) if h in halls]
    return out


def is_month(period: str) -> bool:
    """'YYYY-MM' (a quarter 'YYYY-Qn' is seven characters too)."""
    return bool(re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period or ""))


def first_month(period: str) -> str:
    """The first month of a period: '2026-Q4' → '2026-10', '2026' → '2026-01'."""
    if "-Q" in period:
        return f"{period[:4]}-{(int(period[-1]) - 1) * 3 + 1:02d}"
    return period if is_month(period) else f"{period}-01"


def scheme_in_force(store, scope: str, period: str):
    """The scheme Version in force for the period's first month at scope, or None."""
    from server.assess import store as assess_store

    return assess_store.scheme_for(store, scope, first_month(period))


def first_with_scheme(store, scopes: list[str], month: str) -> str | None:
    """The first of `scopes` a scheme scores `month` for: one set there, at a region above
    it or at '*' (one query and the org in memory, not a look-up per hall)."""
    with store.transaction(write=False) as tx:
        have = {r[0] for r in tx.all("SELECT DISTINCT scope FROM assess_schemes WHERE "
                                     "month_from <= ?", [month])}
    if not have:
        return None
    regions, halls = org.regions(store), org.halls(store)
    for scope in scopes:
        code = halls[scope].region if scope in halls else scope
        seen = {scope}
        while code and code not in seen:
            seen.add(code)
            code = regions[code].parent if code in regions else None
        if seen & have or "*" in have:
            return scope
    return None


def target(request: Request, user: User, store, scope: str, period: str) -> Target:
    """The scope and period asked for, after the checks: 404 unknown, 403 not yours, 400 a
    period that is not YYYY-MM, YYYY-Qn or YYYY. Opens on the last complete month and on the
    first scope of the user's that has a scheme in force (else their first scope)."""
    require_role(user, *READERS)
    period = period or last_month(request)
    end = period_end(period)
    if end is None:
        raise bad_request(request, N_("Period: write a month as YYYY-MM, a quarter as "
                                      "YYYY-Qn or a year as YYYY."))
    picks = choices(user, store)
    if not scope:
        scope = first_with_scheme(store, [s for s, _n in picks], first_month(period)) or \
            next(iter(s for s, _n in picks), "")
    if scope in org.regions(store):
        require_region(user, scope, store)
        kind, name = "region", org.regions(store)[scope].name
    else:
        require_hall(user, scope)
        kind, name = "hall", org.hall(store, scope).name
    return Target(scope, period, name, kind, end < today(request), picks)


def may_close(user: User, t: Target) -> bool:
    """Region admins close any scope of theirs; hall supervisors their own hall's."""
    if user.role == "region_admin":
        return True
    return user.role == "hall_supervisor" and t.kind == "hall" and t.scope in user.halls


def hall_names(store) -> dict[str, str]:
    return {h: v.name for h, v in org.halls(store).items()}


def local_time(text: str | None) -> str:
    if not text:
        return ""
    return parse_iso(text).astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M")


class NoResult(Exception):
    """No result to show: no scheme in force, or the engine refused (the text to show)."""


def closed_result(store, scope: str, period: str):
    """The frozen Result of a closed period, or None."""
    from server.assess import store as assess_store
    from server.assess.model import Result

    frozen = assess_store.get_result(store, scope, period)
    return Result.from_json(frozen) if frozen else None


def result_for(request: Request, store, scope: str, period: str):
    """The closed Result when there is one, else the live one (at the console's clock);
    NoResult with the engine's reason, in the reader's language, when neither."""
    from server.assess import results
    from server.assess.scheme import SchemeError
    from server.console.templating import language
    from server.i18n import translations

    try:
        return results.get(store, scope, period, now=console_now(request))
    except SchemeError as exc:   # results.AssessError: no scheme, period not begun ...
        raise NoResult(exc.text(translations(language(request)).gettext)) from None


def aspect_labels(store, scope: str, period: str) -> dict[str, str]:
    """{aspect key: label} from the scheme in force, for the tables' columns."""
    version = scheme_in_force(store, scope, period)
    if version is None:
        return {}
    return {a.key: a.label for a in version.scheme.aspects}
