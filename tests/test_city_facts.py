"""A city's own facts (contract §2): declared by the question that asks them, refused when they collide with the
contract's names, accepted in case files and scenarios evaluated with that rulebook only; and the registry of
derived facts (contract §3) that the engine, ``rules check`` and the docs share."""

import datetime as dt
import re
from pathlib import Path

import pytest

from okuyami.core.case import parse_case_text
from okuyami.core.engine import CaseDates, Session, evaluate
from okuyami.core.facts import DERIVED, FACTS
from okuyami.core.problems import InvalidInput
from okuyami.core.rulebook import check_rulebook, load_rulebook
from okuyami.core.scenarios import run_all

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)

KEIRO_QUESTION = """
  - fact: keiro_pass
    type: bool
    meaning: 敬老パスの交付を受けていた
    text: 敬老パス（市バスの無料乗車証）をお持ちでしたか？
    ask_when: {age_at_death: {at_least: 70}}
    if_not_asked: false
  - fact: pass_kind
    choices: {bus: バスのみ, all: バス・地下鉄}
    text: 敬老パスの種類は？
    ask_when: {keiro_pass: true}
    if_not_asked: not_applicable
  - fact: pass_issued
    type: date
    text: 敬老パスの交付日は？
    ask_when: {keiro_pass: true}
    if_not_asked: not_applicable
"""

KEIRO_PROCEDURE = """
  - code: keiro_pass_henkyaku
    title: 敬老パスの返却
    counter: kourei
    when:
      all:
        - keiro_pass: true
        - any:
            - pass_kind: all
            - pass_issued: {at_least: 2020-04-01}
    deadline: {text: 速やかに}
    bring: [敬老パス]
    provenance:
      basis: サンプル市敬老乗車証交付要綱
      source: 高齢福祉課
      verified: 2026-11-20
"""


def add_keiro(rules_yaml: Path) -> None:
    text = rules_yaml.read_text(encoding="utf-8")
    rules_yaml.write_text(text.replace("\ninclude:\n", KEIRO_QUESTION + "\ninclude:\n"), encoding="utf-8")
    kourei = rules_yaml.parent / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8") + KEIRO_PROCEDURE, encoding="utf-8")


def errors(rules_yaml: Path) -> list[str]:
    _, problems = check_rulebook(rules_yaml, today=TODAY)
    return [str(p) for p in problems.sorted() if p.severity == "error"]


CASE = """format: okuyami-case/1
deceased: {{name: 試験 太郎, birth_date: {birth}, death_date: 2026-11-15}}
facts: {{{facts}}}
"""


def test_city_fact_declared_used_and_evaluated(rules_copy):
    add_keiro(rules_copy)
    assert errors(rules_copy) == []
    book = load_rulebook(rules_copy)
    assert book.facts["keiro_pass"].city and book.facts["pass_issued"].kind == "date"
    assert "keiro_pass" not in FACTS  # the contract's catalogue is untouched
    case = parse_case_text(CASE.format(birth="1940-01-01", facts="keiro_pass: true, pass_issued: 2021-05-01"),
                           today=TODAY, facts=book.facts)
    result = evaluate(book, case)
    keiro = {p.code: p for p in result.procedures}["keiro_pass_henkyaku"]
    assert keiro.status == "required"
    assert "敬老パスの交付を受けていた" in keiro.reasons[0]
    # pass_kind: still open while the date alone decides nothing
    session = Session(book, CaseDates(dt.date(1940, 1, 1), dt.date(2026, 11, 15)), {"keiro_pass": True})
    assert "pass_kind" in session.result.pending_questions
    # under 70: never asked, never applies
    young = Session(book, CaseDates(dt.date(1960, 1, 1), dt.date(2026, 11, 15)), {})
    assert "keiro_pass" not in young.result.pending_questions


def test_city_fact_in_a_case_file_with_another_rulebook_is_a_located_error(rules_copy):
    with pytest.raises(InvalidInput) as exc:
        parse_case_text(CASE.format(birth="1940-01-01", facts="keiro_pass: true"), "case.yaml", today=TODAY,
                        facts=load_rulebook(ROOT / "rules.yaml").facts)
    assert str(exc.value.problems[0]).startswith("case.yaml:3:9: 事実名 'keiro_pass' はありません。市独自の事実なら、"
                                                 "そのルールを --rules で指定してください")


def test_city_fact_wrong_value_in_case(rules_copy):
    add_keiro(rules_copy)
    book = load_rulebook(rules_copy)
    with pytest.raises(InvalidInput) as exc:
        parse_case_text(CASE.format(birth="1940-01-01", facts="pass_kind: subway"), "case.yaml", today=TODAY,
                        facts=book.facts)
    assert "'pass_kind'には bus・all・unknown のどれか を書きます（今は 'subway'）" in str(exc.value.problems[0])


