"""Issue 27 item 2: who is serving, on every bus. A kiosk on a real pty (caller68 host, or a line
host), its staff keypad through a FIFO: a 工号 typed after 签到 and 确认 signs the clerk in,
and the caller68 rating carries it; a queue LOGIN wins over a kiosk sign-in and its LOGOUT
signs out; the clerk signs out on 签退, on pause (when the hall wants) and at the day's end;
every sign-in and sign-out is a service event with its cause."""
import json
import os
from datetime import datetime

import pytest

from drivers.events import Login, Logout, Pause, StaffAction
from drivers.keypad_codec import key_press
from drivers.sim.session import SimSession
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services
from sync.wire.pin_hash import hash_pin
from tests.kiosk.test_services import pump_until

PIN = "4711"


@pytest.fixture(scope="module")
def roster():
    return json.dumps({"etag": "1", "config": {"staff": [
        {"staff_id": "1024", "name": "张敏", "stars": 5, "pin_hash": hash_pin(PIN)},
        {"staff_id": "2048", "name": "李强", "stars": 4}]}}, ensure_ascii=False)


def cfg_for(tmp_path, dialect, url, keypad="", signin=""):
    return config.parse(
        f'[device]\nid = "dev-5"\ndata_dir = "{tmp_path}"\n[window]\nnumber = 5\n'
        f'[queue]\nurl = "{url}"\ndialect = "{dialect}"\naddress = 5\n'
        f'[keypad]\ndevice = "{keypad}"\n[signin]\n{signin}\n')


class Events:
    """Watches the kiosk outbox's Store.record_event: the staff events it is asked to record
    (each still recorded in the outbox as the kiosk would)."""

    def __init__(self, record):
        self.record = record
        self.seen = []

    def __call__(self, kind, **fields):
        if kind in ("staff_in", "staff_out"):
            self.seen.append((kind, fields.get("staff_id"), fields.get("cause")))
        return self.record(kind, **fields)


@pytest.fixture
def kiosk(tmp_path, roster):
    """start(dialect, signin_toml) -> (simulated host, services, keypad writer fd, events)."""
    running = []

    def start(dialect="caller68", signin=""):
        (tmp_path / "device-config.json").write_text(roster, encoding="utf-8")
        keypad = tmp_path / "keypad"
        os.mkfifo(keypad)
        sim = SimSession(dialect, addresses=[5], window=5).start()
        services = Services(cfg_for(tmp_path, dialect, sim.port_paths[0], str(keypad), signin))
        events = Events(services.store.record_event)
        services.store.record_event = events
        services.start()
        running.append((sim, services))
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        writer = os.open(keypad, os.O_WRONLY)  # once the keypad reader has it open
        running[-1] += (writer,)
        return sim, services, writer, events

    yield start
    for sim, services, *writer in running:
        services.stop()
        sim.stop()
        for fd in writer:
            os.close(fd)


def type_keys(writer, *names):
    os.write(writer, b"".join(key_press(n) for n in names))


def keypad_sign_in(services, writer, staff_id):
    type_keys(writer, "KEY_NUMLOCK", *[f"KEY_KP{d}" for d in staff_id], "KEY_KPENTER")
    pump_until(services, lambda: services.flow.state.staff_id == staff_id)


def rate(services, level=5):
    assert services.flow.staff_action(StaffAction.EVALUATE)
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(level)


