"""The line dialect codec against queue-link.md, its test vectors first."""
from drivers import line_codec as codec
from drivers.events import Call, Done, Login, Logout, Pause, Recall, Resume


def lines(data: bytes, window: int = 5):
    splitter = codec.LineSplitter()
    out = []
    for item in splitter.feed(data):
        out.append(item if isinstance(item, codec.Dropped) else codec.parse_queue_line(item, window))
    return out


def test_spec_vector_call_shows_ticket_at_window_5():
    assert lines(b"CALL,5,A023\r\n") == [Call("A023")]


def test_spec_vector_done_carries_case_and_item():
    assert lines(b"DONE,5,A023,C20261122001,11410000\r\n") == [
        Done("A023", "C20261122001", "11410000")]


def test_spec_vector_rated_for_satisfied():
    assert codec.encode(codec.Rated(5, "A023", 4)) == b"RATED,5,A023,4\r\n"


def test_kiosk_messages_encode_exactly():
    assert codec.encode(codec.Next(5)) == b"NEXT,5\r\n"
    assert codec.encode(codec.Pong()) == b"PONG\r\n"
    assert codec.encode(codec.Rated(999, "Z-9", 0)) == b"RATED,999,Z-9,0\r\n"


def test_every_queue_command_parses():
    data = (b"RECALL,5,A023\r\nPAUSE,5\r\nRESUME,5\r\nLOGIN,5,S1001\r\nLOGOUT,5\r\nPING\r\n"
            b"DONE,5,B7\r\nDONE,5,B8,C1\r\n")
    assert lines(data) == [Recall("A023"), Pause(), Resume(), Login("S1001"), Logout(),
                           codec.Ping(), Done("B7"), Done("B8", "C1")]


def test_bare_newline_is_accepted():
    assert lines(b"CALL,5,A1\n") == [Call("A1")]


def test_split_reads_reassemble():
    splitter = codec.LineSplitter()
    assert splitter.feed(b"CALL,5,") == []
    assert splitter.feed(b"A0") == []
    assert splitter.feed(b"23\r\n") == [b"CALL,5,A023"]


def test_other_window_is_dropped_with_reason():
    [item] = lines(b"CALL,6,A023\r\n")
    assert isinstance(item, codec.Dropped) and "window 6" in item.reason


def test_invalid_values_are_dropped_and_next_line_still_works():
    bad = [b"CALL,5,a023", b"CALL,5,", b"CALL,0,A1", b"CALL,1000,A1", b"CALL,5,A1,X",
           b"DONE,5,A1,C 1", b"DONE,5,A1,C1,I1,extra", b"LOGIN,5," + b"x" * 65, b"HELLO",
           b"", b"\xff\xfe", b"CALL,5,ABCDEFGHIJKLMNOPQ", b"PING,5", b"CALL,+5,A1"]
    data = b"".join(b + b"\r\n" for b in bad) + b"CALL,5,OK1\r\n"
    out = lines(data)
    assert all(isinstance(x, codec.Dropped) for x in out[:-1]), out
    assert out[-1] == Call("OK1")


def test_line_over_256_bytes_is_discarded_up_to_its_terminator():
    long = b"CALL,5," + b"A" * 300 + b"\r\n"
    out = lines(long + b"CALL,5,A2\r\n")
    assert isinstance(out[0], codec.Dropped)
    assert out[1:] == [Call("A2")]


def test_line_of_exactly_256_bytes_is_kept():
    # 256 bytes including CRLF: DONE,5,T,<case_id>,<item> sized to fit.
    head = b"DONE,5,T1,"
    case = b"C" * 64
    item_len = 256 - 2 - len(head) - len(case) - 1
    raw = head + case + b"," + b"I" * item_len + b"\r\n"
    assert len(raw) == 256
    [item] = codec.LineSplitter().feed(raw)
    assert isinstance(item, bytes)  # the splitter keeps it; the id rule (<=64) then applies
    assert isinstance(codec.parse_queue_line(item, 5), codec.Dropped)


def test_kiosk_side_parser_reads_rated_and_next():
    assert codec.parse_kiosk_line(b"RATED,5,A023,4") == codec.Rated(5, "A023", 4)
    assert codec.parse_kiosk_line(b"NEXT,5") == codec.Next(5)
    assert isinstance(codec.parse_kiosk_line(b"RATED,5,A023,6"), codec.Dropped)


def test_queue_events_round_trip_through_encoder():
    for ev in [Call("A1"), Recall("A1"), Done("A1", "C1", "I1"), Pause(), Resume(),
               Login("S1"), Logout()]:
        [raw] = codec.LineSplitter().feed(codec.encode_queue(7, ev))
        assert codec.parse_queue_line(raw, 7) == ev
