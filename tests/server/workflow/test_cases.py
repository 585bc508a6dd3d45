"""差评 cases: opened in the ingest transaction on both stores, due dates in working days over
real holidays, steps by the right people only, escalation and the digest, all audited."""
from datetime import date, timedelta

import pytest

from server.db import audit
from server.db.base import utc_iso
from server.workflow import case_list, case_views, cases, holidays, policy
from server.workflow.actors import Forbidden
from server.workflow.workdays import end_of_day
from sync.wire import BATCH_PATH
from tests.server.workflow.conftest import HALL, at, rating


def audit_actions(store, target=None):
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT action, target, actor FROM audit_log ORDER BY id")
    return [(a, t, who) for a, t, who in rows if target is None or t == target]


def open_cases(store, people, **kw):
    return case_views.list_cases(store, people["admin"], **kw)


def test_a_bad_rating_on_the_friday_before_national_day(wired, people):
    # Friday 26 Sep 2025, 16:30 in the hall (08:30 UTC): 2 / 5 / 15 working days.
    friday = at(2025, 9, 26, 8, 30)
    wired.ingest([rating(wired.device_id, level=1, rated_at="2025-09-26T08:29:00Z")],
                 now=friday)
    wired.ingest([rating(wired.device_id, level=4, rated_at="2025-09-26T08:29:30Z")],
                 now=friday)
    [case] = open_cases(wired, people, now=friday)
    assert (case["hall"], case["window"], case["level"], case["state"]) == (HALL, 3, 1, "verify")
    assert case["verify_due"] == utc_iso(end_of_day(date(2025, 9, 29)))    # 28 Sep 调休 counts
    assert case["rectify_due"] == utc_iso(end_of_day(date(2025, 10, 10)))  # 1-8 Oct off
    assert case["answer_due"] == utc_iso(end_of_day(date(2025, 10, 23)))
    assert case["due_day"] == "2025-09-29" and not case["overdue"]
    assert [a for a, *_ in audit_actions(wired)] == ["case.open"]


def test_good_and_unrated_ratings_open_no_case(wired, people):
    wired.ingest([rating(wired.device_id, level=lvl) for lvl in (0, 3, 4, 5)],
                 now=at(2025, 9, 26, 8))
    assert open_cases(wired, people) == []


def test_a_case_goes_through_its_steps_by_the_right_people(wired, people):
    wired.ingest([rating(wired.device_id, level=2)], now=at(2025, 9, 26, 8))
    [case] = open_cases(wired, people)
    cid = case["id"]
    for who in ("staff", "other_sup", "auditor"):
        with pytest.raises(Forbidden):
            cases.advance(wired, cid, people[who], "looked into it")
    with pytest.raises(cases.CaseError, match="note"):
        cases.advance(wired, cid, people["sup"], "   ")
    # Each step on time (a step done late escalates the next one at once: test_late_cases).
    assert cases.advance(wired, cid, people["sup"], "核实属实：等候过久",
                         now=at(2025, 9, 26, 9))["state"] == "rectify"
    assert cases.advance(wired, cid, people["admin"], "增开窗口",
                         now=at(2025, 9, 29, 9))["state"] == "answer"
    done = cases.advance(wired, cid, people["sup"], "已电话回访", now=at(2025, 9, 30, 9))
    assert done["state"] == "closed" and done["closed_at"]
    with pytest.raises(cases.CaseError, match="nothing left"):
        cases.advance(wired, cid, people["sup"], "again")
    full = case_views.detail(wired, people["sup"], cid)
    assert [(s["step"], s["done_by"], s["note"]) for s in full["steps"]] == [
        ("verify", "user:zhao", "核实属实：等候过久"), ("rectify", "user:zhou", "增开窗口"),
        ("answer", "user:zhao", "已电话回访")]
    assert full["rating"]["ticket"] == "A012" and full["rating"]["reasons"] == ["attitude"]
    assert [a for a, t, _ in audit_actions(wired, f"case:{cid}")] == [
        "case.open", "case.verify", "case.rectify", "case.answer"]
    assert audit.verify(wired) is None
    assert open_cases(wired, people) == []


