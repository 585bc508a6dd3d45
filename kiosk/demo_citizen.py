"""The demo's simulated citizen and camera: real taps on the rating screens, a named screenshot
of every screen it sees (for a machine with no screen)."""
from __future__ import annotations

import logging
import random
import time
from pathlib import Path

log = logging.getLogger(__name__)

TICK_S = 0.25
SETTLE_S = 0.7          # a screen is photographed this long after it opens (drawn, not blank)
THINK_S = (1.2, 2.4)    # a citizen reads for this long before tapping (beyond the ghost filter)
BAD_SHARE = 0.35        # how often the simulated citizen is unhappy (a 差评 with reasons)
LEVEL_WEIGHTS = {5: 5, 4: 3, 3: 2}  # among the happy ones
MAX_SHOTS_PER_SCREEN = 6  # a long demo does not fill the disk: the first few of each screen
SCREENS = ("idle", "rating", "reasons", "thanks", "paused")


def screen_key(root) -> str | None:
    """What the kiosk shows now, by name: idle, rating, reasons, thanks, or paused."""
    if root is None or not hasattr(root, "idle"):
        return None
    if root.current == "idle" and root.idle.paused:
        return "paused"
    return root.current


def idle_look(root) -> tuple:
    """What changes the idle screen's picture without changing the screen: a call, a QR code."""
    idle = getattr(root, "idle", None)
    if idle is None or root.current != "idle":
        return ()
    qr = getattr(idle.ids.get("qr"), "data", "") if hasattr(idle, "ids") else ""
    return (bool(idle.calling), bool(qr))


def tap(widget) -> None:
    """A touch down and up at the widget's centre, through the window like a finger."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


class Camera:
    """Photographs each screen shortly after it opens: <folder>/<nn>-<screen>.png."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.count = 0
        self.per_screen: dict[str, int] = {}

    def wants(self, key: str) -> bool:
        return self.per_screen.get(key, 0) < MAX_SHOTS_PER_SCREEN

    def shoot(self, key: str) -> Path | None:
        from kivy.core.window import Window

        self.count += 1
        self.per_screen[key] = self.per_screen.get(key, 0) + 1
        target = self.folder / f"{self.count:03d}-{key}.png"
        try:
            Window.screenshot(name=str(target))  # Kivy appends a counter: ...0001.png
            made = sorted(self.folder.glob(f"{target.stem}[0-9][0-9][0-9][0-9].png"))
            if made:
                made[-1].replace(target)
        except OSError as exc:  # a full disk must not stop the demo
            log.warning("screenshot failed: %s", exc)
            return None
        return target


class Citizen:
    """Watches the kiosk's screens; rates when asked (if `taps`), photographs each screen."""

    def __init__(self, app, taps: bool, camera: Camera | None, seed: int | None = None) -> None:
        self.app, self.taps, self.camera = app, taps, camera
        self.rng = random.Random(seed)
        self.key: str | None = None
        self.look: tuple = ()
        self.since = time.monotonic()
        self.shot = True
        self.think = 0.0
        self.picked: list[str] = []
        self.seen: set[str] = set()
        self.rated = 0
        self.walked = False

    def start(self) -> Citizen:
        from kivy.clock import Clock

        Clock.schedule_interval(self._tick, TICK_S)
        return self

    def walk_away(self) -> bool:
        """The second citizen leaves without rating: the case times out (level 0) and the idle
        screen offers its QR code for rating by phone."""
        if self.rated == 1 and not self.walked:
            self.walked = True
            self.since = float("inf")  # no tap on this rating screen
            log.info("demo citizen walks away without rating")
            return True
        return self.since == float("inf")

    def choose_level(self) -> int:
        self.rated += 1
        if self.rated == 1 or self.rng.random() < BAD_SHARE:  # the first shows the reasons
            return self.rng.choice((1, 2))
        levels = list(LEVEL_WEIGHTS)
        return self.rng.choices(levels, [LEVEL_WEIGHTS[lv] for lv in levels])[0]

    def _tick(self, _dt) -> None:
        root = self.app.root
        key = screen_key(root)
        if key is None:
            return
        now = time.monotonic()
        look = idle_look(root)
        if key == self.key and look != self.look and self.camera is not None:
            self.look, self.since, self.shot = look, now, False  # a call or QR: photograph again
        if key != self.key:
            self.key, self.look, self.since, self.shot = key, look, now, False
            self.think = self.rng.uniform(*THINK_S)
            self.picked = []
            self.seen.add(key)
        if not self.shot and now - self.since >= SETTLE_S:
            self.shot = True
            if self.camera is not None and self.camera.wants(key):
                self.camera.shoot(key)
        if not self.taps or not self.shot or now - self.since < self.think:
            return
        if key == "rating":
            if self.walk_away():
                return
            level = self.choose_level()
            log.info("demo citizen taps %s", level)
            tap(root.rating.ids[f"level_{level}"])
        elif key == "reasons":
            self._reasons(root.reasons)
            return
        else:
            return
        self.since = now  # one tap per think time, never a bounce

    def _reasons(self, screen) -> None:
        """Tick one or two reasons, a think apart, then 提交."""
        codes = list(screen.toggles)
        if not self.picked:
            want = self.rng.sample(codes, k=min(len(codes), self.rng.choice((1, 2))))
            self.picked = want
        pending = [c for c in self.picked if screen.toggles[c].state != "down"]
        if pending:
            tap(screen.toggles[pending[0]])
        else:
            log.info("demo citizen submits reasons %s", self.picked)
            tap(screen.ids.submit)
        self.since = time.monotonic() - self.think + 1.0  # the next tap a second later
