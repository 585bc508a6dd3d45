"""Config loading: defaults, overrides, and errors that name the file, section and key."""
import pytest

from kiosk import config
from kiosk.config import ConfigError


def test_empty_file_gives_demo_ready_defaults(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("")
    cfg = config.load(path)
    assert cfg.window.number == 1 and cfg.queue.dialect == "line"
    assert cfg.rating.timeout_s == 30 and cfg.device.language == "zh_CN"


def test_values_are_read_and_typed(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[window]\nnumber = 5\nname = "综合受理"\n[rating]\ntimeout_s = 45\n'
                    '[queue]\nurl = "socket://10.0.0.2:7000"\n')
    cfg = config.load(path)
    assert (cfg.window.number, cfg.window.name, cfg.rating.timeout_s) == (5, "综合受理", 45.0)
    assert isinstance(cfg.rating.timeout_s, float)


@pytest.mark.parametrize("text, words", [
    ("[window]\nnumber = 0\n", ["[window] number", "1..999"]),
    ("[window]\nnumber = \"5\"\n", ["[window] number", "whole number"]),
    ("[queue]\ndialect = \"modbus\"\n", ["[queue] dialect", "line, frame, caller68"]),
    ("[queue]\nbaud = 9600\n", ["[queue]", "unknown key 'baud'", "baudrate"]),
    ("[rating]\nreasons = []\n", ["[rating] reasons"]),
    ("[server]\nurl = \"ftp://x\"\n", ["[server] url", "http"]),
    ("[display]\nfullscreen = 1\n", ["[display] fullscreen", "true or false"]),
    ("[screen]\nx = 1\n", ["unknown section [screen]"]),
    ("[window\n", ["not valid TOML"]),
])
def test_bad_config_names_file_section_and_expectation(tmp_path, text, words):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="kiosk-setup init"):
        config.load(tmp_path / "nope.toml")


def test_kiosk_config_env_is_used_when_no_flag(tmp_path, monkeypatch):
    path = tmp_path / "env.toml"
    path.write_text("[window]\nnumber = 9\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert config.load().window.number == 9
    other = tmp_path / "flag.toml"
    other.write_text("[window]\nnumber = 3\n")
    assert config.load(other).window.number == 3


def test_dump_round_trips(tmp_path):
    cfg = config.parse("[window]\nnumber = 12\n[server]\nurl = \"http://127.0.0.1:1\"\n")
    again = config.parse(config.dump(cfg))
    assert again.window.number == 12 and again.server.url == "http://127.0.0.1:1"


def test_every_field_is_documented():
    for section, keys in config.field_docs().items():
        for key, doc in keys.items():
            assert doc and doc.endswith("."), f"[{section}] {key} lacks a doc string"
