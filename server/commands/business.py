"""`kiosk-server business add|list|revoke`: the business systems (办件系统) that may ask a
window's kiosk to rate a finished 办件 (POST /api/v1/business/cases, server/api/business.py)."""
from __future__ import annotations

import click

from server.cli import db_option
from server.commands.org import cli_actor
from server.commands.speech import _
from server.commands.workflow import _echo, _run, json_option


@click.group("business")
def business_group() -> None:
    """Business systems (办件系统): each has its own token and the halls it may name; it asks
    the kiosk at a window to rate a finished 办件 with the real 办件编号."""


def _line(s: dict) -> str:
    state = _("revoked {at}").format(at=s["revoked_at"]) if s["revoked_at"] else _("active")
    return f"{s['id']}  {s['name']}  {','.join(s['halls'])}  {state}"


@business_group.command("add")
@click.argument("name")
@click.option("--hall", "halls", multiple=True, required=True,
              help="A hall id the system may post 办件 for; repeat for several.")
@json_option
@db_option
def business_add(name: str, halls: tuple[str, ...], as_json: bool, db: str) -> None:
    """Register business system NAME; prints its token once (only its hash is kept)."""
    from server.db import business

    system, token = _run(db, lambda store: business.add_system(store, name, list(halls),
                                                               cli_actor()))
    _echo({**system, "token": token}, as_json,
          _line(system) + "\n" + _("token (shown once, keep it in the business system's "
                                   "configuration): {token}").format(token=token))


@business_group.command("list")
@json_option
@db_option
def business_list(as_json: bool, db: str) -> None:
    """List the registered business systems (never their tokens)."""
    from server.db import business

    systems = _run(db, business.list_systems)
    _echo(systems, as_json, "\n".join(map(_line, systems)) or _("no business systems"))


@business_group.command("revoke")
@click.argument("system_id")
@db_option
def business_revoke(system_id: str, db: str) -> None:
    """Revoke SYSTEM_ID: its token gets 401 from now on."""
    from server.db import business

    if not _run(db, lambda store: business.revoke_system(store, system_id, cli_actor())):
        raise click.ClickException(_("no such business system, or already revoked: {id}")
                                   .format(id=system_id))
    click.echo(_("revoked {id}").format(id=system_id))
