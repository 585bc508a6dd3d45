"""督察 records in headless Chromium, as the three people do it: the inspector records a
deduction with a photo, the hall's supervisor contests it, the region admin withdraws it, and
the list shows each record's state; then the inspector makes a 空岗 interval a deduction with
one click on the 窗口服务 page. Nothing overflows at desktop or phone width."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from server.assess import scheme, store as assess_store
from server.console.sample import ACCOUNTS, seed
from server.runner import ServerThread
from tests.helpers import service_events as se
from tests.server.assess.test_inspections_evidence import jpeg_with_gps
from tests.server.console.conftest import PASSWORD, browser, follow  # noqa: F401 - fixture
from tests.server.facts.test_service_browser import SIZES, log_in, overflow

NOW = se.local("2026-12-03 10:00")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerThread(tmp_path_factory.mktemp("inspb") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD, accounts={**ACCOUNTS, "insp1": ("督察员甲", "inspector", "440305")})
    srv.app.state.clock = lambda: NOW
    with srv.store.transaction() as tx:
        assess_store.set_scheme(tx, "440305", "2026-01", scheme.preset("shangjie"), "test")
    se.insert(srv.store, "H01", 1, se.day_script("2026-12-01", "S001", 4, ("10:30", "10:50")))
    yield srv
    srv.stop()


def text(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


def test_record_contest_withdraw_and_one_click(browser, server, tmp_path):  # noqa: F811
    photo = tmp_path / "badge.jpg"
    photo.write_bytes(jpeg_with_gps())
    log_in(browser, server, "insp1")
    browser.get(f"{server.url}/console/inspections")
    follow(browser, browser.find_element(By.ID, "new-record"))
    Select(browser.find_element(By.NAME, "department")).select_by_visible_text("社保")
    Select(browser.find_element(By.NAME, "window")).select_by_value("1")
    Select(browser.find_element(By.NAME, "staff_id")).select_by_value("S001")
    Select(browser.find_element(By.NAME, "item")).select_by_value("sj_badge")
    when = browser.find_element(By.NAME, "occurred_at")
    browser.execute_script("arguments[0].value = '2026-12-03T09:20'", when)
    browser.find_element(By.NAME, "note").send_keys("未佩戴工作证")
    browser.find_element(By.NAME, "photo").send_keys(str(photo))
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#record-form button"))
    assert text(browser, "#made") == "记录已保存。"
    assert text(browser, "#record-state") == "已记录"
    assert browser.execute_script(
        "const i = document.getElementById('evidence'); return i.complete && i.naturalWidth") == 64
    record_url = browser.current_url.split("?")[0]

    log_in(browser, server, "sup1")
    browser.get(record_url)
    browser.find_element(By.NAME, "reason").send_keys("工作证在胸前，照片角度问题")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#contest-form button"))
    assert text(browser, "#record-state") == "已申辩"

    log_in(browser, server, "nanshan")
    browser.get(record_url)
    Select(browser.find_element(By.NAME, "decision")).select_by_value("withdrawn")
    browser.find_element(By.CSS_SELECTOR, "#decide-form textarea").send_keys("照片不能证明")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#decide-form button"))
    assert text(browser, "#record-state") == "已撤销"
    assert "照片不能证明" in text(browser, "#decision")

    log_in(browser, server, "insp1")
    browser.get(f"{server.url}/console/service?hall=H01&month=2026-12")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#table-empty .record-form button"))
    assert text(browser, "#made") == "记录已保存。"
    assert "窗口出现空岗" in text(browser, "#record-facts")
    browser.get(f"{server.url}/console/service?hall=H01&month=2026-12")
    assert text(browser, "#table-empty a.recorded").startswith("已记录 · ")
    browser.get(f"{server.url}/console/inspections?month=2026-12")
    states = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#inspections .badge")]
    assert sorted(states) == ["已撤销", "已记录"]


@pytest.mark.parametrize("who, path", [
    ("insp1", "/console/inspections?month=2026-12"),
    ("insp1", "/console/inspections/new"),
    ("insp1", "/console/service?hall=H01&month=2026-12"),
    ("sup1", "/console/inspections?month=2026-12"),
])
def test_nothing_overflows(browser, server, who, path):  # noqa: F811
    log_in(browser, server, who)
    for size, (width, height) in SIZES.items():
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        browser.get(f"{server.url}{path}")
        assert browser.find_element(By.TAG_NAME, "h1").text
        assert overflow(browser) == [], (size, path)
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
