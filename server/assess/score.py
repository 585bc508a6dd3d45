"""A period's scores from a scheme and the period's data (pure: no store, no clock).

Input, per window unit (key "<hall>/<department>"): the metrics (metric name → value, None
when there is no data) and the 督察 record counts (item key → occurrences, withdrawn ones
left out). Each item gives a Line:

- metric: the rule's points for the value (0 and "no data" when the value is None);
- deduction / bonus: points per occurrence × occurrences, at most the item's cap;
- veto: no points; one occurrence makes the unit ineligible for awards, or scores it 0.

Then each aspect's deductions take at most its points (and its bonuses add at most its
points); the score is base + the aspects, kept within [minimum, maximum], rounded to 2
decimals. Lines are listed for every metric item and for the other items that occurred.
Ranks: by score, units equal in score share a rank (1, 2, 2, 4).

Notes are written in the server's language (Chinese): a closed result is a published
document and is frozen as it was published. The msgids are English (server.po).
"""
from __future__ import annotations

from functools import lru_cache

from server.assess.model import Line, StaffScore, UnitScore
from server.assess.scheme import Item, Scheme
from sync.wire.labels import N_


@lru_cache(maxsize=256)
def _said(msgid: str) -> str:
    from server.i18n import DEFAULT_LANGUAGE, gettext_for

    return gettext_for(DEFAULT_LANGUAGE)(msgid)


def say(msgid: str, **values) -> str:
    """msgid in the server's language (Chinese), its values filled in."""
    return _said(msgid).format(**values)


def num(x: float) -> str:
    """2 decimals at most, no trailing zeros: 2, -1.5, 97.33."""
    x = round(x, 2)
    return f"{x:.2f}".rstrip("0").rstrip(".") if x else "0"


def _capped(raw: float, cap: float | None) -> tuple[float, str]:
    if cap is None or abs(raw) <= cap:
        return raw, ""
    got = cap if raw > 0 else -cap
    return got, say(N_("capped at {cap}"), cap=num(got))


def line(item: Item, metrics: dict, records: dict) -> Line | None:
    """The item's line for a unit, or None for a record item that did not occur."""
    if item.kind == "metric":
        value = metrics.get(item.metric)
        if value is None:
            return Line(item.key, item.aspect, item.label, item.kind, None, 0.0,
                        say(N_("no data")))
        points, note = _capped(item.rule.raw(float(value)), item.rule.cap)
        return Line(item.key, item.aspect, item.label, item.kind, float(value),
                    round(points, 2) + 0.0, note)
    count = int(records.get(item.key, 0) or 0)
    if count <= 0:
        return None
    if item.kind == "veto":
        return Line(item.key, item.aspect, item.label, item.kind, float(count), 0.0,
                    say(N_("veto")))
    points, note = _capped(item.points * count, item.cap)
    return Line(item.key, item.aspect, item.label, item.kind, float(count), round(points, 2),
                note)


def score_unit(scheme: Scheme, key: str, hall: str, department: str, credit_code: str,
               metrics: dict, records: dict) -> UnitScore:
    lines = [ln for ln in (line(i, metrics, records) for i in scheme.items) if ln is not None]
    sums: dict[str, list[float]] = {}
    for ln in lines:
        part = sums.setdefault(ln.aspect, [0.0, 0.0])
        part[ln.points > 0] += ln.points
    aspects, total = [], 0.0
    for aspect in scheme.aspects:
        if aspect.key not in sums:
            continue
        minus, plus = sums[aspect.key]
        got = max(minus, -aspect.points) + min(plus, aspect.points)
        total += got
        aspects.append({"key": aspect.key, "label": aspect.label, "points": round(got, 2),
                        "raw": round(minus + plus, 2), "cap": aspect.points})
    veto = any(ln.kind == "veto" for ln in lines)
    score = round(max(scheme.minimum, min(scheme.maximum, scheme.base + total)), 2)
    notes = []
    if veto:
        hit = "、".join(ln.label for ln in lines if ln.kind == "veto")
        if scheme.veto == "zero":
            score = 0.0
            notes.append(say(N_("veto ({items}): scored 0"), items=hit))
        else:
            notes.append(say(N_("veto ({items}): not eligible for awards"), items=hit))
    eligible = not veto
    rated = metrics.get("rated")
    if eligible and scheme.awards.min_rated and (rated or 0) < scheme.awards.min_rated:
        eligible = False
        notes.append(say(N_("{rated} rated, fewer than {n}: not eligible for awards"),
                         rated=int(rated or 0), n=scheme.awards.min_rated))
    return UnitScore(key, hall, department, credit_code, score, lines, veto, eligible,
                     note="；".join(notes), aspects=aspects)


def rank(units: list[UnitScore]) -> list[UnitScore]:
    """In rank order (score, then key); equal scores share the better rank."""
    ordered = sorted(units, key=lambda u: (-u.score, u.key))
    for n, u in enumerate(ordered):
        u.rank = ordered[n - 1].rank if n and ordered[n - 1].score == u.score else n + 1
    return ordered


def score_units(scheme: Scheme, names: dict, metrics: dict, records: dict) -> tuple[
        list[UnitScore], list[str]]:
    """(every unit of `names` scored and ranked, notes): names is {key: (hall, department,
    credit_code)}; a unit with data but not in names is scored with its key's parts."""
    keys = sorted({*names, *metrics, *records})
    units = []
    for key in keys:
        hall, department, code = names.get(key) or (*key.split("/", 1), "")
        units.append(score_unit(scheme, key, hall, department, code, metrics.get(key) or {},
                                records.get(key) or {}))
    known = {i.key for i in scheme.items}
    stray: dict[str, int] = {}
    for counts in records.values():
        for item, n in counts.items():
            if item not in known and n:
                stray[item] = stray.get(item, 0) + n
    notes = [say(N_("{n} records of item {item}, which this scheme does not have, are not "
                    "counted"), n=n, item=item) for item, n in sorted(stray.items())]
    return rank(units), notes


def score_staff(scheme: Scheme, staff: dict, records: dict) -> list[StaffScore]:
    """Each staff member's points from 好差评 and 督察 records naming them, and the pay; []
    when the scheme scores no staff. staff: {工号: {name, hall, department, good, bad,
    rated}}; records: {工号: {item: occurrences}}."""
    rule = scheme.staff
    if rule is None:
        return []
    items = {i.key: i for i in scheme.items if i.kind in ("deduction", "bonus")}
    found = []
    for staff_id in sorted({*staff, *records}):
        info = staff.get(staff_id) or {}
        good, bad = int(info.get("good") or 0), int(info.get("bad") or 0)
        points = round(good * rule.good + bad * rule.bad, 2)
        from_records = 0.0
        for key, n in (records.get(staff_id) or {}).items():
            if key in items and n:
                from_records += _capped(items[key].points * n, items[key].cap)[0]
        total = round(points + from_records, 2)
        found.append(StaffScore(staff_id, info.get("name") or staff_id, info.get("hall") or "",
                                info.get("department") or "", good, bad, points,
                                round(from_records, 2), total, rule.pay(total),
                                rated=int(info.get("rated") or 0)))
    return sorted(found, key=lambda s: (-s.total, s.staff_id))
