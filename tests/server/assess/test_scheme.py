"""A scheme as data: the three presets load, name their documents and score what the
documents say; a wrong field is refused with its path, in English and in Chinese."""
from __future__ import annotations

import copy

import pytest

from server.assess import scheme
from server.assess.scheme import SchemeError
from server.i18n import gettext_for


def test_the_three_presets_load_and_name_their_source_documents():
    assert scheme.preset_names() == ["jining", "shangjie", "zhumadian"]
    zmd, sj, jn = (scheme.preset(n) for n in ("zhumadian", "shangjie", "jining"))
    assert "驻马店市行政服务中心窗口服务能力评价办法" in zmd.source.title
    assert zmd.source.date == "2021-05-01"
    assert [a.label for a in zmd.aspects[:5]] == ["办理效率", "办理质量", "利企便民", "工作纪律",
                                                  "组织保障"]
    indicators = [i for i in zmd.items if i.kind not in ("bonus", "veto")]
    assert len(indicators) == 16 and zmd.base == 100
    assert {i.kind for i in zmd.items} == {"metric", "deduction", "bonus", "veto"}
    assert (zmd.awards.red, zmd.awards.black) == (3, 3)
    # 上街: the document's aspects and per-occurrence deductions, at most 5 优质服务窗口
    assert "上街区行政服务中心优质服务窗口评选办法" in sj.source.title
    assert {a.label: a.points for a in sj.aspects if a.key != "service"} == {
        "领导重视": 15, "工作纪律": 30, "行为规范": 10, "办件规范": 15}
    assert sum(a.points for a in sj.aspects) == 100
    assert sj.item("sj_empty").points == -2 and sj.empty_item == "sj_empty"
    assert sj.item("sj_late").rule.per_unit == -1
    assert sj.item("sj_badge").points == -1 and sj.item("sj_one_notice").points == -5
    assert sj.awards.quality.max == 5
    # 济宁: 5 common + 7 bonus indicators, pay ±300, quarterly awards
    assert len([a for a in jn.aspects if a.key not in ("bonus", "veto")]) == 5
    assert len([i for i in jn.items if i.kind == "bonus"]) == 7
    assert jn.staff.pay_band == (-300, 300) and jn.period == "quarter"
    assert jn.awards.model_staff.max > 0
    for s in (zmd, sj, jn):
        assert s.notes, "where the document is silent the preset says what it chose"
        assert scheme.from_dict(s.to_dict()) == s


def test_rules_score_per_unit_and_linear_clamped_and_capped():
    per = scheme.Rule(per_unit=-2, cap=10)
    assert (per.points(3), per.points(8)) == (-6, -10)
    line = scheme.Rule(linear=((0.9, -20), (1.0, 0)))
    assert line.points(0.5) == -20 and line.points(1.0) == 0
    assert line.points(0.95) == pytest.approx(-10)
    assert scheme.Rule(linear=((1.0, 0), (0.9, -20)), cap=5).points(0.95) == -5


def test_pay_is_kept_within_the_band():
    rule = scheme.StaffRule(good=0.5, bad=-5, pay_band=(-300, 300), yuan_per_point=10)
    assert (rule.pay(12.5), rule.pay(45), rule.pay(-100)) == (125, 300, -300)


def _body():
    return copy.deepcopy(scheme.preset("shangjie").to_dict())


@pytest.mark.parametrize("change, path, english, chinese", [
    (lambda b: b["items"][3].update(points="two"), "items[3].points",
     "a number is expected", "应为数字"),
    (lambda b: b["items"][9]["rule"].update(per_unit=None, linear=[[1, 2]]),
     "items[9].rule.linear", "two points [x, points] are expected", None),
    (lambda b: b["items"][9].update(metric="speed"), "items[9].metric",
     "unknown metric speed", None),
    (lambda b: b["items"][0].update(aspect="nowhere"), "items[0].aspect", "no aspect nowhere",
     None),
    (lambda b: b["items"][1].update(key=b["items"][0]["key"]), "items[1].key",
     "is used twice", None),
    (lambda b: b.update(period="week"), "period", "must be one of month, quarter", None),
    (lambda b: b["awards"]["quality"].update(max=0), "awards.quality.max", "must be 1 to",
     None),
    (lambda b: b.update(empty_item="sj_late"), "empty_item", "no deduction item sj_late",
     None),
    (lambda b: b["items"][0].update(points=3), "items[0].points", "must be", None),
    (lambda b: b.update(colour="red"), "colour", "unknown field", "未知字段"),
    (lambda b: b.pop("base"), "base", "this field is required", "缺少此项"),
    (lambda b: b.update(minimum=101), "base", "minimum <= base <= maximum", None),
])
def test_a_wrong_field_is_named_by_its_path(change, path, english, chinese):
    body = _body()
    change(body)
    with pytest.raises(SchemeError) as caught:
        scheme.from_dict(body)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ") and english in str(caught.value)
    zh = caught.value.text(gettext_for("zh_CN"))
    assert zh.startswith(f"{path}: ") and zh != str(caught.value)
    if chinese:
        assert chinese in zh


def test_not_json_and_an_unknown_preset_are_refused():
    with pytest.raises(SchemeError, match="not valid JSON"):
        scheme.from_json("{name:")
    with pytest.raises(SchemeError, match="no preset nowhere; the presets are jining"):
        scheme.preset("nowhere")
