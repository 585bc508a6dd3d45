"""`kiosk demo`: the kiosk with a simulated queue system on a pty and a local server."""
from __future__ import annotations

import logging
import queue
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from drivers.events import Login, Pause, Resume
from drivers.line_codec import Next, Rated
from kiosk.config import Config, Device, Display, Queue, Rating, Server, Window, dump

log = logging.getLogger(__name__)

DEMO_WINDOW = 5
DEMO_HALL = "DEMO"
DEMO_HALL_NAME = "政务服务中心（演示）"
DEMO_STAFF = [{"staff_id": "1024", "name": "张敏", "stars": 5},
              {"staff_id": "1025", "name": "李强", "stars": 4}]
FIRST_CALL_S = 1.0   # the first ticket is called this soon after start
DONE_AFTER_S = 3.0   # and completed this long after it is called
KIOSK_UP_S = 1.0     # the driver starts this long after the kiosk's loop (its port is open)
PAUSE_S = 4.0        # a demo pause (暂停服务) lasts this long
RATING_TIMEOUT_S = 15.0  # a citizen who walks away: the QR code offers the phone sooner
PANEL = (800, 480)   # the Pi's 7-inch panel; the demo window and its screenshots
# What a demo run leaves in its --data-dir; removed at the next start so it never grows.
DEMO_FILES = ("server.db", "server.db-wal", "server.db-shm", "kiosk.toml", "kiosk")


class DemoDriver:
    """Plays the counter: CALL a ticket, DONE it a few seconds later, wait for the rating.

    After a rating (or its time-out) the next ticket comes `interval` seconds later;
    NEXT from the kiosk (the staff keypad or the optional 下一位 strip) calls the next
    ticket at once. With pause_every=N the window pauses (暂停服务) after the first rating
    and every Nth after it.
    """

    def __init__(self, sim, interval: float, done_after: float = DONE_AFTER_S,
                 pause_every: int = 0, pause_s: float = PAUSE_S) -> None:
        self.sim = sim
        self.interval = interval
        self.done_after = done_after
        self.pause_every, self.pause_s = pause_every, pause_s
        self.number = 0
        self.rated = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-driver", daemon=True)

    def start(self) -> DemoDriver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        self.sim.send(Login(DEMO_STAFF[0]["staff_id"]))
        next_call: float | None = time.monotonic() + FIRST_CALL_S
        done: tuple[str, float] | None = None
        pause_at: float | None = None
        resume_at: float | None = None
        while not self._stop.is_set():
            try:
                msg = self.sim.received.get(timeout=0.1)
            except queue.Empty:
                msg = None
            now = time.monotonic()
            if isinstance(msg, Next) and resume_at is None:
                log.info("demo: NEXT pressed on the kiosk")
                next_call, done = now, None
            elif isinstance(msg, Rated):
                log.info("demo: kiosk rated %s with level %d", msg.ticket, msg.level)
                self.rated += 1
                next_call = now + self.interval
                if self.pause_every and self.rated % self.pause_every == 1 % self.pause_every:
                    pause_at = now + min(self.interval, 4.0)  # after the thanks screen
                    resume_at, next_call = pause_at + self.pause_s, None
            if pause_at is not None and now >= pause_at:
                self.sim.send(Pause())
                log.info("demo: window paused (暂停服务)")
                pause_at = None
            if resume_at is not None and pause_at is None and now >= resume_at:
                self.sim.send(Resume())
                log.info("demo: window resumed")
                resume_at, next_call = None, now + 1.0
            if done is not None and now >= done[1]:
                case_id = f"DEMO{self.number:04d}"
                self.sim.send_done(done[0], case_id, "11410000")
                log.info("demo: DONE %s (case %s): the kiosk asks for a rating", done[0], case_id)
                done = None
            if next_call is not None and resume_at is None and now >= next_call:
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
        window=Window(number=DEMO_WINDOW, name="综合受理", hall_name=DEMO_HALL_NAME),
        queue=Queue(url=queue_url, dialect="line"),
        server=Server(url=server_url, batch_size=100, timeout_s=5.0),
        display=Display(fullscreen=not windowed, width=PANEL[0], height=PANEL[1]),
        rating=Rating(timeout_s=RATING_TIMEOUT_S),
    )


