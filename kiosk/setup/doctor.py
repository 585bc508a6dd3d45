"""`kiosk-setup doctor`: every way a kiosk can be broken, checked, each with its fix."""
from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from pathlib import Path

import click

from kiosk import config
from kiosk.i18n import _
from kiosk.setup.common import (
    config_message,
    FAIL,
    FAILED,
    OK,
    PASS,
    SKIP,
    WARN,
    Check,
    echo_json,
    use_language,
    open_store,
)
from kiosk.setup.devconfig import check_device_config, check_settings, check_window
from kiosk.setup.netcheck import check_clock, check_server

CHECKS = ("config", "queue", "keypad", "server", "token", "window", "devconfig", "settings",
          "clock", "disk", "backlog", "fonts", "display", "panel")
MIN_FREE_MB, LOW_FREE_MB = 100, 500


def check_queue(cfg, listen_s: float) -> Check:
    from kiosk.setup.link import probe

    q = cfg.queue
    if not q.url:
        return Check("queue", WARN, _("no queue system configured: ratings start from the "
                                      "screen only"),
                     _("set [queue] url (kiosk-setup init --port ...) if the hall has one"))
    if q.dialect == "rateservice":
        return check_rateservice(cfg)
    result = probe(cfg, listen_s)
    if not result.opened or result.error:
        return Check("queue", FAIL, result.error or _("cannot open"),
                     _("plug the USB-serial adapter in and check `kiosk-setup ports`; if the "
                       "kiosk service is running it holds the port: systemctl stop kiosk, then "
                       "run doctor again"))
    heard = ", ".join(sorted({m.kind for m in result.ours}))
    seconds = f"{listen_s:g}"
    if q.dialect == "frame":
        if any(m.kind == "POLL" for m in result.ours):
            return Check("queue", PASS, _("{url} opens and the bus master polls address "
                                          "{address}").format(url=q.url, address=q.address))
        others = sorted({m.detail.get("addr") for m in result.messages if not m.ours})
        what = (_("the bus is alive (polls for address {others}) but nobody polled address "
                  "{address}").format(others=others, address=q.address) if others
                else _("no poll heard"))
        return Check("queue", WARN, _("{url} opens; {what} in {seconds}s").format(
                         url=q.url, what=what, seconds=seconds),
                     _("check the bus address ([queue] address) against the queue system's "
                       "list, and the A/B wiring"))
    if result.ours:
        return Check("queue", PASS, _("{url} opens and the queue system talks to us "
                                      "({heard})").format(url=q.url, heard=heard))
    note = (_("; lines for other windows were heard: check [window] number")
            if result.messages else "")
    return Check("queue", WARN, _("{url} opens; no traffic for window {window} in {seconds}s, "
                                  "so the wiring to the queue system is not verified{note}")
                 .format(url=q.url, window=cfg.window.number, seconds=seconds, note=note),
                 _("call a ticket at this window, or watch with `kiosk-setup monitor`"))


def check_rateservice(cfg) -> Check:
    """Log in to RateService as the kiosk will (nothing else is sent)."""
    from drivers.rateservice_link import login_probe

    q = cfg.queue
    window = q.rateservice_window or str(cfg.window.number)
    ok, answer = login_probe(q.url, window, q.rateservice_user)
    names = {"url": q.url, "user": q.rateservice_user, "window": window, "answer": answer}
    if ok:
        return Check("queue", PASS, _("{url}: RateService logs user {user} in at window "
                                      "{window}").format(**names))
    if ok is False:
        return Check("queue", FAIL, _("{url}: RateService refuses user {user} at window "
                                      "{window} ({answer})").format(**names),
                     _("check [queue] rateservice_user and rateservice_window against the "
                       "queue system's windows and their users"))
    return Check("queue", FAIL, _("cannot reach RateService at {url}: {answer}").format(**names),
                 _("check the address and port in [queue] url and that RateService runs"))


def check_keypad(cfg) -> Check:
    from drivers.keypad import find_device

    if not cfg.keypad.device:
        return Check("keypad", PASS, _("no staff keypad configured (staff use the screen)"))
    device = repr(cfg.keypad.device)
    path = find_device(cfg.keypad.device)
    if path is None:
        return Check("keypad", FAIL, _("keypad {device} not found").format(device=device),
                     _("plug it in; `kiosk-setup keypads` lists what is there; set [keypad] "
                       "device"))
    if not os.access(path, os.R_OK):
        return Check("keypad", FAIL, _("{path} is not readable").format(path=path),
                     _("the kiosk user needs group input (kiosk-setup install)"))
    return Check("keypad", PASS, _("keypad {device} present at {path}").format(
        device=device, path=path))


