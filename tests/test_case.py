"""The case file (contract §1): invalid input is a located error, nothing is evaluated."""

import datetime as dt

import pytest

from okuyami.core.case import parse_case_text
from okuyami.core.problems import InvalidInput

TODAY = dt.date(2026, 11, 22)
GOOD = """format: okuyami-case/1
deceased:
  name: 山田 太郎
  kana: ヤマダ タロウ
  sex: male
  birth_date: 1941-03-02
  death_date: 2026-11-15
applicant:
  name: 山田 花子
  relationship: 妻
  phone: 090-1234-5678
facts:
  health_insurance: kouki
  was_household_head: true
  household_remaining_15plus: 1
  funeral_held: unknown
"""


def errors(text):
    with pytest.raises(InvalidInput) as exc:
        parse_case_text(text, "case.yaml", today=TODAY)
    return [str(p) for p in exc.value.problems]


def test_good_case():
    case = parse_case_text(GOOD, "case.yaml", today=TODAY)
    assert case.age_at_death == 85
    assert case.facts["funeral_held"] == "unknown"


def test_unknown_fact_names_line_and_key():
    assert errors(GOOD.replace("  funeral_held: unknown", "  funeral_hold: true")) == [
        "case.yaml:16:3: 事実名 'funeral_hold' はありません（'funeral_held' のことですか？）。正しい事実名に直してください "
        "[unknown fact]"]


def test_wrong_fact_type():
    assert errors(GOOD.replace("household_remaining_15plus: 1", "household_remaining_15plus: two")) == [
        "case.yaml:15:31: 'household_remaining_15plus'には 0〜999の整数 を書きます（今は 'two'） [wrong type]"]
    assert errors(GOOD.replace("household_remaining_15plus: 1", "household_remaining_15plus: unknown")) == [
        "case.yaml:15:31: 'household_remaining_15plus'には 0〜999の整数 を書きます（今は 'unknown'） [wrong type]"]
    assert errors(GOOD.replace("household_remaining_15plus: 1", "household_remaining_15plus: 100000000000000000000000")) == [
        "case.yaml:15:31: 'household_remaining_15plus'には 0〜999の整数 を書きます（今は 100,000,000,000,000,000,000,000） "
        "[wrong type]"]  # a typo is refused, not carried to the counter
    (msg,) = errors(GOOD.replace("health_insurance: kouki", "health_insurance: kokuhoo"))
    assert msg.startswith("case.yaml:13:21: 'health_insurance'には kokuho・kouki・employee・employee_dependent・none・unknown "
                          "のどれか を書きます（今は 'kokuhoo'）")


def test_impossible_date():
    assert errors(GOOD.replace("death_date: 2026-11-15", "death_date: 2026-02-30")) == [
        "case.yaml:7:15: '2026-02-30' という日付はありません。日付を確かめてください（YYYY-MM-DD） [impossible date]"]


def test_death_before_birth_and_in_future():
    assert errors(GOOD.replace("death_date: 2026-11-15", "death_date: 1940-01-01")) == [
        "case.yaml:7:15: 死亡日 1940-01-01 が生年月日 1941-03-02 より前です。日付を確かめてください [case]"]
    assert errors(GOOD.replace("death_date: 2026-11-15", "death_date: 2026-11-23")) == [
        "case.yaml:7:15: 死亡日 2026-11-23 が今日（2026-11-22）より後です。日付を確かめてください [case]"]


def test_unknown_key_and_missing_key():
    msgs = errors(GOOD.replace("  sex: male\n", "  sexx: male\n").replace("  birth_date: 1941-03-02\n", ""))
    assert "case.yaml:5:3: 未知のキー 'sexx'（'sex' のことですか？）。正しいキー名に直してください [unknown key]" in msgs
    assert "case.yaml:3:3: 'deceased'に 'birth_date:' がありません。書き足してください [missing key]" in msgs


def test_name_and_kana_rules():
    (msg,) = errors(GOOD.replace("name: 山田 太郎", "name: '  '"))  # 山田太郎 without a space is accepted (§1)
    assert msg.startswith("case.yaml:3:9: 氏名は、氏と名をスペースで区切って書いてください")
    (msg,) = errors(GOOD.replace("kana: ヤマダ タロウ", "kana: やまだ たろう"))
    assert "フリガナはカタカナで" in msg
    case = parse_case_text(GOOD.replace("name: 山田 太郎", "name: 山田\u3000太郎").replace("kana: ヤマダ タロウ", "kana: ﾔﾏﾀﾞ ﾀﾛｳ"),
                           today=TODAY)
    assert case.deceased.kana == "ヤマダ タロウ"


def test_yaml_trap_in_case():
    assert errors(GOOD.replace("was_household_head: true", "was_household_head: yes")) == [
        "case.yaml:14:23: 'yes' は読み手によって意味が変わります。はい／いいえなら true、言葉なら \"yes\" と引用符で"
        "囲んでください [ambiguous boolean]"]


def test_wrong_format_version():
    (msg,) = errors(GOOD.replace("okuyami-case/1", "okuyami-case/2"))
    assert msg == "case.yaml:1:9: 'format:' は okuyami-case/1 と書きます [wrong format]"


import pytest as _pytest  # noqa: E402

from okuyami.core.case import split_name  # noqa: E402


@_pytest.mark.parametrize("name, kana, family, given", [
    ("山田 太郎", "ヤマダ タロウ", "山田", "太郎"),
    ("グエン ヴァン アン", "グエン ヴァン アン", "グエン", "ヴァン アン"),
    ("SMITH JOHN WILLIAM", None, "SMITH", "JOHN WILLIAM"),
    ("山田太郎", "ヤマダタロウ", "山田太郎", None),      # cannot be split: whole in the 氏 box
    ("山田\u3000花子", "ヤマダ\u3000ハナコ", "山田", "花子"),
])
def test_names_of_several_parts_latin_or_without_a_space(name, kana, family, given):
    """contract §1: one or more parts; Latin letters; kana may be omitted for a Latin name."""
    kana_line = f"\n  kana: {kana}" if kana else ""
    text = GOOD.replace("  name: 山田 太郎\n  kana: ヤマダ タロウ", f"  name: {name}{kana_line}")
    case = parse_case_text(text, "case.yaml", today=TODAY)
    assert case.deceased.name == name
    assert split_name(case.deceased.name) == (family, given)
