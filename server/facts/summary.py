"""Facts of days summed up for a page or a CSV (pure): per hall, window, staff member or day.

A row: days with facts, 办件量, 办理时长 median and 90th percentile (over every case of the
rows it sums, nearest rank), 空岗 count and minutes (excused intervals left out, counted
apart), offline minutes, 迟到 / 早退 candidates, and for a single day the first sign-in and
the last sign-out. A staff member's row counts their own cases, sign-ins and the 空岗
intervals attributed to them; offline minutes belong to the window, not to a person.
"""
from __future__ import annotations

import math
from statistics import median

Row = tuple  # (hall, window, day, facts)


def nearest_rank(values: list[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def intervals(rows: list[Row], notes: dict, staff: str | None = None) -> list[dict]:
    """Every 空岗 interval of the rows, with its annotation, oldest first."""
    out = []
    for hall, window, day, facts in rows:
        for e in facts["empty"]:
            if staff is not None and e["staff"] != staff:
                continue
            note = notes.get((hall, window, e["start"]))
            out.append({**e, "hall": hall, "window": window, "day": day,
                        "excused": bool(note and note["excused"]),
                        "note": note["note"] if note else "",
                        "noted_by": note["by"] if note else ""})
    return sorted(out, key=lambda e: (e["start"], e["hall"], e["window"]))


def _blank() -> dict:
    return {"days": 0, "completed": 0, "durations": [], "empty_n": 0, "empty_min": 0.0,
            "excused_n": 0, "offline_min": 0.0, "late": 0, "early": 0, "first_in": None,
            "last_out": None}


def _add(g: dict, part: dict) -> None:
    g["days"] += 1
    g["completed"] += part["completed"]
    g["durations"] += part["durations"]
    g["late"] += bool(part.get("late"))
    g["early"] += bool(part.get("early"))
    if part["first_in"] and (g["first_in"] is None or part["first_in"] < g["first_in"]):
        g["first_in"] = part["first_in"]
    if part["last_out"] and (g["last_out"] is None or part["last_out"] > g["last_out"]):
        g["last_out"] = part["last_out"]


def summarize(rows: list[Row], notes: dict, key, staff: str | None = None) -> list[dict]:
    """Rows summed by key(hall, window, day, staff_id) -> group (None skips); staff given:
    that person's share only. Groups in key order."""
    groups: dict = {}
    for hall, window, day, facts in rows:
        people = [staff] if staff is not None else [None]
        if staff is None:
            people += [s for s in facts["staff"]]
        for person in people:
            k = key(hall, window, day, person)
            if k is None:
                continue
            g = groups.setdefault(k, _blank())
            part = facts if person is None else facts["staff"].get(person)
            if part is not None:
                _add(g, part)
            if person is None:
                g["offline_min"] += facts["offline_min"]
            for e in facts["empty"]:
                if person is not None and e["staff"] != person:
                    continue
                note = notes.get((hall, window, e["start"]))
                if note and note["excused"]:
                    g["excused_n"] += 1
                else:
                    g["empty_n"] += 1
                    g["empty_min"] += e["minutes"]
    out = []
    for k in sorted(groups, key=lambda k: tuple(str(x) for x in k) if isinstance(k, tuple)
                    else str(k)):
        g = groups[k]
        durations = g.pop("durations")
        g.update(key=k, median_s=median(durations) if durations else None,
                 p90_s=nearest_rank(durations, 0.9), empty_min=round(g["empty_min"], 1),
                 offline_min=round(g["offline_min"], 1))
        out.append(g)
    return out
