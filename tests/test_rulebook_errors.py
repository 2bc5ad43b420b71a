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
        f"rules/hoken_nenkin.yaml:{n}:12: 事実名 'health_insurancee' はありません（'health_insurance' のことですか？）。"
        "正しい事実名に直してください（手引き3章の表） [unknown fact]"]


def test_unknown_enum_value(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "hoken_nenkin.yaml"
    edit(f, "when: {health_insurance: kokuho}", "when: {health_insurance: kokuhoo}")
    (msg,) = messages(rules_copy)
    assert "'health_insurance' は kokuho, kouki" in msg and "（'kokuho' のことですか？）" in msg and msg.endswith("[wrong value]")


def test_unknown_counter_and_department(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "counter: kaigo\n", "counter: kaigoo\n")
    edit(rules_copy, "    department: kourei\n", "    department: koorei\n")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/kaigo.yaml:\d+:14: 窓口 'kaigoo' は rules.yaml の 'counters:' にありません（'kaigo' のことですか？）", m)
               for m in msgs)
    assert any(re.match(r"rules.yaml:\d+:17: 課 'koorei' は rules.yaml の 'departments:' にありません（'kourei' のことですか？）", m)
               for m in msgs)


def test_duplicate_code_across_files(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    edit(f, "code: koureisha_service", "code: kaigo_soshitsu")
    (msg,) = messages(rules_copy)
    assert re.fullmatch(r"rules/kourei.yaml:\d+:11: 手続きコード 'kaigo_soshitsu' がもう一度使われています"
                        r"（最初は rules/kaigo.yaml:\d+:11）。どちらかのコードを変えてください \[duplicate code\]", msg)


def test_yaml_traps_and_duplicate_keys_and_wrong_types(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "        - kaigo_application_pending: true", "        - kaigo_application_pending: yes")
    edit(f, "deadline: {days: 14}", 'deadline: {days: "14"}')
    edit(rules_copy, "    number: 7\n", "    number: 07\n")
    edit(rules_copy, "    floor: 1階\n    number: 6\n", "    floor: 1階\n    floor: 2階\n    number: 6\n")
    msgs = messages(rules_copy)
    assert len(msgs) == 4, msgs
    assert any("'yes' は読み手によって意味が変わります" in m and m.startswith("rules/kaigo.yaml:") for m in msgs)
    assert any("'days'（期限の日数）には 整数 を書きます（今は '14'）。引用符を外してください [wrong type]" in m for m in msgs)
    assert any("'07' は先頭が0の数です" in m and "数なら 7" in m for m in msgs)
    assert any("キー 'floor' が重複しています" in m for m in msgs)


def test_unknown_key_is_refused(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    edit(f, "    deadline: {text: 速やかに}", "    deadlin: {text: 速やかに}")
    msgs = messages(rules_copy)
    # the typo is the cause: "'deadline' is missing" would only say it again
    assert msgs == [m for m in msgs if "未知のキー 'deadlin'（'deadline' のことですか？）" in m], msgs


def test_procedure_that_refers_to_itself(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}", "when: {all: [{applies: kaigo_hokenryo}]}")
    (msg,) = messages(rules_copy)
    assert re.fullmatch(r"rules/kaigo.yaml:\d+:\d+: 'applies:' が輪になっています：kaigo_hokenryo → kaigo_hokenryo。"
                        r".* \[applies loop\]", msg)


def test_procedures_in_a_loop(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}", "when: {applies: kougaku_kaigo}")
    edit(f, "        - high_care_costs: true", "        - applies: kaigo_hokenryo")
    msgs = messages(rules_copy)
    loops = [m for m in msgs if m.endswith("[applies loop]")]
    assert len(loops) == 1 and ("kaigo_hokenryo → kougaku_kaigo → kaigo_hokenryo" in loops[0]
                                or "kougaku_kaigo → kaigo_hokenryo → kougaku_kaigo" in loops[0]), msgs


def test_question_that_refers_to_itself(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy, "    ask_when: {spouse_filing_wish: true}\n", "    ask_when: {spouse_restores_surname: true}\n")
    msgs = messages(rules_copy)
    assert any("質問の 'ask_when:' が輪になっています：spouse_restores_surname → spouse_restores_surname" in m
               and m.startswith("rules.yaml:") for m in msgs), msgs


def test_unreachable_procedure(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "        - kaigo_application_pending: true", "        - age_at_death: {below: 30}")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/kaigo.yaml:\d+:7: 手続き 'kaigo_torisage' は、どんな答えでも対象になりません", m)
               for m in msgs), msgs


def test_unreachable_through_derived_fact(rules_copy, monkeypatch):
    """kaigo_insured is always true from 65, so 'kaigo_insured: false' with age ≥ 70 can never hold."""
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kaigo.yaml"
    edit(f, "when: {age_at_death: {at_least: 65}}",
         "when: {all: [{age_at_death: {at_least: 70}}, {kaigo_insured: false}]}")
    msgs = messages(rules_copy)
    assert any("'kaigo_hokenryo' は、どんな答えでも対象になりません" in m for m in msgs), msgs


def test_question_nothing_uses(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "nourin.yaml"
    edit(f, "when: {forest: true}", "when: {farmland: true}")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules.yaml:\d+:\d+: 'forest' の質問はどの手続きの条件にも使われていません", m) for m in msgs)


def test_fact_without_a_question(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    text = rules_copy.read_text(encoding="utf-8")
    start = text.index("  - fact: forest\n")
    end = text.index("  - fact: moped_or_small_special\n")
    rules_copy.write_text(text[:start] + text[end:], encoding="utf-8")
    msgs = messages(rules_copy)
    assert any(re.match(r"rules/nourin.yaml:\d+:\d+: 'forest' を聞く質問がありません", m) for m in msgs), msgs


def test_bad_yaml_syntax_is_located_and_others_still_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy.parent / "rules" / "kourei.yaml", "    forms: [koureisha_service]", "    forms: [koureisha_service")
    edit(rules_copy.parent / "rules" / "juutaku.yaml", "counter: juutaku", "counter: jutaku")
    msgs = messages(rules_copy)
    assert msgs[0].startswith("rules/kourei.yaml:") and "ここで始まる [ が閉じられていません" in msgs[0]  # the cause first
    assert any(m.startswith("rules/juutaku.yaml:") and "窓口 'jutaku' は" in m for m in msgs)


def test_missing_included_file(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    edit(rules_copy, "  - rules/nourin.yaml\n", "  - rules/norin.yaml\n")
    msgs = messages(rules_copy)
    assert msgs == [m for m in msgs if "ファイル 'rules/norin.yaml' がありません。名前と場所を確かめてください"
                    "（'rules/nourin.yaml' のことですか？）" in m], msgs  # and nothing that follows from it


def test_cli_exit_code_and_no_traceback(rules_copy, monkeypatch):
    edit(rules_copy.parent / "rules" / "kourei.yaml", "when: {elderly_services: true}", "when: {elderly_service: true}")
    edit(rules_copy, "    number: 7\n", "    number: 07\n")
    proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", str(rules_copy)],
                          capture_output=True, text=True, cwd=rules_copy.parent)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert re.match(r"rules.yaml:\d+:13: '07' は先頭が0の数です", lines[0])
    assert re.match(r"rules/kourei.yaml:\d+:12: 事実名 'elderly_service' はありません（'elderly_services' のことですか？）",
                    lines[1])
    assert lines[-1].startswith("誤り 2件：直すまで、このルールは使えません")


def test_rules_not_found(tmp_path):
    book, problems = check_rulebook(tmp_path / "nothing.yaml")
    assert book is None and "ファイル 'nothing.yaml' がありません" in str(problems.errors[0]) \
        or "nothing.yaml' がありません" in str(problems.errors[0])


def test_provenance_warnings_name_the_department(rules_copy, monkeypatch):
    import datetime as dt

    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("      source: procedures.md §6-F #41 [S85]\n", ""),
                 encoding="utf-8")
    book, problems = check_rulebook(rules_copy, today=dt.date(2026, 11, 22))
    assert book is not None and problems.errors == []
    (w,) = [str(p) for p in problems.warnings]
    assert re.match(r"rules/kourei.yaml:\d+:11: 警告: 手続き 'koureisha_service' の出典（provenance:）に 出典（source） "
                    r"がありません — 高齢福祉課：", w)
    book, problems = check_rulebook(rules_copy, today=dt.date(2027, 12, 1))  # a year later: everything is stale
    stale = [str(p) for p in problems.warnings if "最後の確認は 2026-11-01" in str(p)]
    assert len(stale) == len(book.rules)
    assert any("保険年金課：今の法令・様式と照らし合わせてください" in s for s in stale)
    proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", str(rules_copy)],
                          capture_output=True, text=True, cwd=rules_copy.parent,
                          env={**__import__("os").environ, "OKUYAMI_TODAY": "2026-11-22"})
    assert proc.returncode == 0 and "警告 1件" in proc.stdout and "警告: 手続き 'koureisha_service'" in proc.stderr