def test_overdue_cases_turn_red_escalate_and_appear_in_the_digest(wired, people):
    opened = at(2025, 9, 26, 8)
    wired.ingest([rating(wired.device_id, level=1)], now=opened)
    before = at(2025, 9, 29, 15)          # 23:00 local on the verify due day
    assert cases.escalate_overdue(wired, before) == []
    late = at(2025, 9, 29, 16, 1)         # 00:01 local on 30 Sep
    [case] = open_cases(wired, people, now=late)
    assert case["overdue"]
    [up] = cases.escalate_overdue(wired, late)
    assert up["escalated_to"] == "region_admin"
    assert cases.escalate_overdue(wired, late + timedelta(hours=1)) == []  # once per step
    digest = case_views.digest(wired, people["admin"], now=late)
    assert [c["id"] for c in digest["overdue"]] == [case["id"]]
    assert digest["halls"][HALL] == {"open": 1, "overdue": 1, "escalated": 1}
    text = case_views.digest_text(digest)
    assert "逾期 1" in text and case["id"] in text and "region_admin" in text
    assert ("case.escalate", f"case:{case['id']}", "system") in audit_actions(wired)
    # Verifying late clears the escalation; the rectify step has its own due date.
    moved = cases.advance(wired, case["id"], people["sup"], "核实", now=late)
    assert moved["escalated_to"] is None
    assert not case_views.annotate(moved, late)["overdue"]


def test_window_staff_see_that_a_case_exists_and_when_it_is_due_only(wired, people):
    wired.ingest([rating(wired.device_id, level=1)], now=at(2025, 9, 26, 8))
    view = case_list.staff_page(wired, people["staff"], now=at(2025, 9, 26, 9))["rows"]
    ref = view[0].pop("ref")
    assert len(ref) == 20 and ref not in str(open_cases(wired, people))
    assert view == [{"window": 3, "opened_day": "2025-09-26", "state": "verify",
                     "due_day": "2025-09-29", "overdue": False}]
    with pytest.raises(Forbidden):
        case_views.list_cases(wired, people["staff"])
    case_id = open_cases(wired, people)[0]["id"]
    with pytest.raises(Forbidden):
        case_views.detail(wired, people["staff"], case_id)
    with pytest.raises(Forbidden):
        case_views.detail(wired, people["other_sup"], case_id)
    assert case_views.list_cases(wired, people["other_sup"]) == []


def test_a_hall_policy_sets_the_working_days(wired, people):
    policy.set_policy(wired, f"hall:{HALL}", people["admin"], verify_days=1, rectify_days=5,
                      answer_days=10)
    with pytest.raises(Forbidden):
        policy.set_policy(wired, "*", people["sup"], verify_days=3)
    with pytest.raises(ValueError, match="verify_days <= rectify_days"):
        policy.set_policy(wired, "*", people["admin"], verify_days=9, rectify_days=5)
    wired.ingest([rating(wired.device_id, level=1)], now=at(2025, 9, 26, 8))
    [case] = open_cases(wired, people)
    assert case["verify_due"] == utc_iso(end_of_day(date(2025, 9, 28)))
    assert case["answer_due"] == utc_iso(end_of_day(date(2025, 10, 16)))
    assert ("policy.set", f"policy:hall:{HALL}", "user:zhou") in audit_actions(wired)


def test_a_year_nobody_knows_gives_no_due_date_until_the_admin_loads_it(wired, people):
    christmas = at(2026, 12, 24, 2)
    wired.ingest([rating(wired.device_id, level=1, rated_at="2026-12-24T01:00:00Z")],
                 now=christmas)
    [case] = open_cases(wired, people, now=christmas)
    assert case["answer_due"] is None and "2027" in case["due_error"]
    assert case["verify_due"] is None   # all three or none: never a partial guess
    rows = holidays.parse_csv("date,kind,note\n2027-01-01,holiday,元旦\n")
    summary = holidays.load(wired, rows, people["admin"])
    assert summary["cases_dated"] == 1
    assert ("holidays.load", "holidays:2027", "user:zhou") in audit_actions(wired)
    [case] = open_cases(wired, people, now=christmas)
    assert case["due_error"] is None
    assert case["answer_due"] == utc_iso(end_of_day(date(2027, 1, 15)))


def test_holiday_file_errors_name_the_line():
    with pytest.raises(holidays.HolidayFileError) as err:
        holidays.parse_csv("2027-01-01,holiday\n2027-13-01,holiday\n2027-02-06,maybe\nx\n")
    text = str(err.value)
    assert "line 2" in text and "line 3" in text and "line 4" in text


def test_a_bad_rating_through_http_ingest_opens_a_case(server, http, device, make_rating):
    bad = make_rating(level=1, reasons=["attitude"])
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [bad]})
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "accepted"
    with server.store.transaction(write=False) as tx:
        rows = tx.all("SELECT rating_uuid, hall, state, due_error, verify_due FROM cases")
    assert len(rows) == 1
    uuid, hall, state, error, verify_due = rows[0]
    assert (uuid, hall, state) == (bad["uuid"], "hall01", "verify")
    assert (verify_due is None) == (error is not None)
    # The same batch again is a duplicate and opens no second case.
    http.post(server.url + BATCH_PATH, json={"ratings": [bad]})
    with server.store.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) FROM cases")[0] == 1
