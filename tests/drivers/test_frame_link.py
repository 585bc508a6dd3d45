"""The frame-dialect driver as a bus slave on a real pty: ACKs, POLL answers, address rules."""
import time

import pytest

from drivers import frame_codec as fc
from drivers.events import Call, Done, LinkChanged, LinkState, StaffAction
from drivers.frame_link import FrameLink
from drivers.sim.pty_pair import PtyPair
from tests.waiting import wait_for


class Master:
    """The bus master's end of the cable: sends frames, decodes the kiosk's answers."""

    def __init__(self):
        self.decoder = fc.FrameDecoder()
        self.frames = []
        self.pty = PtyPair(lambda data: self.frames.extend(
            f for f in self.decoder.feed(data) if isinstance(f, fc.Frame))).start()

    def send(self, frame):
        self.pty.send_bytes(fc.encode(frame))

    def ask(self, frame, timeout=10.0):
        """Send a frame and wait for exactly one answer frame."""
        seen = len(self.frames)
        self.send(frame)
        wait_for(lambda: len(self.frames) > seen, timeout)
        return self.frames[seen]


@pytest.fixture
def master():
    m = Master()
    yield m
    m.pty.stop()


@pytest.fixture
def kiosk(master):
    link = FrameLink(master.pty.port_path, address=5)
    link.start()
    wait_for(lambda: link.state is LinkState.CONNECTED)
    yield link
    link.stop()


def events(link):
    time.sleep(0.05)  # the answer is written after the event is queued; let both land
    out = []
    while not link.events.empty():
        ev = link.events.get()
        if not isinstance(ev, LinkChanged):
            out.append(ev)
    return out


def test_spec_done_frame_is_acked_and_becomes_done_event(master, kiosk):
    master.pty.send_bytes(bytes.fromhex("AA 55 05 03 04 41 30 32 33 FE B5"))
    wait_for(lambda: master.frames)
    assert master.frames == [fc.Frame(5, fc.ACK)]
    assert events(kiosk) == [Done("A023")]


def test_poll_with_nothing_to_say_answers_idle(master, kiosk):
    master.pty.send_bytes(bytes.fromhex("AA 55 05 10 00 6C 01"))
    wait_for(lambda: master.frames)
    assert master.frames == [fc.Frame(5, fc.IDLE)]


def test_rated_is_resent_at_every_poll_until_event_ack(master, kiosk):
    kiosk.report_rated("A023", 4)
    kiosk.staff_action(StaffAction.NEXT)
    first = master.ask(fc.Frame(5, fc.POLL))
    again = master.ask(fc.Frame(5, fc.POLL))
    assert first == again == fc.Frame(5, fc.RATED, fc.payload(1, "A023", 4))
    assert master.ask(fc.Frame(5, fc.EVENT_ACK, b"1")) == fc.Frame(5, fc.ACK)
    assert master.ask(fc.Frame(5, fc.POLL)) == fc.Frame(5, fc.NEXT, b"2")
    master.ask(fc.Frame(5, fc.EVENT_ACK, b"2"))
    assert master.ask(fc.Frame(5, fc.POLL)) == fc.Frame(5, fc.IDLE)


def test_broadcast_is_acted_on_but_never_answered(master, kiosk):
    master.send(fc.Frame(0, fc.CALL, b"B001"))
    master.send(fc.Frame(0, fc.POLL))
    master.ask(fc.Frame(5, fc.POLL))  # a later addressed frame proves the bus was read
    assert master.frames == [fc.Frame(5, fc.IDLE)]
    assert events(kiosk) == [Call("B001")]


def test_other_addresses_garbage_and_bad_crc_get_no_answer(master, kiosk):
    bad = bytearray(fc.encode(fc.Frame(5, fc.CALL, b"X1")))
    bad[-1] ^= 0x55
    master.pty.send_bytes(b"\x00\xff\xaa" + fc.encode(fc.Frame(6, fc.CALL, b"Z9")) + bytes(bad))
    assert master.ask(fc.Frame(5, fc.CALL, b"OK1")) == fc.Frame(5, fc.ACK)
    assert master.frames == [fc.Frame(5, fc.ACK)]
    assert events(kiosk) == [Call("OK1")]


def test_invalid_payload_is_dropped_without_answer(master, kiosk):
    master.send(fc.Frame(5, fc.CALL, b"lower"))
    assert master.ask(fc.Frame(5, fc.POLL)) == fc.Frame(5, fc.IDLE)
    assert events(kiosk) == []
