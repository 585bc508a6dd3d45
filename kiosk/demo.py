"""`kiosk demo`: the kiosk with a simulated queue system on a pty and a local server."""
from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
from pathlib import Path

from drivers.events import Login
from drivers.line_codec import Next, Rated
from kiosk.config import Config, Device, Display, Queue, Server, Window, dump

log = logging.getLogger(__name__)

DEMO_WINDOW = 5
FIRST_CALL_S = 1.0   # the first ticket is called this soon after start
DONE_AFTER_S = 3.0   # and completed this long after it is called
KIOSK_UP_S = 1.0     # the driver starts this long after the kiosk's loop (its port is open)


class DemoDriver:
    """Plays the counter: CALL a ticket, DONE it a few seconds later, wait for the rating.

    After a rating (or its time-out) the next ticket comes `interval` seconds later;
    NEXT pressed on the kiosk calls the next ticket at once.
    """

    def __init__(self, sim, interval: float, done_after: float = DONE_AFTER_S) -> None:
        self.sim = sim
        self.interval = interval
        self.done_after = done_after
        self.number = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-driver", daemon=True)

    def start(self) -> "DemoDriver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        self.sim.send(Login("1024"))
        next_call: float | None = time.monotonic() + FIRST_CALL_S
        done: tuple[str, float] | None = None
        while not self._stop.is_set():
            try:
                msg = self.sim.received.get(timeout=0.1)
            except queue.Empty:
                msg = None
            now = time.monotonic()
            if isinstance(msg, Next):
                log.info("demo: NEXT pressed on the kiosk")
                next_call, done = now, None
            elif isinstance(msg, Rated):
                log.info("demo: kiosk rated %s with level %d", msg.ticket, msg.level)
                next_call = now + self.interval
            if done is not None and now >= done[1]:
                case_id = f"DEMO{self.number:04d}"
                self.sim.send_done(done[0], case_id, "11410000")
                log.info("demo: DONE %s (case %s): the kiosk asks for a rating", done[0], case_id)
                done = None
            if next_call is not None and now >= next_call:
                self.number += 1
                ticket = f"A{self.number:03d}"
                self.sim.send_call(ticket)
                log.info("demo: CALL %s", ticket)
                next_call, done = None, (ticket, now + self.done_after)


def demo_config(data_dir: Path, queue_url: str, server_url: str, windowed: bool,
                language: str = "zh_CN") -> Config:
    """Window 5 of a demo hall, talking to the simulator and the loopback server."""
    return Config(
        device=Device(id="demo-kiosk", data_dir=str(data_dir / "kiosk"), language=language),
        window=Window(number=DEMO_WINDOW, name="综合受理", hall_name="政务服务中心（演示）"),
        queue=Queue(url=queue_url, dialect="line"),
        server=Server(url=server_url, batch_size=100, timeout_s=5.0),
        display=Display(fullscreen=not windowed, width=800, height=480),
    )


SCREENSHOT_EVERY_S = 3.0
MAX_SCREENSHOTS = 200  # a demo left running overnight must not fill the disk


def schedule_screenshots(folder: str) -> None:
    """Save what the kiosk shows every few seconds (for a demo on a machine with no screen)."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    Path(folder).mkdir(parents=True, exist_ok=True)
    taken = [0]

    def shoot(_dt):
        taken[0] += 1
        try:
            Window.screenshot(name=str(Path(folder) / "kiosk-.png"))  # Kivy adds 0001, 0002...
        except OSError as exc:  # a full disk must not stop the demo
            log.warning("screenshot failed: %s", exc)
            return False
        return taken[0] < MAX_SCREENSHOTS

    Clock.schedule_interval(shoot, SCREENSHOT_EVERY_S)


def run_demo(windowed: bool = True, interval: float = 8.0, data_dir: str | None = None,
             language: str = "zh_CN", screenshots: str | None = None) -> None:
    """Start server, simulator and driver, run the kiosk until its window closes, tidy up."""
    from kivy.clock import Clock

    from drivers.sim.line import LineSimulator
    from kiosk.ui.app import run as run_app
    from server.runner import ServerThread

    data = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    data.mkdir(parents=True, exist_ok=True)
    server = ServerThread(data / "server.db", host="127.0.0.1", port=0).start()
    sim = LineSimulator(window=DEMO_WINDOW).start()
    driver = None
    try:
        cfg = demo_config(data, sim.port_path, server.url, windowed, language)
        config_path = data / "kiosk.toml"
        config_path.write_text(dump(cfg), encoding="utf-8")
        cfg.path = config_path
        driver = DemoDriver(sim, interval)
        # Opening a serial port flushes what was sent before, so play only once the kiosk runs.
        Clock.schedule_once(lambda _dt: driver.start(), KIOSK_UP_S)
        if screenshots:
            schedule_screenshots(screenshots)
            print(f"Demo: a screenshot every {SCREENSHOT_EVERY_S:g} s in {screenshots}", flush=True)
        print(f"Demo: window {DEMO_WINDOW} calls a ticket every few seconds; tap a rating on the "
              f"kiosk (下一位 calls the next one). Server: {server.url}/api/v1/ratings  "
              f"Data: {data}  Close the window to stop.", flush=True)
        run_app(cfg)
    finally:
        if driver is not None:
            driver.stop()
        sim.stop()
        server.stop()
