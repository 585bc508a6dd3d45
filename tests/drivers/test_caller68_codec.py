"""The caller68 codec against queue-link.md: its three vectors, checksum, hunting."""
import pytest

from drivers import caller68_codec as cc
from drivers.events import Call, StaffAction, Waiting

TICKET_123 = bytes.fromhex("FF 68 08 08 68 01 02 0A 0A 0A 01 02 03 27 16")
BEEP_5 = bytes.fromhex("FF 68 02 02 68 05 03 08 16")
CALL_NEXT_1 = bytes.fromhex("FF 68 03 03 68 01 01 0C 0E 16")


def messages(data):
    return [cc.to_message(f) if isinstance(f, cc.Frame) else f for f in cc.Caller68Decoder().feed(data)]


def test_spec_vector_ticket_called():
    [frame] = cc.Caller68Decoder().feed(TICKET_123)
    assert frame.addr == 1 and cc.to_message(frame) == Call("123")
    assert cc.encode(cc.display_ticket(1, "123")) == TICKET_123


def test_spec_vector_beep():
    [frame] = cc.Caller68Decoder().feed(BEEP_5)
    assert frame.addr == 5 and cc.to_message(frame) == cc.Beep()


def test_spec_vector_call_next_key():
    assert cc.encode(cc.key_frame(1, StaffAction.NEXT)) == CALL_NEXT_1
    [frame] = cc.Caller68Decoder().feed(CALL_NEXT_1)
    assert cc.to_message(frame) == cc.KeyEcho(b"\x0c")


def test_every_key_has_its_spec_code():
    codes = {a: cc.encode(cc.key_frame(3, a))[7:-2] for a in cc.KEY_CODES}
    assert codes[StaffAction.GIVE_UP] == b"\x06\x0f"
    assert codes[StaffAction.HOLD] == b"\x00\x0f"
    assert codes[StaffAction.CALL_BACK] == b"\x03\x0f"
    assert codes[StaffAction.EVALUATE] == b"\x0b"
    assert codes[StaffAction.PAUSE] == b"\x12" and codes[StaffAction.TRANSFER] == b"\x13"
    assert codes[StaffAction.RECALL] == b"\x0d"


def test_waiting_count_display():
    assert messages(cc.encode(cc.display_waiting(1, 42))) == [Waiting(42)]


def test_bad_checksum_mismatched_len_and_garbage_are_skipped():
    bad_cs = bytearray(TICKET_123)
    bad_cs[-2] ^= 1
    bad_len = bytearray(BEEP_5)
    bad_len[3] = 3
    out = messages(b"\x16\xff" + bytes(bad_cs) + bytes(bad_len) + b"\x68\x68" + BEEP_5)
    assert [m for m in out if not isinstance(m, cc.Dropped)] == [cc.Beep()]
    assert any("checksum" in m.reason for m in out if isinstance(m, cc.Dropped))


def test_display_with_digits_out_of_range_is_dropped():
    frame = cc.Frame(1, cc.DISPLAY, b"\x0a\x0a\x0a\x01\x0b\x03")
    assert isinstance(cc.to_message(frame), cc.Dropped)


def display(cells_hex):
    return cc.to_message(cc.Frame(1, cc.DISPLAY, bytes.fromhex(cells_hex)))


def test_leading_blanks_of_a_ticket_are_decoded_as_zeros():
    """Hosts that suppress leading zeros show ticket 7 as 0A 0A 0A 0A 0A 07 (issue 23)."""
    assert display("0A 0A 0A 0A 0A 07") == Call("007")
    assert display("0A 0A 0A 0A 04 02") == Call("042")
    assert display("0A 0A 0A 00 00 07") == Call("007")  # the same ticket, shown with zeros
    assert cc.encode(cc.display_ticket(1, "7", blanks=True))[7:13] == bytes.fromhex(
        "0A 0A 0A 0A 0A 07")


def test_leading_blanks_of_the_waiting_count_are_decoded():
    assert display("0A 0A 05 0A 0A 0A") == Waiting(5)
    assert display("0A 01 02 0A 0A 0A") == Waiting(12)


def test_a_blanked_display_is_its_own_message():
    assert display("0A 0A 0A 0A 0A 0A") == cc.Blank()
    assert cc.to_message(cc.display_blank(1)) == cc.Blank()


def test_a_blank_between_digits_is_still_not_understood():
    for cells in ("0A 0A 0A 01 0A 03", "0A 0A 0A 01 02 0A", "01 0A 03 0A 0A 0A",
                  "0A 05 0A 0A 0A 0A"):
        assert isinstance(display(cells), cc.Dropped), cells


def test_the_evaluator_result_frame_and_the_reference_hosts_answer():
    """JackQChen/QueueSystem CallSystem/frmMain.cs: CMD 0x11 is answered `01 DATA CS-0x10`."""
    sent = cc.result_frame(1, 2)
    assert cc.encode(sent) == bytes.fromhex("FF 68 03 03 68 01 11 02 14 16")
    answer = cc.encode(cc.answer(sent))
    assert answer == bytes.fromhex("FF 68 03 03 68 01 01 02 04 16")
    assert answer[-2] == (cc.encode(sent)[-2] - 0x10) % 256
    assert cc.answer(cc.key_frame(1, StaffAction.NEXT)) == cc.key_frame(1, StaffAction.NEXT)
    # Heard back on a 2-wire adapter, the kiosk's own result frame is recognised as such.
    assert cc.to_message(sent) == cc.ResultHeard(b"\x02")
    with pytest.raises(ValueError):
        cc.result_frame(1, 4)
