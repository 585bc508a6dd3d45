"""`kiosk-server`: run the central 好差评 collection server and administer its devices.

Admin commands talk to the database directly (same --db as serve), so they work on the
server host without the admin token; the HTTP admin API (token from
KIOSK_SERVER_ADMIN_TOKEN) does the same from elsewhere.
"""
from __future__ import annotations

import json
import logging
import os
import sys

import click

from server.commands.speech import _, refusal

DEFAULT_DB = "./kiosk-server.db"

db_option = click.option(
    "--db", "db", default=lambda: os.environ.get("KIOSK_SERVER_DB", DEFAULT_DB),
    show_default=f"$KIOSK_SERVER_DB or {DEFAULT_DB}",
    help="SQLite database file, or postgresql://user@host/dbname for PostgreSQL (created and "
         "migrated if needed).")


def _open(db: str):
    from server import wiring
    from server.db.store import open_store

    try:
        return wiring.attach(open_store(db))
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback, for the admin
        raise click.ClickException(_("cannot open database: {error}").format(
            error=f"{type(exc).__name__}: {exc}"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Central collection server for 好差评 evaluator kiosks.

    Kiosks enrol with a one-time code, then upload ratings to POST /api/v1/ratings/batch
    with their bearer token; citizens may also rate by phone through a QR code (/r/...).
    The OpenAPI document is at GET /openapi.json.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to accept kiosks on the LAN).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port to listen on.")
@db_option
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False),
              help="Serve HTTPS with this certificate chain (PEM); or terminate TLS in a "
                   "reverse proxy.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False),
              help="Private key (PEM) for --ssl-certfile.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Logging verbosity.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (PostgreSQL only; SQLite is served by "
                   "one process, its single writer). About one per core.")
def serve(host: str, port: int, db: str, ssl_certfile: str | None, ssl_keyfile: str | None,
          log_level: str, workers: int) -> None:
    """Serve the API until interrupted (Ctrl-C or SIGTERM). Several workers (--workers) or
    several hosts can serve one PostgreSQL database behind nginx: they share no state.
    Slow clients are cut after 10 s without complete headers and 30 s without body
    progress, 5 min in all (KIOSK_SERVER_HEADER_TIMEOUT_S, KIOSK_SERVER_BODY_TIMEOUT_S)."""
    import uvicorn

    from server.app import create_app
    from server.auth import ADMIN_ENV
    from server.serving import GuardedH11Protocol, quiet_logs, raise_nofile, settle_heap

    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_logs()
    if workers > 1 and "://" not in db:
        raise click.BadParameter(_("SQLite is served by one process (its single writer); "
                                   "use a postgresql:// database for several workers"),
                                 param_hint="--workers")
    nofile = raise_nofile()
    store = _open(db)  # migrates once, before any worker starts
    scheme = "https" if ssl_certfile else "http"
    click.echo(_("kiosk-server: {store}, listening on {url}, {workers} worker(s), {nofile} "
                 "descriptors").format(store=repr(store), url=f"{scheme}://{host}:{port}",
                                       workers=workers, nofile=nofile)
               + ("" if os.environ.get(ADMIN_ENV) else _(" (admin API off: {env} unset)")
                  .format(env=ADMIN_ENV)), err=True)
    common = dict(host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5,
                  ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, http=GuardedH11Protocol,
                  backlog=2048)
    try:
        if workers > 1:
            store.close()
            os.environ["KIOSK_SERVER_DB"] = db  # each worker opens its own store from it
            uvicorn.run("server.serving:app_from_env", factory=True, workers=workers,
                        **common)
        else:
            app = create_app(store)
            settle_heap()
            uvicorn.run(app, **common)
    finally:
        store.close()


