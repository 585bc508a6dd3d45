"""`kiosk-server inspections list|decide`: 督察 records from the terminal (issue 28 item 3).

Listing reads every hall (the server host's administrator). A decision names the console
account deciding (--by, a region admin of the record's region; the same rules as in the
console), or without --by is the host administrator's (audited as cli:<os user>).
"""
from __future__ import annotations

import json
import logging

import click

from server.cli import _open, db_option
from server.commands.speech import _, refusal

log = logging.getLogger(__name__)


@click.group("inspections")
def inspections_group() -> None:
    """督察 records: deductions, bonuses and vetoes an inspector recorded against a window
    unit; recorded → contested (by the hall's supervisor) → upheld or withdrawn (by a region
    admin). A withdrawn record does not count."""


def _fail(exc: Exception):
    from server.assess.inspections import InspectionError

    if isinstance(exc, InspectionError):
        raise click.ClickException(f"{exc.field}: " + _(exc.message).format(**exc.params))
    raise click.ClickException(refusal(exc))


@inspections_group.command("list")
@click.option("--month", help="Month YYYY-MM (hall time); default: every month.")
@click.option("--hall", help="Only this hall.")
@click.option("--state", type=click.Choice(["recorded", "contested", "upheld", "withdrawn"]),
              help="Only records in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
@db_option
def list_cmd(month: str | None, hall: str | None, state: str | None, as_json: bool,
             db: str) -> None:
    """List 督察 records, newest first."""
    from server.assess.inspections import InspectionError
    from server.assess.inspections_list import every
    from server.db.base import parse_iso
    from server.workflow.workdays import HALL_TZ

    store = _open(db)
    try:
        with store.transaction(write=False) as tx:
            rows = every(tx, None, month, hall, state)
    except InspectionError as exc:
        _fail(exc)
    finally:
        store.close()
    for r in rows:
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False, sort_keys=True))
            continue
        when = parse_iso(r["occurred_at"]).astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M")
        window = f" 窗口{r['window']}" if r["window"] is not None else ""
        click.echo(f"{r['id']}  {when}  {r['hall']}/{r['department']}{window}  "
                   f"{r['item']} ×{r['count']}  {r['kind']}  {r['state']}")
    if not rows and not as_json:
        click.echo(_("no 督察 records"), err=True)


@inspections_group.command("decide")
@click.argument("record_id", metavar="ID")
@click.argument("decision", type=click.Choice(["upheld", "withdrawn"]))
@click.option("--note", required=True, help="Why (at most 500 characters).")
@click.option("--by", "by", metavar="USERNAME",
              help="The region admin's console account deciding (default: the host "
                   "administrator).")
@db_option
def decide_cmd(record_id: str, decision: str, note: str, by: str | None, db: str) -> None:
    """Decide a record: upheld (a contested record stands) or withdrawn (it does not count)."""
    from server.assess import inspections
    from server.commands.org import cli_actor
    from server.db import users

    store = _open(db)
    try:
        if by:
            account = users.get(store, by)
            if account is None or not account.active:
                raise click.ClickException(_("no active console account {user} (kiosk-server "
                                             "user list)").format(user=repr(by)))
            actor = inspections.who_of(store, account)
        else:
            actor = inspections.Who(cli_actor(), "cli", None)
        with store.transaction() as tx:
            done = inspections.decide(tx, actor, record_id, decision, note)
    except inspections.InspectionError as exc:
        _fail(exc)
    finally:
        store.close()
    click.echo(_("record {id}: {state}").format(id=done["id"], state=done["state"]))
