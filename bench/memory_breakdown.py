"""Where the kiosk's memory beyond the bare app goes: the kiosk built up from bench/bare_app.py
in one process, step by step, with the RSS after each step (bench/memory.py measures the real
`kiosk run` process; this one attributes). Steps: the bare window with one CJK label; the
kiosk's core modules; the sync layer (uploader, heartbeat, config pull, photos on http.client
and ssl, the hand-written wire check), then a TLS context with its CAs; the QR encoder; the
kiosk.ui modules; the four screens built and the idle screen drawn; N ratings (DONE on a pty,
a level tapped, the thanks screen, back to idle). Each step
also gives the SDL2_ttf font faces open (~0.3 MB each for the CJK font) and glibc's
malloc figures (in use, and freed but still mapped).

    .venv/bin/python bench/memory_breakdown.py [--ratings 200]
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_faces(font: str) -> int:
    """SDL2_ttf font faces open on `font`: each keeps its own file descriptor open, so these
    are the faces alive now, whatever key Kivy's text provider caches them under."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.path.realpath(fd) == os.path.realpath(font)
        except OSError:
            pass
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratings", type=int, default=200)
    args = ap.parse_args()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    home = Path(tempfile.mkdtemp(prefix="memory-breakdown-"))
    os.environ["KIVY_HOME"] = str(home / "kivy")
    os.environ["CACHE_DIRECTORY"] = str(home / "cache")
    # The catalogs compiled into it beforehand, as a deployed kiosk's first start leaves them:
    # compiled in this process, Babel and its locale data were ~2 MB of the screens' step.
    subprocess.run([sys.executable, "-c", "import os; from bench.memory import warm_catalogs; "
                    "warm_catalogs(dict(os.environ))"], cwd=ROOT, check=True)
    xvfb = None
    if not os.environ.get("DISPLAY"):
        from bench.common import start_xvfb

        xvfb = start_xvfb()
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    steps: list[tuple[str, float, str]] = []

    def mark(name: str) -> None:
        gc.collect()
        mi = libc.mallinfo2()
        extra = (f"faces {open_faces(font)}, malloc in use {(mi.uordblks + mi.hblkhd) / 2**20:.1f} "
                 f"MB, freed but mapped {mi.fordblks / 2**20:.1f} MB")
        steps.append((name, rss_mb(), extra))

    importlib.import_module("kiosk.ui")  # the kiosk's clock choice, before Kivy loads
    from kivy.config import Config

    Config.set("graphics", "width", "800")
    Config.set("graphics", "height", "480")
    from kiosk.config import Config as KioskConfig
    from kiosk.config import Device, Display, Queue, Rating, Server, Ui, Voice, Window
    from kiosk.ui.app import configure_window

    sim_dir = home / "kiosk"
    cfg = KioskConfig(device=Device(id="breakdown", data_dir=str(sim_dir)),
                      window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
                      rating=Rating(thanks_s=0.5), server=Server(url="http://127.0.0.1:9"),
                      display=Display(fullscreen=False, width=800, height=480),
                      voice=Voice(mute=True), ui=Ui(ghost_press_s=0.0))
    configure_window(cfg)  # the kiosk's window settings for the bare step too
    from kivy.base import EventLoop
    from kivy.core.text import DEFAULT_FONT, LabelBase
    from kivy.core.window import Window as KivyWindow
    from kivy.uix.label import Label

    from kiosk.i18n import find_cjk_font
    from kiosk.ui.app import embedded, pump_until

    font = find_cjk_font()
    LabelBase.register(DEFAULT_FONT, font)
    EventLoop.ensure_window()
    label = Label(text="请对我的服务做出评价", font_size=40)
    KivyWindow.add_widget(label)
    pump_until(timeout=1.0)
    mark("bare: the window and one CJK label drawn")
    KivyWindow.remove_widget(label)
    del label

    # What `kiosk run` imports before its window (kiosk/launch.py: no click).
    warnings.simplefilter("ignore")
    import drivers.factory  # noqa: F401
    import kiosk.launch
    import kiosk.flow
    import kiosk.services
    import sync.outbox
    mark("kiosk core: launch, config, flow, services, drivers (pyserial), sqlite3 store")
    # The kiosk loads neither requests nor pydantic (tests/kiosk/test_lean_process.py).
    import sync.config_pull
    import sync.device_config
    import sync.heartbeat
    import sync.photos
    import sync.uploader  # noqa: F401
    from sync.httpclient import Client
    from sync.wire.check import rating_errors

    rating_errors({})
    mark("sync layer: uploader, heartbeat, config pull, photos; http.client, ssl; wire check")
    Client().ssl_context()  # as for an https server: the verifying context and its CAs
    mark("a TLS context with the CA bundle loaded (an https server)")
    from kiosk.ui.qr import qr_matrix

    qr_matrix("https://example.invalid/r?d=breakdown&t=A0001")
    mark("qrcode (the matrix only)")
    import kiosk.ui.screens
    import kiosk.ui.tech_menu
    import kiosk.ui.voice  # noqa: F401
    mark("kiosk.ui modules and the Kivy widgets they import")

    from drivers.events import LinkState
    from drivers.sim.line import LineSimulator

    sim = LineSimulator(window=5).start()
    cfg.queue = Queue(url=sim.port_path, dialect="line")
    app = embedded(cfg)
    assert pump_until(lambda: app.flow.state.link is LinkState.CONNECTED, 10), "pty link"
    pump_until(timeout=2.0)  # the start-up heap trim (kiosk/heap.py) included
    mark("kv rules, the four screens built and fitted, the idle screen drawn, services up")
    for i in range(args.ratings):
        sim.send_bytes(f"DONE,5,A{i:04d},C{i},11410000\r\n".encode())
        assert pump_until(lambda: app.root.current == "rating", 5)
        pump_until(timeout=0.02)
        app.flow.tap_level(4)
        assert pump_until(lambda: app.root.current == "idle", 5)
    pump_until(timeout=1.5)
    mark(f"{args.ratings} ratings: rating and thanks screens drawn, back to idle")
    app.stop_services()
    sim.stop()
    prev = None
    for name, rss, extra in steps:
        delta = "" if prev is None else f"{rss - prev:+6.1f}"
        print(f"{rss:7.1f} MB {delta:>7}  {name} ({extra})")
        prev = rss
    print(f"beyond the bare app: {steps[-1][1] - steps[0][1]:.1f} MB; "
          f"ratio {steps[-1][1] / steps[0][1]:.3f}")
    sys.stdout.flush()
    if xvfb is not None:
        xvfb.terminate()
    shutil.rmtree(home, ignore_errors=True)
    os._exit(0)  # Kivy's embedded loop has no clean exit


if __name__ == "__main__":
    sys.exit(main())
