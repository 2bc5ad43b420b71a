"""Properties (hypothesis): closed days never end a rolled-over deadline; answer order does not matter;
evaluation never raises on a well-typed case."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okuyami.core.calendar import OfficeCalendar, deadline
from okuyami.core.engine import CaseDates, Session
from okuyami.core.facts import FACTS

CAL = OfficeCalendar()
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))
periods = st.one_of(
    st.fixed_dictionaries({"days": st.integers(1, 400), "count_first_day": st.booleans()}),
    st.fixed_dictionaries({"months": st.integers(1, 24)}),
    st.fixed_dictionaries({"years": st.integers(1, 5)}),
)


@given(dates, periods)
def test_rolled_over_deadline_is_an_open_day_and_never_earlier(start, period):
    d = deadline(start, CAL, **period)
    assert CAL.is_open(d)
    raw = deadline(start, CAL, rollover=False, **period)
    assert raw <= d
    # nothing open was skipped
    day = raw
    while day < d:
        assert not CAL.is_open(day)
        day += dt.timedelta(days=1)


def fact_value(name):
    d = FACTS[name]
    if d.kind == "bool":
        return st.sampled_from([True, False, "unknown"])
    if d.kind == "int":
        return st.integers(0, 6)
    return st.sampled_from(list(d.values) + ["unknown"])


ANSWERABLE = [f for f, d in FACTS.items() if not d.derived]
answers = st.fixed_dictionaries({}, optional={f: fact_value(f) for f in ANSWERABLE})
birth = st.dates(min_value=dt.date(1915, 1, 1), max_value=dt.date(2026, 1, 1))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          deadline=None)
@given(birth, st.integers(0, 3650), answers, st.randoms(use_true_random=False))
def test_answer_order_does_not_matter_and_evaluation_never_raises(book, born, days_lived, given_answers, rnd):
    death = min(born + dt.timedelta(days=days_lived), dt.date(2026, 11, 20))
    case_dates = CaseDates(born, death, death + dt.timedelta(days=3))
    fresh = Session(book, case_dates, given_answers).result

    items = list(given_answers.items())
    rnd.shuffle(items)
    s = Session(book, case_dates)
    # answer in a random order, with detours: a wrong answer first, then taken back or corrected
    for fact, value in items:
        if rnd.random() < 0.3:
            s.answer(fact, "unknown" if FACTS[fact].kind != "int" else 9)
            _ = s.result  # read after every change, as the desk app does
            if rnd.random() < 0.5:
                s.clear(fact)
                _ = s.result
        s.answer(fact, value)
        _ = s.result
    assert s.result == fresh
    for p in fresh.procedures:
        assert p.status in ("required", "to_confirm") and p.reasons
        if p.deadline is not None:
            assert p.deadline >= death
    assert len(set(fresh.pending_questions)) == len(fresh.pending_questions)
    assert not set(fresh.pending_questions) & set(given_answers)
