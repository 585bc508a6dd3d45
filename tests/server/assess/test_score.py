"""Scores by hand: per-unit and linear rules with caps, item caps, aspect caps, base and
maximum, a veto (ineligible, or 0), no data, shared ranks; staff points and pay."""
from __future__ import annotations

import pytest

from server.assess import scheme as schemes
from server.assess.score import score_staff, score_units

BODY = {
    "name": "测试方案", "source": {"title": "测试办法", "issuer": "测试中心", "date": "2026-01-01"},
    "base": 100, "maximum": 105, "minimum": 0,
    "aspects": [{"key": "A", "label": "工作纪律", "points": 10},
                {"key": "B", "label": "服务质量", "points": 20},
                {"key": "C", "label": "加分项", "points": 5},
                {"key": "V", "label": "否决项", "points": 0}],
    "items": [
        {"key": "late", "aspect": "A", "label": "迟到", "kind": "metric", "metric": "late",
         "rule": {"per_unit": -1, "cap": 6}},
        {"key": "empty", "aspect": "A", "label": "空岗", "kind": "deduction", "points": -2,
         "cap": 8},
        {"key": "sat", "aspect": "B", "label": "满意率", "kind": "metric",
         "metric": "satisfaction", "rule": {"linear": [[0.9, -20], [1.0, 0]]}},
        {"key": "bad", "aspect": "B", "label": "差评", "kind": "metric", "metric": "bad",
         "rule": {"per_unit": -2, "cap": 10}},
        {"key": "praise", "aspect": "C", "label": "表扬", "kind": "bonus", "points": 2, "cap": 4},
        {"key": "bribe", "aspect": "V", "label": "吃拿卡要", "kind": "veto"}],
    "awards": {"red": 2, "black": 2, "quality": {"max": 2, "min_score": 90}},
    "staff": {"good": 0.5, "bad": -5, "pay_band": [-300, 300], "yuan_per_point": 10},
    "empty_item": "empty",
}
METRICS = {
    "h/u1": {"late": 2, "satisfaction": 1.0, "bad": 0, "rated": 50},
    "h/u2": {"late": 0, "satisfaction": 0.95, "bad": 1, "rated": 50},
    "h/u3": {"late": 10, "satisfaction": 1.0, "bad": 0, "rated": 50},
    "h/u4": {"late": 0, "satisfaction": None, "bad": 0, "rated": 0},
    "h/u5": {"late": 10, "satisfaction": 1.0, "bad": 0, "rated": 50},
    "h/u6": {"late": 0, "satisfaction": 0.5, "bad": 8, "rated": 50},
}
RECORDS = {"h/u1": {"praise": 3}, "h/u2": {"empty": 1}, "h/u3": {"empty": 3},
           "h/u4": {"bribe": 1}, "h/u5": {"empty": 3}}
NAMES = {k: ("h", k[2:], "") for k in METRICS} | {"h/u7": ("h", "u7", "91410100MA00000000")}


def scored(**change):
    scheme = schemes.from_dict({**BODY, **change})
    units, notes = score_units(scheme, NAMES, METRICS, RECORDS)
    return {u.key: u for u in units}, [u.key for u in units], notes


