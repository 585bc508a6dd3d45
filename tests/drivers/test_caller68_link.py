"""The caller68 driver standing in for a hardware caller on a real pty."""
import time

import pytest

from drivers import caller68_codec as cc
from drivers.caller68_link import Caller68Link
from drivers.events import Call, CallEnded, LinkState, StaffAction, Waiting
from drivers.sim.pty_pair import PtyPair
from tests.waiting import link_events, wait_for


class Host:
    """The legacy queue host's end of the bus; echoes key frames when `echo` is on."""

    def __init__(self, echo=True):
        self.echo = echo
        self.decoder = cc.Caller68Decoder()
        self.keys = []
        self.pty = PtyPair(self._on_bytes).start()

    def _on_bytes(self, data):
        for frame in self.decoder.feed(data):
            if isinstance(frame, cc.Frame):
                self.keys.append(frame)
                if self.echo:
                    self.pty.send_bytes(cc.encode(frame))


@pytest.fixture
def host():
    h = Host()
    yield h
    h.pty.stop()


@pytest.fixture
def caller(host):
    link = Caller68Link(host.pty.port_path, address=1)
    link.start()
    wait_for(lambda: link.state is LinkState.CONNECTED)
    yield link
    link.stop()


def test_spec_call_next_key_is_sent_once_when_echoed(host, caller):
    caller.staff_action(StaffAction.NEXT)
    wait_for(lambda: host.keys, timeout=10)
    time.sleep(1.0)  # longer than the answer wait: nothing may follow the echo
    assert [cc.encode(k) for k in host.keys] == [bytes.fromhex("FF 68 03 03 68 01 01 0C 0E 16")]
    assert caller.unacknowledged == 0


def test_a_key_the_host_never_answers_is_not_sent_again(host, caller):
    """The host may have acted on it and lost its answer: a resend would act twice (issue 26)."""
    host.echo = False
    caller.staff_action(StaffAction.GIVE_UP)
    wait_for(lambda: caller.unacknowledged == 1, timeout=10)
    time.sleep(1.0)
    assert [k.data for k in host.keys] == [b"\x06\x0f"]


def test_display_frame_tells_the_called_ticket_once(host, caller):
    shown = bytes.fromhex("FF 68 08 08 68 01 02 0A 0A 0A 01 02 03 27 16")
    host.pty.send_bytes(shown + shown + cc.encode(cc.display_waiting(1, 7)))
    assert link_events(caller, 2, timeout=10, settle_s=0.1) == [Call("123"), Waiting(7)]


def test_frames_for_other_callers_and_noise_are_ignored(host, caller):
    host.pty.send_bytes(b"\x68\x16\xff" + cc.encode(cc.display_ticket(2, "555"))
                        + cc.encode(cc.display_ticket(1, "042")))
    assert link_events(caller, 1, timeout=10, settle_s=0.1) == [Call("042")]


def show(host, *frames):
    host.pty.send_bytes(b"".join(cc.encode(f) for f in frames))


def test_the_same_digits_after_the_waiting_count_are_a_new_call(host, caller):
    """A001, the host shows the waiting count, then B001: two calls, so B001 can rate (issue 23)."""
    show(host, cc.display_ticket(1, "001"), cc.display_ticket(1, "001"),  # + a refresh
         cc.display_waiting(1, 5), cc.display_ticket(1, "001"))
    assert link_events(caller, 3, timeout=10, settle_s=0.1) == [
        Call("001"), Waiting(5), Call("001")]


def test_the_same_digits_after_the_call_next_key_are_a_new_call(host, caller):
    show(host, cc.display_ticket(1, "001"))
    assert link_events(caller, 1, timeout=10) == [Call("001")]
    caller.staff_action(StaffAction.NEXT)
    wait_for(lambda: host.keys)
    show(host, cc.display_ticket(1, "001"))  # B001: the host never showed anything between
    assert link_events(caller, 1, timeout=10, settle_s=0.1) == [Call("001")]


@pytest.mark.parametrize("action", [StaffAction.GIVE_UP, StaffAction.HOLD, StaffAction.TRANSFER])
def test_give_up_hold_and_transfer_end_the_call_and_a_refresh_does_not_bring_it_back(
        host, caller, action):
    show(host, cc.display_ticket(1, "042"))
    assert link_events(caller, 1, timeout=10) == [Call("042")]
    caller.staff_action(action)
    wait_for(lambda: host.keys)
    show(host, cc.display_ticket(1, "042"), cc.display_waiting(1, 3))  # refresh, then count
    assert link_events(caller, 2, timeout=10, settle_s=0.1) == [CallEnded("042"), Waiting(3)]
    assert host.keys and all(k == cc.key_frame(1, action) for k in host.keys)  # + resends


def test_ticket_with_leading_blanks_is_called_and_a_blank_display_ends_the_call(host, caller):
    host.pty.send_bytes(bytes.fromhex("FF 68 08 08 68 01 02 0A 0A 0A 0A 0A 07 3C 16"))
    assert link_events(caller, 1, timeout=10) == [Call("007")]
    show(host, cc.display_blank(1), cc.display_blank(1))
    assert link_events(caller, 1, timeout=10, settle_s=0.1) == [CallEnded()]
    show(host, cc.display_ticket(1, "7", blanks=True))  # shown again after the blank: a new call
    assert link_events(caller, 1, timeout=10, settle_s=0.1) == [Call("007")]
