"""`kiosk-setup init`: the set-up wizard; every question also has a flag, for scripts."""
from __future__ import annotations

from pathlib import Path

import click

from kiosk import config
from kiosk.i18n import _
from kiosk.setup.answers import Answers, ask_pin, check_url, pick, reach, server_prompt
from kiosk.setup.system import token_to_state_owner
from kiosk.setup.common import (
    config_message,
    FAILED,
    USAGE,
    explain_http_error,
    fail,
    hash_pin,
    use_language,
    valid_pin,
    write_private,
)

LANG_CHOICES = click.Choice(list(config.LANGUAGES))


def _current(path: Path) -> tuple[config.Config, bool]:
    """The config already at `path` (a re-run keeps its other keys), else the defaults."""
    if not path.exists():
        return config.Config(), False
    try:
        return config.load(path), True
    except config.ConfigError as exc:
        click.echo(_("warning: {message}; starting from the defaults").format(
            message=config_message(exc)), err=True)
        return config.Config(), True


def _serial_choices() -> list[tuple[str, str]]:
    from drivers.discovery import serial_ports

    out = [("/dev/kiosk-queue", _("(udev name from 99-kiosk.rules)"))] \
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
    """Trade the code for a device id and token, saved (0600, atomically) to token_file.
    Raises click.BadParameter with one line saying what failed and what to do."""
    import requests

    from sync.enrol import EnrolError, enrol

    try:
        result = enrol(server_url, code, ca_bundle=ca_bundle or None, token_file=token_file)
    except EnrolError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, requests.RequestException):
            raise click.BadParameter(explain_http_error(cause, server_url)) from None
        if "HTTP 403" in str(exc):
            raise click.BadParameter(_("the server refused code {code}: unknown, already used "
                                       "or expired; ask for a new one (kiosk-server "
                                       "enrol-code)").format(code=code)) from None
        raise click.BadParameter(_("enrolment at {url} failed: {error}").format(
            url=server_url, error=exc)) from None
    except requests.RequestException as exc:
        raise click.BadParameter(explain_http_error(exc, server_url)) from None
    return result.model_dump() if hasattr(result, "model_dump") else dict(result)


def _show_server_config(cfg: config.Config) -> None:
    """What the server pushes to this kiosk (hall and window names, roster, QR base URL):
    pulled now with the device token, cached where the kiosk reads it, and shown."""
    from kiosk.setup.common import read_token
    from sync.device_config import fetch_config

    token = read_token(cfg)
    if not cfg.server.url or not token:
        return
    result = fetch_config(cfg.server.url, token, cfg.config_cache_path,
                          cfg.server.ca_bundle or None, timeout_s=5.0)
    pushed = result.config
    if pushed is None:
        click.echo(_("the server's settings for this kiosk could not be read now; the kiosk "
                     "pulls them when it runs"))
        return
    click.echo(_("settings from the server (kiosk-server set-config):"))
    click.echo(_("  hall name:   {value}").format(value=pushed.get("hall_name") or "-"))
    click.echo(_("  window name: {value}").format(value=pushed.get("window_name") or "-"))
    click.echo(_("  staff:       {count} on the roster").format(
        count=len(pushed.get("staff") or [])))
    click.echo(_("  QR base URL: {value}").format(
        value=pushed.get("qr_base_url") or _("(none set: no QR code for phones)")))


@click.command("init")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file to write (atomically, mode 0600; default: $KIOSK_CONFIG, else "
                   "/etc/kiosk/kiosk.toml).")
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
              help="Queue-system dialect: line, frame (RS-485 bus), caller68, or rateservice "
                   "(WebSocket).")
@click.option("--port", "port_url", help="Queue-system serial port or pyserial URL "
              "(/dev/kiosk-queue, /dev/serial/by-id/..., socket://host:port; for rateservice "
              "ws://host:port; - for none).")
@click.option("--rateservice-user", help="rateservice: the user code (工号) the kiosk logs in "
              "with.")
@click.option("--baud", type=click.IntRange(2400, 115200), help="Serial speed in baud.")
@click.option("--address", type=click.IntRange(1, 247),
              help="Bus address (frame and caller68 dialects).")
@click.option("--keypad", help="Staff keypad: /dev/input/by-id/... path or part of its name "
              "(- for none).")
@click.option("--language", type=LANG_CHOICES, help="Screen language.")
@click.option("--rotation", type=click.Choice(["0", "90", "180", "270"]),
              help="How the panel is mounted, in degrees clockwise: 0, 90 (portrait), 180 or "
                   "270; the picture and the touches turn alike.")
@click.option("--panel-size", metavar="WxH", help="The panel's size in pixels, e.g. 1280x800 "
              "(default: the size found on this display).")
@click.option("--pin", help="Technician PIN, 4-12 digits (stored only as a salted scrypt hash; "
              "prefer the prompt or $KIOSK_TECH_PIN).", envvar="KIOSK_TECH_PIN")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder for the rating store (default /var/lib/kiosk).")
@click.option("--doctor/--no-doctor", "run_doctor", default=True, show_default=True,
              help="Run `doctor` on the result and exit with its code.")
