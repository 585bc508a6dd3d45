"""Every kiosk screen at the four supported sizes in both languages, with the longest real
names: no label's text is clipped, shortened or runs under another (issue 12 item 8); plus the
paused screen hides everything (9), the face cards' contrast and label size (10), the clerk's
notice (6) and the technician menu's look (11). Each screen is saved under tests/screenshots/."""
from __future__ import annotations

import json

import pytest

from drivers.events import Call, Done, Login, Pause, StaffAction, Waiting
from kiosk.config import Technician, Ui
from kiosk.setup.common import hash_pin
from kiosk.ui.app import pump_until
from kiosk.ui.screen_rating import LABEL_MM, px_to_mm
from kiosk.ui.widgets import LEVEL_COLORS, contrast, measure
from tests.kiosk.conftest import SIZES

LONG_HALL = "广东省深圳市福田区政务服务中心"
LONG_WINDOW = "不动产登记、税务、公积金综合受理"
PATTERN = "https://pj.example.gov.cn/rate?d={device}&w={window}&t={ticket}&c={case_id}"
PIN = "135790"
SITE = json.dumps({"etag": "1", "config": {
    "hall_name": LONG_HALL, "window_name": LONG_WINDOW,
    "staff": [{"staff_id": "20481024", "name": "欧阳慧敏", "stars": 5}]}}, ensure_ascii=False)


@pytest.fixture(scope="module")
def pin_hash():
    return hash_pin(PIN)


def shown(widget) -> bool:
    """Drawn: it and every parent are opaque at all (a label squeezed to no size still draws
    its text, so size does not hide it)."""
    while widget is not None and widget is not widget.parent:
        if widget.opacity <= 0:
            return False
        widget = widget.parent
    return True


def labels(root):
    from kivy.uix.label import Label

    return [w for w in root.walk(restrict=True) if isinstance(w, Label) and w.text.strip()
            and shown(w)]


def text_box(label) -> tuple[float, float, float, float]:
    """Where the label's whole text lands (window coordinates), measured unshortened."""
    wrap = label.text_size[0]
    tw, th, _lines = measure(label, label.text, label.font_size, wrap)
    x, y = label.to_window(label.x, label.y)
    if wrap is None:
        left = x + (label.width - tw) / 2
    else:
        slack = label.width - tw
        left = x + {"left": 0, "right": slack}.get(label.halign, slack / 2)
    return left, y + (label.height - th) / 2, tw, th


def misfits(root, size) -> list[str]:
    """What a citizen would see cut off: text wider or taller than its label, shortened with
    an ellipsis, off the window, or lying over another label's text."""
    found, boxes = [], []
    for label in labels(root):
        name = f"{label.__class__.__name__} {label.text[:24]!r}"
        if label.shorten:
            found.append(f"{name}: shortened")
        left, bottom, tw, th = box = text_box(label)
        x, y = label.to_window(label.x, label.y)
        if tw > label.width + 1 or th > label.height + 1:
            found.append(f"{name}: text {tw:.0f}x{th:.0f} in a {label.width:.0f}x"
                         f"{label.height:.0f} box")
        word = max(label.text.split(), key=len)
        if word.isascii() and measure(label, word, label.font_size, None)[0] > \
                label.width + 1:
            found.append(f"{name}: the word {word!r} is broken across lines")
        if x < -1 or y < -1 or x + label.width > size[0] + 1 or y + label.height > size[1] + 1:
            found.append(f"{name}: off the window at {x:.0f},{y:.0f}")
        for other, (ol, ob, ow, oh) in boxes:
            if left < ol + ow - 2 and ol < left + tw - 2 and bottom < ob + oh - 2 \
                    and ob < bottom + th - 2:
                found.append(f"{name} overlaps {other}")
        boxes.append((name, box))
    return found


def settle(app, seconds=0.15):
    pump_until(timeout=seconds)


def check(app, screenshot, root, size, name):
    settle(app)
    assert misfits(root, size) == [], name
    screenshot(app, name)


