"""`kiosk-setup init` and `doctor` know the rateservice link (issue 26 item 7): init asks for
the WebSocket URL and the user code instead of a serial port; doctor logs in as the kiosk will."""
from __future__ import annotations

import pytest

from drivers.sim.rateservice import RateServiceEmulator
from kiosk import config
from tests.kiosk.setup.conftest import doctor_json, run, write_config


@pytest.fixture
def service():
    emu = RateServiceEmulator(users={"5": {"0101"}}).start()
    yield emu
    emu.stop()


def test_init_writes_a_rateservice_link(tmp_path, service, kiosk_env):
    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--yes", "--window", 5, "--dialect", "rateservice",
        "--port", service.url, "--rateservice-user", "0101", "--pin", "135790",
        "--data-dir", tmp_path / "data", "--no-doctor")
    q = config.load(path).queue
    assert (q.dialect, q.url, q.rateservice_user) == ("rateservice", service.url, "0101")


def test_init_without_a_user_code_says_which_key_is_missing(tmp_path, service):
    result = run("init", "--config", tmp_path / "k.toml", "--yes", "--dialect", "rateservice",
                 "--port", service.url, "--pin", "135790", "--data-dir", tmp_path / "data",
                 "--no-doctor", code=2)
    assert "rateservice_user" in result.output


def test_interactive_init_asks_for_the_url_and_the_user(tmp_path, service, kiosk_env):
    path = tmp_path / "kiosk.toml"
    write_config(path, device={"data_dir": str(tmp_path), "language": "en"},
                 queue={"dialect": "rateservice"})
    answers = ["-", "5", "", "", "rateservice", service.url, "0101", "-", "en", "0",
               "135790", "135790"]
    result = run("init", "--config", path, "--no-doctor", input="\n".join(answers) + "\n",
                 code=None)
    assert "RateService URL" in result.output and "RateService user code" in result.output, \
        result.output
    q = config.load(path).queue
    assert (q.url, q.rateservice_user) == (service.url, "0101")


@pytest.mark.parametrize("user,status,words", [
    ("0101", "pass", "logs user 0101 in at window 5"),
    ("0999", "fail", "refuses user 0999 at window 5 (1002 窗口或用户信息不正确!)"),
])
def test_doctor_logs_in_as_the_kiosk_will(tmp_path, service, kiosk_env, user, status, words):
    path = write_config(tmp_path / "k.toml", device={"data_dir": str(tmp_path)},
                        window={"number": 5},
                        queue={"url": service.url, "dialect": "rateservice",
                               "rateservice_user": user})
    queue = doctor_json(path, "--listen", "0")["by_name"]["queue"]
    assert queue["status"] == status and words in queue["message"]


def test_doctor_says_when_rateservice_cannot_be_reached(tmp_path, service, kiosk_env):
    url = service.url
    service.stop()
    path = write_config(tmp_path / "k.toml", device={"data_dir": str(tmp_path)},
                        queue={"url": url, "dialect": "rateservice", "rateservice_user": "1"})
    queue = doctor_json(path, "--listen", "0")["by_name"]["queue"]
    assert queue["status"] == "fail" and "cannot reach RateService" in queue["message"]
    assert "RateService runs" in queue["fix"]
