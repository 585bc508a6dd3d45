"""Working days over the real 2025 schedule: National Day + Mid-Autumn, Spring Festival, 调休."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from server.workflow.workdays import (HALL_TZ, PACKAGE_YEARS, Calendar, UnknownYear,
                                      add_natural_days, end_of_day, horizon)


def local(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=HALL_TZ)


CAL = Calendar()


def test_the_package_covers_2004_to_2026():
    assert (PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1) == (2004, 2026)


def test_national_day_and_mid_autumn_2025():
    off = [date(2025, 10, d) for d in range(1, 9)]
    assert not any(CAL.is_working_day(d) for d in off)
    assert CAL.is_working_day(date(2025, 9, 28))      # Sunday, 调休 working day
    assert CAL.is_working_day(date(2025, 10, 11))     # Saturday, 调休 working day
    assert not CAL.is_working_day(date(2025, 9, 27))  # an ordinary Saturday


def test_case_opened_the_friday_before_national_day():
    friday = local(2025, 9, 26, 16, 30)
    # 28 Sep (Sun, make-up), 29, 30 Sep, then 1-8 Oct off: 9 Oct, 10 Oct, 11 Oct (Sat, make-up)
    assert CAL.add_working_days(friday, 2) == end_of_day(date(2025, 9, 29))
    assert CAL.add_working_days(friday, 3) == end_of_day(date(2025, 9, 30))
    assert CAL.add_working_days(friday, 5) == end_of_day(date(2025, 10, 10))
    assert CAL.add_working_days(friday, 6) == end_of_day(date(2025, 10, 11))
    # 15: 12 Oct is Sunday off, then 13-17 Oct (7-11), 20-23 Oct (12-15)
    assert CAL.add_working_days(friday, 15) == end_of_day(date(2025, 10, 23))


def test_spring_festival_2025():
    # 28 Jan - 4 Feb off; 26 Jan (Sun) and 8 Feb (Sat) are make-up working days.
    friday = local(2025, 1, 24, 9)
    assert CAL.add_working_days(friday, 1) == end_of_day(date(2025, 1, 26))
    assert CAL.add_working_days(friday, 2) == end_of_day(date(2025, 1, 27))
    assert CAL.add_working_days(friday, 3) == end_of_day(date(2025, 2, 5))
    assert CAL.add_working_days(friday, 5) == end_of_day(date(2025, 2, 7))
    assert CAL.add_working_days(friday, 6) == end_of_day(date(2025, 2, 8))
    assert CAL.count_working_days(local(2025, 1, 27), local(2025, 2, 5)) == 1


def test_the_local_date_decides_not_the_utc_one():
    # 23:30 on 30 Sep in the hall is 15:30 UTC the same day; 00:30 on 1 Oct local is still
    # 30 Sep in UTC, but the hall's date (a holiday) is what counts.
    late = datetime(2025, 9, 30, 16, 30, tzinfo=timezone.utc)   # 00:30 1 Oct local
    assert CAL.add_working_days(late, 1) == end_of_day(date(2025, 10, 9))


def test_count_working_days_across_the_holiday():
    assert CAL.count_working_days(local(2025, 9, 26), local(2025, 10, 12)) == 6
    assert CAL.count_working_days(local(2025, 10, 12), local(2025, 9, 26)) == -6
    assert CAL.count_working_days(local(2025, 10, 2), local(2025, 10, 8)) == 0


def test_an_unknown_year_is_an_error_not_a_guess():
    with pytest.raises(UnknownYear) as err:
        CAL.add_working_days(local(2026, 12, 24), 15)   # runs into 2027
    assert "2027" in str(err.value) and "holidays load" in str(err.value)
    with pytest.raises(UnknownYear):
        CAL.is_working_day(date(2003, 5, 1))


def test_the_admin_table_wins_and_teaches_a_new_year():
    table = {date(2027, 1, 1): "holiday", date(2025, 10, 8): "workday"}
    cal = Calendar(table)
    assert cal.is_working_day(date(2025, 10, 8))           # override beats the package
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 1, 4))            # Monday in a loaded year
    assert not cal.is_working_day(date(2027, 1, 2))        # Saturday in a loaded year
    # 24 Dec 2026 (Thu) + 15: 25, 28-31 Dec, (1 Jan off) 4-8, 11-15 Jan = 15th on 15 Jan
    assert cal.add_working_days(local(2026, 12, 24), 15) == end_of_day(date(2027, 1, 15))


def test_natural_days_ignore_holidays():
    assert add_natural_days(local(2025, 9, 30), 7) == local(2025, 10, 7)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2025, 1, 1), 1)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2026, 9, 1)),
       st.integers(min_value=0, max_value=40))
def test_count_undoes_add(moment, n):
    moment = moment.replace(tzinfo=timezone.utc)
    due = CAL.add_working_days(moment, n)
    assert CAL.count_working_days(moment, due) == n
    assert CAL.is_working_day(due.date()) or n == 0
    assert due - moment < timedelta(days=2 * n + 30)


# -- the horizon: when deadlines start to reach a year nobody knows -------------------------
# A made-up 2027 table for tests only (not the State Council's schedule, which we do not know):
# 25 days off in July, enough not to look partial.
MADE_UP_2027 = {date(2027, 7, d): "holiday" for d in range(1, 26)}


def test_the_last_day_whose_15_working_days_end_on_new_years_eve():
    edge = horizon(date(2026, 11, 25), CAL, 15)
    assert (edge.year, edge.last_safe, edge.starts) == (2027, date(2026, 12, 10),
                                                        date(2026, 12, 11))
    # Thursday 10 Dec: 11, 14-18, 21-25, 28-31 Dec are the 15 -> due 31 Dec, still known.
    assert CAL.add_working_days(local(2026, 12, 10, 23, 59), 15) == end_of_day(
        date(2026, 12, 31))
    with pytest.raises(UnknownYear) as err:
        CAL.add_working_days(local(2026, 12, 11, 0, 1), 15)
    assert err.value.year == 2027


@pytest.mark.parametrize("longest", [1, 2, 5, 15, 20, 60])
def test_the_horizon_agrees_with_the_deadlines_it_predicts(longest):
    edge = horizon(date(2026, 9, 1), CAL, longest)
    assert CAL.add_working_days(end_of_day(edge.last_safe), longest).year == 2026
    with pytest.raises(UnknownYear):
        CAL.add_working_days(end_of_day(edge.starts), longest)


def test_a_loaded_next_year_moves_the_horizon_a_year_on():
    cal = Calendar(MADE_UP_2027)
    edge = horizon(date(2026, 11, 25), cal, 15)
    assert edge.year == 2028 and edge.last_safe.year == 2027
    assert cal.add_working_days(local(2026, 12, 11), 15) == end_of_day(date(2027, 1, 1))


def test_a_table_covering_part_of_a_year_makes_the_year_known_monday_to_friday():
    # Decided: any row of a year makes the year known, its unlisted days Monday to Friday (a
    # correction file need not repeat the whole year); `holidays status` names such a thin
    # year so the admin loads the rest. The horizon therefore moves on to 2028.
    cal = Calendar({date(2027, 1, 1): "holiday"})
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 2, 8))          # a Monday: not listed, so worked
    assert not cal.is_working_day(date(2027, 2, 6))      # a Saturday
    assert horizon(date(2026, 11, 25), cal, 15).year == 2028


def test_a_day_past_the_horizon_is_already_without_due_dates():
    late = horizon(date(2027, 3, 1), CAL, 15)          # 2026 known: the edge is behind us
    assert late.starts == date(2026, 12, 11) and late.year == 2027
    lost = horizon(date(2031, 6, 1), CAL, 15)          # 2030 and 2031 unknown: from today
    assert (lost.year, lost.starts) == (2031, date(2031, 6, 1))
