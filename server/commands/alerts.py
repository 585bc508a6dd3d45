"""`kiosk-server alerts` and `kiosk-server deliver`: where a 差评 alert goes, and sending.

Secrets (webhook signing key, SMTP password, SMS gateway token) are read from a file
(--secret-file, "-" for standard input) so they stay out of shell history and `ps`; they
are stored for signing/logging in, never printed again, never logged and never audited.
"""
from __future__ import annotations

import json
import logging
import secrets

import click

from server.cli import _open, db_option
from server.commands.speech import OUTBOX_WORDS, _, label, refusal

log = logging.getLogger(__name__)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def read_secret(path: str | None) -> str | None:
    """The first line of a file ("-": standard input), stripped; None without a path."""
    if not path:
        return None
    try:
        with click.open_file(path, "r", encoding="utf-8") as stream:
            value = stream.readline().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(_("cannot read {path}: {error}").format(path=path, error=exc),
                                 param_hint="--secret-file")
    if not value:
        raise click.BadParameter(_("the file is empty"), param_hint="--secret-file")
    return value


@click.group("alerts")
def alerts_group() -> None:
    """Alerts to the hall's duty manager when a 差评 (不满意 or 非常不满意) arrives: set a
    hall's channels (webhook, email, sms), list them, send a test alert."""


@alerts_group.command("set")
@click.option("--hall", required=True, help="Hall whose 差评 this channel reports.")
@click.argument("channel", type=click.Choice(["webhook", "email", "sms"]))
@click.option("--url", help="webhook: the address the signed JSON is POSTed to.")
@click.option("--to", "to", multiple=True,
              help="email: an address; sms: a phone number (repeat for several).")
@click.option("--smtp-host", help="email: the SMTP server.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), default=25, show_default=True,
              help="email: its port (587 with --starttls, usually).")
@click.option("--starttls/--no-starttls", default=False, show_default=True,
              help="email: upgrade the connection with STARTTLS before logging in.")
@click.option("--smtp-user", default="", help="email: log in as this user (password in "
                                             "--secret-file).")
@click.option("--from", "sender", default="kiosk-server@localhost", show_default=True,
              help="email: the From address.")
@click.option("--gateway-url", help="sms: the HTTP SMS gateway's address.")
@click.option("--secret-file", help="File whose first line is the webhook's signing key, the "
                                    "SMTP password or the gateway token ('-' = stdin). A new "
                                    "webhook without one gets a random key, printed once.")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True,
              help="Language of the alert's text.")
@click.option("--disabled", is_flag=True, help="Store the channel but send nothing yet.")
@db_option
def set_cmd(hall, channel, url, to, smtp_host, smtp_port, starttls, smtp_user, sender,
            gateway_url, secret_file, lang, disabled, db) -> None:
    """Create or change one alert channel of a hall (the secret is kept when not given)."""
    from server.commands.org import cli_actor
    from server.db import audit
    from server.workflow.alerts import AlertConfigError, list_channels, set_channel

    config = {"url": url, "to": list(to), "smtp_host": smtp_host, "smtp_port": smtp_port,
              "starttls": starttls, "smtp_user": smtp_user, "from": sender,
              "gateway_url": gateway_url, "lang": lang}
    secret, made = read_secret(secret_file), False
    store = _open(db)
    try:
        existing = [c for c in list_channels(store, hall) if c["channel"] == channel]
        if channel == "webhook" and secret is None and not (existing and
                                                            existing[0]["secret_set"]):
            secret, made = secrets.token_urlsafe(32), True
        with store.transaction() as tx:
            stored = set_channel(tx, hall, channel, config, secret, not disabled)
            audit.append(tx, cli_actor(), "alerts.set", f"alerts:{hall}/{channel}",
                         {**stored, "enabled": not disabled, "secret_changed": bool(secret)})
    except AlertConfigError as exc:
        raise click.BadParameter(refusal(exc))
    finally:
        store.close()
    click.echo((_("{channel} alerts for hall {hall} stored (disabled)") if disabled else
                _("{channel} alerts for hall {hall} on")).format(channel=channel, hall=hall))
    if made:
        click.echo(_("signing key (shown once; give it to the receiver): {secret}").format(
            secret=secret))


