"""The demo's 考核 (issue 28): the 上街-style scheme for the demo hall's region, a few 督察
records last month, and last month closed for the hall, so the demo's hall supervisor opens
the console's 考核 page on a published result.

Called by server/demo_seed.py's seed_demo() after the ratings are in; safe to call again (the
records are keyed by a fixed source_ref, a closed month stays closed). The demo hall's windows
are the window units' (departments') windows: DEPARTMENTS below.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

log = logging.getLogger(__name__)

HALL_TZ = timezone(timedelta(hours=8))
REGION = "440305"
PRESET = "shangjie"
# window → department (窗口单位) of the demo hall.
DEPARTMENTS = {1: "市人社局", 2: "市医保局", 3: "市自然资源和规划局", 4: "市税务局",
               5: "市政务服务中心", 6: "市市场监管局", 7: "市住房公积金中心", 8: "市公安局"}
# (window, item of the 上街 preset, occurrences, day of last month, note)
RECORDS = [(3, "sj_one_notice", 1, 6, "补件未一次性告知，群众往返两次。"),
           (3, "sj_badge", 2, 13, "两名工作人员未佩证上岗。"),
           (8, "sj_empty", 2, 9, "10:05-10:40 窗口空岗。"),
           (8, "sj_idle", 1, 20, "工作时间玩手机。"),
           (6, "sj_badge", 1, 16, "着装不规范。")]


def last_month(now: datetime) -> tuple[str, datetime]:
    """('YYYY-MM', its first day at 00:00 local) of the month before now's (local)."""
    first = now.astimezone(HALL_TZ).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (first - timedelta(days=1)).replace(day=1)
    return start.strftime("%Y-%m"), start


def seed_assessment(store, hall: str, now: datetime) -> dict:
    """Set the scheme, record the 督察 records, close last month; {"period", "closed"}."""
    from server.assess import inspections, results
    from server.assess import store as assess_store
    from server.assess.scheme import PRESETS_DIR

    period, start = last_month(now)
    with store.transaction() as tx:
        if assess_store.scheme_for(tx, REGION, period) is None:
            body = (PRESETS_DIR / f"{PRESET}.json").read_text(encoding="utf-8")
            assess_store.set_scheme(tx, REGION, period, body, "demo")
    who = inspections.Who("demo", "region_admin", None)
    for n, (window, item, count, day, note) in enumerate(RECORDS):
        at = start.replace(day=day, hour=10)
        with store.transaction() as tx:
            try:
                inspections.record(tx, who, hall, DEPARTMENTS[window], window, None, item,
                                   None, count, at.astimezone(timezone.utc).isoformat(),
                                   note, source="inspector", source_ref=f"demo-{n}",
                                   now=now)
            except inspections.InspectionError as exc:  # closed already, or too old
                log.info("demo: 督察 record %s not made: %s", n, exc)
    closed = assess_store.get_result(store, hall, period) is not None
    if not closed:  # the hall's own result: what the demo's hall supervisor opens on
        try:
            results.close(store, hall, period, "演示主管", "demo", now=now)
            closed = True
        except ValueError as exc:
            log.warning("demo: %s not closed: %s", period, exc)
    return {"period": period, "closed": closed}
