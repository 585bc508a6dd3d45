"""The idle screen in the real window: roster card, call and recall, waiting, paused, QR code
(decoded from what is drawn), language button; at several resolutions."""
from __future__ import annotations

import json
import os

import pytest

from drivers.events import Call, Done, Login, Logout, Pause, Recall, Waiting
from kiosk.config import Ui
from kiosk.roster import PLACEHOLDER
from kiosk.ui.app import pump_until
from tests.kiosk.conftest import SIZES

ROSTER = json.dumps({"staff": [
    {"staff_id": "1024", "name": "张敏", "photo": "photos/1024.png", "stars": 4}]},
    ensure_ascii=False)
PATTERN = "https://pj.example.gov.cn/rate?d={device}&w={window}&t={ticket}&c={case_id}"


def decode_qr(widget) -> str | None:
    """What a phone would read: the QR widget as drawn, decoded by zbar."""
    pyzbar = pytest.importorskip("pyzbar.pyzbar")
    tex = widget.export_as_image().texture
    w, h = tex.size
    px = tex.pixels  # RGBA, bottom row first
    rows = [px[y * w * 4:(y + 1) * w * 4][0::4] for y in range(h)]
    for image in (b"".join(reversed(rows)), b"".join(rows)):
        found = pyzbar.decode((image, w, h))
        if found:
            return found[0].data.decode()
    return None


@pytest.mark.parametrize("size", ["panel", "large", "wide", "portrait"])
def test_idle_with_clerk_call_waiting_and_qr(kiosk_app, screenshot, size):
    app = kiosk_app(size=SIZES[size], ui=Ui(staff_strip=True, qr_url_pattern=PATTERN))
    idle = app.root.get_screen("idle")
    ids = idle.ids
    assert ids.staff_label.text == "未登录" and ids.staff_name.text == ""
    assert idle.photo == str(PLACEHOLDER)
    assert ids.qr.data == "" and ids.waiting_label.text == ""
    assert ids.calling_label.text == "欢迎光临"
    assert ids.date_label.text and ids.clock_label.text
    app.flow.handle(Login("1024"))
    app.flow.handle(Waiting(7))
    app.flow.handle(Call("A023"))
    pump_until(timeout=0.3)
    assert ids.staff_label.text == "工号 1024"
    assert ids.calling_label.text == "请 A023 号到 5 号窗口办理"
    assert ids.waiting_label.text == "等候人数：7"
    assert app.voice.history[-1] == ["qing", "letter_A", "d0", "d2", "d3", "hao_dao", "d5",
                                     "hao_chuangkou_banli"]
    screenshot(app, f"calling_{size}")
    # everything on screen, nothing cut off
    for wid in (ids.window_label, ids.calling_label, ids.qr, ids.staff_photo, ids.next_button):
        x, y = wid.to_window(wid.x, wid.y)
        assert x >= 0 and y >= 0 and x + wid.width <= SIZES[size][0] + 1
        assert y + wid.height <= SIZES[size][1] + 1
    assert ids.calling_label.texture_size[0] <= ids.calling_label.width


