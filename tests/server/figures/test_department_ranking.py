"""Rankings and figures of window units (departments) on the hand-computed November of
test_ranking (both stores): a department's figures are its windows' roll-ups; a region's kind
has one row per department per hall; close and late counts work as for the other kinds."""
import json
from datetime import date

import pytest

from server.db import org, org_units, rankings, stats
from server.workflow import ranking
from tests.helpers.databases import run_cli
from tests.server.figures.helpers import add_device, rating
from tests.server.figures.test_ranking import fixture, rate  # noqa: F401 - fixture

CODE = "11410182005291054B"


@pytest.fixture
def units(fixture):  # noqa: F811 - the imported fixture
    """HX: 人社局 = W1 + W2, 公安局 = W3 + W5, W4 in no department, 税务局 with a code and no
    window; hall HY (same region) has its own 人社局 at its window 1, rated 5, 5, 5."""
    store, dev = fixture
    with store.transaction() as tx:
        for n, dept in ((1, "人社局"), (2, "人社局"), (3, "公安局"), (5, "公安局")):
            org.put_window(tx, org.Window("HX", n, f"窗口{n}", dept))
        org_units.set_department(tx, "HX", "税务局", CODE)
        org.put_hall(tx, org.Hall("HY", "第二大厅", "440305"))
        org.put_window(tx, org.Window("HY", 1, "综合", "人社局"))
        rankings.put_settings(tx, "440000", 3, 1, 1, "satisfaction", "test")
    dev["HY"] = add_device(store, "HY", 1)
    store.ingest([rating(dev["HY"], 5, f"2026-11-1{i}T02:00:00Z", window=1, ticket=f"Y{i}")
                  for i in range(3)])
    return store, dev


def test_a_departments_figures_are_its_windows(units):
    store, _ = units
    got = stats.breakdown(store, {"HX", "HY"}, date(2026, 11, 1), date(2026, 11, 30),
                          "department")
    # 人社局: W1 5,5,5,4 + W2 5,5,5,5 and a level 0; 公安局: W3 5,1,2 + W5 4,4,1.
    assert {k: (f.rated, f.satisfied, f.unrated) for k, f in got.items()} == \
        {("HX", "人社局"): (8, 8, 1), ("HX", "公安局"): (6, 3, 0), ("HY", "人社局"): (3, 3, 0)}


def test_departments_of_a_hall_are_ranked_and_flagged(units):
    store, _ = units
    rows, cfg = ranking.compute(store, "departments", "HX", "2026-11")
    assert cfg["scope"] == "HX"
    assert [(r["key"], r["rank"], r["flag"], r["rated"], r["satisfaction"], r["participation"])
            for r in rows] == [("人社局", 1, "red", 8, "100.0%", "88.9%"),
                               ("公安局", 2, "black", 6, "50.0%", "100.0%"),
                               ("税务局", None, "", 0, "", "")]


def test_departments_of_a_region_have_a_row_per_hall(units):
    store, _ = units
    rows, cfg = ranking.compute(store, "region_departments", "440000", "2026-11")
    assert cfg["scope"] == "440000"
    assert [(r["key"], r["label"], r["rank"], r["flag"]) for r in rows] == [
        ("HY/人社局", "第二大厅 · 人社局", 1, "red"),  # ties with HX's on 满意率, more 参评率
        ("HX/人社局", "测试大厅 · 人社局", 2, ""),
        ("HX/公安局", "测试大厅 · 公安局", 3, "black"),
        ("HX/税务局", "测试大厅 · 税务局", None, "")]


def test_closing_freezes_department_rankings_and_counts_late_ones(units, db):
    store, dev = units
    run_cli(db, "ranking", "close", "--kind", "departments", "--scope", "HX", "--month",
            "2026-11", "--by", "sup")
    ranking.close(store, "region_departments", "440000", "2026-11", "user:sup",
                  on=date(2026, 12, 1))
    with pytest.raises(ranking.RankingError):
        ranking.close(store, "departments", "HX", "2026-11", "user:sup", on=date(2026, 12, 2))
    rate(store, dev, 3, 5, "2026-11-20T02:00:00Z", "C8")   # 公安局, late
    rate(store, dev, 4, 5, "2026-11-21T02:00:00Z", "D8")   # W4: in no department
    shown = json.loads(run_cli(db, "ranking", "show", "--kind", "departments", "--scope", "HX",
                               "--month", "2026-11", "--json"))
    assert shown["closed"]["closed_by"] == "user:sup" and shown["late"] == 1
    assert {r["key"]: (r["rated"], r["flag"], r["late"]) for r in shown["rows"]} == \
        {"人社局": (8, "red", 0), "公安局": (6, "black", 1), "税务局": (0, "", 0)}
    region = ranking.view(store, "region_departments", "440000", "2026-11")
    assert {r["key"]: r["late"] for r in region["rows"]} == \
        {"HY/人社局": 0, "HX/人社局": 0, "HX/公安局": 1, "HX/税务局": 0}
    live, _ = ranking.compute(store, "departments", "HX", "2026-11")
    assert live[1]["key"] == "公安局" and live[1]["rated"] == 7  # the live figures move