@main.command("enrol-code")
@click.option("--hall", required=True, help="Hall id the device will belong to (A-Z a-z 0-9 _ -).")
@click.option("--window", type=click.IntRange(1, 999), help="Window number, if the code is for one.")
@click.option("--ttl-hours", default=24.0, show_default=True, type=click.FloatRange(0.01, 720),
              help="Hours until the code expires.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
def enrol_code(hall: str, window: int | None, ttl_hours: float, as_json: bool, db: str) -> None:
    """Make a one-time enrolment code; the kiosk trades it for its device id and token."""
    from server.api.enrol import create_code

    store = _open(db)
    try:
        out = create_code(store, hall, window, ttl_hours)
    except ValueError as exc:
        raise click.BadParameter(refusal(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(out.model_dump()))
    else:
        click.echo(f"{out.code}  " + _("(hall {hall}, valid until {until})").format(
            hall=_where(hall, window), until=out.expires_at))


@main.command()
@click.argument("device_id")
@db_option
def revoke(device_id: str, db: str) -> None:
    """Revoke a device: its token gets 401 from now on (its kiosk keeps its ratings)."""
    from server.db.base import utc_iso

    store = _open(db)
    try:
        done = store.revoke_device(device_id, utc_iso())
    finally:
        store.close()
    if not done:
        raise click.ClickException(_("no device {device}, or it is already revoked")
                                   .format(device=repr(device_id)))
    click.echo(_("revoked {device}").format(device=device_id))


@main.command("set-config")
@click.option("--hall", required=True, help="Hall the config is for.")
@click.option("--window", type=click.IntRange(1, 999),
              help="One window; without it the config applies to every window of the hall.")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@db_option
def set_config_cmd(hall: str, window: int | None, file, db: str) -> None:
    """Set the configuration kiosks pull (FILE.json: hall_name, window_name, staff,
    reasons, rating_timeout_s, qr_base_url; "-" reads standard input). A key left out (or
    null) is not sent: the kiosk keeps its own setting for it."""
    from pydantic import ValidationError

    from server.api.device_config import set_config

    try:
        config = json.load(file)
    except ValueError as exc:
        raise click.BadParameter(_("not JSON: {error}").format(error=exc), param_hint="FILE")
    store = _open(db)
    try:
        digest = set_config(store, hall, window, config)
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="FILE")  # pydantic's own, by field
    finally:
        store.close()
    click.echo(_("config for hall {hall} set ({digest})").format(hall=_where(hall, window),
                                                                digest=digest[:12]))


def _where(hall: str, window: int | None) -> str:
    """"hall01" or "hall01 window 3", inside a sentence that says "hall" itself."""
    return hall + (_(" window {window}").format(window=window) if window else "")


@main.command()
@db_option
def devices(db: str) -> None:
    """List devices with their last heartbeat, as JSON lines."""
    store = _open(db)
    try:
        for device in store.list_devices():
            click.echo(json.dumps(device, ensure_ascii=False))
    finally:
        store.close()


@main.command()
@db_option
def migrate(db: str) -> None:
    """Create or upgrade the database schema, then exit."""
    store = _open(db)
    click.echo(_("{store}: schema version {version}").format(
        store=repr(store), version=store.schema_version), err=True)
    store.close()


from server.db.importer import import_ratings  # noqa: E402 - registered after the group exists

main.add_command(import_ratings)

from server.commands.audit import audit  # noqa: E402

from server.commands.org import org_group  # noqa: E402
from server.commands.users import user_group  # noqa: E402

main.add_command(audit)
main.add_command(org_group)
main.add_command(user_group)

from server.commands.workflow import cases_group  # noqa: E402
from server.commands.workflow_admin import (appeals_group, defaults_group,  # noqa: E402
                                            holidays_group, policy_group)

for _group in (cases_group, policy_group, holidays_group, appeals_group, defaults_group):
    main.add_command(_group)

from server.commands.figures import demo_seed, ranking_group, rollup_group  # noqa: E402

for _command in (rollup_group, ranking_group, demo_seed):
    main.add_command(_command)

from server.commands.alerts import alerts_group, deliver_cmd  # noqa: E402
from server.commands.export import export_group  # noqa: E402

for _command in (alerts_group, deliver_cmd, export_group):
    main.add_command(_command)

from server.commands.hours import hours_group  # noqa: E402

main.add_command(hours_group)
from server.commands.assess import assess_group  # noqa: E402

main.add_command(assess_group)

from server.commands.inspections import inspections_group  # noqa: E402

main.add_command(inspections_group)

from server.commands.business import business_group  # noqa: E402

main.add_command(business_group)

from server.commands.voice import voice_group  # noqa: E402

main.add_command(voice_group)

from cli_i18n.catalog import env_language  # noqa: E402
from cli_i18n.command import localize  # noqa: E402
from server.i18n import LOCALE_DIR  # noqa: E402

# Help and click's own words follow LC_ALL/LC_MESSAGES/LANG (zh* gives Chinese, anything else
# English): the console's zh_CN default is for pages a browser asks for; an admin's shell
# says what it reads, and scripts that parse English errors keep them under LANG=C.
localize(main, env_language, [LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "server_cli.po"])

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