def test_caller68_rating_carries_the_worker_signed_in_on_the_keypad(kiosk):
    sim, services, writer, events = kiosk("caller68")
    host = sim.sim
    assert services.flow.state.staff_id is None              # caller68 never says who
    # 签到, 1 0 2 4 (7, 8 and 9 are 弃号/挂起/回呼 keys: typing, they are digits only), 确认
    keypad_sign_in(services, writer, "1024")
    assert services.flow.state.signed_by == "keypad"
    host.show_ticket(12)
    pump_until(services, lambda: services.flow.state.calling == "012")
    type_keys(writer, "KEY_KPMINUS")                          # 评价 on the keypad
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(4)
    assert [(r["ticket"], r["level"], r["staff_id"]) for r in services.store.all()] == [
        ("012", 4, "1024")]
    # The host heard 评价 only: no digit of the 工号 went to the bus as a key.
    heard = []
    pump_until(services, lambda: (heard.extend(iter_queue(host.received)) or len(heard) >= 1))
    assert heard == [StaffAction.EVALUATE]
    type_keys(writer, "KEY_BACKSPACE")                        # 签退
    pump_until(services, lambda: services.flow.state.staff_id is None)
    host.show_ticket(13)
    pump_until(services, lambda: services.flow.state.calling == "013")
    rate(services, 5)
    assert [r["staff_id"] for r in services.store.all()] == ["1024", None]
    assert events.seen == [("staff_in", "1024", "keypad"), ("staff_out", "1024", "key")]


def iter_queue(q):
    while not q.empty():
        yield q.get()


def test_a_worker_not_on_the_roster_is_refused_and_told(kiosk):
    _sim, services, writer, events = kiosk("caller68")
    type_keys(writer, "KEY_NUMLOCK", "KEY_KP9", "KEY_KP9", "KEY_KPENTER")
    pump_until(services, lambda: services.flow.state.notice_args == (("staff_id", "99"),))
    assert services.flow.state.staff_id is None and events.seen == []
    # 签到 then 确认 with no digits signs out; 签到, digits, then a staff key: typing ends and
    # the key does what it always does.
    keypad_sign_in(services, writer, "2048")
    type_keys(writer, "KEY_NUMLOCK", "KEY_KPENTER")
    pump_until(services, lambda: services.flow.state.staff_id is None)
    type_keys(writer, "KEY_NUMLOCK", "KEY_KP1", "KEY_KPASTERISK")  # 暂停
    pump_until(services, lambda: services.flow.state.paused)
    assert services.signin.typing is None and services.flow.state.staff_id is None


def test_a_queue_login_wins_and_its_logout_signs_out(kiosk):
    sim, services, writer, events = kiosk("line")
    assert services.signin.try_pin("1024", PIN).ok              # the kiosk's own sign-in
    sim.send(Login("7001"))                                     # the queue system's login
    pump_until(services, lambda: services.flow.state.staff_id == "7001")
    assert services.flow.state.signed_by == "queue"
    # While the queue's login holds, the kiosk can neither sign someone else in nor out.
    answer = services.signin.try_pin("1024", PIN)
    assert not answer.ok and answer.args == (("staff_id", "7001"),)
    type_keys(writer, "KEY_BACKSPACE")
    keypad_attempt = ("KEY_NUMLOCK", "KEY_KP2", "KEY_KP0", "KEY_KP4", "KEY_KP8", "KEY_KPENTER")
    type_keys(writer, *keypad_attempt)
    pump_until(services, lambda: services.signin.typing is None
               and services.flow.state.notice_args == (("staff_id", "7001"),))
    assert services.flow.state.staff_id == "7001"
    sim.sim.send_call("A001")
    sim.sim.send_done("A001")
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(5)
    sim.send(Logout())
    pump_until(services, lambda: services.flow.state.staff_id is None)
    sim.sim.send_call("A002")
    sim.sim.send_done("A002")
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(5)
    assert [r["staff_id"] for r in services.store.all()] == ["7001", None]
    assert events.seen == [("staff_in", "1024", "pin"), ("staff_out", "1024", "replaced"),
                           ("staff_in", "7001", "queue"), ("staff_out", "7001", "queue")]


def test_pausing_signs_out_when_the_hall_wants_it(kiosk):
    sim, services, writer, events = kiosk("line", "sign_out_on_pause = true")
    keypad_sign_in(services, writer, "1024")
    type_keys(writer, "KEY_KPASTERISK")                          # 暂停 on the keypad
    pump_until(services, lambda: services.flow.state.staff_id is None)
    keypad_sign_in(services, writer, "2048")
    sim.send(Pause())                                            # the queue system's pause
    pump_until(services, lambda: services.flow.state.staff_id is None)
    assert events.seen[1] == ("staff_out", "1024", "pause")
    assert events.seen[3] == ("staff_out", "2048", "pause")


