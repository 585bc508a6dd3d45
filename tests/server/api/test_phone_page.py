"""The phone page as a citizen sees it (issue 12 items 7 and 12): the counter's faces and
colours, which visit it is, reasons only after a bad level, the send button above the fold at
390x844 in Debian's headless Chromium, plain words for a bad code, and a case already rated
said up front. Screenshots go to tests/screenshots/phone/."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import requests

from sync.wire import BATCH_PATH
from sync.wire.qr_token import make_qr_token, make_qr_url
from tests.helpers.browser import chromium

DAY = date(2026, 5, 4)
HALL = "广东省深圳市福田区政务服务中心"
WINDOW = "不动产登记、税务、公积金综合受理"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "phone"


@pytest.fixture(scope="module")
def phone():
    """Headless Debian Chromium with a 390x844 phone viewport."""
    driver = chromium("--window-size=390,844", "--hide-scrollbars")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    yield driver
    driver.quit()


def configure(server, device):
    body = json.dumps({"hall_name": HALL, "window_name": WINDOW}, ensure_ascii=False)
    server.store.set_device_config("hall01", 3, body, '"t1"', "2026-05-04T00:00:00.000Z")


def url_for(server, device, ticket="A023", case_id="C1"):
    return make_qr_url(server.url, device.device_id, device.qr_key, ticket, case_id, 600,
                       window=3, day=DAY)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_fits_a_phone_with_faces_case_and_send_above_the_fold(server, device, phone, lang):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    configure(server, device)
    phone.get(url_for(server, device) + ("?lang=en" if lang == "en" else ""))
    text = phone.find_element(By.TAG_NAME, "body").text
    for shown in (HALL, WINDOW, "2026-05-04", "A023"):
        assert shown in text
    faces = phone.find_elements(By.CSS_SELECTOR, "label.face")
    assert len(faces) == 5 and all(f.find_elements(By.TAG_NAME, "svg") for f in faces)
    colours = [f.value_of_css_property("background-color") for f in faces]
    assert colours[0] == "rgba(28, 122, 51, 1)" and colours[4] == "rgba(199, 41, 41, 1)"
    why = phone.find_element(By.CSS_SELECTOR, "fieldset.why")
    assert not why.is_displayed(), "reasons wait for a bad level"
    send = phone.find_element(By.CSS_SELECTOR, "button[type=submit]")
    bottom = phone.execute_script("return arguments[0].getBoundingClientRect().bottom", send)
    assert bottom <= 844, f"send button at {bottom}px, below the fold"
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.save_screenshot(str(SHOTS / f"form_{lang}_390x844.png"))
    width = phone.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "nothing runs off the side"
    faces[3].click()  # 不满意
    assert why.is_displayed()
    phone.save_screenshot(str(SHOTS / f"reasons_{lang}_390x844.png"))
    phone.find_element(By.CSS_SELECTOR, "input[value=attitude]").click()
    phone.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    thanks = "感谢您的评价" if lang == "zh" else "Thank you"
    WebDriverWait(phone, 5).until(lambda d: thanks in d.page_source)  # the POST's answer
    phone.save_screenshot(str(SHOTS / f"thanks_{lang}_390x844.png"))


def test_a_case_rated_at_the_counter_says_so_before_any_form(server, device, http, make_rating,
                                                              phone):
    configure(server, device)
    key = f"{DAY.isoformat()}/3/A023/C1"
    kiosk = make_rating(level=4, ticket="A023", case_id="C1", case_key=key)
    assert http.post(server.url + BATCH_PATH, json={"ratings": [kiosk]}).json()[
        "results"][0]["status"] == "accepted"
    page = requests.get(url_for(server, device), timeout=5)
    assert page.status_code == 200 and "<form" not in page.text
    assert "本次服务已在窗口评价过了" in page.text and HALL in page.text
    phone.get(url_for(server, device))
    phone.save_screenshot(str(SHOTS / "rated_at_counter_zh_390x844.png"))


def test_a_timed_out_case_still_offers_the_form(server, device, http, make_rating):
    key = f"{DAY.isoformat()}/3/A023/C1"
    http.post(server.url + BATCH_PATH, json={"ratings": [
        make_rating(level=0, ticket="A023", case_id="C1", case_key=key)]})
    assert "<form" in requests.get(url_for(server, device), timeout=5).text


def test_bad_codes_are_explained_in_plain_words(server, device, enrolled):
    other = enrolled(window=4)
    forged = make_qr_token(device.device_id, other.qr_key, "A023", "C1", 600)
    page = requests.get(f"{server.url}/r/{forged}", timeout=5).text
    assert "签名" not in page and "无法识别这个评价码" in page and "未记录任何评价" in page
    assert "重新扫码" in page
