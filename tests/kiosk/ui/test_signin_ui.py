"""Issue 27 item 2 on the screen: a kiosk on a caller68 bus (real pty, simulated host) under
Xvfb. The clerk taps the staff card, picks themself, types a wrong PIN (told how many tries are
left), five wrong (told to wait), then the right one after the wait; the idle card shows them
and the next caller68 rating carries their 工号. 签退 on the same screen signs them out."""
from __future__ import annotations

import json

import pytest

from drivers.events import StaffAction
from drivers.sim.session import SimSession
from kiosk.config import Queue
from kiosk.flow import Mode
from kiosk.ui.app import pump_until
from sync.wire.pin_hash import hash_pin
from tests.kiosk.conftest import FakeClock, kiosk_config

PIN = "802461"


@pytest.fixture
def bus_kiosk(display, tmp_path):
    """A KioskApp on a caller68 pty (window 5, bus address 5) with a roster with PINs."""
    from kivy.app import App
    from kivy.core.window import Window as KivyWindow

    from kiosk.ui.app import embedded

    sim = SimSession("caller68", addresses=[5]).start()
    data = tmp_path / "kiosk"
    data.mkdir()
    (data / "device-config.json").write_text(json.dumps({"etag": "1", "config": {"staff": [
        {"staff_id": "1024", "name": "张敏", "stars": 5, "pin_hash": hash_pin(PIN)},
        {"staff_id": "2048", "name": "李强", "stars": 4}]}}, ensure_ascii=False),
        encoding="utf-8")
    cfg = kiosk_config(data)
    cfg.queue = Queue(url=sim.port_paths[0], dialect="caller68", address=5)
    app = embedded(cfg)
    app.ui_clock = FakeClock()
    KivyWindow.size = (800, 480)
    assert pump_until(lambda: app.flow.state.link.value == "connected"
                      and app.root.current == "idle", 10)
    yield app, sim.sim
    App.get_running_app().stop_services()
    sim.stop()


def enter_pin(view, tap, pin):
    keys = {k.text: k for k in view.ids.pin_pad.children}
    for digit in pin:
        tap(keys[digit])
    tap(view.ids.enter)


def test_pin_sign_in_on_the_screen_then_a_caller68_rating_carries_the_worker(
        bus_kiosk, tap, screenshot):
    app, host = bus_kiosk
    idle = app.root.idle
    clock = FakeClock()
    app.services.signin.clock = clock
    assert idle.ids.staff_label.text == "未登录"
    tap(idle.ids.staff_card)
    view = app.signin_view
    assert view is not None and view.step == "pick"
    pump_until(timeout=0.2)
    screenshot(app, "roster")
    buttons = {b.text: b for b in view.ids.roster.children}
    assert set(buttons) == {"张敏  1024", "李强  2048"}
    tap(buttons["张敏  1024"])
    assert view.step == "pin"
    enter_pin(view, tap, "000000")
    assert view.message == "密码错误：还可再试 4 次"
    pump_until(timeout=0.2)
    screenshot(app, "wrong_pin")
    for _ in range(4):
        enter_pin(view, tap, "135790")
    assert view.message == "密码错误次数过多：请 60 秒后再试"
    enter_pin(view, tap, PIN)                              # right, but still locked
    assert view.message.startswith("密码错误次数过多") and app.flow.state.staff_id is None
    pump_until(timeout=0.2)
    screenshot(app, "locked")
    clock.advance(60)
    enter_pin(view, tap, PIN)
    assert view.message == "已签到：1024" and app.flow.state.staff_id == "1024"
    assert pump_until(lambda: app.signin_view is None, 10)  # the screen closes itself
    assert idle.ids.staff_name.text == "张敏" and "1024" in idle.ids.staff_label.text
    assert idle.ids.staff_stars.text == "★★★★★"
    pump_until(timeout=0.2)
    screenshot(app, "signed_in")

    host.show_ticket(31)
    assert pump_until(lambda: app.flow.state.calling == "031", 10)
    assert app.flow.staff_action(StaffAction.EVALUATE)
    assert pump_until(lambda: app.root.current == "rating", 10)
    tap(app.root.rating.ids.level_5)
    assert pump_until(lambda: app.flow.state.mode is not Mode.RATING, 10)
    assert [(r["ticket"], r["level"], r["staff_id"]) for r in app.store.all()] == [
        ("031", 5, "1024")]

    # 签退 on the same screen; the card says 未登录 again.
    app.flow.clock = (lambda base: (lambda: base() + 60))(app.flow.clock)  # thanks is over
    assert pump_until(lambda: app.root.current == "idle", 10)
    tap(idle.ids.staff_card)
    view = app.signin_view
    pump_until(timeout=0.2)  # laid out
    assert view.ids.sign_out.text == "签退 1024"
    screenshot(app, "sign_out")
    tap(view.ids.sign_out)
    assert app.flow.state.staff_id is None
    assert pump_until(lambda: app.signin_view is None, 10)
    assert idle.ids.staff_label.text == "未登录"


def test_a_case_coming_closes_the_sign_in_screen(bus_kiosk, tap):
    app, host = bus_kiosk
    tap(app.root.idle.ids.staff_card)
    assert app.signin_view is not None
    host.show_ticket(32)
    assert pump_until(lambda: app.flow.state.calling == "032", 10)
    app.flow.staff_action(StaffAction.EVALUATE)
    assert pump_until(lambda: app.root.current == "rating" and app.signin_view is None, 10)
