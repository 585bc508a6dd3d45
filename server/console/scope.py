"""Who may see what: the session user, their scope, and the checks every page and API makes.

A User is built per request from the session's account and the org model as it stands (so
a hall moved to another region is seen at once) and the console's clock. `user.halls` is the set of hall ids the
user may see; queries filter by it, and a URL naming one hall goes through require_hall():
404 when the org has no such hall, 403 when it is someone else's. Nothing is cached in the
process, so several server processes agree.

Rater protection (廊坊 第十三条: 严格规范信息查询权限, no 打击报复评价人): a window staff member's
view ends at `user.visible_until`, the start of the hall's local today. Every page a staff
account can open reads through it (figures end with yesterday, cases opened before it as
they stood then, the holiday notice's counts), so nothing they can see moves in step with a
rating about them: reloading between citizens tells nothing; it all appears the next day.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from starlette.exceptions import HTTPException

from server.db import org
from server.db.base import utc_iso
from server.db.stats import HALL_TZ
from sync.wire import BAD_LEVELS
from sync.wire.labels import N_

log = logging.getLogger(__name__)

SUPERVISORS = frozenset({"region_admin", "hall_supervisor"})
ALL_ROLES = frozenset({"region_admin", "hall_supervisor", "window_staff", "auditor"})
# 督察 (issue 28): the halls of a region, to record deductions and bonuses there. Not in
# ALL_ROLES: the 差评 cases and appeals (ratings one by one) are not theirs to read.
INSPECTOR = "inspector"
REGION_ROLES = frozenset({"region_admin", "auditor", INSPECTOR})
# What window staff never see of an individual rating about themselves (rater protection).
PROTECTED_FIELDS = ("ticket", "case_id", "case_key", "uuid", "rated_at", "corrected_at",
                    "received_at", "mono_s", "boot_id")


class ConsoleError(HTTPException):
    """An HTTP error the console shows as a page (or JSON under /console/api/)."""


class LoginRequired(ConsoleError):
    def __init__(self) -> None:
        super().__init__(401, N_("login required"))


def forbidden(message: str = N_("not in your scope")) -> ConsoleError:
    return ConsoleError(403, message)


def not_found(message: str = N_("no such page")) -> ConsoleError:
    return ConsoleError(404, message)


@dataclass(frozen=True)
class User:
    """The logged-in person, as pages and console APIs see them."""

    username: str
    display_name: str
    role: str                 # region_admin | hall_supervisor | window_staff | auditor | inspector
    scope: str                # region code, hall id or 工号, as the account says
    csrf: str                 # this session's CSRF token (put it in every form)
    must_change: bool = False
    halls: frozenset = frozenset()        # hall ids the user may see
    regions: frozenset = frozenset()      # region codes at or below the user's region
    staff_id: str | None = None           # window_staff: their 工号
    windows: frozenset = frozenset()      # window_staff: {(hall_id, number)}
    known_halls: frozenset = frozenset()  # every hall of the org (404 vs 403)
    sees_unassigned: bool = False         # devices in halls the org lacks (top-level scope)
    visible_until: datetime | None = None  # window_staff: their view ends here (UTC)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return f"user:{self.username}"

    @property
    def can_edit(self) -> bool:
        return self.role in SUPERVISORS

    @property
    def sees_rating_details(self) -> bool:
        """Supervisors see ticket, case and time of a bad rating to follow it up; window staff
        never see them for ratings about themselves; auditors read figures only."""
        return self.role in SUPERVISORS

    @property
    def last_day(self) -> date | None:
        """The last local day this user's figures may show (None: no cut-off, up to now)."""
        if self.visible_until is None:
            return None
        return self.visible_until.astimezone(HALL_TZ).date() - timedelta(days=1)

    @property
    def visible_until_text(self) -> str | None:
        """visible_until as the store's UTC text, for SQL comparisons (opened_at < it)."""
        return utc_iso(self.visible_until) if self.visible_until is not None else None


