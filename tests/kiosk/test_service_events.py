"""Service events (issue 27) from a kiosk driven over a pty by the line simulator to a real
server on loopback: what happens at the counter becomes rows of service_events, each once, with
corrected times, the enrolled device's hall, across a restart and a server outage."""
from datetime import datetime, timezone

import pytest

from drivers.events import Call, Done, Login, Logout, Pause, Recall, Resume, StaffAction
from drivers.sim.session import SimSession
from kiosk.flow import Mode
from kiosk.services import Services
from server.api.enrol import create_code
from server.db.events import list_events
from server.runner import ServerThread
from sync.enrol import enrol
from sync.outbox import Store
from tests.kiosk.test_services import make_cfg, pump_until


@pytest.fixture
def kiosk(tmp_path):
    """kiosk(server, enrolled=None, sim=None) -> (Services started against the server and
    enrolled for its window 5 (or as `enrolled`), speaking the line dialect over a simulator's
    pty, uploading promptly; the simulator; the enrolment). All stopped at teardown."""
    started, sims = [], []

    def start(server, enrolled=None, sim=None):
        if sim is None:
            sim = SimSession("line", window=5).start()
            sims.append(sim)
        cfg = make_cfg(tmp_path, "line", sim.port_paths[0])
        cfg.server.url = server.url
        if enrolled is None:
            enrolled = enrol(server.url, create_code(server.store, "hall-E", window=5).code,
                             token_file=cfg.token_path)
        cfg.device.id = enrolled.device_id
        services = Services(cfg)
        services.uploader.idle_poll_s = 0.2  # the service's 30 s batches events; tests wait less
        services.uploader.base_delay_s, services.uploader.max_delay_s = 0.05, 0.3
        services.start()
        started.append(services)
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        return services, sim, enrolled

    yield start
    for services in started:
        if services.store is not None:  # not stopped by the test itself
            services.stop()
    for sim in sims:
        sim.stop()


def kinds(server, device_id):
    return [e["kind"] for e in sorted(list_events(server.store, device_id),
                                      key=lambda e: (e["mono_s"], e["at"]))]


def test_a_morning_at_the_counter_reaches_the_server_as_events_once(tmp_path, kiosk):
    server = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    try:
        services, sim, dev = kiosk(server)
        for event in (Login("S-017"), Call("A001"), Recall("A001"), Call("A001")):
            sim.send(event)
        pump_until(services, lambda: services.flow.state.calling == "A001"
                   and services.flow.state.call_count >= 3)
        sim.send(Done("A001", "C-1"))
        pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
        services.flow.tap_level(5)
        sim.send(Pause())
        pump_until(services, lambda: services.flow.state.paused)
        sim.send(Pause())  # said twice: still one pause
        sim.send(Resume())
        pump_until(services, lambda: not services.flow.state.paused)
        services.flow.staff_action(StaffAction.PAUSE)  # the keypad's 暂停 too
        services.flow.staff_action(StaffAction.RESUME)
        sim.send(Login("S-020"))  # someone else takes the window
        pump_until(services, lambda: services.flow.state.staff_id == "S-020")
        sim.send(Logout())
        pump_until(services, lambda: services.flow.state.staff_id is None)
        expected = ["app_start", "link_up", "staff_in", "called", "completed", "paused",
                    "resumed", "paused", "resumed", "staff_out", "staff_in", "staff_out"]
        pump_until(services, lambda: len(list_events(server.store)) >= len(expected),
                   timeout=15)
        assert kinds(server, dev.device_id) == expected
        rows = sorted(list_events(server.store), key=lambda e: e["mono_s"])
        assert {(r["hall"], r["window"], r["device_id"]) for r in rows} == {
            ("hall-E", 5, dev.device_id)}
        staff = [(r["kind"], r["staff_id"], r["cause"]) for r in rows if r["staff_id"]]
        assert staff == [("staff_in", "S-017", "queue"), ("staff_out", "S-017", "replaced"),
                         ("staff_in", "S-020", "queue"), ("staff_out", "S-020", "queue")]
        done = next(r for r in rows if r["kind"] == "completed")
        assert (done["ticket"], done["case_id"]) == ("A001", "C-1")
        assert done["case_key"] == services.store.all()[0]["case_key"]
        now = datetime.now(timezone.utc)
        for row in rows:  # same boot: corrected from the monotonic clock, and trusted
            corrected = datetime.fromisoformat(row["corrected_at"].replace("Z", "+00:00"))
            assert row["time_trusted"] == 1 and 0 <= (now - corrected).total_seconds() < 60
        # the kiosk marks them sent once the server's answer is read, just after they are stored
        pump_until(services, lambda: services.store.events_backlog() == 0)
        assert services.store.events_backlog() == 0 and server.store.count() == 1
        # Nothing about a citizen and no level travelled: only the contract's columns.
        assert all(r.get("level") is None for r in rows)
    finally:
        server.stop()


