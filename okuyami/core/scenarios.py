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
from .problems import Mark, Problems, did_you_mean, display_path
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
            problems.error(doc.mark(), "empty scenario file: write 'scenarios:' and a list of scenarios")
        return doc, None
    return doc, validate(ScenarioFile, doc, problems)


def run_file(book: Rulebook, path: Path, problems: Problems) -> list[Outcome]:
    """Run every scenario of one file; problems with the file itself go to ``problems``."""
    before_file = len(problems.errors)
    doc, spec = load_scenarios(path, problems)
    if spec is None:
        if len(problems.errors) > before_file:
            return [Outcome(display_path(path), doc.mark(), ["the file could not be read (see the errors above)"])]
        return []
    outcomes = []
    file_errors = problems.errors[before_file:]  # YAML-level problems (traps, duplicate keys) of this file
    starts = [doc.mark(("scenarios", i)).line for i in range(len(spec.scenarios))] + [10**9]
    for i, sc in enumerate(spec.scenarios):
        base = ("scenarios", i)
        inside = [p for p in file_errors if starts[i] <= p.mark.line < starts[i + 1]]
        if inside:
            outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)), ["could not run: " + str(p) for p in inside]))
            continue
        before = len(problems.errors)
        _check_expect_names(book, doc, base, sc.expect, problems)
        case_problems = Problems()
        case = check_case(doc, case_problems, today=sc.today, base=base + ("case",), facts=book.facts)
        problems.extend(case_problems)
        if case is None or len(problems.errors) > before:
            outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)),
                                    ["could not run: " + str(p) for p in problems.errors[before:]]))
            continue
        outcomes.append(Outcome(sc.name, doc.mark(base + ("name",)), _compare(book, doc, base, sc, case)))
    return outcomes


def _check_expect_names(book: Rulebook, doc: Document, base: tuple, expect: Expect, problems: Problems) -> None:
    for key in ("required", "to_confirm", "absent"):
        for j, code in enumerate(getattr(expect, key)):
            if code not in book.rules:
                problems.error(doc.mark(base + ("expect", key, j)), f"unknown procedure '{code}'{did_you_mean(code, book.rules)}")
    for code in expect.deadlines:
        if code not in book.rules:
            problems.error(doc.mark(base + ("expect", "deadlines", code), key=True),
                           f"unknown procedure '{code}'{did_you_mean(code, book.rules)}")
    for j, fact in enumerate(expect.pending_questions or []):
        if fact not in book.facts:
            problems.error(doc.mark(base + ("expect", "pending_questions", j)), f"unknown fact '{fact}'{did_you_mean(fact, book.facts)}")


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
                failures.append(f"{where(key, j)}: '{code}' should be {status} but does not appear")
            elif got.status != status:
                failures.append(f"{where(key, j)}: '{code}' should be {status} but is {got.status}")
    for j, code in enumerate(sc.expect.absent):
        if code in by_code:
            failures.append(f"{where('absent', j)}: '{code}' should not appear but is {by_code[code].status}")
    for code, want in sc.expect.deadlines.items():
        got = by_code.get(code)
        if got is None:
            failures.append(f"{where('deadlines', code)}: '{code}' has no deadline to check: it does not appear")
        elif got.deadline != want:
            failures.append(f"{where('deadlines', code)}: deadline of '{code}' should be {want} but is {got.deadline}")
    if sc.expect.pending_questions is not None and list(result.pending_questions) != sc.expect.pending_questions:
        failures.append(f"{where('pending_questions')}: pending questions should be "
                        f"{sc.expect.pending_questions} but are {list(result.pending_questions)}")
    return failures


def run_all(book: Rulebook) -> tuple[list[Outcome], Problems]:
    problems = Problems()
    outcomes: list[Outcome] = []
    paths = book.scenario_paths()
    if not paths:
        problems.error(Mark(display_path(book.path)), "no scenario files found (settings: scenarios:)")
    for path in paths:
        outcomes.extend(run_file(book, path, problems))
    return outcomes, problems
