"""What a period's assessment Result becomes on paper: the published notice's tables, the
XLSX for the monthly meeting and the HR sheet (per-staff score and pay). Pure over a Result.

Every function takes `say`, a gettext callable of the reader's language (msgids English,
Chinese in server.po), and the names of the halls (a unit is "<hall>/<department>"; a
region's result names the hall beside the department). Nothing here reads the store: the
console pages (server/console/assess_*.py) fetch the Result and lay these rows out.
Spreadsheet cells go through sync.wire.cells (numbers stay numbers, no text is a formula).
"""
from __future__ import annotations

import io
import re
from datetime import date

from server.assess.model import Result, UnitScore
from sync.wire import cells
from sync.wire.labels import N_

PERIOD = re.compile(r"([0-9]{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?")
FLAG_LABELS = {"red": N_("Red flag"), "black": N_("Black flag")}
WARNING_LABELS = {"notice": N_("通报 (two periods running at the bottom)"),
                  "talk": N_("约谈 (three periods running at the bottom)")}
RANKING_COLUMNS = [N_("Rank"), N_("Window unit"), N_("Credit code"), N_("Score"), N_("Flag"),
                   N_("Quality service window"), N_("Warning"), N_("Veto"), N_("Why")]
STAFF_COLUMNS = [N_("Staff ID"), N_("Staff name"), N_("Window unit"), N_("Good reviews"),
                 N_("Bad reviews"), N_("Points from ratings"), N_("Points from inspections"),
                 N_("Total"), N_("Pay (yuan)"), N_("Service model")]


def period_label(period: str, say) -> str:
    """'2026-11' → 2026年11月, '2026-Q4' → 2026年第4季度, '2026' → 2026年度."""
    m = PERIOD.fullmatch(period)
    if not m:
        return period
    year, month, quarter = m.groups()
    if month:
        return say(N_("{month}/{year}")).format(year=year, month=int(month))
    if quarter:
        return say(N_("Q{quarter} {year}")).format(year=year, quarter=quarter)
    return say(N_("Year {year}")).format(year=year)


def notice_title(result: Result, say) -> str:
    return say(N_("{period} assessment of window units: results")).format(
        period=period_label(result.period, say))


def number(value: float | None) -> str:
    """A score or points as printed: 97.5, 100, -2 (no trailing .0)."""
    if value is None:
        return "—"
    value = round(float(value), 2)
    return f"{value:g}" if value != int(value) else str(int(value))


def signed(value: float) -> str:
    return ("+" if value > 0 else "") + number(value) if value else "0"


def unit_label(unit: UnitScore, hall_names: dict[str, str], many_halls: bool) -> str:
    name = unit.department or unit.key
    if many_halls:
        return f"{name}（{hall_names.get(unit.hall, unit.hall)}）"
    return name


def many_halls(result: Result) -> bool:
    return len({u.hall for u in result.units}) > 1


def ranking_rows(result: Result, say, hall_names: dict[str, str]) -> list[dict]:
    """One dict per unit in rank order; keys are RANKING_COLUMNS' msgids, plus 'unit' (the
    UnitScore), 'name' and 'key' for links."""
    many = many_halls(result)
    out = []
    for u in result.units:
        out.append({
            "key": u.key, "unit": u, "name": unit_label(u, hall_names, many),
            "Rank": u.rank if u.rank is not None else "",
            "Window unit": unit_label(u, hall_names, many), "Credit code": u.credit_code,
            "Score": round(float(u.score), 2),
            "Flag": say(FLAG_LABELS[u.flag]) if u.flag in FLAG_LABELS else "",
            "Quality service window": say(N_("Yes")) if u.quality else "",
            "Warning": say(WARNING_LABELS[u.warning]) if u.warning in WARNING_LABELS else "",
            "Veto": say(N_("Yes")) if u.veto else "", "Why": u.note})
    return out


def items(result: Result) -> list[tuple[str, str, str]]:
    """(aspect, item, label) of every item any unit has a line for, in the scheme's order
    (the order lines first appear in)."""
    seen: dict[str, tuple[str, str, str]] = {}
    for u in result.units:
        for line in u.lines:
            seen.setdefault(line.item, (line.aspect, line.item, line.label))
    return list(seen.values())


def aspects(result: Result) -> list[tuple[str, str]]:
    """(key, label) of every aspect any unit has points in, in the scheme's order."""
    out: dict[str, str] = {}
    for u in result.units:
        for a in u.aspects:
            out.setdefault(a["key"], a.get("label") or a["key"])
    for aspect, _item, _label in items(result):   # a result without aspect parts
        out.setdefault(aspect, aspect)
    return list(out.items())


def aspect_points(unit: UnitScore) -> dict[str, float]:
    """Each aspect's points as they count (after the aspect's cap, when the engine gives
    them), else the sum of its lines."""
    if unit.aspects:
        return {a["key"]: float(a["points"]) for a in unit.aspects}
    sums: dict[str, float] = {}
    for line in unit.lines:
        sums[line.aspect] = sums.get(line.aspect, 0.0) + float(line.points)
    return sums


