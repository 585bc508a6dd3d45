"""holidays.deadline_status on both stores: the warning window, the longest policy, the cases
lacking due dates (by the user's halls and windows), and a loaded year lifting it all."""
from datetime import date

from server.workflow import holidays, policy
from tests.server.workflow.conftest import HALL, at, rating

# Made up for tests (we do not know the State Council's 2027 schedule): 25 days in July.
MADE_UP_2027 = {date(2027, 7, d): ("holiday", "test") for d in range(1, 26)}


def status(store, today, **kw):
    with store.transaction(write=False) as tx:
        return holidays.deadline_status(tx, today, **kw)


def test_the_warning_starts_30_days_before_the_first_undated_day(wired):
    quiet = status(wired, date(2026, 11, 10))
    assert (quiet["starts"], quiet["days_left"], quiet["warn"]) == ("2026-12-11", 31, False)
    loud = status(wired, date(2026, 11, 11))
    assert (loud["year"], loud["last_safe"], loud["days_left"]) == (2027, "2026-12-10", 30)
    assert loud["warn"] and loud["cases_without_due"] == 0 and loud["longest_days"] == 15


def test_the_longest_policy_decides(wired, people):
    policy.set_policy(wired, f"hall:{HALL}", people["admin"], answer_days=20)
    assert status(wired, date(2026, 11, 1))["last_safe"] == "2026-12-03"
    policy.set_policy(wired, f"hall:{HALL}", people["admin"], answer_days=5)
    policy.set_policy(wired, "*", people["admin"], verify_days=2, rectify_days=5,
                      answer_days=10)
    # '*' stands in for the national 15 wherever a hall has no policy of its own.
    assert status(wired, date(2026, 11, 1))["longest_days"] == 10


def test_cases_without_due_dates_are_counted_in_the_users_view_until_the_year_is_loaded(
        wired, people):
    wired.ingest([rating(wired.device_id, level=1, rated_at="2026-12-14T01:00:00Z")],
                 now=at(2026, 12, 14, 2))
    today = date(2026, 12, 14)
    everyone = status(wired, today)
    assert everyone["cases_without_due"] == 1 and everyone["warn"]
    assert everyone["days_left"] == -3
    mine = status(wired, today, halls={HALL}, windows=[3])
    assert mine["has_cases"] and mine["cases_without_due"] == 1
    assert status(wired, today, halls={HALL}, windows=[4])["cases_without_due"] == 0
    other = status(wired, today, halls={"hall02"})
    assert not other["has_cases"] and other["cases_without_due"] == 0
    assert not status(wired, today, halls=set())["has_cases"]

    assert holidays.load(wired, MADE_UP_2027, people["admin"])["cases_dated"] == 1
    after = status(wired, today, halls={HALL})
    assert (after["year"], after["cases_without_due"], after["warn"]) == (2028, 0, False)
    assert after["table_years"] == {2027: {"holiday": 25, "workday": 0}}
    assert after["partial_years"] == []


def test_a_thin_table_year_is_named_but_counts_as_known(wired, people):
    holidays.load(wired, {date(2027, 1, 1): ("holiday", "元旦")}, people["admin"])
    s = status(wired, date(2026, 11, 25))
    assert s["year"] == 2028 and not s["warn"] and s["partial_years"] == [2027]