def enrol_demo_kiosk(server, cfg: Config) -> None:
    """Enrol the demo kiosk with a real one-time code, and give its hall a roster and a QR base
    URL, pulled once before the screen starts: so the staff card and the QR code show."""
    from server.api.device_config import set_config
    from server.api.enrol import create_code
    from sync.device_config import fetch_config
    from sync.enrol import enrol

    code = create_code(server.store, DEMO_HALL, DEMO_WINDOW).code
    out = enrol(server.url, code, token_file=cfg.token_path)
    cfg.device.id = out.device_id
    set_config(server.store, DEMO_HALL, None, {
        "hall_name": cfg.window.hall_name, "window_name": cfg.window.name,
        "staff": DEMO_STAFF, "qr_base_url": server.url, "rating_timeout_s": RATING_TIMEOUT_S})
    fetch_config(server.url, out.token, cfg.config_cache_path)


def seed_console(server) -> dict | None:
    """A month of ratings and a console login from server.demo_seed, when this build has it."""
    try:
        from server.demo_seed import seed_demo
    except ImportError:
        return None
    try:
        return seed_demo(server.store)
    except Exception:
        log.exception("demo console data could not be seeded")
        return None


MARKER = ".kiosk-demo"  # a data folder the demo made; only such a folder is ever cleared


