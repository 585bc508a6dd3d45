"""Every kiosk-setup command and option is documented: in --help, and in the technician's
manual (docs/technician.md); `kiosk-server import` in the manuals."""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kiosk.setup.cli import main
from server.db.importer import import_ratings

DOCS = Path(__file__).resolve().parents[3] / "docs"
GUIDE = (DOCS / "technician.md").read_text(encoding="utf-8")
MANUALS = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_documents_every_option(name):
    command = main.commands[name]
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert command.help and len(command.help.split()) >= 8, f"{name}: say what it does"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{name} {param.opts} has no help text"
            for opt in param.opts:
                assert opt in result.output, f"{name} --help does not show {opt}"


def test_group_help_lists_commands_and_exit_codes():
    out = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        assert name in out
    for code in ("0  ", "1  ", "2  "):
        assert code in out, "exit codes are documented"


@pytest.mark.parametrize("name", COMMANDS)
def test_technician_manual_mentions_every_command(name):
    assert re.search(rf"kiosk-setup {re.escape(name)}\b", GUIDE), f"docs/technician.md lacks {name}"


def test_troubleshooting_table_covers_every_doctor_check():
    from kiosk.setup.doctor import CHECKS

    table = GUIDE[GUIDE.index("{#troubleshooting}"):]
    rows = {m for m in re.findall(r"^\| `(\w+)` \|", table, re.M)}
    for check in CHECKS:
        assert check in rows, f"docs/technician.md: no troubleshooting row for the {check} check"


def test_server_import_is_documented():
    command: click.Command = import_ratings
    assert command.help and all(p.help for p in command.params if isinstance(p, click.Option))
    assert "kiosk-server import" in MANUALS
