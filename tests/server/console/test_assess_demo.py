"""The demo month over the real engine, on both stores: seed_demo closes the demo hall's last
month under the 上街-style scheme with its 督察 deductions; and each of the three shipped
presets loads and scores that month (every unit, scores within the scheme's bounds, the
notice's table and the workbook render)."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from server.assess import outputs, results
from server.assess import store as assess_store
from server.assess.scheme import PRESETS_DIR, preset_names
from server.demo_assess import DEPARTMENTS, last_month
from server.demo_seed import HALL, seed_demo
from server.i18n import translations

ZH = translations("zh_CN").gettext


@pytest.fixture
def demo(store):
    now = datetime.now(timezone.utc)
    out = seed_demo(store, now=now)
    return store, out, last_month(now)[0]


def test_the_demo_closes_last_month_with_its_deductions(demo):
    store, out, period = demo
    assert out["assessment"] == {"period": period, "closed": True}
    result = results.get(store, HALL, period)
    assert result.closed_by == "演示主管" and result.scheme_name == "上街式优质服务窗口评选"
    assert sorted(u.department for u in result.units) == sorted(DEPARTMENTS.values())
    land = next(u for u in result.units if u.department == "市自然资源和规划局")
    points = {ln.item: ln.points for ln in land.lines}
    assert points["sj_one_notice"] == -5 and points["sj_badge"] == -2
    assert 0 < len([u for u in result.units if u.quality]) <= 5
    assert seed_demo(store)["assessment"]["closed"]          # a second seed changes nothing
    assert results.get(store, HALL, period).to_json() == result.to_json()


@pytest.mark.parametrize("name", ["zhumadian", "shangjie", "jining"])
def test_each_preset_scores_the_demo_month(demo, name):
    store, _out, period = demo
    assert name in preset_names()
    with store.transaction() as tx:
        scheme = assess_store.set_scheme(
            tx, "440305", period, (PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"),
            "test")
    # The demo hall's closed month stays as closed; the region's month is scored live.
    result = results.compute(store, "440305", period)
    assert result.scheme_name == scheme.name
    assert len(result.units) == len(DEPARTMENTS)
    for u in result.units:
        assert scheme.minimum <= u.score <= scheme.maximum and u.lines and u.rank >= 1
    awarded = [u for u in result.units if u.quality]
    if scheme.awards.quality:
        assert len(awarded) <= scheme.awards.quality.max
    headers, rows = outputs.notice_rows(result, ZH, {HALL: "演示"})
    assert len(rows) == len(DEPARTMENTS) and all(len(r) == len(headers) for r in rows)
    book = load_workbook(io.BytesIO(outputs.xlsx(result, ZH, {HALL: "演示"})))
    assert book["排名"].max_row == len(DEPARTMENTS) + 1
    if scheme.staff is not None:            # 济宁: each rated staff member's points and pay
        assert result.staff and all(scheme.staff.pay_band[0] <= s.pay <=
                                    scheme.staff.pay_band[1] for s in result.staff)
    assert results.get(store, HALL, period).closed_by == "演示主管"