def console_now(request) -> datetime:
    """The console's clock: app.state.clock when a test or a screenshot sets one."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(timezone.utc)


def start_of_local_day(now: datetime) -> datetime:
    """The instant the hall's local day of `now` began, in UTC."""
    local = now.astimezone(HALL_TZ).date()
    return datetime.combine(local, time.min, HALL_TZ).astimezone(timezone.utc)


def clamp_period(user: User, start: date, end: date) -> tuple[date, date]:
    """A figures range cut at the user's last visible day (window staff: yesterday)."""
    last = user.last_day
    if last is None:
        return start, end
    end = min(end, last)
    return min(start, end), end


def build_user(store, account, csrf: str, now: datetime | None = None) -> User:
    """The User of an account: its scope resolved against the org model now; window staff
    get their view's cut-off from `now` (the console's clock; the real one when not given)."""
    regions = org.regions(store)
    all_halls = org.halls(store)
    known = frozenset(all_halls)
    kw: dict = {}
    if account.role in REGION_ROLES:
        codes = frozenset(org.below(regions, account.scope)) if account.scope in regions \
            else frozenset()
        kw.update(regions=codes, halls=frozenset(h for h, v in all_halls.items()
                                                 if v.region in codes),
                  sees_unassigned=account.scope in regions
                  and not regions[account.scope].parent)
    elif account.role == "hall_supervisor":
        kw.update(halls=frozenset({account.scope}) & known)
    elif account.role == "window_staff":
        member = next(iter(org.staff(store, staff_id=account.scope)), None)
        if member is not None:
            kw.update(halls=frozenset({member.hall_id}) & known, staff_id=member.staff_id,
                      windows=frozenset((member.hall_id, n) for n in member.windows))
        kw["visible_until"] = start_of_local_day(now or datetime.now(timezone.utc))
    return User(account.username, account.display_name, account.role, account.scope, csrf,
                account.must_change, known_halls=known, **kw)


# -- checks: call them before reading any figure -------------------------------------------------
def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise forbidden(N_("your role may not open this page"))


def require_edit(user: User) -> None:
    """Region admins and hall supervisors change things; auditors and staff only read."""
    if not user.can_edit:
        raise forbidden(N_("read-only account"))


def require_hall(user: User, hall_id: str) -> str:
    """404 for a hall the org does not have, 403 for one outside the user's scope."""
    if hall_id not in user.known_halls:
        raise not_found(N_("no such hall"))
    if hall_id not in user.halls:
        log.warning("%s asked for hall %s outside their scope", user.username, hall_id)
        raise forbidden()
    return hall_id


def require_region(user: User, code: str, store) -> str:
    if code not in org.regions(store):
        raise not_found(N_("no such region"))
    if code not in user.regions:
        raise forbidden()
    return code


def require_window(user: User, hall_id: str, number: int) -> tuple[str, int]:
    """A window of a hall in scope; window staff only their own windows."""
    require_hall(user, hall_id)
    if user.role == "window_staff" and (hall_id, number) not in user.windows:
        raise forbidden()
    return hall_id, number


def require_staff(user: User, staff_id: str, store) -> org.Staff:
    """A staff member of a hall in scope; window staff only themselves."""
    member = next(iter(org.staff(store, staff_id=staff_id)), None)
    if member is None:
        raise not_found(N_("no such staff member"))
    if member.hall_id not in user.halls or (user.role == "window_staff"
                                            and staff_id != user.staff_id):
        raise forbidden()
    return member


def staff_filter(user: User) -> str | None:
    """The only 工号 whose figures a window_staff user may see; None for other roles."""
    return user.staff_id if user.role == "window_staff" else None


def redact(user: User, row: dict) -> dict:
    """An individual rating as this user may see it: window staff never get ticket, case or
    time of a bad rating (levels 1-2) about themselves (nor of any other individual rating,
    so the gaps give nothing away); supervisors get the row as it is."""
    if user.sees_rating_details:
        return row
    hidden = dict(row)
    for key in PROTECTED_FIELDS:
        if key in hidden:
            hidden[key] = None
    hidden["protected"] = True
    hidden["bad"] = row.get("level") in BAD_LEVELS
    return hidden
