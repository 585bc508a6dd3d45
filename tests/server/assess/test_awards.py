"""Awards by hand: red and black flags (never both, ties on the line flag all and say so),
优质服务窗口 never over the cap (a tie on the line awards fewer and says why), consecutive-
bottom warnings, 服务标兵."""
from __future__ import annotations

from server.assess import awards, scheme as schemes
from server.assess.model import StaffScore
from server.assess.score import score_units
from tests.server.assess.test_score import BODY, METRICS, NAMES, RECORDS


def ranked(**change):
    scheme = schemes.from_dict({**BODY, **change})
    units, _ = score_units(scheme, NAMES, METRICS, RECORDS)
    return scheme, units


def test_flags_quality_and_runs_by_hand():
    # scores: u1 102, u4 100 (veto), u7 100, u3 90, u5 90, u2 86, u6 80
    scheme, units = ranked()
    notes = awards.award(units, scheme.awards, {"h/u6": 1, "h/u2": 2, "h/u1": 5})
    by = {u.key: u for u in units}
    # red 2 among the eligible: u1, then u7 (u4 has a veto)
    assert [u.key for u in units if u.flag == "red"] == ["h/u1", "h/u7"]
    assert [u.key for u in units if u.flag == "black"] == ["h/u2", "h/u6"]
    # quality ≥ 90, at most 2: u1 102, u7 100, then u3 and u5 at 90 are beyond the cap
    assert [u.key for u in units if u.quality] == ["h/u1", "h/u7"]
    assert notes == []
    assert (by["h/u6"].bottom_run, by["h/u6"].warning) == (2, "notice")
    assert (by["h/u2"].bottom_run, by["h/u2"].warning) == (3, "talk")
    assert (by["h/u1"].bottom_run, by["h/u1"].warning) == (0, None)


def test_a_tie_on_the_red_line_flags_both_and_a_tie_on_the_quality_line_awards_fewer():
    names = {k: v for k, v in NAMES.items() if k != "h/u7"}
    scheme = schemes.from_dict(BODY)
    units, _ = score_units(scheme, names, METRICS, RECORDS)
    notes = awards.award(units, scheme.awards, {})
    # eligible in order: u1 102, u3 90, u5 90, u2 86, u6 80: the 2nd red is a tie at 90
    assert [u.key for u in units if u.flag == "red"] == ["h/u1", "h/u3", "h/u5"]
    assert [u.key for u in units if u.flag == "black"] == ["h/u2", "h/u6"]
    # quality: u1, then u3 and u5 tie on the line of 2 → only u1
    assert [u.key for u in units if u.quality] == ["h/u1"]
    assert {u.key: u.note for u in units if "并列" in u.note} == {
        "h/u3": "在优质服务窗口线上并列", "h/u5": "在优质服务窗口线上并列"}
    assert notes == [
        "红旗：u3、u5 以 90 分并列于红旗线上，因此 3 个单位获红旗（原定 2 个）",
        "优质服务窗口：u3、u5 以 90 分并列于评选线上，全部评选将超过 2 个的上限，因此只评出 1 个"]


def test_a_tie_on_the_black_line_and_never_both_flags_when_there_are_few_units():
    scheme, units = ranked()
    for u in units:
        if u.key in ("h/u2", "h/u6"):
            u.score = 70
    notes = awards.flags(units, red=1, black=1)
    assert [u.key for u in units if u.flag == "black"] == ["h/u2", "h/u6"]
    assert notes[-1].startswith("黑旗：u6、u2 以 70 分并列")
    # three units, 3 red and 3 black asked: black takes at most 3 // 2 = 1, red the rest
    _, units = ranked()
    few = [u for u in units if u.key in ("h/u3", "h/u2", "h/u6")]     # 90, 86, 80
    awards.flags(few, red=3, black=3)
    assert [u.flag for u in few] == ["red", "red", "black"]
    _, units = ranked()
    few = [u for u in units if u.key in ("h/u2", "h/u6")]
    awards.flags(few, red=3, black=3)
    assert [u.flag for u in few] == ["red", "black"]


def test_a_vetoed_unit_gets_no_red_flag_and_no_quality_even_at_the_top():
    scheme, units = ranked(veto="ineligible")
    awards.award(units, scheme.awards, {})
    u4 = next(u for u in units if u.key == "h/u4")
    assert u4.rank == 2 and u4.flag is None and not u4.quality


def test_model_staff_at_most_the_cap_and_a_tie_awards_fewer():
    def staff(sid, total, rated=50):
        return StaffScore(sid, sid, "h", "u1", 0, 0, total, 0, total, 0, rated=rated)
    rule = schemes.ModelStaff(max=2, min_rated=10)
    people = [staff("a", 30), staff("b", 20), staff("c", 40, rated=5), staff("d", -1)]
    assert awards.model_staff(people, rule) == []
    assert [s.staff_id for s in people if s.model] == ["a", "b"]
    people = [staff("a", 30), staff("b", 20), staff("e", 20)]
    notes = awards.model_staff(people, rule)
    assert [s.staff_id for s in people if s.model] == ["a"]
    assert notes == ["服务标兵：b、e 以 20 分并列于评选线上，全部评选将超过 2 个的上限，因此只评出 1 个"]