def test_roster_card_and_qr_of_the_last_case(kiosk_app, screenshot, tmp_path):
    photos = tmp_path / "kiosk" / "photos"
    photos.mkdir(parents=True)
    (photos / "1024.png").write_bytes(PLACEHOLDER.read_bytes())
    app = kiosk_app(ui=Ui(staff_strip=False, qr_url_pattern=PATTERN), files={"roster.json": ROSTER},
                    thanks_s=0.5)
    idle = app.root.get_screen("idle")
    app.flow.handle(Login("1024"))
    pump_until(timeout=0.2)
    assert idle.ids.staff_name.text == "张敏"
    assert idle.ids.staff_stars.text == "★★★★☆"
    assert idle.photo == str(photos / "1024.png")
    strip = idle.ids.next_button.parent
    assert idle.ids.next_button.disabled and strip.height == 0 and strip.opacity == 0
    app.flow.handle(Done("A023", "C1", "11410000"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    assert app.voice.history[-1] == ["rate_prompt"]
    assert idle.ids.qr.data.endswith("t=A023&c=C1")  # the case being rated
    app.flow.tap_level(5)
    assert pump_until(lambda: app.root.current == "idle", 10)
    assert app.voice.history[-1] == ["thanks"]
    assert idle.ids.qr.data == "" and idle.ids.qr_caption.text == "", "rated: no QR code left"
    # A case the citizen walked away from keeps its QR code: it can still be rated by phone.
    app.flow.timing.rating_s = 0.3
    app.flow.handle(Done("A024", "C2", "11410000"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    assert pump_until(lambda: app.root.current == "idle", 10)
    expected = "https://pj.example.gov.cn/rate?d=test-kiosk&w=5&t=A024&c=C2"
    assert idle.ids.qr.data == expected
    assert pump_until(lambda: decode_qr(idle.ids.qr) == expected, 10)  # once it is drawn
    assert idle.ids.qr_caption.text == "扫码评价"
    screenshot(app, "idle_after_rating_800x480")


def test_the_next_call_takes_the_unrated_cases_qr_code_off_the_idle_screen(kiosk_app, screenshot):
    """Issue 23.3: the citizen of A024 walked away; when A025 is called, the stranger now at
    the window must not find A024's QR code on the screen."""
    app = kiosk_app(ui=Ui(qr_url_pattern=PATTERN), timeout_s=5)
    idle = app.root.get_screen("idle")
    app.flow.timing.rating_s = 0.3
    app.flow.handle(Call("A024"))
    app.flow.handle(Done("A024", "C2"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    assert pump_until(lambda: app.root.current == "idle", 10)
    assert idle.ids.qr.data.endswith("t=A024&c=C2") and idle.ids.qr_caption.text
    app.flow.handle(Call("A025"))
    assert pump_until(lambda: idle.ids.qr.data == "", 10), "A024's code is still shown"
    assert idle.ids.qr_caption.text == ""
    screenshot(app, "idle_next_call_no_qr_800x480")


def test_signed_qr_from_server_config_decodes(kiosk_app, screenshot, tmp_path):
    from sync.wire.qr_token import verify_qr_token

    cache = json.dumps({"etag": "1", "config": {
        "hall_name": "政务服务大厅", "window_name": "不动产登记",
        "qr_base_url": "https://pj.example.gov.cn",
        "staff": [{"staff_id": "2048", "name": "王芳", "stars": 5}]}}, ensure_ascii=False)
    token = json.dumps({"device_id": "test-kiosk", "token": "t", "qr_key": "q" * 43})
    app = kiosk_app(files={"device-config.json": cache, "device-token.json": token})
    os.chmod(tmp_path / "kiosk" / "device-token.json", 0o600)
    app = kiosk_app(files={})  # again, now that the token file is private
    idle = app.root.get_screen("idle")
    assert idle.ids.hall_label.text == "政务服务大厅"
    assert idle.ids.window_name_label.text == "不动产登记"
    app.flow.handle(Login("2048"))
    app.flow.timing.rating_s = 0.3  # not rated at the counter: the QR code stays for the phone
    app.flow.handle(Done("B101", "C9"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    assert pump_until(lambda: app.root.current == "idle", 10)
    assert pump_until(lambda: idle.ids.qr.data.startswith("https://pj.example.gov.cn/r/v1."), 10)
    url = idle.ids.qr.data
    assert pump_until(lambda: decode_qr(idle.ids.qr) == url, 10)  # once it is drawn
    payload = verify_qr_token(url.rsplit("/", 1)[1], "q" * 43)
    assert (payload["t"], payload["c"], payload["w"]) == ("B101", "C9", 5)
    assert idle.ids.staff_name.text == "王芳" and idle.ids.staff_stars.text == "★★★★★"
    screenshot(app, "idle_server_roster_800x480")


def test_recall_flashes_the_call_again(kiosk_app):
    app = kiosk_app()
    idle = app.root.get_screen("idle")
    app.flow.handle(Call("A023"))
    pump_until(timeout=0.1)
    first = idle.flash_count
    assert first >= 1
    pump_until(lambda: idle.flash > 0.3, 10)
    app.flow.handle(Recall("A023"))
    pump_until(timeout=0.1)
    assert idle.flash_count == first + 1
    assert app.flow.state.call_count == 2
    assert app.voice.history[-1][0] == "qing" and len(app.voice.history) >= 2


def test_paused_and_logged_out_in_english(kiosk_app, screenshot):
    app = kiosk_app(language="en", size=SIZES["wide"])
    ids = app.root.get_screen("idle").ids
    app.flow.handle(Pause())
    app.flow.handle(Waiting(3))
    pump_until(timeout=0.2)
    assert ids.paused_screen.opacity == 1 and ids.paused_banner.text == "Service paused"
    assert ids.staff_label.text == "Not logged in"
    assert ids.waiting_label.text == "People waiting: 3"
    assert ids.lang_button.text == "中文"
    screenshot(app, "paused_en_1024x600")
    app.flow.handle(Logout())


def test_language_button_switches_and_the_next_citizen_gets_the_default(kiosk_app, tap,
                                                                         screenshot):
    app = kiosk_app(thanks_s=0.5)
    ids = app.root.get_screen("idle").ids
    assert ids.lang_button.text == "EN" and ids.window_label.text == "5 号窗口"
    tap(ids.lang_button)
    assert pump_until(lambda: app.root.get_screen("idle").ids.window_label.text == "Window 5", 10)
    screenshot(app, "idle_switched_to_en")
    app.flow.handle(Done("A030", "C30"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    rating = app.root.get_screen("rating")
    assert rating.ids.prompt_label.text == "Please rate my service"
    tap(rating.ids.level_5)
    assert pump_until(lambda: app.root.current == "thanks", 10)
    assert app.root.get_screen("thanks").ids.thanks_label.text == "Thank you for your rating"
    assert pump_until(lambda: app.root.current == "idle"
                      and app.root.get_screen("idle").ids.window_label.text == "5 号窗口", 10)
    tap(app.root.get_screen("idle").ids.lang_button)
    tap(app.root.get_screen("idle").ids.lang_button)
    assert app.root.get_screen("idle").ids.window_label.text == "5 号窗口"


def test_qr_code_is_encoded_after_the_rating_screens_frame(kiosk_app):
    """DONE sets the hidden idle screen's QR data; the code itself is encoded on the next
    clock tick, not in the frame that must show the rating screen."""
    app = kiosk_app(ui=Ui(qr_url_pattern=PATTERN))
    idle = app.root.get_screen("idle")
    pump_until(timeout=0.2)
    app.flow.handle(Done("A031", "C9"))
    assert app.root.current == "rating" and idle.ids.qr.data.endswith("t=A031&c=C9")
    assert idle.ids.qr.texture is None, "encoded before the rating screen was drawn"
    assert pump_until(lambda: idle.ids.qr.texture is not None, 10)
