"""`kiosk-setup`: the field technician's commands for provisioning and checking a kiosk."""
from __future__ import annotations

import json
import sys

import click

from . import __version__, config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kiosk-setup")
def main() -> None:
    """Provision and check an evaluator kiosk.

    A technician brings a fresh device to a working counter with these commands:
    find the serial port the queue system is wired to, then check the config
    that names it. Every command takes --help.
    """


@main.command("check-config")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print the validated config as JSON.")
def check_config(config_path: str | None, as_json: bool) -> None:
    """Validate the kiosk config and print what the kiosk will use.

    Exits 0 when the config is valid, 2 with a message naming the file, section and
    key when it is not.
    """
    try:
        cfg = config.load(config_path)
    except config.ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(config.dump_dict(cfg), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{cfg.path}: valid")
        click.echo(config.dump(cfg))


@main.command("ports")
@click.option("--json", "as_json", is_flag=True, help="Print the ports as a JSON list.")
def ports(as_json: bool) -> None:
    """List serial ports a queue system could be wired to, with their stable names."""
    from drivers.discovery import serial_ports

    found = serial_ports()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no serial ports found (is the USB adapter plugged in?)")
    for port in found:
        click.echo(f"{port['device']}\t{port['by_id'] or '-'}\t{port['description']}")
