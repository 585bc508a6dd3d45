"""Issue 12 items 1 and 3 in the technician's CLI: `init` takes the window from the enrolment
code, `doctor` flags a config whose window is not the enrolled one, and reports where the
device config comes from (server, cached copy, local file) and how old it is."""
from __future__ import annotations

import tomllib

from kiosk import config
from tests.kiosk.setup.conftest import doctor_json, run, write_config


def _init(tmp_path, server, code, *extra):
    path = tmp_path / "kiosk.toml"
    result = run("init", "--config", path, "--yes", "--server-url", server.url, "--code", code,
                 "--pin", "2580", "--data-dir", tmp_path / "data", "--language", "en",
                 "--no-doctor", *extra)
    return path, result


def test_init_sets_the_window_of_the_enrolment_code(tmp_path, server, enrol_code, kiosk_env):
    write_config(tmp_path / "kiosk.toml", window={"number": 5})  # left from an earlier setup
    path, _result = _init(tmp_path, server, enrol_code("H01", 7))
    assert tomllib.loads(path.read_text())["window"]["number"] == 7
    assert config.load(path).device.id.startswith("H01-w007-")


def test_init_with_another_window_says_so_and_follows_the_enrolment(tmp_path, server,
                                                                    enrol_code, kiosk_env):
    path, result = _init(tmp_path, server, enrol_code("H01", 7), "--window", 5)
    assert "enrolled for window 7, not 5" in result.output
    assert tomllib.loads(path.read_text())["window"]["number"] == 7


def test_doctor_flags_a_window_that_is_not_the_enrolled_one(tmp_path, server, enrol_code,
                                                            kiosk_env):
    path, _result = _init(tmp_path, server, enrol_code("H01", 7))
    assert doctor_json(path, "--skip", "queue")["by_name"]["window"]["status"] == "pass"
    text = path.read_text().replace("number = 7", "number = 5")
    path.write_text(text)
    report = doctor_json(path, "--skip", "queue")
    check = report["by_name"]["window"]
    assert check["status"] == "fail" and report["ok"] is False
    assert "enrolled for window 7" in check["message"] and "number = 7" in check["fix"]


def test_doctor_names_the_config_source_and_age(tmp_path, server, enrol_code, kiosk_env):
    path, _result = _init(tmp_path, server, enrol_code("H01", 7))
    check = doctor_json(path, "--skip", "queue")["by_name"]["devconfig"]
    assert check["status"] == "pass" and "from the server" in check["message"]
    server.stop()
    check = doctor_json(path, "--skip", "queue")["by_name"]["devconfig"]
    assert check["status"] == "warn"
    assert "cached copy of the server's config, confirmed" in check["message"]
    path.write_text(path.read_text().replace(f'url = "{server.url}"', 'url = ""'))
    check = doctor_json(path, "--skip", "queue")["by_name"]["devconfig"]
    assert "local config file" in check["message"]
