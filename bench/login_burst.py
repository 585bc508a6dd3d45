"""Console logins under a burst: N parallel failed logins against `kiosk-server serve` as its
own process (SQLite, or --db postgresql://...), its VmRSS from /proc before, at the peak and
a few seconds after, and how long the burst took. The floor is the same server's RSS before
the burst; the last line is the ratios (goals: peak <= 1.8 x floor, one 19 MiB hash per
core at a time; after <= 1.2 x floor).

    .venv/bin/python bench/login_burst.py [--n 60] [--rounds 3] [--db postgresql://...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server.console.test_login_memory import burst, rss_kb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="parallel logins per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", help="a postgresql:// URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    import socket
    import subprocess

    import requests

    from server.console.sample import seed
    from server.db.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "server.db")
        store = open_store(db)
        seed(store, "correct-horse-battery")
        store.close()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port",
                                 str(port), "--db", db, "--log-level", "warning"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    requests.get(url + "/healthz", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            burst(url, proc.pid, 4)
            time.sleep(1)
            floor = rss_kb(proc.pid)
            peaks, afters = [], []
            for r in range(args.rounds):
                start = time.monotonic()
                results, peak = burst(url, proc.pid, args.n, net=10 + r)
                took = time.monotonic() - start
                time.sleep(3)
                after = rss_kb(proc.pid)
                peaks.append(peak)
                afters.append(after)
                counts = {code: results.count(code) for code in sorted(set(results))}
                print(f"round {r + 1}: {args.n} logins in {took:.1f} s {counts}; RSS floor "
                      f"{floor // 1024} MB, peak {peak // 1024} MB, after {after // 1024} MB")
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"peak/floor {max(peaks) / floor:.2f} (goal <= 1.8), "
          f"after/floor {max(afters) / floor:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
