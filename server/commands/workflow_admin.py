"""`kiosk-server policy|holidays|appeals|defaults`: the locality's rules and the appeals desk."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from sync.wire.labels import N_

from server.cli import db_option
from server.commands.speech import _, label
from server.commands.workflow import (_account_actor, _echo, _fail, _host_actor, _run,
                                      by_option, json_option)

log = logging.getLogger(__name__)


# -- policy ----------------------------------------------------------------------------------
@click.group("policy")
def policy_group() -> None:
    """Locality policies: working days per 差评 step (default 2 / 5 / 15) and the unrated
    default rating (系统默认评价, off by default), per hall, region or everywhere."""


@policy_group.command("set")
@click.argument("scope")
@click.option("--verify-days", type=int, help="Working days to verify (待核实).")
@click.option("--rectify-days", type=int, help="Working days to rectify (整改中), e.g. 5 in "
                                               "Langfang.")
@click.option("--answer-days", type=int, help="Working days to answer the citizen (待反馈).")
@click.option("--default-mode", type=click.Choice(["off", "working", "natural"]),
              help="Count an unrated case as 基本满意 after --default-days working or natural "
                   "days, or not at all.")
@click.option("--default-days", type=int, help="Days for --default-mode (Langfang 5 working, "
                                               "Guangdong 7 natural).")
@json_option
@db_option
def policy_set(scope: str, verify_days, rectify_days, answer_days, default_mode,
               default_days, as_json: bool, db: str) -> None:
    """Set the policy of SCOPE: hall:<hall id>, region:<行政区划代码> or * (every hall).
    Options left out keep their current (or default) value. Deadlines all count from the
    moment the case opened; a hall's policy beats its region's, a region's beats *."""
    from server.workflow import policy

    result = _run(db, lambda store: policy.set_policy(
        store, scope, _host_actor(), verify_days=verify_days, rectify_days=rectify_days,
        answer_days=answer_days, default_mode=default_mode, default_days=default_days))
    d = result.as_dict()
    _echo(d, as_json, _("{scope}: verify {verify_days}, rectify {rectify_days}, answer "
                        "{answer_days} working days; default rating {default_mode}").format(
        **{**d, "scope": scope}) + (_(" after {days} days").format(days=d["default_days"])
                             if d["default_mode"] != "off" else ""))


@policy_group.command("list")
@json_option
@db_option
def policy_list(as_json: bool, db: str) -> None:
    """List the policies set (scopes without one use the national default 2 / 5 / 15)."""
    from server.workflow import policy

    rows = _run(db, policy.listing)
    _echo(rows, as_json, "\n".join(
        f"{r['scope']:<20} {r['verify_days']}/{r['rectify_days']}/{r['answer_days']}  "
        + _("default {mode} {days}").format(mode=r["default_mode"], days=r["default_days"] or "")
        + f"  ({r['updated_by']} {r['updated_at']})"
        for r in rows) or _("no policies set: 2 / 5 / 15 working days, no default rating"))


# -- holidays --------------------------------------------------------------------------------
@click.group("holidays")
def holidays_group() -> None:
    """The holiday table: the State Council's schedule for a year, over chinesecalendar
    (which covers 2004-2026); it wins where both name a date."""


@holidays_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1900, 2999),
              help="The year FILE is the schedule of (default: the year most of its dates "
                   "fall in).")
@click.option("--replace", is_flag=True,
              help="Load even if it removes most of the year's holidays from the table.")
@json_option
@db_option
def holidays_load(file: Path, year: int | None, replace: bool, as_json: bool, db: str) -> None:
    """Load FILE (CSV: date,kind[,note], kind holiday or workday, e.g. 2027-01-01,holiday,元旦
    and 2027-02-07,workday,春节调休), the schedule of one year. It replaces the table's rows
    of that year; its dates in other years (元旦 from the December before) are added one by
    one, the rest of those years is kept. Says per year what it added, changed and removed;
    refuses to remove most of a year's holidays without --replace. Cases that had no due
    date (unknown year) get theirs."""
    from server.workflow import holidays

    try:
        rows = holidays.parse_csv(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, holidays.HolidayFileError) as exc:
        _fail(exc)
    summary = _run(db, lambda store: holidays.load(store, rows, _host_actor(), year, replace))
    lines = [_("loaded {years}: {holidays} holidays, {workdays} make-up working days; "
               "{cases_dated} cases dated").format(
        years=summary["year"], holidays=summary["holidays"], workdays=summary["workdays"],
        cases_dated=summary["cases_dated"])]
    for y, n in sorted(summary["per_year"].items(), key=lambda kv: kv[0] != summary["year"]):
        line = _("  {year}: {added} added, {changed} changed, {removed} removed").format(
            year=y, **n)
        if y != summary["year"]:
            line += _(" (only the dates listed; the rest of {year} is kept)").format(year=y)
        lines.append(line)
    _echo(summary, as_json, "\n".join(lines))


@holidays_group.command("list")
@click.option("--year", type=int, help="Only this year.")
@json_option
@db_option
def holidays_list(year: int | None, as_json: bool, db: str) -> None:
    """List the loaded table (chinesecalendar's own dates are not listed)."""
    from server.workflow import holidays

    rows = _run(db, lambda store: holidays.listing(store, year))
    _echo(rows, as_json, "\n".join(f"{r['day']} {label(KINDS, r['kind']):<8} {r['note']}"
                                   for r in rows) or _("the holiday table is empty"))


