"""Errors raised below the CLI (workflow, org model, holiday file, export, enrolment), read in
Chinese at the CLI boundary.

Those layers raise English for logs, tests and the HTTP API (server/api is not ours to
change), and the console names most refusals by a msgid without values ("No such
appeal."). A person at the terminal needs the values (which case, which line), so the
English message itself is matched here, one line at a time, and its values are carried into
the Chinese. An English message nobody listed stays English: a reason either way.
"""
from __future__ import annotations

import re

from sync.wire.labels import N_

PATTERNS = [(re.compile(pattern), msgid) for pattern, msgid in [
    # server/workflow/holidays.py: the file `holidays load` reads
    (r"holiday file rejected, nothing loaded:", N_("holiday file rejected, nothing loaded:")),
    (r"holiday file has no dates", N_("holiday file has no dates")),
    (r"line (?P<n>\d+): expected date,kind\[,note\], got (?P<got>.*)",
     N_("line {n}: expected date,kind[,note], got {got}")),
    (r"line (?P<n>\d+): (?P<value>.*) is not a date \(YYYY-MM-DD\)",
     N_("line {n}: {value} is not a date (YYYY-MM-DD)")),
    (r"line (?P<n>\d+): kind (?P<kind>.*) is not holiday or workday",
     N_("line {n}: kind {kind} is not holiday or workday")),
    (r"line (?P<n>\d+): (?P<day>\S+) is listed twice with different kinds",
     N_("line {n}: {day} is listed twice with different kinds")),
    (r"loading this file as the (?P<year>\d+) schedule would remove (?P<lost>\d+) of the "
     r"(?P<had>\d+) holidays the table has for \d+; check the file \(or --year\), or load "
     r"it with --replace",
     N_("loading this file as the {year} schedule would remove {lost} of the {had} holidays "
        "the table has for {year}; check the file (or --year), or load it with --replace")),
    (r"the file has no dates in (?P<year>\d+)", N_("the file has no dates in {year}")),
    (r"no holiday schedule for (?P<year>\d+): chinesecalendar (?P<version>\S*) covers "
     r"(?P<covers>\S+), the holiday table covers (?P<loaded>.*); load the State Council's "
     r"\d+ schedule with `kiosk-server holidays load FILE`",
     N_("no holiday schedule for {year}: chinesecalendar {version} covers {covers}, the "
        "holiday table covers {loaded}; load the State Council's {year} schedule with "
        "`kiosk-server holidays load FILE`")),
    # server/workflow/policy.py
    (r"(?P<name>\w+) must be 1 to 60 working days", N_("{name} must be 1 to 60 working days")),
    (r"deadlines count from the case's opening, so verify_days <= rectify_days <= answer_days",
     N_("deadlines count from the case's opening, so verify_days <= rectify_days <= "
        "answer_days")),
    (r"default_mode must be one of (?P<modes>.*)", N_("default_mode must be one of {modes}")),
    (r"default_days must be 1 to 90 when the default rating is on",
     N_("default_days must be 1 to 90 when the default rating is on")),
    (r"scope (?P<scope>.*): use hall:<id>, region:<id> or \*",
     N_("scope {scope}: use hall:<id>, region:<id> or *")),
    (r"only a region admin sets policies", N_("only a region admin sets policies")),
    # server/workflow/cases.py, case_views.py, appeals.py
    (r"no case (?P<case>.*)", N_("no case {case}")),
    (r"case (?P<case>\S+) is no longer at step (?P<step>\w+) but (?P<state>\w+): (?P<by>\S+) "
     r"moved it at (?P<at>\S+); nothing was saved",
     N_("case {case} is no longer at step {step} but {state}: {by} moved it at {at}; "
        "nothing was saved")),
    (r"the note is longer than (?P<n>\d+) characters",
     N_("the note is longer than {n} characters")),
    (r"window staff see only their own window's cases \(staff view\)",
     N_("window staff see only their own window's cases (staff view)")),
    (r"appeals are filed by window staff or a hall supervisor",
     N_("appeals are filed by window staff or a hall supervisor")),
    (r"no rating (?P<rating>.*)", N_("no rating {rating}")),
    (r"no appeal (?P<appeal>.*)", N_("no appeal {appeal}")),
    (r"appeal (?P<appeal>\S+) was already decided \((?P<state>\w+)\)",
     N_("appeal {appeal} was already decided ({state})")),
    (r"two devices sent rating (?P<rating>\S+): name the device too",
     N_("two devices sent rating {rating}: name the device too")),
    (r"window staff appeal ratings of their own window only",
     N_("window staff appeal ratings of their own window only")),
    (r"an appeal filed by a (?P<filed>\w+) is decided by a higher role, not a (?P<role>\w+)",
     N_("an appeal filed by a {filed} is decided by a higher role, not a {role}")),
    # server/export/*.py
    (r"month must be YYYY-MM, not (?P<month>.*)", N_("month must be YYYY-MM, not {month}")),
    (r"no export target (?P<name>.*)", N_("no export target {name}")),
    (r"name: 1-40 letters, digits, '_' or '-'", N_("name: 1-40 letters, digits, '_' or '-'")),
    (r"(?P<field>url|gateway_url) must be an http:// or https:// address",
     N_("{field} must be an http:// or https:// address")),
    (r"region must be a 行政区划 code of 6 to 12 digits",
     N_("region must be a 行政区划 code of 6 to 12 digits")),
    # server/export/sender.py, server/workflow/channels.py: a delivery's stored last error
    (r"(?P<url>\S+) unreachable: (?P<error>.*)", N_("{url} unreachable: {error}")),
    # server/api/enrol.py (enrol-code)
    (r"hall must be 1\.\.40 of A-Z a-z 0-9 _ -", N_("hall must be 1..40 of A-Z a-z 0-9 _ -")),
    (r"hall (?P<hall>.*) is not in the org model \(kiosk-server org import\)",
     N_("hall {hall} is not in the org model (kiosk-server org import)")),
    (r"hall (?P<hall>.*) has no window (?P<window>\d+) in the org model",
     N_("hall {hall} has no window {window} in the org model")),
    # server/facts/hours.py, server/commands/hours.py (`hours set`)
    (r"(?P<text>'[^']*') is not a time of day HH:MM", N_("{text} is not a time of day HH:MM")),
    (r"(?P<part>'[^']*'): write a span as HH:MM-HH:MM",
     N_("{part}: write a span as HH:MM-HH:MM")),
    (r"(?P<span>\S+): a span must end after it starts", N_("{span}: a span must end after it starts")),
    (r"(?P<span>\S+) overlaps the span before it", N_("{span} overlaps the span before it")),
    (r"unknown day (?P<day>.*): use weekdays, weekend or mon,tue,wed,thu,fri,sat,sun",
     N_("unknown day {day}: use weekdays, weekend or mon,tue,wed,thu,fri,sat,sun")),
    (r"the 空岗 threshold must be 1 to 240 minutes",
     N_("the 空岗 threshold must be 1 to 240 minutes")),
    (r"the late/early grace must be 0 to 120 minutes",
     N_("the late/early grace must be 0 to 120 minutes")),
]]


def in_chinese(text: str, _) -> str:
    """`text`, each of its lines translated by `_` when a pattern above reads it."""
    lines = []
    for line in text.split("\n"):
        body = line.lstrip()
        for pattern, msgid in PATTERNS:
            match = pattern.fullmatch(body)
            if match:
                body = _(msgid).format(**match.groupdict())
                break
        else:
            body = _(body)
        lines.append(line[:len(line) - len(line.lstrip())] + body)
    return "\n".join(lines)


def org_error(exc, _) -> str:
    """An OrgError as the console's org import page says it: where, field, why."""
    where = exc.where
    if where.startswith("line "):
        where = _(N_("line {n}")).format(n=where[5:])
    text = f"{exc.field}：{_(exc.message).format(**exc.params)}"
    return f"{where}：{text}" if where else text
