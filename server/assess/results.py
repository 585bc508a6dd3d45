"""A period's assessment result: live (compute), frozen (close), or whichever applies (get).

Periods: 'YYYY-MM' (a month), 'YYYY-Qn' (a quarter), 'YYYY' (a year). A month is scored by
the scheme in force for it at the scope (store.scheme_for) from metrics.gather(). A quarter
or a year is the average of its months' scores (each month frozen if closed, else live;
only months begun so far), unit by unit, its lines and aspects averaged the same way; staff
points and pay are summed. Red / black flags, 优质服务窗口 and the consecutive-bottom runs go
with the periods the scheme names (period 'month' or 'quarter'), 服务标兵 with quarters, a
year carries ranks only. The scheme of a quarter or year is that of its last month begun.

close() freezes a result in assess_results (audited): refused before the period has ended
(hall time, UTC+8), when already closed, or while 督察 records of the period are contested
(unless force=True; the result then says how many were counted contested).
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta, timezone

from server.assess import awards, metrics, score, store as assess_store
from server.assess.model import Line, Result, StaffScore, UnitScore
from server.assess.scheme import Scheme, SchemeError
from server.assess.score import say
from server.db import audit, org
from server.db.base import utc_iso
from server.db.stats import HALL_TZ
from sync.wire.labels import N_

log = logging.getLogger(__name__)

PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


class AssessError(SchemeError):
    """A request the rules refuse (English msgid and values, no field path)."""

    def __init__(self, msgid: str, **values):
        super().__init__("", msgid, **values)


def months_of(period: str) -> list[str]:
    m = PERIOD.match(period or "")
    if not m or not 2000 <= int(m.group(1)) <= 2999:
        raise AssessError(N_("a period is YYYY-MM, YYYY-Qn or YYYY"))
    year = int(m.group(1))
    if m.group(2):
        return [period]
    if m.group(3):
        q = int(m.group(3))
        return [f"{year}-{n:02d}" for n in range(3 * q - 2, 3 * q + 1)]
    return [f"{year}-{n:02d}" for n in range(1, 13)]


def month_days(month: str) -> tuple[date, date]:
    first = date(int(month[:4]), int(month[5:7]), 1)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def kind_of(period: str) -> str:
    return "quarter" if "Q" in period else "month" if len(period) == 7 else "year"


def previous(period: str) -> str:
    kind = kind_of(period)
    year = int(period[:4])
    if kind == "month":
        month = int(period[5:7])
        return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    if kind == "quarter":
        q = int(period[-1])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    return str(year - 1)


def halls_of(store, scope: str) -> list[str]:
    if scope == "*":
        return sorted(org.halls(store))
    if org.hall(store, scope) is not None:
        return [scope]
    regions = org.regions(store)
    if scope not in regions:
        raise AssessError(N_("no hall or region {scope}"), scope=scope)
    return sorted(org.halls(store, org.below(regions, scope)))


def _local_today(now: datetime | None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(HALL_TZ).date()


def _scheme(store, scope: str, month: str) -> Scheme:
    version = assess_store.scheme_for(store, scope, month)
    if version is None:
        raise AssessError(N_("no assessment scheme is in force for {scope} in {month}: set "
                             "one (kiosk-server assess scheme set)"), scope=scope, month=month)
    return version.scheme


def _runs(store, scope: str, period: str, scheme: Scheme, notes: list[str]) -> dict[str, int]:
    text = assess_store.get_result(store, scope, previous(period))
    if text is None:
        if scheme.awards.black:
            notes.append(say(N_("the previous period {period} is not closed: runs at the "
                                "bottom count from this period"), period=previous(period)))
        return {}
    return {u.key: u.bottom_run for u in Result.from_json(text).units}


def _month(store, scope: str, month: str, now: datetime | None) -> tuple[Result, Scheme]:
    scheme = _scheme(store, scope, month)
    first, last = month_days(month)
    got = metrics.gather(store, halls_of(store, scope), first, last, now=now)
    units, notes = score.score_units(scheme, got.names, got.units, got.records)
    if scheme.period == "month":
        notes += awards.award(units, scheme.awards, _runs(store, scope, month, scheme, notes))
    staff = score.score_staff(scheme, got.staff, got.staff_records)
    return Result(scope, month, scheme.name, str(scheme.source), scheme.base, scheme.maximum,
                  units, staff, pending_contests=got.pending_contests, notes=notes), scheme


def compute(store, scope: str, period: str, now: datetime | None = None) -> Result:
    """The live result of a period (nothing frozen, nothing written but the facts' cache)."""
    months = months_of(period)
    if len(months) == 1:
        return _month(store, scope, period, now)[0]
    begun = [m for m in months if month_days(m)[0] <= _local_today(now)]
    if not begun:
        raise AssessError(N_("the period {period} has not begun"), period=period)
    scored = [m for m in begun if assess_store.scheme_for(store, scope, m) is not None]
    if not scored:
        _scheme(store, scope, begun[-1])    # the refusal that names the scope and month
    parts = []
    for month in scored:
        frozen = assess_store.get_result(store, scope, month)
        parts.append(Result.from_json(frozen) if frozen else _month(store, scope, month, now)[0])
    result = _aggregate(store, scope, period, parts, _scheme(store, scope, scored[-1]))
    if len(scored) < len(begun):
        result.notes.insert(1, say(N_("months without a scheme are left out: {months}"),
                                   months=", ".join(m for m in begun if m not in scored)))
    return result


def _aggregate(store, scope: str, period: str, parts: list[Result], scheme: Scheme) -> Result:
    n = len(parts)
    notes = [say(N_("scores are the average of {n} months ({months})"), n=n,
                 months=", ".join(p.period for p in parts))]
    if len({p.scheme_name for p in parts}) > 1:
        notes.append(say(N_("the months were scored by different schemes: {names}"),
                         names="、".join(dict.fromkeys(p.scheme_name for p in parts))))
    by_key: dict[str, list[UnitScore]] = {}
    for p in parts:
        for u in p.units:
            by_key.setdefault(u.key, []).append(u)
    units = [_mean_unit(us) for us in by_key.values()]
    units = score.rank(units)
    if kind_of(period) == "quarter" and scheme.period == "quarter":
        notes += awards.award(units, scheme.awards, _runs(store, scope, period, scheme, notes))
    staff = _sum_staff([s for p in parts for s in p.staff])
    if kind_of(period) == "quarter":
        notes += awards.model_staff(staff, scheme.awards.model_staff)
    return Result(scope, period, scheme.name, str(scheme.source), scheme.base, scheme.maximum,
                  units, staff, notes=notes,
                  # a closed month's contests were settled (or forced) when it closed
                  pending_contests=sum(p.pending_contests for p in parts if not p.closed_at))


def _mean_unit(months: list[UnitScore]) -> UnitScore:
    """A unit's months averaged (over the months it was scored in)."""
    first, n = months[0], len(months)
    lines: dict[str, Line] = {}
    for u in months:
        for ln in u.lines:
            got = lines.setdefault(ln.item, Line(ln.item, ln.aspect, ln.label, ln.kind, None,
                                                 0.0))
            if ln.value is not None:
                got.value = (got.value or 0.0) + ln.value
            got.points += ln.points / n
    for ln in lines.values():
        if ln.kind == "metric" and ln.value is not None:
            counted = sum(1 for u in months for x in u.lines if x.item == ln.item
                          and x.value is not None)
            ln.value = round(ln.value / counted, 4)
        ln.points = round(ln.points, 2) + 0.0
    aspects: dict[str, dict] = {}
    for u in months:
        for a in u.aspects:
            got = aspects.setdefault(a["key"], {**a, "points": 0.0, "raw": 0.0})
            got["points"] += a["points"] / n
            got["raw"] += a["raw"] / n
    for a in aspects.values():
        a["points"], a["raw"] = round(a["points"], 2), round(a["raw"], 2)
    veto = any(u.veto for u in months)
    notes = [u.note for u in months if u.note]
    return UnitScore(first.key, first.hall, first.department, first.credit_code,
                     round(sum(u.score for u in months) / n, 2), list(lines.values()), veto,
                     all(u.eligible for u in months), note="；".join(dict.fromkeys(notes)),
                     aspects=list(aspects.values()))


def _sum_staff(rows: list[StaffScore]) -> list[StaffScore]:
    found: dict[str, StaffScore] = {}
    for s in rows:
        got = found.get(s.staff_id)
        if got is None:
            found[s.staff_id] = StaffScore(**{**s.__dict__, "model": False})
            continue
        for name in ("good", "bad", "points", "records", "total", "pay", "rated"):
            setattr(got, name, round(getattr(got, name) + getattr(s, name), 2))
    return sorted(found.values(), key=lambda s: (-s.total, s.staff_id))


def get(store, scope: str, period: str, now: datetime | None = None) -> Result:
    """The frozen result when the period is closed, else the live one."""
    months_of(period)
    frozen = assess_store.get_result(store, scope, period)
    return Result.from_json(frozen) if frozen else compute(store, scope, period, now)


def close(store, scope: str, period: str, by_display: str, actor, force: bool = False,
          now: datetime | None = None) -> Result:
    """Freeze a period's result (audited as `actor`: an Actor or an audit name)."""
    last = month_days(months_of(period)[-1])[1]
    if last >= _local_today(now):
        raise AssessError(N_("a period can be closed once it has ended"))
    if assess_store.get_result(store, scope, period) is not None:
        raise AssessError(N_("{period} is already closed"), period=period)
    closed_at = utc_iso(now) if now else utc_iso()
    result = compute(store, scope, period, now)
    if result.pending_contests:
        if not force:
            raise AssessError(N_("{n} 督察 records of the period are still contested: decide "
                                 "them first, or close with force"), n=result.pending_contests)
        result.notes.append(say(N_("closed with {n} contested 督察 records counted"),
                                n=result.pending_contests))
    result.closed_at, result.closed_by = closed_at, by_display
    who = getattr(actor, "audit_name", actor)
    with store.transaction() as tx:
        kind = assess_store.scope_kind(tx, scope)
        if not assess_store.put_result(tx, scope, period, closed_at, by_display,
                                       _scheme(tx, scope, months_of(period)[-1]).to_json(),
                                       result.to_json()):
            raise AssessError(N_("{period} is already closed"), period=period)
        audit.append(tx, who, "assess.close", f"assess:{scope}:{period}",
                     {"scope": scope, "period": period, "units": len(result.units),
                      "red": [u.key for u in result.units if u.flag == "red"],
                      "black": [u.key for u in result.units if u.flag == "black"],
                      "quality": [u.key for u in result.units if u.quality],
                      "forced": bool(force and result.pending_contests)},
                     scopes=assess_store.audit_scopes(kind, scope))
    log.info("%s closed the assessment of %s for %s", who, scope, period)
    return result
