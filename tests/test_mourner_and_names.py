"""喪主 on forms (issue 14): the 喪主 boxes take the funeral's chief mourner; the visitor's address, phone and 続柄
go there only when the clerk answered that the visitor is the 喪主 (mourner_is_applicant). Names of several parts,
in Latin letters or without a space fill separate 氏 / 名 boxes sensibly."""

import datetime as dt

from okuyami.core.case import parse_case_text
from okuyami.core.engine import CaseDates, Session, evaluate
from okuyami.documents.context import build_context, visitor_acts_for_another

TODAY = dt.date(2026, 11, 22)
CASE = """format: okuyami-case/1
deceased: {{name: {dead}, sex: male, birth_date: 1941-03-02, death_date: 2026-11-15}}
applicant: {{name: 山田 花子, relationship: 妻, address: サンプル市中央町1-2-3, phone: 090-1234-5678}}
funeral: {{date: 2026-11-18, chief_mourner: {mourner}}}
facts: {{{facts}}}
"""


def context(book, dead="山田 太郎", mourner="山田 花子", facts=""):
    case = parse_case_text(CASE.format(dead=dead, mourner=mourner, facts=facts), today=TODAY, facts=book.facts)
    return case, build_context(book, case, evaluate(book, case), TODAY)


def test_same_name_alone_does_not_give_the_mourner_the_visitors_address(book):
    case, ctx = context(book)
    assert ctx.get("mourner.name") == "山田 花子"
    assert ctx.get("mourner.address") is None and ctx.get("mourner.phone") is None


def test_clerk_says_same_person(book):
    case, ctx = context(book, facts="mourner_is_applicant: true")
    assert ctx.get("mourner.address") == "サンプル市中央町1-2-3"
    assert ctx.get("mourner.relationship") == "妻"
    assert not visitor_acts_for_another(case)


def test_clerk_says_another_person_prints_the_ininjou(book):
    case, ctx = context(book, facts="mourner_is_applicant: false")
    assert ctx.get("mourner.address") is None
    assert visitor_acts_for_another(case)  # the 委任状 is printed


def test_the_question_is_asked_only_when_the_intake_names_a_mourner(book):
    born, died = dt.date(1941, 3, 2), dt.date(2026, 11, 15)
    same = Session(book, CaseDates(born, died, None, "male", "妻", "山田 花子", "山田\u3000花子"))
    assert "mourner_is_applicant" in same.result.pending_questions  # same name: the clerk confirms it
    same.answer("mourner_is_applicant", True)
    assert "mourner_is_applicant" not in same.result.pending_questions
    other = Session(book, CaseDates(born, died, None, "male", "長女", "山田 一郎", "山田 花子"))
    assert "mourner_is_applicant" not in other.result.pending_questions  # another name: another person
    without = Session(book, CaseDates(born, died, None, "male", "妻", None, "山田 花子"))
    assert "mourner_is_applicant" not in without.result.pending_questions


def test_separate_family_and_given_name_boxes(book):
    _, ctx = context(book, dead="SMITH JOHN WILLIAM", mourner="山田花子")
    assert (ctx.get("deceased.family_name"), ctx.get("deceased.given_name")) == ("SMITH", "JOHN WILLIAM")
    assert (ctx.get("mourner.family_name"), ctx.get("mourner.given_name")) == ("山田花子", None)  # whole in 氏
    assert (ctx.get("applicant.family_name"), ctx.get("applicant.given_name")) == ("山田", "花子")
