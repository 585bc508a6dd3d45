"""`kiosk-server hours set|show|list`: the halls' working hours, 空岗 threshold and grace."""
from __future__ import annotations

import click

from server.cli import db_option
from server.commands.speech import _, chinese
from server.commands.workflow import _echo, _fail, _host_actor, _run, json_option
from sync.wire.labels import N_

DAY_OPTIONS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GROUPS = {"weekdays": ("mon", "tue", "wed", "thu", "fri"), "weekend": ("sat", "sun")}


@click.group("hours")
def hours_group() -> None:
    """Hall hours: working hours and breaks per weekday (default 09:00-12:00 and
    13:30-17:30, Monday to Friday), the 空岗 threshold (default 15 minutes) and the
    迟到/早退 grace, per hall, region or everywhere. Statutory holidays have no hours,
    a 调休 make-up working day has Monday's."""


# The console's weekday names (server/console/service_views.py), so a Chinese shell reads 周一.
DAY_NAMES = dict(zip(DAY_OPTIONS, (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"),
                                   N_("Sat"), N_("Sun"))))


def _day(key: str) -> str:
    return _(DAY_NAMES[key]) if key in DAY_NAMES else key


def _scope(scope: str) -> str:
    return _("default") if scope == "default" else scope


def _lines(d: dict) -> str:
    days = "; ".join(f"{_day(day)} {', '.join(spans)}" for day, spans in d["hours"].items())
    return _("{scope}: {days}; 空岗 from {empty} minutes, grace {grace} minutes").format(
        scope=_scope(d["scope"]), days=days or _("closed every day"), empty=d["empty_minutes"],
        grace=d["grace_minutes"])


@hours_group.command("set")
@click.argument("scope")
@click.option("--days", default="weekdays", show_default=True,
              help="Which weekdays the --spans are for: weekdays, weekend, or a list such as "
                   "mon,tue,sat.")
@click.option("--spans", help="Working spans of those days, e.g. 09:00-12:00,13:30-17:30 "
                              "(the gap is the lunch break); off closes them.")
@click.option("--empty-minutes", type=int, help="A window empty this long or longer inside "
                                                "hours is 空岗 (郑州上街: 15).")
@click.option("--grace-minutes", type=int, help="A first sign-in this much after opening "
                                                "is a late candidate; a last sign-out this "
                                                "much before closing an early one.")
@json_option
@db_option
def hours_set(scope: str, days: str, spans: str | None, empty_minutes, grace_minutes,
              as_json: bool, db: str) -> None:
    """Set the hours of SCOPE: hall:<hall id>, region:<行政区划代码> or * (every hall). What
    is left out keeps what applies now; a hall's hours beat its region's, a region's beat *.
    Facts already computed are recomputed with the new hours when next read."""
    from server.facts import hours

    week = None
    if spans is not None:
        try:
            parsed = hours.parse_spans(spans)
            names = GROUPS.get(days) or tuple(d.strip().lower() for d in days.split(","))
            bad = [n for n in names if n not in DAY_OPTIONS]
            if bad:
                raise ValueError(f"unknown day {', '.join(bad)}: use weekdays, weekend or "
                                 "mon,tue,wed,thu,fri,sat,sun")
        except ValueError as exc:
            _fail(exc)
        week = {DAY_OPTIONS.index(n) + 1: parsed for n in names}
    result = _run(db, lambda store: hours.set_hours(store, scope, _host_actor(), week,
                                                    empty_minutes, grace_minutes))
    _echo(result.as_dict(), as_json, _lines(result.as_dict()))


@hours_group.command("show")
@click.argument("hall")
@json_option
@db_option
def hours_show(hall: str, as_json: bool, db: str) -> None:
    """Show the hours that apply to HALL (its own, its region's, *'s or the default) and
    where they come from."""
    from server.facts import hours

    def work(store):
        with store.transaction(write=False) as tx:
            return hours.for_hall(tx, hall)

    result = _run(db, work)
    d = result.as_dict()
    if result.source:
        d["source"] = result.source
    note = hours.default_source_zh() if result.source and chinese() else result.source
    _echo(d, as_json, _lines(d) + (f"\n{note}" if note else ""))


@hours_group.command("list")
@json_option
@db_option
def hours_list(as_json: bool, db: str) -> None:
    """List the hours set (halls and regions without any use the default)."""
    from server.facts import hours

    rows = _run(db, hours.listing)
    _echo(rows, as_json, "\n".join(_lines(r) + f"  ({r['updated_by']} {r['updated_at']})"
                                   for r in rows) or _("no hours set: the default applies"))
