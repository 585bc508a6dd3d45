"""`kiosk run` refuses a bad config with a clear message and exit code 2, never a traceback."""
from __future__ import annotations

from click.testing import CliRunner

from kiosk.cli import main


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env or {})


def test_missing_config_exits_2(tmp_path):
    result = run("run", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert "config file not found" in result.output
    assert "Traceback" not in result.output


def test_bad_value_names_file_section_and_key(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("[window]\nnumber = 0\n", encoding="utf-8")
    result = run("run", "--config", str(path))
    assert result.exit_code == 2
    assert f"{path}: [window] number = 0" in result.output


def test_kiosk_config_env_is_honoured(tmp_path):
    path = tmp_path / "env.toml"
    path.write_text("[queue]\nbaudrate = 1\n", encoding="utf-8")
    result = run("run", env={"KIOSK_CONFIG": str(path)})
    assert result.exit_code == 2 and "baudrate" in result.output and str(path) in result.output


def test_bad_keypad_key_map_is_a_config_error_before_any_window(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[keypad]\ndevice = "/dev/kiosk-keypad"\n[keypad.keys]\nKEY_KPENTER = "launch"\n',
                    encoding="utf-8")
    result = run("run", "--config", str(path))
    assert result.exit_code == 2
    assert "[keypad] keys" in result.output and "launch" in result.output


def test_help_lists_run_and_demo():
    result = run("--help")
    assert result.exit_code == 0 and "run" in result.output and "demo" in result.output
    demo = run("demo", "--help")
    assert "--windowed / --fullscreen" in demo.output and "--interval" in demo.output
