"""The figures and ranking pages over HTTP: what each role sees, CSV and XLSX, month close."""
import csv
import io
from openpyxl import load_workbook

from server.db import stats
from server.workflow import ranking
from tests.server.console.conftest import csrf_in, login, post_form
from tests.server.figures.conftest import LAST_MONTH

RANKING = f"/console/ranking?kind=windows&scope=DEMO&month={LAST_MONTH}"


def rows_of(response):
    assert response.status_code == 200, response.text[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_overview_tables_and_csv_carry_the_roll_up_figures(figures_server):
    s = login(figures_server, "demo")
    start, end = stats.month_range(LAST_MONTH)
    q = f"hall=DEMO&from={start}&to={end}"
    page = s.get(f"{figures_server.url}/console/figures?{q}")
    assert page.status_code == 200 and 'id="chart-days"' in page.text
    total = stats.totals(figures_server.store, {"DEMO"}, start, end)
    assert f"参评 {total.rated} 件" in page.text and stats.pct(total.satisfaction) in page.text
    days = rows_of(s.get(f"{figures_server.url}/console/figures/days.csv?{q}"))
    assert len(days) == (end - start).days + 1
    assert sum(int(d[f"level_{lv}"]) for d in days for lv in (1, 2, 3, 4, 5)) == total.rated
    reasons = rows_of(s.get(f"{figures_server.url}/console/figures/reasons.csv?{q}"))
    assert {r["reason"]: int(r["count"]) for r in reasons} == \
        dict(stats.reasons(figures_server.store, {"DEMO"}, start, end))
    drill = rows_of(s.get(f"{figures_server.url}/console/figures/drill.csv?{q}"))
    assert len(drill) == 8 and sum(int(r["rated"]) for r in drill) == total.rated


def test_a_range_the_wrong_way_round_is_a_clear_400(figures_server):
    s = login(figures_server, "demo")
    r = s.get(f"{figures_server.url}/console/figures?from=2026-11-30&to=2026-11-01")
    assert r.status_code == 400 and "起始日期不能晚于截止日期" in r.text
    r = s.get(f"{figures_server.url}/console/figures/days.csv?from=2026-13-01")
    assert r.status_code == 400
    assert s.get(f"{figures_server.url}/console/ranking?month=2026-1x").status_code == 400


def test_another_halls_figures_are_refused_and_unknown_halls_not_found(figures_server):
    s = login(figures_server, "sup1")  # supervisor of H01, not DEMO
    for path in ("/console/figures?hall=DEMO", "/console/figures/days.csv?hall=DEMO",
                 "/console/figures/drill?hall=DEMO", RANKING,
                 RANKING.replace("ranking?", "ranking.csv?")):
        r = s.get(f"{figures_server.url}{path}")
        assert r.status_code == 403 and "社保综合受理" not in r.text, path
    assert s.get(f"{figures_server.url}/console/figures?hall=NOPE").status_code == 404
    own = s.get(f"{figures_server.url}/console/figures").text
    assert "参评 0 件" in own  # H01 has no ratings: nothing of DEMO leaks into the totals


def test_window_staff_see_only_their_own_figures_and_no_ranking(figures_server):
    s = login(figures_server, "zhangmin")
    start, end = stats.month_range(LAST_MONTH)
    days = rows_of(s.get(f"{figures_server.url}/console/figures/days.csv?from={start}&to={end}"))
    own = stats.totals(figures_server.store, {"DEMO"}, start, end, staff="1024")
    assert sum(int(d["level_5"]) for d in days) == own.levels[5] > 0
    assert s.get(f"{figures_server.url}{RANKING}").status_code == 403


def test_ranking_csv_and_xlsx_hold_the_ranking(figures_server):
    s = login(figures_server, "demo")
    expected, _ = ranking.compute(figures_server.store, "windows", "DEMO", LAST_MONTH)
    got = rows_of(s.get(f"{figures_server.url}{RANKING.replace('ranking?', 'ranking.csv?')}"))
    assert [(r["key"], r["flag"], r["rated"]) for r in got] == \
        [(r["key"], r["flag"], str(r["rated"])) for r in expected]
    assert [r["flag"] for r in got].count("red") >= 3 and "满意率" in got[0]["why"]
    xlsx = s.get(f"{figures_server.url}{RANKING.replace('ranking?', 'ranking.xlsx?')}")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][:3] == ["rank", "flag", "key"]
    assert [(str(r[2]), r[1] or "", r[4]) for r in cells[2:]] == \
        [(r["key"], r["flag"], r["rated"]) for r in expected]


def test_closing_a_month_needs_the_csrf_token_and_happens_once(figures_server):
    s = login(figures_server, "demo")
    url = f"{figures_server.url}/console/ranking/close"
    form = {"kind": "staff", "scope": "DEMO", "month": LAST_MONTH}
    assert s.post(url, data=form, allow_redirects=False).status_code == 403
    ok = post_form(s, figures_server, RANKING, "/console/ranking/close", form)
    assert ok.status_code == 303
    page = s.get(figures_server.url + ok.headers["location"])
    assert "已由 demo 于" in page.text and 'id="close"' not in page.text
    again = s.post(url, data={"csrf_token": csrf_in(page.text), **form})
    assert again.status_code == 400 and "已结账" in again.text
    this_month = stats.today().strftime("%Y-%m")
    early = s.post(url, data={"csrf_token": csrf_in(page.text), **form, "month": this_month})
    assert early.status_code == 400
    auditor = login(figures_server, "audit1")
    page = auditor.get(f"{figures_server.url}/console/ranking?kind=windows&scope=DEMO")
    assert page.status_code == 200 and 'id="close"' not in page.text
