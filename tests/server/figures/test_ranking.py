"""Monthly ranking on a small hand-computed fixture (both stores), and the pure rules."""
import json
from datetime import date

import pytest

from server import wiring
from server.db import org, rankings, stats
from server.db.stats import Figures
from server.workflow import ranking
from server.workflow.ranking import RankingError, Unit
from tests.helpers.databases import run_cli
from tests.server.figures.helpers import add_device, rating


def make_org(store, hall="HX", windows=(1, 2, 3, 4, 5)):
    with store.transaction() as tx:
        org.put_region(tx, org.Region("440000", "广东省"))
        org.put_region(tx, org.Region("440305", "南山区", "440000"))
        org.put_hall(tx, org.Hall(hall, "测试大厅", "440305"))
        for n in windows:
            org.put_window(tx, org.Window(hall, n, f"窗口{n}"))
    return {n: add_device(store, hall, n) for n in windows}


def rate(store, dev, window, level, when, ticket, source="kiosk"):
    return store.ingest([rating(dev[window], level, when, window=window, ticket=ticket)],
                        source=source)[0]


@pytest.fixture
def fixture(store):
    """November 2026 in hall HX (min 3 rated, one red, one black):
    W1 5,5,5,4 -> 100% / 100%; W2 5,5,5,5 + a level 0 -> 100% / 80%; W3 5 (at 00:30 on
    1 Nov local = 31 Oct UTC), 1, 2 -> 33.3%, and a 1 at 23:30 on 31 Oct local (October);
    W4 5,5 in November and a 5 at 00:30 on 1 Dec local (too few in November);
    W5 4,4,1 and a phone 5 for the case rated 1 (superseded: never counts) -> 66.7%."""
    wiring.attach(store)
    dev = make_org(store)
    with store.transaction() as tx:
        rankings.put_settings(tx, "HX", 3, 1, 1, "satisfaction", "test")
    for i, level in enumerate((5, 5, 5, 4)):
        rate(store, dev, 1, level, f"2026-11-0{i + 1}T02:00:00Z", f"A{i}")
    for i, level in enumerate((5, 5, 5, 5, 0)):
        rate(store, dev, 2, level, f"2026-11-0{i + 1}T02:00:00Z", f"B{i}")
    rate(store, dev, 3, 5, "2026-10-31T16:30:00Z", "C1")
    rate(store, dev, 3, 1, "2026-11-10T02:00:00Z", "C2")
    rate(store, dev, 3, 2, "2026-11-11T02:00:00Z", "C3")
    rate(store, dev, 3, 1, "2026-10-31T15:30:00Z", "C4")
    rate(store, dev, 4, 5, "2026-11-03T02:00:00Z", "D1")
    rate(store, dev, 4, 5, "2026-11-04T02:00:00Z", "D2")
    rate(store, dev, 4, 5, "2026-11-30T16:30:00Z", "D3")
    rate(store, dev, 5, 4, "2026-11-05T02:00:00Z", "E1")
    rate(store, dev, 5, 4, "2026-11-06T02:00:00Z", "E2")
    rate(store, dev, 5, 1, "2026-11-07T02:00:00Z", "E3")
    again = rate(store, dev, 5, 5, "2026-11-07T02:05:00Z", "E3", source="phone")
    assert "superseded" in (again.reason or "")
    return store, dev


def test_hand_computed_november_ranking(fixture):
    store, _ = fixture
    rows, cfg = ranking.compute(store, "windows", "HX", "2026-11")
    assert cfg["min_rated"] == 3 and cfg["scope"] == "HX"
    got = [(r["key"], r["rank"], r["flag"], r["rated"], r["satisfaction"], r["participation"])
           for r in rows]
    assert got == [("1", 1, "red", 4, "100.0%", "100.0%"),
                   ("2", 2, "", 4, "100.0%", "80.0%"),
                   ("5", 3, "", 3, "66.7%", "100.0%"),
                   ("3", 4, "black", 3, "33.3%", "100.0%"),
                   ("4", None, "", 2, "100.0%", "100.0%")]
    assert rows[-1]["qualified"] is False
    # October holds only W3's 23:30 local rating; December W4's 00:30 one.
    oct_rows, _ = ranking.compute(store, "windows", "HX", "2026-10")
    assert [(r["key"], r["rated"]) for r in oct_rows if r["rated"]] == [("3", 1)]
    dec = stats.totals(store, {"HX"}, date(2026, 12, 1), date(2026, 12, 31))
    assert dec.rated == 1 and dec.levels[5] == 1


def test_stats_figures_of_the_fixture(fixture):
    store, _ = fixture
    nov = stats.totals(store, {"HX"}, date(2026, 11, 1), date(2026, 11, 30))
    # 4 + 4 + 3 + 2 + 3 rated, one level 0; satisfied 4 + 4 + 1 + 2 + 2; bad 2 + 1.
    assert (nov.rated, nov.unrated, nov.satisfied, nov.bad) == (16, 1, 13, 3)
    assert stats.pct(nov.satisfaction) == "81.2%" and stats.pct(nov.participation) == "94.1%"
    assert stats.totals(store, {"OTHER"}, date(2026, 11, 1), date(2026, 11, 30)).rated == 0
    assert dict(stats.reasons(store, {"HX"}, date(2026, 11, 1), date(2026, 11, 30))) == \
        {"attitude": 3}
    days = dict(stats.by_day(store, {"HX"}, date(2026, 11, 1), date(2026, 11, 30)))
    assert len(days) == 30 and days["2026-11-01"].levels[5] == 3  # W1, W2, W3's 00:30
    with pytest.raises(stats.RangeError):
        stats.parse_range("2026-11-30", "2026-11-01", (date.today(), date.today()))


