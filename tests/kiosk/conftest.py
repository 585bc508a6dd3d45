"""The kiosk app in a real Kivy window (one per process), reset to idle for every test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.config import Config, Device, Display, Rating, Technician, Ui, Voice, Window

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PANEL = (800, 480)  # the Pi 7-inch panel
SIZES = {"panel": (800, 480), "wide": (1024, 600), "large": (1280, 800), "portrait": (720, 1280)}


class FakeClock:
    """Injected time for the UI's ghost-press filter, long press and PIN lock-out."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def kiosk_config(data_dir: Path, language: str = "zh_CN", ui: Ui | None = None,
                 technician: Technician | None = None, **rating) -> Config:
    return Config(
        device=Device(id="test-kiosk", data_dir=str(data_dir), language=language),
        window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
        rating=Rating(**rating),
        display=Display(fullscreen=False, width=PANEL[0], height=PANEL[1]),
        voice=Voice(mute=False, volume=0.0),
        ui=ui or Ui(staff_strip=True),
        technician=technician or Technician(),
    )


@pytest.fixture
def kiosk_app(display, tmp_path):
    """make(language=..., **rating) -> the running KioskApp on idle with a fresh store."""
    from kivy.app import App

    from kiosk.ui.app import embedded, pump_until

    def make(language: str = "zh_CN", size: tuple[int, int] = PANEL, ui: Ui | None = None,
             technician: Technician | None = None, files: dict | None = None, **rating):
        from kivy.core.window import Window as KivyWindow

        for name, text in (files or {}).items():  # roster.json, device-config.json, ...
            path = tmp_path / "kiosk" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        app = embedded(kiosk_config(tmp_path / "kiosk", language, ui, technician, **rating))
        app.ui_clock = FakeClock()
        KivyWindow.size = size
        pump_until(lambda: tuple(KivyWindow.size) == size and app.root.current == "idle", 10)
        pump_until(timeout=0.1)  # let the layout settle at the new size
        return app

    yield make
    app = App.get_running_app()
    if app is not None:
        app.stop_services()


@pytest.fixture
def tap():
    """tap(widget): a real touch down/up at the widget's centre, through the Window."""
    from kivy.tests.common import UnitTestTouch

    from kiosk.ui.app import pump_until

    def do(widget, after: float = 1.0) -> None:
        """`after` seconds of injected UI time pass first (a deliberate tap, not a bounce)."""
        from kivy.app import App

        clock = getattr(App.get_running_app(), "ui_clock", None)
        if isinstance(clock, FakeClock):
            clock.advance(after)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        pump_until(timeout=0.05)
        touch.touch_up()
        pump_until(timeout=0.05)

    return do


@pytest.fixture
def screenshot():
    """screenshot(app, name) -> path of a PNG of the whole kiosk under tests/screenshots/."""
    def shoot(app, name: str) -> Path:
        """The whole window (popups included) to tests/screenshots/<test name>/<name>.png."""
        from kivy.core.window import Window as KivyWindow

        from kiosk.ui.app import pump_until

        test = os.environ.get("PYTEST_CURRENT_TEST", "misc").split("::")[-1].split(" ")[0]
        folder = SCREENSHOTS / test.replace("[", "-").replace("]", "")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        pump_until(timeout=0.05)
        KivyWindow.screenshot(str(path))  # Kivy appends a counter: name0001.png
        made = sorted(folder.glob(f"{name}[0-9][0-9][0-9][0-9].png"))[-1]
        made.replace(path)
        return path

    return shoot
