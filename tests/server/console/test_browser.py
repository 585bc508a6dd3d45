"""Debian's headless Chromium against a real server: log in, see a page, fill a form and see
its error, switch language, hit another hall's URL (403, no figures), log out."""
from selenium.webdriver.common.by import By

from tests.server.console.conftest import PASSWORD, follow


def submit(browser, form) -> None:
    """Click the form's submit button and wait until the answer page has replaced it (a
    loaded machine may otherwise let the next step read the old page)."""
    follow(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def sign_in(browser, console, username, password=PASSWORD):
    browser.get(f"{console.url}/console/")
    assert "/console/login" in browser.current_url
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, browser.find_element(By.ID, "login-form"))


def test_log_in_use_the_console_and_log_out(browser, console):
    sign_in(browser, console, "sup1")
    assert browser.current_url.endswith("/console/")
    assert "欢迎，张主任" in browser.find_element(By.TAG_NAME, "h1").text
    nav = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.nav a")]
    assert "组织架构" in nav and "设备状态" in nav and "用户" not in nav
    browser.find_element(By.PARTIAL_LINK_TEXT, "南山区政务服务中心").click()
    assert "社保综合受理" in browser.find_element(By.ID, "windows").text

    form = browser.find_element(By.ID, "window-form")
    form.find_element(By.NAME, "number").send_keys("0")
    form.find_element(By.NAME, "name").send_keys("零号")
    submit(browser, form)
    error = browser.find_element(By.CSS_SELECTOR, "#window-form .has-error .error")
    assert "应为 1 至 999 的整数" in error.text

    browser.get(f"{console.url}/console/org/halls/H01?lang=en")
    assert browser.find_element(By.CSS_SELECTOR, "#windows h2").text == "Windows"
    browser.get(f"{console.url}/console/org/halls/H01?lang=zh_CN")

    browser.get(f"{console.url}/console/org/halls/H02")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "无权访问" in body and "宝安" not in body and "企业开办" not in body
    browser.get(f"{console.url}/console/org/halls/H99")
    assert "未找到" in browser.find_element(By.TAG_NAME, "h1").text

    browser.get(f"{console.url}/console/")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form"))
    assert "/console/login" in browser.current_url
    browser.get(f"{console.url}/console/org")
    assert "/console/login?next=/console/org" in browser.current_url


def test_a_form_whose_csrf_token_was_removed_is_refused(browser, console):
    sign_in(browser, console, "sup1")
    browser.get(f"{console.url}/console/org/halls/H01")
    browser.execute_script(
        "document.querySelector('#window-form input[name=csrf_token]').remove();")
    form = browser.find_element(By.ID, "window-form")
    form.find_element(By.NAME, "number").send_keys("42")
    form.find_element(By.NAME, "name").send_keys("无令牌")
    submit(browser, form)
    assert "无权访问" in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(f"{console.url}/console/org/halls/H01")
    assert "无令牌" not in browser.find_element(By.ID, "windows").text
    browser.delete_all_cookies()