def test_pausing_keeps_the_worker_by_default(kiosk):
    sim, services, writer, _events = kiosk("line")
    keypad_sign_in(services, writer, "1024")
    sim.send(Pause())
    pump_until(services, lambda: services.flow.state.paused)
    assert services.flow.state.staff_id == "1024"


def test_the_day_end_signs_out(kiosk):
    _sim, services, writer, events = kiosk("caller68", 'day_end = "18:30"')
    now = [datetime(2026, 12, 7, 17, 0)]
    services.signin.now = lambda: now[0]
    keypad_sign_in(services, writer, "1024")
    services.pump()
    now[0] = datetime(2026, 12, 7, 18, 29, 59)
    services.pump()
    assert services.flow.state.staff_id == "1024"
    now[0] = datetime(2026, 12, 7, 18, 30)
    pump_until(services, lambda: services.flow.state.staff_id is None)
    # Overtime after the day's end lasts until local midnight.
    keypad_sign_in(services, writer, "2048")
    now[0] = datetime(2026, 12, 7, 23, 59)
    services.pump()
    assert services.flow.state.staff_id == "2048"
    now[0] = datetime(2026, 12, 8, 0, 0, 1)
    pump_until(services, lambda: services.flow.state.staff_id is None)
    assert [e for e in events.seen if e[0] == "staff_out"] == [
        ("staff_out", "1024", "day_end"), ("staff_out", "2048", "day_end")]


def test_wrong_pins_are_throttled(kiosk):
    _sim, services, _writer, events = kiosk("caller68")
    clock = [100.0]
    services.signin.clock = lambda: clock[0]
    for left in (4, 3, 2, 1):
        answer = services.signin.try_pin("1024", "0000")
        assert not answer.ok and answer.args == (("left", left),)
    answer = services.signin.try_pin("1024", "0000")
    assert answer.args == (("seconds", 60),)
    clock[0] += 59
    answer = services.signin.try_pin("1024", PIN)                  # right, but locked
    assert not answer.ok and answer.args == (("seconds", 1),)
    clock[0] += 1
    assert services.signin.try_pin("1024", PIN).ok
    assert services.flow.state.staff_id == "1024" and events.seen == [
        ("staff_in", "1024", "pin")]
    # Nobody without a PIN set signs in by PIN; a PIN is 4 to 6 digits.
    assert not services.signin.try_pin("2048", "1234").ok
    assert not services.signin.try_pin("1024", "47110000").ok


def test_no_pin_or_worker_number_reaches_the_log(kiosk, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    _sim, services, writer, _events = kiosk("caller68")
    services.signin.try_pin("1024", "9753")
    services.signin.try_pin("1024", PIN)
    type_keys(writer, "KEY_NUMLOCK", "KEY_KP8", "KEY_KP6", "KEY_KP4", "KEY_KP2")
    pump_until(services, lambda: services.signin.typing == "8642")
    assert "9753" not in caplog.text and PIN not in caplog.text and "8642" not in caplog.text


def test_a_clean_stop_signs_out(tmp_path, roster):
    (tmp_path / "device-config.json").write_text(roster, encoding="utf-8")
    services = Services(cfg_for(tmp_path, "caller68", ""))
    events = Events(services.store.record_event)
    services.store.record_event = events
    assert services.signin.try_pin("1024", PIN).ok
    services.stop()
    assert events.seen == [("staff_in", "1024", "pin"), ("staff_out", "1024", "app_stop")]


@pytest.mark.parametrize("value", ['"25:00"', '"8:00"', '"noon"'])
def test_a_bad_day_end_is_a_clear_config_error(tmp_path, value):
    with pytest.raises(config.ConfigError, match="day_end"):
        cfg_for(tmp_path, "caller68", "", signin=f"day_end = {value}")
