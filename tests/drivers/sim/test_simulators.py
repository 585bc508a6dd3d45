"""Kiosk drivers against the queue-system simulators over real ptys, for every dialect."""
import queue

import pytest

from drivers import frame_codec as fc
from drivers.caller68_link import Caller68Link
from drivers.events import Call, Done, LinkState, StaffAction
from drivers.frame_link import FrameLink
from drivers.sim.caller68 import Caller68Host
from drivers.sim.frame import FrameMaster
from tests.waiting import next_event, wait_for


@pytest.fixture
def bus():
    master = FrameMaster(addresses=[1, 2, 3], poll_s=0.05).start()
    kiosks = [FrameLink(path, address=addr) for addr, path in zip([1, 2, 3], master.port_paths)]
    for k in kiosks:
        k.start()
    wait_for(lambda: all(k.state is LinkState.CONNECTED for k in kiosks))
    yield master, kiosks
    for k in kiosks:
        k.stop()
    master.stop()


def test_bus_of_three_only_the_addressed_kiosk_answers(bus):
    master, kiosks = bus
    answer = master.send(2, Done("A023", "C1"))
    assert answer == fc.Frame(2, fc.ACK)
    assert next_event(kiosks[1]) == Done("A023", "C1")
    for other in (kiosks[0], kiosks[2]):
        with pytest.raises(queue.Empty):
            next_event(other, timeout=0.3)
    acks = [a for a in master.answers if a.cmd == fc.ACK]
    assert acks == [fc.Frame(2, fc.ACK)]


def test_bus_master_collects_rated_from_each_kiosk_once(bus):
    master, kiosks = bus
    kiosks[0].report_rated("A1", 5)
    kiosks[2].report_rated("C3", 1)
    kiosks[2].staff_action(StaffAction.NEXT)
    got = [master.received.get(timeout=10) for _ in range(3)]
    summary = sorted((addr, f.cmd, tuple(f.fields[1:])) for addr, f in got)
    assert summary == [(1, fc.RATED, ("A1", "5")), (3, fc.RATED, ("C3", "1")), (3, fc.NEXT, ())]
    wait_for(lambda: all(len(k.outbox) == 0 for k in kiosks))
    with pytest.raises(queue.Empty):
        master.received.get(timeout=0.4)  # acknowledged events are not sent again


def test_broadcast_call_reaches_every_kiosk_and_nobody_answers(bus):
    master, kiosks = bus
    assert master.send(0, Call("B9")) is None
    for k in kiosks:
        assert next_event(k) == Call("B9")
    assert not [a for a in master.answers if a.cmd == fc.ACK]


def test_caller68_next_key_makes_the_host_call_a_ticket():
    host = Caller68Host(address=1, first_ticket=123).start()
    link = Caller68Link(host.port_path, address=1)
    link.start()
    try:
        wait_for(lambda: link.state is LinkState.CONNECTED)
        link.staff_action(StaffAction.NEXT)
        assert host.received.get(timeout=10) is StaffAction.NEXT
        assert next_event(link) == Call("123")
        link.staff_action(StaffAction.EVALUATE)
        assert host.received.get(timeout=10) is StaffAction.EVALUATE
        assert link.unacknowledged == 0
    finally:
        link.stop()
        host.stop()
