"""Hypothesis fuzzing of every queue-link parser: noise never raises, never hides a valid message,
and never grows the buffers without bound."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import caller68_codec as cc
from drivers import frame_codec as fc
from drivers import line_codec as lc
from drivers.events import Call, Done

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

noise = st.binary(max_size=600)
chunks = st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=20)
tickets = st.from_regex(r"[A-Z0-9-]{1,16}", fullmatch=True)
ids = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)
line_noise = st.one_of(noise, st.lists(st.sampled_from(
    [b"CALL,5,", b"DONE,5,A1,", b"\r", b"\n", b",", b"\x00", b"\xff", b"PING", b"X" * 300,
     "中文".encode(), b"\xe4\xb8"]), max_size=30).map(b"".join))


def feed_in_chunks(decoder, data, sizes):
    out, pos, i = [], 0, 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        out += decoder.feed(data[pos:pos + size])
        pos, i = pos + size, i + 1
    return out


def line_messages(data, sizes):
    splitter = lc.LineSplitter()
    items = feed_in_chunks(splitter, data, sizes)
    assert splitter.buffered <= lc.MAX_LINE
    return [x if isinstance(x, lc.Dropped) else lc.parse_queue_line(x, 5) for x in items]


@FUZZ
@given(line_noise, tickets, ids, chunks)
def test_line_noise_then_valid_message_is_still_acted_on(junk, ticket, case, sizes):
    valid = Done(ticket, case)
    data = junk + b"\n" + lc.encode_queue(5, valid)
    out = line_messages(data, sizes)
    assert out[-1] == valid


@FUZZ
@given(noise, chunks)
def test_line_random_bytes_never_raise(junk, sizes):
    for item in line_messages(junk, sizes):
        assert isinstance(item, (lc.Dropped, lc.Ping)) or type(item).__module__ == "drivers.events"


def frames_of(decoder_items):
    return [x for x in decoder_items if isinstance(x, fc.Frame)]


@FUZZ
@given(noise, tickets, chunks)
def test_frame_noise_then_valid_frame_is_found(junk, ticket, sizes):
    valid = fc.encode(fc.to_frame(5, Call(ticket)))
    # Padding completes any fake frame the noise started, so the hunt must come back to ours.
    data = junk + bytes(210) + valid
    dec = fc.FrameDecoder()
    found = frames_of(feed_in_chunks(dec, data, sizes))
    assert dec.buffered <= 5 + fc.MAX_PAYLOAD + 2
    assert found and fc.to_message(found[-1]) == Call(ticket)


@FUZZ
@given(noise, chunks)
def test_frame_random_bytes_and_truncations_never_raise(junk, sizes):
    good = fc.encode(fc.to_frame(5, Done("A023", "C1")))
    data = junk + good[: len(junk) % len(good)] + junk
    for item in feed_in_chunks(fc.FrameDecoder(), data, sizes):
        if isinstance(item, fc.Frame):
            fc.to_message(item)  # must return, not raise, whatever the payload


@FUZZ
@given(noise, st.integers(min_value=0, max_value=999), chunks)
def test_caller68_noise_then_valid_display_is_found(junk, number, sizes):
    valid = cc.encode(cc.display_ticket(1, f"{number:03d}"))
    data = junk + bytes(262) + valid
    dec = cc.Caller68Decoder()
    found = [x for x in feed_in_chunks(dec, data, sizes) if isinstance(x, cc.Frame)]
    assert dec.buffered <= 5 + 255 + 2
    assert found and cc.to_message(found[-1]) == Call(f"{number:03d}")


@FUZZ
@given(noise, chunks)
def test_caller68_random_bytes_never_raise(junk, sizes):
    for item in feed_in_chunks(cc.Caller68Decoder(), junk, sizes):
        if isinstance(item, cc.Frame):
            cc.to_message(item)


def test_a_megabyte_of_noise_keeps_every_buffer_small():
    import random

    rng = random.Random(7)
    blob = bytes(rng.getrandbits(8) for _ in range(1 << 20))
    decoders = [lc.LineSplitter(), fc.FrameDecoder(), cc.Caller68Decoder()]
    for dec in decoders:
        for i in range(0, len(blob), 4096):
            dec.feed(blob[i:i + 4096])
        assert dec.buffered <= 262