def pixels(widget):
    """(width, height, rgba bytes with the bottom row first) of the widget as drawn."""
    tex = widget.export_as_image().texture
    return tex.size[0], tex.size[1], tex.pixels


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_screen_fits_with_the_longest_names(kiosk_app, tap, screenshot, pin_hash,
                                                  size, language):
    dims = SIZES[size]
    app = kiosk_app(language=language, size=dims, files={"device-config.json": SITE},
                    ui=Ui(staff_strip=True, qr_url_pattern=PATTERN),
                    technician=Technician(pin_hash=pin_hash), thanks_s=30)
    root, tag = app.root, f"{language}_{size}"
    idle = root.get_screen("idle")
    assert idle.ids.hall_label.text == LONG_HALL and idle.ids.window_name_label.text == LONG_WINDOW
    app.flow.handle(Login("20481024"))
    app.flow.handle(Waiting(128))
    app.flow.timing.rating_s = 0.2  # a case nobody rated: its QR code stays on the idle screen
    app.flow.handle(Done("A122", "C122"))
    assert pump_until(lambda: root.current == "idle" and idle.ids.qr.data, 10)
    app.flow.timing.rating_s = 30
    app.flow.handle(Call("A123"))
    check(app, screenshot, root, dims, f"idle_calling_{tag}")

    # 6: 评价 with no ticket being served tells the clerk, in the call strip.
    app.flow.handle(Done("A123", "C123"))
    assert pump_until(lambda: root.current == "rating", 10)
    rating = root.get_screen("rating")
    settle(app)
    # 10: the staff card on the rating screen (the prompt says 我的服务).
    assert rating.ids.staff_badge.ids.staff_name.text == "欧阳慧敏"
    assert "20481024" in rating.ids.staff_badge.ids.staff_label.text
    check(app, screenshot, root, dims, f"rating_{tag}")

    tap(rating.ids.level_1)
    assert pump_until(lambda: root.current == "reasons", 10)
    reasons = root.get_screen("reasons")
    tap(reasons.toggles["notification"])
    tap(reasons.toggles["multiple_trips"])
    check(app, screenshot, root, dims, f"reasons_{tag}")
    tap(reasons.ids.submit)
    assert pump_until(lambda: root.current == "thanks", 10)
    thanks = root.get_screen("thanks")
    assert thanks.ids.followup_label.text, "a 差评 is followed up: the thanks screen says so"
    check(app, screenshot, root, dims, f"thanks_bad_{tag}")

    clock = app.flow.clock
    app.flow.clock = lambda: clock() + 31  # the thanks screen's time is up
    assert pump_until(lambda: root.current == "idle", 10)
    app.flow.clock = clock
    # 7: the case ended: its call left the strip, and a rated case leaves no QR code.
    assert idle.ids.calling_label.text in ("欢迎光临", "Welcome") and idle.ids.qr.data == ""
    app.flow.staff_action(StaffAction.EVALUATE)
    settle(app)
    assert idle.ids.calling_label.text in ("当前没有正在办理的号，无法评价",
                                            "No ticket is being served: nothing to rate")
    check(app, screenshot, root, dims, f"idle_notice_{tag}")

    app.flow.handle(Call("A124"))
    app.flow.handle(Pause())
    settle(app)
    assert idle.ids.content.opacity == 0 and idle.ids.content.disabled
    check(app, screenshot, root, dims, f"paused_{tag}")
    app.flow.staff_action(StaffAction.RESUME)

    app.open_tech_menu()
    menu = app.tech_menu
    settle(app)
    check(app, screenshot, menu, dims, f"tech_pin_{tag}")
    keys = [k for k in menu.ids.pin_pad.children]
    for key in keys:  # 11: never slivers, whatever the orientation
        assert 0.5 <= key.width / key.height <= 2.5, (key.text, key.size)
    menu.gate.check = lambda pin: True
    menu.enter()
    menu.test_link()
    check(app, screenshot, menu, dims, f"tech_status_{tag}")
    menu.dismiss(animation=False)
    settle(app)

    # Issue 27 item 2: the keypad's 工号 prompt in the call strip, and the sign-in screen's
    # two steps with its longest messages.
    from kiosk.signin import LOCKED, QUEUE_HOLDS, TYPING
    from kiosk.ui.signin_view import say

    app.flow.tell(TYPING, 30, digits="2048102420481024")
    check(app, screenshot, root, dims, f"idle_keypad_signin_{tag}")
    app.open_signin()
    view = app.signin_view
    view.say(say(QUEUE_HOLDS, (("staff_id", "20481024"),)), "error")
    check(app, screenshot, view, dims, f"signin_roster_{tag}")
    assert view.ids.sign_out.text and view.ids.roster.children
    view.pick("20481024", "欧阳慧敏")
    view.pin = "123456"
    view.say(say(LOCKED, (("seconds", 60),)), "error")
    check(app, screenshot, view, dims, f"signin_pin_{tag}")
    for key in view.ids.pin_pad.children:  # never slivers, whatever the orientation
        assert 0.5 <= key.width / key.height <= 2.5, (key.text, key.size)
    view.dismiss(animation=False)
    settle(app)


