"""`kiosk-server assess presets|scheme show|scheme set|score|close`: the monthly assessment
(考核) of window units from the terminal. Setting a scheme and closing a period are the
server host's administrator's (audited as cli:<os user>)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from server.cli import _open, db_option
from server.commands.speech import _
from server.commands.workflow import _echo, json_option
from sync.wire.labels import N_

FLAGS = {"red": N_("Red flag"), "black": N_("Black flag")}
WARNINGS = {"notice": N_("Notice (通报)"), "talk": N_("Talk (约谈)")}


def _run(db: str, work):
    """Open the store, run work(store); a refused scheme or period is a clean error that
    names the field, in the CLI's language."""
    from server.assess.scheme import SchemeError

    store = _open(db)
    try:
        return work(store)
    except SchemeError as exc:
        raise click.ClickException(exc.text(_))
    finally:
        store.close()


@click.group("assess")
def assess_group() -> None:
    """The monthly assessment (考核) of window units: schemes by region or hall and month,
    scores item by item, 红旗/黑旗, 优质服务窗口, 服务标兵 and the close of a period."""


@assess_group.command("presets")
@json_option
@db_option
def presets(as_json: bool, db: str) -> None:
    """List the shipped schemes (驻马店-, 上街- and 济宁-style) and the documents they
    follow; `assess scheme set SCOPE --preset NAME` copies one."""
    del db  # the presets are files: no database needed (taken so every command takes it)
    from server.assess import scheme

    rows = [{"preset": n, "name": s.name, "source": str(s.source), "items": len(s.items)}
            for n, s in ((n, scheme.preset(n)) for n in scheme.preset_names())]
    _echo(rows, as_json, "\n".join(
        _("{preset}: {name}, {items} items, after {source}").format(**r) for r in rows))


@assess_group.group("scheme")
def scheme_group() -> None:
    """Show or set the assessment scheme of a hall, a region or * (every hall)."""


def _scheme_text(version) -> str:
    s = version.scheme
    lines = [_("{name} ({scope}, from {month}, set by {by})").format(
        name=s.name, scope=version.scope, month=version.month_from, by=version.set_by),
        _("after {source}").format(source=s.source),
        _("base {base}, maximum {maximum}, minimum {minimum}").format(
            base=_num(s.base), maximum=_num(s.maximum), minimum=_num(s.minimum))]
    for a in s.aspects:
        lines.append(f"{a.label}（{_num(a.points)}）")
        for i in s.items:
            if i.aspect == a.key:
                lines.append(f"  {i.key}  {i.label}")
    return "\n".join(lines)


def _num(x: float) -> str:
    from server.assess.score import num

    return num(x)


@scheme_group.command("show")
@click.argument("scope")
@click.option("--month", help="The month (YYYY-MM) whose scheme to show; default this month.")
@json_option
@db_option
def scheme_show(scope: str, month: str | None, as_json: bool, db: str) -> None:
    """Show the scheme in force for SCOPE (a hall id, a region code or *) in a month: its
    own, or the nearest region's, or *'s, and where it comes from."""
    from server.assess import store as assess_store
    from server.db.stats import today

    month = month or today().strftime("%Y-%m")
    version = _run(db, lambda store: assess_store.scheme_for(store, scope, month))
    if version is None:
        raise click.ClickException(_("no assessment scheme is in force for {scope} in "
                                     "{month}").format(scope=scope, month=month))
    _echo({"scope": version.scope, "month_from": version.month_from,
           "set_by": version.set_by, "set_at": version.set_at,
           "scheme": version.scheme.to_dict()}, as_json, _scheme_text(version))


@scheme_group.command("set")
@click.argument("scope")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--preset", help="A shipped scheme instead of a FILE: zhumadian, shangjie or "
                               "jining (kiosk-server assess presets).")
@click.option("--from", "month_from", required=True, metavar="YYYY-MM",
              help="The first month the scheme scores; earlier months keep theirs.")
@db_option
def scheme_set(scope: str, file: Path | None, preset: str | None, month_from: str,
               db: str) -> None:
    """Set the scheme of SCOPE (a hall id, a region code or *) from a month on, from a JSON
    FILE or a preset. The scheme is checked first; a wrong field is named and nothing is
    stored."""
    from server.assess import scheme, store as assess_store
    from server.commands.org import cli_actor

    if (file is None) == (preset is None):
        raise click.UsageError(_("give a FILE or --preset NAME, not both"))
    if file is not None:
        try:
            body = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(_("cannot read {path}: {error}").format(
                path=file, error=exc.strerror or exc))

    def work(store):
        got = scheme.preset(preset) if preset else scheme.from_json(body)
        with store.transaction() as tx:
            return assess_store.set_scheme(tx, scope, month_from, got, cli_actor())

    got = _run(db, work)
    click.echo(_("{scope} is scored by {name} from {month} on").format(
        scope=scope, name=got.name, month=month_from))


def _result_text(result) -> str:
    head = _("{scope} {period}: {name}").format(scope=result.scope, period=result.period,
                                                name=result.scheme_name)
    if result.closed_at:
        head += "  " + _("closed {at} by {by}").format(at=result.closed_at, by=result.closed_by)
    lines = [head]
    for u in result.units:
        marks = [_(FLAGS[u.flag])] if u.flag else []
        marks += [_("Quality window")] if u.quality else []
        marks += [_(WARNINGS[u.warning])] if u.warning else []
        rank = "-" if u.rank is None else str(u.rank)
        lines.append(f"{rank:>3}  {_num(u.score):>6}  {u.hall}/{u.department or '-'}  "
                     + "  ".join(marks) + (f"  ({u.note})" if u.note else ""))
    model = [s.name for s in result.staff if s.model]
    if model:
        lines.append(_("Model staff: {names}").format(names="、".join(model)))
    lines += [f"* {n}" for n in result.notes]
    return "\n".join(lines)


@assess_group.command("score")
@click.argument("scope")
@click.argument("period")
@json_option
@db_option
def score(scope: str, period: str, as_json: bool, db: str) -> None:
    """Score SCOPE (a hall id, a region code or *) for PERIOD: a month (2026-11), a quarter
    (2026-Q4) or a year (2026); the frozen result if the period is closed, else live."""
    from server.assess import results

    result = _run(db, lambda store: results.get(store, scope, period))
    if as_json:
        click.echo(json.dumps(json.loads(result.to_json()), ensure_ascii=False, indent=1))
    else:
        click.echo(_result_text(result))


@assess_group.command("close")
@click.argument("scope")
@click.argument("period")
@click.option("--force", is_flag=True, help="Close even though 督察 records of the period "
                                            "are still contested (they count as recorded).")
@click.option("--name", "display", help="The closer's name as the notice prints it; default "
                                         "the operating-system user.")
@db_option
def close(scope: str, period: str, force: bool, display: str | None, db: str) -> None:
    """Close PERIOD of SCOPE: freeze its scores, flags and awards as published. Refused
    before the period has ended, when it is closed already, and while 督察 records are
    contested (unless --force)."""
    from server.assess import results
    from server.commands.org import cli_actor

    actor = cli_actor()
    result = _run(db, lambda store: results.close(store, scope, period,
                                                  display or actor.split(":", 1)[-1], actor,
                                                  force=force))
    click.echo(_result_text(result))
