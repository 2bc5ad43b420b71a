"""Fast, forgiving input (okuyami/store/workflow.py): short dates, full-width digits, plain Japanese problems."""

import datetime as dt

import pytest

from okuyami.store.cases import CaseRow
from okuyami.store.workflow import (check_field, parse_count, parse_short_date, plain_problem, printer_offset_mm,
                                    to_case)

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize("text, expected", [
    ("11/14", dt.date(2026, 11, 14)), ("１１/１４", dt.date(2026, 11, 14)), ("11月18日", dt.date(2026, 11, 18)), ("11月23日", dt.date(2025, 11, 23)),
    ("11月22日", dt.date(2026, 11, 22)), ("１２月２４日", dt.date(2025, 12, 24)), ("1.5", dt.date(2026, 1, 5)),
    ("11-3", dt.date(2026, 11, 3)), ("11月3", dt.date(2026, 11, 3)),
])
def test_short_dates_are_this_year_or_last(text, expected):
    assert parse_short_date(text, TODAY) == expected


def test_a_funeral_date_may_be_ahead_and_a_birth_date_needs_its_year():
    assert parse_short_date("11/28", TODAY, future_ok=True) == dt.date(2026, 11, 28)
    assert parse_short_date("1/3", TODAY, future_ok=True) == dt.date(2027, 1, 3)  # nearest to today
    row = CaseRow.__new__(CaseRow)
    row.deceased, row.applicant, row.funeral = {"death_date": "2026-11-15"}, {}, {}
    assert check_field("funeral", "date", "11/18", row, TODAY).value == "2026-11-18"
    assert "年も入力" in check_field("deceased", "birth_date", "3/2", row, TODAY).error
    assert check_field("deceased", "death_date", "11/15", row, TODAY).value == "2026-11-15"
    assert "ありません" in check_field("deceased", "death_date", "2/30", row, TODAY).error
    assert parse_short_date("R8.11.15", TODAY) is None  # not short: the full parser reads it


@pytest.mark.parametrize("text, expected", [("2", 2), ("２", 2), ("２人", 2), (" 3 名", 3), ("0", 0), ("０", 0),
                                            ("21", None), ("二", None), ("", None), ("-1", None)])
def test_counts_read_full_width_digits(text, expected):
    assert parse_count(text) == expected


def test_printer_offset():
    assert printer_offset_mm({"OKUYAMI_PRINTER_OFFSET": "1.5,-0.8"}) == (1.5, -0.8)
    assert printer_offset_mm({"OKUYAMI_PRINTER_OFFSET": "１．５，－０．８"}) == (1.5, -0.8)
    assert printer_offset_mm({"OKUYAMI_PRINTER_OFFSET": "abc"}) == (0.0, 0.0)
    assert printer_offset_mm({}) == (0.0, 0.0)


def test_problems_read_as_plain_japanese():
    gaiji = plain_problem("deceased.name 「𠮷田 太郎」: '𠮷' (U+20BB7) is not in the font BIZUDGothic-Regular and would "
                          "print as a blank — write a standard form")
    assert gaiji.startswith("故人の氏名「𠮷田 太郎」の 「𠮷」（U+20BB7）：この文字は印刷できません")
    assert "font" not in gaiji and "deceased" not in gaiji
    template = plain_problem("guidance: intro: '✕' (U+2715) not in the font HeiseiKakuGo-W5")
    assert template.startswith("案内票や申請書の決まった文言に") and "システム担当者" in template
    other = plain_problem("forms_templates/x.yaml: broken")
    assert other.startswith("印刷の準備ができませんでした") and "担当者向け" in other


def test_case_errors_are_japanese():
    row = CaseRow.__new__(CaseRow)
    row.deceased = {"name": "山田 太郎", "birth_date": "1950-01-01", "death_date": "2026-11-15", "sex": "x"}
    row.applicant, row.funeral, row.answers = {}, {}, {}
    case, problems = to_case(row)
    assert case is None and problems == ["故人の性別の入力を確認してください"]
