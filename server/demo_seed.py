"""A demo hall for the console: org, a supervisor login and last month plus this month of ratings.

`seed_demo(store)` (called by `kiosk demo` and `kiosk-server demo-seed`) makes hall DEMO
(政务服务中心（演示）, the hall the demo kiosk is enrolled in) with eight windows and their
staff, one kiosk per window (the demo kiosk's own for window 5 when it is enrolled already),
a hall supervisor account, and ratings from the first day of last month to now, uploaded
through the real ingest so roll-ups, 差评 cases and every other hook fill as in production.
Windows differ in quality on purpose, so the ranking has clear red and black flags. The 差评
cases come in every state: the oldest handled (closed, or partly), older ones overdue and
escalated, one due today (on a working day) and one new. Each window is a window unit's
(department's); server/demo_assess.py adds the 考核: the 上街-style scheme for the region, a
few 督察 records and last month closed.
"""
from __future__ import annotations

import logging
import random
import secrets
import uuid
from datetime import datetime, timedelta, timezone

from server import wiring
from server.api.enrol import create_code, redeem
from server.demo_assess import DEPARTMENTS, seed_assessment
from server.db import audit, org, users
from server.workflow import cases, holidays, policy
from server.workflow.actors import Actor
from server.workflow.workdays import UnknownYear
from sync.wire import RatingWire

log = logging.getLogger(__name__)

HALL, HALL_NAME = "DEMO", "政务服务中心（演示）"
REGIONS = [("440000", "广东省", None), ("440300", "深圳市", "440000"),
           ("440305", "南山区", "440300")]
WINDOWS = {1: "社保综合受理", 2: "医保业务", 3: "不动产登记", 4: "税务综合", 5: "综合受理",
           6: "企业开办", 7: "公积金", 8: "出入境"}
STAFF = [("1001", "陈静", 1), ("1002", "王磊", 2), ("1003", "刘洋", 3), ("1004", "赵敏", 4),
         ("1024", "张敏", 5), ("1025", "李强", 5), ("1006", "孙悦", 6), ("1007", "周涛", 7),
         ("1008", "吴芳", 8)]
# Share of levels 5, 4, 3, 2, 1, 0 per window: window 3 and 8 struggle, 1 and 5 shine.
QUALITY = {1: (78, 14, 4, 1, 1, 2), 2: (62, 20, 8, 3, 1, 6), 3: (40, 22, 14, 10, 8, 6),
           4: (60, 22, 8, 3, 2, 5), 5: (76, 15, 4, 1, 1, 3), 6: (64, 18, 8, 3, 2, 5),
           7: (58, 24, 8, 3, 2, 5), 8: (44, 24, 12, 9, 6, 5)}
REASONS = ["attitude", "efficiency", "competence", "notification", "multiple_trips", "other"]
LOGIN = "demo"
HALL_TZ = timezone(timedelta(hours=8))


def _org(tx) -> None:
    for code, name, parent in REGIONS:
        org.put_region(tx, org.Region(code, name, parent))
    org.put_hall(tx, org.Hall(HALL, HALL_NAME, "440305"))
    for number, name in WINDOWS.items():
        org.put_window(tx, org.Window(HALL, number, name, DEPARTMENTS[number]))
    for staff_id, name, window in STAFF:
        others = [w for s, _n, w in STAFF if s == staff_id]
        org.put_staff(tx, org.Staff(staff_id, name, HALL, stars=5 if window in (1, 5) else 4,
                                    windows=tuple(others)))


def _devices(store) -> dict[int, str]:
    """A kiosk per window: the ones already enrolled in the hall, else new ones."""
    have = {}
    for d in store.list_devices():
        if d["hall"] == HALL and d["window"] and not d["revoked_at"]:
            have.setdefault(d["window"], d["device_id"])
    for number in WINDOWS:
        if number not in have:
            have[number] = redeem(store, create_code(store, HALL, number).code).device_id
    return have


def _ratings(devices: dict[int, str], now: datetime, rnd: random.Random) -> list[RatingWire]:
    """Rated cases from the first day of last month (local) to now, 09:00-17:00 local."""
    local_now = now.astimezone(HALL_TZ)
    first = (local_now.replace(day=1) - timedelta(days=1)).replace(day=1, hour=9, minute=0,
                                                                   second=0, microsecond=0)
    out = []
    day = first
    while day.date() <= local_now.date():
        if day.weekday() < 5:  # halls open Monday to Friday
            for number, device in devices.items():
                staff = [s for s, _n, w in STAFF if w == number]
                for ticket in range(rnd.randint(4, 9)):
                    at = day + timedelta(minutes=rnd.randint(0, 8 * 60 - 1))
                    if at >= local_now:
                        continue
                    level = rnd.choices((5, 4, 3, 2, 1, 0), QUALITY[number])[0]
                    reasons = rnd.sample(REASONS, rnd.randint(1, 2)) if level in (1, 2) else []
                    code = f"{'ABCDEFGH'[number - 1]}{ticket + 1:03d}"
                    out.append(RatingWire(
                        uuid=uuid.UUID(int=rnd.getrandbits(128)), level=level, window=number,
                        staff_id=rnd.choice(staff), ticket=code, device_id=device,
                        rated_at=at.astimezone(timezone.utc), reasons=reasons,
                        case_key=f"{at.date().isoformat()}/{number}/{code}/"))
        day += timedelta(days=1)
    return out


