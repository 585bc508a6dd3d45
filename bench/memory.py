"""The kiosk's memory as deployed: `kiosk run` as its own process (the way kiosk.service starts
it: its environment, full screen, READY over $NOTIFY_SOCKET) on a private Xvfb, its queue link
on a pty (LineSimulator), enrolled with a loopback server it uploads to (as in `kiosk demo`),
voice muted. N ratings are driven from outside: DONE on the pty, then a real click on the
满意 (level 4) button through the X server (XTEST), the kiosk's log saying which screen is
up. Its VmRSS comes from /proc/<pid>/status; beside it bench/bare_app.py --rss (one CJK
label, nothing else) with the Kivy graphics settings the kiosk itself applies. The last line
is the ratio of the medians (goal <= 1.15).

    .venv/bin/python bench/memory.py [--ratings 1000] [--runs 1] [--bare-runs 5] [--smaps]
                                     [--no-server]

--smaps prints where the kiosk's resident memory is beyond the bare app's, mapping by mapping.
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import start_xvfb, unit_environment, unit_python  # noqa: E402

WINDOW = 5
SCREEN = (800, 480)  # the Pi's 7-inch panel; the kiosk runs full screen on it
LEVEL = 4  # 比较满意: no reasons screen after it
# Where the level buttons are on the 800x480 rating screen (assets/kv/rating.kv): a row of
# five between the 92 px header and the 44 px footer, 10 px padding, 8 px spacing.
LEVEL_X = {5: 85, 4: 243, 3: 400, 2: 557, 1: 715}
LEVEL_Y = 250
SCREEN_RE = re.compile(r"screen (\w+) -> (\w+)")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def smaps(pid: int) -> dict[str, int]:
    """Resident kB per mapping name ([heap], [anon], a library's path, ...)."""
    out: dict[str, int] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if "-" in head[0] and ":" not in head[0]:  # a mapping's header line
            name = head[5] if len(head) > 5 else "[anon]"
        elif head[0] == "Rss:":
            out[name] = out.get(name, 0) + int(head[1])
    return out


def rollup(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0])
    return out


class Clicker:
    """Mouse clicks through the X server's XTEST extension, as a finger on the panel."""

    def __init__(self, display: str) -> None:
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XFlush.argtypes = [ctypes.c_void_p]
        self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                                   ctypes.c_int, ctypes.c_ulong]
        self.xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint,
                                                   ctypes.c_int, ctypes.c_ulong]
        self.dpy = self.x11.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open X display {display}")

    def click(self, x: int, y: int) -> None:
        self.xtst.XTestFakeMotionEvent(self.dpy, -1, x, y, 0)
        self.x11.XFlush(self.dpy)
        time.sleep(0.02)
        self.xtst.XTestFakeButtonEvent(self.dpy, 1, 1, 0)
        self.x11.XFlush(self.dpy)
        time.sleep(0.02)
        self.xtst.XTestFakeButtonEvent(self.dpy, 1, 0, 0)
        self.x11.XFlush(self.dpy)

    def close(self) -> None:
        self.x11.XCloseDisplay(self.dpy)


class Notify:
    """Our $NOTIFY_SOCKET, read all along as systemd does: the kiosk pings WATCHDOG=1 from its
    UI loop, and a socket nobody reads fills up and blocks that loop (~160 ratings in)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.ready: queue.Queue[bool] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if b"READY=1" in data:
                self.ready.put(True)

    def wait_ready(self, proc: subprocess.Popen, timeout: float = 60) -> None:
        while not self.ready.empty():
            self.ready.get_nowait()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited with {proc.returncode} before READY=1")
            try:
                self.ready.get(timeout=0.5)
                return
            except queue.Empty:
                continue
        raise RuntimeError("no READY=1")

    def close(self) -> None:
        self.sock.close()


def service_env(home: Path, notify: Path) -> dict:
    """kiosk.service's environment, with the X11 drop-in its comment describes, its state and
    cache folders in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "KCFG_", "SDL_"))}
    env.update(unit_environment())
    env.update(unit_python(home / "cache"))
    env.update(SDL_VIDEODRIVER="x11", HOME=str(home), KIVY_HOME=str(home / "kivy"),
               CACHE_DIRECTORY=str(home / "cache"), NOTIFY_SOCKET=str(notify),
               PYTHONUNBUFFERED="1")
    (home / "cache").mkdir(parents=True, exist_ok=True)
    return env


