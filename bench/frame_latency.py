"""Print how fast a frame-dialect kiosk answers its bus master (spec: within 50 ms).

A FrameLink (the kiosk's real driver) sits on one end of a pty; the bench plays the bus
master on the other, sends N addressed frames (CALL and POLL) and times each answer.
Run: .venv/bin/python bench/frame_latency.py [--frames N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.events import Call, LinkState  # noqa: E402
from drivers.frame_link import FrameLink  # noqa: E402
from drivers.sim.frame import FrameMaster  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=500)
    n = ap.parse_args().frames
    master = FrameMaster(addresses=[], drops=1, poll_s=3600).start()  # we drive the bus by hand
    link = FrameLink(master.port_paths[0], address=5)
    link.start()
    deadline = time.monotonic() + 5
    while link.state is not LinkState.CONNECTED and time.monotonic() < deadline:
        time.sleep(0.01)
    times, missing = [], 0
    from drivers import frame_codec as fc

    for i in range(n):
        frame = fc.to_frame(5, Call(f"A{i % 1000:03d}")) if i % 2 else fc.Frame(5, fc.POLL)
        start = time.perf_counter()
        answer = master.transact(frame)
        expected = fc.ACK if i % 2 else fc.IDLE
        if answer is None or answer.cmd != expected:
            missing += 1
        else:
            times.append((time.perf_counter() - start) * 1000)
    link.stop()
    master.stop()
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1] if times else float("nan")
    print(f"frames {n}, answered right {len(times)}, unanswered or wrong {missing}")
    print(f"answer time ms: median {statistics.median(times):.2f}  p99 {p99:.2f}  "
          f"max {times[-1]:.2f}  (spec limit 50)")
    print(f"p99 answer time / 50 ms spec limit ratio: {p99 / 50:.4f}")


if __name__ == "__main__":
    main()
