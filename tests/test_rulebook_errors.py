"""A department's mistakes become located, actionable errors — all of them in one run, never a traceback."""

import re
import subprocess
import sys
from pathlib import Path


from okuyami.core.rulebook import check_rulebook


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def messages(rules_yaml: Path) -> list[str]:
    book, problems = check_rulebook(rules_yaml)
    return [str(p) for p in problems.sorted() if p.severity == "error"]


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_default_rulebook_is_clean(rules_copy):
    assert messages(rules_copy) == []


def test_unknown_fact_with_did_you_mean(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "hoken_nenkin.yaml"
    edit(f, "when: {health_insurance: kokuho}", "when: {health_insurancee: kokuho}")
    n = line_of(f, "health_insurancee")
    assert messages(rules_copy) == [
        f"rules/hoken_nenkin.yaml:{n}:12: unknown fact 'health_insurancee' (did you mean 'health_insurance'?)"]


def test_unknown_enum_value(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "hoken_nenkin.yaml"
    edit(f, "when: {health_insurance: kokuho}", "when: {health_insurance: kokuhoo}")
    (msg,) = messages(rules_copy)
    assert "'health_insurance' is one of kokuho, kouki" in msg and "(did you mean 'kokuho'?)" in msg


def test_unknown_counter_and_department(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "counter: kaigo\n", "counter: kaigoo\n")
    edit(rules_copy, "    department: kourei\n", "    department: koorei\n")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/kaigo.yaml:\d+:14: unknown counter 'kaigoo' \(did you mean 'kaigo'\?\)", m) for m in msgs)
    assert any(re.match(r"rules.yaml:\d+:17: unknown department 'koorei' \(did you mean 'kourei'\?\)", m) for m in msgs)


def test_duplicate_code_across_files(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    edit(f, "code: koureisha_service", "code: kaigo_soshitsu")
    (msg,) = messages(rules_copy)
    assert re.fullmatch(r"rules/kourei.yaml:\d+:11: duplicate procedure code 'kaigo_soshitsu' "
                        r"\(first at rules/kaigo.yaml:\d+:11\)", msg)


def test_yaml_traps_and_duplicate_keys_and_wrong_types(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "        - kaigo_application_pending: true", "        - kaigo_application_pending: yes")
    edit(f, "deadline: {days: 14}", 'deadline: {days: "14"}')
    edit(rules_copy, "    number: 7\n", "    number: 07\n")
    edit(rules_copy, "    floor: 1階\n    number: 6\n", "    floor: 1階\n    floor: 2階\n    number: 6\n")
    msgs = messages(rules_copy)
    assert len(msgs) == 4, msgs
    assert any("'yes' is ambiguous in YAML" in m and m.startswith("rules/kaigo.yaml:") for m in msgs)
    assert any("'days' must be a whole number, not '14'" in m for m in msgs)
    assert any("'07' has a leading zero" in m and "write 7" in m for m in msgs)
    assert any("duplicate key 'floor'" in m for m in msgs)


def test_unknown_key_is_refused(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    edit(f, "    deadline: {text: 速やかに}", "    deadlin: {text: 速やかに}")
    msgs = messages(rules_copy)
    assert any("unknown key 'deadlin' (did you mean 'deadline'?)" in m for m in msgs)
    assert any("missing key 'deadline'" in m for m in msgs)


def test_procedure_that_refers_to_itself(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}", "when: {all: [{applies: kaigo_hokenryo}]}")
    (msg,) = messages(rules_copy)
    assert re.fullmatch(r"rules/kaigo.yaml:\d+:\d+: procedure 'kaigo_hokenryo' refers to itself: "
                        r"kaigo_hokenryo → kaigo_hokenryo", msg)


def test_procedures_in_a_loop(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}", "when: {applies: kougaku_kaigo}")
    edit(f, "        - high_care_costs: true", "        - applies: kaigo_hokenryo")
    msgs = messages(rules_copy)
    assert any("is part of a loop" in m for m in msgs), msgs


def test_question_that_refers_to_itself(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy, "    ask_when: {spouse_filing_wish: true}\n", "    ask_when: {spouse_restores_surname: true}\n")
    msgs = messages(rules_copy)
    assert any("question refers to itself: spouse_restores_surname → spouse_restores_surname" in m
               and m.startswith("rules.yaml:") for m in msgs), msgs


def test_unreachable_procedure(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "        - kaigo_application_pending: true", "        - age_at_death: {below: 30}")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/kaigo.yaml:\d+:7: procedure 'kaigo_torisage' can never apply", m) for m in msgs), msgs


def test_unreachable_through_derived_fact(rules_copy, monkeypatch):
    """kaigo_insured is always true from 65, so 'kaigo_insured: false' with age ≥ 70 can never hold."""
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}",
         "when: {all: [{age_at_death: {at_least: 70}}, {kaigo_insured: false}]}")
    msgs = messages(rules_copy)
    assert any("'kaigo_hokenryo' can never apply" in m for m in msgs), msgs


def test_question_nothing_uses(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "nourin.yaml"
    edit(f, "when: {forest: true}", "when: {farmland: true}")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules.yaml:\d+:\d+: the question for 'forest' is not used by any procedure", m) for m in msgs)


def test_fact_without_a_question(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    text = rules_copy.read_text(encoding="utf-8")
    start = text.index("  - fact: forest\n")
    end = text.index("  - fact: moped_or_small_special\n")
    rules_copy.write_text(text[:start] + text[end:], encoding="utf-8")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/nourin.yaml:\d+:\d+: no question asks 'forest'", m) for m in msgs), msgs


def test_bad_yaml_syntax_is_located_and_others_still_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy.parent / "rules" / "kourei.yaml", "    forms: [koureisha_service]", "    forms: [koureisha_service")
    edit(rules_copy.parent / "rules" / "juutaku.yaml", "counter: juutaku", "counter: jutaku")
    msgs = messages(rules_copy)
    assert any(m.startswith("rules/kourei.yaml:") and "YAML syntax error" in m for m in msgs)
    assert any(m.startswith("rules/juutaku.yaml:") and "unknown counter 'jutaku'" in m for m in msgs)


def test_missing_included_file(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy, "  - rules/nourin.yaml\n", "  - rules/norin.yaml\n")
    msgs = messages(rules_copy)
    assert any("included file 'rules/norin.yaml' not found (did you mean 'rules/nourin.yaml'?)" in m for m in msgs)


def test_cli_exit_code_and_no_traceback(rules_copy, monkeypatch):
    edit(rules_copy.parent / "rules" / "kourei.yaml", "when: {elderly_services: true}", "when: {elderly_service: true}")
    edit(rules_copy, "    number: 7\n", "    number: 07\n")
    proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", str(rules_copy)],
                          capture_output=True, text=True, cwd=rules_copy.parent)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert re.match(r"rules.yaml:\d+:13: '07' has a leading zero", lines[0])
    assert re.match(r"rules/kourei.yaml:\d+:12: unknown fact 'elderly_service' \(did you mean 'elderly_services'\?\)", lines[1])
    assert lines[-1] == "2 errors: the rulebook cannot be used until they are fixed"


def test_rules_not_found(tmp_path):
    book, problems = check_rulebook(tmp_path / "nothing.yaml")
    assert book is None and "rulebook not found" in str(problems.errors[0])


def test_provenance_warnings_name_the_department(rules_copy, monkeypatch):
    import datetime as dt

    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("      source: procedures.md §6-F #41 [S85]\n", ""),
                 encoding="utf-8")
    book, problems = check_rulebook(rules_copy, today=dt.date(2026, 11, 22))
    assert book is not None and problems.errors == []
    (w,) = [str(p) for p in problems.warnings]
    assert re.match(r"rules/kourei.yaml:\d+:11: warning: procedure 'koureisha_service' has no source in its "
                    r"provenance — 高齢福祉課", w)
    book, problems = check_rulebook(rules_copy, today=dt.date(2027, 12, 1))  # a year later: everything is stale
    stale = [str(p) for p in problems.warnings if "last verified on 2026-11-01" in str(p)]
    assert len(stale) == len(book.rules)
    assert any("保険年金課: check it against the current law" in s for s in stale)
    proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", str(rules_copy)],
                          capture_output=True, text=True, cwd=rules_copy.parent,
                          env={**__import__("os").environ, "OKUYAMI_TODAY": "2026-11-22"})
    assert proc.returncode == 0 and "1 warnings" in proc.stdout and "warning: procedure 'koureisha_service'" in proc.stderr
