"""The kiosk app in a real Kivy window (one per process), reset to idle for every test."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import Config, Device, Display, Rating, Window

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PANEL = (800, 480)  # the Pi 7-inch panel


def kiosk_config(data_dir: Path, language: str = "zh_CN", **rating) -> Config:
    return Config(
        device=Device(id="test-kiosk", data_dir=str(data_dir), language=language),
        window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
        rating=Rating(**rating),
        display=Display(fullscreen=False, width=PANEL[0], height=PANEL[1]),
    )


@pytest.fixture
def kiosk_app(display, tmp_path):
    """make(language=..., **rating) -> the running KioskApp on idle with a fresh store."""
    from kivy.app import App

    from kiosk.app import embedded, pump_until

    def make(language: str = "zh_CN", size: tuple[int, int] = PANEL, **rating):
        from kivy.core.window import Window as KivyWindow

        app = embedded(kiosk_config(tmp_path / "kiosk", language, **rating))
        KivyWindow.size = size
        pump_until(lambda: tuple(KivyWindow.size) == size and app.root.current == "idle", 3)
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

    from kiosk.app import pump_until

    def do(widget) -> None:
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
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        app.root.export_to_png(str(path))
        return path

    return shoot
