"""A month's assessment end to end on both stores: org, the 上街-style scheme, ratings through
the real ingest, 督察 records; the live result, the close (refused too early, while a record
is contested, twice), the frozen result, runs at the bottom from the previous month, and the
quarter as the average of its months."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from server.assess import results, scheme, store as assess_store
from server.assess.results import AssessError
from server.db import audit, org
from tests.server.figures.helpers import add_device, rating

DEPTS = ["市公安局", "市税务局", "市人社局", "市医保局", "市民政局", "市住建局", "市场监管局"]
DEC1 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)     # 1 Dec, 10:00 local


@pytest.fixture
def hall(store):
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410106", "上街区"))
        org.put_hall(tx, org.Hall("HA", "上街区行政服务中心", "410106"))
        for n, d in enumerate(DEPTS, start=1):
            org.put_window(tx, org.Window("HA", n, f"窗口{n}", d))
    return store


def use(store, name, month="2026-10", scope="HA"):
    with store.transaction() as tx:
        assess_store.set_scheme(tx, scope, month, scheme.preset(name), "cli:root")


def record(store, department, item, count=1, when="2026-11-10T02:00:00.000Z",
           state="recorded"):
    with store.transaction() as tx:
        tx.q('INSERT INTO inspections (id, hall, department, "window", staff_id, item, kind, '
             "count, occurred_at, note, recorded_by, recorded_at, state) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [uuid.uuid4().hex, "HA", department, None, None, item, "deduction", count, when,
              "督察记录", "user:du", when, state])


def rate(store, window, levels, day="2026-11-10"):
    device = add_device(store, "HA", window)
    store.ingest([rating(device, lv, f"{day}T02:00:00Z", window=window, staff=f"S{window}",
                         ticket=f"T{i}") for i, lv in enumerate(levels)])


def by_dept(result):
    return {u.department: u for u in result.units}


def test_a_shangjie_month_scores_ranks_and_awards_at_most_5_quality_windows(hall):
    store = hall
    use(store, "shangjie")
    rate(store, 2, [5, 5, 5, 1])        # 税务: 满意率 75% → -20, one 差评 → -2
    rate(store, 1, [5, 5])              # 公安: 100%
    record(store, "市公安局", "sj_empty")                 # 空岗 -2 → 98
    record(store, "市人社局", "sj_badge", 2)              # 着装 2 × -1 → 98
    record(store, "市税务局", "sj_one_notice")            # 一次性告知 -5
    record(store, "市医保局", "sj_one_notice", when="2026-10-30T02:00:00.000Z")  # October's
    record(store, "市民政局", "sj_idle", state="withdrawn")                      # not counted
    live = results.compute(store, "HA", "2026-11", now=DEC1)
    got = by_dept(live)
    assert live.scheme_name == "上街式优质服务窗口评选" and "上街区" in live.scheme_source
    # 税务: 100 - 20 - 2 (服务评价) - 5 (办件规范) = 73
    assert {d: u.score for d, u in got.items()} == {
        "市公安局": 98, "市人社局": 98, "市税务局": 73, "市医保局": 100, "市民政局": 100,
        "市住建局": 100, "市场监管局": 100}
    assert [(u.department, u.rank) for u in live.units][-3:] == [
        ("市人社局", 5), ("市公安局", 5), ("市税务局", 7)]
    lines = {ln.item: (ln.value, ln.points) for ln in got["市税务局"].lines}
    assert lines["sj_satisfaction"] == (0.75, -20) and lines["sj_bad"] == (1, -2)
    assert lines["sj_one_notice"] == (1, -5)
    # four at 100, then 公安 and 人社 tie at 98 on the 5th place: awarding both would make 6
    assert {u.department for u in live.units if u.quality} == {
        "市住建局", "市场监管局", "市民政局", "市医保局"}
    assert any("超过 5 个的上限" in n and "98" in n for n in live.notes)
    assert all(u.flag is None for u in live.units)
    # one fewer deduction breaks the tie: 5 awarded, never 6
    record(store, "市人社局", "sj_badge", 1)
    live = results.compute(store, "HA", "2026-11", now=DEC1)
    assert {u.department for u in live.units if u.quality} == {
        "市住建局", "市公安局", "市场监管局", "市民政局", "市医保局"}


def test_close_refuses_early_contested_and_twice_then_stays_frozen(hall):
    store = hall
    use(store, "shangjie")
    record(store, "市公安局", "sj_empty", state="contested")
    with pytest.raises(AssessError, match="once it has ended"):
        results.close(store, "HA", "2026-11", "王主任", "user:wang",
                      now=datetime(2026, 11, 30, 8, tzinfo=timezone.utc))
    with pytest.raises(AssessError, match="1 督察 records of the period are still contested"):
        results.close(store, "HA", "2026-11", "王主任", "user:wang", now=DEC1)
    assert assess_store.get_result(store, "HA", "2026-11") is None
    closed = results.close(store, "HA", "2026-11", "王主任", "user:wang", force=True, now=DEC1)
    assert closed.closed_by == "王主任" and closed.pending_contests == 1
    assert "强制关账：1 条仍在申辩中的督察记录已计分" in closed.notes
    assert by_dept(closed)["市公安局"].score == 98
    with pytest.raises(AssessError, match="already closed"):
        results.close(store, "HA", "2026-11", "王主任", "user:wang", force=True, now=DEC1)
    # a record entered later changes the live score, never the frozen one
    record(store, "市公安局", "sj_idle")
    frozen = results.get(store, "HA", "2026-11", now=DEC1)
    assert frozen.closed_at and by_dept(frozen)["市公安局"].score == 98
    assert by_dept(results.compute(store, "HA", "2026-11", now=DEC1))["市公安局"].score == 93
    rows, _ = audit.entries(store, target="assess:HA:2026-11")
    assert [(r["actor"], r["action"], r["detail"]["forced"]) for r in rows] == [
        ("user:wang", "assess.close", True)]
    # the quarter takes November as frozen; its contest was settled by that close
    q4 = results.close(store, "HA", "2026-Q4", "王主任", "user:wang",
                       now=datetime(2027, 1, 4, 2, tzinfo=timezone.utc))
    assert q4.pending_contests == 0 and by_dept(q4)["市公安局"].score == round(
        (100 + 98 + 100) / 3, 2)
    assert results.get(store, "HA", "2026-Q4").closed_by == "王主任"


def test_black_flag_runs_from_the_previous_closed_month_and_the_quarter_average(hall):
    store = hall
    use(store, "zhumadian", month="2026-09", scope="410106")
    for month in ("2026-10", "2026-11"):
        record(store, "市公安局", "zmd_empty", 2, when=f"{month}-12T02:00:00.000Z")
    oct_ = results.close(store, "HA", "2026-10", "王主任", "user:wang", now=DEC1)
    # six units tie at 100 for 3 red flags: all six flagged, and said; 公安 (96) is black
    assert sum(u.flag == "red" for u in oct_.units) == 6
    assert any("6 个单位获红旗" in n for n in oct_.notes)
    gong = by_dept(oct_)["市公安局"]
    assert (gong.score, gong.flag, gong.bottom_run, gong.warning) == (96, "black", 1, None)
    nov = results.compute(store, "HA", "2026-11", now=DEC1)
    assert (by_dept(nov)["市公安局"].bottom_run, by_dept(nov)["市公安局"].warning) == (
        2, "notice")
    # the quarter so far (December has begun on 1 Dec): 公安 96, 96, 100 → 97.33
    q4 = results.compute(store, "HA", "2026-Q4", now=DEC1)
    assert by_dept(q4)["市公安局"].score == 97.33
    assert q4.notes[0] == "得分为 3 个月的平均分（2026-10, 2026-11, 2026-12）"
    assert all(u.flag is None for u in q4.units)     # 驻马店 awards flags by month
    with pytest.raises(AssessError, match="a period is YYYY-MM, YYYY-Qn or YYYY"):
        results.compute(store, "HA", "2026-Q5")
    with pytest.raises(AssessError, match="no assessment scheme is in force for HA in 2026-08"):
        results.compute(store, "HA", "2026-08", now=DEC1)


def test_a_year_leaves_out_months_without_a_scheme(hall):
    store = hall
    use(store, "zhumadian", month="2026-11")
    record(store, "市公安局", "zmd_empty", 2, when="2026-11-12T02:00:00.000Z")
    year = results.compute(store, "HA", "2026", now=DEC1)
    # November 96 and December 100 (begun on 1 Dec): 98; January to October have no scheme
    assert by_dept(year)["市公安局"].score == 98
    assert year.notes[:2] == ["得分为 2 个月的平均分（2026-11, 2026-12）",
                              "没有考核方案的月份不计入：2026-01, 2026-02, 2026-03, 2026-04, "
                              "2026-05, 2026-06, 2026-07, 2026-08, 2026-09, 2026-10"]
    assert all(u.flag is None and not u.quality for u in year.units)


def test_jining_staff_points_pay_and_model_staff_on_the_quarter(hall):
    store = hall
    use(store, "jining")
    rate(store, 1, [5] * 12, day="2026-10-13")                 # S1: 12 × 0.5 = 6 points
    rate(store, 2, [5] * 10 + [1, 2], day="2026-10-14")        # S2: 10 × 0.5 - 2 × 5 = -5
    oct_ = results.compute(store, "HA", "2026-10", now=DEC1)
    staff = {s.staff_id: s for s in oct_.staff}
    assert (staff["S1"].total, staff["S1"].pay, staff["S2"].total, staff["S2"].pay) == (
        6, 60, -5, -50)
    assert all(u.flag is None for u in oct_.units)             # 济宁 flags by quarter
    q4 = results.compute(store, "HA", "2026-Q4", now=DEC1)
    assert [s.staff_id for s in q4.staff if s.model] == ["S1"]
    # 6 红旗窗口 asked, 7 units: 市税务局 (2 差评, -4) is not among the 6 at the top
    assert sorted(u.department for u in q4.units if u.flag == "red") == sorted(
        d for d in DEPTS if d != "市税务局")


@pytest.mark.parametrize("period, kind, months, before", [
    ("2026-11", "month", ["2026-11"], "2026-10"), ("2026-01", "month", ["2026-01"], "2025-12"),
    ("2026-Q4", "quarter", ["2026-10", "2026-11", "2026-12"], "2026-Q3"),
    ("2026-Q1", "quarter", ["2026-01", "2026-02", "2026-03"], "2025-Q4"),
    ("2026", "year", [f"2026-{m:02d}" for m in range(1, 13)], "2025"),
])
def test_periods(period, kind, months, before):
    assert (results.kind_of(period), results.months_of(period), results.previous(period)) == (
        kind, months, before)
