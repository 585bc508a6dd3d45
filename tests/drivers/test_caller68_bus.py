"""Issue 26 items 5 and 6 on a real pty against a host that acts on every copy of a frame
(drivers/sim/caller68.py, after JackQChen/QueueSystem CallSystem/frmMain.cs): one press is one
call whether the host's answer is lost or the adapter is 2-wire, a busy bus delays a key
without losing it, and the evaluator result lands on the call that 评价 ended."""
import socket
import time

import pytest

from drivers import caller68_codec as cc
from drivers.caller68_link import Caller68Link
from drivers.events import LinkState, StaffAction
from drivers.sim.caller68 import Caller68Host
from tests.waiting import wait_for

SETTLE_S = 1.0  # longer than the link's answer wait: any resend would be on the wire by then


def start(two_wire=False, echo=True, url=None, link_url=None):
    host = Caller68Host(address=3, first_ticket=41, url=url, two_wire=two_wire).start()
    host.echo = echo
    link = Caller68Link(link_url or host.port_path, address=3, two_wire=two_wire)
    link.start()
    return host, link


@pytest.fixture
def bus(request):
    made = []

    def make(**kw):
        host, link = start(**kw)
        made.append((host, link))
        if not kw.get("link_url"):
            wait_for(lambda: link.state is LinkState.CONNECTED)
        return host, link

    yield make
    for host, link in made:
        link.stop()
        host.stop()


@pytest.mark.parametrize("two_wire,echo", [(False, True), (False, False), (True, True),
                                           (True, False)],
                         ids=["4-wire", "4-wire-answer-lost", "2-wire", "2-wire-answer-lost"])
def test_one_press_is_one_call(bus, two_wire, echo):
    host, link = bus(two_wire=two_wire, echo=echo)
    link.staff_action(StaffAction.NEXT)
    wait_for(lambda: host.calls)
    time.sleep(SETTLE_S)
    assert host.calls == ["041"]
    assert host.key_times and len(host.key_times) == 1
    # The kiosk's own frame heard back on a 2-wire adapter is not the host's answer.
    wait_for(lambda: link.bus._sent is None)
    assert link.unacknowledged == (0 if echo else 1)


def test_two_presses_are_two_calls_on_a_2_wire_bus(bus):
    host, link = bus(two_wire=True)
    link.staff_action(StaffAction.NEXT)
    link.staff_action(StaffAction.NEXT)
    wait_for(lambda: len(host.calls) == 2)
    time.sleep(SETTLE_S)
    assert host.calls == ["041", "042"] and link.unacknowledged == 0


def test_a_busy_bus_delays_the_key_but_does_not_lose_it(bus):
    host, link = bus()
    host.busy(1.0)  # other callers' frames every 10 ms: no 50 ms of silence unless starved
    time.sleep(0.1)
    link.staff_action(StaffAction.NEXT)
    wait_for(lambda: host.calls)
    arrived = host.key_times[0]
    before = [t for t in host.busy_times if t < arrived]
    # It went out into silence: the last frame of the others was sent at least the quiet
    # time (50 ms, less a little for when the host reads) before the key arrived.
    assert before and arrived - before[-1] >= 0.04, (arrived - before[-1])
    time.sleep(SETTLE_S)
    assert host.calls == ["041"]


def test_a_key_pressed_while_the_link_is_down_goes_out_once_it_is_up(bus):
    with socket.socket() as s:  # a free port nobody listens on yet
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    link = Caller68Link(f"socket://127.0.0.1:{port}", address=3)
    link.start()
    try:
        wait_for(lambda: link.state is LinkState.DISCONNECTED)
        link.staff_action(StaffAction.NEXT)
        host = Caller68Host(address=3, first_ticket=7, url=f"tcp-listen://127.0.0.1:{port}")
        host.start()
        try:
            wait_for(lambda: host.calls, timeout=10)
            time.sleep(SETTLE_S)
            assert host.calls == ["007"]
        finally:
            host.stop()
    finally:
        link.stop()


@pytest.mark.parametrize("two_wire", [False, True], ids=["4-wire", "2-wire"])
def test_the_evaluator_result_is_filed_under_the_call_evaluate_ended(bus, two_wire):
    host, link = bus(two_wire=two_wire)
    link.staff_action(StaffAction.NEXT)              # the host calls 041
    wait_for(lambda: host.calls == ["041"])
    link.staff_action(StaffAction.EVALUATE)          # 041 ends; its result may come
    link.report_rated("041", 5)
    wait_for(lambda: host.results)
    time.sleep(SETTLE_S)
    assert host.results == [("041", 3)]              # 非常满意: key 3
    answer = bytes.fromhex("FF 68 03 03 68 03 01 03 07 16")  # 01 DATA CS-0x10
    assert cc.encode(cc.result_frame(3, 3)) == bytes.fromhex("FF 68 03 03 68 03 11 03 17 16")
    assert link.unacknowledged == 0 and host.raw.count(cc.encode(cc.result_frame(3, 3))) == 1
    assert cc.encode(cc.answer(cc.result_frame(3, 3))) == answer


def test_each_result_lands_on_its_own_call(bus):
    host, link = bus()
    for n, (ticket, level) in enumerate((("041", 5), ("042", 1)), 1):
        link.staff_action(StaffAction.NEXT)
        link.staff_action(StaffAction.EVALUATE)
        link.report_rated(ticket, level)  # the ticket only names it in the log
        wait_for(lambda: len(host.results) == n)
    link.report_rated("042", 4)  # a second result for a call already rated: the host drops it
    time.sleep(SETTLE_S)
    assert host.calls == ["041", "042"] and host.results == [("041", 3), ("042", 0)]


def test_a_timed_out_rating_sends_no_result_and_levels_follow_the_mapping(bus):
    host, link = bus()
    link.result_keys = (0, 1, 2, 3, 3)
    link.staff_action(StaffAction.NEXT)
    wait_for(lambda: host.calls == ["041"])
    link.staff_action(StaffAction.EVALUATE)
    link.report_rated("041", 0)                      # not rated: nothing for the host
    link.report_rated("041", 2)
    wait_for(lambda: host.results)
    time.sleep(SETTLE_S)
    assert host.results == [("041", 1)]
    assert host.raw.count(cc.encode(cc.result_frame(3, 1))) == 1
