"""Debian's headless Chromium: a supervisor logs in, reads the overview (charts drawn, tables
beside them), opens last month's ranking, finds the flags with their reasons, exports the CSV
and checks its rows, and logs out."""
import csv
import io

from selenium.webdriver.common.by import By

from server.workflow import ranking
from tests.server.console.conftest import PASSWORD, follow
from tests.server.figures.conftest import LAST_MONTH


def test_a_supervisor_finds_the_flags_and_exports_them(browser, figures_server):
    url = figures_server.url
    browser.delete_all_cookies()
    browser.get(f"{url}/console/")
    browser.find_element(By.NAME, "username").send_keys("demo")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]"))

    follow(browser, browser.find_element(By.LINK_TEXT, "评价统计"))
    cards = browser.find_element(By.ID, "cards").text
    assert "今日" in cards and "本月" in cards and "满意率" in cards
    # ECharts drew both charts (SVG) from the same figures the tables show.
    assert len(browser.find_elements(By.CSS_SELECTOR, "#levels .chart svg")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#reasons .chart svg")) == 1
    assert "非常满意" in browser.find_element(By.CSS_SELECTOR, "#levels table").text

    follow(browser, browser.find_element(By.LINK_TEXT, "排名"))
    browser.find_element(By.NAME, "month").clear()
    browser.execute_script(f"document.querySelector('input[name=month]').value = "
                           f"'{LAST_MONTH}'")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#pick button[type=submit]"))
    expected, _ = ranking.compute(figures_server.store, "windows", "DEMO", LAST_MONTH)
    red = [r for r in expected if r["flag"] == "red"]
    flags = browser.find_element(By.ID, "flags").text
    assert "红旗" in flags and "黑旗" in flags
    best = red[0]
    assert best["label"] in flags
    assert f"满意率 {best['satisfaction']}（{best['of']} 个中排第 1）" in flags
    table = browser.find_element(By.ID, "ranking")
    assert len(table.find_elements(By.CSS_SELECTOR, ".flag.red")) == len(red)

    href = browser.find_element(By.ID, "csv").get_attribute("href")
    text = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done);",
        href)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["key"], r["flag"]) for r in rows] == [(r["key"], r["flag"]) for r in expected]
    assert rows[0]["why"].startswith("满意率")

    follow(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))
    assert "/console/login" in browser.current_url
