"""Every kiosk-server command, export import included, is registered and documented."""
import click

from server.cli import main


def test_every_server_command_is_documented():
    assert {"serve", "enrol-code", "revoke", "set-config", "devices", "migrate",
            "import"} <= set(main.commands)
    for name, command in main.commands.items():
        assert command.help and len(command.help.split()) >= 5, f"{name} lacks --help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"kiosk-server {name} {param.opts} lacks help"
