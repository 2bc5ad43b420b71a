"""Benchmark: how long the interview is — screens, facts asked and keystrokes — for three typical visits, with
the rulebook before issue 14 (commit a6aebf1, read from git; evaluated by today's engine, which asks one question
per screen when a rulebook has no ``group:``) and the current one (issue 14: target for case A ≤ 20 screens and
≤ 25 facts asked).

    python bench/bench_interview.py [--before-commit a6aebf1] [--json]

The clerk follows the engine: ``Session.next_screen`` gives one question, or a checklist of the pending yes/no
questions of one ``group:``; the family's answers come from the case's full truth below. Keystrokes as in the
desk app: a question with choices 1 key (the choice's number); a count its digits + Enter; a checklist one key per
item answered はい (two for わからない) + Enter.

"No procedure lost": at the end the interview's result must equal the evaluation with every fact of the truth
given (tests/test_interview_length.py runs the same check).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.engine import CaseDates, Session  # noqa: E402
from okuyami.core.rulebook import Rulebook, load_rulebook  # noqa: E402

_NO = dict.fromkeys([
    "household_others_in_kokuho", "kaigo_application_pending", "employee_pension_insured", "disability_certificate",
    "disability_services", "disability_allowance", "child_allowance_recipient", "child_medical_certificate",
    "welfare_recipient", "unregistered_building", "moped_or_small_special", "kei_vehicle", "dog_registered",
    "municipal_housing_tenant", "municipal_cemetery_user", "sole_proprietor", "estate_over_exemption",
    "considering_renunciation", "farmland", "forest", "high_medical_costs", "high_care_costs",
    "spouse_restores_surname", "spouse_ends_inlaw_relation", "foreign_national", "elderly_services", "car",
    "kaigo_certified", "national_pension_36_months", "final_tax_return_needed",
], False)


@dataclass
class Visit:
    name: str
    dates: CaseDates
    truth: dict
    notes: str = ""


VISITS = [
    Visit("A: 85歳・世帯主・後期高齢・年金（厚生）、妻が来庁、葬儀済み",
          CaseDates(dt.date(1941, 3, 2), dt.date(2026, 11, 15), dt.date(2026, 11, 18), "male", "妻", "山田 花子",
                    "山田 花子"),
          {**_NO, "death_registered": True, "was_household_head": True, "household_remaining_15plus": 1,
           "health_insurance": "kouki", "funeral_held": True, "pension_recipient": True, "pension_type": "employee",
           "surviving_spouse": True, "children_under_18": 0, "seal_registered": True, "mynumber_card": True,
           "resident_tax_payer": True, "real_estate_in_city": True, "real_estate_any": True, "water_contract_holder": True,
           "mourner_is_applicant": True}),
    Visit("B: 52歳・会社員（被用者保険）・配偶者と子2人、長男が来庁、葬儀日未定",
          CaseDates(dt.date(1974, 6, 10), dt.date(2026, 11, 15), None, "male", "長男", None, "鈴木 健太"),
          {**_NO, "death_registered": True, "was_household_head": True, "household_remaining_15plus": 2,
           "health_insurance": "employee", "funeral_held": True, "pension_recipient": False,
           "employee_pension_insured": True, "surviving_spouse": True, "children_under_18": 2,
           "seal_registered": True, "mynumber_card": True, "resident_tax_payer": True, "real_estate_in_city": True, "real_estate_any": True,
           "car": True, "child_allowance_recipient": True, "child_medical_certificate": True,
           "water_contract_holder": True}),
    Visit("C: 78歳・ひとり暮らしの女性・要介護・国民年金のみ、長女が来庁、葬儀済み（喪主は長男）",
          CaseDates(dt.date(1948, 1, 20), dt.date(2026, 11, 15), dt.date(2026, 11, 18), "female", "長女", "佐藤 一郎",
                    "佐藤 花子"),
          {**_NO, "death_registered": True, "was_household_head": True, "household_remaining_15plus": 0,
           "health_insurance": "kouki", "funeral_held": True, "kaigo_certified": True, "high_care_costs": True,
           "pension_recipient": True, "pension_type": "basic_only", "surviving_spouse": False,
           "children_under_18": 0, "seal_registered": False, "mynumber_card": True, "resident_tax_payer": False,
           "real_estate_in_city": False, "real_estate_any": False, "elderly_services": True,
           "municipal_housing_tenant": True, "water_contract_holder": True, "disability_certificate": True,
           "disability_services": True, "mourner_is_applicant": False}),
]


def with_gates(truth: dict) -> dict:
    """The family's answers to the default rulebook's gate questions follow from the rest of the truth."""
    t = dict(truth)
    t.setdefault("spouse_filing_wish", t["spouse_restores_surname"] or t["spouse_ends_inlaw_relation"])
    t.setdefault("special_property", t["farmland"] or t["forest"] or t["unregistered_building"])
    t.setdefault("vehicles_owned", t["moped_or_small_special"] or t["kei_vehicle"] or t["car"])
    t.setdefault("city_registrations", t["dog_registered"] or t["municipal_housing_tenant"]
                 or t["municipal_cemetery_user"])
    return t


for _visit in VISITS:
    _visit.truth = with_gates(_visit.truth)


@dataclass
class Run:
    screens: int = 0
    facts: int = 0
    keys: int = 0
    asked: list[str] = field(default_factory=list)
    same_as_full: bool = False


def keys_for(book: Rulebook, fact: str, value) -> int:
    d = book.facts[fact]
    if d.kind == "int":
        return len(str(value)) + 1
    if d.kind == "date":
        return 9
    return 1


def interview(book: Rulebook, visit: Visit) -> Run:
    truth = {f: v for f, v in visit.truth.items() if f in book.facts}
    s = Session(book, visit.dates)
    run = Run()
    while (screen := s.next_screen) is not None:
        run.screens += 1
        values = {f: truth[f] for f in screen.facts}
        if screen.is_checklist:
            run.keys += sum(1 if v is True else 2 if v == "unknown" else 0 for v in values.values()) + 1
        else:
            run.keys += sum(keys_for(book, f, v) for f, v in values.items())
        run.facts += len(values)
        run.asked.extend(values)
        s.answer_screen(values)
        if run.screens > 200:
            raise RuntimeError("the interview does not end")
    full = Session(book, visit.dates, truth).result
    run.same_as_full = [(p.code, p.status, p.deadline) for p in s.result.procedures] == \
        [(p.code, p.status, p.deadline) for p in full.procedures]
    return run


def rulebook_at(commit: str, folder: Path) -> Rulebook:
    """The rulebook as it was at ``commit`` (rules.yaml, rules/, forms_templates/), loaded by today's loader."""
    data = subprocess.run(["git", "archive", commit, "rules.yaml", "rules", "forms_templates"], cwd=ROOT,
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return load_rulebook(folder / "rules.yaml")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before-commit", default="a6aebf1")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    now = load_rulebook(ROOT / "rules.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        before = rulebook_at(args.before_commit, Path(tmp))
        rows = []
        for visit in VISITS:
            b, a = interview(before, visit), interview(now, visit)
            rows.append({"visit": visit.name, "before": {"screens": b.screens, "facts": b.facts, "keys": b.keys},
                         "after": {"screens": a.screens, "facts": a.facts, "keys": a.keys,
                                   "same_as_full_facts": a.same_as_full}, "asked_after": a.asked})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'visit':<60} {'screens':>13} {'facts asked':>13} {'keystrokes':>13}  no procedure lost")
    for r in rows:
        b, a = r["before"], r["after"]
        print(f"{r['visit']:<60} {b['screens']:>5} → {a['screens']:<5} {b['facts']:>5} → {a['facts']:<5} "
              f"{b['keys']:>5} → {a['keys']:<5}  {'yes' if a['same_as_full_facts'] else 'NO'}")
    return 0 if all(r["after"]["same_as_full_facts"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
