"""`kiosk-server export`: provincial targets, their delivery status, and the file export.

Counted ratings (first of their case, not excluded, level 1-5) are queued for every enabled
target as they arrive and sent by the delivery worker (`kiosk-server deliver`); each target
receives each rating once, in the field mapping it names (server/export/mappings/*.json).
"""
from __future__ import annotations

import json
import logging
import sys

import click

from server.cli import _open, db_option
from server.commands.alerts import json_option, read_secret
from server.commands.speech import OUTBOX_WORDS, _, label, refusal

log = logging.getLogger(__name__)


@click.group("export")
def export_group() -> None:
    """Provincial export: targets (URL + field mapping), status and failures, retry,
    backfill, and CSV/JSON files of a month for halls that upload by hand."""


@export_group.command("set-target")
@click.argument("name")
@click.option("--mapping", required=True,
              help="Field mapping: zhejiang, deyatech, gbt39046 (provincial: invented, superseded), or a path to a .json mapping file.")
@click.option("--url", required=True, help="Where each record is POSTed as JSON.")
@click.option("--region", default="", help="行政区划 code (at most 9 digits, 表9 n..9) for "
                                          "halls the org model gives no region (the org's "
                                          "region wins when it has one).")
@click.option("--secret-file", help="File whose first line is the key records are signed "
                                    "with (HMAC-SHA256 header); '-' = stdin.")
@click.option("--disabled", is_flag=True, help="Keep the target but queue nothing for it.")
@db_option
def set_target_cmd(name, mapping, url, region, secret_file, disabled, db) -> None:
    """Create or change a target. Ratings counted from now on are queued for it; use
    `export backfill` for older ones."""
    from server.commands.org import cli_actor
    from server.db import audit
    from server.export.mapping import MappingError
    from server.export.targets import TargetError, set_target

    secret = read_secret(secret_file)
    store = _open(db)
    try:
        with store.transaction() as tx:
            out = set_target(tx, name, mapping, url, region, secret, not disabled)
            audit.append(tx, cli_actor(), "export.target", f"export:{name}",
                         {**out, "secret_changed": secret is not None})
    except (TargetError, MappingError) as exc:
        raise click.BadParameter(refusal(exc))
    finally:
        store.close()
    click.echo((_("export target {name} ({mapping}) disabled") if disabled else
                _("export target {name} ({mapping}) on")).format(name=name, mapping=mapping))


@export_group.command("remove-target")
@click.argument("name")
@db_option
def remove_target_cmd(name, db) -> None:
    """Forget a target; its unsent records are cancelled, what was sent stays listed."""
    from server.commands.org import cli_actor
    from server.db import audit
    from server.export.targets import remove

    store = _open(db)
    try:
        with store.transaction() as tx:
            done = remove(tx, name)
            if done:
                audit.append(tx, cli_actor(), "export.remove", f"export:{name}", {})
    finally:
        store.close()
    if not done:
        raise click.ClickException(_("no export target {name}").format(name=repr(name)))
    click.echo(_("export target {name} removed").format(name=name))


@export_group.command("targets")
@json_option
@db_option
def targets_cmd(as_json, db) -> None:
    """List targets (the secret only as set / not set) and the shipped mappings."""
    from server.export import mapping, targets

    store = _open(db)
    try:
        rows = targets.listing(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"targets": rows, "mappings": mapping.available()},
                              ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['name']}  {'on ' if r['enabled'] else 'off'}  {r['mapping']}  "
                   f"{r['url']}  " + _("region {region}").format(region=r["region"] or "-")
                   + "  " + (_("secret set") if r["secret_set"] else _("secret none")))
    click.echo(_("mappings: {names}").format(names=", ".join(mapping.available())))


@export_group.command("status")
@click.option("--target", help="Only this target.")
@json_option
@db_option
def status_cmd(target, as_json, db) -> None:
    """Per target: records sent, waiting, given up; then every record that failed, with the
    target's last answer. Exit 1 when some were given up (state failed)."""
    from server.export.sender import status

    store = _open(db)
    try:
        out = status(store, target)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        for name, counts in sorted(out["targets"].items()):
            click.echo(f"{name}: " + (", ".join(f"{n} {label(OUTBOX_WORDS, s)}"
                                                for s, n in sorted(counts.items()))
                                      or _("nothing queued")))
        for f in out["failures"]:
            click.echo(f"  {label(OUTBOX_WORDS, f['state']):<7} " + _(
                "{target} rating {rating} attempts {attempts} next {next_at}: {error}").format(
                    error=refusal(ValueError(f["error"])),
                    **{k: f[k] for k in ("target", "rating", "attempts", "next_at")}))
        for w in out["excluded_after_sending"]:
            click.echo(_("  excluded after sending: {target} rating {rating} (sent {sent_at}): "
                         "ask the platform to withdraw it").format(
                             **{k: w[k] for k in ("target", "rating", "sent_at")}))
        for r in out["retracted"]:
            click.echo(_("  retracted by call: {target} rating {rating} ({state})").format(
                **{k: r[k] for k in ("target", "rating", "state")}))
        held: dict = {}
        for h in out["held"]:
            held[(h["target"], h["reason"])] = held.get((h["target"], h["reason"]), 0) + 1
        for (name, reason), n in sorted(held.items()):
            click.echo(_("  held: {target} {n} ({reason}): kiosk-server export held").format(
                target=name, n=n, reason=reason))
    if any(f["state"] == "failed" for f in out["failures"]):
        sys.exit(1)


