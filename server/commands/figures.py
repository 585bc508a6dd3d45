"""`kiosk-server rollup rebuild`, `ranking show|close|settings|set`, `demo-seed`: the figures."""
from __future__ import annotations

import json
import logging

import click

from server.cli import _open, db_option
from server.commands.speech import _, refusal

log = logging.getLogger(__name__)


@click.group("rollup")
def rollup_group() -> None:
    """The roll-ups the console's figures are read from (counts per local day, hall, window,
    staff and level, and per 差评 reason), kept in the ingest transaction."""


@rollup_group.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the row counts as JSON.")
@db_option
def rebuild(as_json: bool, db: str) -> None:
    """Recompute every roll-up from the ratings table (counted ratings only: not superseded,
    not excluded by an appeal), in one transaction. Needed after a bulk load, or after
    devices moved to another hall; otherwise ingest keeps them exact."""
    from server.db import rollups

    store = _open(db)
    try:
        counts = rollups.rebuild(store)
    finally:
        store.close()
    click.echo(json.dumps(counts) if as_json else
               _("roll-ups rebuilt: {tables}").format(tables=", ".join(
                   _("{table} {n} rows").format(table=t, n=n) for t, n in counts.items())))


KIND = click.option("--kind", type=click.Choice(["windows", "staff", "halls", "departments",
                                                 "region_departments"]),
                    default="windows", show_default=True,
                    help="windows, staff or departments of a hall (--scope hall id); halls or "
                         "departments (region_departments) of a region (--scope region code).")


@click.group("ranking")
def ranking_group() -> None:
    """The monthly ranking with red (红旗) and black (黑旗) flags, and closing a month."""


@ranking_group.command("show")
@KIND
@click.option("--scope", required=True,
              help="Hall id (windows, staff, departments) or region code "
                   "(halls, region_departments).")
@click.option("--month", required=True, help="YYYY-MM (the hall's local months, UTC+8).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@db_option
def show(kind: str, scope: str, month: str, as_json: bool, db: str) -> None:
    """Print the ranking: the frozen one when the month is closed (with late ratings)."""
    from server.workflow import ranking

    store = _open(db)
    try:
        shown = ranking.view(store, kind, scope, month)
    except ValueError as exc:
        raise click.ClickException(refusal(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, default=str))
        return
    for r in shown["rows"]:
        flag = {"red": "红旗", "black": "黑旗"}.get(r["flag"], "")
        click.echo(f"{r['rank'] or '-':>3} {flag:4} {r['label']:<24} "
                   + _("rated {n}").format(n=f"{r['rated']:>5}")
                   + f"  满意率 {r['satisfaction'] or '-':>6}"
                   + f"  参评率 {r['participation'] or '-':>6}"
                   + (_("  late {n}").format(n=r["late"]) if shown["closed"] else ""))


@ranking_group.command("close")
@KIND
@click.option("--scope", required=True,
              help="Hall id (windows, staff, departments) or region code "
                   "(halls, region_departments).")
@click.option("--month", required=True, help="YYYY-MM; only a month that has ended.")
@click.option("--by", required=True, help="The console account closing it (audited).")
@db_option
def close_cmd(kind: str, scope: str, month: str, by: str, db: str) -> None:
    """Freeze a finished month's ranking as published; later uploads show as late."""
    from server.workflow import ranking

    store = _open(db)
    try:
        ranking.close(store, kind, scope, month, f"user:{by}")
    except ValueError as exc:
        raise click.ClickException(refusal(exc))
    finally:
        store.close()
    click.echo(_("closed the {kind} ranking of {scope} for {month}").format(
        kind=kind, scope=scope, month=month))


@ranking_group.command("set")
@click.option("--scope", default="*", show_default=True,
              help="Hall id or region code the settings apply to ('*': the whole server); the "
                   "nearest scope wins: hall, its region, the parent regions, '*'.")
@click.option("--min-rated", default=30, show_default=True, type=click.IntRange(1, 100000),
              help="Rated cases a unit needs in the month to be ranked.")
@click.option("--red", default=3, show_default=True, type=click.IntRange(0, 100),
              help="Red flags (top ranks).")
@click.option("--black", default=3, show_default=True, type=click.IntRange(0, 100),
              help="Black flags (bottom ranks).")
@click.option("--score", default="satisfaction", show_default=True,
              type=click.Choice(["satisfaction", "participation", "mean_level"]),
              help="What ranks first; ties go by participation rate, then count.")
@click.option("--by", required=True, help="Who changes it (audited).")
@db_option
def set_cmd(scope: str, min_rated: int, red: int, black: int, score: str, by: str,
            db: str) -> None:
    """Set the ranking rules for a hall, a region or the server."""
    from server.db import audit, rankings

    store = _open(db)
    try:
        with store.transaction() as tx:
            rankings.put_settings(tx, scope, min_rated, red, black, score, f"user:{by}")
            audit.append(tx, f"user:{by}", "ranking.settings", f"ranking:{scope}",
                         {"min_rated": min_rated, "red": red, "black": black, "score": score})
    finally:
        store.close()
    click.echo(_("ranking settings for {scope}: min {min_rated} rated, {red} red, {black} "
                 "black, by {score}").format(scope=scope, min_rated=min_rated, red=red,
                                             black=black, score=score))


@click.command("demo-seed")
@click.option("--seed", default=10, show_default=True, help="Random seed of the ratings.")
@click.option("--json", "as_json", is_flag=True, help="Print the login as JSON.")
@db_option
def demo_seed(seed: int, as_json: bool, db: str) -> None:
    """Fill a database with the demo hall: org, a supervisor login and last month plus this
    month of ratings (through the real ingest). Prints the console address and login."""
    from server.demo_seed import seed_demo

    store = _open(db)
    try:
        out = seed_demo(store, seed=seed)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(_("seeded hall {hall} with {n} ratings").format(hall=out["hall"],
                                                                n=out["ratings"]))
    click.echo(_("console: {command}, then open {url} (login {login}, password {password})")
               .format(command=f"kiosk-server serve --db {db}",
                       url="http://127.0.0.1:8080/console/", login=out["login"],
                       password=out["password"]))
