"""The line driver over a real pty and a real TCP socket: events, answers, bad input, reconnects."""
import os
import queue

import pytest

from drivers.events import Call, Done, LinkChanged, LinkState
from drivers.line_link import LineLink
from drivers.sim.line import LineSimulator
from tests.waiting import next_event, wait_for


@pytest.fixture
def link_on(simulator):
    link = LineLink(simulator.port_path, window=5)
    link.start()
    wait_for(lambda: link.state is LinkState.CONNECTED)
    yield link
    link.stop()


def test_done_on_the_wire_becomes_a_typed_event(simulator, link_on):
    simulator.send_bytes(b"DONE,5,A023,C20261122001,11410000\r\n")
    assert next_event(link_on) == Done("A023", "C20261122001", "11410000")


def test_ping_is_answered_with_pong_without_bothering_the_flow(simulator, link_on):
    simulator.send_ping()
    wait_for(lambda: bytes(simulator.raw) == b"PONG\r\n")
    with pytest.raises(queue.Empty):
        next_event(link_on, timeout=0.3)


def test_rated_and_next_reach_the_queue_side_exactly(simulator, link_on):
    link_on.report_rated("A023", 4)
    link_on.request_next()
    wait_for(lambda: bytes(simulator.raw) == b"RATED,5,A023,4\r\nNEXT,5\r\n")


def test_malformed_lines_are_logged_and_the_link_keeps_working(simulator, link_on, caplog):
    simulator.send_bytes(b"\x00\xff\xfeGARBAGE\r\nCALL,5\r\n" + b"X" * 1000 + b"\r\nCALL,9,A1\r\n"
                         b"CALL,5,A024\r\n")
    assert next_event(link_on) == Call("A024")
    assert link_on.state is LinkState.CONNECTED
    assert "dropped queue line" in caplog.text


def test_pulled_pty_is_reopened_when_it_comes_back(tmp_path):
    # A stable name like /dev/serial/by-id/... or /dev/kiosk-queue: a symlink we re-point.
    name = tmp_path / "kiosk-queue"
    first = LineSimulator(window=5).start()
    os.symlink(first.port_path, name)
    link = LineLink(str(name), window=5)
    link.start()
    try:
        wait_for(lambda: link.state is LinkState.CONNECTED)
        first.stop()  # cable pulled: the pty vanishes
        wait_for(lambda: link.state is LinkState.DISCONNECTED)
        second = LineSimulator(window=5).start()
        try:
            os.unlink(name)
            os.symlink(second.port_path, name)
            wait_for(lambda: link.state is LinkState.CONNECTED, timeout=15)
            second.send_call("B100")
            assert next_event(link) == Call("B100")
            link.report_rated("B100", 5)
            wait_for(lambda: b"RATED,5,B100,5\r\n" in bytes(second.raw))
        finally:
            second.stop()
    finally:
        link.stop()


def test_link_state_changes_reach_the_event_queue(tcp_queue):
    link = LineLink(f"socket://127.0.0.1:{tcp_queue.port}", window=5)
    link.start()
    try:
        assert link.events.get(timeout=5) == LinkChanged(LinkState.CONNECTED)
        wait_for(tcp_queue.accepted.is_set)
        tcp_queue.reset_client()
        assert link.events.get(timeout=5) == LinkChanged(LinkState.DISCONNECTED)
        assert link.events.get(timeout=15) == LinkChanged(LinkState.CONNECTED)
        wait_for(lambda: tcp_queue.conn is not None)
        tcp_queue.conn.sendall(b"CALL,5,T9\r\n")
        assert next_event(link) == Call("T9")
    finally:
        link.stop()


def test_rating_written_while_link_is_down_is_sent_after_reconnect(tcp_queue):
    link = LineLink(f"socket://127.0.0.1:{tcp_queue.port}", window=5)
    link.start()
    try:
        wait_for(tcp_queue.accepted.is_set)
        tcp_queue.reset_client()
        wait_for(lambda: link.state is LinkState.DISCONNECTED)
        link.report_rated("A1", 3)
        wait_for(lambda: tcp_queue.conn is not None, timeout=15)
        tcp_queue.conn.settimeout(5)
        data = b""
        while not data.endswith(b"\n"):
            data += tcp_queue.conn.recv(100)
        assert data == b"RATED,5,A1,3\r\n"
    finally:
        link.stop()


def test_every_event_rings_the_wake_bell(simulator, link_on):
    rung = []
    link_on.events.wake = lambda: rung.append(1)
    simulator.send_call("W1")
    assert next_event(link_on) == Call("W1")
    assert rung


def test_traffic_counters_show_a_live_wire_without_sending(simulator, link_on):
    assert link_on.counters() == {"rx_bytes": 0, "tx_bytes": 0, "last_rx_s_ago": None}
    simulator.send_bytes(b"CALL,5,A1\r\n")
    assert next_event(link_on) == Call("A1")
    link_on.report_rated("A1", 5)
    wait_for(lambda: link_on.counters()["tx_bytes"] == len(b"RATED,5,A1,5\r\n"))
    c = link_on.counters()
    assert c["rx_bytes"] == len(b"CALL,5,A1\r\n") and 0 <= c["last_rx_s_ago"] < 5