def init(config_path, batch, server_url, code, ca_bundle, token_file, window_number, window_name,
         hall_name, dialect, port_url, rateservice_user, baud, address, keypad, language, rotation,
         panel_size, pin, data_dir, run_doctor) -> None:
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
    path = config.resolve_path(config_path)
    use_language(str(path))  # before _current(): its warning is in the kiosk's language too
    cfg, _existed = _current(path)
    if data_dir:
        cfg.device.data_dir = str(Path(data_dir).resolve())
    if ca_bundle:
        cfg.server.ca_bundle = str(Path(ca_bundle).resolve())
    if token_file:
        cfg.server.token_file = str(Path(token_file).resolve())
    answers = Answers(path)
    saved = {} if batch else _resume(answers)

    def ask(key, flag, text, current, **kw):
        """A flag wins; then an answer kept from a stopped run; then the prompt (asked again
        until the answer is valid), saved at once."""
        if flag is not None:
            return flag
        if batch:
            return current
        if key in saved:
            click.echo(_("{question}: {answer} (kept)").format(question=text, answer=saved[key]))
            return saved[key]
        value = click.prompt(text, default=current, show_default=True, **kw)
        answers.put(key, value)
        return value

    _ask_server(cfg, batch, server_url, code, saved, answers)
    cfg.window.number = ask("window", window_number, _("Window number"), cfg.window.number,
                            type=click.IntRange(1, 999))
    _follow_enrolment(cfg)
    cfg.window.name = ask("window_name", window_name, _("Window name"), cfg.window.name)
    cfg.window.hall_name = ask("hall_name", hall_name, _("Hall name"), cfg.window.hall_name)
    cfg.queue.dialect = ask("dialect", dialect, _("Queue dialect"), cfg.queue.dialect,
                            type=click.Choice(list(config.DIALECTS)))
    websocket = cfg.queue.dialect == "rateservice"
    if port_url is None and not batch and websocket:
        port_url = ask("port", None, _("RateService URL (ws://host:port; - for none)"),
                       cfg.queue.url if cfg.queue.url.startswith("ws") else "-")
    if port_url is None and not batch:
        port_url = saved.get("port")
        if port_url is None:
            port_url = pick(_("Serial ports found:"), _serial_choices(), cfg.queue.url,
                            must_exist=True) or "-"
            answers.put("port", port_url)
    if port_url is not None:
        cfg.queue.url = "" if port_url == "-" else port_url
    if cfg.queue.url and websocket:
        cfg.queue.rateservice_user = ask("rateservice_user", rateservice_user,
                                         _("RateService user code (工号)"),
                                         cfg.queue.rateservice_user)
    elif cfg.queue.url:
        cfg.queue.baudrate = ask("baud", baud, _("Baud rate"), cfg.queue.baudrate,
                                 type=click.IntRange(2400, 115200))
        if cfg.queue.dialect != "line":
            cfg.queue.address = ask("address", address, _("Bus address"), cfg.queue.address,
                                    type=click.IntRange(1, 247))
    if keypad is None and not batch:
        keypad = saved.get("keypad")
        if keypad is None:
            keypad = pick(_("Keypads found:"), _keypad_choices(), cfg.keypad.device,
                          must_exist=True) or "-"
            answers.put("keypad", keypad)
    if keypad is not None:
        cfg.keypad.device = "" if keypad == "-" else keypad
    cfg.device.language = ask("language", language, _("Language"), cfg.device.language,
                              type=LANG_CHOICES)
    _panel_size(cfg, panel_size)
    cfg.panel.rotation = int(ask("rotation", rotation, _("Panel rotation"),
                                 str(cfg.panel.rotation),
                                 type=click.Choice(["0", "90", "180", "270"])))
    _ask_pin(cfg, batch, pin, saved, answers)

    text = config.dump(cfg)
    try:
        config.parse(text, str(path))  # what we write must load
    except config.ConfigError as exc:
        fail(config_message(exc), USAGE)
    if cfg.server.url and not cfg.token_path.exists():
        click.echo(_("warning: not enrolled (no --code): the server will refuse uploads"),
                   err=True)
    _show_server_config(cfg)
    try:
        changed = write_private(path, text)
    except OSError as exc:
        fail(_("cannot write {path}: {error}; run with sudo, or pass --config").format(
            path=path, error=exc.strerror or exc), FAILED)
    answers.discard()
    click.echo(_("wrote {path}").format(path=path) if changed
               else _("unchanged: {path}").format(path=path))
    if run_doctor:
        from kiosk.setup.doctor import report, run_checks
        from kiosk.setup.wording import library_logs

        click.echo(_("running doctor:"))
        with library_logs(False):  # findings in the kiosk's language, no English log line
            checks = run_checks(str(path))
        raise SystemExit(report(checks, as_json=False))


