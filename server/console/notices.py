"""The console's holiday-table warning: 差评 about to get no deadline, said before it happens."""
from __future__ import annotations

import logging
from datetime import datetime

from markupsafe import Markup, escape
from starlette.requests import Request

from server.console.scope import User, console_now
from server.console.templating import language
from server.i18n import translations
from server.workflow import holidays
from server.workflow.workdays import local_date
from sync.wire.labels import N_

log = logging.getLogger(__name__)

COMMAND = N_("kiosk-server holidays load FILE")
TITLE = N_("The {year} holiday schedule is not loaded")
WILL_FAIL = N_("Bad reviews received from {start} on will get no due dates: their answer "
               "deadline of {days} working days would reach into {year}, which no holiday "
               "schedule covers yet.")
FAILING = N_("Bad reviews received since {start} get no due dates: their answer deadline of "
             "{days} working days reaches into {year}, which no holiday schedule covers yet.")
MISSING = N_("Open cases already without due dates: {count}.")
FIX = N_("Load the State Council's {year} schedule (published each year around November) "
         "with {command}; the cases without due dates then get theirs.")
WAIT = N_("Once the administrator loads the State Council's {year} schedule, the cases get "
          "their due dates.")


def now(request: Request) -> datetime:
    """The console's clock: app.state.clock when a test or a screenshot sets one."""
    return console_now(request)


def holiday_notice(request: Request, user: User) -> dict | None:
    """The warning for this user, in their language, or None. Shown to anyone whose halls
    have cases (when deadlines fail is no secret) within holidays.WARN_DAYS of the first
    opening day without due dates, or once open cases in their view lack them; the count is
    of the cases the user can see (window staff: their windows); the how-to-fix line with
    the command goes to region administrators, who run the server. Window staff: only the
    cases about them opened before their view's cut-off count (hall-wide, a first case would
    make the notice appear the moment a 差评 arrives)."""
    if not user.halls:
        return None
    staff = user.role == "window_staff"
    with request.app.state.store.transaction(write=False) as tx:
        status = holidays.deadline_status(
            tx, local_date(now(request)), halls=user.halls,
            staff_id=(user.staff_id or "") if staff else None,
            opened_before=user.visible_until_text if staff else None)
    if not (status["warn"] and status["has_cases"]):
        return None
    say = translations(language(request)).gettext
    year, count = status["year"], status["cases_without_due"]
    lines = [say(WILL_FAIL if status["days_left"] > 0 else FAILING).format(
        start=status["starts"], days=status["longest_days"], year=year)]
    if count:
        lines.append(say(MISSING).format(count=count))
    if user.role == "region_admin":
        # The command goes in <code>; the rest of the sentence is escaped text.
        fix = Markup(escape(say(FIX))).format(
            year=year, command=Markup("<code>{}</code>").format(say(COMMAND)))
    else:
        fix = say(WAIT).format(year=year)
    return {"title": say(TITLE).format(year=year), "lines": lines, "fix": fix,
            "status": status}
