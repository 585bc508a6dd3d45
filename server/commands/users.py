"""`kiosk-server user add|disable|enable|reset-password|list`: console accounts for people."""
from __future__ import annotations

import json
import logging
import sys

import click

from server.cli import _open, db_option
from server.commands.speech import _, refusal
from server.commands.org import cli_actor

log = logging.getLogger(__name__)


def read_password(from_stdin: bool, username: str) -> str:
    """From standard input (first line) or a hidden prompt typed twice; never echoed."""
    from server.db.users import check_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password for {user}").format(user=username),
                                hide_input=True, confirmation_prompt=True)
    try:
        return check_password(password, username)
    except ValueError as exc:
        raise click.ClickException(refusal(exc))


def check_scope(store, role: str, scope: str) -> str:
    """The scope a role needs must name something the org model has."""
    from server.db import org
    from server.db.users import ROLES

    kind = ROLES[role]
    if kind == "region" and scope not in org.regions(store):
        raise click.BadParameter(_("no region {scope} in the org model (kiosk-server org "
                                   "import first)").format(scope=repr(scope)),
                                 param_hint="--scope")
    if kind == "hall" and org.hall(store, scope) is None:
        raise click.BadParameter(_("no hall {scope} in the org model").format(
            scope=repr(scope)), param_hint="--scope")
    if kind == "staff" and not org.staff(store, staff_id=scope):
        raise click.BadParameter(_("no staff member with 工号 {scope} in the org model")
                                 .format(scope=repr(scope)), param_hint="--scope")
    return scope


@click.group("user")
def user_group() -> None:
    """Named console accounts: region_admin (a region and below), hall_supervisor (one hall),
    window_staff (their own 工号), auditor (read-only, a region, the audit log)."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["region_admin", "hall_supervisor", "window_staff", "auditor",
                                 "inspector"]),
              help="What the account may do.")
@click.option("--scope", required=True,
              help="Region code (region_admin, auditor, inspector), hall id (hall_supervisor) or 工号 "
                   "(window_staff).")
@click.option("--name", "display_name", help="Name shown in the console (default: username).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of a "
                   "prompt.")
@db_option
def add_user(username: str, role: str, scope: str, display_name: str | None,
             password_stdin: bool, db: str) -> None:
    """Create an account; asks for its password (at least 10 characters) twice."""
    from server.db import audit, users

    try:
        username = users.check_username(username)
    except ValueError as exc:
        raise click.BadParameter(refusal(exc), param_hint="USERNAME")
    store = _open(db)
    try:
        check_scope(store, role, scope)
        password = read_password(password_stdin, username)
        try:
            with store.transaction() as tx:
                users.add(tx, username, display_name or username, password, role, scope)
                audit.append(tx, cli_actor(), "user.add", f"user:{username}",
                             {"role": role, "scope": scope})
        except ValueError as exc:
            raise click.ClickException(f"{username}: {refusal(exc)}")
    finally:
        store.close()
    click.echo(_("added {user} ({role} of {scope})").format(user=username, role=role,
                                                             scope=scope))


def _switch(username: str, disabled: bool, db: str) -> None:
    from server.db import audit, users

    store = _open(db)
    try:
        with store.transaction() as tx:
            if not users.set_disabled(tx, username, disabled):
                raise click.ClickException(_("no user {user}").format(user=repr(username)))
            audit.append(tx, cli_actor(), "user.disable" if disabled else "user.enable",
                         f"user:{username}", {})
    finally:
        store.close()
    click.echo((_("disabled {user}") if disabled else _("enabled {user}")).format(
        user=username))


@user_group.command("disable")
@click.argument("username")
@db_option
def disable_user(username: str, db: str) -> None:
    """Stop an account from logging in and end its sessions at once (kept for the audit log)."""
    _switch(username, True, db)


@user_group.command("enable")
@click.argument("username")
@db_option
def enable_user(username: str, db: str) -> None:
    """Let a disabled account log in again."""
    _switch(username, False, db)


@user_group.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of standard input.")
@db_option
def reset_password(username: str, password_stdin: bool, db: str) -> None:
    """Give an account a new password (the user must change it at next login); ends its
    sessions and clears its lock-out."""
    from server.db import audit, users

    store = _open(db)
    try:
        if users.get(store, username) is None:
            raise click.ClickException(_("no user {user}").format(user=repr(username)))
        password = read_password(password_stdin, username)
        with store.transaction() as tx:
            users.set_password(tx, username, password, must_change=True)
            users.clear_locks(tx, username)
            audit.append(tx, cli_actor(), "user.reset_password", f"user:{username}", {})
    finally:
        store.close()
    click.echo(_("password of {user} reset; it must be changed at next login").format(
        user=username))


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@db_option
def list_users(as_json: bool, db: str) -> None:
    """List accounts with role, scope and whether they are disabled."""
    from dataclasses import asdict

    from server.db import users

    store = _open(db)
    try:
        accounts = users.all_accounts(store)
    finally:
        store.close()
    for a in accounts:
        if as_json:
            click.echo(json.dumps(asdict(a), ensure_ascii=False))
        else:
            state = (_("disabled {at}").format(at=a.disabled_at) if a.disabled_at
                     else _("active"))
            click.echo(f"{a.username:<20} {a.role:<16} {a.scope:<12} {state}  {a.display_name}")
