"""`kiosk run` refuses a bad config with a clear message and exit code 2, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.launch import service_args


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


# -- the console script's entry (kiosk/launch.py): kiosk.service's command line skips click --

@pytest.mark.parametrize("argv, expected", [
    (["run"], (None, False)),
    (["run", "--config", "k.toml"], ("k.toml", False)),
    (["run", "--config=k.toml"], ("k.toml", False)),
    (["-v", "run", "--config", "k.toml"], ("k.toml", True)),
    (["--verbose", "run"], (None, True)),
    # Anything else is click's to read: help, other commands, mistakes.
    (["run", "--help"], None), (["--help"], None), (["demo"], None), ([], None),
    (["run", "--config"], None), (["run", "--config="], None), (["run", "--config", "-v"], None),
    (["run", "--config", "a", "--config", "b"], None), (["run", "extra"], None),
])
def test_only_the_service_command_line_skips_click(argv, expected):
    assert service_args(argv) == expected


def test_a_directory_as_config_is_left_to_click(tmp_path):
    assert service_args(["run", "--config", str(tmp_path)]) is None
    assert "is a directory" in run("run", "--config", str(tmp_path)).output


def kiosk_command(*args):
    """The `kiosk` console script's module as its own process (no window is ever opened:
    each of these stops at the config)."""
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    return subprocess.run([sys.executable, "-m", "kiosk.launch", *args], capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.mark.parametrize("form", [["--config", "{path}"], ["--config={path}"]])
def test_the_service_command_line_fails_as_click_would(tmp_path, form):
    path = tmp_path / "kiosk.toml"
    path.write_text("[window]\nnumber = 0\n", encoding="utf-8")
    fast = kiosk_command("run", *(a.format(path=path) for a in form))
    slow = run("run", "--config", str(path))
    assert fast.returncode == slow.exit_code == 2
    assert fast.stderr.strip() == slow.output.strip()
    assert f"{path}: [window] number = 0" in fast.stderr and "Traceback" not in fast.stderr


def test_other_command_lines_still_reach_click():
    out = kiosk_command("--help")
    assert out.returncode == 0 and "run" in out.stdout and "demo" in out.stdout
    bad = kiosk_command("run", "--config")
    assert bad.returncode == 2 and "requires an argument" in bad.stderr
