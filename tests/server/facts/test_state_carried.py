"""A window's state carries over any number of days without events (issue 27.5): a kiosk
left running over a weekend is still up on Monday morning, so the clerk who signs in at
10:00 leaves an hour of 空岗, not an hour of kiosk offline; and a kiosk switched off on
Friday evening is still off. (derive.py's look-back alone saw only the last 24 hours.)"""
import json
from datetime import date

from server.db.store import open_store
from server.facts import refresh
from tests.helpers import service_events as se

WED, THU, FRI, MON = "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"
NOW = se.local("2026-12-03 12:00")


def monday(db, friday_ends: list) -> dict:
    store = open_store(db[0], schema=db[1])
    try:
        se.insert(store, "H1", 3, [(f"{FRI} 08:30", "app_start"),
                                   (f"{FRI} 08:50", "staff_in", {"staff_id": "S1"}),
                                   *friday_ends,
                                   (f"{MON} 10:00", "staff_in", {"staff_id": "S1"}),
                                   (f"{MON} 17:35", "staff_out", {"staff_id": "S1",
                                                                 "cause": "key"})])
        refresh.refresh(store, "H1", date(2026, 11, 1), date(2026, 11, 30),
                        now=NOW)
        with store.transaction(write=False) as tx:
            return json.loads(tx.one("SELECT facts FROM window_facts WHERE hall = 'H1' "
                                     "AND day = ?", [MON])[0])
    finally:
        store.close()


def test_a_kiosk_left_on_over_the_weekend_is_up_on_monday(db):
    facts = monday(db, [(f"{FRI} 17:35", "staff_out", {"staff_id": "S1", "cause": "key"})])
    assert facts["offline_min"] == 0.0
    assert [(e["why"], e["minutes"]) for e in facts["empty"]] == [("nobody", 60.0)]
    assert facts["late"] is True


def test_a_kiosk_switched_off_on_friday_is_off_until_it_starts(db):
    facts = monday(db, [(f"{FRI} 17:35", "staff_out", {"staff_id": "S1", "cause": "key"}),
                        (f"{FRI} 17:40", "app_stop"), (f"{MON} 09:55", "app_start")])
    assert facts["offline_min"] == 55.0
    assert [(e["why"], e["minutes"]) for e in facts["empty"]] == []


def days(store) -> dict:
    with store.transaction(write=False) as tx:
        return {d: json.loads(f) for d, f in tx.all(
            "SELECT day, facts FROM window_facts WHERE hall = 'H1' ORDER BY day")}


def test_days_a_running_kiosk_was_offline_for_arrive_with_its_late_events(db):
    """Left running on Wednesday evening, nobody signs in on Thursday or Friday; its events
    reach the server only on Monday: both days are 空岗, not just the day after."""
    store = open_store(db[0], schema=db[1])
    try:
        se.insert(store, "H1", 3, se.day_script(WED, "S1", cases=2)[:-1],  # no app_stop
                  received_at=NOW)
        refresh.refresh(store, "H1", now=NOW)
        got = days(store)
        assert [(d, [e["minutes"] for e in got[d]["empty"]]) for d in (THU, FRI)] == [
            (THU, [180.0, 240.0]), (FRI, [180.0, 240.0])]
        assert [e["why"] for e in got[MON]["empty"]] == ["nobody", "nobody"]
        assert all("up_at_end" not in facts for facts in got.values())
    finally:
        store.close()


def test_a_kiosk_that_lost_power_is_offline_not_empty_until_it_starts_again(db):
    """No app_stop on Wednesday evening (a power cut), app_start on Monday: Thursday and
    Friday were computed as 空岗 while nothing came; the start makes them offline."""
    store = open_store(db[0], schema=db[1])
    try:
        se.insert(store, "H1", 3, se.day_script(WED, "S1", cases=2)[:-1],
                  received_at=se.local(f"{WED} 18:00"))
        refresh.refresh(store, "H1", now=se.local(f"{FRI} 12:00"))
        assert [e["why"] for e in days(store)[THU]["empty"]] == ["nobody", "nobody"]
        se.insert(store, "H1", 3, [(f"{MON} 08:40", "app_start")],
                  received_at=se.local(f"{MON} 08:41"))
        refresh.refresh(store, "H1", now=se.local(f"{MON} 12:00"))
        got = days(store)
        assert THU not in got and FRI not in got  # never a day of that kiosk: not scored
        assert got[WED]["empty"] == [] and got[MON]["offline_min"] == 0.0
    finally:
        store.close()
