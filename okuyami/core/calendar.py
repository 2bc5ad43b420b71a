"""Closed days and deadlines, counted as the law counts them (contract §5).

期限の計算:
- closed days (閉庁日): Saturdays, Sundays, national holidays including 振替休日 and 国民の休日 (from the
  maintained ``holidays`` library, never a hand-typed list), 12/29–1/3, and any extra days the city's
  rulebook declares;
- ``days``: from the start date, first day not counted (民法140): start + N; with ``count_first_day``
  (戸籍法43, 死亡届): start + N − 1;
- ``months`` / ``years`` (民法143): the period runs from the day after the start. When that day is the 1st of a
  month (the start was a month's last day), it ends on the last day of the Nth month (143条1項: 暦に従う);
  otherwise on the same day-of-month N months later, or that month's last day if the day does not exist (143条2項);
- rollover (自治法4条の2, 行政機関休日法, 国税通則法10条): a deadline on a closed day moves to the next open day,
  unless the procedure says ``rollover: none`` (e.g. a 時効).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays as _holidays

JST = dt.timezone(dt.timedelta(hours=9), "JST")  # 日本時間 (no daylight saving)


def today() -> dt.date:
    """The day of the visit: today, or ``$OKUYAMI_TODAY`` (ISO date; else the day of ``$OKUYAMI_NOW``) for
    demonstrations and tests."""
    import os

    value = os.environ.get("OKUYAMI_TODAY")
    if value:
        return dt.date.fromisoformat(value)
    fixed = os.environ.get("OKUYAMI_NOW")  # contract §8: "now" fixed (Japan time) also fixes today
    return dt.date.fromisoformat(fixed[:10]) if fixed else dt.date.today()


def to_jst(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time (UTC, or naive meaning UTC) as Japan time for showing."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(JST)


@lru_cache(maxsize=None)
def _national_holidays(year: int) -> dict[dt.date, str]:
    return dict(_holidays.country_holidays("JP", years=year, language="ja"))


def national_holiday_name(d: dt.date) -> str | None:
    """The 祝日 name of ``d`` (振替休日 and 国民の休日 included), or None."""
    return _national_holidays(d.year).get(d)


def is_year_end_closure(d: dt.date) -> bool:
    """12/29–1/3 (年末年始)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


@dataclass(frozen=True)
class OfficeCalendar:
    """The open and closed days of a city office. ``extra_closed`` are the city's own closed days."""

    extra_closed: frozenset[dt.date] = field(default_factory=frozenset)

    def closed_reason(self, d: dt.date) -> str | None:
        """Why ``d`` is closed (土曜日 / 日曜日 / the holiday's name / 年末年始 / 市の閉庁日), or None if open."""
        if d.weekday() == 5:
            return "土曜日"
        if d.weekday() == 6:
            return "日曜日"
        name = national_holiday_name(d)
        if name:
            return name
        if is_year_end_closure(d):
            return "年末年始"
        if d in self.extra_closed:
            return "市の閉庁日"
        return None

    def is_open(self, d: dt.date) -> bool:
        return self.closed_reason(d) is None

    def next_open_day(self, d: dt.date) -> dt.date:
        """``d`` itself when open, else the first open day after it."""
        while not self.is_open(d):
            d += dt.timedelta(days=1)
        return d


def add_months(d: dt.date, months: int) -> dt.date:
    """Same day-of-month ``months`` later; the month's last day when that day does not exist (民法143)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _cal.monthrange(year, month)[1]
    return dt.date(year, month, min(d.day, last))


def raw_deadline(start: dt.date, *, days: int | None = None, months: int | None = None,
                 years: int | None = None, count_first_day: bool = False) -> dt.date:
    """The last day of the period before any rollover."""
    if days is not None:
        return start + dt.timedelta(days=days - 1 if count_first_day else days)
    total = (months or 0) + 12 * (years or 0)
    if count_first_day:  # the period starts on ``start`` itself
        return add_months(start, total) - dt.timedelta(days=1)
    if (start + dt.timedelta(days=1)).day == 1:  # 143条1項: from the 1st, the period ends with the Nth month
        end = add_months(start + dt.timedelta(days=1), total)
        return end - dt.timedelta(days=1)
    return add_months(start, total)


def deadline(start: dt.date, calendar: OfficeCalendar, *, rollover: bool = True, **period) -> dt.date:
    """The deadline as a calendar date, rolled forward to the next open day when ``rollover``."""
    end = raw_deadline(start, **period)
    return calendar.next_open_day(end) if rollover else end
