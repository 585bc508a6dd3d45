"""The technician menu: hidden gesture, PIN with lock-out (injected time), status, exit."""
from __future__ import annotations

import pytest

from kiosk.config import Technician
from kiosk.setup.common import hash_pin
from kiosk.ui.app import pump_until
from kiosk.ui.tech_menu import LOCKOUT_S, PinGate

PIN = "246810"


@pytest.fixture(scope="module")
def pin_hash():
    return hash_pin(PIN)


def hold_corner(app, seconds: float) -> None:
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(8, Window.height - 8)
    touch.touch_down()
    pump_until(timeout=0.05)
    app.ui_clock.advance(seconds)
    touch.touch_up()
    pump_until(timeout=0.1)


def enter(menu, tap, pin: str) -> None:
    keys = {k.text: k for k in menu.ids.pin_pad.children}
    for digit in pin:
        tap(keys[digit], after=1.0)
    tap(menu.ids.enter)


def test_pin_gate_locks_after_five_wrong_tries():
    now = [0.0]
    gate = PinGate("h", clock=lambda: now[0], verify=lambda pin, h: pin == "1234")
    for _ in range(4):
        assert not gate.check("0000")
    assert gate.locked_for() == 0
    assert not gate.check("0000")
    assert gate.locked_for() == LOCKOUT_S
    assert not gate.check("1234"), "locked: even the right PIN waits"
    now[0] += LOCKOUT_S
    assert gate.check("1234")
    assert not PinGate("", verify=lambda p, h: True).check("1234"), "no PIN set: no menu"


def test_short_press_does_not_open_the_menu(kiosk_app, pin_hash):
    app = kiosk_app(technician=Technician(pin_hash=pin_hash))
    hold_corner(app, 1.0)
    assert app.tech_menu is None


def test_menu_with_wrong_then_right_pin(kiosk_app, tap, screenshot, pin_hash):
    app = kiosk_app(technician=Technician(pin_hash=pin_hash))
    hold_corner(app, 3.2)
    menu = app.tech_menu
    assert menu is not None and not menu.unlocked
    assert menu.ids.exit_button.disabled and menu.ids.test_link.disabled
    screenshot(app, "pin_pad_800x480")
    enter(menu, tap, "1111")
    assert menu.message == "密码错误" and not menu.unlocked
    for _ in range(4):
        enter(menu, tap, "1111")
    assert menu.message.startswith("已锁定") and "60" in menu.message
    enter(menu, tap, PIN)
    assert not menu.unlocked, "locked out"
    app.ui_clock.advance(61)
    enter(menu, tap, PIN)
    assert menu.unlocked
    text = menu.status_text
    assert "test-kiosk" in text and "0.1.0" in text and "IP" in text and "待上传:  0" in text
    assert "叫号链路:  未接叫号系统" in text and "closed" not in text  # state in the UI language
    tap(menu.ids.test_link)
    assert "未发送任何数据" in menu.message and "未配置叫号系统" in menu.message
    tap(menu.ids.replay_voice)
    screenshot(app, "status_800x480")
    stopped = []
    app.stop = lambda *a: stopped.append(True)
    try:
        tap(menu.ids.exit_button)
        assert stopped == [] and menu.confirm_exit and menu.ids.exit_button.text == "再按一次退出"
        screenshot(app, "exit_confirm_800x480")
        tap(menu.ids.exit_button)
    finally:
        del app.stop
    assert stopped == [True]
    assert pump_until(lambda: app.tech_menu is None, 10)


def test_menu_in_english_without_a_pin_stays_locked(kiosk_app, tap, screenshot):
    app = kiosk_app(language="en", size=(1280, 800))
    hold_corner(app, 3.5)
    menu = app.tech_menu
    assert menu.message == "No technician PIN is set: run kiosk-setup init"
    enter(menu, tap, "0000")
    assert not menu.unlocked
    screenshot(app, "no_pin_en_1280x800")
    tap(menu.ids.close)
    assert pump_until(lambda: app.tech_menu is None, 10)
