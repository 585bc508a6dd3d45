"""The monthly ranking and its flags: 红旗 for the best, 黑旗 for the worst (pure rules + close).

Rules (rank()): a unit qualifies with at least `min_rated` rated cases in the month; qualified
units are ordered by the score (default 满意率), ties broken by 参评率, then by rated count;
units equal on all three share a rank (1, 2, 2, 4). The top `red` ranks get a red flag and the
bottom `black` ranks a black one; when fewer than red + black qualify, black gets at most the
lower half (n // 2) and red the rest, so no unit gets both. A tie on the flag line flags every
unit in it (nobody is flagged by a coin toss). Superseded and excluded ratings never reach the
roll-ups, so they never count here.

Closing a month (close()) freezes the ranking as a snapshot; ratings of that month that arrive
later are shown as late beside the frozen rows and never change them.
"""
from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server.db import audit, org, org_units, rankings, stats
from server.db.base import utc_iso
from server.db.stats import Figures, RangeError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

DEFAULTS = {"min_rated": 30, "red": 3, "black": 3, "score": "satisfaction"}
SCORES = {"satisfaction": N_("Satisfaction rate"), "participation": N_("Participation rate"),
          "mean_level": N_("Mean level")}
KINDS = {"windows": N_("Windows of a hall"), "staff": N_("Staff of a hall"),
         "halls": N_("Halls of a region"), "departments": N_("Departments of a hall"),
         "region_departments": N_("Departments of a region")}
# The kinds whose scope is a region code (the others: a hall id).
REGION_KINDS = ("halls", "region_departments")


class RankingError(ValueError):
    """A ranking request the rules refuse; the message is an English msgid."""


@dataclass
class Unit:
    key: str          # window number, 工号, hall id, department or "hall/department" (text)
    label: str
    figures: Figures


def score_of(figures: Figures, score: str) -> float | None:
    return getattr(figures, score)


