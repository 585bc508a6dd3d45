"""How fast the rating screen pops: a DONE line written on the queue side of a pty
(LineSimulator) until the frame showing the rating screen has been drawn (the window's
on_flip after the switch), over N runs; beside it a bare Kivy ScreenManager switch to its
next drawn frame, measured in the same process; then the kiosk's RSS after 1,000 ratings beside
a bare Kivy app showing one CJK label (bench/bare_app.py). The last line is the latency ratio.

    .venv/bin/python bench/ui_latency.py [--runs 200] [--ratings 1000]

Runs on the caller's DISPLAY, else a private Xvfb (tests/conftest.py starts it the same way).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct, rss_mb, start_xvfb  # noqa: E402
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))








def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--ratings", type=int, default=1000)
    args = ap.parse_args()
    xvfb = None
    if not os.environ.get("DISPLAY") and shutil.which("Xvfb"):
        xvfb = start_xvfb()
    from kivy.core.window import Window as KivyWindow
    from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

    from drivers.events import LinkState
    from drivers.sim.line import LineSimulator
    from kiosk.config import Config, Device, Display, Queue, Rating, Voice, Window
    from kiosk.ui.app import embedded, pump_until

    sim = LineSimulator(window=5).start()
    data = tempfile.mkdtemp(prefix="ui-bench-")
    cfg = Config(device=Device(id="bench", data_dir=data),
                 window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
                 queue=Queue(url=sim.port_path, dialect="line"),
                 rating=Rating(thanks_s=0.01),
                 display=Display(fullscreen=False, width=800, height=480),
                 voice=Voice(mute=True))
    app = embedded(cfg)
    KivyWindow.size = (800, 480)
    assert pump_until(lambda: app.flow.state.link is LinkState.CONNECTED, 10), "pty link"
    flips: list[float] = []
    KivyWindow.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    # How long the GL flip itself takes (software GL under Xvfb rasterises the whole frame
    # here): the part of the latency no Python change can remove.
    flip_ms: list[float] = []
    real_flip = KivyWindow.flip

    def timed_flip():
        t = time.perf_counter()
        real_flip()
        flip_ms.append((time.perf_counter() - t) * 1000)

    KivyWindow.flip = timed_flip

    def drawn_after(predicate, timeout=5.0) -> float:
        """perf_counter of the first flip after predicate() became true."""
        assert pump_until(predicate, timeout)
        mark = len(flips)
        assert pump_until(lambda: len(flips) > mark, timeout)
        return flips[mark]

    def one_rating(i: int) -> float:
        t0 = time.perf_counter()
        sim.send_bytes(f"DONE,5,A{i:04d},C{i},11410000\r\n".encode())
        t1 = drawn_after(lambda: app.root.current == "rating")
        app.flow.tap_level(4)
        assert pump_until(lambda: app.root.current == "idle", 5)
        return (t1 - t0) * 1000

    for i in range(int(os.environ.get("WARM", "5"))):  # warm up: textures, fonts, the pty path
        one_rating(90000 + i)
    del flip_ms[:]
    kiosk_ms = [one_rating(i) for i in range(args.runs)]
    kiosk_flips = list(flip_ms)
    del flip_ms[:]

    bare = ScreenManager(transition=NoTransition())
    for name in ("a", "b"):
        bare.add_widget(Screen(name=name))
    KivyWindow.remove_widget(app.root)
    KivyWindow.add_widget(bare)
    bare_ms = []
    for i in range(args.runs):
        pump_until(timeout=0.005)
        t0 = time.perf_counter()
        bare.current = "b" if bare.current == "a" else "a"
        mark = len(flips)
        assert pump_until(lambda: len(flips) > mark, 5)
        bare_ms.append((flips[mark] - t0) * 1000)
    KivyWindow.remove_widget(bare)
    KivyWindow.add_widget(app.root)
    bare_flips = list(flip_ms)

    rss_before = rss_mb()
    t0 = time.perf_counter()
    for i in range(args.ratings):
        one_rating(100000 + i)
    elapsed = time.perf_counter() - t0
    rss_after = rss_mb()
    stored = len(app.flow.store.all())

    print(f"DONE on the pty -> rating screen drawn ({args.runs} runs): "
          f"median {statistics.median(kiosk_ms):.1f} ms, p99 {pct(kiosk_ms, 99):.1f} ms, "
          f"max {max(kiosk_ms):.1f} ms")
    print(f"bare Kivy screen switch -> drawn ({args.runs} runs): "
          f"median {statistics.median(bare_ms):.1f} ms, p99 {pct(bare_ms, 99):.1f} ms")
    print(f"GL flip alone: kiosk frames median {statistics.median(kiosk_flips):.1f} ms "
          f"(p99 {pct(kiosk_flips, 99):.1f}), bare frames median "
          f"{statistics.median(bare_flips):.1f} ms")
    print(f"RSS: {rss_before:.1f} MB before, {rss_after:.1f} MB after {args.ratings} more "
          f"ratings ({elapsed:.1f} s, {stored} rows stored)")
    app.stop_services()
    sim.stop()
    bare_rss = float(subprocess.run([sys.executable, str(Path(__file__).with_name("bare_app.py")),
                                     "--rss"], capture_output=True, text=True, check=True,
                                    env=dict(os.environ, KIVY_NO_CONSOLELOG="1")
                                    ).stdout.split()[-1])
    if xvfb is not None:
        xvfb.terminate()
    floor = pct(bare_ms, 99)
    print(f"bare Kivy app with one CJK label: RSS {bare_rss:.1f} MB; kiosk/bare RSS ratio "
          f"{rss_after / bare_rss:.2f} (goal <= 1.15)")
    print(f"rating screen p99 {pct(kiosk_ms, 99):.1f} ms vs bare switch p99 {floor:.1f} ms: "
          f"ratio {pct(kiosk_ms, 99) / floor:.2f} (goal: p99 <= bare switch + one frame, "
          f"{floor + 1000 / 60:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
