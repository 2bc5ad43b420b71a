"""和暦: formatting everything shown, parsing what a clerk types."""

import datetime as dt

import pytest

from okuyami.core.wareki import date_parts, format_date, parse_date


@pytest.mark.parametrize("d, text", [
    (dt.date(2019, 5, 1), "令和元年5月1日"),
    (dt.date(2019, 4, 30), "平成31年4月30日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
    (dt.date(1926, 12, 25), "昭和元年12月25日"),
    (dt.date(1926, 12, 24), "大正15年12月24日"),
    (dt.date(1912, 7, 30), "大正元年7月30日"),
    (dt.date(1941, 3, 2), "昭和16年3月2日"),
    (dt.date(2027, 1, 4), "令和9年1月4日"),
])
def test_format(d, text):
    assert format_date(d) == text


def test_weekday():
    assert format_date(dt.date(2027, 1, 4), weekday=True) == "令和9年1月4日(月)"
    assert format_date(None) == ""


def test_parts_for_forms():
    assert date_parts(dt.date(2019, 5, 1)) == ("令和", "元", 5, 1)


@pytest.mark.parametrize("text, d", [
    ("昭和16年3月2日", dt.date(1941, 3, 2)), ("S16.3.2", dt.date(1941, 3, 2)), ("R8.11.15", dt.date(2026, 11, 15)),
    ("令和元年5月1日", dt.date(2019, 5, 1)), ("h31/4/30", dt.date(2019, 4, 30)), ("2026-11-15", dt.date(2026, 11, 15)),
    ("２０２６年１１月１５日", dt.date(2026, 11, 15)), ("Ｓ１６．３．２", dt.date(1941, 3, 2)),
])
def test_parse(text, d):
    assert parse_date(text) == d


@pytest.mark.parametrize("text, words", [
    ("平成32年1月1日", "期間外"), ("昭和64年1月8日", "期間外"), ("令和元年4月30日", "期間外"),
    ("R8.2.30", "ありません"), ("きのう", "読めません"), ("", "空"),
])
def test_parse_refuses(text, words):
    with pytest.raises(ValueError, match=words):
        parse_date(text)


def test_round_trip_over_a_century():
    d = dt.date(1926, 12, 25)
    while d < dt.date(2030, 1, 1):
        assert parse_date(format_date(d)) == d
        d += dt.timedelta(days=97)
