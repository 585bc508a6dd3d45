"""The pure derivation (server/facts/derive.py, summary.py) on event lists: 空岗 inside hours
only, lunch pauses not counted, offline time never 空岗, handling times, late/early."""
from datetime import date

from server.facts import derive, hours, summary
from server.facts.refresh import day_bounds
from server.workflow.workdays import Calendar
from tests.helpers.service_events import day_script, local

DAY = "2026-12-01"  # a Tuesday, a working day
RULES = hours.default()


def events(script):
    return [derive.Event(local(t), k, *(lambda f: (f.get("staff_id"), f.get("ticket"),
                                                   f.get("reason")))(rest[0] if rest else {}))
            for t, k, *rest in script]


def facts_of(script, day=DAY, rules=RULES, until=None):
    d = date.fromisoformat(day)
    start, end = day_bounds(d)
    return derive.derive(events(sorted(script, key=lambda s: s[0])), start, end,
                         rules.windows_of(d, Calendar()), rules.empty_minutes,
                         rules.grace_minutes, until=until)


def test_a_20_minute_pause_inside_hours_is_one_empty_interval_with_its_staff():
    f = facts_of(day_script(DAY, pause=("10:30", "10:50", "break")))
    assert [(e["start"], e["end"], e["staff"], e["why"], e["minutes"]) for e in f["empty"]] \
        == [("2026-12-01T02:30:00.000Z", "2026-12-01T02:50:00.000Z", "S001", "paused", 20.0)]
    assert f["empty"][0]["reason"] == "break"


def test_a_pause_over_lunch_is_no_empty_interval():
    assert facts_of(day_script(DAY, pause=("12:00", "13:30")))["empty"] == []
    # Ten minutes each side of the break: two pieces, each under the threshold.
    assert facts_of(day_script(DAY, pause=("11:50", "13:40")))["empty"] == []


def test_a_short_pause_is_under_the_threshold_and_the_threshold_is_the_halls():
    script = day_script(DAY, pause=("10:30", "10:40"))
    assert facts_of(script)["empty"] == []
    strict = hours.Hours(RULES.week, empty_minutes=5, grace_minutes=0)
    assert [e["minutes"] for e in facts_of(script, rules=strict)["empty"]] == [10.0]


def test_nobody_signed_in_after_a_sign_out_is_empty_until_the_next_sign_in():
    script = day_script(DAY) + [(f"{DAY} 14:00", "staff_out", {"staff_id": "S001"}),
                                (f"{DAY} 14:40", "staff_in", {"staff_id": "S002"})]
    f = facts_of(script)
    assert [(e["why"], e["staff"], e["minutes"]) for e in f["empty"]] == [("nobody", "S001", 40.0)]
    assert set(f["staff"]) == {"S001", "S002"}


def test_an_offline_kiosk_is_not_an_empty_window():
    # The app stops at 10:00 and starts again at 11:00 (nobody signed in after it): the
    # hour is offline, the time after the restart until the sign-in is 空岗.
    script = day_script(DAY) + [(f"{DAY} 10:00", "staff_out", {"staff_id": "S001",
                                                                "cause": "app_stop"}),
                                (f"{DAY} 10:00:01", "app_stop"), (f"{DAY} 11:00", "app_start"),
                                (f"{DAY} 11:05", "staff_in", {"staff_id": "S001"})]
    f = facts_of(script)
    assert f["offline_min"] == 60.0
    assert f["empty"] == []
    # A crash (app_start with no app_stop): offline from the last event before it.
    crash = day_script(DAY) + [(f"{DAY} 14:00", "app_start"),
                               (f"{DAY} 14:01", "staff_in", {"staff_id": "S001"})]
    f = facts_of(crash)
    assert f["offline_min"] == 155.0  # 09:55 (its last event) to 14:00, less the lunch break
    assert f["empty"] == []


def test_a_kiosk_never_seen_is_offline_all_day_not_empty():
    f = facts_of([])
    assert f["offline_min"] == f["working_min"] == 420.0 and f["empty"] == []


def test_completed_cases_and_handling_times():
    script = day_script(DAY, cases=3)
    script += [(f"{DAY} 15:00", "called", {"ticket": "B001"}),
               (f"{DAY} 15:30", "completed", {"ticket": "B001"})]
    f = facts_of(script)
    assert f["completed"] == 4 and sorted(f["durations"]) == [600, 600, 600, 1800]
    row = summary.summarize([("H", 1, DAY, f)], {}, lambda h, w, d, p: w if p is None else None)
    assert row[0]["median_s"] == 600 and row[0]["p90_s"] == 1800


def test_first_sign_in_and_last_sign_out_are_late_and_early_candidates():
    script = [(f"{DAY} 08:00", "app_start"), (f"{DAY} 09:20", "staff_in", {"staff_id": "S001"}),
              (f"{DAY} 16:00", "staff_out", {"staff_id": "S001"})]
    f = facts_of(script)
    assert f["first_in"] == "2026-12-01T01:20:00.000Z" and f["late"] and f["early"]
    assert f["staff"]["S001"]["late"] and f["staff"]["S001"]["early"]
    on_time = facts_of(day_script(DAY))
    assert not on_time["late"] and not on_time["early"]


def test_a_holiday_has_no_hours_and_a_make_up_saturday_has_mondays():
    assert facts_of(day_script("2026-10-01"), day="2026-10-01")["working_min"] == 0
    assert facts_of([], day="2026-09-20")["working_min"] == 420.0  # 2026 国庆 调休 Sunday


def test_an_excused_interval_does_not_count():
    f = facts_of(day_script(DAY, pause=("10:30", "10:50")))
    start = f["empty"][0]["start"]
    rows = [("H", 1, DAY, f)]
    key = lambda h, w, d, p: w if p is None else None  # noqa: E731
    assert summary.summarize(rows, {}, key)[0]["empty_n"] == 1
    excused = {("H", 1, start): {"excused": True, "note": "外出办事", "by": "x"}}
    got = summary.summarize(rows, excused, key)[0]
    assert (got["empty_n"], got["empty_min"], got["excused_n"]) == (0, 0, 1)
