"""Issue 26 item 8, what commercial evaluators show: the queue system's 办理事项 on the rating
screen, the hall's supervision line and logo from the device config (idle screen; the line
also in the rating screen's footer), a QR caption readable at 1 m, a staff photo large enough
to recognise; at every supported size in both languages, nothing clipped (test_fit.misfits),
each screen saved under tests/screenshots/. Also the staying QR code (qr_keep) and item 9's
neutral 语音已关闭 note."""
from __future__ import annotations

import json

import pytest

from drivers.events import Call, Done, Login, Waiting
from kiosk.config import Technician, Ui
from kiosk.setup.common import hash_pin
from kiosk.ui.app import pump_until
from kiosk.ui.screen_idle import CAPTION_MM
from kiosk.ui.screen_rating import MIN_TARGET_MM, PHOTO_MM, px_to_mm
from tests.kiosk.conftest import SIZES
from tests.kiosk.ui.test_fit import LONG_HALL, PATTERN, check, settle

ITEM = "企业开办一件事（设立登记、印章刻制、发票申领、社保登记）"
LINE = "监督电话 12345"
LOGO = "hall-logo-0123456789abcdef.png"


def pictures(folder):
    """A staff photo (a face-like drawing) and a hall logo, as the config pull keeps them."""
    from PIL import Image, ImageDraw

    photos = folder / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    face = Image.new("RGB", (300, 400), (200, 215, 235))
    draw = ImageDraw.Draw(face)
    draw.ellipse((70, 60, 230, 260), fill=(240, 205, 175))
    draw.ellipse((115, 130, 135, 150), fill=(40, 40, 40))
    draw.ellipse((165, 130, 185, 150), fill=(40, 40, 40))
    draw.arc((120, 170, 180, 220), 20, 160, fill=(150, 60, 60), width=5)
    draw.rectangle((40, 280, 260, 400), fill=(30, 60, 120))
    face.save(photos / "20481024.png")
    logo = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((8, 8, 248, 248), fill=(200, 30, 30), outline=(250, 200, 0),
                                 width=16)
    logo.save(photos / LOGO)
    (photos / "index.json").write_text(json.dumps({"hall-logo": {"file": LOGO}}))


def skip(app, seconds: float) -> None:
    """`seconds` pass on the flow's clock (and stay passed)."""
    clock = app.flow.clock
    app.flow.clock = lambda: clock() + seconds
    app.flow.tick()


def site(**extra) -> str:
    return json.dumps({"etag": "1", "config": {
        "hall_name": LONG_HALL, "window_name": "综合受理", "supervision": LINE,
        "logo_url": "/static/hall-logo.png",
        "staff": [{"staff_id": "20481024", "name": "欧阳慧敏", "stars": 5}], **extra}},
        ensure_ascii=False)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_item_line_logo_caption_and_photo_at_every_size(kiosk_app, screenshot, tmp_path,
                                                        size, language):
    dims = SIZES[size]
    pictures(tmp_path / "kiosk")
    app = kiosk_app(language=language, size=dims, files={"device-config.json": site()},
                    ui=Ui(qr_url_pattern=PATTERN))
    root, tag, dpi = app.root, f"{language}_{size}", app.cfg.ui.dpi
    idle = root.get_screen("idle")
    assert idle.ids.supervision_label.text == LINE and idle.ids.logo.source.endswith(LOGO)
    app.flow.handle(Login("20481024"))
    app.flow.handle(Waiting(128))
    app.flow.handle(Call("A123"))
    app.flow.handle(Done("A123", "C123", item_name=ITEM))  # as RateService's RateQuest names it
    assert pump_until(lambda: root.current == "rating", 10)
    rating = root.get_screen("rating")
    settle(app)
    assert rating.ids.item_label.text.replace("\n", "").endswith(ITEM)
    assert rating.ids.supervision_label.text == LINE
    photo = rating.ids.staff_badge.ids.staff_photo
    assert photo.source.endswith("20481024.png")
    shown_h = min(photo.height, photo.width * 4 / 3)  # a 3:4 portrait, contained
    assert px_to_mm(shown_h, dpi) >= PHOTO_MM, (photo.size, dpi)
    for button in rating.buttons():
        assert px_to_mm(min(button.width, button.height), dpi) >= MIN_TARGET_MM, button.name
    check(app, screenshot, root, dims, f"rating_item_{tag}")

    skip(app, 31)  # nobody rated: the QR code for the phone stays
    assert pump_until(lambda: root.current == "idle" and idle.ids.qr.data, 10)
    settle(app)
    caption = idle.ids.qr_caption
    assert caption.text in ("扫码评价", "Scan to rate")
    assert px_to_mm(caption.font_size, dpi) >= CAPTION_MM, caption.font_size
    check(app, screenshot, root, dims, f"idle_hall_{tag}")


def test_a_kept_qr_code_stays_until_the_next_call_and_points_at_the_last_case(kiosk_app):
    app = kiosk_app(files={"device-config.json": site(qr_keep=True)},
                    ui=Ui(qr_url_pattern=PATTERN, qr_show_s=10))
    assert app.flow.timing.qr_keep
    idle = app.root.get_screen("idle")
    app.flow.handle(Done("A007", "C7"))
    skip(app, 31)
    assert pump_until(lambda: app.root.current == "idle" and idle.ids.qr.data, 10)
    assert "t=A007" in idle.ids.qr.data and "c=C7" in idle.ids.qr.data
    skip(app, 60)  # past qr_show_s: a kept code stays
    settle(app)
    assert "t=A007" in idle.ids.qr.data
    app.flow.handle(Call("A008"))  # the next citizen: the stranger's case goes at once
    settle(app)
    assert idle.ids.qr.data == ""


def test_without_qr_keep_the_code_goes_after_qr_show_s(kiosk_app):
    app = kiosk_app(ui=Ui(qr_url_pattern=PATTERN, qr_show_s=10))
    idle = app.root.get_screen("idle")
    app.flow.handle(Done("A007", "C7"))
    skip(app, 31)
    assert pump_until(lambda: app.root.current == "idle" and idle.ids.qr.data, 10)
    skip(app, 60)
    settle(app)
    assert idle.ids.qr.data == ""


def test_replaying_a_muted_voice_is_not_shown_as_a_success(kiosk_app, screenshot):
    app = kiosk_app(technician=Technician(pin_hash=hash_pin("135790")))
    app.voice.mute = True  # [voice] mute = true
    app.open_tech_menu()
    menu = app.tech_menu
    settle(app)
    menu.gate.check = lambda pin: True
    menu.enter()
    menu.replay_voice()
    settle(app)
    assert menu.message_kind == "muted" and "语音已关闭" in menu.message
    color = menu.ids.message.color
    assert not color[1] > color[0] * 2, "not green"
    screenshot(app, "replay_muted")
    menu.dismiss(animation=False)
