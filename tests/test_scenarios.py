"""The scenario tests beside the rules run under pytest too (one test per scenario), and can fail."""

from pathlib import Path

import pytest

from okuyami.core.problems import Problems
from okuyami.core.rulebook import load_rulebook
from okuyami.core.scenarios import load_scenarios, run_file

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_CODES = """shibou_todoke kasou_kyoka setainushi_henko inkan_haishi mynumber_henno joseki_shomei fukuji_todoke
inzoku_shuryo kokuho_soshitsu kokuho_setainushi kokuho_sosaihi kouki_soshitsu kouki_sosaihi kouki_sozokunin
kougaku_ryouyouhi nenkin_shibou_todoke mishikyu_nenkin izoku_kiso_nenkin kafu_nenkin shibou_ichijikin kaigo_soshitsu
kaigo_torisage kaigo_hokenryo kougaku_kaigo juminzei_daihyo koteishisan_daihyo mitouki_kaoku gentsuki shougai_techou
shougai_jukyusha shougai_teate koureisha_service jidou_teate jidou_fuyou_teate kodomo_iryou seikatsu_hogo
shiei_juutaku suidou_meigi inu_touroku bochi_meigi nouchi_todoke shinrin_todoke kenpo_maisouryo izoku_kousei_nenkin
zairyu_card kei_jidosha jidosha_iten jun_kakutei souzokuzei kojin_jigyo souzoku_houki souzoku_touki""".split()

_BOOK = load_rulebook(ROOT / "rules.yaml")
_FILES = _BOOK.scenario_paths()


def _all_scenarios():
    for path in _FILES:
        doc, spec = load_scenarios(path, Problems())
        for sc in spec.scenarios:
            yield pytest.param(path, sc.name, id=f"{path.stem}:{sc.name[:40]}")


@pytest.mark.parametrize("path, name", list(_all_scenarios()))
def test_scenario(path, name):
    problems = Problems()
    outcomes = [o for o in run_file(_BOOK, path, problems) if o.name == name]
    assert not problems.errors, [str(p) for p in problems.errors]
    assert len(outcomes) == 1
    assert outcomes[0].failures == []


def test_at_least_20_scenarios():
    assert len(list(_all_scenarios())) >= 20


def test_every_contract_code_exists(book):
    missing = [c for c in CONTRACT_CODES if c not in book.rules]
    assert missing == []


def test_every_department_and_every_procedure_is_exercised(book):
    """Each procedure of the default rulebook is required in at least one scenario."""
    seen = set()
    for path in _FILES:
        doc, spec = load_scenarios(path, Problems())
        for sc in spec.scenarios:
            seen.update(sc.expect.required)
    assert sorted(set(book.rules) - seen) == []
    departments = {book.root.counters[r.spec.counter].department for r in book.rules.values() if r.spec.counter}
    assert departments == set(book.root.departments)


def test_a_wrong_expectation_fails_with_a_located_message(tmp_path):
    src = (ROOT / "rules" / "scenarios" / "shimin.yaml").read_text(encoding="utf-8")
    broken = src.replace("deadlines: {setainushi_henko: 2026-11-24}", "deadlines: {setainushi_henko: 2026-11-23}")
    broken = broken.replace("required: [joseki_shomei]\n      absent: [setainushi_henko]",
                            "required: [joseki_shomei, setainushi_henko]", 1)
    path = tmp_path / "shimin.yaml"
    path.write_text(broken, encoding="utf-8")
    problems = Problems()
    outcomes = run_file(_BOOK, path, problems)
    failed = [o for o in outcomes if not o.passed]
    assert len(failed) == 2
    text = "\n".join(f for o in failed for f in o.failures)
    assert "'setainushi_henko' の期限は 2026-11-23 のはずですが、2026-11-24 です [scenario]" in text
    assert "'setainushi_henko' は required（要） のはずですが、出てきません [scenario]" in text
    assert f"{path}:11:37: 'setainushi_henko' の期限は" in text  # located on the expectation itself


def test_unknown_code_in_a_scenario_is_reported(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: x\n    case: {deceased: {name: 山田 太郎, birth_date: 1950-01-01, "
                    "death_date: 2026-11-01}}\n    expect: {required: [setainushi_henk]}\n", encoding="utf-8")
    problems = Problems()
    (outcome,) = run_file(_BOOK, path, problems)
    assert not outcome.passed and "実行できません" in outcome.failures[0]
    assert "手続きコード 'setainushi_henk' はルールにありません（'setainushi_henko' のことですか？）" in str(problems.errors[0])
