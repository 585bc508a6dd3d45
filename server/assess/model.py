"""The shapes the assessment's parts share (issue 28): a month's result, unit by unit.

The engine (scheme.py, metrics.py, score.py, awards.py, results.py) produces a Result; the
console, the notice, the XLSX and the HR sheet only read one. A closed period's Result is
frozen as JSON (to_json / from_json) in assess_results and never recomputed.

A window unit (窗口单位) is a department stationed in a hall: key "<hall_id>/<department>".
Points are signed: a deduction is negative, a bonus positive; a line's points are after the
item's cap. A unit's score is base + the lines' points, kept within [minimum, maximum], or
0 when a veto item hit and the scheme says veto = "zero".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

FLAGS = ("red", "black")          # 红旗 / 黑旗
WARNINGS = ("notice", "talk")     # 通报 (2 months running at the bottom) / 约谈 (3)
ITEM_KINDS = ("metric", "deduction", "bonus", "veto")


@dataclass
class Line:
    """One item's part of a unit's score."""
    item: str                  # the scheme item's key
    aspect: str                # its aspect's key
    label: str                 # the item's label as the scheme words it (Chinese)
    kind: str                  # one of ITEM_KINDS
    value: float | None        # the metric's value, or the occurrences recorded
    points: float              # signed, after the item's cap
    note: str = ""             # e.g. "capped at -30", "3 records (1 contested)"


@dataclass
class UnitScore:
    key: str                   # "<hall_id>/<department>"
    hall: str
    department: str
    credit_code: str           # 统一社会信用代码, '' when unknown
    score: float
    lines: list[Line] = field(default_factory=list)
    veto: bool = False
    eligible: bool = True      # for awards; False after a veto (or as the scheme says)
    rank: int | None = None    # 1 = best; units equal in score share a rank
    flag: str | None = None    # 'red' / 'black' / None
    quality: bool = False      # 优质服务窗口 this period
    bottom_run: int = 0        # consecutive periods at the bottom (black), this one included
    warning: str | None = None  # 'notice' / 'talk' / None
    note: str = ""             # why: a veto, a tie on the award line, not enough data
    # each aspect's part: {"key", "label", "points" (after its cap), "raw" (before), "cap"}
    aspects: list[dict] = field(default_factory=list)


@dataclass
class StaffScore:
    """A staff member's monthly score for HR (济宁-style 平时考核 points and the pay band)."""
    staff_id: str
    name: str
    hall: str
    department: str
    good: int                  # 好评 counted (levels the scheme calls good)
    bad: int                   # 差评 counted
    points: float              # from ratings, by the scheme's per-rating points
    records: float             # from 督察 records naming this staff member
    total: float
    pay: int                   # yuan, within the scheme's pay band
    model: bool = False        # 服务标兵 (on quarter results)
    rated: int = 0             # rated cases counted (服务标兵 asks for a minimum)
    note: str = ""


@dataclass
class Result:
    scope: str                 # hall id or region code
    period: str                # 'YYYY-MM', 'YYYY-Qn' or 'YYYY'
    scheme_name: str
    scheme_source: str         # the document the scheme follows
    base: float
    maximum: float
    units: list[UnitScore] = field(default_factory=list)   # in rank order
    staff: list[StaffScore] = field(default_factory=list)
    closed_at: str | None = None
    closed_by: str | None = None   # the closer's display name, as printed
    pending_contests: int = 0      # 督察 records still contested
    notes: list[str] = field(default_factory=list)   # ties over a cap, missing data ...

    def to_json(self) -> str:
        """asdict() as JSON, built by hand: asdict deep-copies every line of every unit (a
        second of a 1,000-unit close)."""
        data = {**vars(self), "units": [{**vars(u), "lines": [vars(ln) for ln in u.lines]}
                                        for u in self.units],
                "staff": [vars(s) for s in self.staff]}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Result":
        data = json.loads(text)
        units = [UnitScore(**{**u, "lines": [Line(**ln) for ln in u["lines"]]})
                 for u in data.pop("units")]
        staff = [StaffScore(**s) for s in data.pop("staff")]
        return cls(**data, units=units, staff=staff)
