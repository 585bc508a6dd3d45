"""`kiosk-setup init`: the set-up wizard; every question also has a flag, for scripts."""
from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk import config
from kiosk.setup.common import FAILED, USAGE, fail, hash_pin, valid_pin, write_private

LANG_CHOICES = click.Choice(list(config.LANGUAGES))


def _current(path: Path) -> tuple[config.Config, bool]:
    """The config already at `path` (a re-run keeps its other keys), else the defaults."""
    if not path.exists():
        return config.Config(), False
    try:
        return config.load(path), True
    except config.ConfigError as exc:
        click.echo(f"warning: {exc}; starting from the defaults", err=True)
        return config.Config(), True


def _pick(title: str, items: list[tuple[str, str]], current: str) -> str:
    """Offer numbered choices (value, description); the answer is a number, a value or empty."""
    click.echo(title)
    for n, (value, desc) in enumerate(items, 1):
        click.echo(f"  {n}) {value}  {desc}")
    if not items:
        click.echo("  (none found)")
    answer = click.prompt("Number, path, or - for none", default=current or "-",
                          show_default=True).strip()
    if answer.isdigit() and 1 <= int(answer) <= len(items):
        return items[int(answer) - 1][0]
    return "" if answer == "-" else answer


def _serial_choices() -> list[tuple[str, str]]:
    from drivers.discovery import serial_ports

    out = [("/dev/kiosk-queue", "(udev name from 99-kiosk.rules)")] \
        if Path("/dev/kiosk-queue").exists() else []
    for p in serial_ports():
        out.append((p["by_id"] or p["device"], f"({p['device']}, {p['description'] or '?'})"))
    return out


def _keypad_choices() -> list[tuple[str, str]]:
    try:
        from drivers.keypad import input_devices

        found = input_devices()
    except (ImportError, OSError):
        return []
    return [(d["by_id"] or d["path"], f"({d['name']})") for d in found if d["has_keys"]]


def _enrol(server_url: str, code: str, ca_bundle: str, token_file: str) -> dict:
    """Trade the code for a device id and token, saved (0600, atomically) to token_file."""
    import inspect

    try:
        from sync.enrol import enrol
    except ImportError:
        fail("this installation has no enrolment client (sync/enrol.py); update the kiosk "
             "software", FAILED)
    try:
        if "token_file" in inspect.signature(enrol).parameters:
            result = enrol(server_url, code, ca_bundle=ca_bundle or None, token_file=token_file)
        else:
            result = enrol(server_url, code, ca_bundle=ca_bundle or None)
    except Exception as exc:  # noqa: BLE001 - whatever the client raises, say it and stop
        fail(f"enrolment at {server_url} failed: {exc}", FAILED)
    if hasattr(result, "model_dump"):
        result = result.model_dump()
    if not result.get("token") or not result.get("device_id"):
        fail(f"enrolment at {server_url} answered without a device id and token", FAILED)
    if not Path(token_file).exists():  # an enrolment client that does not save it itself
        write_private(token_file, json.dumps(result) + "\n")
    return result


@click.command("init")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              default=str(config.DEFAULT_PATH), show_default=True,
              help="Config file to write (atomically, mode 0600).")
@click.option("-y", "--yes", "batch", is_flag=True,
              help="Ask nothing: use the flags given, else the current value, else the default.")
@click.option("--server-url", help="Central server base URL, e.g. https://pj.example.gov.cn "
              "(- for none: ratings stay on the kiosk).")
@click.option("--code", help="One-time enrolment code from the server administrator.")
@click.option("--ca-bundle", type=click.Path(dir_okay=False),
              help="PEM file of CAs to trust for the server (default: the system's).")
@click.option("--token-file", type=click.Path(dir_okay=False),
              help="Where to keep the device token (default: <data dir>/device-token.json).")
@click.option("--window", "window_number", type=click.IntRange(1, 999),
              help="Window number this kiosk sits at.")
@click.option("--window-name", help="Window name shown on screen, e.g. 综合受理.")
@click.option("--hall-name", help="Service hall name shown on screen.")
@click.option("--dialect", type=click.Choice(list(config.DIALECTS)),
              help="Queue-system dialect: line, frame (RS-485 bus) or caller68.")
@click.option("--port", "port_url", help="Queue-system serial port or pyserial URL "
              "(/dev/kiosk-queue, /dev/serial/by-id/..., socket://host:port; - for none).")
@click.option("--baud", type=click.IntRange(2400, 115200), help="Serial speed in baud.")
@click.option("--address", type=click.IntRange(1, 247),
              help="Bus address (frame and caller68 dialects).")
@click.option("--keypad", help="Staff keypad: /dev/input/by-id/... path or part of its name "
              "(- for none).")
@click.option("--language", type=LANG_CHOICES, help="Screen language.")
@click.option("--rotation", type=click.Choice(["0", "90", "180", "270"]),
              help="Touch panel rotation in degrees.")