def rank(units: list[Unit], min_rated: int = 30, red: int = 3, black: int = 3,
         score: str = "satisfaction") -> list[dict]:
    """The ranking rows, qualified units first in rank order, then the others by count."""
    if score not in SCORES:
        raise RankingError(N_("Unknown score."))
    qualified = [u for u in units if u.figures.rated >= max(min_rated, 1)]
    others = [u for u in units if u.figures.rated < max(min_rated, 1)]

    def key(u: Unit) -> tuple:
        f = u.figures
        return (score_of(f, score) or 0.0, f.participation or 0.0, f.rated)

    keyed = sorted(((key(u), u) for u in qualified), key=lambda ku: (tuple(-x for x in ku[0]),
                                                                     ku[1].key))
    ascending = sorted(k for k, _u in keyed)
    n = len(keyed)
    black_n = min(black, n // 2) if n < red + black else black
    red_n = min(red, n - black_n)
    rows = []
    for k, u in keyed:
        position = 1 + n - bisect_right(ascending, k)      # shared rank on a full tie
        from_bottom = 1 + bisect_left(ascending, k)
        flag = "red" if position <= red_n else ("black" if from_bottom <= black_n else "")
        rows.append(_row(u, score, position, n, flag, True))
    for u in sorted(others, key=lambda u: (-u.figures.rated, u.key)):
        rows.append(_row(u, score, None, n, "", False))
    return rows


def _row(u: Unit, score: str, position, of: int, flag: str, qualified: bool) -> dict:
    f = u.figures
    value = score_of(f, score)
    return {"key": u.key, "label": u.label, "rank": position, "of": of, "flag": flag,
            "qualified": qualified, "score": score,
            "score_value": None if value is None else round(value, 6),
            "rated": f.rated, "satisfied": f.satisfied, "bad": f.bad, "unrated": f.unrated,
            "satisfaction": stats.pct(f.satisfaction),
            "participation": stats.pct(f.participation),
            "levels": {str(lv): f.levels.get(lv, 0) for lv in stats.LEVELS}}


# -- data ---------------------------------------------------------------------------------------
def region_chain(store, code: str) -> list[str]:
    regions = org.regions(store)
    chain = []
    while code and code in regions and code not in chain:
        chain.append(code)
        code = regions[code].parent
    return chain


def settings(store, kind: str, scope: str) -> dict:
    """The ranking settings in force for a scope: the nearest stored ones, else DEFAULTS."""
    if kind in REGION_KINDS:
        chain = region_chain(store, scope)
    else:
        hall = org.hall(store, scope)
        chain = [scope, *(region_chain(store, hall.region) if hall else [])]
    found = rankings.settings_for(store, chain)
    return {**DEFAULTS, "scope": "default", **(found or {})}


def units(store, kind: str, scope: str, start: date, end: date) -> list[Unit]:
    """Every unit of the scope (those the org lists, with or without ratings, and any that
    has ratings without being in the org), with its figures for the days."""
    if kind == "windows":
        got = {str(k[1]): f for k, f in stats.breakdown(store, {scope}, start, end,
                                                         "window").items()}
        names = {str(w.number): w.name for w in org.windows(store, scope)}
        label = {k: f"{k} {names.get(k, '')}".strip() for k in {*names, *got}}
    elif kind == "staff":
        got = {k[1]: f for k, f in stats.breakdown(store, {scope}, start, end, "staff").items()
               if k[1]}
        names = {s.staff_id: s.name for s in org.staff(store, hall_id=scope)}
        label = {k: f"{names[k]} ({k})" if k in names else k for k in {*names, *got}}
    elif kind == "halls":
        halls = org.halls(store, org.below(org.regions(store), scope))
        got = stats.breakdown(store, set(halls), start, end, "hall")
        label = {h: v.name for h, v in halls.items()}
    elif kind in ("departments", "region_departments"):
        got, label = _departments(store, kind, scope, start, end)
    else:
        raise RankingError(N_("Unknown ranking."))
    return [Unit(k, label[k], got.get(k, Figures())) for k in sorted(label, key=_natural)]


def _departments(store, kind: str, scope: str, start: date, end: date) -> tuple[dict, dict]:
    """A hall's departments keyed by name; a region's keyed "hall/department" (a hall id has
    no '/') and labelled "<hall name> · <department>": one row per department per hall."""
    halls = org.halls(store, org.below(org.regions(store), scope)) if kind in REGION_KINDS \
        else {scope: org.hall(store, scope)}
    with store.transaction(write=False) as tx:
        listed = [(d.hall_id, d.name) for d in org_units.units(tx, sorted(halls))]
    got = stats.breakdown(store, set(halls), start, end, "department")
    if kind == "departments":
        return {k[1]: f for k, f in got.items()}, {name: name for _h, name in {*listed, *got}}
    return ({f"{h}/{name}": f for (h, name), f in got.items()},
            {f"{h}/{name}": f"{halls[h].name} · {name}" for h, name in {*listed, *got}})


def _natural(key: str) -> tuple:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def compute(store, kind: str, scope: str, month: str) -> tuple[list[dict], dict]:
    start, end = stats.month_range(month)
    cfg = settings(store, kind, scope)
    rows = rank(units(store, kind, scope, start, end), cfg["min_rated"], cfg["red"],
                cfg["black"], cfg["score"])
    return rows, cfg


def view(store, kind: str, scope: str, month: str) -> dict:
    """What the ranking page shows: the live ranking, or the frozen one of a closed month
    with each unit's late ratings (counted since the close, never folded in)."""
    live, cfg = compute(store, kind, scope, month)
    snap = rankings.get_snapshot(store, month, kind, scope)
    if snap is None:
        return {"rows": live, "settings": cfg, "closed": None, "late": 0}
    late = late_counts(store, kind, scope, month, snap["closed_at"])
    rows = [{**r, "late": late.get(r["key"], 0)} for r in snap["rows"]]
    # The total also counts units the frozen ranking does not list (a window added later).
    late = sum(late.values())
    return {"rows": rows, "settings": snap["settings"], "closed": snap, "late": late}


def _halls(store, kind: str, scope: str) -> set[str]:
    if kind in REGION_KINDS:
        return set(org.halls(store, org.below(org.regions(store), scope)))
    return {scope}


def late_counts(store, kind: str, scope: str, month: str, closed_at: str) -> dict[str, int]:
    """Per unit, the ratings of the month (hall-local, UTC+8) stored from the close on (its
    stamp, taken before the snapshot's figures were read) that count now: rows counted, so a default rating or a rating moved out of the month never
    makes the figure negative."""
    first, last = stats.month_range(month)
    start = datetime.combine(first, time(), stats.HALL_TZ)
    end = datetime.combine(last + timedelta(days=1), time(), stats.HALL_TZ)
    return rankings.late_counts(store, kind, _halls(store, kind, scope), utc_iso(start),
                                utc_iso(end), closed_at)


def close(store, kind: str, scope: str, month: str, by: str, on: date | None = None) -> dict:
    """Freeze a finished month's ranking (audited); RankingError when the month has not ended
    (in the hall's time zone) or was closed already."""
    start, end = stats.month_range(month)
    if end >= (on or stats.today()):
        raise RankingError(N_("A month can be closed once it has ended."))
    # Stamped before the figures are read: a rating stored while they are read is then
    # counted late (as well), never lost between the snapshot and the late count.
    closed_at = utc_iso()
    rows, cfg = compute(store, kind, scope, month)
    with store.transaction() as tx:
        if not rankings.put_snapshot(tx, month, kind, scope, by, cfg, rows, now=closed_at):
            raise RankingError(N_("This month's ranking is already closed."))
        audit.append(tx, by, "ranking.close", f"ranking:{kind}:{scope}:{month}",
                     {"units": len(rows), "red": [r["key"] for r in rows if r["flag"] == "red"],
                      "black": [r["key"] for r in rows if r["flag"] == "black"]})
    log.info("%s closed the %s ranking of %s for %s", by, kind, scope, month)
    return rankings.get_snapshot(store, month, kind, scope)


__all__ = ["DEFAULTS", "KINDS", "REGION_KINDS", "SCORES", "RangeError", "RankingError", "Unit",
           "close", "compute", "rank", "settings", "units", "view"]