def _demo_config_in(data: Path) -> bool:
    """A demo config from before the marker existed (its hall is the demo's)."""
    try:
        return DEMO_HALL_NAME in (data / "kiosk.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def start_receivers(server):
    """The duty manager's webhook and the provincial export targets as loopback receivers
    (server.delivery.DemoTargets), when this build has them: 差评 alerts and exports land there."""
    try:
        from server.delivery import DemoTargets
    except ImportError:
        return None
    try:
        return DemoTargets(server.store, hall=DEMO_HALL).start()
    except Exception:
        log.exception("demo webhook and export receivers could not start")
        return None


def report_receivers(receivers) -> None:
    if receivers is None:
        return
    got = {name: len(rx.received) for name, rx in receivers.targets.items()}
    print(f"Demo: the duty manager's webhook got {len(receivers.webhook.received)} 差评 "
          f"alert(s); the export targets got {got} rating(s)", flush=True)
    receivers.stop()


def clear_previous(data: Path, screenshots: Path | None) -> None:
    """Remove what an earlier demo run left, so var/demo never grows across runs. A folder
    the demo did not make (no marker) is refused when it holds files of the same names."""
    if not (data / MARKER).exists() and not _demo_config_in(data):
        clash = [name for name in DEMO_FILES if (data / name).exists()]
        if clash:
            raise SystemExit(f"kiosk demo: {data} holds {', '.join(clash)} that no demo made; "
                             f"choose another --data-dir")
    (data / MARKER).write_text("made by kiosk demo; cleared at each run\n")
    for name in DEMO_FILES:
        path = data / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    if screenshots is not None and screenshots.is_dir():
        # Only the demo's own pictures (NNN-<screen>.png, and kiosk-NNNN.png of older
        # versions): --screenshots may name a folder that holds other images.
        for png in [*screenshots.glob("[0-9][0-9][0-9]-*.png"),
                    *screenshots.glob("kiosk-*.png")]:
            png.unlink()


def _stop_on_signals() -> None:
    """Ctrl-C or SIGTERM closes the kiosk window like a user would: the app stops its services,
    then run_demo stops the simulator and the server (and demo.sh, last, Xvfb)."""
    from kivy.app import App
    from kivy.clock import Clock

    def handler(signum, _frame):
        log.info("demo: signal %d, shutting down", signum)
        app = App.get_running_app()
        if app is not None:
            Clock.schedule_once(lambda _dt: app.stop())

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run_demo(windowed: bool = True, interval: float = 8.0, data_dir: str | None = None,
             language: str = "zh_CN", screenshots: str | None = None, citizen: bool = False,
             duration: float | None = None, seed: int | None = None,
             done_after: float = DONE_AFTER_S) -> None:
    """Start server, simulator and driver, run the kiosk until its window closes (or Ctrl-C,
    or `duration` seconds), then stop kiosk, simulator and server, in that order."""
    from kivy.app import App
    from kivy.clock import Clock

    from drivers.sim.line import LineSimulator
    from kiosk.demo_citizen import Camera, Citizen
    from kiosk.ui.app import run as run_app
    from server.runner import ServerThread

    own_temp = data_dir is None
    data = Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if own_temp else Path(data_dir)
    shots = Path(screenshots) if screenshots else None
    data.mkdir(parents=True, exist_ok=True)
    clear_previous(data, shots)
    server = ServerThread(data / "server.db", host="127.0.0.1", port=0, open_ingest=False)
    sim = driver = receivers = None
    try:
        server.start()
        sim = LineSimulator(window=DEMO_WINDOW).start()
        cfg = demo_config(data, sim.port_path, server.url, windowed, language)
        try:
            enrol_demo_kiosk(server, cfg)
        except Exception as exc:  # noqa: BLE001 - one line, not a traceback: the demo stops
            raise SystemExit(f"kiosk demo: enrolling the demo kiosk at {server.url} failed: "
                             f"{exc}; is another demo using {data}?") from None
        login = seed_console(server)
        receivers = start_receivers(server)
        config_path = data / "kiosk.toml"
        config_path.write_text(dump(cfg), encoding="utf-8")
        cfg.path = config_path
        driver = DemoDriver(sim, interval, done_after, pause_every=3 if citizen else 0)
        camera = None
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            camera = Camera(shots)
        keep = []  # Kivy's clock holds callbacks weakly: the citizen lives as long as the demo

        def kiosk_up(_dt) -> None:
            # Timers count from the kiosk's first frame, not from before the seeding. Opening a
            # serial port flushes what was sent before, so the counter plays only after that.
            app = App.get_running_app()
            Clock.schedule_once(lambda _dt: driver.start(), KIOSK_UP_S)
            Clock.schedule_once(lambda _dt: keep.append(Citizen(app, citizen, camera,
                                                                seed).start()), KIOSK_UP_S)
            if duration:
                Clock.schedule_once(lambda _dt: app.stop(), duration)

        Clock.schedule_once(kiosk_up, 0)
        _stop_on_signals()
        _announce(server, cfg, data, shots, citizen, login, own_temp)
        run_app(cfg)
    finally:
        if driver is not None:
            driver.stop()
        if sim is not None:
            sim.stop()
        report_receivers(receivers)
        server.stop()
        if own_temp:
            shutil.rmtree(data, ignore_errors=True)
        print("Demo: stopped (kiosk, simulator, server).", flush=True)


def _has_console(url: str) -> bool:
    import requests

    try:
        return requests.get(f"{url}/console", timeout=2, allow_redirects=False).status_code != 404
    except requests.RequestException:
        return False


def _announce(server, cfg, data, shots, citizen, login, own_temp) -> None:
    who = ("a simulated citizen rates each ticket (sometimes 差评 with reasons); every third "
           "rating (the first too) the window pauses" if citizen else "tap a rating on the kiosk")
    lines = [f"Demo: window {DEMO_WINDOW} calls a ticket every few seconds; {who}.",
             (f"  kiosk enrolled as {cfg.device.id}; server {server.url} (what it received: "
              f"the console below, or `kiosk-server devices --db {data / 'server.db'}`)")]
    if login:
        lines.append(f"  console: {server.url}{login.get('path', '/console/')}  login "
                     f"{login.get('login')}  password {login.get('password')}  (a month of "
                     f"ratings of hall {login.get('hall', DEMO_HALL)})")
    elif _has_console(server.url):
        lines.append(f"  console: {server.url}/console (no demo login in this build: "
                     f"`kiosk-server user add --db {data / 'server.db'}` makes one)")
    if shots is not None:
        lines.append(f"  screenshots of every screen in {shots}/ (NNN-<screen>.png)")
    lines.append(f"  data: {data}" + (" (removed at exit)" if own_temp else
                                      " (replaced at the next run)"))
    lines.append("  Ctrl-C or closing the window stops it.")
    print("\n".join(lines), flush=True)