def test_scores_by_hand():
    by, order, notes = scored()
    # u1: late -2; praise 3 × 2 = 6, capped at 4 → 100 - 2 + 4 = 102 (max 105)
    # u2: satisfaction 0.95 → -10, one 差评 -2, one 空岗 -2 → 86
    # u3/u5: late 10 → -10 capped at -6, 空岗 3 × -2 = -6: 工作纪律 -12 capped at -10 → 90
    # u4: no 满意率 data → 0; a veto → not eligible, score kept (veto = ineligible)
    # u6: 满意率 0.5 → -20, 8 差评 → -16 capped at -10: 服务质量 -30 capped at -20 → 80
    # u7: in the org, no data at all → the base
    assert {k: u.score for k, u in by.items()} == {
        "h/u1": 102, "h/u2": 86, "h/u3": 90, "h/u4": 100, "h/u5": 90, "h/u6": 80, "h/u7": 100}
    assert order == ["h/u1", "h/u4", "h/u7", "h/u3", "h/u5", "h/u2", "h/u6"]
    assert [by[k].rank for k in order] == [1, 2, 2, 4, 4, 6, 7]
    u3 = by["h/u3"]
    assert [(ln.item, ln.value, ln.points, ln.note) for ln in u3.lines] == [
        ("late", 10, -6, "上限 -6 分"), ("empty", 3, -6, ""), ("sat", 1.0, 0, ""),
        ("bad", 0, 0, "")]
    assert u3.aspects[0] == {"key": "A", "label": "工作纪律", "points": -10, "raw": -12,
                             "cap": 10}
    assert [a["points"] for a in by["h/u6"].aspects] == [0, -20]
    assert by["h/u1"].lines[-1].points == 4 and by["h/u1"].lines[-1].note == "上限 4 分"
    u4 = by["h/u4"]
    assert u4.veto and not u4.eligible and "吃拿卡要" in u4.note
    assert [ln.item for ln in u4.lines] == ["late", "sat", "bad", "bribe"]
    assert u4.lines[1].value is None and u4.lines[1].note == "无数据"
    assert by["h/u7"].credit_code == "91410100MA00000000" and by["h/u7"].eligible
    assert notes == []


def test_a_veto_that_scores_zero_and_the_minimum_and_maximum():
    by, order, _ = scored(veto="zero")
    assert by["h/u4"].score == 0 and order[-1] == "h/u4" and "计0分" in by["h/u4"].note
    by, _, _ = scored(maximum=101, minimum=85)
    assert (by["h/u1"].score, by["h/u6"].score) == (101, 85)


def test_too_few_rated_is_not_eligible_and_stray_records_are_named():
    scheme = schemes.from_dict({**BODY, "awards": {**BODY["awards"], "min_rated": 10}})
    units, notes = score_units(scheme, NAMES, METRICS, {**RECORDS, "h/u7": {"gone": 2}})
    by = {u.key: u for u in units}
    assert not by["h/u7"].eligible and "少于 10" in by["h/u7"].note
    assert by["h/u1"].eligible
    assert notes == ["2 条督察记录的考核项 gone 不在本方案中，未计分"]


def test_staff_points_records_and_pay_within_the_band():
    scheme = schemes.from_dict(BODY)
    staff = {"s1": {"name": "王芳", "hall": "h", "department": "u1", "good": 40, "bad": 1,
                    "rated": 41},
             "s2": {"name": "李强", "hall": "h", "department": "u1", "good": 100, "bad": 0,
                    "rated": 100},
             "s3": {"name": "赵敏", "hall": "h", "department": "u2", "good": 0, "bad": 70,
                    "rated": 70}}
    got = {s.staff_id: s for s in score_staff(scheme, staff, {"s1": {"praise": 3}})}
    # s1: 40 × 0.5 - 5 = 15; praise 3 × 2 capped at 4 → 19 points → 190 yuan
    assert (got["s1"].points, got["s1"].records, got["s1"].total, got["s1"].pay) == (
        15, 4, 19, 190)
    assert (got["s2"].total, got["s2"].pay) == (50, 300)       # 500 yuan kept at +300
    assert (got["s3"].total, got["s3"].pay) == (-350, -300)
    assert score_staff(schemes.from_dict({**BODY, "staff": None}), staff, {}) == []


@pytest.mark.parametrize("name", ["zhumadian", "shangjie", "jining"])
def test_each_preset_scores_a_month(name):
    scheme = schemes.preset(name)
    metrics = {"h/a": {"rated": 100, "satisfaction": 0.97, "participation": 0.7, "bad": 3,
                       "bad_on_time": 1.0, "handling_median_s": 1200, "late": 2},
               "h/b": {"rated": 0}}
    records = {"h/a": {scheme.empty_item: 2}}
    units, notes = score_units(scheme, {}, metrics, records)
    a = next(u for u in units if u.key == "h/a")
    assert scheme.minimum <= a.score < scheme.base
    empty = next(ln for ln in a.lines if ln.item == scheme.empty_item)
    assert empty.points == 2 * scheme.item(scheme.empty_item).points
    assert sum(x["points"] for x in a.aspects) == pytest.approx(a.score - scheme.base)
    assert notes == []
