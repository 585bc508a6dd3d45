"""Issue 23 item 1: a kiosk on a caller68 bus (real pty, simulated host) must not lose a visit.
The same three digits after the waiting count are a new call; 弃号 / 挂起 / 转移 end the call so
评价 cannot rate it; a display with leading blanks is a call, and a blanked display ends it."""
import pytest

from drivers.events import StaffAction
from drivers.sim.session import SimSession
from kiosk.flow import Mode
from kiosk.services import Services
from tests.kiosk.test_services import make_cfg, pump_until


@pytest.fixture
def kiosk(tmp_path):
    sim = SimSession("caller68", addresses=[5]).start()
    services = Services(make_cfg(tmp_path, "caller68", sim.port_paths[0]))
    services.start()
    pump_until(services, lambda: services.flow.state.link.value == "connected")
    yield sim.sim, services
    services.stop()
    sim.stop()


def evaluate_and_rate(services, level=5):
    assert services.flow.staff_action(StaffAction.EVALUATE)
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(level)


def settle_with_count(host, services, count):
    """Show a waiting count and pump until the kiosk has it: everything sent before is seen."""
    host.show_waiting(count)
    pump_until(services, lambda: services.flow.state.waiting == count)


def keys_heard(host, heard):
    """Key presses the host has received so far, gathered into `heard`."""
    while not host.received.empty():
        heard.append(host.received.get())
    return heard


def test_the_same_digits_after_the_waiting_count_can_be_rated(kiosk):
    host, services = kiosk
    host.show_ticket(1)                                  # A001
    pump_until(services, lambda: services.flow.state.calling == "001")
    evaluate_and_rate(services, 5)
    settle_with_count(host, services, 4)
    host.show_ticket(1)                                  # B001
    pump_until(services, lambda: services.flow.state.calling == "001")
    evaluate_and_rate(services, 3)
    rows = services.store.all()
    assert [(r["ticket"], r["level"]) for r in rows] == [("001", 5), ("001", 3)]
    assert len({r["case_key"] for r in rows}) == 2


@pytest.mark.parametrize("action", [StaffAction.GIVE_UP, StaffAction.HOLD, StaffAction.TRANSFER])
def test_after_give_up_hold_or_transfer_evaluate_rates_nobody(kiosk, action):
    host, services = kiosk
    host.show_ticket(42)
    pump_until(services, lambda: services.flow.state.calling == "042")
    assert services.flow.staff_action(action)
    host.refresh()                                       # the host keeps 042 on the display
    settle_with_count(host, services, 2)
    assert services.flow.state.calling is None
    assert not services.flow.staff_action(StaffAction.EVALUATE)
    assert services.flow.state.mode is Mode.IDLE and services.store.count() == 0
    heard = []
    pump_until(services, lambda: len(keys_heard(host, heard)) >= 2)
    assert heard == [action, StaffAction.EVALUATE]  # the host hears every key of its caller
    host.show_ticket(43)                                 # the next citizen still rates
    pump_until(services, lambda: services.flow.state.calling == "043")
    evaluate_and_rate(services, 4)
    assert [(r["ticket"], r["level"]) for r in services.store.all()] == [("043", 4)]


def test_a_ticket_shown_with_leading_blanks_is_called_and_rated(kiosk):
    host, services = kiosk
    host.show_ticket(7, blanks=True)                     # 0A 0A 0A 0A 0A 07
    pump_until(services, lambda: services.flow.state.calling == "007")
    evaluate_and_rate(services, 5)
    assert [(r["ticket"], r["level"]) for r in services.store.all()] == [("007", 5)]


def test_a_blanked_display_ends_the_call(kiosk):
    host, services = kiosk
    host.show_ticket(8)
    pump_until(services, lambda: services.flow.state.calling == "008")
    host.show_blank()
    pump_until(services, lambda: services.flow.state.calling is None)
    assert not services.flow.staff_action(StaffAction.EVALUATE)
    assert services.flow.state.mode is Mode.IDLE and services.store.count() == 0


def test_one_press_calls_once_and_the_rating_reaches_the_host_for_that_call(kiosk):
    """Issue 26 items 5-6: the host acts on every copy and its answers are lost; 呼叫 on the
    kiosk still calls one ticket, and the stored rating goes to the host under that call."""
    import time

    host, services = kiosk
    host.echo = False
    assert services.flow.staff_action(StaffAction.NEXT)
    pump_until(services, lambda: services.flow.state.calling == "001")
    evaluate_and_rate(services, 4)
    assert [(r["ticket"], r["level"]) for r in services.store.all()] == [("001", 4)]
    pump_until(services, lambda: host.results)
    time.sleep(1.0)
    assert host.calls == ["001"] and host.results == [("001", 2)]  # 满意: key 2


def test_a_rating_never_waits_for_the_bus(kiosk):
    import time

    host, services = kiosk
    services.flow.staff_action(StaffAction.NEXT)
    pump_until(services, lambda: services.flow.state.calling == "001")
    host.busy(2.0)  # neither 评价 nor the result can go out for two seconds
    assert services.flow.staff_action(StaffAction.EVALUATE)
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    started = time.monotonic()
    services.flow.tap_level(5)
    assert time.monotonic() - started < 0.5
    assert services.flow.state.mode is Mode.THANKS and services.store.count() == 1
    pump_until(services, lambda: host.results)
    assert host.results == [("001", 3)]
