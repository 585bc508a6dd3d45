"""`kiosk-server audit verify|list`: check the hash chain of the audit log, read its entries."""
from __future__ import annotations

import json
import logging
import sys

import click

from server.cli import _open, db_option
from server.commands.speech import _

log = logging.getLogger(__name__)


@click.group()
def audit() -> None:
    """The audit log: every change to users, roles, the org model, cases and appeals, in a
    hash chain that shows the first entry altered or removed."""


@audit.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@db_option
def verify(as_json: bool, db: str) -> None:
    """Walk the whole chain; exit 0 when it is whole, 1 naming the first entry altered or
    removed. Prints the head hash: note it somewhere else to compare later."""
    from server.db import audit as audit_log

    store = _open(db)
    try:
        problem = audit_log.verify(store)
        seq, last = audit_log.head(store)
    finally:
        store.close()
    out = {"ok": problem is None, "entries": seq, "head_hash": last,
           "first_bad_id": problem[0] if problem else None,
           "why": problem[1] if problem else None}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
    elif problem is None:
        click.echo(_("audit log intact: {n} entries, head {head}").format(n=seq, head=last))
    else:
        click.echo(_("audit log BROKEN at entry {id}: {why}").format(id=problem[0],
                                                                     why=problem[1]), err=True)
    if problem is not None:
        sys.exit(1)


@audit.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000),
              help="How many entries, newest first.")
@click.option("--before", type=click.IntRange(1),
              help="Only entries older than this id (the next page: the last id shown).")
@click.option("--target", help="Only entries about this target, e.g. user:alice or hall:H01.")
@click.option("--actor", help="Only entries by this actor, e.g. user:alice or cli.")
@click.option("--action", help="Only this action (org.import), or a family ending in a dot "
                                "(org.).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
@db_option
def list_entries(limit: int, before: int | None, target: str | None, actor: str | None,
                 action: str | None, as_json: bool, db: str) -> None:
    """List audit entries, newest first."""
    from server.db import audit as audit_log

    store = _open(db)
    try:
        rows, _ = audit_log.entries(store, limit, before, target=target, actor=actor,
                                    action=action)
        total = audit_log.count(store, target=target, actor=actor, action=action)
    finally:
        store.close()
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{row['id']:>6}  {row['at']}  {row['actor']:<20} {row['action']:<20} "
                       f"{row['target']}  {json.dumps(row['detail'], ensure_ascii=False)}")
    if not as_json:
        click.echo(_("({shown} of {total})").format(shown=len(rows), total=total), err=True)
