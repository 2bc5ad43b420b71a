"""A corpus of the mistakes a department clerk makes when editing rules.yaml or rules/ (issue 23), each run through
``rules check``: every one refused in Japanese, located at the line to edit, the cause first (no follow-on messages
about other files), no traceback, no hang. And the valid variants accepted: BOM, CRLF, a 5 MB file, anchors,
merge keys, compact lists.

Each case edits a fresh copy of the default rulebook and names the line the first message must point at (by a piece
of its text), and the kind of that message (the English key word in brackets)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from conftest import no_collector_pause

from okuyami.core.messages import CATALOGUE, kind_of
from okuyami.core.rulebook import check_rulebook

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def assert_japanese(problem: str) -> None:
    """A message a clerk can read: Japanese, with its key word from the catalogue, and no English sentence (words
    in quotes, such as a key or a value the clerk wrote, and the bracketed key word do not count)."""
    where, _, body = problem.partition(": ")
    assert body, problem
    assert JAPANESE.search(body), problem
    kind = kind_of(body)
    assert kind in CATALOGUE, problem
    prose = re.sub(r"'[^']*'|\"[^\"]*\"|\{[^}]*\}|\[[^\]]*\]", "", body)
    assert not ENGLISH_PHRASE.search(prose), problem
    assert "Traceback" not in body and "Error" not in body and "Input should" not in body


@dataclass
class Mistake:
    name: str
    file: str  # the file edited (relative to the rulebook's folder)
    edit: Callable[[str], str] | tuple[str, str] | bytes  # (old, new) on the text, a function, or raw bytes
    at: str  # the file the first message must name
    line: str | int | None  # a piece of the line it must point at (in the edited file), a line number, or None
    kind: str  # the key word of the first message
    only: bool = True  # the cause alone: no other error at all


def _bomb(text: str) -> str:
    lines = ['bomb0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"bomb{i}: &b{i} [" + ",".join([f"*b{i - 1}"] * 9) + "]")
    return text.replace("procedures:\n", "\n".join(lines) + "\nprocedures:\n", 1)


def _loop(*pairs: tuple[str, str]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        return text
    return edit


SHIBOU_WHEN = "    when: {death_registered: false}\n    deadline: {days: 7, count_first_day: true}"
KASOU_WHEN = "    when: {death_registered: false}\n    deadline: {text: 死亡届と同時に}"
SETAI_WHEN = "        - was_household_head: true\n        - household_remaining_15plus: {at_least: 2}"

MISTAKES = [
    # --- a file that cannot be read: the cause, alone ---------------------------------------------------------
    Mistake("tab", "rules/shimin.yaml", ("    title: 死亡届\n", "\ttitle: 死亡届\n"), "rules/shimin.yaml", "\ttitle", "tab"),
    Mistake("tab deeper", "rules/shimin.yaml", ("      - 届出人の印鑑（任意）\n", "    \t- 届出人の印鑑（任意）\n"),
            "rules/shimin.yaml", "\t- 届出人の印鑑", "tab"),
    Mistake("missing colon", "rules/shimin.yaml", ("    title: 死亡届\n", "    title 死亡届\n"), "rules/shimin.yaml",
            "title 死亡届", "missing colon"),
    Mistake("missing colon before a block", "rules/shimin.yaml", ("    bring:\n      - 死亡届", "    bring\n      - 死亡届"),
            "rules/shimin.yaml", "    bring", "missing colon"),
    Mistake("indent too little", "rules/shimin.yaml", ("    title: 死亡届\n", "   title: 死亡届\n"), "rules/shimin.yaml",
            "   title: 死亡届", "indentation"),
    Mistake("indent too much", "rules/shimin.yaml", ("    title_en: Death registration\n",
                                                     "      title_en: Death registration\n"),
            "rules/shimin.yaml", "title_en: Death registration", "indentation"),
    Mistake("list item out of line", "rules/shimin.yaml", ("      - 届出人の本人確認書類\n", "     - 届出人の本人確認書類\n"),
            "rules/shimin.yaml", "     - 届出人の本人確認書類", "indentation"),
    Mistake("full-width colon", "rules/shimin.yaml", ("    title: 死亡届\n", "    title：死亡届\n"), "rules/shimin.yaml",
            "title：死亡届", "full-width colon"),
    Mistake("full-width colon in flow", "rules/shimin.yaml", ("deadline: {days: 7, count_first_day: true}",
                                                              "deadline: {days：7, count_first_day: true}"),
            "rules/shimin.yaml", "days：7", "full-width colon"),
    Mistake("full-width space indent", "rules/shimin.yaml", ("    title: 死亡届\n", "　　title: 死亡届\n"),
            "rules/shimin.yaml", "　　title", "full-width space"),
    Mistake("full-width space after colon", "rules/shimin.yaml", ("    title: 死亡届\n", "    title:　死亡届\n"),
            "rules/shimin.yaml", "title:　死亡届", "full-width space"),
    Mistake("no space after colon", "rules/shimin.yaml", ("    title: 死亡届\n", "    title:死亡届\n"),
            "rules/shimin.yaml", "title:死亡届", "space after colon"),
    Mistake("cp932", "rules/shimin.yaml", lambda t: t.encode("cp932", errors="replace"), "rules/shimin.yaml", None,
            "not UTF-8"),
    Mistake("UTF-16", "rules/shimin.yaml", lambda t: t.encode("utf-16"), "rules/shimin.yaml", None, "not UTF-8"),
    Mistake("missing include", "rules.yaml", ("  - rules/shimin.yaml", "  - rules/shimin.yml"), "rules.yaml",
            "rules/shimin.yml", "file not found"),
    Mistake("empty department file", "rules/shimin.yaml", lambda t: "", "rules/shimin.yaml", None, "empty file"),
    Mistake("comments only", "rules/shimin.yaml", lambda t: "# 市民課\n# まだ書いていない\n", "rules/shimin.yaml", None,
            "empty file"),
    Mistake("a list instead of a file", "rules/kourei.yaml", lambda t: "- code: x\n", "rules/kourei.yaml", None,
            "not a mapping"),
    Mistake("unbalanced double quote", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: \"死亡届\n"),
            "rules/shimin.yaml", "\"死亡届", "unclosed quote"),
    Mistake("unbalanced single quote", "rules/kankyou.yaml", ("    title: 犬の登録事項変更（所有者の変更）\n",
                                                              "    title: '犬の登録事項変更（所有者の変更）\n"),
            "rules/kankyou.yaml", "'犬の登録", "unclosed quote"),
    Mistake("unbalanced quote in a flow list", "rules/kankyou.yaml", ("bring: [犬の鑑札・狂犬病予防注射済票]",
                                                                      "bring: [\"犬の鑑札, 狂犬病予防注射済票]"),
            "rules/kankyou.yaml", "[\"犬の鑑札", "unclosed quote"),
    Mistake("quote inside quote", "rules/kankyou.yaml", ("    title: 犬の登録事項変更（所有者の変更）\n",
                                                         "    title: '犬の登録's 変更'\n"),
            "rules/kankyou.yaml", "'犬の登録's", "quote inside quote"),
    Mistake("unclosed bracket", "rules/kourei.yaml", ("    forms: [koureisha_service]", "    forms: [koureisha_service"),
            "rules/kourei.yaml", "forms: [koureisha_service", "unclosed bracket"),
    Mistake("unclosed brace", "rules/shimin.yaml", ("when: {death_registered: false}", "when: {death_registered: false"),
            "rules/shimin.yaml", "{death_registered: false", "unclosed bracket"),
    Mistake("colon and space inside a value", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: 死亡届: 戸籍係\n"),
            "rules/shimin.yaml", "死亡届: 戸籍係", "colon in value"),
    Mistake("python tag", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: !!python/unicode 死亡届\n"),
            "rules/shimin.yaml", "!!python/unicode", "unknown tag"),
    Mistake("python object tag", "rules/shimin.yaml", ("    title: 死亡届\n",
                                                       "    title: !!python/object/apply:os.system [echo]\n"),
            "rules/shimin.yaml", "!!python/object", "unknown tag"),
    Mistake("custom tag", "rules.yaml", ("  - rules/kourei.yaml", "  - !include rules/kourei.yaml"), "rules.yaml",
            "!include", "unknown tag"),
    Mistake("alias bomb", "rules/shimin.yaml", _bomb, "rules/shimin.yaml", None, "alias expansion"),
    Mistake("undefined alias", "rules/shimin.yaml", ("    bring:\n      - 死亡届", "    bring: *common\n    bringx:\n      - 死亡届"),
            "rules/shimin.yaml", "*common", "undefined alias"),
    Mistake("two documents", "rules/kourei.yaml", lambda t: t + "---\ndepartment: kourei\n", "rules/kourei.yaml", "---",
            "YAML syntax"),
    Mistake("nested too deep", "rules/kourei.yaml", ("when: {elderly_services: true}",
                                                     "when: " + "{not: " * 70 + "{elderly_services: true}" + "}" * 70),
            "rules/kourei.yaml", "{not: {not:", "too deep"),
    Mistake("file too large", "rules/kourei.yaml", lambda t: t + ("# " + "あ" * 1000 + "\n") * 6000,
            "rules/kourei.yaml", None, "file too large"),
    # --- keys, values and names -----------------------------------------------------------------------------------
    Mistake("misspelled key", "rules/shimin.yaml", ("    title: 死亡届\n", "    Title: 死亡届\n"), "rules/shimin.yaml",
            "Title: 死亡届", "unknown key"),
    Mistake("misspelled deadline key", "rules/kourei.yaml", ("    deadline: {text: 速やかに}", "    deadlin: {text: 速やかに}"),
            "rules/kourei.yaml", "deadlin:", "unknown key"),
    Mistake("misspelled key in rules.yaml", "rules.yaml", ("  - fact: forest\n    text:", "  - fact: forest\n    tex:"),
            "rules.yaml", "    tex:", "unknown key"),
    Mistake("duplicate key", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: 死亡届\n    title: 死亡届の提出\n"),
            "rules/shimin.yaml", "title: 死亡届の提出", "duplicate key"),
    Mistake("yes for true", "rules/kaigo.yaml", ("        - kaigo_application_pending: true",
                                                 "        - kaigo_application_pending: yes"),
            "rules/kaigo.yaml", "kaigo_application_pending: yes", "ambiguous boolean"),
    Mistake("leading zero", "rules.yaml", ("    number: 7\n", "    number: 07\n"), "rules.yaml", "number: 07", "leading zero"),
    Mistake("days in quotes", "rules/shimin.yaml", ("deadline: {days: 14}", "deadline: {days: \"14\"}"),
            "rules/shimin.yaml", "days: \"14\"", "wrong type"),
    Mistake("huge days", "rules/shimin.yaml", ("deadline: {days: 14}", "deadline: {days: 3650000}"), "rules/shimin.yaml",
            "days: 3650000", "too large"),
    Mistake("zero months", "rules/nougyou_iinkai.yaml", ("deadline: {months: 10}", "deadline: {months: 0}"),
            "rules/nougyou_iinkai.yaml", "months: 0", "too small"),
    Mistake("negative days", "rules/kankyou.yaml", ("deadline: {days: 30}", "deadline: {days: -30}"), "rules/kankyou.yaml",
            "days: -30", "too small"),
    Mistake("empty title", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: \"\"\n"), "rules/shimin.yaml",
            "title: \"\"", "empty text"),
    Mistake("blank title", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: \"   \"\n"), "rules/shimin.yaml",
            "title: \"   \"", "empty text"),
    Mistake("title with nothing", "rules/shimin.yaml", ("    title: 死亡届\n", "    title:\n"), "rules/shimin.yaml",
            "    title:", "wrong type"),
    Mistake("empty bring item", "rules/shimin.yaml", ("      - 届出人の印鑑（任意）\n", "      - \"\"\n"),
            "rules/shimin.yaml", "      - \"\"", "empty text"),
    Mistake("title too long", "rules/shimin.yaml", ("    title: 死亡届\n", "    title: " + "死亡届" * 100 + "\n"),
            "rules/shimin.yaml", "死亡届死亡届死亡届", "text too long"),
    Mistake("misspelled fact", "rules/shimin.yaml", ("when: {death_registered: false}", "when: {death_registerd: false}"),
            "rules/shimin.yaml", "death_registerd", "unknown fact"),
    Mistake("misspelled value", "rules/hoken_nenkin.yaml", ("when: {health_insurance: kokuho}",
                                                            "when: {health_insurance: kokuhoo}"),
            "rules/hoken_nenkin.yaml", "kokuhoo", "wrong value"),
    Mistake("flase", "rules/kourei.yaml", ("when: {elderly_services: true}", "when: {elderly_services: ture}"),
            "rules/kourei.yaml", "ture", "wrong value"),
    Mistake("misspelled comparison", "rules/shimin.yaml", ("{at_least: 2}", "{atleast: 2}"), "rules/shimin.yaml",
            "atleast", "unknown comparison"),
    Mistake("age out of range", "rules/kaigo.yaml", ("when: {age_at_death: {at_least: 65}}",
                                                     "when: {age_at_death: {at_least: 650}}"),
            "rules/kaigo.yaml", "at_least: 650", "condition out of range"),
    Mistake("allways", "rules/shimin.yaml", ("when: {death_registered: false}", "when: allways"), "rules/shimin.yaml",
            "when: allways", "bad condition"),
    Mistake("misspelled counter", "rules/kaigo.yaml", ("counter: kaigo\n", "counter: kaigoo\n"), "rules/kaigo.yaml",
            "counter: kaigoo", "unknown counter"),
    Mistake("misspelled agency", "rules/outside.yaml", ("agency: nenkin_jimusho", "agency: nenkin_jimsho"),
            "rules/outside.yaml", "nenkin_jimsho", "unknown agency"),
    Mistake("misspelled department", "rules/kourei.yaml", ("department: kourei", "department: koorei"),
            "rules/kourei.yaml", "department: koorei", "unknown department"),
    Mistake("misspelled form", "rules/shimin.yaml", ("forms: [setainushi_henko, ininjou]",
                                                     "forms: [setainushi_henkou, ininjou]"),
            "rules/shimin.yaml", "setainushi_henkou", "unknown form"),
    Mistake("misspelled form, block list", "rules/kourei.yaml", ("    forms: [koureisha_service]",
                                                                 "    forms:\n      - koureisha_servise"),
            "rules/kourei.yaml", "- koureisha_servise", "unknown form"),
    Mistake("duplicate code", "rules/kourei.yaml", ("code: koureisha_service", "code: kaigo_soshitsu"),
            "rules/kourei.yaml", "code: kaigo_soshitsu", "duplicate code"),
    Mistake("code with capitals", "rules/kourei.yaml", ("code: koureisha_service", "code: Koureisha-Service"),
            "rules/kourei.yaml", "Koureisha-Service", "bad id"),
    Mistake("unknown procedure in applies", "rules/shimin.yaml", (SHIBOU_WHEN, SHIBOU_WHEN.replace(
        "{death_registered: false}", "{all: [{death_registered: false}, {applies: kasou_kyokaa}]}")),
            "rules/shimin.yaml", "kasou_kyokaa", "unknown procedure"),
    Mistake("procedures left empty", "rules/kourei.yaml", lambda t: "department: kourei\nprocedures:\n",
            "rules/kourei.yaml", "procedures:", "wrong type"),
    Mistake("department line deleted", "rules/kourei.yaml", ("department: kourei\n", ""), "rules/kourei.yaml", None,
            "missing key"),
    Mistake("deadline as a number", "rules/kourei.yaml", ("deadline: {text: 速やかに}", "deadline: 14"),
            "rules/kourei.yaml", "deadline: 14", "wrong type"),
    Mistake("bring as one text", "rules/kankyou.yaml", ("bring: [犬の鑑札・狂犬病予防注射済票]", "bring: 犬の鑑札"),
            "rules/kankyou.yaml", "bring: 犬の鑑札", "wrong type"),
    Mistake("verified with slashes", "rules/kourei.yaml", ("verified: 2026-11-01", "verified: 2026/11/01"),
            "rules/kourei.yaml", "2026/11/01", "wrong type"),
    Mistake("verified on no such day", "rules/kourei.yaml", ("verified: 2026-11-01", "verified: 2026-13-01"),
            "rules/kourei.yaml", "2026-13-01", "impossible date"),
    Mistake("title as a number", "rules/kourei.yaml", lambda t: re.sub(r"(?m)^    title: .*$", "    title: 123", t, 1),
            "rules/kourei.yaml", "title: 123", "wrong type"),
    Mistake("included twice", "rules.yaml", ("  - rules/kourei.yaml\n", "  - rules/kourei.yaml\n  - rules/kourei.yaml\n"),
            "rules.yaml", None, "included twice"),
    Mistake("a million desks", "rules.yaml", ("desks: 3 ", "desks: 1000000 "), "rules.yaml", "desks: 1000000", "too large"),
    Mistake("tab in rules.yaml", "rules.yaml", ("  name: サンプル市\n", "\tname: サンプル市\n"), "rules.yaml", "\tname",
            "tab"),
    Mistake("misspelled question key", "rules.yaml", ("    ask_when: {was_household_head: true}\n",
                                                      "    askwhen: {was_household_head: true}\n"),
            "rules.yaml", "askwhen", "unknown key"),
    Mistake("misspelled fact of a question", "rules.yaml", ("  - fact: forest\n", "  - fact: forrest\n"), "rules.yaml",
            "fact: forrest", "unknown fact"),
    Mistake("forms as one text", "rules/kourei.yaml", ("forms: [koureisha_service]", "forms: koureisha_service"),
            "rules/kourei.yaml", "forms: koureisha_service", "wrong type"),
    # --- loops -------------------------------------------------------------------------------------------------------
    Mistake("applies itself", "rules/shimin.yaml", (SHIBOU_WHEN, SHIBOU_WHEN.replace(
        "{death_registered: false}", "{all: [{death_registered: false}, {applies: shibou_todoke}]}")),
            "rules/shimin.yaml", "applies: shibou_todoke", "applies loop"),
    Mistake("loop of two", "rules/shimin.yaml", _loop(
        (SHIBOU_WHEN, SHIBOU_WHEN.replace("{death_registered: false}", "{all: [{death_registered: false}, {applies: kasou_kyoka}]}")),
        (KASOU_WHEN, KASOU_WHEN.replace("{death_registered: false}", "{all: [{death_registered: false}, {applies: shibou_todoke}]}"))),
            "rules/shimin.yaml", "applies: kasou_kyoka", "applies loop"),
    Mistake("loop through a third procedure", "rules/shimin.yaml", _loop(
        (KASOU_WHEN, KASOU_WHEN.replace("{death_registered: false}", "{all: [{death_registered: false}, {applies: setainushi_henko}]}")),
        (SETAI_WHEN, SETAI_WHEN + "\n        - applies: inkan_haishi"),
        ("when: {seal_registered: true}", "when: {all: [{seal_registered: true}, {applies: kasou_kyoka}]}")),
            "rules/shimin.yaml", "applies: setainushi_henko", "applies loop"),
    Mistake("question asked only when it is answered", "rules.yaml", ("    ask_when: {spouse_filing_wish: true}\n",
                                                                      "    ask_when: {spouse_restores_surname: true}\n"),
            "rules.yaml", "ask_when: {spouse_restores_surname: true}", "question loop"),
    # --- booking: the mistake itself, never "unknown office" ---------------------------------------------------------
    Mistake("hours backwards", "rules.yaml", ('hours: ["9:00-12:00", "13:00-16:00"]', 'hours: ["16:00-9:00"]'),
            "rules.yaml", "16:00-9:00", "bad opening hours"),
    Mistake("0 desks", "rules.yaml", ("desks: 3 ", "desks: 0 "), "rules.yaml", "desks: 0", "too small"),
    Mistake("0-minute slot", "rules.yaml", ("      slot_minutes: 60           # 1組", "      slot_minutes: 0           # 1組"),
            "rules.yaml", "slot_minutes: 0", "too small"),
    Mistake("hours not a range", "rules.yaml", ('hours: ["9:00-12:00", "13:00-16:00"]', 'hours: ["9時から12時"]'),
            "rules.yaml", "9時から12時", "bad opening hours"),
    Mistake("overlapping hours", "rules.yaml", ('hours: ["9:00-12:00", "13:00-16:00"]', 'hours: ["9:00-12:00", "11:00-16:00"]'),
            "rules.yaml", "11:00-16:00", "overlapping hours"),
]


def _apply(mistake: Mistake, folder: Path) -> Path:
    path = folder / mistake.file
    text = path.read_text(encoding="utf-8")
    if isinstance(mistake.edit, tuple):
        old, new = mistake.edit
        assert old in text, f"test setup: {old!r} not in {mistake.file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    else:
        out = mistake.edit(text)
        if isinstance(out, bytes):
            path.write_bytes(out)
        else:
            path.write_text(out, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str | int | None) -> int | None:
    if needle is None or isinstance(needle, int):
        return needle
    text = path.read_bytes().decode("utf-8", errors="replace")
    for i, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if needle in line:
            return i
    raise AssertionError(f"test setup: {needle!r} not in {path}")


@pytest.fixture
def rulebook(tmp_path, monkeypatch):
    shutil.copy(ROOT / "rules.yaml", tmp_path / "rules.yaml")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "forms_templates", tmp_path / "forms_templates")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_corpus_is_large_and_every_kind_is_in_the_catalogue():
    assert len(MISTAKES) >= 40
    assert len({m.name for m in MISTAKES}) == len(MISTAKES)
    assert {m.kind for m in MISTAKES} <= set(CATALOGUE)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_a_mistake_is_refused_in_japanese_at_its_line_cause_first(rulebook, mistake):
    edited = _apply(mistake, rulebook)
    started = time.perf_counter()
    book, problems = check_rulebook(rulebook / "rules.yaml")  # never raises
    took = time.perf_counter() - started
    errors = [p for p in problems.sorted() if p.severity == "error"]
    assert book is None and errors, f"{mistake.name}: accepted"
    shown = [str(p) for p in problems.sorted()]
    for text in shown:
        assert_japanese(text)
    first = errors[0]
    assert first.mark.file == mistake.at, shown
    line = _line_of(edited if mistake.at == mistake.file else rulebook / mistake.at, mistake.line)
    if line is not None:
        assert first.mark.line == line, shown
    assert kind_of(first.message) == mistake.kind, shown
    if mistake.only:
        assert len(errors) == 1, shown  # the cause alone: nothing that follows from it
    assert took < 10, f"{mistake.name}: {took:.1f} s"  # a guard against a hang, not a benchmark (see bench/)


def test_the_cli_says_the_same_without_a_traceback(rulebook):
    """A few of the corpus through the command line: exit 1, the located Japanese lines on stderr, no traceback."""
    for name in ("tab", "alias bomb", "loop through a third procedure", "huge days", "python tag"):
        mistake = next(m for m in MISTAKES if m.name == name)
        folder = rulebook / name.replace(" ", "_")
        folder.mkdir()
        shutil.copy(ROOT / "rules.yaml", folder / "rules.yaml")
        shutil.copytree(ROOT / "rules", folder / "rules")
        shutil.copytree(ROOT / "forms_templates", folder / "forms_templates")
        _apply(mistake, folder)
        proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", "rules.yaml"],
                              capture_output=True, text=True, cwd=folder, timeout=60)
        assert proc.returncode == 1, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines[0].startswith(mistake.at + ":"), lines
        assert kind_of(lines[0].partition(": ")[2]) == mistake.kind, lines
        assert lines[-1].startswith("誤り "), lines


def test_an_unreadable_file_gives_no_follow_on_messages_about_other_files(rulebook):
    """The issue's finding: a tab in rules/shimin.yaml used to print seven "question not used by any procedure"
    errors about rules.yaml first. Every way of making a department file unreadable gives its own message only."""
    shimin = rulebook / "rules" / "shimin.yaml"
    good = shimin.read_bytes()
    for broken in (good.replace(b"    title: ", b"\ttitle: ", 1), b"", good.decode().encode("cp932", "replace"),
                   good.replace("    title: 死亡届\n".encode(), "    title：死亡届\n".encode(), 1)):
        shimin.write_bytes(broken)
        _book, problems = check_rulebook(rulebook / "rules.yaml")
        assert {p.mark.file for p in problems.errors} == {"rules/shimin.yaml"}, [str(p) for p in problems.errors]
        assert not any(kind_of(p.message) in ("unused question", "unknown office", "unknown procedure")
                       for p in problems.errors)


def test_an_independent_mistake_elsewhere_is_still_reported_after_the_cause(rulebook):
    shimin = rulebook / "rules" / "shimin.yaml"
    shimin.write_text(shimin.read_text(encoding="utf-8").replace("    title: 死亡届\n", "\ttitle: 死亡届\n", 1),
                      encoding="utf-8")
    kourei = rulebook / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8").replace("elderly_services: true", "elderly_service: true"),
                      encoding="utf-8")
    _book, problems = check_rulebook(rulebook / "rules.yaml")
    shown = [str(p) for p in problems.sorted() if p.severity == "error"]
    assert len(shown) == 2 and shown[0].startswith("rules/shimin.yaml:6:1:") and "[tab]" in shown[0]
    assert shown[1].startswith("rules/kourei.yaml:") and "[unknown fact]" in shown[1]


def test_an_alias_bomb_is_refused_within_a_second_everywhere(rulebook, tmp_path):
    """Alias bombs in the rulebook, a case file, a scenario file and a 住基 profile: refused, fast (issue 21 S5)."""
    from okuyami.core.case import load_case
    from okuyami.core.problems import InvalidInput
    from okuyami.juki.profile import load_profile

    bomb = _bomb("procedures:\n").replace("procedures:\n", "")
    case = tmp_path / "case.yaml"
    case.write_text(bomb + "format: okuyami-case/1\n", encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text(bomb + "format: okuyami-juki-profile/1\n", encoding="utf-8")
    scenario = rulebook / "rules" / "scenarios" / "bomb.yaml"
    scenario.write_text(bomb + "scenarios: []\n", encoding="utf-8")
    for load in (lambda: load_case(case), lambda: load_profile(profile)):
        with no_collector_pause(), pytest.raises(InvalidInput) as exc:
            started = time.perf_counter()
            try:
                load()
            finally:
                took = time.perf_counter() - started
        assert took < 1.0
        assert "[alias expansion]" in str(exc.value.problems[0])
    from okuyami.core.rulebook import load_rulebook
    from okuyami.core.scenarios import run_all

    started = time.perf_counter()
    _outcomes, problems = run_all(load_rulebook(rulebook / "rules.yaml"))
    assert any("[alias expansion]" in str(p) for p in problems.errors)
    shimin = rulebook / "rules" / "shimin.yaml"
    shimin.write_text(_bomb(shimin.read_text(encoding="utf-8")), encoding="utf-8")
    with no_collector_pause():
        started = time.perf_counter()
        check_rulebook(rulebook / "rules.yaml")
        took = time.perf_counter() - started
    assert took < 1.0


def test_a_deadline_of_ten_thousand_years_never_reaches_the_counter(rulebook):
    """The issue's crash: days: 3650000 passed rules check, then evaluate raised OverflowError on the first case."""
    shimin = rulebook / "rules" / "shimin.yaml"
    shimin.write_text(shimin.read_text(encoding="utf-8").replace("deadline: {days: 14}", "deadline: {days: 3650000}"),
                      encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "okuyami", "evaluate", str(ROOT / "examples" / "case.yaml"),
                           "--rules", "rules.yaml", "--format", "json"], capture_output=True, text=True, cwd=rulebook,
                          env=dict(os.environ, OKUYAMI_TODAY="2026-11-22"), timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "'days'（期限の日数）は 3,650 以下にしてください（今は 3,650,000）" in proc.stderr
    assert "Traceback" not in proc.stderr and "OverflowError" not in proc.stderr


