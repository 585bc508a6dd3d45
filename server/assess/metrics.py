"""What a period's data says about each window unit and each staff member (issue 28): the
numbers the scheme's metric items score (score.py), read once for all units.

gather(store, halls, first, last) -> Gathered, first..last inclusive local days (UTC+8).

A unit is a department stationed in a hall, key "<hall>/<department>". Its windows are the
windows whose `department` names it, as the org says when gathered (a window moved to
another department takes its history with it). Windows without a department, and data of
window numbers the org does not know, make the unit of department '' (NO_DEPARTMENT; a page
labels it "未归属部门的窗口 / windows without a department"); it exists only when a hall has
such windows or such data. Every department of the halls is a unit, with or without data;
a department only a 督察 record names (deleted or misspelt since) is one too, credit code ''.

Metrics, the same definitions as the console's figures (server/db/stats.py Figures) and
facts (server/facts/summary.py):
  rated               参评数: counted ratings (levels 1-5) of the unit's windows
  satisfaction        满意率: levels 3-5 / rated; None when nothing was rated
  participation       参评率: rated / completed (rated + level 0); None when nothing completed
  bad                 差评数: levels 1-2
  bad_on_time         差评按时办结率: of the unit's 差评 cases decided in the period, the share
                      closed by their answer deadline. A case is decided when it is closed on
                      time, else when its deadline passes (late, however late it closes), and
                      counted in the period holding that moment, once; open before its deadline
                      (as of `now`) it is counted nowhere yet; withdrawn cases never; cases
                      opened over 190 days before the period are not read (metrics_read.py).
                      None when no case was decided
  appeals_upheld      申诉 approved in the period against ratings of the unit's windows
  handled             办件量: cases completed (service events, window_facts)
  handling_median_s   办理时长: median seconds over every duration of the period; None if none
  empty               空岗次数: 空岗 intervals, those a supervisor excused left out
  late                迟到: window-days whose first sign-in came after the hours' start plus
                      grace (one per window and day, as the 窗口服务 page's window rows)

Staff (工号 -> dict) are those with counted ratings or facts in the period: name (staff
table, '' if unknown), hall and department of their home window (the one where most of their
roll-up counts were: ratings and unrated completions; without any, the one where their
completed cases plus days worked were most; ties to the first hall and window), good (levels 3-5, as 满意), bad (1-2), rated, levels ({level: n},
for a scheme that calls other levels good), late (days of their own first sign-in late),
empty (unexcused 空岗 intervals attributed to them).

督察 records (inspections) count when they happened in the period (occurred_at) unless
withdrawn; pending_contests counts the period's records still 'contested' (they count).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from statistics import median

from server.assess import metrics_facts as read_facts, metrics_read as read
from server.db.base import utc_iso
from server.db.stats import Figures
from server.facts import refresh

NO_DEPARTMENT = ""
METRICS = ("rated", "satisfaction", "participation", "bad", "bad_on_time", "appeals_upheld",
           "handled", "handling_median_s", "empty", "late")


@dataclass
class Gathered:
    names: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    units: dict[str, dict[str, float | None]] = field(default_factory=dict)
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    staff_records: dict[str, dict[str, int]] = field(default_factory=dict)
    staff: dict[str, dict] = field(default_factory=dict)
    pending_contests: int = 0


def unit_key(hall: str, department: str) -> str:
    return f"{hall}/{department}"


def blank() -> dict[str, float | None]:
    return {"rated": 0, "satisfaction": None, "participation": None, "bad": 0,
            "bad_on_time": None, "appeals_upheld": 0, "handled": 0,
            "handling_median_s": None, "empty": 0, "late": 0}


class _Units:
    """Unit keys by (hall, window), and the units met so far (names)."""

    def __init__(self, departments, windows) -> None:
        self.names: dict[str, tuple[str, str, str]] = {}
        for hall, name, code in departments:
            self.add(hall, name, code or "")
        self.of_window: dict[tuple[str, int], str] = {}
        for hall, number, department in windows:
            self.of_window[(hall, int(number))] = self.add(hall, department or NO_DEPARTMENT)

    def add(self, hall: str, department: str, code: str = "") -> str:
        key = unit_key(hall, department)
        if key not in self.names:
            self.names[key] = (hall, department, code)
        return key

    def __call__(self, hall: str, window: int) -> str:
        key = self.of_window.get((hall, window))
        if key is None:  # a window the org does not know (deleted, never set up)
            key = self.of_window[(hall, window)] = self.add(hall, NO_DEPARTMENT)
        return key


def gather(store, halls, first: date, last: date, *, now: datetime | None = None) -> Gathered:
    """The period's metrics of every unit of `halls`, its staff and its 督察 records. `now`
    (default the clock) decides which 差评 deadlines have passed and how far today's facts
    go. Facts are brought up to date first, hall by hall, as the 窗口服务 page does."""
    halls = sorted(set(halls))
    out = Gathered()
    if not halls:
        return out
    now = now or datetime.now(timezone.utc)
    lo, _ = refresh.day_bounds(first)
    _, hi = refresh.day_bounds(last)
    lo_s, hi_s = utc_iso(lo), utc_iso(hi)
    for hall in halls:
        refresh.refresh(store, hall, first, last, now=now)
    kind = store.kind
    with store.transaction(write=False) as tx:
        departments, windows = read.org(tx, halls)
        level_rows = read.levels(tx, halls, first, last)
        case_rows = read.bad_cases(tx, halls, lo, hi, now)
        appeal_rows = read.appeals_upheld(tx, halls, lo_s, hi_s)
        record_rows = read.records(tx, halls, lo_s, hi_s)
        fact_windows, fact_staff, empty_rows, notes = read_facts.read(
            tx, kind, halls, first, last, lo_s, hi_s)
        people = {r[2] for r in level_rows if r[2]} | {r[2] for r in fact_staff}
        names = read.staff_names(tx, halls, people)
    units = _Units(departments, windows)
    figures: dict[str, Figures] = {}
    staff_figures: dict[str, Figures] = {}
    homes: dict[str, Counter] = {}
    of_window = units.of_window
    for hall, window, sid, level, n in level_rows:
        key = of_window.get((hall, window)) or units(hall, window)
        n, level = int(n), int(level)
        f = figures.get(key) or figures.setdefault(key, Figures())
        f.add(level, n)
        if sid:
            f = staff_figures.get(sid) or staff_figures.setdefault(sid, Figures())
            f.add(level, n)
            home = homes.get(sid) or homes.setdefault(sid, Counter())
            home[(hall, window)] += n
    for key in units.names:  # every unit, data or not (names grows as data names units)
        out.units[key] = blank()
    worked = _facts(out, units, fact_windows, fact_staff, empty_rows, notes)
    for key, f in figures.items():
        out.units[key].update(rated=f.rated, satisfaction=f.satisfaction,
                              participation=f.participation, bad=f.bad)
    decided: dict[str, list[int]] = {}
    for hall, window, n, on_time in case_rows:
        d = decided.setdefault(units(hall, int(window)), [0, 0])
        d[0] += int(n)
        d[1] += int(on_time or 0)
    for hall, window, n in appeal_rows:
        out.units.setdefault(units(hall, int(window)), blank())["appeals_upheld"] += int(n)
    for key, (n, on_time) in decided.items():
        out.units.setdefault(key, blank())["bad_on_time"] = on_time / n if n else None
    _records(out, units, record_rows)
    _staff(out, units, staff_figures, homes, worked, names)
    out.names = dict(sorted(units.names.items()))
    out.units = {key: out.units.get(key) or blank() for key in out.names}
    return out


def _facts(out: Gathered, units: _Units, windows: dict, staff: list, empty_rows,
           notes) -> dict[str, Counter]:
    """办件量, 办理时长, 迟到 per unit and staff member from the database's sums
    (metrics_facts.py), 空岗 counted over the window-days that have any;
    returns where each staff member worked ({工号: Counter({(hall, window): completed +
    days})})."""
    durations: dict[str, list] = {}
    for (hall, window), (done, late, seconds) in windows.items():
        m = out.units.setdefault(units(hall, window), blank())
        m["handled"] += done
        m["late"] += late
        durations.setdefault(units(hall, window), []).extend(seconds)
    for key, seconds in durations.items():
        out.units[key]["handling_median_s"] = median(seconds) if seconds else None
    worked: dict[str, Counter] = {}
    for hall, window, sid, late, done, days in staff:
        worked.setdefault(sid, Counter())[(hall, window)] += done + days
        mine = out.staff.setdefault(sid, {"late": 0, "empty": 0})
        mine["late"] += late

    # 空岗 as summary.summarize counts them (test_metrics_facts.py holds the two equal): an
    # interval a supervisor excused does not count; a staff member's are those naming them
    # on days they are in the facts (refresh.figures keeps the 工号 only then). Only
    # window-days with intervals come here.
    for hall, window, intervals in empty_rows:
        counted = [sid for start, sid in intervals
                   if not (notes.get((hall, window, start)) or {}).get("excused")]
        out.units.setdefault(units(hall, window), blank())["empty"] += len(counted)
        for sid in counted:
            if sid is not None:
                out.staff.setdefault(sid, {"late": 0, "empty": 0})["empty"] += 1
    return worked


def _records(out: Gathered, units: _Units, rows) -> None:
    for hall, department, sid, item, state, total, n in rows:
        key = units.add(hall, department)  # a department named only by a record: a unit too
        items = out.records.setdefault(key, {})
        items[item] = items.get(item, 0) + int(total)
        if sid:
            mine = out.staff_records.setdefault(sid, {})
            mine[item] = mine.get(item, 0) + int(total)
        if state == "contested":
            out.pending_contests += int(n)


def _staff(out: Gathered, units: _Units, figures: dict, homes: dict, worked: dict,
           names: dict) -> None:
    """One entry per staff member with counted ratings or facts in the period."""
    for sid in sorted(set(figures) | set(out.staff)):
        where = homes.get(sid) or worked.get(sid)
        hall, window = min(where, key=lambda k: (-where[k], k)) if where else ("", 0)
        department = units.names[units(hall, window)][1] if where else ""
        f = figures.get(sid) or Figures()
        facts = out.staff.get(sid) or {"late": 0, "empty": 0}
        name, own_hall = names.get(sid, ("", ""))
        out.staff[sid] = {"name": name, "hall": hall or own_hall, "department": department,
                          "good": f.satisfied, "bad": f.bad, "rated": f.rated,
                          "levels": dict(f.levels),
                          "late": facts["late"], "empty": facts["empty"]}