def test_collision_with_the_contract_is_refused_located(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("\ninclude:\n", """
  - fact: car
    type: bool
    text: 車をお持ちでしたか？
  - fact: age_at_death
    type: count
    text: 何歳でしたか？
\ninclude:\n"""), encoding="utf-8")
    lines = rules_copy.read_text(encoding="utf-8").splitlines()
    car = next(i for i, line in enumerate(lines, 1) if line == "  - fact: car" and "type: bool" in lines[i])
    got = errors(rules_copy)
    assert any(m.endswith(f"rules.yaml:{car + 1}:5: 'car' は契約（§2）の事実（「普通自動車を所有していた」）なので、型は決まっています。"
                          "'type:' を消すか、市独自の事実には別の名前を付けてください（例：city_car） [contract fact type]")
               for m in got), got
    assert any(re.search(r"rules.yaml:\d+:5: 'age_at_death' はエンジンが計算する事実（契約§3）", m) for m in got)


def test_unknown_fact_without_type_says_how_to_declare_it(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("\ninclude:\n", "\n  - fact: hochouki\n    text: 補聴器？\n\ninclude:\n"),
                          encoding="utf-8")
    assert any("事実名 'hochouki' はありません。市独自の事実なら、質問に 'type: bool'" in m
               for m in errors(rules_copy))


def test_scenario_may_carry_a_city_fact(rules_copy):
    add_keiro(rules_copy)
    (rules_copy.parent / "rules" / "scenarios" / "keiro.yaml").write_text("""scenarios:
  - name: 敬老パス（80歳）
    today: 2026-11-22
    case:
      deceased: {name: 木村 茂, birth_date: 1946-01-01, death_date: 2026-11-15}
      facts: {keiro_pass: true, pass_kind: all}
    expect:
      required: [keiro_pass_henkyaku]
""", encoding="utf-8")
    outcomes, problems = run_all(load_rulebook(rules_copy))
    assert not problems.errors
    by_name = {o.name: o for o in outcomes}
    assert by_name["敬老パス（80歳）"].passed
    # the department's new question shows up where a scenario fixed every pending question
    assert by_name["すべて答えた80歳 → 残る質問なし"].failures[0].endswith("['keiro_pass'] です [scenario]")


def test_derive_reads_only_what_the_intake_gives(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("{when: {funeral_date_given: true}, value: true}",
                                       "{when: {car: true}, value: true}"), encoding="utf-8")
    assert any("'derive:' の条件には受付票から決まる事実" in m and "car" in m for m in errors(rules_copy))


def test_registry_is_documented():
    """Every derived fact of the registry is in docs/rules-format.md with its Japanese meaning."""
    doc = (ROOT / "docs" / "rules-format.md").read_text(encoding="utf-8")
    for name, d in DERIVED.items():
        assert f"`{name}`" in doc and d.fact.meaning in doc, name


def test_group_holds_yes_no_questions_only(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("    hint: 同じ世帯に残る方のうち", "    group: 世帯\n    hint: 同じ世帯に残る方のうち", 1)
                          if "    hint: 同じ世帯に残る方のうち" in text else
                          text.replace("  - fact: household_remaining_15plus\n",
                                       "  - fact: household_remaining_15plus\n    group: 世帯\n", 1), encoding="utf-8")
    assert any("チェックリスト（'group:'）に入れられません" in m for m in errors(rules_copy))


def test_intake_derived_answers_and_the_explicit_answer_wins():
    """contract §3: a funeral date answers funeral_held (and 死亡届), a wife or husband at the counter answers
    surviving_spouse; an explicit answer wins."""
    book = load_rulebook(ROOT / "rules.yaml")
    dates = CaseDates(dt.date(1941, 3, 2), dt.date(2026, 11, 15), dt.date(2026, 11, 18), "male", "夫")
    s = Session(book, dates)
    pending = s.result.pending_questions
    assert not {"funeral_held", "surviving_spouse", "death_registered"} & set(pending)
    s.answer("funeral_held", False)  # the funeral was cancelled: the clerk's answer wins
    s.answer("welfare_recipient", False)
    assert "kouki_sosaihi" not in s.result.codes()
    son = Session(book, CaseDates(dt.date(1941, 3, 2), dt.date(2026, 11, 15), None, "male", "長男"))
    assert {"funeral_held", "surviving_spouse", "death_registered"} <= set(son.result.pending_questions)
