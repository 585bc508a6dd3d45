"""`kiosk-setup`: the field technician's commands for provisioning and checking a kiosk.

The commands live in kiosk/setup/*.py, one job each; this module is the group that joins them
and the small listing commands.
"""
from __future__ import annotations

import json
import sys

import click

from kiosk import __version__, config, i18n
from kiosk.cli_language import config_error_text, localize
from kiosk.i18n import _
from kiosk.setup.common import FAILED, USAGE, echo_json, use_language
from kiosk.setup.data import reset, sync
from kiosk.setup.status import status
from kiosk.setup.doctor import doctor
from kiosk.setup.export import export
from kiosk.setup.init import init
from kiosk.setup.install import install, uninstall
from kiosk.setup.link import monitor


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kiosk-setup")
def main() -> None:
    """Provision, check and repair an evaluator kiosk.

    \b
    From a fresh Raspberry Pi OS image to a rating kiosk:
      kiosk-setup ports              which serial port is the queue system on?
      kiosk-setup init               answer the questions (or pass them as flags)
      sudo kiosk-setup install       kiosk user, systemd units, udev rules, no blanking
      kiosk-setup doctor             everything checked, each fault with its fix
      sudo reboot

    \b
    Day to day:
      status, monitor (live queue traffic), sync (upload now), export (ratings to a
      USB stick), reset (wipe local state), keypads, check-config.

    \b
    Exit codes, the same for every command:
      0  done / all checks passed (warnings allowed)
      1  a check failed, or the operation failed (server refused, port missing,
         unsynced ratings would be lost)
      2  usage or config error (bad option, invalid or missing config file)

    Every command takes --help; commands a program may read take --json.
    Output follows the kiosk's language ([device] language of its config), else LANG
    (zh_CN.UTF-8 gives Chinese); times are local.
    """
    use_language()


def config_keys_help(tr=str) -> str:
    """Every section and key with its type, unit or range, and default: check-config's
    epilog, generated from kiosk/config.py so a new key is listed the day it is added;
    `tr` says it in the CLI's language when --help is shown (kiosk_cli.po, not kiosk.po:
    named tr so that pybabel does not take these for the screen's strings)."""
    import dataclasses

    import tomli_w

    lines = ["\b", tr("Keys, with their defaults, meaning, unit and allowed values:")]
    for section, cls in config._SECTIONS.items():
        lines += ["\b", f"[{section}]"]
        for f in dataclasses.fields(cls):
            default = (f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else f.default)
            if section == "device" and f.name == "id":
                default = tr("<this host's name>")
            rule = config._CHECKS.get((section, f.name))
            allowed = tr(rule[1] if rule else config._WORDS[f.type])
            shown = ("{}" if isinstance(default, dict)
                     else tomli_w.dumps({"k": default}).split("=", 1)[1].strip())
            lines.append(f"  {f.name} = {shown}")
            doc = tr(f.metadata["doc"]).rstrip(".。")
            lines.append("      " + tr("{doc}. Allowed: {allowed}.").format(
                doc=doc, allowed=allowed))
    return "\n".join(lines)


@main.command("check-config", epilog=config_keys_help())
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print the validated config as JSON.")
def check_config(config_path: str | None, as_json: bool) -> None:
    """Validate the kiosk config and print what the kiosk will use.

    Exits 0 when the config is valid, 2 with a message naming the file, section and
    key when it is not. Every key, with its unit or range and default, is listed below.
    """
    try:
        cfg = config.load(config_path)
    except config.ConfigError as exc:
        message = config_error_text(exc, i18n.language())
        click.echo(_("error: {message}").format(message=message), err=True)
        sys.exit(USAGE)
    if as_json:
        click.echo(json.dumps(config.dump_dict(cfg), ensure_ascii=False, indent=2))
    else:
        click.echo(_("{path}: valid").format(path=cfg.path))
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
        click.echo(_("no serial ports found (is the USB adapter plugged in?)"))
    for port in found:
        click.echo(f"{port['device']}\t{port['by_id'] or '-'}\t{port['description']}")


@main.command("keypads")
@click.option("--json", "as_json", is_flag=True, help="Print the input devices as a JSON list.")
def keypads(as_json: bool) -> None:
    """List input devices a staff keypad could be, with their stable by-id paths.

    Put the by-id path (or part of the name) in [keypad] device, or pass it to
    `kiosk-setup init --keypad`. Exits 1 when input devices cannot be listed (evdev
    missing, or no permission: run as root or in group input).
    """
    try:
        from drivers.keypad import input_devices

        found = input_devices()
    except (ImportError, OSError) as exc:
        click.echo(_("error: cannot list input devices: {error}; run as root or in group "
                     "input").format(error=exc), err=True)
        sys.exit(FAILED)
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo(_("no input devices found (is the keypad plugged in? are you root?)"))
    for dev in found:
        keys = _("keys") if dev["has_keys"] else _("no keys")
        click.echo(f"{dev['path']}\t{dev['by_id'] or '-'}\t{dev['name']}\t({keys})")


for _command in (init, doctor, monitor, status, sync, export, install, uninstall, reset):
    main.add_command(_command)

from drivers.sim.cli import simulate  # noqa: E402 - after the group, like the commands above

main.add_command(simulate)
check_config.render_epilog = config_keys_help
# Help, option help and click's own words in the kiosk's language (kiosk/cli_language.py);
# the group's callback runs too late for --help, which click handles while parsing.
localize(main, use_language)
