"""Engine semantics: derived facts, three-valued conditions, adaptive pending questions, incremental sessions."""

import datetime as dt

from conftest import make_case

from okuyami.core.engine import CaseDates, Session, evaluate


def codes(result, status=None):
    return set(result.codes(status))


def test_age_75_is_kouki_and_74_is_asked(book):
    r75 = evaluate(book, make_case(birth="1951-11-10", death="2026-11-10", welfare_recipient=False))
    assert "kouki_soshitsu" in codes(r75, "required")
    assert "health_insurance" not in r75.pending_questions
    r74 = evaluate(book, make_case(birth="1951-11-10", death="2026-11-09"))
    assert "kouki_soshitsu" not in codes(r74)
    assert "health_insurance" in r74.pending_questions


def test_given_health_insurance_wins_over_derivation(book):
    r = evaluate(book, make_case(birth="1940-01-01", health_insurance="employee"))
    assert "kenpo_maisouryo" in codes(r, "required") and "kouki_soshitsu" not in codes(r)


def test_welfare_recipient_over_75_is_not_kouki(book):
    r = evaluate(book, make_case(birth="1940-01-01", welfare_recipient=True))
    assert "kouki_soshitsu" not in codes(r)
    assert "health_insurance" in r.pending_questions
    assert "seikatsu_hogo" in codes(r, "required")


def test_nobody_is_asked_about_kaigo_at_30_nor_kouki_at_50(book):
    r30 = evaluate(book, make_case(birth="1996-01-01"))
    for fact in ("kaigo_certified", "kaigo_application_pending", "high_care_costs"):
        assert fact not in r30.pending_questions
    r50 = evaluate(book, make_case(birth="1976-01-01", health_insurance="kokuho"))
    assert "kouki_soshitsu" not in codes(r50)
    assert "kaigo_certified" in r50.pending_questions  # 40–64: certification decides


def test_household_count_only_asked_for_a_head(book):
    assert "household_remaining_15plus" not in evaluate(book, make_case(was_household_head=False)).pending_questions
    assert "household_remaining_15plus" in evaluate(book, make_case(was_household_head=True)).pending_questions
    # while we do not know if the deceased was head, ask that first, not the count
    pending = evaluate(book, make_case()).pending_questions
    assert "was_household_head" in pending and "household_remaining_15plus" not in pending


def test_unknown_makes_to_confirm_with_a_reason_naming_the_question(book):
    r = evaluate(book, make_case(birth="1970-01-01", was_household_head=True, household_remaining_15plus=2,
                                 seal_registered="unknown"))
    (p,) = [p for p in r.procedures if p.code == "inkan_haishi"]
    assert p.status == "to_confirm"
    assert p.confirm_facts == ("seal_registered",)
    assert p.reasons == ("「印鑑登録をしていましたか？」への答えが「わからない」のため、対象かどうかの確認が必要です",
                         "該当する場合：故人が印鑑登録をしていたため")


def test_unknown_does_not_hide_a_false(book):
    """all: [kokuho, funeral_held] with kokuho false and funeral unknown is simply false."""
    r = evaluate(book, make_case(birth="1970-01-01", health_insurance="employee", funeral_held="unknown"))
    assert "kokuho_sosaihi" not in codes(r)


def test_pending_beats_unknown(book):
    """A procedure that is unknown on one fact but still waits on another is not listed yet."""
    r = evaluate(book, make_case(birth="1970-01-01", health_insurance="unknown"))
    assert "kokuho_sosaihi" not in codes(r)
    assert "funeral_held" in r.pending_questions


def test_reasons_are_plain_japanese(book):
    r = evaluate(book, make_case(was_household_head=True, household_remaining_15plus=2))
    (p,) = [p for p in r.procedures if p.code == "setainushi_henko"]
    assert p.reasons == ("故人が世帯主で、15歳以上の世帯員が2人以上残るため",)
    assert p.department == "市民課"


def test_results_are_in_visiting_order(book):
    r = evaluate(book, make_case(was_household_head=True, household_remaining_15plus=2, seal_registered=True,
                                 considering_renunciation=True, health_insurance="kokuho"))
    order = [p.code for p in r.procedures]
    assert order.index("joseki_shomei") < order.index("setainushi_henko") < order.index("kokuho_soshitsu") \
        < order.index("souzoku_houki")


def test_session_changes_match_fresh_evaluation(book):
    dates = CaseDates(dt.date(1950, 1, 1), dt.date(2026, 11, 15), dt.date(2026, 11, 18))
    s = Session(book, dates)
    s.answer("was_household_head", True)
    s.answer("household_remaining_15plus", 2)
    s.answer("health_insurance", "kokuho")  # age 76: the given value wins
    s.answer("household_others_in_kokuho", True)
    assert "kokuho_setainushi" in s.result.codes("required")
    s.answer("was_household_head", False)  # changed answer
    assert "kokuho_setainushi" not in s.result.codes()
    assert "setainushi_henko" not in s.result.codes()
    s.answer("welfare_recipient", False)
    s.clear("health_insurance")  # taken back: age 76, not on 生活保護 → kouki again
    assert "kouki_soshitsu" in s.result.codes("required")
    fresh = Session(book, dates, dict(s.answers)).result
    assert s.result == fresh


def test_next_question_follows_the_bank_order(book):
    dates = CaseDates(dt.date(1950, 1, 1), dt.date(2026, 11, 15))
    s = Session(book, dates)
    asked = []
    while s.next_question and len(asked) < 100:
        fact = s.next_question
        asked.append(fact)
        s.answer(fact, False if fact not in ("household_remaining_15plus", "children_under_18", "health_insurance",
                                             "pension_type") else 0)
    assert s.result.pending_questions == ()
    assert asked[:2] == ["death_registered", "was_household_head"]
    assert "household_remaining_15plus" not in asked  # not head
    assert "health_insurance" not in asked  # 76 → kouki
    assert len(asked) == len(set(asked)) < 45
