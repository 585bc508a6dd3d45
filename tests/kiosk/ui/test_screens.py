"""The kiosk's screens in a real Kivy window: what they show and what taps do."""
from __future__ import annotations

import math

from drivers.events import Call, Done, Login, Logout, Pause, Resume
from kiosk.ui.app import pump_until


def rate(app, ticket="A023", case_id="C1"):
    app.flow.handle(Done(ticket, case_id, "11410000"))
    assert pump_until(lambda: app.root.current == "rating", 10)


def test_idle_shows_window_staff_call_and_pause(kiosk_app, screenshot):
    app = kiosk_app()
    idle = app.root.get_screen("idle").ids
    assert idle.window_label.text == "5 号窗口"
    assert idle.window_name_label.text == "综合受理"
    assert idle.hall_label.text == "市民服务中心"
    assert idle.staff_label.text == "未登录"
    assert idle.paused_screen.opacity == 0

    app.flow.handle(Login("1024"))
    app.flow.handle(Call("A023"))
    app.flow.handle(Pause())
    pump_until(timeout=0.2)
    assert idle.staff_label.text == "工号 1024"
    assert idle.calling_label.text == "请 A023 号到 5 号窗口办理"
    assert idle.paused_screen.opacity == 1 and idle.paused_banner.text == "暂停服务"
    screenshot(app, "idle_paused_800x480")

    app.flow.handle(Resume())
    app.flow.handle(Logout())
    pump_until(timeout=0.2)
    assert idle.paused_screen.opacity == 0
    assert idle.staff_label.text == "未登录"


def test_rating_buttons_in_order_with_labels(kiosk_app, screenshot):
    app = kiosk_app(size=(1280, 800))
    rate(app)
    screenshot(app, "rating_zh_1280x800")
    ids = app.root.get_screen("rating").ids
    buttons = [ids[f"level_{n}"] for n in (5, 4, 3, 2, 1)]
    assert [b.text for b in buttons] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [b.name for b in buttons] == ["level_5", "level_4", "level_3", "level_2", "level_1"]
    xs = [b.x for b in buttons]
    assert xs == sorted(xs), "非常满意 on the left, 非常不满意 on the right"
    assert all(b.width > 100 and b.height > 150 for b in buttons), "big enough to hit"


def test_bad_review_asks_reasons_and_stores_two(kiosk_app, tap, screenshot):
    app = kiosk_app()
    rate(app)
    tap(app.root.get_screen("rating").ids.level_2)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    reasons = app.root.get_screen("reasons")
    assert [t.text for t in reasons.toggles.values()] == [
        "服务态度差", "办事效率低", "业务不熟练", "一次性告知不到位", "多次跑腿", "其他"]
    tap(reasons.toggles["attitude"])
    tap(reasons.toggles["multiple_trips"])
    assert reasons.chosen() == ["attitude", "multiple_trips"]
    screenshot(app, "reasons_800x480")
    assert reasons.ids.submit.text == "提交"
    tap(reasons.ids.submit)
    assert pump_until(lambda: app.root.current == "thanks", 10)
    assert app.root.get_screen("thanks").ids.thanks_label.text == "感谢您的评价"
    [row] = app.flow.store.all()
    assert row["level"] == 2
    assert row["reasons"] == ["attitude", "multiple_trips"]
    assert row["ticket"] == "A023"


def test_skip_stores_bad_review_without_reasons_and_fresh_toggles(kiosk_app, tap):
    app = kiosk_app()
    rate(app, "A024", "C2")
    tap(app.root.get_screen("rating").ids.level_1)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    reasons = app.root.get_screen("reasons")
    assert reasons.chosen() == []
    tap(reasons.toggles["other"])
    assert reasons.ids.skip.text == "跳过"
    tap(reasons.ids.skip)
    assert pump_until(lambda: app.root.current == "thanks", 10)
    [row] = app.flow.store.all()
    assert (row["level"], row["reasons"]) == (1, [])


def test_countdown_shows_remaining_seconds(kiosk_app):
    from tests.kiosk.conftest import FakeClock

    app = kiosk_app(timeout_s=20)
    app.flow.clock = clock = FakeClock()  # the flow's time, so a busy machine cannot skip a second
    rate(app)
    label = app.root.get_screen("rating").ids.countdown
    assert pump_until(lambda: label.text == "20 秒", 10), label.text
    clock.advance(1.3)
    assert pump_until(lambda: label.text == "19 秒", 10), label.text
    assert label.text == f"{math.ceil(app.flow.remaining())} 秒"


def test_rating_times_out_to_idle(kiosk_app):
    app = kiosk_app(timeout_s=0.5)  # below the config file's minimum, fine for a test
    rate(app)
    assert pump_until(lambda: app.root.current == "idle", 10)
    [row] = app.flow.store.all()
    assert row["level"] == 0


def test_english_labels(kiosk_app, tap, screenshot):
    app = kiosk_app(language="en", size=(1280, 800))
    idle = app.root.get_screen("idle").ids
    assert idle.window_label.text == "Window 5"
    assert idle.staff_label.text == "Not logged in"
    assert idle.next_button.text == "Next"
    rate(app)
    ids = app.root.get_screen("rating").ids
    assert [ids[f"level_{n}"].text for n in (5, 4, 3, 2, 1)] == [
        "Very satisfied", "Satisfied", "Basically satisfied", "Dissatisfied", "Very dissatisfied"]
    screenshot(app, "rating_en_1280x800")
    tap(ids.level_2)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    reasons = app.root.get_screen("reasons")
    assert reasons.toggles["attitude"].text == "Poor service attitude"
    assert (reasons.ids.submit.text, reasons.ids.skip.text) == ("Submit", "Skip")
