"""Scenario tests kept beside the rules (OpenFisca style): a case, and what the rulebook must say about it.

シナリオテスト — a department writes these to check its own edits::

    scenarios:
      - name: 世帯主（2人残る）・国保
        today: 2026-11-22            # the day of the visit (optional; default: today)
        case:                        # a case file without 'format:' (contract §1)
          deceased: {name: 山田 太郎, birth_date: 1960-04-01, death_date: 2026-11-15}
          facts: {was_household_head: true, household_remaining_15plus: 2}
        expect:
          required: [setainushi_henko]          # must appear with status required
          to_confirm: []                        # must appear with status to_confirm (要確認)
          absent: [kouki_soshitsu]              # must not appear at all
          deadlines: {setainushi_henko: 2026-11-30}   # a date, or null for none
          pending_questions: [funeral_held]     # exactly these, in this order (optional)

``okuyami rules test`` and the pytest suite run every scenario file listed in the rulebook's settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .case import check_case
from .engine import REQUIRED, TO_CONFIRM, evaluate
from .messages import say
from .problems import Mark, Problems, display_path, hint
from .rulebook import Rulebook
from .yamlio import Document, StrictModel, load_file, validate



class Expect(StrictModel):
    required: list[str] = []
    to_confirm: list[str] = []
    absent: list[str] = []
    deadlines: dict[str, dt.date | None] = {}
    pending_questions: list[str] | None = None


class ScenarioSpec(StrictModel):
    name: str
    today: dt.date | None = None
    case: dict[str, Any]
    expect: Expect


class ScenarioFile(StrictModel):
    scenarios: list[ScenarioSpec]


@dataclass
class Outcome:
    name: str
    mark: Mark
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenarios(path: Path, problems: Problems) -> tuple[Document, ScenarioFile | None]:
    doc = load_file(path, display_path(path), problems)
    if doc.data is None:
        if not problems.errors:
            problems.cause(doc.mark(), say("empty file", what="'scenarios:' と事例のリストを書いてください"))
        return doc, None
    return doc, validate(ScenarioFile, doc, problems)


def run_file(book: Rulebook, path: Path, problems: Problems) -> list[Outcome]:
    """Run every scenario of one file; problems with the file itself go to ``problems``."""
    before_file = len(problems.errors)
    doc, spec = load_scenarios(path, problems)
    if spec is None:
        if len(problems.errors) > before_file:
            return [Outcome(display_path(path), doc.mark(), ["ファイルを読めませんでした（上の誤りを見てください）"])]
        return []
    outcomes = []
    file_errors = problems.errors[before_file:]  # YAML-level problems (traps, duplicate keys) of this file
    starts = [doc.mark(("scenarios", i)).line for i in range(len(spec.scenarios))] + [10**9]
    for i, sc in enumerate(spec.scenarios):
        base = ("scenarios", i)
        inside = [p for p in file_errors if starts[i] <= p.mark.line < starts[i + 1]]
        if inside:
            outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)), ["実行できません：" + str(p) for p in inside]))
            continue
        before = len(problems.errors)
        _check_expect_names(book, doc, base, sc.expect, problems)
        case_problems = Problems()
        case = check_case(doc, case_problems, today=sc.today, base=base + ("case",), facts=book.facts)
        problems.extend(case_problems)
        if case is None or len(problems.errors) > before:
            outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)),
                                    ["実行できません：" + str(p) for p in problems.errors[before:]]))
            continue
        outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)), _compare(book, doc, base, sc, case)))
    return outcomes


def _check_expect_names(book: Rulebook, doc: Document, base: tuple, expect: Expect, problems: Problems) -> None:
    for key in ("required", "to_confirm", "absent"):
        for j, code in enumerate(getattr(expect, key)):
            if code not in book.rules:
                problems.error(doc.mark(base + ("expect", key, j)), _unknown_code(code, book))
    for code in expect.deadlines:
        if code not in book.rules:
            problems.error(doc.mark(base + ("expect", "deadlines", code), key=True), _unknown_code(code, book))
    for j, fact in enumerate(expect.pending_questions or []):
        if fact not in book.facts:
            close = hint(fact, book.facts)
            problems.error(doc.mark(base + ("expect", "pending_questions", j)),
                           say("unknown fact", fact=fact, hint=close, fix="正しい事実名に直してください" if close else
                               "ルールにある事実名を書いてください"))


def _unknown_code(code: str, book: Rulebook) -> str:
    return say("scenario", what=f"手続きコード '{code}' はルールにありません{hint(code, book.rules)}。"
                                "ルールにある手続きのコードを書いてください")


_STATUS = {REQUIRED: "required（要）", TO_CONFIRM: "to_confirm（要確認）"}


def _compare(book: Rulebook, doc: Document, base: tuple, sc: ScenarioSpec, case) -> list[str]:
    result = evaluate(book, case)
    by_code = {p.code: p for p in result.procedures}
    failures = []

    def where(*path) -> str:
        return str(doc.mark(base + ("expect",) + path))

    for key, status in (("required", REQUIRED), ("to_confirm", TO_CONFIRM)):
        for j, code in enumerate(getattr(sc.expect, key)):
            got = by_code.get(code)
            if got is None:
                failures.append(f"{where(key, j)}: " + say("scenario", what=f"'{code}' は {_STATUS[status]} の"
                                                                           "はずですが、出てきません"))
            elif got.status != status:
                failures.append(f"{where(key, j)}: " + say("scenario", what=f"'{code}' は {_STATUS[status]} のはず"
                                                                           f"ですが、{_STATUS[got.status]} です"))
    for j, code in enumerate(sc.expect.absent):
        if code in by_code:
            failures.append(f"{where('absent', j)}: " + say("scenario", what=f"'{code}' は出ないはずですが、"
                                                                           f"{_STATUS[by_code[code].status]} で出ています"))
    for code, want in sc.expect.deadlines.items():
        got = by_code.get(code)
        if got is None:
            failures.append(f"{where('deadlines', code)}: " + say("scenario", what=f"'{code}' が出てこないため、"
                                                                                 "期限を確かめられません"))
        elif got.deadline != want:
            failures.append(f"{where('deadlines', code)}: " + say("scenario", what=f"'{code}' の期限は {want} の"
                                                                                 f"はずですが、{got.deadline} です"))
    if sc.expect.pending_questions is not None and list(result.pending_questions) != sc.expect.pending_questions:
        failures.append(f"{where('pending_questions')}: " + say(
            "scenario", what=f"残る質問は {sc.expect.pending_questions} のはずですが、{list(result.pending_questions)} です"))
    return failures


def run_all(book: Rulebook) -> tuple[list[Outcome], Problems]:
    problems = Problems()
    outcomes: list[Outcome] = []
    paths = book.scenario_paths()
    if not paths:
        problems.error(Mark(display_path(book.path)), say("no scenarios"))
    for path in paths:
        outcomes.extend(run_file(book, path, problems))
    return outcomes, problems
