"""Deadlines start when a 差评 was given, not when it arrived (issue 23 item 3): a kiosk
offline for a week uploads last week's 差评 over HTTP; its case is due as from then and, being
overdue already, is escalated the moment it is stored, as `kiosk-server cases list` shows.
The demo hall has cases in every state."""
import json
from datetime import datetime, timedelta, timezone

from sync.wire import BATCH_PATH
from tests.helpers.databases import run_cli

HALL_TZ = timezone(timedelta(hours=8))


def test_a_week_old_bad_rating_is_due_from_when_it_was_given(server, http, make_rating, db):
    week = 8 * 86400.0  # the kiosk's monotonic clock ran on: the time is trusted
    old = make_rating(level=1, reasons=["attitude"], boot_id="b7", mono_s=100.0,
                      rated_at="2000-01-01T00:00:00Z")  # its wall clock was wrong, too
    fresh = make_rating(level=2, reasons=["efficiency"], ticket="B001", boot_id="b7",
                        mono_s=week + 40.0)
    now = datetime.now(timezone.utc)
    resp = http.post(server.url + BATCH_PATH, json={
        "ratings": [old, fresh], "device_now": now.isoformat(), "boot_id": "b7",
        "mono_s": week + 100.0})
    assert [r["status"] for r in resp.json()["results"]] == ["accepted", "accepted"]
    listed = {c["rating_uuid"]: c for c in json.loads(run_cli(db, "cases", "list", "--json"))}
    late, new = listed[old["uuid"]], listed[fresh["uuid"]]
    given = (now - timedelta(seconds=week)).astimezone(HALL_TZ).date().isoformat()
    assert late["opened_at"] < new["opened_at"]
    assert late["id"].startswith(given.replace("-", "") + "-")  # the case is of its day
    assert late["overdue"] and late["escalated_to"] == "region_admin"  # no job ran
    assert late["due_day"] < now.astimezone(HALL_TZ).date().isoformat()
    assert not new["overdue"] and new["escalated_to"] is None
    shown = run_cli(db, "cases", "show", late["id"])
    assert "escalate" in shown.lower()


def test_the_demo_hall_has_cases_in_every_state(db):
    run_cli(db, "demo-seed", "--json")
    cases = json.loads(run_cli(db, "cases", "list", "--all", "--json"))
    today = datetime.now(HALL_TZ)
    states = {c["state"] for c in cases}
    assert {"verify", "rectify", "answer", "closed"} <= states
    open_ = [c for c in cases if c["state"] in ("verify", "rectify", "answer")]
    overdue = [c for c in open_ if c["overdue"]]
    assert overdue and all(c["escalated_to"] == "region_admin" for c in overdue)
    new = [c for c in open_ if not c["overdue"] and c["due_day"] != today.date().isoformat()]
    assert new
    due_today = [c for c in open_ if not c["overdue"]
                 and c["due_day"] == today.date().isoformat()]
    from server.workflow.workdays import Calendar
    if Calendar().is_working_day(today.date()):  # nothing falls due on a day off
        assert due_today
