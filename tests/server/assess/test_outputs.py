"""The assessment's outputs over a Result built here (model.py is the contract): the notice's
table, the meeting workbook's three sheets (numbers as numbers, no formula from a name) and
the HR sheet, in Chinese and English."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from server.assess import outputs
from server.assess.model import Line, Result, StaffScore, UnitScore
from server.i18n import translations

ZH = translations("zh_CN").gettext
EN = translations("en").gettext
HALLS = {"H01": "南山区政务服务中心", "H02": "宝安区政务服务中心"}


def result(halls=("H01",)) -> Result:
    def unit(n, dept, score, hall="H01", **kw):
        lines = [Line("sj_empty", "discipline", "窗口出现空岗", "deduction", 2, -4.0, "2 records"),
                 Line("sj_badge", "conduct", "着装不规范", "deduction", 0, 0.0),
                 Line("sj_satisfaction", "service", "群众满意率", "metric", 0.95, -10.0)]
        return UnitScore(f"{hall}/{dept}", hall, dept, "91410000MA00000000", score, lines,
                         rank=n, **kw)
    units = [unit(1, "=HYPERLINK(\"x\")", 96.0, quality=True, flag="red"),
             unit(2, "市税务局", 86.0, hall=halls[-1]),
             unit(3, "市公安局", 80.0, flag="black", warning="notice", bottom_run=2)]
    staff = [StaffScore("S001", "张三", "H01", "市税务局", 10, 1, 8.0, -2.0, 6.0, 60, True)]
    return Result("440305", "2026-11", "上街式", "《办法》", 100.0, 100.0, units, staff,
                  notes=["tie at the quality line: 2 units over the cap of 1"])


def test_period_labels_in_both_languages():
    assert outputs.period_label("2026-11", ZH) == "2026年11月"
    assert outputs.period_label("2026-Q4", ZH) == "2026年第4季度"
    assert outputs.period_label("2026", ZH) == "2026年度"
    assert outputs.period_label("2026-11", EN) == "11/2026"
    assert outputs.notice_title(result(), ZH) == "2026年11月窗口单位考核结果通报"


def test_notice_rows_sum_each_aspect_and_name_the_honours():
    headers, rows = outputs.notice_rows(result(), ZH, HALLS, {"discipline": "工作纪律"})
    assert headers[:3] == ["名次", "单位", "工作纪律"] and headers[-2:] == ["得分", "荣誉与警示"]
    assert rows[0][1] == '=HYPERLINK("x")'        # HTML escapes it; only files need cells()
    assert rows[0][2:5] == ["-4", "0", "-10"] and rows[0][5] == "96"
    assert rows[0][6] == "红旗、优质服务窗口"
    assert rows[2][6] == "黑旗、通报"
    details = dict(outputs.detail_lines(result(), ZH, HALLS))
    assert details["市公安局"] == "窗口出现空岗 -4（2 records）；群众满意率 -10"


def test_a_region_result_names_the_hall_beside_the_department():
    rows = outputs.ranking_rows(result(halls=("H01", "H02")), ZH, HALLS)
    assert rows[1]["name"] == "市税务局（宝安区政务服务中心）"


def test_the_meeting_workbook_has_three_sheets_with_numbers_and_no_formulas():
    book = load_workbook(io.BytesIO(outputs.xlsx(result(), ZH, HALLS)))
    assert book.sheetnames == ["排名", "明细", "工作人员"]
    ranking = [[c.value for c in r] for r in book["排名"].iter_rows()]
    assert ranking[0][:4] == ["名次", "单位", "统一社会信用代码", "得分"]
    assert ranking[1][1] == "'=HYPERLINK(\"x\")" and book["排名"]["B2"].data_type == "s"
    assert ranking[1][3] == 96 and isinstance(ranking[1][3], (int, float))
    breakdown = [[c.value for c in r] for r in book["明细"].iter_rows()]
    assert breakdown[0] == ["名次", "单位", "基础分", "窗口出现空岗", "着装不规范", "群众满意率",
                            "得分"]
    assert breakdown[3] == [3, "市公安局", 100, -4, 0, -10, 80]
    staff = [[c.value for c in r] for r in book["工作人员"].iter_rows()]
    assert staff[1] == ["S001", "张三", "市税务局", 10, 1, 8, -2, 6, 60, "是"]


def test_english_headers_and_the_hr_sheet():
    book = load_workbook(io.BytesIO(outputs.xlsx(result(), EN, HALLS)))
    assert book.sheetnames == ["Ranking", "Breakdown", "Staff"]
    assert book["Staff"]["I1"].value == "Pay (yuan)"
    hr = load_workbook(io.BytesIO(outputs.hr_xlsx(result(), ZH, HALLS)))
    assert hr.sheetnames == ["2026年11月"]
    assert [c.value for c in hr.active[2]][-2:] == [60, "是"]


def test_a_result_round_trips_through_json_and_renders_the_same():
    r = result()
    again = Result.from_json(r.to_json())
    assert outputs.notice_rows(again, ZH, HALLS) == outputs.notice_rows(r, ZH, HALLS)


def test_the_notice_counts_an_aspect_after_its_cap():
    r = result()
    r.units[2].aspects = [{"key": "discipline", "label": "工作纪律", "points": -30.0,
                           "raw": -35.0, "cap": 30.0}]
    headers, rows = outputs.notice_rows(r, ZH, HALLS)
    assert "工作纪律" in headers and rows[2][headers.index("工作纪律")] == "-30"
    assert outputs.aspect_table(r.units[2], ZH)[1] == [["工作纪律", "-35", "30", "-30"]]


def test_the_notice_columns_follow_the_scheme_order():
    order = {"leadership": "领导重视", "conduct": "行为规范", "discipline": "工作纪律",
             "service": "服务评价"}
    headers, _rows = outputs.notice_rows(result(), ZH, HALLS, order)
    assert headers[2:5] == ["行为规范", "工作纪律", "服务评价"]     # none in 领导重视