def warm_catalogs(env: dict) -> None:
    """Compile the translation catalogs into the cache folder, as the first start of a deployed
    kiosk leaves them (CacheDirectory=): later starts read the .mo files without Babel."""
    code = ("import glob; from pathlib import Path; from sync.wire.labels import po_translations; "
            "[po_translations(Path(p)) for p in glob.glob('kiosk/locale/*/LC_MESSAGES/*.po')]")
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def kiosk_config(data: Path, queue_url: str, server) -> Path:
    """A kiosk.toml for window 5 on the pty, muted, enrolled with `server` (or a dead URL)."""
    from kiosk.config import (
        Config,
        Device,
        Display,
        Queue,
        Rating,
        Server,
        Ui,
        Voice,
        Window,
        dump,
    )

    cfg = Config(device=Device(id="bench-kiosk", data_dir=str(data / "kiosk")),
                 window=Window(number=WINDOW, name="综合受理", hall_name="市民服务中心"),
                 queue=Queue(url=queue_url, dialect="line"),
                 server=Server(url=server.url if server else "http://127.0.0.1:9",
                               batch_size=100, timeout_s=5.0),
                 display=Display(fullscreen=True, width=SCREEN[0], height=SCREEN[1]),
                 rating=Rating(thanks_s=0.5),
                 # Clicks come faster than a finger: no tap is a ghost of the one before.
                 ui=Ui(ghost_press_s=0.0),
                 voice=Voice(mute=True))
    Path(cfg.device.data_dir).mkdir(parents=True, exist_ok=True)
    if server is not None:
        from kiosk.demo import enrol_demo_kiosk

        enrol_demo_kiosk(server, cfg)  # a real enrolment, roster and QR base URL, as the demo
    path = data / "kiosk.toml"
    path.write_text(dump(cfg), encoding="utf-8")
    return path


def kivy_settings(config: Path, env: dict) -> list[str]:
    """The graphics and input settings the kiosk applies (kiosk.ui.app.configure_window)."""
    code = ("import json, sys; from kivy.config import Config as K; "
            "from kiosk.config import load; from kiosk.ui.app import configure_window; "
            "configure_window(load(sys.argv[1])); "
            "print(json.dumps({s: dict(K.items(s)) for s in ('graphics', 'input')}))")
    out = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True,
                         text=True, check=True, cwd=ROOT,
                         env=dict(env, KIVY_NO_CONSOLELOG="1", NOTIFY_SOCKET=""))
    sections = json.loads(out.stdout.strip().splitlines()[-1])
    return [f"{s}.{k}={v}" for s, items in sections.items() for k, v in sorted(items.items())]