# --- the valid variants ------------------------------------------------------------------------------------------------

def _clean(folder: Path) -> None:
    book, problems = check_rulebook(folder / "rules.yaml")
    assert book is not None and not problems.errors, [str(p) for p in problems.errors]
    assert len(book.rules) == 53


def test_a_bom_and_crlf_are_fine(rulebook):
    for path in [rulebook / "rules.yaml", *sorted((rulebook / "rules").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    _clean(rulebook)


def test_anchors_aliases_merge_keys_and_compact_lists_are_fine(rulebook):
    shimin = rulebook / "rules" / "shimin.yaml"
    s = shimin.read_text(encoding="utf-8")
    s = s.replace("    provenance:\n      basis: 戸籍法86条・87条・43条（初日算入）、135条（過料）\n"
                  "      source: procedures.md §6-A #1 [S15][S16][S35][S39]\n      verified: 2026-11-01\n",
                  "    provenance: &koseki\n      basis: 戸籍法86条・87条・43条（初日算入）、135条（過料）\n"
                  "      source: procedures.md §6-A #1 [S15][S16][S35][S39]\n      verified: 2026-11-01\n", 1)
    s = s.replace("    provenance:\n      basis: 墓地、埋葬等に関する法律 3条・5条・8条\n",
                  "    provenance:\n      <<: *koseki\n      basis: 墓地、埋葬等に関する法律 3条・5条・8条\n", 1)
    s = s.replace("      - 届出人の印鑑（任意）\n      - 届出人の本人確認書類\n",
                  "      - &inkan 届出人の印鑑（任意）\n      - 届出人の本人確認書類\n", 1)
    s = s.replace("      - 火葬場使用料（市の料金表による）\n      - 届出人の印鑑（任意）\n",
                  "      - 火葬場使用料（市の料金表による）\n      - *inkan\n", 1)
    shimin.write_text(s, encoding="utf-8")
    kourei = rulebook / "rules" / "kourei.yaml"
    k = kourei.read_text(encoding="utf-8")
    k = k.replace("    forms: [koureisha_service]", "    forms:\n    - koureisha_service")  # a compact block list
    kourei.write_text(k, encoding="utf-8")
    _clean(rulebook)
    book, _ = check_rulebook(rulebook / "rules.yaml")
    assert book.rules["kasou_kyoka"].spec.provenance.source == book.rules["shibou_todoke"].spec.provenance.source
    assert book.rules["kasou_kyoka"].spec.provenance.basis == "墓地、埋葬等に関する法律 3条・5条・8条"
    assert book.rules["kasou_kyoka"].spec.bring[1] == "届出人の印鑑（任意）"


def test_a_procedure_written_as_one_flow_mapping_is_fine(rulebook):
    kourei = rulebook / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8") + (
        "  - {code: keiro_test, title: 試験の手続き, counter: kourei, when: {elderly_services: true}, "
        "deadline: {text: 速やかに}, bring: [a, b], provenance: {basis: 条例, source: 例規集, verified: 2026-11-01}}\n"),
        encoding="utf-8")
    book, problems = check_rulebook(rulebook / "rules.yaml")
    assert book is not None and not problems.errors, [str(p) for p in problems.errors]
    assert book.rules["keiro_test"].spec.bring == ["a", "b"]


def test_a_5_mb_department_file_is_fine(rulebook):
    kankyou = rulebook / "rules" / "kankyou.yaml"
    parts = [kankyou.read_text(encoding="utf-8")]
    size, i = len(parts[0].encode()), 0
    while size < 5 * 1024 * 1024:
        part = (f"\n  # 手続き {i}: {'長い説明の行です。' * 20}\n"
                f"  - code: big_{i}\n    title: 大きなファイルの手続き{i}\n    counter: kankyou\n"
                "    when: {dog_registered: true}\n    deadline: {days: 30}\n    bring: [犬の鑑札, 狂犬病予防注射済票]\n"
                f"    note: {'大きなファイルでも読めることを確かめる手続きです。' * 12}\n"
                "    provenance: {basis: 狂犬病予防法, source: 例規集, verified: 2026-11-01}\n")
        parts.append(part)
        size += len(part.encode())
        i += 1
    kankyou.write_text("".join(parts), encoding="utf-8")
    book, problems = check_rulebook(rulebook / "rules.yaml")
    assert book is not None and not problems.errors, [str(p) for p in problems.errors[:3]]
    assert len(book.rules) == 53 + i
