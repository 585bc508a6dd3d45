"""Issue 28's Done-when, in headless Chromium against a real server and the real engine: a
region admin sets the 上街-style scheme from the preset (and edits its JSON: one red and one
black flag), an inspector records deductions (one with the 空岗 one-click on the 窗口服务
page, one through the record form, the rest through the module), the admin closes last
month, and the published notice shows the scores computed by hand below, the flags and at
most 5 优质服务窗口."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from server.db import org, users
from tests.helpers import service_events as se
from tests.server.console.conftest import PASSWORD, follow
from tests.server.console.test_browser import sign_in, submit

LOCAL = timezone(timedelta(hours=8))
# H01's units: the sample's 社保 (window 1) and 不动产 (2, 3), and five more here.
MORE = {4: "税务", 5: "公安", 6: "医保", 7: "市场监管", 8: "公积金"}
# What each unit loses (上街 sheet): item, occurrences, points each.
RECORDS = {"公安": [("sj_posture", 3)], "医保": [("sj_one_notice", 1)],
           "市场监管": [("sj_idle", 1), ("sj_badge", 1)], "公积金": [("sj_bribery", 1)]}
# By hand: base 100; 社保 -2 (one 空岗), 不动产 -1 (着装, by the form), 公安 3 × -1 (坐姿),
# 医保 -5 (一次性告知), 市场监管 -5 -1, 公积金 -20 (吃拿卡要); 税务 nothing. No ratings and no
# late sign-in: the metric items score 0 ("no data" / 0).
EXPECTED = [("税务", 100), ("不动产", 99), ("社保", 98), ("公安", 97), ("医保", 95),
            ("市场监管", 94), ("公积金", 80)]
QUALITY = ["税务", "不动产", "社保", "公安", "医保"]     # ≥ 90, at most 5: 市场监管 (94) is 6th


def last_month() -> tuple[str, date]:
    first = datetime.now(LOCAL).date().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    return start.strftime("%Y-%m"), start


@pytest.fixture(scope="module")
def setup(console):
    month, start = last_month()
    store = console.store
    with store.transaction() as tx:
        for number, dept in MORE.items():
            org.put_window(tx, org.Window("H01", number, f"{dept}窗口", dept))
        users.add(tx, "insp1", "督察员小李", PASSWORD, "inspector", "440305")
    day = next(start + timedelta(days=n) for n in range(9, 20)
               if (start + timedelta(days=n)).weekday() < 5)
    # A 30-minute pause at window 1 (社保): one 空岗 interval; sign-in 08:55 is on time.
    se.insert(store, "H01", 1, se.day_script(day.isoformat(), "S001", cases=4,
                                             pause=("10:30", "11:00")))
    return {"month": month, "day": day}


def set_value(browser, element, value) -> None:
    browser.execute_script("arguments[0].value = arguments[1];", element, value)


def page_text(browser, css="body") -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


def test_scheme_records_close_and_the_published_notice(browser, console, setup):
    month, day = setup["month"], setup["day"]
    url = console.url
    # 1. The region admin copies the 上街 preset for 南山区 from last month, then edits it.
    sign_in(browser, console, "nanshan")
    browser.get(f"{url}/console/assess/scheme?scope=440305&month={month}")
    form = browser.find_element(By.ID, "copy-form")
    Select(form.find_element(By.NAME, "preset")).select_by_value("shangjie")
    set_value(browser, form.find_element(By.NAME, "month_from"), month)
    submit(browser, form)
    assert "上街式优质服务窗口评选" in page_text(browser, "#in-force")
    area = browser.find_element(By.CSS_SELECTOR, "#scheme-form textarea")
    body = json.loads(area.get_attribute("value"))
    body["awards"].update(red=1, black=1)
    body["office"] = "南山区政务服务数据管理局"
    set_value(browser, area, json.dumps(body, ensure_ascii=False, indent=1))
    submit(browser, browser.find_element(By.ID, "scheme-form"))
    assert "红旗：前 1 名；黑旗：后 1 名" in page_text(browser)
    assert "窗口出现空岗" in page_text(browser, "#scheme-table")

    # 2. The inspector: the 空岗 interval on the 窗口服务 page becomes a deduction in one click.
    browser.delete_all_cookies()
    sign_in(browser, console, "insp1")
    browser.get(f"{url}/console/service?hall=H01&window=1&month={month}")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#table-empty .record-form button"))
    assert "/console/inspections/" in browser.current_url, page_text(browser)
    assert "窗口出现空岗" in page_text(browser) and "社保" in page_text(browser)
    # ... and one through the record form.
    browser.get(f"{url}/console/inspections/new?hall=H01")
    form = browser.find_element(By.ID, "record-form")
    Select(form.find_element(By.NAME, "department")).select_by_value("不动产")
    Select(form.find_element(By.NAME, "item")).select_by_value("sj_badge")
    set_value(browser, form.find_element(By.NAME, "occurred_at"), f"{day.isoformat()}T15:00")
    set_value(browser, form.find_element(By.NAME, "count"), "1")
    form.find_element(By.NAME, "note").send_keys("工作人员未佩证上岗。")
    submit(browser, form)
    assert "/console/inspections/" in browser.current_url and "不动产" in page_text(browser)
    # The rest through the module, as the inspector.
    from server.assess import inspections

    who = inspections.Who("user:insp1", "inspector", frozenset({"H01"}))
    at = datetime.combine(day, datetime.min.time(), LOCAL).replace(hour=10)
    for dept, items in RECORDS.items():
        for item, count in items:
            with console.store.transaction() as tx:
                inspections.record(tx, who, "H01", dept, None, None, item, None, count, at,
                                   "督察发现。")

    # 3. The admin sees the live result and closes the month (confirming the dialog).
    browser.delete_all_cookies()
    sign_in(browser, console, "nanshan")
    browser.get(f"{url}/console/assess?scope=440305&period={month}")
    assert "尚未结账" in page_text(browser, "#live")
    close = browser.find_element(By.ID, "close")
    close.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.switch_to.alert.accept()
    closed = browser.find_element(By.ID, "closed")
    assert "南山区管理员" in closed.text and "冻结" in closed.text
    assert not browser.find_elements(By.ID, "close")

    # 4. The published notice.
    follow(browser, browser.find_element(By.ID, "notice-link"))
    y, m = month.split("-")
    assert page_text(browser, ".notice-title") == f"{y}年{int(m)}月窗口单位考核结果通报"
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "#scores tbody tr")]
    assert [(r[1], float(r[-2])) for r in rows] == [(u, float(s)) for u, s in EXPECTED]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert page_text(browser, "#office") == "南山区政务服务数据管理局"
    assert "南山区政务服务数据管理局" in page_text(browser, ".seal")
    assert page_text(browser, "#red") == "税务"
    assert page_text(browser, "#black") == "公积金"
    quality = page_text(browser, "#quality").split("、")
    assert quality == QUALITY and len(quality) <= 5
    assert "南山区管理员" in page_text(browser, "#closer")
    details = page_text(browser, "#details")
    assert "窗口出现空岗" in details and "吃、拿、卡、要" in details
    # Printed on A4 portrait (182 mm between the margins, ~688 px): no cell of the table
    # wraps (every row one line high) and the table fits the page.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 688, "height": 1000, "deviceScaleFactor": 1,
                             "mobile": False})
    try:
        got = browser.execute_script(
            "const t = document.querySelector('#scores');"
            "const h = [...t.querySelectorAll('tr')].map(r => r.getBoundingClientRect().height);"
            "return [Math.min(...h), Math.max(...h), t.scrollWidth, "
            "document.documentElement.clientWidth];")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert got[0] == got[1] and got[2] <= got[3], got