class Kiosk:
    """`kiosk run --config` as a child process; its log lines tell which screen is up."""

    def __init__(self, config: Path, env: dict, notify: Notify) -> None:
        exe = Path(sys.executable).with_name("kiosk")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "kiosk.cli"]
        if os.environ.get("KIOSK_CMD"):  # profiling: the kiosk under a wrapper
            cmd = os.environ["KIOSK_CMD"].split()
        self.proc = subprocess.Popen([*cmd, "run", "--config", str(config)], env=env, cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.screens: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        notify.wait_ready(self.proc)

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line)
            del self.log[:-200]
            m = SCREEN_RE.search(line)
            if m:
                self.screens.put(m.group(2))

    def wait_screen(self, name: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                if self.screens.get(timeout=left) == name:
                    return True
            except queue.Empty:
                break
        return False

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_kiosk(args, env: dict, config: Path, sim, notify: Notify, clicker: Clicker,
              show_smaps: bool) -> dict:
    from drivers.events import Login

    kiosk = Kiosk(config, env, notify)
    pid = kiosk.proc.pid
    samples = []
    try:
        time.sleep(1.0)  # the pty opened (opening flushes what came before)
        sim.send(Login("1024"))
        time.sleep(0.5)
        start_kb = rss_kb(pid)

        def one(i: int) -> None:
            while not kiosk.screens.empty():
                kiosk.screens.get_nowait()
            sim.send_done(f"A{i:04d}", f"C{i:05d}", "11410000")
            if not kiosk.wait_screen("rating", 10):
                raise RuntimeError(f"rating {i}: no rating screen\n{''.join(kiosk.log[-20:])}")
            for _attempt in range(5):
                time.sleep(0.03)
                clicker.click(LEVEL_X[LEVEL], LEVEL_Y)
                if kiosk.wait_screen("thanks", 2):
                    break
            else:
                raise RuntimeError(f"rating {i}: the click did not rate\n"
                                   f"{''.join(kiosk.log[-20:])}")
            if not kiosk.wait_screen("idle", 10):
                raise RuntimeError(f"rating {i}: not back to idle\n{''.join(kiosk.log[-20:])}")

        warm = min(100, args.ratings)
        t0 = time.monotonic()
        for i in range(args.ratings):
            one(i)
            if i + 1 == warm or (i + 1) % 250 == 0 or i + 1 == args.ratings:
                samples.append((i + 1, rss_kb(pid)))
        elapsed = time.monotonic() - t0
        time.sleep(1.5)  # the last upload and frames settle
        end_kb = rss_kb(pid)
        result = {"start": start_kb, "end": end_kb, "samples": samples, "elapsed": elapsed,
                  "rollup": rollup(pid), "growth": end_kb - samples[0][1]}
        if show_smaps:
            result["smaps"] = smaps(pid)
        if os.environ.get("KIOSK_DUMP_S"):  # a profiling wrapper dumps what it holds on SIGUSR1
            os.kill(pid, signal.SIGUSR1)
            time.sleep(float(os.environ["KIOSK_DUMP_S"]))
        return result
    finally:
        kiosk.stop()


def run_bare(env: dict, settings: list[str], notify: Notify | None) -> tuple[float, dict]:
    """bench/bare_app.py --rss: its own RSS in MB (or, given notify, its smaps while up)."""
    cmd = [sys.executable, str(ROOT / "bench" / "bare_app.py")]
    for s in settings:
        cmd += ["--set", s]
    if notify is None:
        out = subprocess.run([*cmd, "--rss"], capture_output=True, text=True, check=True,
                             env=dict(env, KIVY_NO_CONSOLELOG="1", NOTIFY_SOCKET=""), cwd=ROOT)
        return float(out.stdout.split()[-1]), {}
    proc = subprocess.Popen(cmd, env=dict(env, KIVY_NO_CONSOLELOG="1"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        notify.wait_ready(proc)
        time.sleep(1.5)
        return rss_kb(proc.pid) / 1024, smaps(proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def print_smaps(kiosk: dict[str, int], bare: dict[str, int]) -> None:
    names = set(kiosk) | set(bare)
    rows = sorted(((kiosk.get(n, 0) - bare.get(n, 0), n) for n in names), reverse=True)
    print("where the kiosk's RSS is beyond the bare app's (kB, kiosk - bare, per mapping):")
    for diff, name in rows:
        if abs(diff) >= 256:
            print(f"  {diff:+8d}  {kiosk.get(name, 0):8d} {bare.get(name, 0):8d}  {name}")
    small = sum(d for d, _n in rows if abs(d) < 256)
    print(f"  {small:+8d}  (the other mappings, each under 256 kB)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratings", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=1, help="kiosk processes, one after another")
    ap.add_argument("--bare-runs", type=int, default=5)
    ap.add_argument("--smaps", action="store_true", help="print the per-mapping difference")
    ap.add_argument("--no-server", action="store_true",
                    help="server URL pointing nowhere instead of an enrolled loopback server")
    args = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("bench/memory.py needs Xvfb", file=sys.stderr)
        return 2
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    xvfb = start_xvfb(f"{SCREEN[0]}x{SCREEN[1]}x24")
    server = sim = clicker = None
    try:
        from drivers.sim.line import LineSimulator

        if not args.no_server:
            from server.runner import ServerThread

            server = ServerThread(work / "server.db", host="127.0.0.1", port=0,
                                  open_ingest=False)
            server.start()
        clicker = Clicker(os.environ["DISPLAY"])
        notify_path = work / "notify"
        notify = Notify(notify_path)
        env = service_env(work / "home", notify_path)
        warm_catalogs(env)
        settings = None
        # A deployed kiosk's first start compiles its bytecode into the cache (the unit's
        # PYTHONPYCACHEPREFIX); the measured runs are later starts, as on every boot after it.
        sim = LineSimulator(window=WINDOW).start()
        (work / "first").mkdir()
        first = kiosk_config(work / "first", sim.port_path, server)
        settings = kivy_settings(first, env)
        run_kiosk(argparse.Namespace(**{**vars(args), "ratings": 3}), env, first, sim, notify,
                  clicker, False)
        run_bare(env, settings, None)
        sim.stop()
        sim = None
        kiosk_mb, growth, results = [], [], []
        for run in range(args.runs):
            sim = LineSimulator(window=WINDOW).start()
            data = work / f"run{run}"
            data.mkdir()
            config = kiosk_config(data, sim.port_path, server)
            r = run_kiosk(args, env, config, sim, notify, clicker, args.smaps)
            sim.stop()
            sim = None
            results.append(r)
            kiosk_mb.append(r["end"] / 1024)
            growth.append(r["growth"] / 1024)
            trail = ", ".join(f"{n}: {kb / 1024:.1f}" for n, kb in r["samples"])
            print(f"kiosk run {run + 1}: RSS {r['start'] / 1024:.1f} MB at idle before the "
                  f"first rating; after N ratings (MB) {trail}; settled {r['end'] / 1024:.1f} MB "
                  f"({args.ratings} ratings in {r['elapsed']:.0f} s); anonymous "
                  f"{r['rollup']['Anonymous'] / 1024:.1f} MB, file-backed "
                  f"{(r['rollup']['Rss'] - r['rollup']['Anonymous']) / 1024:.1f} MB", flush=True)
        bare = [run_bare(env, settings, None)[0] for _ in range(args.bare_runs)]
        print(f"bare app ({args.bare_runs} runs, {' '.join(settings)}): RSS "
              + ", ".join(f"{b:.1f}" for b in bare) + " MB")
        if args.smaps:
            _mb, bare_smaps = run_bare(env, settings, notify)
            print_smaps(results[-1]["smaps"], bare_smaps)
        k, b = statistics.median(kiosk_mb), statistics.median(bare)
        print(f"kiosk RSS after {args.ratings} ratings: median {k:.1f} MB over {args.runs} "
              f"run(s), growth from rating {min(100, args.ratings)} to the end "
              f"{statistics.median(growth):+.1f} MB; bare app median {b:.1f} MB")
        print(f"kiosk/bare RSS ratio {k / b:.3f} (goal <= 1.15)")
    finally:
        if sim is not None:
            sim.stop()
        if clicker is not None:
            clicker.close()
        if server is not None:
            server.stop()
        xvfb.terminate()
        xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
