"""The technician CLI: every command documented, config errors exit 2 with the key named."""
import json

import click
from click.testing import CliRunner

from kiosk.setup.cli import main


def test_every_command_has_help_that_reads_like_a_manual():
    for name, command in main.commands.items():
        assert command.help and len(command.help.split()) >= 5, f"{name} lacks --help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} lacks help"


def test_check_config_accepts_a_good_file_and_prints_json(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text("[window]\nnumber = 5\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["window"]["number"] == 5


def test_check_config_rejects_a_bad_key_with_exit_2(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text("[queue]\nbaudrate = 1\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 2
    assert "[queue] baudrate" in result.output and "2400..115200" in result.output


def test_ports_lists_json():
    result = CliRunner().invoke(main, ["ports", "--json"])
    assert result.exit_code == 0
    assert isinstance(json.loads(result.output), list)


def test_check_config_help_lists_every_key_with_its_unit():
    from kiosk import config

    out = CliRunner().invoke(main, ["check-config", "--help"]).output
    for section, keys in config.field_docs().items():
        block = out[out.index(f"[{section}]"):]
        for key in keys:
            assert f"\n    {key} = " in block, f"[{section}] {key} missing from --help"
    assert "seconds, 5..600" in out and "pixels, 320..7680" in out and "a baud rate" in out
