"""/healthz latency while 1,200 half-open connections (headers never finished) hold the server,
beside the floor: the same /healthz requests to the same server with no half-open connection,
measured in the same run. Goal (issue 13 item 2): p99 stays under 100 ms and within a small
factor of the floor; the half-open connections are cut at the header deadline.

    .venv/bin/python bench/slow_clients.py [--half-open 1200] [--requests 200]

The suite only checks that /healthz answers and that the connections are cut
(tests/server/test_slow_clients.py); the speed goal lives here, run by hand.
"""
from __future__ import annotations

import argparse
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import pct  # noqa: E402
from server.runner import ServerThread  # noqa: E402
from server.serving import GuardedH11Protocol  # noqa: E402

GOAL_MS = 100.0


def healthz_ms(url: str, n: int) -> list[float]:
    times = []
    with requests.Session() as s:
        for _ in range(n):
            started = time.perf_counter()
            assert s.get(url + "/healthz", timeout=10).json() == {"ok": True}
            times.append((time.perf_counter() - started) * 1000)
    return times


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(1) == b""
    except (TimeoutError, BlockingIOError):
        return False
    except ConnectionResetError:
        return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half-open", type=int, default=1200)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--header-deadline", type=float, default=1.5,
                    help="seconds the server waits for headers (production: 10)")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.half_open + 200
    if min(hard, 65536) < need:
        sys.exit(f"needs {need} descriptors, hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    GuardedH11Protocol.header_timeout_s = args.header_deadline
    with tempfile.TemporaryDirectory() as tmp, ServerThread(Path(tmp) / "s.db") as srv:
        healthz_ms(srv.url, 20)  # warm-up
        floor = healthz_ms(srv.url, args.requests)
        socks = []
        try:
            for _ in range(args.half_open):
                sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(sock)
            opened = time.monotonic()
            loaded = healthz_ms(srv.url, args.requests)
            open_ = socks
            while open_ and time.monotonic() - opened < 10 * args.header_deadline + 10:
                time.sleep(0.2)
                open_ = [s for s in open_ if not closed_by_server(s)]
            cut_s = time.monotonic() - opened
        finally:
            for sock in socks:
                sock.close()
    print(f"/healthz ms, {args.requests} requests each  p50 / p99 / max")
    for label, times in (("floor (no half-open)", floor),
                         (f"with {args.half_open} half-open", loaded)):
        print(f"  {label:<24} {pct(times, 50):7.2f} {pct(times, 99):7.2f} {max(times):7.2f}")
    print(f"half-open connections still open {cut_s:.1f} s after opening: {len(open_)} of "
          f"{args.half_open} (header deadline {args.header_deadline} s)")
    print(f"p99 with half-open / floor p99 ratio: {pct(loaded, 99) / pct(floor, 99):.2f}")
    print(f"p99 with half-open / {GOAL_MS:.0f} ms goal ratio: {pct(loaded, 99) / GOAL_MS:.3f}")


if __name__ == "__main__":
    main()