def test_events_wait_out_a_server_outage_and_a_restart_and_arrive_once(tmp_path, kiosk):
    server = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    try:
        services, sim, dev = kiosk(server)
        pump_until(services, lambda: len(list_events(server.store)) >= 2, timeout=15)
        server.stop()  # the server goes away; the counter goes on
        sim.send(Login("S-017"))
        sim.send(Call("A002"))
        pump_until(services, lambda: services.flow.state.calling == "A002")
        sim.send(Done("A002"))
        pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
        services.flow.tap_level(4)
        pump_until(services, lambda: services.store.events_backlog() >= 3)
        # What the heartbeat and the technician menu report counts them (ratings apart).
        pump_until(services, lambda: services.status()["events_backlog"] >= 3, timeout=10)
        services.stop()  # the kiosk restarts while the server is still away
        assert services.store is None
        server = ServerThread(tmp_path / "server.db", open_ingest=False,
                              port=server.port).start()
        again, _sim, _dev = kiosk(server, enrolled=dev, sim=sim)
        expected = ["app_start", "link_up", "staff_in", "called", "completed", "staff_out",
                    "app_stop", "app_start", "link_up"]
        pump_until(again, lambda: len(list_events(server.store)) >= len(expected),
                   timeout=20)
        pump_until(again, lambda: again.store.events_backlog() == 0, timeout=10)
        assert kinds(server, dev.device_id) == expected
        out = next(e for e in list_events(server.store) if e["kind"] == "staff_out")
        assert out["cause"] == "app_stop" and out["staff_id"] == "S-017"
        assert len({e["uuid"] for e in list_events(server.store)}) == len(expected)
        assert server.store.count() == 1  # the rating too, once
    finally:
        server.stop()


def test_on_caller68_the_keypad_call_and_evaluate_keys_are_called_and_completed(
        tmp_path):
    import os

    from drivers.keypad_codec import key_press

    keypad = tmp_path / "keypad"
    os.mkfifo(keypad)
    sim = SimSession("caller68", addresses=[5]).start()
    cfg = make_cfg(tmp_path, "caller68", sim.port_paths[0], str(keypad))
    services = Services(cfg)
    services.start()
    try:
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        writer = os.open(keypad, os.O_WRONLY)
        os.write(writer, key_press("KEY_KPENTER"))  # 呼叫: the host calls and shows 001
        pump_until(services, lambda: services.flow.state.calling == "001")
        os.write(writer, key_press("KEY_KPMINUS"))  # 评价: the case is complete
        pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
        os.close(writer)
        events = [(e["kind"], e["ticket"]) for e in services.store.all_events()]
        assert events == [("app_start", None), ("link_up", None), ("called", "001"),
                          ("completed", "001")]
        [completed] = [e for e in services.store.all_events() if e["kind"] == "completed"]
        assert completed["case_key"] == services.flow.state.case.key
        assert completed["window"] == 5 and completed["device_id"] == "dev-5"
    finally:
        services.stop()
        sim.stop()
    store = Store(cfg.db_path)
    assert [e["kind"] for e in store.all_events()][-1] == "app_stop"
    store.close()