def check_disk(cfg) -> Check:
    where = Path(cfg.device.data_dir)
    while not where.exists() and where != where.parent:
        where = where.parent
    free_mb = shutil.disk_usage(where).free // 2 ** 20
    if free_mb < MIN_FREE_MB:
        return Check("disk", FAIL, _("{free} MiB free under {path}").format(
            free=free_mb, path=where),
            _("free space: journalctl --vacuum-size=50M; remove old files"))
    if free_mb < LOW_FREE_MB:
        return Check("disk", WARN, _("only {free} MiB free under {path}").format(
            free=free_mb, path=where), "journalctl --vacuum-size=50M")  # a command: verbatim
    return Check("disk", PASS, _("{free} MiB free under {path}").format(free=free_mb,
                                                                        path=where))


def check_backlog(cfg) -> Check:
    store = open_store(cfg, create=False)
    if store is None:
        return Check("backlog", PASS, _("no ratings yet ({path} not created)").format(
            path=cfg.db_path))
    try:
        pending, rejected = store.backlog(), store.db.execute(
            "SELECT count(*) FROM ratings WHERE sync_state = 'rejected'").fetchone()[0]
        events = store.events_backlog()
    finally:
        store.close()
    note = (_("; {count} refused by the server, kept locally").format(count=rejected)
            if rejected else "")
    if events:  # service events (issue 27) wait in the same outbox, after the ratings
        note += _("; {count} service event(s) wait too").format(count=events)
    if pending > 1000:
        return Check("backlog", WARN, _("{count} ratings wait for upload{note}").format(
            count=pending, note=note), _("fix the server check, then kiosk-setup sync"))
    return Check("backlog", PASS, _("{count} rating(s) wait for upload{note}").format(
        count=pending, note=note))


def check_fonts() -> Check:
    from kiosk.i18n import find_cjk_font

    font = find_cjk_font()
    if font is None:
        return Check("fonts", FAIL, _("no CJK font: Chinese would show as boxes"),
                     _("apt-get install fonts-wqy-microhei (or put a font in assets/fonts)"))
    return Check("fonts", PASS, _("CJK font {path}").format(path=font))


def check_display() -> Check:
    for var in ("WAYLAND_DISPLAY", "DISPLAY"):
        if os.environ.get(var):
            return Check("display", PASS, f"{var}={os.environ[var]}")
    cards = sorted(Path("/dev/dri").glob("card*")) if Path("/dev/dri").is_dir() else []
    if cards:
        return Check("display", PASS, _("KMS/DRM device {path} (the kiosk draws without "
                                        "X)").format(path=cards[0]))
    return Check("display", FAIL, _("no display: no DISPLAY/WAYLAND_DISPLAY and no "
                                    "/dev/dri/card*"),
                 _("on a Pi enable KMS: dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt, "
                   "then reboot"))


def check_panel(cfg) -> Check:
    """The panel's size: found on the display now, set in [panel], and what the running kiosk
    got at its last start (kiosk/panel.py notes it): full screen must be the whole screen."""
    from kiosk.panel import detect, recorded

    if not cfg.display.fullscreen:
        return Check("panel", SKIP, _("windowed ([display] fullscreen = false): {width}x"
                                      "{height}").format(width=cfg.display.width,
                                                         height=cfg.display.height))
    ran, found = recorded(cfg.device.data_dir), detect()
    screen = ((ran["screen"]["width"], ran["screen"]["height"]) if ran and ran.get("screen")
              else found.size if found else None)
    if ran and screen and tuple(ran["window"]) != screen:
        return Check("panel", FAIL, _("the kiosk's window is {window} but the screen is "
                                      "{screen}: part of the picture cannot be seen").format(
            window="x".join(map(str, ran["window"])), screen="x".join(map(str, screen))),
            _("sudo systemctl restart kiosk; if it stays so, report it with `journalctl -u "
              "kiosk | grep panel:`"))
    size = found.size if found else tuple(ran["window"]) if ran else None
    if size is None:
        return Check("panel", SKIP, _("no screen to measure here; the kiosk notes its size at "
                                      "start"))
    said = (cfg.panel.width, cfg.panel.height)
    turned = cfg.panel.rotation in (90, 270)
    text = _("screen {width}x{height}, rotation {rotation}: the picture is {pw}x{ph}").format(
        width=size[0], height=size[1], rotation=cfg.panel.rotation,
        pw=size[1] if turned else size[0], ph=size[0] if turned else size[1])
    if ran and ran.get("rotation") != cfg.panel.rotation:
        return Check("panel", WARN, text + _("; the running kiosk still turns it by "
                                             "{rotation}").format(rotation=ran["rotation"]),
                     _("restart the kiosk: sudo systemctl restart kiosk"))
    if any(said) and said != size:
        return Check("panel", WARN, text + _("; [panel] says {width}x{height}").format(
            width=said[0], height=said[1]),
            _("kiosk-setup init --panel-size {width}x{height} (or edit [panel] width and "
              "height)").format(width=size[0], height=size[1]))
    return Check("panel", PASS, text)


