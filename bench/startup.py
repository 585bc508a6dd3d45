"""`kiosk run` -> idle screen up: time from process start to its READY notification (sent as
the window opens), beside a bare Kivy app showing one CJK label with the same marker, each
started N times on the same Xvfb, alternating; medians and the ratio.

    .venv/bin/python bench/startup.py [--runs 10] [--server]

Goal (issue 14): kiosk / bare <= 1.5. The kiosk runs with an empty config (no queue link, no
server) so the figure is the app's own start-up, not a network's. --server gives it a [server]
url on a loopback port nothing listens on: the sync layer (uploader, heartbeat, config pull)
then loads and starts as on a deployed kiosk, still without waiting for any network.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import start_xvfb, unit_python  # noqa: E402

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"




def time_to_ready(cmd: list[str], env: dict, sock: socket.socket, timeout: float = 60) -> float:
    """Seconds from spawning `cmd` to its READY=1 datagram; the process is stopped after."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=open(os.environ.get("BENCH_LOG", os.devnull), "ab"))
    try:
        sock.settimeout(timeout)
        while True:
            if sock.recv(4096).startswith(b"READY=1"):
                return time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--server", action="store_true",
                    help="configure a server URL (unreachable), as a deployed kiosk has")
    args = ap.parse_args()
    xvfb = start_xvfb() if not os.environ.get("DISPLAY") and shutil.which("Xvfb") else None
    times: dict[str, list[float]] = {"kiosk run": [], "bare Kivy app": []}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            notify = Path(tmp) / "notify"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(notify))
            config = Path(tmp) / "kiosk.toml"
            config.write_text(f'[device]\nid = "bench"\ndata_dir = "{tmp}/data"\n'
                              f'[display]\nfullscreen = false\nwidth = 800\nheight = 480\n'
                              + (f'[server]\nurl = "http://127.0.0.1:{dead_port()}"\n'
                                 if args.server else ""), encoding="utf-8")
            env = dict(os.environ, NOTIFY_SOCKET=str(notify), KIVY_NO_ARGS="1",
                       KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1",
                       KIVY_HOME=str(Path(tmp) / "kivy"), PYTHONPATH=str(ROOT),
                       # Both draw without MSAA, as the kiosk does (kiosk/ui/app.py): an MSAA
                       # window costs the bare app more and flattered the kiosk's ratio.
                       KCFG_GRAPHICS_MULTISAMPLES="0",
                       # kiosk.service's interpreter settings (its bytecode cache) for
                       # both, each cache warmed by a first start below, as after a first boot
                       **unit_python(Path(tmp)))
            # The `kiosk` console script's module, as kiosk.service starts it.
            kiosk = [sys.executable, "-m", "kiosk.launch", "run", "--config", str(config)]
            bare = [sys.executable, str(BARE_APP)]
            time_to_ready(kiosk, env, sock)  # warm the page cache and bytecode for both
            time_to_ready(bare, env, sock)
            for _ in range(args.runs):
                times["kiosk run"].append(time_to_ready(kiosk, env, sock))
                times["bare Kivy app"].append(time_to_ready(bare, env, sock))
    finally:
        if xvfb is not None:
            xvfb.terminate()
    for name, values in times.items():
        print(f"{name:>14}: median {statistics.median(values) * 1e3:.0f} ms, "
              f"min {min(values) * 1e3:.0f} ms, max {max(values) * 1e3:.0f} ms "
              f"({len(values)} runs)")
    ratio = statistics.median(times["kiosk run"]) / statistics.median(times["bare Kivy app"])
    print(f"kiosk run / bare Kivy app start-up ratio: {ratio:.2f} (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