@export_group.command("retry")
@click.option("--target", help="Only this target.")
@db_option
def retry_cmd(target, db) -> None:
    """Queue the records that were given up (failed) again, due now."""
    from server.db import outbox

    store = _open(db)
    try:
        n = outbox.retry_failed(store, "export", target)
    finally:
        store.close()
    click.echo(_("{n} records queued again").format(n=n))


@export_group.command("backfill")
@click.option("--target", required=True, help="The target.")
@click.option("--month", required=True, help="Hall-time month YYYY-MM whose counted ratings "
                                             "are queued (those already queued are skipped).")
@db_option
def backfill_cmd(target, month, db) -> None:
    """Queue older counted ratings for a target (e.g. one added after they arrived)."""
    from server.export.files import month_bounds
    from server.export.sender import backfill
    from server.export.targets import TargetError

    try:
        start, end = month_bounds(month)
    except ValueError as exc:
        raise click.BadParameter(refusal(exc), param_hint="--month")
    store = _open(db)
    try:
        n = backfill(store, target, start, end)
    except TargetError as exc:
        raise click.ClickException(refusal(exc))
    finally:
        store.close()
    click.echo(_("{n} ratings of {month} queued for {target}").format(n=n, month=month,
                                                                      target=target))


@export_group.command("file")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="CSV (UTF-8 with BOM, opens in Excel) or a JSON array.")
@click.option("--target", required=True, help="A configured target, or a mapping name "
                                              "(zhejiang, deyatech, gbt39046) or .json path.")
@click.option("--month", required=True, help="Hall-time month, YYYY-MM.")
@click.option("--region", help="行政区划 code for halls without one in the org model.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write here instead of standard output.")
@db_option
def file_cmd(fmt, target, month, region, output, db) -> None:
    """Write a month of counted ratings in a target's mapping, for uploading by hand."""
    from server.export import files
    from server.export.mapping import MappingError
    from server.export.targets import REGION_RE

    if region and not REGION_RE.match(region):
        raise click.BadParameter(_("at most 9 digits (表9: n..9)"), param_hint="--region")
    store = _open(db)
    held: list = []
    try:
        headers, data = files.rows(store, target, month, region, held)
    except MappingError as exc:
        raise click.ClickException(refusal(exc))
    except ValueError as exc:
        raise click.BadParameter(refusal(exc), param_hint="--month")
    finally:
        store.close()
    text = files.render(headers, data, fmt)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        click.echo(_("{n} records written to {file}").format(n=len(data), file=output),
                   err=True)
    else:
        click.echo(text, nl=False)
    if held:
        click.echo(_("{n} records held, not written (e.g. no 办件编号): kiosk-server export "
                     "held").format(n=len(held)), err=True)


@export_group.command("held")
@click.option("--target", help="Only this target.")
@json_option
@db_option
def held_cmd(target, as_json, db) -> None:
    """Records a target's mapping holds instead of sending: no 办件编号 ("held: no 办件编号"),
    a reason without a code in the target's catalogue, a required value unknown. They are
    never sent; each is released when its cause is gone (`export release`)."""
    from server.export import holds

    store = _open(db)
    try:
        rows = holds.listing(store, target)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"held": rows}, ensure_ascii=False))
        return
    counts: dict = {}
    for r in rows:
        counts[(r["target"], r["note"])] = counts.get((r["target"], r["note"]), 0) + 1
    for (name, note), n in sorted(counts.items()):
        click.echo(f"{name}: {n}  {note}")
    for r in rows:
        click.echo(f"  {r['target']}  {r['hall']}  {r['window'] if r['window'] is not None else '-'}"
                   f"  {r['rating']}  {r['reason']}")
    if not rows:
        click.echo(_("nothing held"))


@export_group.command("release")
@db_option
def release_cmd(db) -> None:
    """Release the held records whose cause is gone (their 办件编号 arrived, the catalogue
    has the reason's code now); the delivery worker does this every minute too."""
    from server.export.sender import release_ready

    store = _open(db)
    try:
        n = release_ready(store)
    finally:
        store.close()
    click.echo(_("{n} held records released").format(n=n))


@export_group.command("province")
@click.option("--port", type=click.IntRange(0, 65535), default=8790, show_default=True)
@click.option("--cases", "cases_file", type=click.Path(exists=True, dir_okay=False),
              help="File of known 办件编号s, one a line (more can be POSTed to /cases).")
def province_cmd(port, cases_file) -> None:
    """A loopback 好差评 platform for the demo: checks records as a province would and
    refuses bad ones with {code, msg}. Targets: <url>report (zhejiang), <url>deyatech,
    <url>gbt39046. Runs until Ctrl-C."""
    import signal
    import threading

    from server.export.province import Province

    cases = []
    if cases_file:
        with open(cases_file, encoding="utf-8") as fh:
            cases = [line.strip() for line in fh if line.strip()]
    try:
        prov = Province(port=port, cases=cases).start()
    except OSError as exc:
        raise click.ClickException(_("cannot listen on port {port}: {why}").format(
            port=port, why=exc.strerror or exc)) from None
    click.echo(_("loopback province on {url} ({n} 办件编号 known); Ctrl-C stops it").format(
        url=prov.url, n=len(prov.cases)))
    # Our own handlers: a shell's background job inherits SIGINT ignored, and a service
    # manager stops with SIGTERM; either way the province closes its port and exits.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    prov.stop()
