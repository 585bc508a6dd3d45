"""Print parser throughput (messages/s) per queue-link dialect beside a bare pyserial read.

Each dialect's bytes go through pyserial's loop:// port in 4 KiB chunks; "bare" only reads
them back, "decoded" reads and runs the dialect's codec on every chunk, as the drivers do.
Run: .venv/bin/python bench/parsers.py [--messages N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import serial  # noqa: E402

from drivers import caller68_codec as cc  # noqa: E402
from drivers import frame_codec as fc  # noqa: E402
from drivers import line_codec as lc  # noqa: E402
from drivers.events import Done  # noqa: E402

CHUNK = 4096


def stream(data: bytes):
    """Yield data as pyserial hands it to a driver: written to loop://, read back in chunks."""
    port = serial.serial_for_url("loop://", timeout=0)
    for i in range(0, len(data), CHUNK):
        port.write(data[i:i + CHUNK])
        yield port.read(CHUNK)
    port.close()


def decode_with(make_decoder, is_message, to_message):
    """A decode(chunks) -> count for one dialect: feed every chunk, convert every message."""
    def decode(chunks):
        dec, n = make_decoder(), 0
        for chunk in chunks:
            for item in dec.feed(chunk):
                if is_message(item):
                    to_message(item)
                    n += 1
        return n
    return decode


line_decode = decode_with(lc.LineSplitter, lambda x: not isinstance(x, lc.Dropped),
                          lambda raw: lc.parse_queue_line(raw, 5))
frame_decode = decode_with(fc.FrameDecoder, lambda x: isinstance(x, fc.Frame), fc.to_message)
caller_decode = decode_with(cc.Caller68Decoder, lambda x: isinstance(x, cc.Frame), cc.to_message)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    n = ap.parse_args().messages
    cases = {
        "line": (b"".join(lc.encode_queue(5, Done(f"A{i % 1000:03d}", f"C2026{i:07d}", "11410000"))
                          for i in range(n)), line_decode),
        "frame": (b"".join(fc.encode(fc.to_frame(5, Done(f"A{i % 1000:03d}", f"C2026{i:07d}")))
                           for i in range(n)), frame_decode),
        "caller68": (b"".join(cc.encode(cc.display_ticket(1, f"{i % 1000:03d}")) for i in range(n)),
                     caller_decode),
    }
    print(f"{'dialect':<9} {'bytes':>10} {'bare read msg/s':>16} {'read+decode msg/s':>18} "
          f"{'codec only msg/s':>17}")
    ratios = {}
    for name, (data, decode) in cases.items():
        bare_s, _ = timed(lambda: sum(len(c) for c in stream(data)))
        dec_s, count = timed(lambda: decode(stream(data)))
        assert count == n, f"{name}: decoded {count} of {n}"
        chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
        codec_s, _ = timed(lambda: decode(chunks))
        print(f"{name:<9} {len(data):>10} {n / bare_s:>16,.0f} {n / dec_s:>18,.0f} "
              f"{n / codec_s:>17,.0f}")
        ratios[name] = bare_s / dec_s
    # A 9600-baud line carries at most 960 bytes/s: every dialect decodes far faster.
    print("for scale: a 9600 8N1 line carries 960 bytes/s")
    worst = min(ratios, key=ratios.get)
    print(f"read+decode / bare pyserial read throughput ratio, slowest dialect ({worst}): "
          f"{ratios[worst]:.2f}")


if __name__ == "__main__":
    main()