def _bad(device: str, window: int, at: datetime, code: str, rnd: random.Random) -> RatingWire:
    return RatingWire(uuid=uuid.UUID(int=rnd.getrandbits(128)), level=1, window=window,
                      staff_id=[s for s, _n, w in STAFF if w == window][0], ticket=code,
                      device_id=device, rated_at=at.astimezone(timezone.utc),
                      reasons=["efficiency"],
                      case_key=f"{at.astimezone(HALL_TZ).date().isoformat()}/{window}/{code}/")


def _fresh_cases(store, devices: dict[int, str], now: datetime,
                 rnd: random.Random) -> list[RatingWire]:
    """Two 差评 at chosen times, so the case list always has a new case (rated minutes ago)
    and, on a working day, one due today (rated the verify deadline's working days ago)."""
    out = [_bad(devices[3], 3, now - timedelta(minutes=20), "C901", rnd)]
    with store.transaction(write=False) as tx:
        rule, cal = policy.for_hall(tx, HALL), holidays.calendar(tx)
    today = now.astimezone(HALL_TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    try:
        for back in range(1, 15):  # the day whose verify deadline ends today
            day = today - timedelta(days=back)
            if cal.add_working_days(day, rule.verify_days).date() == today.date():
                out.append(_bad(devices[8], 8, day, "H901", rnd))
                break
    except UnknownYear:  # no holiday schedule for these days: no deadline to aim at
        pass
    return out


# The oldest cases a demo supervisor has handled: how far each got (the rest wait or are
# overdue, escalated to the region admin the moment they were stored).
HANDLED = ("closed",) * 6 + ("rectify", "answer")
NOTES = {"verify": "已调取录像核实，情况属实。", "rectify": "已约谈当事人并组织业务培训。",
         "answer": "已电话回访群众，说明整改情况。"}


def _handle_cases(store, now: datetime) -> None:
    """Take the oldest cases through their steps as the demo supervisor would have (safe to
    repeat: a case already at its state is left alone)."""
    actor = Actor(LOGIN, "hall_supervisor", frozenset({HALL}))
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT id, state, opened_at FROM cases WHERE hall = ? ORDER BY "
                      "opened_at, id LIMIT ?", [HALL, len(HANDLED)])
    order = ("verify", "rectify", "answer", "closed")
    for (case_id, state, opened_at), target in zip(rows, HANDLED):
        at = datetime.fromisoformat(opened_at.replace("Z", "+00:00"))
        while state in NOTES and order.index(state) < order.index(target):
            at = min(at + timedelta(days=1), now)
            state = cases.advance(store, case_id, actor, NOTES[state], now=at)["state"]
    cases.escalate_overdue(store, now)  # a step done long ago may leave the next one overdue


def seed_demo(store, seed: int = 10, now: datetime | None = None) -> dict:
    """Seed the demo hall (safe to call again: ratings are keyed by a seeded uuid, so a second
    call stores nothing twice); returns {"login", "password", "hall", "path", "ratings"}.
    The supervisor's password is new at every call (printed, never stored in the clear)."""
    wiring.attach(store)
    now = now or datetime.now(timezone.utc)
    with store.transaction() as tx:
        _org(tx)
        audit.append(tx, "demo", "org.import", f"hall:{HALL}", {"windows": len(WINDOWS)})
    password = "demo-" + secrets.token_urlsafe(9)
    exists = users.get(store, LOGIN) is not None
    with store.transaction() as tx:
        if not exists:
            users.add(tx, LOGIN, "演示主管", password, "hall_supervisor", HALL)
        else:
            users.set_password(tx, LOGIN, password)
        audit.append(tx, "demo", "user.add", f"user:{LOGIN}",
                     {"role": "hall_supervisor", "scope": HALL})
    rnd = random.Random(seed)
    devices = _devices(store)
    ratings = _ratings(devices, now, rnd)
    ratings += _fresh_cases(store, devices, now, rnd)
    for i in range(0, len(ratings), 500):
        store.ingest(ratings[i:i + 500], now=now)
    _handle_cases(store, now)
    assessment = seed_assessment(store, HALL, now)   # 考核: 上街 scheme, 督察, last month closed
    log.info("demo hall %s seeded: %d ratings, login %s", HALL, len(ratings), LOGIN)
    return {"login": LOGIN, "password": password, "hall": HALL, "path": "/console/",
            "ratings": len(ratings), "assessment": assessment}
