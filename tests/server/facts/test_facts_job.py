"""The server's periodic job brings facts up to date by itself (late events included), so
the first reader after a kiosk's day-late upload does not pay for the recompute."""
import json
from datetime import datetime, timedelta

from server.db.store import open_store
from server.workflow import jobs
from server.workflow.workdays import HALL_TZ
from tests.helpers import service_events as se


def test_the_periodic_job_computes_and_recomputes_facts(db):
    store = open_store(db[0], schema=db[1])
    try:
        day = (datetime.now(HALL_TZ).date() - timedelta(days=3)).isoformat()
        se.insert(store, "H7", 2, se.day_script(day, "S9", cases=3),
                  received_at=datetime.now(HALL_TZ) - timedelta(minutes=10))
        assert jobs.run_once(store)["facts"] == 2          # the day and the day after
        assert jobs.run_once(store)["facts"] == 0          # nothing new: nothing to do
        with store.transaction(write=False) as tx:
            facts = json.loads(tx.one("SELECT facts FROM window_facts WHERE hall = 'H7' "
                                      "AND day = ?", [day])[0])
        assert facts["completed"] == 3
        # The kiosk was offline: a case of that day arrives now.
        se.insert(store, "H7", 2, [(f"{day} 16:00", "called", {"ticket": "Z1"}),
                                   (f"{day} 16:20", "completed", {"ticket": "Z1"})],
                  received_at=datetime.now(HALL_TZ) - timedelta(minutes=1))
        assert jobs.run_once(store)["facts"] == 2
        with store.transaction(write=False) as tx:
            facts = json.loads(tx.one("SELECT facts FROM window_facts WHERE hall = 'H7' "
                                      "AND day = ?", [day])[0])
        assert facts["completed"] == 4 and sorted(facts["durations"])[-1] == 1200
    finally:
        store.close()
