"""The shorter interview (issue 14), measured by bench/bench_interview.py: the typical case (85, 後期高齢, pension,
wife at the counter) within 20 screens and 25 facts asked, and for every visit of the bench the interview ends with
exactly the result of evaluating every fact given (no procedure lost, none added)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from okuyami.core.engine import Session

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_interview", ROOT / "bench" / "bench_interview.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_interview"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)


@pytest.mark.parametrize("visit", bench.VISITS, ids=[v.name[:1] for v in bench.VISITS])
def test_no_procedure_lost_against_every_fact_given(book, visit):
    run = bench.interview(book, visit)
    assert run.same_as_full
    full = Session(book, visit.dates, {f: v for f, v in visit.truth.items() if f in book.facts}).result
    assert full.procedures, "the visit has procedures to compare"


def test_typical_case_within_target(book):
    run = bench.interview(book, bench.VISITS[0])
    assert run.screens <= 20 and run.facts <= 25, (run.screens, run.facts, run.asked)
    # what the intake says is not asked again; no child questions for an 85-year-old
    assert not {"funeral_held", "surviving_spouse", "death_registered", "health_insurance", "children_under_18",
                "child_allowance_recipient", "disability_services", "farmland", "car"} & set(run.asked)


def test_checklist_screen_holds_the_pending_questions_of_one_group(book):
    import datetime as dt

    from okuyami.core.engine import CaseDates

    s = Session(book, CaseDates(dt.date(1941, 3, 2), dt.date(2026, 11, 15)),
                {"vehicles_owned": True, "real_estate_in_city": False, "real_estate_any": False,
                 "city_registrations": False, "water_contract_holder": True})
    while (screen := s.next_screen) is not None and screen.group != "車・バイクの種類":
        s.answer_screen({f: False for f in screen.facts} if screen.is_checklist else
                        {screen.facts[0]: book.facts[screen.facts[0]].values[0] if book.facts[screen.facts[0]].kind == "enum"
                         else 0 if book.facts[screen.facts[0]].kind == "int" else False})
    assert screen is not None and screen.facts == ("moped_or_small_special", "kei_vehicle", "car")
    s.answer_screen({"moped_or_small_special": False, "kei_vehicle": True, "car": False})
    assert "kei_jidosha" in s.result.codes("required")
