"""Hand-typed or mangled query strings on the figures, ranking and case pages (issue 23.10):
a clear 400 page saying what is wrong, never a 500, on both stores."""
import itertools

import pytest

from tests.server.console.conftest import console_both, login  # noqa: F401 - fixture

BAD = ["99999999999999999999", "-99999999999999999999", "9999-12", "0000-01", "2025-13",
       "2025-00", "abc", "", "%00", "1e308", "2025-02-30", "9999-12-31", "0001-01-01", "-1",
       "１２", "2999-12-31", "2000-01-01", "2999-12", "1999-12", "x" * 3000, "²", "٣"]
PAGES = {"/console/figures": ["from", "to", "hall", "region"],
         "/console/figures/drill": ["from", "to", "hall", "window", "region"],
         "/console/figures/drill.csv": ["from", "to", "hall", "window", "region"],
         "/console/figures/days.csv": ["from", "to"],
         "/console/ranking": ["kind", "scope", "month"],
         "/console/ranking.csv": ["kind", "scope", "month"],
         "/console/ranking.xlsx": ["kind", "scope", "month"],
         "/console/cases": ["sort", "all", "hall", "window", "state", "after", "n"],
         "/console/cases.csv": ["hall", "window", "state", "n"],
         "/console/appeals": ["state", "hall", "window", "after", "n"],
         "/console/appeals.csv": ["state", "hall", "window"],
         "/console/service": ["hall", "window", "staff", "month", "day"],
         "/console/service.csv": ["hall", "window", "staff", "month", "day", "table"]}


@pytest.fixture(scope="module")
def admin(console_both):  # noqa: F811
    return login(console_both, "admin")


@pytest.mark.parametrize("path, query, says", [
    ("/console/figures/drill", {"hall": "H01", "window": "9" * 20},
     "窗口号是 1 到 999 之间的数字"),
    ("/console/figures/drill", {"window": "9" * 20, "hall": "H01", "lang": "en"},
     "A window is a number from 1 to 999."),
    ("/console/ranking", {"month": "9999-12"}, "日期和月份须在 2000 年至 2999 年之间"),
    ("/console/ranking.xlsx", {"month": "9999-12"}, "日期和月份须在 2000 年至 2999 年之间"),
    ("/console/figures", {"from": "2999-12-31", "to": "9999-12-31"},
     "日期和月份须在 2000 年至 2999 年之间"),
])
def test_the_reported_urls_are_a_clear_400(console_both, admin, path, query, says):  # noqa: F811
    page = admin.get(console_both.url + path, params={"lang": "zh_CN", **query},
                     allow_redirects=False)
    assert page.status_code == 400 and says in page.text


def test_the_last_day_the_console_knows_still_answers(console_both, admin):  # noqa: F811
    day = {"from": "2999-12-31", "to": "2999-12-31"}
    for path in ("/console/figures", "/console/figures/drill", "/console/figures/days.csv"):
        assert admin.get(console_both.url + path, params=day).status_code == 200
    assert admin.get(console_both.url + "/console/ranking",
                     params={"month": "2999-12"}).status_code == 200


def test_no_mangled_parameter_is_a_500(console_both, admin):  # noqa: F811
    failures = []
    for path, params in PAGES.items():
        queries = [{p: v} for p in params for v in BAD]
        if path in ("/console/figures/drill", "/console/service", "/console/service.csv"):
            queries += [{"hall": "H01", "window": v} for v in BAD]
        if path.startswith("/console/ranking"):
            queries += [{"kind": k, "month": m}
                        for k, m in itertools.product(["halls", "windows", "staff"], BAD)]
        if path.startswith("/console/figures"):
            queries += [{"from": a, "to": b} for a, b in itertools.product(BAD[:8], BAD[8:16])]
        for query in queries:
            status = admin.get(console_both.url + path, params=query,
                               allow_redirects=False).status_code
            if status >= 500:
                failures.append((path, query, status))
    assert failures == []