@click.option("--pin", help="Technician PIN, 4-12 digits (stored only as a salted scrypt hash; "
              "prefer the prompt or $KIOSK_TECH_PIN).", envvar="KIOSK_TECH_PIN")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder for the rating store (default /var/lib/kiosk).")
@click.option("--doctor/--no-doctor", "run_doctor", default=True, show_default=True,
              help="Run `doctor` on the result and exit with its code.")
def init(config_path, batch, server_url, code, ca_bundle, token_file, window_number, window_name,
         hall_name, dialect, port_url, baud, address, keypad, language, rotation, pin, data_dir,
         run_doctor) -> None:
    """Set this kiosk up: answer the questions, or give every answer as a flag.

    Asks for (or takes) the server and enrolment code, the window, the queue-system link
    (offering the serial ports found, by their stable /dev/serial/by-id names), the staff
    keypad, language, panel rotation and the technician PIN. Then enrols the device with
    the server (the token goes to a 0600 file), writes the config atomically (mode 0600),
    and runs `doctor`.

    Re-running keeps every value not asked about. With --yes nothing is asked; a PIN is
    then required by --pin or $KIOSK_TECH_PIN unless one is set already.
    Exits with doctor's code (0 ok, 1 a check failed); 1 when enrolment fails; 2 for a
    bad answer or flag.
    """
    path = Path(config_path)
    cfg, _ = _current(path)

    def ask(flag, text, current, **kw):
        if flag is not None:
            return flag
        if batch:
            return current
        return click.prompt(text, default=current, show_default=True, **kw)

    server_url = ask(server_url, "Server URL (- for none)", cfg.server.url or "-")
    cfg.server.url = "" if server_url == "-" else server_url.strip().rstrip("/")
    if cfg.server.url:
        if code is None and not batch:
            code = click.prompt("Enrolment code (empty: keep the current enrolment)",
                                default="", show_default=False).strip() or None
    cfg.window.number = ask(window_number, "Window number", cfg.window.number,
                            type=click.IntRange(1, 999))
    cfg.window.name = ask(window_name, "Window name", cfg.window.name)
    cfg.window.hall_name = ask(hall_name, "Hall name", cfg.window.hall_name)
    cfg.queue.dialect = ask(dialect, "Queue dialect", cfg.queue.dialect,
                            type=click.Choice(list(config.DIALECTS)))
    if port_url is None and not batch:
        port_url = _pick("Serial ports found:", _serial_choices(), cfg.queue.url)
    if port_url is not None:
        cfg.queue.url = "" if port_url == "-" else port_url
    if cfg.queue.url:
        cfg.queue.baudrate = ask(baud, "Baud rate", cfg.queue.baudrate,
                                 type=click.IntRange(2400, 115200))
        if cfg.queue.dialect != "line":
            cfg.queue.address = ask(address, "Bus address", cfg.queue.address,
                                    type=click.IntRange(1, 247))
    if keypad is None and not batch:
        keypad = _pick("Keypads found:", _keypad_choices(), cfg.keypad.device)
    if keypad is not None:
        cfg.keypad.device = "" if keypad == "-" else keypad
    cfg.device.language = ask(language, "Language", cfg.device.language, type=LANG_CHOICES)
    cfg.panel.rotation = int(ask(rotation, "Panel rotation", str(cfg.panel.rotation),
                                 type=click.Choice(["0", "90", "180", "270"])))
    if pin is None and not batch:
        keep = " (empty: keep the current PIN)" if cfg.technician.pin_hash else ""
        pin = click.prompt(f"Technician PIN, 4-12 digits{keep}", hide_input=True,
                           confirmation_prompt=True, default="", show_default=False) or None
    if pin is not None:
        if not valid_pin(pin):
            fail("the technician PIN must be 4 to 12 digits")
        cfg.technician.pin_hash = hash_pin(pin)
    elif not cfg.technician.pin_hash:
        fail("set a technician PIN (--pin, $KIOSK_TECH_PIN, or the prompt)")
    if data_dir:
        cfg.device.data_dir = str(Path(data_dir).resolve())
    if ca_bundle:
        cfg.server.ca_bundle = str(Path(ca_bundle).resolve())
    if token_file:
        cfg.server.token_file = str(Path(token_file).resolve())

    text = config.dump(cfg)
    try:
        config.parse(text, str(path))  # what we write must load
    except config.ConfigError as exc:
        fail(str(exc), USAGE)

    if cfg.server.url and code:
        result = _enrol(cfg.server.url, code, cfg.server.ca_bundle, str(cfg.token_path))
        cfg.device.id = result["device_id"]
        click.echo(f"enrolled as {cfg.device.id}; token in {cfg.token_path}")
        text = config.dump(cfg)
    elif cfg.server.url and not cfg.token_path.exists():
        click.echo("warning: not enrolled (no --code): the server will refuse uploads", err=True)

    changed = write_private(path, text)
    click.echo(f"{'wrote' if changed else 'unchanged:'} {path}")
    if run_doctor:
        from kiosk.setup.doctor import report, run_checks

        click.echo("running doctor:")
        raise SystemExit(report(run_checks(str(path)), as_json=False))
