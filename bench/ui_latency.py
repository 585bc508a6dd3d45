"""How fast the rating screen pops: a DONE line written on the queue side of a pty
(LineSimulator) until the first frame showing the rating screen has been swapped to the
window (the end of its GL flip), over N runs; beside it a bare Kivy ScreenManager switch to its
first frame, measured the same way in the same process (same clock, same GL config). The
rating frames are broken down into where their time goes; the last line is the latency ratio.
The kiosk's memory is bench/memory.py's: the kiosk as deployed, in its own process.

    .venv/bin/python bench/ui_latency.py [--runs 200]

Runs on the caller's DISPLAY, else a private Xvfb (tests/conftest.py starts it the same way).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import pct, start_xvfb  # noqa: E402
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
# Before anything imports Kivy: kiosk.ui picks the clock the kiosk runs with (interrupt), and
# both the kiosk and the bare switch below run on it. Importing kivy.core.window first gave
# the default clock, which sleeps out the frame before handling a DONE the product handles
# at once.
import kiosk.ui  # noqa: F401


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f}, p99 {pct(values, 99):.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    xvfb = None
    if not os.environ.get("DISPLAY") and shutil.which("Xvfb"):
        xvfb = start_xvfb()
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
    # Only now: importing kivy.core.window creates the window, and the kiosk's graphics
    # settings (kiosk.ui.app.configure_window: no MSAA) must come first, as in `kiosk run`.
    from kivy.core.window import Window as KivyWindow
    from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

    KivyWindow.size = (800, 480)
    assert pump_until(lambda: app.flow.state.link is LinkState.CONNECTED, 10), "pty link"
    # Every frame as (draw start, swap start, swap end, screen the window's root showed):
    # the draw is Kivy's canvas turned into GL calls, the swap the GL flip (under Mesa's
    # software GL, where the frame is rasterised and copied to the X server).
    frames: list[tuple[float, float, float, str]] = []
    draw_start = [0.0]
    KivyWindow.bind(on_draw=lambda *_: draw_start.__setitem__(0, time.perf_counter()))
    real_flip = KivyWindow.flip

    def timed_flip():
        t = time.perf_counter()
        real_flip()
        root = KivyWindow.children[-1] if KivyWindow.children else None
        frames.append((draw_start[0], t, time.perf_counter(), getattr(root, "current", "")))

    KivyWindow.flip = timed_flip

    def first_frame(screen: str, since: float, timeout=5.0) -> tuple[float, float, float, str]:
        """The first frame whose drawing started after `since` and that shows `screen`."""
        del frames[:]

        def found():
            return next((f for f in frames if f[0] >= since and f[3] == screen), None)

        assert pump_until(lambda: found() is not None, timeout), f"no frame showed {screen}"
        return found()

    switched = [0.0]
    app.root.bind(current=lambda *_: switched.__setitem__(0, time.perf_counter()))
    phases: dict[str, list[float]] = {"pty -> screen switched (pty, queue, flow, render)": [],
                                      "switched -> draw starts (textures, layout)": [],
                                      "draw (Kivy canvas -> GL calls)": [],
                                      "swap (GL flip: rasterise + copy)": []}

    def one_rating(i: int) -> float:
        t0 = time.perf_counter()
        sim.send_bytes(f"DONE,5,A{i:04d},C{i},11410000\r\n".encode())
        draw, swap, end, _ = first_frame("rating", t0)
        for key, value in zip(phases, (switched[0] - t0, draw - switched[0], swap - draw,
                                       end - swap)):
            phases[key].append(value * 1000)
        app.flow.tap_level(4)
        assert pump_until(lambda: app.root.current == "idle", 5)
        return (end - t0) * 1000

    for i in range(int(os.environ.get("WARM", "5"))):  # warm up: textures, fonts, the pty path
        one_rating(90000 + i)
    for values in phases.values():
        del values[:]
    kiosk_ms = [one_rating(i) for i in range(args.runs)]
    kiosk_phases = {key: list(values) for key, values in phases.items()}
    # Under the kiosk's figure: the rating screen's own frame, redrawn with nothing changed
    # (no Python work, only Kivy's draw and the GL swap), beside the bare switch's frame below.
    t0 = time.perf_counter()
    sim.send_bytes(b"DONE,5,A9999,C9999,11410000\r\n")
    first_frame("rating", t0)
    still_ms = []
    for _ in range(args.runs):
        KivyWindow.canvas.ask_update()
        draw, _swap, end, _ = first_frame("rating", time.perf_counter())
        still_ms.append((end - draw) * 1000)
    app.flow.tap_level(4)
    assert pump_until(lambda: app.root.current == "idle", 5)

    bare = ScreenManager(transition=NoTransition())
    for name in ("a", "b"):
        bare.add_widget(Screen(name=name))
    KivyWindow.remove_widget(app.root)
    KivyWindow.add_widget(bare)
    bare_ms, bare_frames = [], []
    for i in range(args.runs):
        pump_until(timeout=0.005)
        t0 = time.perf_counter()
        bare.current = "b" if bare.current == "a" else "a"
        draw, _swap, end, _ = first_frame(bare.current, t0)
        bare_ms.append((end - t0) * 1000)
        bare_frames.append((end - draw) * 1000)
    KivyWindow.remove_widget(bare)
    KivyWindow.add_widget(app.root)

    print(f"DONE on the pty -> rating screen drawn ({args.runs} runs): "
          f"median {statistics.median(kiosk_ms):.1f} ms, p99 {pct(kiosk_ms, 99):.1f} ms, "
          f"max {max(kiosk_ms):.1f} ms")
    for key, values in kiosk_phases.items():
        print(f"  {key}: {ms(values)} ms")
    print(f"bare Kivy screen switch -> drawn ({args.runs} runs): "
          f"median {statistics.median(bare_ms):.1f} ms, p99 {pct(bare_ms, 99):.1f} ms")
    print(f"one frame, draw + swap: the rating screen redrawn unchanged {ms(still_ms)} ms; "
          f"the bare switch's (empty screens) {ms(bare_frames)} ms")
    app.stop_services()
    sim.stop()
    if xvfb is not None:
        xvfb.terminate()
    floor = pct(bare_ms, 99)
    # What no change to the kiosk's Python can remove: the bare switch plus what drawing the
    # rating screen costs more than drawing an empty one (the software rasteriser's share).
    extra = statistics.median(still_ms) - statistics.median(bare_frames)
    print(f"floor for the rating screen: bare switch p99 {floor:.1f} ms + its frame's extra "
          f"draw/swap (median {extra:.1f} ms) = {floor + extra:.1f} ms; kiosk p99 "
          f"{pct(kiosk_ms, 99):.1f} ms is {pct(kiosk_ms, 99) - floor - extra:.1f} ms above it")
    print(f"rating screen p99 {pct(kiosk_ms, 99):.1f} ms vs bare switch p99 {floor:.1f} ms: "
          f"ratio {pct(kiosk_ms, 99) / floor:.2f} (goal: p99 <= bare switch + one frame, "
          f"{floor + 1000 / 60:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
