"""A window's state carries over any number of days without events (issue 27.5): a kiosk
left running over a weekend is still up on Monday morning, so the clerk who signs in at
10:00 leaves an hour of 空岗, not an hour of kiosk offline; and a kiosk switched off on
Friday evening is still off. (derive.py's look-back alone saw only the last 24 hours.)"""
import json
from datetime import date

from server.db.store import open_store
from server.facts import refresh
from tests.helpers import service_events as se

FRI, MON = "2026-11-27", "2026-11-30"


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
                        now=se.local("2026-12-03 12:00"))
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
