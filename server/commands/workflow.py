"""`kiosk-server cases|appeals|policy|holidays|defaults`: the 差评 workflow from the terminal.

Steps on cases and decisions on appeals name the console account that does them (--by), so
the same rules hold as in the console (the hall's supervisor, a different and higher role)
and the audit log names a person. Policies, the holiday table and listings without --by are
the server host's administrator's (audited as cli:<os user>).
"""
from __future__ import annotations

import json
import logging

import click

from server.cli import _open, db_option
from server.commands.speech import _, chinese, label, refusal

log = logging.getLogger(__name__)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
by_option = click.option("--by", "by", required=True, metavar="USERNAME",
                         help="The console account doing this (its role and halls decide "
                              "whether it may).")


def _fail(exc: Exception):
    raise click.ClickException(refusal(exc))


def _host_actor():
    from server.commands.org import cli_actor
    from server.workflow.actors import Actor

    return Actor(cli_actor().split(":", 1)[-1], "region_admin", None, kind="cli")


def _account_actor(store, username: str):
    from server.db import users
    from server.workflow.actors import from_account

    account = users.get(store, username)
    if account is None or not account.active:
        raise click.ClickException(_("no active console account {user} (kiosk-server user "
                                     "list)").format(user=repr(username)))
    return from_account(store, account)


def _run(db: str, work):
    """Open the store, run work(store), turn the workflow's refusals into clean errors."""
    from server.workflow.actors import Forbidden
    from server.workflow.workdays import UnknownYear

    store = _open(db)
    try:
        return work(store)
    except (Forbidden, UnknownYear, ValueError) as exc:
        _fail(exc)
    finally:
        store.close()


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1) if as_json else text)


# -- cases -----------------------------------------------------------------------------------
@click.group("cases")
def cases_group() -> None:
    """差评 cases: every counted 不满意/非常不满意 rating opens one; 待核实 (verify) → 整改中
    (rectify) → 待反馈 (answer the citizen) → 已办结, each due in working days."""


def _case_line(c: dict) -> str:
    from server.workflow.cases import STATE_LABELS

    flag = _("逾期 OVERDUE") if c["overdue"] else ""
    # The English line is the one scripts grep; a Chinese one pads by display width no
    # better than this, so the columns stay as they were.
    return (f"{c['id']}  {c['hall']:<10} 窗口{c['window']:<4} " + _("level {level}").format(
                level=c["level"])
            + f"  {label(STATE_LABELS, c['state']):<8} "
            + _("due {day}").format(day=f"{c['due_day'] or '-':<10}") + f" {flag}"
            + (f" → {c['escalated_to']}" if c["escalated_to"] else "")
            + (f" ({refusal(ValueError(c['due_error']))})" if c["due_error"] else ""))


@cases_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed and withdrawn cases too.")
@click.option("--hall", help="Only this hall.")
@click.option("--sort", type=click.Choice(["due", "opened", "hall"]), default="due",
              show_default=True, help="Order: current step's due date, newest, or hall.")
@click.option("--by", "by", metavar="USERNAME",
              help="List as this console account sees it (default: every hall).")
@json_option
@db_option
def cases_list(show_all: bool, hall: str | None, sort: str, by: str | None, as_json: bool,
               db: str) -> None:
    """List open cases, the most urgent first; overdue ones say 逾期 OVERDUE."""
    from server.workflow import case_views

    def work(store):
        actor = _account_actor(store, by) if by else _host_actor()
        return case_views.list_cases(store, actor, open_only=not show_all, sort=sort,
                                     hall=hall)
    rows = _run(db, work)
    _echo(rows, as_json, "\n".join(map(_case_line, rows)) or _("no cases"))