def _panel_size(cfg, given: str | None) -> None:
    """[panel] width and height: --panel-size, else the size found on this display (shown,
    so the technician sees what full screen will take), else what the config had."""
    from kiosk.panel import detect

    if given is not None:
        w, _x, h = given.lower().partition("x")
        if not (w.isdigit() and h.isdigit()):
            fail(_("--panel-size {value}: give width x height in pixels, e.g. 1280x800").format(
                value=given), USAGE)
        cfg.panel.width, cfg.panel.height = int(w), int(h)
        return
    found = detect()
    if found is None:
        click.echo(_("Panel size: not found here (no display); full screen takes the size "
                     "found at start"))
        return
    cfg.panel.width, cfg.panel.height = found.size
    click.echo(_("Panel size found: {width}x{height} ({driver}); --panel-size WxH to set "
                 "another").format(width=found.width, height=found.height, driver=found.driver))


def _follow_enrolment(cfg) -> None:
    """The server refuses ratings for any window but the enrolled one: [window] number
    follows the enrolment, and says so when another number was given."""
    from kiosk.setup.devconfig import enrolled_window

    enrolled = enrolled_window(cfg) if cfg.server.url else None
    if enrolled is not None and enrolled != cfg.window.number:
        click.echo(_("warning: this kiosk is enrolled for window {enrolled}, not {given}: "
                     "[window] number = {enrolled} (the server refuses other windows)").format(
                         enrolled=enrolled, given=cfg.window.number), err=True)
        cfg.window.number = enrolled


def _resume(answers: Answers) -> dict:
    """The answers of a run stopped half way, if the technician wants them back."""
    saved = answers.load()
    keys = [k for k in saved if not k.startswith("_")]
    if not keys:
        return {}
    click.echo(_("An earlier `init` stopped half way ({when}); {count} answer(s) kept in "
                 "{path}.").format(when=saved.get("_saved_at", "?"), count=len(keys),
                                   path=answers.path))
    if click.confirm(_("Continue from there?"), default=True):
        return saved
    answers.discard()
    answers.data = {}
    return {}


def _ask_server(cfg, batch, server_url, code, saved, answers) -> None:
    """Server URL (reached at once) and enrolment code (redeemed at once), asked again until
    they work; - skips the server."""
    if server_url is not None:
        try:
            url = check_url(server_url)
        except click.BadParameter as exc:
            fail(exc.message)
        cfg.server.url = "" if url == "-" else url
    elif saved.get("server_url", "-") != "-":  # "no server" is never kept: asked again
        cfg.server.url = saved["server_url"]
        click.echo(_("{question}: {answer} (kept)").format(question=_("Server URL"),
                                                           answer=saved["server_url"]))
    elif not batch:
        while True:
            url = click.prompt(server_prompt(cfg.server.url), default=cfg.server.url or "-",
                               show_default=False, value_proc=check_url)
            why = reach(url, cfg.server.ca_bundle) if url != "-" else None
            if why is None:
                break
            click.echo(_("error: {message}; type it again, or - for none").format(
                message=why), err=True)
        cfg.server.url = "" if url == "-" else url
        if cfg.server.url:
            click.echo(_("{url} answers").format(url=cfg.server.url))
            answers.put("server_url", url)
        else:
            click.echo(_("no server: ratings stay on this kiosk (kiosk-setup init "
                         "--server-url sets one later)"))
    if not cfg.server.url:
        return
    if "device_id" in saved and code is None:
        cfg.device.id = saved["device_id"]
        click.echo(_("enrolled as {device} (kept)").format(device=cfg.device.id))
        return
    if code is not None:
        try:
            result = _enrol(cfg.server.url, code, cfg.server.ca_bundle, str(cfg.token_path))
        except click.BadParameter as exc:
            fail(_("enrolment failed: {message}").format(message=exc.message), FAILED)
    elif batch:
        return
    else:
        def redeem(typed: str):
            return _enrol(cfg.server.url, typed.strip(), cfg.server.ca_bundle,
                          str(cfg.token_path)) if typed.strip() else None

        result = click.prompt(_("Enrolment code (empty: keep the current enrolment)"),
                              default="", show_default=False, value_proc=redeem)
        if result is None:
            return
    cfg.device.id = result["device_id"]
    if result.get("window"):  # the code names the window: offer it as the answer
        cfg.window.number = result["window"]
    answers.put("device_id", cfg.device.id)
    token_to_state_owner(cfg.token_path)  # a running kiosk's service must still read it
    click.echo(_("enrolled as {device}; token in {path}").format(device=cfg.device.id,
                                                                 path=cfg.token_path))


def _ask_pin(cfg, batch, pin, saved, answers) -> None:
    if pin is None and not batch:
        if "pin_hash" in saved:
            cfg.technician.pin_hash = saved["pin_hash"]
            click.echo(_("Technician PIN: set (kept)"))
            return
        pin = ask_pin(bool(cfg.technician.pin_hash))
        if pin is not None:
            cfg.technician.pin_hash = hash_pin(pin)
            answers.put("pin_hash", cfg.technician.pin_hash)
        return
    if pin is not None:
        if not valid_pin(pin):
            fail(_("the technician PIN must be 4 to 12 digits"))
        cfg.technician.pin_hash = hash_pin(pin)
    elif not cfg.technician.pin_hash:
        fail(_("set a technician PIN (--pin, $KIOSK_TECH_PIN, or the prompt)"))
