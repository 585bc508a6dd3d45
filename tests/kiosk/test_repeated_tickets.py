"""Issue 12 item 4: without a case id the case is the call. A ticket number that comes back the
same day (A123 then B123 on a three-digit display, the 1,000th ticket) is a new case; a display
refresh of the open call is not; the day's call numbers survive a restart."""
from datetime import date

import pytest

from drivers.events import Call, Done, StaffAction
from drivers.sim.session import SimSession
from kiosk.flow import Flow, Mode
from kiosk.services import Services
from sync.outbox import Store
from sync.wire.cases import call_of
from tests.kiosk.test_flow import Clock, QueueSide
from tests.kiosk.test_services import make_cfg, pump_until
from tests.waiting import wait_for

DAY = date(2026, 11, 22)


def make_flow(path, clock=None):
    return Flow(Store(path), QueueSide(), 5, "dev-1", clock=clock or Clock(), today=lambda: DAY)


def rate(flow, ticket, level=5):
    flow.handle(Call(ticket))
    assert flow.staff_action(StaffAction.EVALUATE), f"{ticket}: evaluate refused"
    assert flow.state.mode is Mode.RATING, f"{ticket}: {flow.state.mode}"
    flow.tap_level(level)
    flow.clock.advance(5)
    flow.tick()


def test_the_same_digits_called_again_later_are_a_new_case(tmp_path):
    flow = make_flow(tmp_path / "k.db")
    rate(flow, "123")
    rate(flow, "124")
    rate(flow, "123")            # B123, later the same day
    rows = flow.store.all()
    assert [r["ticket"] for r in rows] == ["123", "124", "123"]
    assert [call_of(r["case_key"]) for r in rows] == [1, 2, 3]
    assert rows[0]["case_key"] == "2026-11-22/5/123//1"


def test_a_refresh_of_the_open_call_is_the_same_call_and_is_rated_once(tmp_path):
    flow = make_flow(tmp_path / "k.db")
    flow.handle(Call("123"))
    flow.handle(Call("123"))     # the host refreshes its display
    flow.staff_action(StaffAction.EVALUATE)
    flow.tap_level(4)
    flow.clock.advance(5)
    flow.tick()
    assert not flow.staff_action(StaffAction.EVALUATE) or flow.state.mode is Mode.IDLE
    assert flow.store.count() == 1 and call_of(flow.store.all()[0]["case_key"]) == 1


def test_a_resent_done_without_case_id_is_still_ignored(tmp_path):
    flow = make_flow(tmp_path / "k.db")
    flow.handle(Call("A023"))
    flow.handle(Done("A023"))
    flow.tap_level(5)
    flow.clock.advance(5)
    flow.tick()
    flow.handle(Done("A023"))    # the queue system sends DONE again
    assert flow.state.mode is Mode.IDLE and flow.store.count() == 1


def test_a_case_id_keeps_its_own_key(tmp_path):
    flow = make_flow(tmp_path / "k.db")
    flow.handle(Call("A023"))
    flow.handle(Done("A023", "C77"))
    flow.tap_level(5)
    assert flow.store.all()[0]["case_key"] == "2026-11-22/5/A023/C77"


def test_call_numbers_survive_a_restart_and_an_open_call_keeps_its_number(tmp_path):
    path = tmp_path / "k.db"
    first = make_flow(path)
    rate(first, "123")
    first.handle(Call("777"))    # called, not yet rated, when the kiosk restarts
    first.store.close()
    second = make_flow(path)
    second.handle(Call("777"))   # the host's display refresh after the restart
    second.staff_action(StaffAction.EVALUATE)
    second.tap_level(3)
    rate(second, "123")          # 123 again: call 3, never confused with call 1
    assert [(r["ticket"], call_of(r["case_key"])) for r in second.store.all()] == [
        ("123", 1), ("777", 2), ("123", 3)]


@pytest.fixture
def caller68(tmp_path):
    sim = SimSession("caller68", addresses=[5]).start()
    started = []

    def start():
        services = Services(make_cfg(tmp_path, "caller68", sim.port_paths[0]))
        services.start()
        started.append(services)
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        return services

    yield sim, start
    for services in started:
        services.stop()
    sim.stop()


def show_and_rate(sim, services, number, level=5):
    sim.sim.show_ticket(number)
    digits = f"{int(number) % 1000:03d}"
    pump_until(services, lambda: services.flow.state.calling == digits)
    assert services.flow.staff_action(StaffAction.EVALUATE)
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(level)


def test_caller68_on_a_pty_rates_a_repeated_number_and_the_1000th_ticket(caller68):
    sim, start = caller68
    services = start()
    show_and_rate(sim, services, 123)      # A123
    show_and_rate(sim, services, 124)
    show_and_rate(sim, services, 123)      # B123, later the same day
    show_and_rate(sim, services, 200)
    show_and_rate(sim, services, 1123)     # the 1,000th ticket after 123: the display shows 123
    rows = services.store.all()
    assert [r["ticket"] for r in rows] == ["123", "124", "123", "200", "123"]
    assert len({r["case_key"] for r in rows}) == 5
    services.stop()
    # After a restart the day's numbering goes on: 123 again is call 6, a new case.
    services = start()
    show_and_rate(sim, services, 300)
    show_and_rate(sim, services, 123)
    keys = [r["case_key"] for r in services.store.all()]
    assert [call_of(k) for k in keys] == [1, 2, 3, 4, 5, 6, 7]
    evaluations = []

    def heard_seven():  # the last key may still be on its way to the host
        sim.poll_caller_keys()
        while not sim.heard.empty():
            evaluations.append(sim.heard.get())
        return evaluations.count("key evaluate") >= 7

    wait_for(heard_seven, timeout=10)
    assert evaluations.count("key evaluate") == 7


def test_the_phone_qr_code_names_the_call_of_a_case_without_case_id(tmp_path):
    from kiosk.ui.qr import QrLinks
    from sync.wire.qr_token import read_qr_token

    flow = make_flow(tmp_path / "k.db")
    links = QrLinks("dev-1", 5, "https://pj.example.gov.cn", "k" * 32, today=lambda: DAY)
    rate(flow, "123")
    flow.handle(Call("123"))  # a new call of the same digits, not yet rated
    flow.staff_action(StaffAction.EVALUATE)
    token = links.rating_url(flow.state).rsplit("/", 1)[1]
    assert read_qr_token(token)["k"] == 2
    flow.clock.advance(60)
    flow.tick()  # nobody rated it: the last case keeps its code for the phone
    token = links.rating_url(flow.state).rsplit("/", 1)[1]
    assert read_qr_token(token)["k"] == 2
    rate(flow, "123")
    assert links.rating_url(flow.state) is None, "rated at the counter: no QR code left"
