"""A period's awards from its ranked scores (pure): 红旗 / 黑旗, 优质服务窗口, the consecutive-
bottom warnings (通报 / 约谈) and 服务标兵.

- 红旗: the top `red` eligible units; 黑旗: the bottom `black` units (eligible or not), never
  a unit with a red flag. With fewer than red + black units, black takes at most the lower
  half (n // 2) and red the rest. A tie on a flag's line flags every unit in it (nobody is
  flagged by a coin toss) and the result's notes say so.
- 优质服务窗口: eligible units scoring at least `min_score`, at most `max`. A tie on the line
  would award more than the cap, so the tied units are left out (fewer are awarded) and the
  notes say why: the documents cap the number ("每月评选不超过5个") and give no tie-break.
- Runs: a unit with a black flag this period runs one period longer than in the previous
  closed period (1 when it had none); 通报 from `notice_after` periods, 约谈 from `talk_after`.
- 服务标兵: staff with at least `min_rated` rated cases and a positive total, the top `max`;
  a tie on the line is left out like 优质服务窗口.
"""
from __future__ import annotations

from server.assess.model import StaffScore, UnitScore
from server.assess.scheme import Awards, ModelStaff, Quality
from server.assess.score import num, say
from sync.wire.labels import N_


def _names(units: list[UnitScore]) -> str:
    return "、".join(u.department or u.key for u in units)


def _cut(ordered: list, n: int, value) -> tuple[list, list]:
    """(within the first n, tied with the n-th beyond it) of a list in order."""
    if n <= 0 or not ordered:
        return [], []
    if len(ordered) <= n:
        return list(ordered), []
    line = value(ordered[n - 1])
    return list(ordered[:n]), [x for x in ordered[n:] if value(x) == line]


RED_TIE = N_("Red flag: {names} tie at {score} on the line, so {count} units get a red flag "
             "instead of {n}")
BLACK_TIE = N_("Black flag: {names} tie at {score} on the line, so {count} units get a black "
               "flag instead of {n}")


def _flag(candidates: list[UnitScore], n: int, flag: str, tie_msgid: str) -> list[str]:
    """Flag the first n candidates and any tied with the n-th; a note when there were ties."""
    chosen, tied = _cut(candidates, n, lambda u: u.score)
    for u in chosen + tied:
        u.flag = flag
    if not tied:
        return []
    line = tied[0].score
    return [say(tie_msgid, names=_names([u for u in chosen if u.score == line] + tied),
                score=num(line), count=len(chosen) + len(tied), n=n)]


def flags(units: list[UnitScore], red: int, black: int) -> list[str]:
    """Set flag on units (in rank order); the notes on ties."""
    n = len(units)
    black_n = min(black, n // 2) if n < red + black else black
    red_n = min(red, n - black_n)
    notes = _flag([u for u in units if u.eligible], red_n, "red", RED_TIE)
    return notes + _flag([u for u in reversed(units) if u.flag is None], black_n, "black",
                         BLACK_TIE)


def _at_most(candidates: list, n: int, value) -> tuple[list, list]:
    """(the first n of candidates, in order; those left out). A tie on the n-th place would
    award more than n, so the tied ones are all left out: fewer are awarded."""
    chosen, tied = _cut(candidates, n, value)
    if not tied:
        return chosen, []
    line = value(tied[0])
    return [x for x in chosen if value(x) != line], [x for x in chosen if value(x) == line] + tied


OVER_CAP = N_("{award}: {names} tie at {score} on the line; awarding them all would exceed "
              "the cap of {n}, so {count} are awarded")


def quality(units: list[UnitScore], rule: Quality | None) -> list[str]:
    if rule is None:
        return []
    chosen, left = _at_most([u for u in units if u.eligible and u.score >= rule.min_score],
                            rule.max, lambda u: u.score)
    for u in chosen:
        u.quality = True
    if not left:
        return []
    tie = say(N_("tied on the quality window line"))
    for u in left:
        u.note = "；".join(x for x in (u.note, tie) if x)
    return [say(OVER_CAP, award=say(N_("Quality window")), names=_names(left),
                score=num(left[0].score), n=rule.max, count=len(chosen))]


def runs(units: list[UnitScore], previous: dict[str, int], awards: Awards) -> None:
    """bottom_run and warning of each unit, from the previous closed period's runs."""
    w = awards.warnings
    for u in units:
        u.bottom_run = previous.get(u.key, 0) + 1 if u.flag == "black" else 0
        u.warning = ("talk" if u.bottom_run >= w.talk_after else
                     "notice" if u.bottom_run >= w.notice_after else None)


def model_staff(staff: list[StaffScore], rule: ModelStaff | None) -> list[str]:
    if rule is None:
        return []
    chosen, left = _at_most(sorted((s for s in staff if s.rated >= rule.min_rated
                                    and s.total > 0), key=lambda s: (-s.total, s.staff_id)),
                            rule.max, lambda s: s.total)
    for s in chosen:
        s.model = True
    if not left:
        return []
    return [say(OVER_CAP, award=say(N_("Model staff")), names="、".join(s.name for s in left),
                score=num(left[0].total), n=rule.max, count=len(chosen))]


def award(units: list[UnitScore], awards: Awards, previous: dict[str, int],
          with_awards: bool = True) -> list[str]:
    """Flags, 优质服务窗口 and runs on ranked units (when this period carries awards)."""
    if not with_awards:
        return []
    notes = flags(units, awards.red, awards.black) + quality(units, awards.quality)
    runs(units, previous, awards)
    return notes
