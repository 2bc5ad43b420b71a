"""Dates as a resident-record system writes them (日付の形式).

``yyyymmdd`` (``20261115``), ``wareki`` (``R8.11.15``, ``S16.3.2``, ``H30.04.01``, ``令和8年11月15日``; read by
:func:`okuyami.core.wareki.parse_date`), ``iso`` (``2026-11-15``, ``2026/11/15``) and ``era_code`` (7 digits: the
era's number 1 明治 · 2 大正 · 3 昭和 · 4 平成 · 5 令和, then YYMMDD: ``5081115`` is 令和8年11月15日). The default
layout reads ``yyyymmdd`` and ``wareki`` (contract §10); a vendor profile says which forms its file uses.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ..core.wareki import ERAS, format_date, parse_date

DATE_FORMATS = ("yyyymmdd", "wareki", "iso", "era_code")
FORMAT_EXAMPLES = {"yyyymmdd": "20261115", "wareki": "R8.11.15", "iso": "2026-11-15", "era_code": "5081115"}
_ERA_CODES = {"1": "M", "2": "T", "3": "S", "4": "H", "5": "R"}
_LETTERS = {e.letter for e in ERAS}
_ISO = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}$")


def parse_juki_date(text: str, formats: tuple[str, ...] | list[str] = ("yyyymmdd", "wareki")) -> dt.date:
    """The date ``text`` in one of ``formats``; ValueError with a Japanese message otherwise."""
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if "yyyymmdd" in formats and s.isdigit() and len(s) == 8:
        try:
            return dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
        except ValueError:
            raise ValueError(f"「{text}」という日はありません") from None
    if "era_code" in formats and s.isdigit() and len(s) == 7:
        if s[0] not in _ERA_CODES:
            raise ValueError(f"「{text}」の元号コード {s[0]} はありません（1 明治・2 大正・3 昭和・4 平成・5 令和）")
        return parse_date(f"{_ERA_CODES[s[0]]}{int(s[1:3])}.{int(s[3:5])}.{int(s[5:])}")
    if "iso" in formats and _ISO.match(s):
        return parse_date(s)
    if "wareki" in formats and s and (s[0] in _LETTERS or s[0].upper() in _LETTERS or s[:2] in
                                      ("令和", "平成", "昭和", "大正", "明治")):
        return parse_date(s)
    shown = "、".join(FORMAT_EXAMPLES[f] for f in formats)
    raise ValueError(f"「{text}」は日付として読めません（この形式で：{shown}）")


__all__ = ["DATE_FORMATS", "parse_juki_date", "format_date"]
