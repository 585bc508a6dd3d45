"""Acceptance: queue DONE on a real pty -> rating screen -> touch 满意 -> RATED, store, server."""
from __future__ import annotations

import sqlite3

import pytest
import requests

from drivers.events import LinkState
from drivers.line_codec import Next
from kiosk.config import Config, Device, Display, Queue, Rating, Server, Ui, Window
from tests.waiting import wait_for

PANEL = (800, 480)


@pytest.fixture
def server(tmp_path):
    from server.runner import ServerThread

    srv = ServerThread(tmp_path / "server.db", host="127.0.0.1", port=0).start()
    yield srv
    srv.stop()


@pytest.fixture
def queue_side():
    from drivers.sim.line import LineSimulator

    sim = LineSimulator(window=5).start()
    yield sim
    sim.stop()


@pytest.fixture
def app(display, tmp_path, server, queue_side):
    from kivy.app import App
    from kivy.core.window import Window as KivyWindow

    from kiosk.ui.app import embedded, pump_until

    cfg = Config(
        device=Device(id="e2e-kiosk", data_dir=str(tmp_path / "kiosk"), language="zh_CN"),
        window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
        queue=Queue(url=queue_side.port_path, dialect="line"),
        rating=Rating(thanks_s=1.5),
        server=Server(url=server.url, batch_size=10, timeout_s=5.0),
        display=Display(fullscreen=False, width=PANEL[0], height=PANEL[1]),
        ui=Ui(staff_strip=True),
    )
    kiosk = embedded(cfg)
    KivyWindow.size = PANEL
    assert pump_until(lambda: kiosk.flow.state.link is LinkState.CONNECTED, 10), "pty link up"
    yield kiosk
    App.get_running_app().stop_services()  # before the simulator closes the pty


def tap(widget):
    from kivy.tests.common import UnitTestTouch

    from kiosk.ui.app import pump_until

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump_until(timeout=0.05)
    touch.touch_up()
    pump_until(timeout=0.05)


def test_done_rate_satisfied_reaches_queue_store_and_server(app, queue_side, server, tmp_path):
    from pathlib import Path

    from kiosk.ui.app import pump_until

    queue_side.send_bytes(b"DONE,5,A023,C1,11410000\r\n")
    assert pump_until(lambda: app.root.current == "rating", 10), "rating screen pops"
    pump_until(timeout=0.2)
    shots = Path(__file__).resolve().parent / "screenshots"
    shots.mkdir(exist_ok=True)
    app.root.export_to_png(str(shots / "e2e_rating_800x480.png"))

    button = app.root.get_screen("rating").ids.level_4
    assert button.text == "满意"
    tap(button)
    assert pump_until(lambda: app.root.current == "thanks", 10), "thank-you screen"
    assert app.root.get_screen("thanks").ids.thanks_label.text == "感谢您的评价"
    app.root.export_to_png(str(shots / "e2e_thanks_800x480.png"))

    wait_for(lambda: bytes(queue_side.raw).endswith(b"\r\n"), timeout=10)
    assert bytes(queue_side.raw) == b"RATED,5,A023,4\r\n"

    with sqlite3.connect(app.cfg.db_path) as db:
        rows = db.execute("SELECT level, ticket, case_id, item_code, uuid FROM ratings").fetchall()
    assert [r[:4] for r in rows] == [(4, "A023", "C1", "11410000")]
    uuid = rows[0][4]

    def on_server():
        body = requests.get(f"{server.url}/api/v1/ratings", timeout=5).json()
        return body if body["total"] >= 1 else None

    body = wait_for(on_server, timeout=15)
    assert body["total"] == 1
    [rating] = body["ratings"]
    assert (rating["uuid"], rating["level"], rating["ticket"]) == (uuid, 4, "A023")
    assert (rating["case_id"], rating["item_code"], rating["window"]) == ("C1", "11410000", 5)

    assert pump_until(lambda: app.root.current == "idle", 10), "back to idle after thanks"
    wait_for(lambda: app.flow.store.backlog() == 0, timeout=10)
    assert requests.get(f"{server.url}/api/v1/ratings", timeout=5).json()["total"] == 1


def test_next_button_asks_queue_for_next_number(app, queue_side):
    tap(app.root.get_screen("idle").ids.next_button)
    msg = queue_side.received.get(timeout=5)
    assert msg == Next(5)
    assert bytes(queue_side.raw) == b"NEXT,5\r\n"
