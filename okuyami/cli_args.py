"""The command line's arguments, checked (引数の検査): every number and date answered in one Japanese line.

- :class:`JapaneseArgumentParser`: argparse's own complaints (a missing argument, an unknown choice, a value that
  is not a number) as one Japanese line on stderr, exit 2 — never a usage dump or an English sentence alone;
- :func:`date_arg`, :func:`int_arg`: dates (和暦 or western) within the years okuyami can count with, numbers
  within what the database can hold (PostgreSQL ``integer`` is 2^31 − 1; SQLite 2^63 − 1) and what makes sense;
- :func:`undecodable_argument`: an argument with bytes that are not UTF-8 (a name typed in another encoding) is
  refused before anything reads it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import unicodedata

INT32_MAX = 2**31 - 1  # PostgreSQL integer: case, reservation and version numbers
FIRST_YEAR, LAST_YEAR = 1868, 2200  # 明治元年 … far beyond any booking: dates the calendar code can count with

_ARGPARSE_JA = [
    (re.compile(r"^the following arguments are required: (.+)$"), "次の指定が必要です：{0}"),
    (re.compile(r"^unrecognized arguments: (.+)$"), "分からない引数があります：{0}"),
    (re.compile(r"^argument (\S+): invalid choice: (.+?) \(choose from (.+)\)$"),
     "{0} に {1} は使えません（{2} のどれかです。invalid choice: {1}）"),
    (re.compile(r"^argument (\S+): expected one argument$"), "{0} の後に値を指定してください"),
    (re.compile(r"^argument (\S+): invalid (\w+) value: (.+)$"), "{0} の値 {2} が読めません"),
    (re.compile(r"^argument (\S+): not allowed with argument (\S+)$"), "{0} と {1} は一緒に使えません"),
    (re.compile(r"^argument (\S+): (.+)$"), "{0}：{1}"),
]


def japanese(message: str) -> str:
    for pattern, text in _ARGPARSE_JA:
        m = pattern.match(message)
        if m:
            return text.format(*m.groups())
    return message


class JapaneseArgumentParser(argparse.ArgumentParser):
    """argparse, but a mistake is one Japanese line (``okuyami cases list: --limit：…``) and exit 2."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        print(f"{self.prog}: {japanese(message)}（--help で使い方を表示します）", file=sys.stderr)
        sys.exit(2)


def date_arg(text: str) -> dt.date:
    """A date as a clerk types it (2026-11-15, R8.11.15, 令和8年11月15日 …), within 1868–2200."""
    from .core.wareki import parse_date

    try:
        day = parse_date(text)
    except (ValueError, OverflowError) as exc:
        raise argparse.ArgumentTypeError(f"日付が読めません：{text}（{exc}）") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"日付 {text} は扱える範囲（{FIRST_YEAR}年〜{LAST_YEAR}年）の外です")
    return day


def int_arg(what: str, lo: int, hi: int):
    """An argparse type: an integer from ``lo`` to ``hi`` (full-width digits too), else a Japanese line."""

    def parse(text: str) -> int:
        t = unicodedata.normalize("NFKC", text).strip()
        if not re.fullmatch(r"[+-]?\d+", t):
            raise argparse.ArgumentTypeError(f"{what}は整数で指定してください（{text}）")
        if len(t) > 20 or not lo <= int(t) <= hi:
            raise argparse.ArgumentTypeError(f"{what}は{lo}から{hi}までです（{text[:30]}）")
        return int(t)

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def undecodable_argument(argv: list[str]) -> int | None:
    """The position (1-based) of the first argument holding bytes that are not UTF-8 (Python keeps them as
    surrogates), unless it names an existing file (a path may be in any encoding); None when all are text."""
    for i, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            if os.path.exists(arg):
                continue
            return i
    return None
