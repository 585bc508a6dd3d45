"""A `kiosk run` process full screen on its own Xvfb of a given size, at a given [panel]
rotation, with a queue system on loopback (line dialect over TCP): what a panel of that size,
mounted that way, shows and does. Used by tests/kiosk/ui/test_panel.py and
scripts/panel_screenshots.py."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.xscreen import Screen, find_color
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
# kiosk/ui/widgets.py LEVEL_COLORS as 8-bit RGB: 非常满意 .. 非常不满意
LEVEL_RGB = {5: (28, 122, 51), 4: (125, 179, 66), 3: (250, 191, 46), 2: (245, 125, 0),
             1: (199, 41, 41)}
NAVY = (13, 71, 161)  # assets/kv/common.kv: the reasons screen's 提交 button
PANEL_SIZES = {"800x480": (800, 480), "1024x600": (1024, 600), "1280x800": (1280, 800),
               "480x800": (480, 800)}


def start_xvfb(size: tuple[int, int]) -> tuple[subprocess.Popen, str]:
    """(Xvfb process, display name) of a private X screen of `size`, no window manager."""
    from tests.conftest import _start_xvfb

    return _start_xvfb(f"{size[0]}x{size[1]}x24")


def level_box(image, level: int):
    """(left, top, right, bottom) of the pixels of level `level`'s colour, or None."""
    rgb, (w, h), px = LEVEL_RGB[level], image.size, image.load()
    xs, ys = [], []
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            r, g, b = px[x, y]
            if abs(r - rgb[0]) <= 6 and abs(g - rgb[1]) <= 6 and abs(b - rgb[2]) <= 6:
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if len(xs) > 50 else None


def blobs(image, rgb, step: int = 4, tolerance: int = 6) -> list[tuple[int, int, int, int, int]]:
    """(left, top, right, bottom, count) of each connected patch of about colour `rgb`,
    sampled every `step` pixels; largest first."""
    w, h = image.size
    px = image.load()
    grid = {(x, y) for y in range(0, h, step) for x in range(0, w, step)
            if all(abs(c - t) <= tolerance for c, t in zip(px[x, y], rgb))}
    found = []
    while grid:
        todo = [grid.pop()]
        xs, ys = [], []
        while todo:
            x, y = todo.pop()
            xs.append(x)
            ys.append(y)
            for n in ((x + step, y), (x - step, y), (x, y + step), (x, y - step)):
                if n in grid:
                    grid.remove(n)
                    todo.append(n)
        found.append((min(xs), min(ys), max(xs), max(ys), len(xs)))
    return sorted(found, key=lambda b: -b[4])


def inner_blob(image, rgb):
    """Centre of the largest patch of colour `rgb` off the screen's edges (a button, not a
    bar), or None."""
    w, h = image.size
    for left, top, right, bottom, count in blobs(image, rgb):
        if count >= 20 and left > 4 and top > 4 and right < w - 5 and bottom < h - 5:
            return (left + right) // 2, (top + bottom) // 2
    return None


class PanelKiosk:
    """start() -> the kiosk idle on the panel; call()/done() as the queue system; tap(); grab()."""

    def __init__(self, folder: Path, size: tuple[int, int], rotation: int,
                 display: str | None = None, language: str = "zh_CN",
                 thanks_s: float = 30) -> None:
        self.folder, self.size, self.rotation = folder, size, rotation
        self.thanks_s = thanks_s
        self.display, self.language = display, language
        self.xvfb = self.proc = self.screen = self.conn = None
        self.heard = b""

    def _config(self, port: int) -> Path:
        from kiosk.config import Config, Device, Display, Panel, Queue, Rating, Voice, Window, dump

        cfg = Config(device=Device(id="panel", data_dir=str(self.folder / "kiosk"),
                                   language=self.language),
                     window=Window(number=5, name="不动产登记综合受理", hall_name="市民服务中心"),
                     queue=Queue(url=f"socket://127.0.0.1:{port}", dialect="line"),
                     rating=Rating(thanks_s=self.thanks_s), display=Display(fullscreen=True),
                     panel=Panel(rotation=self.rotation), voice=Voice(mute=True))
        Path(cfg.device.data_dir).mkdir(parents=True, exist_ok=True)
        path = self.folder / "kiosk.toml"
        path.write_text(dump(cfg), encoding="utf-8")
        return path

    def start(self) -> PanelKiosk:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.display is None:
            self.xvfb, self.display = start_xvfb(self.size)
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(30)
        config = self._config(listener.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "NOTIFY_"))}
        env.update(DISPLAY=self.display, KIVY_NO_ARGS="1", KIVY_HOME=str(self.folder / "kivy"))
        self.log = self.folder / "kiosk.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "kiosk.launch", "run",
                                          "--config", str(config)], env=env, cwd=ROOT,
                                         stdout=out, stderr=out)
        try:
            self.conn, _addr = listener.accept()
        finally:
            listener.close()
        self.conn.settimeout(0.05)
        self.screen = Screen(self.display)
        self.wait_log("kiosk up", 60)
        time.sleep(0.3)  # the first frame
        return self

    def text(self) -> str:
        assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
        return self.log.read_text(errors="replace")

    def wait_log(self, words: str, timeout: float = 10.0, count: int = 1) -> None:
        wait_for(lambda: self.text().count(words) >= count, timeout=timeout, step=0.05)

    def send(self, line: str) -> None:
        self.conn.sendall(line.encode() + b"\r\n")

    def rated(self) -> list[str]:
        """The RATED lines the kiosk has sent the queue system so far."""
        try:
            while chunk := self.conn.recv(4096):
                self.heard += chunk
        except (socket.timeout, BlockingIOError):
            pass
        return [x for x in self.heard.decode().split("\r\n") if x.startswith("RATED")]

    def to_screen(self, mode: str, count: int = 1) -> None:
        """Wait for screen `mode` and until a tap on it counts: a tap within [ui]
        ghost_press_s (0.8 s) of the one that opened it is taken for a bounce."""
        self.wait_log(f"-> {mode}", count=count)
        time.sleep(0.9)

    def grab(self):
        return self.screen.grab()

    def tap_colour(self, rgb) -> tuple[int, int]:
        found = wait_for(lambda: find_color(self.grab(), rgb), timeout=10)
        self.screen.tap(found[0], found[1])
        return found[0], found[1]

    def tap_button(self, rgb) -> tuple[int, int]:
        """Tap the largest button filled with `rgb` (bars along the edges left aside)."""
        x, y = wait_for(lambda: inner_blob(self.grab(), rgb), timeout=10)
        self.screen.tap(x, y)
        return x, y

    def stop(self) -> None:
        if self.screen is not None:
            self.screen.close()
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.xvfb is not None:
            self.xvfb.terminate()
            self.xvfb.wait(timeout=5)