def notice_rows(result: Result, say, hall_names: dict[str, str],
                aspect_labels: dict[str, str] | None = None) -> tuple[list[str], list[list]]:
    """The notice's table: rank, unit, the points of each aspect, score, honours. Aspects,
    not items, so a 16-item scheme still fits A4 portrait; the items come in detail_lines."""
    names = aspect_labels or {}
    labels = dict(aspects(result))
    # The scheme's order when it is known (aspect_labels), else the order units give.
    cols = [k for k in names if k in labels] + [k for k in labels if k not in names]
    headers = [say(N_("Rank")), say(N_("Window unit")),
               *[names.get(a) or labels[a] for a in cols],
               say(N_("Score")), say(N_("Honours and warnings"))]
    rows = []
    for r in ranking_rows(result, say, hall_names):
        u = r["unit"]
        sums = aspect_points(u)
        honours = [x for x in (r["Flag"], say(N_("Quality service window")) if u.quality
                               else "", say(N_("Veto")) if u.veto else "",
                               say(N_("Notice (通报)")) if u.warning == "notice" else "",
                               say(N_("Talk (约谈)")) if u.warning == "talk" else "") if x]
        rows.append([r["Rank"], r["name"], *[signed(sums[a]) if a in sums else "—"
                                             for a in cols],
                     number(u.score), "、".join(honours)])
    return headers, rows


def detail_lines(result: Result, say, hall_names: dict[str, str]) -> list[tuple[str, str]]:
    """(unit, "item −2 (note); item +1") for every unit with a non-zero item or a veto."""
    many = many_halls(result)
    out = []
    for u in result.units:
        parts = []
        for line in u.lines:
            if line.points or line.kind == "veto" and line.value:
                text = f"{line.label} {signed(line.points)}"
                parts.append(f"{text}（{line.note}）" if line.note else text)
        if parts:
            out.append((unit_label(u, hall_names, many), "；".join(parts)))
    return out


def breakdown_table(unit: UnitScore, say) -> tuple[list[str], list[list]]:
    """A unit's lines item by item, as printed: aspect, item, value, points, note."""
    names = {a["key"]: a.get("label") or a["key"] for a in unit.aspects}
    headers = [say(N_("Aspect")), say(N_("Item")), say(N_("Value")), say(N_("Points")),
               say(N_("Note"))]
    rows = [[names.get(line.aspect, line.aspect), line.label,
             "" if line.value is None else f"{round(float(line.value), 4):g}",
             number(line.points), line.note] for line in unit.lines]
    return headers, rows


def aspect_table(unit: UnitScore, say) -> tuple[list[str], list[list]]:
    """Each aspect's items summed, its cap and what counts (the score adds these)."""
    headers = [say(N_("Aspect")), say(N_("Items' points")), say(N_("Aspect's points")),
               say(N_("Counted in the score"))]
    rows = [[a.get("label") or a["key"], number(a.get("raw", a["points"])),
             number(a.get("cap") or 0), number(a["points"])] for a in unit.aspects]
    return headers, rows


def staff_rows(result: Result, say, hall_names: dict[str, str]) -> list[list]:
    many = len({s.hall for s in result.staff}) > 1
    out = []
    for s in result.staff:
        unit = s.department or s.hall
        if many:
            unit = f"{unit}（{hall_names.get(s.hall, s.hall)}）"
        out.append([s.staff_id, s.name, unit, s.good, s.bad, round(float(s.points), 2),
                    round(float(s.records), 2), round(float(s.total), 2), int(s.pay),
                    say(N_("Yes")) if s.model else ""])
    return out


def staff_headers(say) -> list[str]:
    return [say(c) for c in STAFF_COLUMNS]


def ranking_headers(say) -> list[str]:
    return [say(c) for c in RANKING_COLUMNS]


def ranking_table(result: Result, say, hall_names: dict[str, str]) -> list[list]:
    return [[r[c] for c in RANKING_COLUMNS] for r in ranking_rows(result, say, hall_names)]


def _sheet(book, title: str, headers: list[str], rows: list[list], widths=()):
    sheet = book.create_sheet(title)
    sheet.append(cells.xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(cells.xlsx_row(sheet, row))
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def xlsx(result: Result, say, hall_names: dict[str, str]) -> bytes:
    """The meeting's workbook: ranking, breakdown (unit × item points) and staff sheets."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(book, say(N_("Ranking")), ranking_headers(say),
           ranking_table(result, say, hall_names), (6, 28, 22, 8, 8, 10, 16, 6, 40))
    cols = items(result)
    many = many_halls(result)
    headers = [say(N_("Rank")), say(N_("Window unit")), say(N_("Base")),
               *[label for _a, _i, label in cols], say(N_("Score"))]
    rows = []
    for u in result.units:
        points = {line.item: round(float(line.points), 2) for line in u.lines}
        rows.append([u.rank if u.rank is not None else "", unit_label(u, hall_names, many),
                     result.base, *[points.get(i, "") for _a, i, _l in cols],
                     round(float(u.score), 2)])
    _sheet(book, say(N_("Breakdown")), headers, rows, (6, 28, 8, *[12] * len(cols), 8))
    _sheet(book, say(N_("Staff")), staff_headers(say), staff_rows(result, say, hall_names),
           (12, 10, 28, 8, 8, 10, 10, 8, 10, 8))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hr_xlsx(result: Result, say, hall_names: dict[str, str]) -> bytes:
    """The HR sheet: each staff member's score and pay for the period."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(book, period_label(result.period, say), staff_headers(say),
           staff_rows(result, say, hall_names), (12, 10, 28, 8, 8, 10, 10, 8, 10, 8))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def local_day(text: str | None) -> date | None:
    """The local (hall) date of a stored UTC ISO time, for the notice's date line."""
    if not text:
        return None
    from server.db.base import parse_iso
    from server.db.stats import HALL_TZ

    return parse_iso(text).astimezone(HALL_TZ).date()


__all__ = ["aspect_table", "aspects", "breakdown_table", "detail_lines", "hr_xlsx", "items",
           "local_day", "notice_rows", "notice_title", "number", "period_label", "ranking_headers",
           "ranking_rows", "ranking_table", "staff_headers", "staff_rows", "unit_label",
           "xlsx"]
