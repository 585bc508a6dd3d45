"""Issue 12 items 1 and 2 on the screen: the kiosk app in its Kivy window, enrolled with a real
ServerThread. `kiosk-server set-config` changes the window name, roster (with a photo fetched
from a loopback HTTP server) and reasons; the running window shows them without a restart,
and the technician menu says where the config comes from and how old it is."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from drivers.events import Done, Login
from kiosk.config import Server, Technician
from kiosk.flow import Mode
from kiosk.roster import PLACEHOLDER
from kiosk.setup.common import hash_pin
from kiosk.ui.app import embedded, pump_until
from server.api.enrol import create_code
from server.cli import main as server_cli
from server.runner import ServerThread
from sync.enrol import enrol
from tests.kiosk.conftest import FakeClock, kiosk_config
from tests.kiosk.ui.test_tech import PIN, enter, hold_corner
from tests.sync.test_photos import PhotoServer, png


def set_config(db_path, tmp_path, body):
    path = tmp_path / f"config-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(server_cli, ["set-config", "--hall", "H01", "--window", "5",
                                             str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def live(display, tmp_path):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token="t" * 20).start()
    photos = PhotoServer()
    yield srv, photos
    from kivy.app import App

    app = App.get_running_app()
    if app is not None:
        app.stop_services()
    photos.close()
    srv.stop()


def test_set_config_changes_the_running_screen_and_the_menu_says_from_where(
        tmp_path, live, tap, screenshot):
    srv, photos = live
    photos.files["/staff/1024.png"] = png(color=(30, 120, 200), size=(120, 160))
    set_config(srv.db_path, tmp_path, {
        "window_name": "不动产登记", "hall_name": "广东省深圳市福田区政务服务中心",
        "staff": [{"staff_id": "1024", "name": "张敏", "stars": 5,
                   "photo_url": photos.url + "/staff/1024.png"}]})
    cfg = kiosk_config(tmp_path / "kiosk", technician=Technician(pin_hash=hash_pin(PIN)))
    cfg.server = Server(url=srv.url)
    enrol(srv.url, create_code(srv.store, "H01", 5).code, token_file=cfg.token_path)
    app = embedded(cfg)
    app.ui_clock = FakeClock()
    idle = app.root.idle
    assert pump_until(lambda: idle.window_name == "不动产登记", 10), "first pull never applied"
    assert idle.ids.window_name_label.text == "不动产登记"
    app.flow.handle(Login("1024"))
    pump_until(timeout=0.2)
    assert idle.ids.staff_name.text == "张敏"
    assert idle.photo != str(PLACEHOLDER) and idle.photo.endswith(".png")
    screenshot(app, "first-config")

    set_config(srv.db_path, tmp_path, {
        "window_name": "税务、公积金综合受理", "hall_name": "广东省深圳市福田区政务服务中心",
        "reasons": ["multiple_trips", "other"], "rating_timeout_s": 45,
        "staff": [{"staff_id": "1024", "name": "张敏", "stars": 5,
                   "photo_url": photos.url + "/staff/1024.png"}]})
    app.services.config_puller.wake()  # the periodic pull, brought forward
    assert pump_until(lambda: idle.ids.window_name_label.text == "税务、公积金综合受理", 10)
    assert idle.photo != str(PLACEHOLDER)
    screenshot(app, "new-config-live")
    app.flow.handle(Done("A001"))
    pump_until(lambda: app.root.current == "rating", 10)
    app.flow.tap_level(1)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    assert app.flow.state.mode is Mode.REASONS
    assert app.flow.state.reasons == ("multiple_trips", "other")
    screenshot(app, "new-reasons")
    app.flow.submit_reasons([])
    app.flow.clock = lambda: time.monotonic() + 3600  # let the thanks screen time out
    pump_until(lambda: app.root.current == "idle", 10)
    app.flow.clock = time.monotonic

    hold_corner(app, 3.2)
    menu = app.tech_menu
    enter(menu, tap, PIN)
    assert menu.unlocked
    assert "设备配置:  来自服务器，" in menu.status_text and "前确认" in menu.status_text
    # Issue 23.2: each setting in force, and where it comes from.
    assert "评价超时:  45 秒（服务器设备配置）" in menu.status_text
    assert "二维码基础网址:  （未设置）（内置默认值）" in menu.status_text
    assert "工作人员名单:  名单上 1 人（服务器设备配置）" in menu.status_text
    screenshot(app, "tech-menu")
    menu.dismiss(animation=False)
