"""Deadlines counted as the law counts them (contract §5)."""

import datetime as dt

import pytest

from okuyami.core.calendar import OfficeCalendar, add_months, deadline, raw_deadline

D = dt.date
CAL = OfficeCalendar()


def test_contract_examples():
    assert deadline(D(2026, 12, 20), CAL, days=14) == D(2027, 1, 4)  # 1/3 closed → 1/4
    assert deadline(D(2026, 11, 15), CAL, months=4) == D(2027, 3, 15)


def test_death_registration_counts_the_first_day():
    assert raw_deadline(D(2026, 11, 20), days=7, count_first_day=True) == D(2026, 11, 26)
    # 11/21 Sat, 11/22 Sun, 11/23 勤労感謝の日 → 11/24
    assert deadline(D(2026, 11, 15), CAL, days=7, count_first_day=True) == D(2026, 11, 24)


@pytest.mark.parametrize("d, reason", [
    (D(2026, 11, 21), "土曜日"), (D(2026, 11, 22), "日曜日"), (D(2026, 11, 23), "勤労感謝の日"),
    (D(2026, 12, 29), "年末年始"), (D(2026, 12, 31), "年末年始"), (D(2028, 1, 3), "年末年始"), (D(2027, 1, 1), "元日"),
    (D(2027, 3, 22), "振替休日"), (D(2026, 9, 22), "国民の休日"),
])
def test_closed_days(d, reason):
    assert CAL.closed_reason(d) == reason


def test_open_days():
    assert CAL.is_open(D(2026, 12, 28)) and CAL.is_open(D(2027, 1, 4)) and CAL.is_open(D(2026, 11, 24))


def test_city_closed_days():
    cal = OfficeCalendar(frozenset({D(2026, 11, 24)}))
    assert cal.closed_reason(D(2026, 11, 24)) == "市の閉庁日"
    assert deadline(D(2026, 11, 9), cal, days=14) == D(2026, 11, 25)


@pytest.mark.parametrize("start, months, end", [
    (D(2026, 10, 31), 4, D(2027, 2, 28)), (D(2027, 10, 31), 4, D(2028, 2, 29)), (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 3, 31), 1, D(2026, 4, 30)), (D(2026, 11, 15), 14, D(2028, 1, 15)), (D(2026, 12, 31), 2, D(2027, 2, 28)),
])
def test_month_end_clamping(start, months, end):
    assert add_months(start, months) == end


def test_rollover_policy():
    # 2026-11-18 + 2 years = 2028-11-18, a Saturday
    assert deadline(D(2026, 11, 18), CAL, years=2, rollover=False) == D(2028, 11, 18)
    assert deadline(D(2026, 11, 18), CAL, years=2) == D(2028, 11, 20)


def test_month_end_then_sunday_rolls_forward():
    assert deadline(D(2026, 10, 31), CAL, months=4) == D(2027, 3, 1)  # 2/28 is a Sunday


@pytest.mark.parametrize("death, months, raw, rolled", [
    (D(2026, 6, 30), 4, D(2026, 10, 31), D(2026, 11, 2)),   # 143条1項: from 7/1, ends with October; 10/31 is a Saturday
    (D(2026, 2, 28), 4, D(2026, 6, 30), D(2026, 6, 30)),    # from 3/1: the last day of June, not 6/28
    (D(2026, 1, 31), 1, D(2026, 2, 28), D(2026, 3, 2)),     # 2/28 is a Saturday
    (D(2026, 11, 15), 4, D(2027, 3, 15), D(2027, 3, 15)),   # 143条2項: the same day-of-month
    (D(2026, 4, 30), 1, D(2026, 5, 31), D(2026, 6, 1)),     # from 5/1: May 31 (a Sunday), not 5/30
])
def test_months_as_minpo_143_counts_them(death, months, raw, rolled):
    """contract §5: the period runs from the day after the death (民法140); from a 1st, it ends on the Nth month's
    last day (143条1項), otherwise on the same day-of-month (143条2項)."""
    assert raw_deadline(death, months=months) == raw
    assert deadline(death, CAL, months=months) == rolled
