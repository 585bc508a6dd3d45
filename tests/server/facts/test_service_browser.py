"""The 窗口服务 page in headless Chromium at desktop and phone width: nothing overflows (the
page nor any table), and a supervisor annotates a 空岗 through the form like a person."""
import pytest
from selenium.webdriver.common.by import By

from server.console.sample import seed
from server.runner import ServerThread
from tests.helpers import service_events as se
from tests.helpers.browser import chromium
from tests.server.console.conftest import PASSWORD, follow

NOW = se.local("2026-12-03 10:00")
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerThread(tmp_path_factory.mktemp("service") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    srv.app.state.clock = lambda: NOW
    for day in ("2026-12-01", "2026-12-02"):
        se.insert(srv.store, "H01", 1, se.day_script(day, "S001", 4, ("10:30", "10:50", "x")))
        se.insert(srv.store, "H01", 3, [s for s in se.day_script(day, "S003", 2)
                                        if s[1] != "staff_in"]
                  + [(f"{day} 09:40", "staff_in", {"staff_id": "S003"})])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    driver = chromium("--window-size=1366,768", "--lang=zh-CN")
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def log_in(browser, server, who):
    browser.delete_all_cookies()
    browser.get(f"{server.url}/console/login")
    browser.find_element(By.NAME, "username").send_keys(who)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#login-form button"))


def overflow(browser) -> list[str]:
    return browser.execute_script("""
        const out = [];
        const root = document.documentElement;
        if (root.scrollWidth > window.innerWidth + 1) out.push('page ' + root.scrollWidth);
        for (const el of document.querySelectorAll('.table-wrap'))
            if (el.scrollWidth > el.clientWidth + 1) out.push(el.id + ' ' + el.scrollWidth);
        return out;""")


@pytest.mark.parametrize("who, path", [
    ("sup1", "/console/service?hall=H01&month=2026-12"),
    ("sup1", "/console/service?hall=H01&window=1&month=2026-12"),
    ("sup1", "/console/service?hall=H01&day=2026-12-01"),
    ("admin", "/console/service?month=2026-12"),
    ("staff1", "/console/service"),
    ("sup1", "/console/service?hall=H01&month=2026-12&lang=en"),
])
def test_nothing_overflows_at_desktop_or_phone_width(browser, server, who, path):
    log_in(browser, server, who)
    for size, (width, height) in SIZES.items():
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        browser.get(f"{server.url}{path}")
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith(
            ("窗口服务", "Window service"))
        assert overflow(browser) == [], (size, path)
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_supervisor_annotates_an_empty_interval_in_the_browser(browser, server):
    log_in(browser, server, "sup1")
    browser.get(f"{server.url}/console/service?hall=H01&window=3&month=2026-12")
    rows = browser.find_elements(By.CSS_SELECTOR, "#table-empty tbody tr")
    assert len(rows) == 2
    form = rows[0].find_element(By.CSS_SELECTOR, "form")
    form.find_element(By.NAME, "excused").click()
    form.find_element(By.NAME, "note").send_keys("外出办事，主任批准")
    follow(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    first = browser.find_elements(By.CSS_SELECTOR, "#table-empty tbody tr")[0]
    assert "已核准，不计入" in first.text and "外出办事，主任批准" in first.text
    window = browser.find_element(By.CSS_SELECTOR, "#table-windows tbody tr").text
    assert "80.0" not in window and " 1 40.0 1 " in f" {window} "
