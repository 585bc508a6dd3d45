"""The kiosk's parts wired from config, without a screen: every dialect against its simulator
over a real pty, and the staff keypad through a FIFO, all the way to a stored rating."""
import os
import time

import pytest

from drivers import frame_codec as fc
from drivers.events import Call, Done
from drivers.keypad_codec import key_press
from drivers.sim.session import SimSession
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services
from tests.waiting import wait_for


def make_cfg(tmp_path, dialect, url, keypad=""):
    text = (f'[device]\nid = "dev-5"\ndata_dir = "{tmp_path}"\n[window]\nnumber = 5\n'
            f'[queue]\nurl = "{url}"\ndialect = "{dialect}"\naddress = 5\n'
            f'[keypad]\ndevice = "{keypad}"\n')
    return config.parse(text)


def pump_until(services, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.pump()
        if predicate():
            return True
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


@pytest.fixture
def running():
    started = []

    def start(cfg):
        services = Services(cfg)
        services.start()
        started.append(services)
        return services

    yield start
    for s in started:
        s.stop()


@pytest.mark.parametrize("dialect", ["line", "frame"])
def test_done_from_the_queue_system_ends_as_a_stored_rating(tmp_path, running, dialect):
    sim = SimSession(dialect, window=5, addresses=[5], poll_s=0.05).start()
    try:
        services = running(make_cfg(tmp_path, dialect, sim.port_paths[0]))
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        sim.send(Done("A023", "C1", "11410000"))
        pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
        services.flow.tap_level(4)
        [row] = services.store.all()
        assert (row["ticket"], row["level"], row["case_id"]) == ("A023", 4, "C1")
        heard = sim.heard.get(timeout=5)
        assert "A023" in heard and "4" in heard
    finally:
        sim.stop()


def test_frame_kiosk_only_answers_its_own_address(tmp_path, running):
    sim = SimSession("frame", addresses=[4, 5], poll_s=0.05).start()
    try:
        services = running(make_cfg(tmp_path, "frame", sim.port_paths[1]))
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        assert sim.sim.send(4, Call("X1")) is None  # nobody at address 4 on this bus
        assert sim.sim.send(5, Call("X2")) == fc.Frame(5, fc.ACK)
        pump_until(services, lambda: services.flow.state.calling == "X2")
    finally:
        sim.stop()


def test_caller68_evaluate_key_on_the_keypad_rates_the_displayed_ticket(tmp_path, running):
    keypad = tmp_path / "keypad"
    os.mkfifo(keypad)
    sim = SimSession("caller68", addresses=[5]).start()
    try:
        services = running(make_cfg(tmp_path, "caller68", sim.port_paths[0], str(keypad)))
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        writer = os.open(keypad, os.O_WRONLY)  # opens once the keypad reader has it open
        os.write(writer, key_press("KEY_KPENTER"))  # 呼叫: the host calls and displays 001
        pump_until(services, lambda: services.flow.state.calling == "001")
        os.write(writer, key_press("KEY_KPMINUS"))  # 评价
        pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
        services.flow.tap_level(5)
        assert [(r["ticket"], r["level"]) for r in services.store.all()] == [("001", 5)]
        heard = []

        def both_keys():  # the 评价 key may still be on its way to the host
            sim.poll_caller_keys()
            while not sim.heard.empty():
                heard.append(sim.heard.get())
            return len(heard) >= 2

        wait_for(both_keys, timeout=10)
        assert heard == ["key next", "key evaluate"]
        os.close(writer)
    finally:
        sim.stop()


def test_evaluate_key_with_nothing_served_does_not_ask_for_a_rating(tmp_path, running):
    keypad = tmp_path / "keypad"
    os.mkfifo(keypad)
    services = running(make_cfg(tmp_path, "line", "", str(keypad)))
    writer = os.open(keypad, os.O_WRONLY)
    os.write(writer, key_press("KEY_KPMINUS") + key_press("KEY_KPASTERISK"))
    pump_until(services, lambda: services.flow.state.paused)
    assert services.flow.state.mode is Mode.IDLE and services.store.count() == 0
    os.close(writer)


class BrokenCall(Call):
    """An event whose handling raises, standing in for any bug in a handler."""

    @property
    def ticket(self):
        raise RuntimeError("handler bug")


def test_an_event_that_breaks_the_flow_is_logged_and_the_pump_goes_on(tmp_path, running, caplog):
    services = running(make_cfg(tmp_path, "line", ""))
    services.link.events.put(BrokenCall.__new__(BrokenCall))
    services.link.events.put(Call("Z1"))
    services.pump()
    assert services.flow.state.calling == "Z1"
    assert "handling" in caplog.text and "handler bug" in caplog.text


def test_services_tell_systemd_ready_and_alive(tmp_path, running, monkeypatch):
    import socket

    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    services = running(make_cfg(tmp_path, "line", ""))
    assert sock.recv(100).startswith(b"READY=1")
    services.pump()
    assert sock.recv(100) == b"WATCHDOG=1"
    sock.close()


def test_an_enrolled_kiosk_uploads_with_its_token_and_beats_its_heart(tmp_path, running):
    """Enrol against a real server that requires tokens, then rate: the rating arrives and the
    server knows the device's last heartbeat."""
    from server.api.enrol import create_code
    from server.runner import ServerThread
    from sync.enrol import enrol

    server = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    try:
        code = create_code(server.store, "hall-1", window=5, ttl_hours=1).code
        cfg = make_cfg(tmp_path, "line", "")
        cfg.server.url = server.url
        cfg.server.heartbeat_s = 10
        creds = enrol(server.url, code, token_file=cfg.token_path)
        assert oct(cfg.token_path.stat().st_mode & 0o777) == "0o600"
        cfg.device.id = creds.device_id
        services = running(cfg)
        services.flow.handle(Done("A1"))
        services.flow.tap_level(5)
        services.uploader.wake()
        pump_until(services, lambda: server.store.list_ratings(10, 0)[0], timeout=10)
        rows, total = server.store.list_ratings(10, 0)
        assert [r["ticket"] for r in rows] == ["A1"] and total == 1
        pump_until(services, lambda: server.store.list_devices()[0]["heartbeat"], timeout=10)
        [device] = server.store.list_devices()
        assert device["device_id"] == creds.device_id
        assert device["heartbeat"]["backlog"] in (0, 1) and device["heartbeat"]["link_state"]
    finally:
        server.stop()