@alerts_group.command("off")
@click.option("--hall", required=True, help="The hall.")
@click.argument("channel", type=click.Choice(["webhook", "email", "sms"]))
@db_option
def off_cmd(hall, channel, db) -> None:
    """Remove one alert channel of a hall (its unsent alerts are dropped)."""
    from server.commands.org import cli_actor
    from server.db import audit
    from server.workflow.alerts import remove_channel

    store = _open(db)
    try:
        with store.transaction() as tx:
            done = remove_channel(tx, hall, channel)
            if done:
                audit.append(tx, cli_actor(), "alerts.off", f"alerts:{hall}/{channel}", {})
    finally:
        store.close()
    if not done:
        raise click.ClickException(_("hall {hall} has no {channel} channel").format(
            hall=hall, channel=channel))
    click.echo(_("{channel} alerts for hall {hall} removed").format(channel=channel, hall=hall))


@alerts_group.command("list")
@click.option("--hall", help="Only this hall.")
@json_option
@db_option
def list_cmd(hall, as_json, db) -> None:
    """List alert channels (secrets only as set / not set) and alerts not yet delivered."""
    from server.db import outbox
    from server.workflow.alerts import KIND, list_channels

    store = _open(db)
    try:
        rows, stuck = list_channels(store, hall), outbox.problems(store, KIND)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"channels": rows, "undelivered": stuck}, ensure_ascii=False))
        return
    for r in rows:
        shown = ", ".join(f"{k}={v}" for k, v in r["config"].items() if v not in ("", None))
        click.echo(f"{r['hall']}  {r['channel']:<8} {'on ' if r['enabled'] else 'off'}  "
                   f"{shown}  " + (_("secret set") if r["secret_set"] else _("secret none")))
    if not rows:
        click.echo(_("no alert channels (kiosk-server alerts set --hall H webhook --url URL)"))
    for p in stuck:
        click.echo(_("not delivered: {target}  {state}  attempts {attempts}  next {next_at}  "
                     "{error}").format(error=p["last_error"], **{k: p[k] for k in (
                         "target", "state", "attempts", "next_at")}))


@alerts_group.command("test")
@click.option("--hall", required=True, help="The hall.")
@click.argument("channel", type=click.Choice(["webhook", "email", "sms"]))
@db_option
def test_cmd(hall, channel, db) -> None:
    """Send a test alert (marked as a test, made-up 差评) through one channel now."""
    from server.db.outbox import DeliveryError
    from server.workflow.alerts import AlertConfigError, send_test

    store = _open(db)
    try:
        alert = send_test(store, hall, channel)
    except (AlertConfigError, DeliveryError) as exc:
        raise click.ClickException(_("test alert not delivered: {error}").format(
            error=refusal(exc)))
    finally:
        store.close()
    click.echo(_("test alert {id} delivered through {channel}").format(
        id=alert["alert_id"], channel=channel))


@click.command("deliver")
@click.option("--once", is_flag=True, help="One round (every due alert and export), then exit: "
                                           "for cron, or when the server runs with "
                                           "KIOSK_SERVER_DELIVERY_POLL_S=0.")
@json_option
@db_option
def deliver_cmd(once, as_json, db) -> None:
    """Send what the outbox holds (alerts, provincial exports), retrying failures with
    back-off; without --once, keep doing so until interrupted."""
    from server.delivery import Deliverer

    store = _open(db)
    try:
        deliverer = Deliverer(store)
        if once:
            result = deliverer.run_once()
            click.echo(json.dumps(result) if as_json else "  ".join(
                f"{k}: " + ", ".join(f"{n} {label(OUTBOX_WORDS, s)}" for s, n in v.items())
                for k, v in result.items()))
            return
        deliverer.start()
        click.echo(_("delivering; Ctrl-C stops"), err=True)
        try:
            deliverer.wait()
        except KeyboardInterrupt:
            pass
        finally:
            deliverer.stop()
    finally:
        store.close()
