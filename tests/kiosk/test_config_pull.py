"""Issue 12 item 1: the server's device config reaches the running kiosk. A real ServerThread,
`kiosk-server set-config`, the kiosk's Services pulling in the background: the new window
name, roster and reasons and the rating timeout apply without a restart; offline the cached
copy runs, and its source and age are reported."""
import json
import time

import pytest
from click.testing import CliRunner

from drivers.events import Call, Done
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services
from server.api.enrol import create_code
from server.cli import main as server_cli
from server.runner import ServerThread
from sync.enrol import enrol
from tests.kiosk.test_services import pump_until

ADMIN = "config-pull-admin-token"


def kiosk_cfg(tmp_path, server_url):
    return config.parse(
        f'[device]\nid = "dev-5"\ndata_dir = "{tmp_path / "kiosk"}"\n'
        f'[window]\nnumber = 5\nname = "本地窗口"\nhall_name = "本地大厅"\n'
        f'[rating]\ntimeout_s = 30\nreasons = ["attitude", "other"]\n'
        f'[server]\nurl = "{server_url}"\n')


def set_config(db_path, tmp_path, body, window=5):
    path = tmp_path / f"config-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(server_cli, ["set-config", "--hall", "H01", "--window",
                                             str(window), str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def server(tmp_path):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    srv.db_path = tmp_path / "server.db"
    yield srv
    srv.stop()


@pytest.fixture
def kiosk(tmp_path, server):
    """A started kiosk, enrolled for H01 window 5, talking to `server`."""
    cfg = kiosk_cfg(tmp_path, server.url)
    enrol(server.url, create_code(server.store, "H01", 5).code, token_file=cfg.token_path)
    started = []

    def start(c=cfg):
        services = Services(c)
        services.start()
        started.append(services)
        return services
    yield cfg, start
    for services in started:
        services.stop()


def test_set_config_reaches_the_running_kiosk_without_a_restart(tmp_path, server, kiosk):
    _cfg, start = kiosk
    set_config(server.db_path, tmp_path, {"window_name": "不动产登记", "hall_name": "市民中心",
                                          "reasons": ["attitude", "efficiency"]})
    services = start()
    seen = []
    services.on_site = seen.append
    pump_until(services, lambda: services.site.window_name == "不动产登记")
    assert services.config_status()["origin"] == "server"
    assert services.config_status()["age_s"] < 5
    assert services.flow.state.reasons == ("attitude", "efficiency")

    set_config(server.db_path, tmp_path, {
        "window_name": "税务、公积金综合受理", "hall_name": "市民中心",
        "reasons": ["multiple_trips", "other"], "rating_timeout_s": 45,
        "qr_base_url": "https://pj.example.gov.cn",
        "staff": [{"staff_id": "1024", "name": "张敏", "stars": 5}]})
    services.config_puller.wake()  # the next periodic pull, brought forward
    pump_until(services, lambda: services.site.window_name == "税务、公积金综合受理")
    assert seen[-1] is services.site  # the screen's hook was called with the new site
    assert services.site.on_duty("1024").name == "张敏"
    assert services.site.qr_base_url == "https://pj.example.gov.cn"
    assert services.flow.timing.rating_s == 45
    # The next bad review offers the new reasons.
    services.flow.handle(Call("A001"))
    services.flow.handle(Done("A001"))
    assert services.flow.remaining() == pytest.approx(45, abs=1)
    services.flow.tap_level(1)
    assert services.flow.state.mode is Mode.REASONS
    assert services.flow.state.reasons == ("multiple_trips", "other")


def test_offline_the_cached_config_runs_and_says_so(tmp_path, server, kiosk):
    _cfg, start = kiosk
    set_config(server.db_path, tmp_path, {"window_name": "社保医保", "reasons": ["other"]})
    services = start()
    pump_until(services, lambda: services.config_status()["origin"] == "server")
    services.stop()
    server.stop()
    time.sleep(1.1)
    offline = start()
    assert offline.site.window_name == "社保医保"          # from the cache, before any pull
    assert offline.flow.state.reasons == ("other",)
    pump_until(offline, lambda: offline.config_puller.status()["pulls"] >= 1)
    offline.pump()
    status = offline.config_status()
    assert status["origin"] == "cache" and status["age_s"] >= 1
    assert status["last_error"]  # the server did not answer
    assert offline.site.window_name == "社保医保"


