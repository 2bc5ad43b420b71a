"""和暦 (Japanese era dates): formatting for everything shown, parsing for what a clerk types.

Era starts (first day of each era):
- 明治 1868-01-25 (the Gregorian-calendar date is used from 明治6年; earlier dates are shown as such)
- 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08 (昭和64年政令第1号),
- 令和 2019-05-01 (平成31年政令第143号).
The first year of an era is written 元年 (令和元年5月1日), as on municipal forms.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date


ERAS: tuple[Era, ...] = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("明治", "M", dt.date(1868, 1, 25)),
)


def era_of(d: dt.date) -> tuple[Era, int]:
    """The era and era-year of ``d``; raises ValueError before 明治."""
    for era in ERAS:
        if d >= era.start:
            return era, d.year - era.start.year + 1
    raise ValueError(f"{d.isoformat()} is before 明治")


def era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def format_date(d: dt.date | None, *, weekday: bool = False) -> str:
    """``令和9年1月4日`` (or with ``weekday=True``: ``令和9年1月4日(月)``); ``""`` for None."""
    if d is None:
        return ""
    era, year = era_of(d)
    text = f"{era.name}{era_year_text(year)}年{d.month}月{d.day}日"
    if weekday:
        text += f"({WEEKDAYS[d.weekday()]})"
    return text


def date_parts(d: dt.date) -> tuple[str, str, int, int]:
    """(era name, year text, month, day) for forms with separate cells: ("令和", "元", 5, 1)."""
    era, year = era_of(d)
    return era.name, era_year_text(year), d.month, d.day


_ERA_BY_TOKEN = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.letter.lower(): e for e in ERAS}
_WAREKI = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(?P<year>元|\d{1,2})\s*[年./\-]\s*(?P<month>\d{1,2})"
    r"\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$"
)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SEIREKI = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def parse_date(text: str) -> dt.date:
    """Parse what a clerk types: ``昭和16年3月2日``, ``S16.3.2``, ``R8.11.15``, ``令和元年5月1日``,
    ``2026-11-15``, ``2026/11/15``, ``2026年11月15日``; full-width digits too.

    Raises ValueError with a Japanese message when the text is not a date, the date does not exist, or the
    era-year is outside its era (平成32年, 昭和64年2月1日).
    """
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not s:
        raise ValueError("日付が空です")
    m = _ISO.match(s) or _SEIREKI.match(s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"「{text}」という日はありません") from None
    m = _WAREKI.match(s)
    if not m:
        raise ValueError(f"「{text}」は日付として読めません（例：昭和16年3月2日、S16.3.2、2026-11-15）")
    era = _ERA_BY_TOKEN[m["era"]]
    year = 1 if m["year"] == "元" else int(m["year"])
    if year < 1:
        raise ValueError(f"「{text}」：元号の年は1（元年）から始まります")
    try:
        d = dt.date(era.start.year + year - 1, int(m["month"]), int(m["day"]))
    except ValueError:
        raise ValueError(f"「{text}」という日はありません") from None
    newer = ERAS[ERAS.index(era) - 1] if ERAS.index(era) > 0 else None
    if d < era.start:
        raise ValueError(f"「{text}」は{era.name}の期間外です（{era.name}は{format_date(era.start)}から）")
    if newer is not None and d >= newer.start:
        raise ValueError(f"「{text}」は{era.name}の期間外です（その日は{format_date(d)}）")
    return d
