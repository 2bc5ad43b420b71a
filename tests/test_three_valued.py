"""Three-valued decisions (issue 14): while an unanswered fact could still change a procedure's result, the
procedure stays undecided and that question is asked; 要確認 only once nothing asked can settle it. Checked as
a property of the default rulebook: a decided procedure (required / 要確認 / absent) never changes when the
questions still pending are answered, in any way — except where contract §3 itself decides on an unanswered
fact: health_insurance is kouki from 75 while welfare_recipient is "not true" (unanswered included), so a later
答え "生活保護: true" takes the 後期高齢 procedures back (tested on its own below)."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okuyami.core.engine import CaseDates, Session


def _value(book, fact, rnd):
    d = book.facts[fact]
    if d.kind == "bool":
        return rnd.choice([True, False, "unknown"])
    if d.kind == "int":
        return rnd.randint(0, 3)
    if d.kind == "enum":
        return rnd.choice(list(d.values) + ["unknown"])
    return None


def _status(result):
    return {p.code: p.status for p in result.procedures}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(20, 99), st.integers(0, 25), st.randoms(use_true_random=False),
       st.sampled_from([None, "male", "female"]))
def test_a_decided_procedure_never_changes_when_pending_questions_are_answered(book, age, n_first, rnd, sex):
    death = dt.date(2026, 11, 15)
    dates = CaseDates(dt.date(death.year - age, 5, 1), death, None, sex, rnd.choice([None, "妻", "長男"]))
    s = Session(book, dates)
    for _ in range(n_first):  # a random partial interview
        pending = s.result.pending_questions
        if not pending:
            break
        fact = rnd.choice(pending)
        s.answer(fact, _value(book, fact, rnd))
    decided = _status(s.result)
    while s.result.pending_questions:  # finish it at random
        fact = s.result.pending_questions[0]
        value = _value(book, fact, rnd)
        if fact == "welfare_recipient" and age >= 75 and value is True:
            value = rnd.choice([False, "unknown"])  # the §3 exception: see test_kouki_from_75_while_welfare_is_not_true
        s.answer(fact, value)
    final = _status(s.result)
    changed = {c: (decided.get(c), final.get(c)) for c in set(decided) | set(final)
               if c in decided and decided[c] != final.get(c)}
    assert not changed, (changed, s.answers)


def test_kouki_from_75_while_welfare_is_not_true(book):
    """Contract §3: health_insurance is kouki at 75 or over unless welfare_recipient is true. Unanswered is "not
    true": the 後期高齢 procedures show as required from the start (never hidden while 生活保護 waits), 生活保護 is
    still asked, and only the answer true takes them back (then the insurance itself is asked)."""
    dates = CaseDates(dt.date(1940, 5, 1), dt.date(2026, 11, 15))
    s = Session(book, dates)
    assert _status(s.result)["kouki_soshitsu"] == "required"
    assert "welfare_recipient" in s.result.pending_questions
    assert "health_insurance" not in s.result.pending_questions
    s.answer("welfare_recipient", False)
    assert _status(s.result)["kouki_soshitsu"] == "required"
    s.answer("welfare_recipient", "unknown")  # contract §3: "not true"
    assert _status(s.result)["kouki_soshitsu"] == "required"
    s.answer("welfare_recipient", True)
    assert "kouki_soshitsu" not in _status(s.result)
    assert "health_insurance" in s.result.pending_questions
    s.clear("welfare_recipient")  # taken back: unanswered again, kouki again
    assert _status(s.result)["kouki_soshitsu"] == "required"


def test_kouki_at_74_waits_for_the_insurance_answer(book):
    """Below 75 nothing is derived: the insurance is asked and its procedures wait for the answer."""
    s = Session(book, CaseDates(dt.date(1952, 5, 1), dt.date(2026, 11, 15)))
    assert "kouki_soshitsu" not in _status(s.result) and "health_insurance" in s.result.pending_questions