def run_checks(config_path: str | None, listen_s: float = 2.0, skip=()) -> list[Check]:
    checks: list[Check] = []
    try:
        cfg = config.load(config_path)
        checks.append(Check("config", PASS, _("{path} valid").format(path=cfg.path)))
    except config.ConfigError as exc:
        checks.append(Check("config", FAIL, config_message(exc),
                            _("kiosk-setup init, or edit the file (kiosk-setup check-config "
                              "shows every key)")))
        cfg = None
    if cfg is not None:
        skip = set(skip)
        if "queue" not in skip:
            checks.append(check_queue(cfg, listen_s))
        checks.append(check_keypad(cfg))
        server, token, clock = check_server(cfg)
        checks += [server, token, check_window(cfg)]
        if "devconfig" not in skip:
            checks.append(check_device_config(cfg))
        checks.append(check_settings(cfg))
        checks += [check_clock(clock), check_disk(cfg), check_backlog(cfg)]
    checks += [check_fonts(), check_display()]
    if cfg is not None and "panel" not in skip:
        checks.append(check_panel(cfg))
    return [c for c in checks if c.name not in skip]


# The status column stays PASS/WARN/FAIL/skip in every language, like the check names: --help
# (English and Chinese) and docs/technician.md name these words, technicians and scripts grep
# for them, and four ASCII letters keep the column aligned. The message and fix are in the language.
MARKS = {PASS: "PASS", WARN: "WARN", FAIL: "FAIL", SKIP: "skip"}


def report(checks: list[Check], as_json: bool) -> int:
    failed = any(c.status == FAIL for c in checks)
    if as_json:
        echo_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            colour = {PASS: "green", WARN: "yellow", FAIL: "red"}.get(c.status)
            click.echo(f"{click.style(MARKS[c.status], fg=colour)}  {c.name:<8} {c.message}")
            if c.fix and c.status in (WARN, FAIL):
                click.echo("            " + _("fix: {fix}").format(fix=c.fix))
        click.echo(_("some checks failed") if failed else _("all checks passed (warnings above)")
                   if any(c.status == WARN for c in checks) else _("all checks passed"))
    return FAILED if failed else OK


@click.command("doctor")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml).")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"ok": ..., "checks": [{name, status, message, fix}]} as JSON.')
@click.option("--listen", "listen_s", type=click.FloatRange(0, 60), default=2.0,
              show_default=True, help="Seconds to listen for queue-system traffic.")
@click.option("--skip", multiple=True, type=click.Choice(CHECKS),
              help="Leave out a check (repeatable), e.g. --skip display on a desk.")
@click.option("-v", "--verbose", is_flag=True,
              help="Add each failure's technical detail (in English) and the log lines.")
def doctor(config_path, as_json, listen_s, skip, verbose) -> None:
    """Check everything a working kiosk needs, and say how to fix what is wrong.

    \b
    config   the config file is valid
    queue    the serial port opens; traffic for this window / a POLL for our bus
             address is heard within --listen seconds (nothing is sent: silence is a
             warning, not proof of a fault)
    keypad   the configured staff keypad is present and readable
    server   the server answers GET /healthz
    token    the server accepts this kiosk's token (an empty upload is sent, which
             stores nothing)
    window   [window] number is the window the enrolment code was issued for (the
             server refuses ratings for any other window)
    devconfig  the device config is pulled now: from the server, a cached copy (and
             how old), or only the local config file
    settings each setting the server may push (names, reasons, rating timeout, QR
             URL, roster) with the value in force and where it comes from:
             server device config, the config file, or the built-in default
    clock    within 2 minutes of the server's clock; NTP synchronised
    disk     free space for the rating store
    backlog  ratings waiting for upload
    fonts    a CJK font is installed
    display  DISPLAY / WAYLAND_DISPLAY or a KMS device (/dev/dri/card*)

    Each check prints PASS, WARN or FAIL and, when not PASS, the fix. Exits 1 when any
    check fails (a broken config included), 0 otherwise.
    """
    from kiosk.setup.wording import library_logs

    use_language(config_path)  # the checked kiosk's language, as status and init speak it
    with library_logs(verbose):  # no English log line in the report, unless asked for
        checks = run_checks(config_path, listen_s, skip)
    raise SystemExit(report(checks, as_json))