def test_without_any_server_config_the_local_toml_runs(tmp_path):
    cfg = kiosk_cfg(tmp_path, "")
    services = Services(cfg)
    try:
        assert services.config_puller is None
        assert services.config_status()["origin"] == "local"
        assert services.site.window_name == "本地窗口"
        assert services.flow.state.reasons == ("attitude", "other")
    finally:
        services.stop()


def test_an_unchanged_config_is_confirmed_fresh_by_every_pull(tmp_path, server, kiosk):
    _cfg, start = kiosk
    set_config(server.db_path, tmp_path, {"window_name": "社保医保"})
    services = start()
    pump_until(services, lambda: services.config_status()["origin"] == "server")
    first = services.config_status()["fetched_at"]
    time.sleep(1.1)
    services.config_puller.wake()  # answered 304: nothing to apply, but confirmed now
    pump_until(services, lambda: services.config_status()["fetched_at"] != first)
    assert services.config_status()["age_s"] < 1


def test_a_kiosk_configured_for_another_window_than_enrolled_says_so_at_start(
        tmp_path, server, caplog):
    cfg = kiosk_cfg(tmp_path, server.url)
    enrol(server.url, create_code(server.store, "H01", 7).code, token_file=cfg.token_path)
    services = Services(cfg)
    try:
        services.start()
        assert any("enrolled for window 7 but [window] number = 5" in r.getMessage()
                   for r in caplog.records if r.levelname == "ERROR")
    finally:
        services.stop()


@pytest.fixture
def english():
    from kiosk import i18n

    before = i18n.language()
    i18n.install("en")
    yield
    i18n.install(before)


def _ten_second_kiosk(tmp_path, server):
    """A kiosk whose kiosk.toml sets [rating] timeout_s = 10 and nothing about reasons."""
    cfg = config.parse(
        f'[device]\nid = "dev-5"\ndata_dir = "{tmp_path / "kiosk"}"\nlanguage = "en"\n'
        f'[window]\nnumber = 5\nname = "本地窗口"\n'
        f'[rating]\ntimeout_s = 10\n[server]\nurl = "{server.url}"\n')
    enrol(server.url, create_code(server.store, "H01", 5).code, token_file=cfg.token_path)
    return cfg


def _pulled(services):
    pump_until(services, lambda: services.config_status()["origin"] == "server")
    services.pump()


def test_a_hall_without_device_config_leaves_the_kiosk_timeout_alone(tmp_path, server,
                                                                     english):
    """Issue 23.2: no device config for the hall: the server pushes no timeout, and the
    kiosk counts down from its own 10 s (it counted from 29: the server's default 30)."""
    services = Services(_ten_second_kiosk(tmp_path, server))
    try:
        services.start()
        _pulled(services)
        cached = json.loads(services.cfg.config_cache_path.read_text(encoding="utf-8"))
        assert "rating_timeout_s" not in cached["config"]
        services.flow.handle(Call("A001"))
        services.flow.handle(Done("A001"))
        assert services.flow.remaining() == pytest.approx(10, abs=1)
        rows = dict(services.settings())
        assert rows["Rating timeout"] == "10 s  (kiosk.toml)"
        assert rows["Window name"] == "本地窗口  (kiosk.toml)"
        assert rows["Bad-review reasons"].endswith("(built-in default)")
        assert rows["QR base URL"] == "(not set)  (built-in default)"
    finally:
        services.stop()


def test_only_what_the_admin_set_overrides_the_kiosk(tmp_path, server, english):
    """A config that sets the window name and reasons, not the timeout: those two come from
    the server, the timeout stays the kiosk's; setting the timeout later takes it over."""
    set_config(server.db_path, tmp_path, {"window_name": "不动产登记", "reasons": ["other"]})
    services = Services(_ten_second_kiosk(tmp_path, server))
    try:
        services.start()
        _pulled(services)
        assert services.flow.timing.rating_s == 10
        rows = dict(services.settings())
        assert rows["Window name"] == "不动产登记  (server device config)"
        assert rows["Bad-review reasons"] == "Other  (server device config)"
        assert rows["Rating timeout"] == "10 s  (kiosk.toml)"
        set_config(server.db_path, tmp_path, {"window_name": "不动产登记", "reasons": ["other"],
                                              "rating_timeout_s": 45})
        services.config_puller.wake()
        pump_until(services, lambda: services.flow.timing.rating_s == 45)
        assert dict(services.settings())["Rating timeout"] == "45 s  (server device config)"
    finally:
        services.stop()