@cases_group.command("show")
@click.argument("case_id")
@json_option
@db_option
def cases_show(case_id: str, as_json: bool, db: str) -> None:
    """Show one case: its rating (level, reasons, ticket), due dates and every step."""
    from server.workflow import case_views

    from server.workflow.cases import STEP_LABELS

    case = _run(db, lambda store: case_views.detail(store, _host_actor(), case_id))
    lines = [_case_line(case),
             _("  verify due {verify}, rectify due {rectify}, answer due {answer}").format(
                 verify=case["verify_due"], rectify=case["rectify_due"],
                 answer=case["answer_due"])]
    if case.get("rating"):
        r = case["rating"]
        lines.append(_("  rating: ticket {ticket} 办件 {case_no} at {at} reasons {reasons} "
                       "({source})").format(ticket=r["ticket"], case_no=r["case_no"] or "-",
                                            at=r["rated_at"], source=r["source"],
                                            reasons=", ".join(r["reasons"]) or "-"))
    lines += [_("  {seq}. {step} by {by} at {at}: {note}").format(
        seq=s["seq"], step=label(STEP_LABELS, s["step"]), by=s["done_by"], at=s["done_at"],
        note=s["note"]) for s in case["steps"]]
    _echo(case, as_json, "\n".join(lines))


@cases_group.command("advance")
@click.argument("case_id")
@by_option
@click.option("--note", required=True, help="What was done (verified what, rectified how, "
                                            "what the citizen was told).")
@click.option("--step", type=click.Choice(["verify", "rectify", "answer"]),
              help="The step the note is for (the state `cases show` printed): refused, and "
                   "nothing saved, if the case has moved on since.")
@json_option
@db_option
def cases_advance(case_id: str, by: str, note: str, step: str | None, as_json: bool,
                  db: str) -> None:
    """Record the case's current step as done (by a supervisor of its hall or a region
    admin); it moves to the next state, 已办结 after the citizen was answered."""
    from server.workflow import cases

    case = _run(db, lambda store: cases.advance(store, case_id, _account_actor(store, by),
                                                note, expected=step))
    from server.workflow.cases import STATE_LABELS

    _echo(case, as_json, _("{case}: now {state}").format(
        case=case_id, state=label(STATE_LABELS, case["state"])))


@cases_group.command("digest")
@click.option("--no-escalate", is_flag=True, help="Only report; do not escalate overdue cases.")
@json_option
@db_option
def cases_digest(no_escalate: bool, as_json: bool, db: str) -> None:
    """The daily digest: escalate overdue cases to the region admin, then print the open,
    overdue and due-today cases per hall (run it each morning from cron or a timer)."""
    from server.workflow import case_views, cases

    def work(store):
        escalated = [] if no_escalate else cases.escalate_overdue(store)
        d = case_views.digest(store, _host_actor())
        d["escalated_now"] = [c["id"] for c in escalated]
        return d
    d = _run(db, work)
    _echo(d, as_json, _digest_zh(d) if chinese() else case_views.digest_text(d))


def _digest_zh(d: dict) -> str:
    """case_views.digest_text (Chinese first, English words after, as e-mails carry it)
    without its English: for a Chinese terminal."""
    from server.workflow.cases import STATE_LABELS

    lines = [f"差评工单日报 {d['date']}: 未办结 {d['open']}, 逾期 {len(d['overdue'])}, "
             f"今日到期 {len(d['due_today'])}"]
    for title, key in ((_("逾期 overdue"), "overdue"), (_("今日到期 due today"), "due_today"),
                       (_("无期限 no due date"), "undated")):
        if d[key]:
            lines.append(f"{title}：")
            lines += [f"  {c['id']}  {c['hall']} 窗口{c['window']}  "
                      f"{label(STATE_LABELS, c['state'])}  "
                      + _("due {day}").format(day=c["due_day"] or "-")
                      + (f"  → {c['escalated_to']}" if c["escalated_to"] else "")
                      + (f"  ({refusal(ValueError(c['due_error']))})" if c["due_error"]
                         else "") for c in d[key]]
    lines += [_("{hall}: open {open}, overdue {overdue}, escalated {escalated}").format(
        hall=hall, **h) for hall, h in sorted(d["halls"].items())]
    return "\n".join(lines)