def test_a_closed_month_stays_as_published_and_counts_late_uploads(fixture):
    store, dev = fixture
    with pytest.raises(RankingError):
        ranking.close(store, "windows", "HX", "2026-11", "user:sup", on=date(2026, 11, 30))
    ranking.close(store, "windows", "HX", "2026-11", "user:sup", on=date(2026, 12, 1))
    with pytest.raises(RankingError):
        ranking.close(store, "windows", "HX", "2026-11", "user:sup", on=date(2026, 12, 2))
    # Two late uploads for November: W3 gets two 5s that would lift it off the black flag.
    rate(store, dev, 3, 5, "2026-11-20T02:00:00Z", "C8")
    rate(store, dev, 3, 5, "2026-11-21T02:00:00Z", "C9")
    shown = ranking.view(store, "windows", "HX", "2026-11")
    assert shown["closed"]["closed_by"] == "user:sup" and shown["late"] == 2
    w3 = next(r for r in shown["rows"] if r["key"] == "3")
    assert (w3["rank"], w3["flag"], w3["rated"], w3["late"]) == (4, "black", 3, 2)
    live, _ = ranking.compute(store, "windows", "HX", "2026-11")
    assert next(r for r in live if r["key"] == "3")["rated"] == 5  # the figures do move


def f(levels: dict) -> Figures:
    out = Figures()
    for lv, n in levels.items():
        out.add(lv, n)
    return out


def test_full_ties_share_a_rank_and_the_flag():
    units = [Unit("a", "A", f({5: 9, 1: 1})), Unit("b", "B", f({5: 9, 1: 1})),
             Unit("c", "C", f({5: 5, 1: 5})), Unit("d", "D", f({5: 1, 1: 9}))]
    rows = ranking.rank(units, min_rated=5, red=1, black=1)
    assert [(r["key"], r["rank"], r["flag"]) for r in rows] == \
        [("a", 1, "red"), ("b", 1, "red"), ("c", 3, ""), ("d", 4, "black")]


def test_ties_on_satisfaction_go_by_participation_then_count():
    units = [Unit("few", "", f({5: 10})), Unit("many", "", f({5: 20})),
             Unit("unrated", "", f({5: 20, 0: 5}))]
    rows = ranking.rank(units, min_rated=1, red=3, black=3)
    assert [r["key"] for r in rows] == ["many", "few", "unrated"]


def test_few_qualified_units_never_get_both_flags():
    one = ranking.rank([Unit("a", "", f({5: 40}))])
    assert [r["flag"] for r in one] == ["red"]
    two = ranking.rank([Unit("a", "", f({5: 40})), Unit("b", "", f({1: 40}))])
    assert [r["flag"] for r in two] == ["red", "black"]
    five = ranking.rank([Unit(str(i), "", f({5: 40 - i, 1: i})) for i in range(5)])
    assert [r["flag"] for r in five] == ["red", "red", "red", "black", "black"]
    assert ranking.rank([Unit("a", "", f({5: 29}))])[0]["qualified"] is False


def cli(db, *args) -> str:
    return run_cli(db, *args)


def test_defaults_turned_on_after_the_close_never_make_late_negative(fixture, db):
    """Issue 23 item 2: the close froze W2 with its level-0 case of 5 Nov; a default policy
    turned on afterwards moves that case to a 基本满意 of 5 Dec (30 natural days), so
    November's live figures lose one. Late counts ratings stored after the close, so W2 has
    none (the old difference said -1) and W3's real late upload is the one late rating."""
    store, dev = fixture
    cli(db, "ranking", "close", "--scope", "HX", "--month", "2026-11", "--by", "sup")
    cli(db, "policy", "set", "*", "--default-mode", "natural", "--default-days", "30")
    assert cli(db, "defaults", "run").strip() == "1 default ratings made"
    rate(store, dev, 3, 5, "2026-11-20T02:00:00Z", "C8")
    shown = json.loads(cli(db, "ranking", "show", "--scope", "HX", "--month", "2026-11",
                           "--json"))
    assert {r["key"]: r["late"] for r in shown["rows"]} == \
        {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0}
    assert shown["late"] == 1
    text = cli(db, "ranking", "show", "--scope", "HX", "--month", "2026-11")
    assert "late -" not in text and text.count("late 1") == 1


def test_late_is_counted_per_unit_for_staff_and_halls(fixture):
    store, dev = fixture
    ranking.close(store, "staff", "HX", "2026-11", "user:sup", on=date(2026, 12, 1))
    ranking.close(store, "halls", "440000", "2026-11", "user:sup", on=date(2026, 12, 1))
    rate(store, dev, 1, 4, "2026-11-21T02:00:00Z", "A8")
    rate(store, dev, 1, 4, "2026-12-21T02:00:00Z", "A9")  # December: not late for November
    staff = ranking.view(store, "staff", "HX", "2026-11")
    assert staff["late"] == 1 and [r["late"] for r in staff["rows"]] == [1]
    halls = ranking.view(store, "halls", "440000", "2026-11")
    assert halls["late"] == 1 and [(r["key"], r["late"]) for r in halls["rows"]] == [("HX", 1)]