def test_paused_screen_is_opaque_and_hides_call_photo_qr_and_next(kiosk_app, tap):
    app = kiosk_app(ui=Ui(staff_strip=True, qr_url_pattern=PATTERN), files={
        "device-config.json": SITE})
    idle = app.root.get_screen("idle")
    app.flow.timing.rating_s = 0.2
    app.flow.handle(Done("A122", "C122"))
    assert pump_until(lambda: app.root.current == "idle" and idle.ids.qr.data, 10)
    app.flow.handle(Login("20481024"))
    app.flow.handle(Call("A123"))
    app.flow.handle(Pause())
    settle(app, 0.3)
    w, _h, px = pixels(app.root)
    bg = (0.55, 0.09, 0.09)
    for wid in (idle.ids.calling_label, idle.ids.qr, idle.ids.staff_photo, idle.ids.next_button):
        x0, y0 = wid.to_window(wid.x, wid.y)
        for fx in (0.1, 0.3, 0.5, 0.7, 0.9):
            for fy in (0.2, 0.5, 0.8):
                x, y = int(x0 + wid.width * fx), int(y0 + wid.height * fy)
                r, g, b = (c / 255 for c in px[(y * w + x) * 4:(y * w + x) * 4 + 3])
                t = (r - bg[0]) / (1 - bg[0])  # the paused screen: its red, white text, blends
                assert abs(g - (bg[1] + t * (1 - bg[1]))) < 0.08, (wid, (x, y), (r, g, b))
                assert abs(b - (bg[2] + t * (1 - bg[2]))) < 0.08, (wid, (x, y), (r, g, b))
    pressed = []
    app.flow.press_next = lambda: pressed.append(True)
    tap(idle.ids.next_button)
    assert pressed == [], "下一位 is hidden and takes no tap while paused"


def test_face_cards_reach_wcag_aa_and_labels_read_at_one_metre(kiosk_app):
    app = kiosk_app()
    app.flow.handle(Done("A023", "C1"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    settle(app)
    dpi = app.cfg.ui.dpi
    for button in app.root.get_screen("rating").buttons():
        label = button.children[0]
        ratio = contrast(label.color, LEVEL_COLORS[button.level])
        assert ratio >= 4.5, (label.text, round(ratio, 2))  # AA for any size, not only large
        assert px_to_mm(label.font_size, dpi) >= LABEL_MM, (label.text, label.font_size)
    # 非常满意 and 满意 differ at a glance: inside the rim (eyes and mouth), most of the inked
    # pixels of one face are blank in the other.
    faces = {b.level: b.children[1] for b in app.root.get_screen("rating").buttons()}
    (w5, h5, p5), (w4, h4, p4) = pixels(faces[5]), pixels(faces[4])
    assert (w5, h5) == (w4, h4)
    r = min(w5, h5) / 2 * 0.85
    inside = [(y * w5 + x) * 4 for y in range(h5) for x in range(w5)
              if (x - w5 / 2) ** 2 + (y - h5 / 2) ** 2 < r * r]

    def dark(p, i):
        return p[i + 3] > 128 and sum(p[i:i + 3]) < 3 * 140

    differ = sum(dark(p5, i) != dark(p4, i) for i in inside)
    inked = sum(dark(p5, i) or dark(p4, i) for i in inside)
    assert inked and differ / inked > 0.5, differ / inked


def test_chosen_reason_shows_a_tick_and_skip_does_not_look_disabled(kiosk_app, tap):
    app = kiosk_app()
    app.flow.handle(Done("A023", "C1"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    tap(app.root.get_screen("rating").ids.level_2)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    reasons = app.root.get_screen("reasons")
    up, down = reasons.toggles["attitude"], reasons.toggles["efficiency"]
    tap(down)
    settle(app)

    def box_grey(toggle):  # the tick box, in grey levels only: colour alone would not show
        w, h, px = pixels(toggle)
        u = app.u
        out = []
        for y in range(int(h / 2 - 10 * u), int(h / 2 + 10 * u)):
            for x in range(int(15 * u), int(36 * u)):
                r, g, b = px[(y * w + x) * 4:(y * w + x) * 4 + 3]
                out.append(0.299 * r + 0.587 * g + 0.114 * b)
        return out

    changed = sum(abs(a - b) > 60 for a, b in zip(box_grey(up), box_grey(down)))
    assert changed > 40, "a chosen reason shows a tick mark, seen even without colour"
    skip = reasons.ids.skip
    assert not skip.disabled and skip.outline
    assert contrast(skip.color, (1, 1, 1, 1)) >= 4.5, "跳过 reads as a live button"


def test_tech_menu_success_green_local_time_and_confirmed_exit(kiosk_app, tap, pin_hash):
    from kiosk.ui.tech_menu import local_time

    app = kiosk_app(technician=Technician(pin_hash=pin_hash))
    app.open_tech_menu()
    menu = app.tech_menu
    settle(app)
    for key in ("test_link", "replay_voice", "exit_button"):
        button = menu.ids[key]
        assert button.disabled and button.opacity == 1
        assert contrast(button.color, (0.86, 0.87, 0.89, 1)) >= 4.5, "disabled but readable"
    menu.gate.check = lambda pin: True
    menu.enter()
    menu.replay_voice()
    assert menu.message_kind == ("ok" if not app.voice.off_reason else "error")
    green = menu.ids.message.color
    if menu.message_kind == "ok":
        assert green[1] > green[0] * 2, "success is green"
    assert local_time("2026-11-24T15:57:36.098Z") != "2026-11-24T15:57:36.098Z"
    assert "Z" not in local_time("2026-11-24T15:57:36.098Z")
    assert "T" not in menu.status_text.split("上次同步")[-1].split("\n")[0]
    menu.dismiss(animation=False)