@holidays_group.command("status")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Answer as of this day (default: today in the halls' time zone).")
@json_option
@db_option
def holidays_status(today, as_json: bool, db: str) -> None:
    """Say whether cases opened soon get due dates: which years are known, the first year
    nobody knows, the last day a case may open and still have its longest deadline counted,
    and how many open cases lack due dates. Warns (exit code 0 all the same) within 30
    days of that day or when cases lack due dates, with the fix: load the State Council's
    schedule for that year."""
    from datetime import datetime, timezone

    from server.workflow import holidays
    from server.workflow.workdays import local_date

    day = today.date() if today else local_date(datetime.now(timezone.utc))

    def status(store):
        with store.transaction(write=False) as tx:
            return holidays.deadline_status(tx, day)

    s = _run(db, status)
    _echo(s, as_json, "\n".join(_status_lines(s)))


# A table row's kind as the Chinese schedule says it; the stored word in English.
KINDS = {"holiday": N_("holiday"), "workday": N_("make-up workday")}


def _status_lines(s: dict) -> list[str]:
    first, last = s["package_years"]
    table = ", ".join(_("{year} ({holidays} holidays, {workdays} workdays)").format(
        year=y, holidays=n["holiday"], workdays=n["workday"])
        for y, n in s["table_years"].items()) or _("empty")
    when = (_("in {days} days").format(days=s["days_left"]) if s["days_left"] > 0
            else _("already"))
    lines = [_("today {today}; longest deadline {days} working days").format(
                 today=s["today"], days=s["longest_days"]),
             _("known years: chinesecalendar {first}-{last}; holiday table {table}").format(
                 first=first, last=last, table=table),
             _("first year nobody knows: {year}").format(year=s["year"]),
             _("cases opened up to {last_safe} get due dates; from {starts} ({when}) they get "
               "none").format(last_safe=s["last_safe"], starts=s["starts"], when=when),
             _("open cases without due dates: {n}").format(n=s["cases_without_due"])]
    lines += [_("note: the table lists only {n} holidays for {year}; its other days count "
                "Monday to Friday: load the whole schedule").format(
                    n=s["table_years"][y]["holiday"], year=y) for y in s["partial_years"]]
    if s["warn"]:
        lines.append(_("WARNING: load the State Council's {year} schedule with "
                       "`kiosk-server holidays load FILE` (date,kind[,note] lines)").format(
                           year=s["year"]))
    return lines

# -- appeals ---------------------------------------------------------------------------------
@click.group("appeals")
def appeals_group() -> None:
    """申诉: appeal a rating as mistaken or malicious; a different person with a higher role
    decides; an approved appeal excludes the rating from every figure and export."""


@appeals_group.command("file")
@click.argument("rating_uuid")
@by_option
@click.option("--kind", type=click.Choice(["mistaken", "malicious"]), required=True,
              help="误评 (mistaken) or 恶意差评 (malicious).")
@click.option("--reason", required=True, help="Why the rating should not count.")
@click.option("--evidence", default="", help="What shows it (video time, witness, record).")
@click.option("--device", help="The rating's device id, if two devices sent the same uuid.")
@json_option
@db_option
def appeals_file(rating_uuid: str, by: str, kind: str, reason: str, evidence: str,
                 device: str | None, as_json: bool, db: str) -> None:
    """File an appeal against a counted rating (window staff of its window or a supervisor
    of its hall)."""
    from server.workflow import appeals

    out = _run(db, lambda store: appeals.file(store, _account_actor(store, by), rating_uuid,
                                              kind, reason, evidence, device_id=device))
    _echo(out, as_json, _("appeal {id} filed, waiting for a decision").format(id=out["id"]))


@appeals_group.command("decide")
@click.argument("appeal_id")
@by_option
@click.option("--approve/--reject", required=True, help="Approve (exclude the rating) or reject.")
@click.option("--note", required=True, help="Why.")
@json_option
@db_option
def appeals_decide(appeal_id: str, by: str, approve: bool, note: str, as_json: bool,
                   db: str) -> None:
    """Decide an appeal: never by its filer, always by a higher role than the filer's."""
    from server.workflow import appeals

    out = _run(db, lambda store: appeals.decide(store, _account_actor(store, by), appeal_id,
                                                approve, note))
    from server.workflow.appeals import STATE_LABELS

    _echo(out, as_json, _("appeal {id} {state}").format(
        id=appeal_id, state=label(STATE_LABELS, out["state"])))


@appeals_group.command("list")
@click.option("--state", type=click.Choice(["pending", "approved", "rejected", "all"]),
              default="pending", show_default=True, help="Which appeals.")
@json_option
@db_option
def appeals_list(state: str, as_json: bool, db: str) -> None:
    """List appeals, newest first."""
    from server.workflow import appeals

    rows = _run(db, lambda store: appeals.listing(store, _host_actor(),
                                                  None if state == "all" else state))
    _echo(rows, as_json, "\n".join(
        f"{a['id']}  {label(appeals.STATE_LABELS, a['state']):<8} "
        f"{label(appeals.KINDS, a['kind']):<9} {a['hall']} 窗口{a['window']} "
        + _("level {level}  by {by}: {reason}").format(level=a["level"], by=a["filed_by"],
                                                       reason=a["reason"])
        for a in rows) or _("no appeals"))



# -- defaults --------------------------------------------------------------------------------
@click.group("defaults")
def defaults_group() -> None:
    """系统默认评价: unrated cases counted as 基本满意 where a policy says so."""


@defaults_group.command("run")
@json_option
@db_option
def defaults_run(as_json: bool, db: str) -> None:
    """Make the default ratings due now (the server also does this every few minutes)."""
    from server.workflow import defaults

    made = _run(db, defaults.run)
    _echo([m["uuid"] for m in made], as_json,
          _("{n} default ratings made").format(n=len(made)))
