"""The frame (RS-485) codec against queue-link.md: vectors, CRC, hunting, address rules."""
from drivers import frame_codec as fc
from drivers.events import Call, Done, Login, Logout, Pause, Recall, Resume
from drivers.frame_outbox import EventOutbox

POLL_5 = bytes.fromhex("AA 55 05 10 00 6C 01")
DONE_5 = bytes.fromhex("AA 55 05 03 04 41 30 32 33 FE B5")


def decode(data):
    return fc.FrameDecoder().feed(data)


def test_crc_check_value():
    assert fc.crc16_modbus(b"123456789") == 0x4B37


def test_spec_vector_poll():
    assert fc.encode(fc.Frame(5, fc.POLL)) == POLL_5
    [frame] = decode(POLL_5)
    assert frame == fc.Frame(5, fc.POLL) and fc.to_message(frame) == fc.Poll()


def test_spec_vector_done_a023():
    assert fc.encode(fc.to_frame(5, Done("A023"))) == DONE_5
    [frame] = decode(DONE_5)
    assert fc.to_message(frame) == Done("A023")


def test_all_master_commands_round_trip():
    events = [Call("A1"), Recall("A1"), Done("A2", "C2", "I2"), Pause(), Resume(),
              Login("S9"), Logout(), fc.Poll(), fc.EventAck(255)]
    data = b"".join(fc.encode(fc.to_frame(9, e)) for e in events)
    assert [fc.to_message(f) for f in decode(data)] == events


def test_garbage_and_bad_crc_are_skipped_and_the_next_frame_is_found():
    broken = bytearray(DONE_5)
    broken[-1] ^= 0xFF
    data = b"\x00\x13\xaa\xaa" + bytes(broken) + b"\x55" + POLL_5
    frames = [x for x in decode(data) if isinstance(x, fc.Frame)]
    drops = [x for x in decode(data) if isinstance(x, fc.Dropped)]
    assert frames == [fc.Frame(5, fc.POLL)]
    assert any("CRC" in d.reason for d in drops)


def test_bad_length_is_dropped():
    body = bytes([5, 1, 201])
    data = b"\xaa\x55" + body + bytes(201) + b"\x00\x00" + POLL_5
    frames = [x for x in decode(data) if isinstance(x, fc.Frame)]
    assert frames == [fc.Frame(5, fc.POLL)]


def test_frame_split_across_reads():
    dec = fc.FrameDecoder()
    assert dec.feed(DONE_5[:1]) == []
    assert dec.feed(DONE_5[1:6]) == []
    assert dec.feed(DONE_5[6:]) == [fc.Frame(5, fc.DONE, b"A023")]


def test_payload_fields_are_validated():
    bad = fc.Frame(5, fc.CALL, b"a023")
    assert isinstance(fc.to_message(bad), fc.Dropped)
    assert isinstance(fc.to_message(fc.Frame(5, fc.EVENT_ACK, b"0")), fc.Dropped)
    assert isinstance(fc.to_message(fc.Frame(5, fc.DONE, b"\xff")), fc.Dropped)


def test_kiosk_answers_encode():
    rated = fc.encode(fc.Frame(5, fc.RATED, fc.payload(1, "A023", 4)))
    assert rated[:5] == b"\xaa\x55\x05\x81\x08" and rated[5:13] == b"1\x1fA023\x1f4"
    assert fc.encode(fc.Frame(5, fc.ACK)) == b"\xaa\x55\x05\x90\x00" + \
        fc.crc16_modbus(b"\x05\x90\x00").to_bytes(2, "little")


def test_outbox_resends_head_until_acked_and_seq_wraps_to_1():
    box = EventOutbox()
    first = box.add(fc.RATED, "A1", 4)
    box.add(fc.NEXT)
    assert box.head() == first and box.head() == first  # resent at every POLL
    assert not box.ack(first.seq + 1)
    assert box.ack(first.seq) and box.head().cmd == fc.NEXT
    for _ in range(300):
        box.ack(box.head().seq) if box.head() else None
        ev = box.add(fc.NEXT)
        assert 1 <= ev.seq <= 255
    seqs = []
    box2 = EventOutbox()
    for _ in range(256):
        seqs.append(box2.add(fc.NEXT).seq)
        box2.ack(seqs[-1])
    assert seqs[254] == 255 and seqs[255] == 1
