"""The engine (判定エンジン): from a case and a rulebook to the exact list of procedures.

- :func:`evaluate` — one case, evaluated from scratch.
- :class:`Session` — an interview in progress: answers come one by one (and may be changed); after each
  change only the procedures that depend on the changed fact are evaluated again.

A fact's value is resolved lazily, in this order:
1. the answer given (``unknown`` → :class:`Unknown`);
2. a derived fact of the registry (``facts.DERIVED``, contract §3): ``age_at_death``, ``deceased_sex``,
   ``applicant_relationship``, ``funeral_date_given``, ``kaigo_insured``, ``health_insurance`` (``kouki`` from 75);
3. the question's ``derive:`` entries (rulebook YAML): the first whose ``when`` holds gives the value, so what the
   intake already says is not asked (``funeral_held`` from the funeral date);
4. a question with ``ask_when``: while that condition is false the fact takes ``if_not_asked``; while it
   is not decided, the questions it waits on come first;
5. otherwise :class:`Pending` — the question is still to be asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import conditions as C
from .calendar import deadline as compute_deadline
from .case import Case
from .facts import DERIVED, UNKNOWN_LITERAL, Intake, Pending, Unknown, age_in_years
from .rulebook import Rule, Rulebook, if_not_asked_value

REQUIRED = "required"
TO_CONFIRM = "to_confirm"


@dataclass(frozen=True)
class ProcedureResult:
    """One procedure that applies (``required``) or is to be confirmed (``to_confirm``, 要確認)."""

    code: str
    title: str
    department: str
    status: str
    deadline: dt.date | None
    reasons: tuple[str, ...]
    confirm_facts: tuple[str, ...] = ()  # facts answered わからない that it hinges on
    rule: Rule | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"id": self.code, "title": self.title, "department": self.department, "status": self.status,
                "deadline": self.deadline.isoformat() if self.deadline else None, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Evaluation:
    procedures: tuple[ProcedureResult, ...]
    pending_questions: tuple[str, ...]

    def to_json(self) -> dict:
        return {"procedures": [p.to_json() for p in self.procedures],
                "pending_questions": list(self.pending_questions)}

    def codes(self, status: str | None = None) -> list[str]:
        return [p.code for p in self.procedures if status is None or p.status == status]


@dataclass(frozen=True)
class Screen:
    """The next screen of the interview (画面): one question, or — when that question belongs to a ``group:`` — a
    checklist of every pending yes/no question of that group, answered together (one key per item)."""

    facts: tuple[str, ...]
    group: str | None = None  # the group's title, shown on the checklist

    @property
    def is_checklist(self) -> bool:
        return self.group is not None


@dataclass(frozen=True)
class CaseDates:
    """What the engine needs besides the answers: the dates that fix age and deadlines, and what else the intake
    (受付票) says that derived facts read (``deceased.sex``, ``applicant.relationship``)."""

    birth_date: dt.date
    death_date: dt.date
    funeral_date: dt.date | None = None
    sex: str | None = None
    applicant_relationship: str | None = None
    chief_mourner: str | None = None
    applicant_name: str | None = None

    @classmethod
    def of(cls, case: Case) -> "CaseDates":
        return cls(case.deceased.birth_date, case.deceased.death_date,
                   case.funeral.date if case.funeral else None, case.deceased.sex,
                   case.applicant.relationship if case.applicant else None,
                   case.funeral.chief_mourner if case.funeral else None,
                   case.applicant.name if case.applicant else None)

    @property
    def age(self) -> int:
        return age_in_years(self.birth_date, self.death_date)

    @property
    def intake(self) -> Intake:
        return Intake(self.age, self.sex, (self.applicant_relationship or "").strip() or None, self.funeral_date,
                      _spaced(self.chief_mourner), _spaced(self.applicant_name))


def _spaced(name: str | None) -> str | None:
    """A name with full-width spaces as half-width ones (山田\u3000花子 → 山田 花子), or None when blank."""
    return " ".join((name or "").replace("\u3000", " ").split()) or None


def _facts_affected_by(book: Rulebook) -> dict[str, set[str]]:
    """fact → the facts whose resolved value may change when it changes (itself included)."""
    direct: dict[str, set[str]] = {f: {f} for f in book.facts}
    for derived, d in DERIVED.items():
        for inp in d.inputs:
            direct[inp].add(derived)
    for fact, q in book.questions.items():
        for node in q.conditions():
            for g in node.facts():
                direct[g].add(fact)
    closure: dict[str, set[str]] = {}
    for f in book.facts:
        seen, todo = set(), [f]
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            todo.extend(direct.get(x, ()))
        closure[f] = seen
    return closure


class _Resolver:
    """The evaluation context: resolves facts (memoized) and other procedures' results (``applies``)."""

    def __init__(self, book: Rulebook, dates: CaseDates, answers: dict[str, Any]):
        self.book = book
        self.dates = dates
        self.intake = dates.intake
        self.answers = answers
        self.values: dict[str, Any] = {}
        self.results: dict[str, C.Result] = {}

    def fact(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            value = self.values[name] = self._resolve(name)
            return value

    def _resolve(self, name: str) -> Any:
        if name in self.answers:
            value = self.answers[name]
            if value == UNKNOWN_LITERAL:
                return Unknown(frozenset({name}))
            d = self.book.facts.get(name)
            if isinstance(value, str) and d is not None and d.kind == "date":
                return dt.date.fromisoformat(value)  # a date answer stored as text (YYYY-MM-DD) by the desk app
            return value
        derived = DERIVED.get(name)
        if derived is not None:
            value = derived.compute(self)
            if value is not None:
                return value
        q = self.book.questions.get(name)
        if q is not None:
            for when, value in q.derive:
                if when.eval(self)[0] == C.TRUE:
                    return value
        if q is not None and q.gate is not None:
            truth, blame = q.gate.eval(self)
            if truth == C.FALSE:
                return if_not_asked_value(q)
            if truth == C.PENDING:
                return Pending(frozenset(blame))
        return Pending(frozenset({name}))

    def applies(self, code: str) -> C.Result:
        try:
            return self.results[code]
        except KeyError:
            result = self.results[code] = self.book.rules[code].when.eval(self)
            return result

    def forget(self, facts: Iterable[str], codes: Iterable[str]) -> None:
        for f in facts:
            self.values.pop(f, None)
        for c in codes:
            self.results.pop(c, None)


def _reasons(book: Rulebook, rule: Rule, truth: int, blame: tuple) -> tuple[str, ...]:
    if truth == C.TRUE:
        if rule.spec.reason:
            return (rule.spec.reason,)
        phrases: list[str] = []
        for node in blame:
            text = node.phrase() if hasattr(node, "phrase") else ""
            if text and text not in phrases:
                phrases.append(text)
        return tuple(phrases)
    out = []
    for fact in _ordered_facts(book, set(blame)):
        q = book.questions.get(fact)
        if q is None and book.facts[fact].derived:  # from the intake (受付票), e.g. 性別 left blank
            out.append(f"受付票に「{book.facts[fact].meaning}」の記入がないため、対象かどうかの確認が必要です")
            continue
        asked = f"「{q.spec.text}」" if q else f"「{book.facts[fact].meaning}」"
        out.append(f"{asked}への答えが「わからない」のため、対象かどうかの確認が必要です")
    if rule.spec.reason:
        out.append(f"該当する場合：{rule.spec.reason}")
    return tuple(out)


def _ordered_facts(book: Rulebook, facts: set[str]) -> list[str]:
    """Facts in question-bank order (the order the clerk asks them)."""
    order = book.question_order
    return sorted(facts, key=lambda f: (order.get(f, len(order)), f))


def _deadline(book: Rulebook, rule: Rule, dates: CaseDates) -> dt.date | None:
    spec = rule.spec.deadline
    if not spec.has_period:
        return None
    start = dates.death_date if spec.from_ == "death" else dates.funeral_date
    if start is None:
        return None
    policy = spec.rollover or book.root.settings.rollover
    return compute_deadline(start, book.calendar, rollover=policy == "next_open_day", days=spec.days,
                            months=spec.months, years=spec.years, count_first_day=spec.count_first_day)


class Session:
    """An interview in progress. Answers may come in any order and be changed; the result is always the
    same as :func:`evaluate` on the same answers, but only what depends on a change is evaluated again."""

    def __init__(self, book: Rulebook, dates: CaseDates, answers: dict[str, Any] | None = None):
        self.book = book
        self._affected = _facts_affected_by(book)
        self._rules = book.ordered
        self._by_fact: dict[str, list[str]] = {}
        self._dependents: dict[str, set[str]] = {}  # code → codes that say 'applies: code'
        for rule in self._rules:
            for f in rule.when.facts():
                self._by_fact.setdefault(f, []).append(rule.code)
            for code, _ in rule.when.applies_codes():
                self._dependents.setdefault(code, set()).add(rule.code)
        self.reset(dates, dict(answers or {}))

    # -- changes ------------------------------------------------------------------------------------------
    def reset(self, dates: CaseDates, answers: dict[str, Any]) -> None:
        self.dates = dates
        self.answers = dict(answers)
        self._resolver = _Resolver(self.book, dates, self.answers)
        self._outcome: dict[str, C.Result] = {}
        self._listed: dict[str, ProcedureResult | None] = {}  # built lazily, dropped when the outcome changes
        self._deadlines: dict[str, dt.date | None] = {}
        for rule in self._rules:
            self._outcome[rule.code] = self._resolver.applies(rule.code)
            self._deadlines[rule.code] = _deadline(self.book, rule, dates)
        self._result: Evaluation | None = None

    def set_dates(self, dates: CaseDates) -> None:
        self.reset(dates, self.answers)

    def answer(self, fact: str, value: Any) -> None:
        """Record an answer (``"unknown"`` for わからない)."""
        if fact in self.answers and self.answers[fact] == value and type(self.answers[fact]) is type(value):
            return
        self.answers[fact] = value
        self._changed(fact)

    def clear(self, fact: str) -> None:
        """Take an answer back (the question becomes unanswered)."""
        if fact in self.answers:
            del self.answers[fact]
            self._changed(fact)

    def _changed(self, fact: str) -> None:
        facts = self._affected.get(fact, {fact})
        codes: set[str] = set()
        for f in facts:
            codes.update(self._by_fact.get(f, ()))
        todo = list(codes)
        while todo:
            code = todo.pop()
            for dep in self._dependents.get(code, ()):
                if dep not in codes:
                    codes.add(dep)
                    todo.append(dep)
        self._resolver.forget(facts, codes)
        for code in codes:
            outcome = self._resolver.applies(code)
            if outcome != self._outcome[code]:
                self._outcome[code] = outcome
                self._listed.pop(code, None)
        self._result = None

    # -- result -------------------------------------------------------------------------------------------
    @property
    def result(self) -> Evaluation:
        if self._result is None:
            self._result = self._assemble()
        return self._result

    def _assemble(self) -> Evaluation:
        procedures = []
        pending: set[str] = set()
        outcome, listed = self._outcome, self._listed
        for fact in self.book.form_questions:  # asked for the forms (for_forms: true) while unanswered
            value = self._resolver.fact(fact)
            if isinstance(value, Pending):
                pending.update(value.facts)
        for rule in self._rules:
            code = rule.code
            truth, blame = outcome[code]
            if truth == C.PENDING:
                pending.update(blame)
            elif truth != C.FALSE:
                item = listed.get(code)
                if item is None:
                    item = listed[code] = self._listing(rule, truth, blame)
                procedures.append(item)
        return Evaluation(tuple(procedures), tuple(_ordered_facts(self.book, pending)))

    def _listing(self, rule: Rule, truth: int, blame: tuple) -> ProcedureResult:
        book = self.book
        return ProcedureResult(
            code=rule.code, title=rule.title, department=book.department_name(rule),
            status=REQUIRED if truth == C.TRUE else TO_CONFIRM,
            deadline=self._deadlines[rule.code],
            reasons=_reasons(book, rule, truth, blame),
            confirm_facts=tuple(_ordered_facts(book, set(blame))) if truth == C.UNKNOWN else (),
            rule=rule)

    @property
    def undecided(self) -> tuple[str, ...]:
        """The procedures whose decision still waits on an unanswered question (they may yet apply), in visiting
        order — e.g. for what a family should bring before the interview is over (事前案内)."""
        return tuple(r.code for r in self._rules if self._outcome[r.code][0] == C.PENDING)

    @property
    def next_question(self) -> str | None:
        pending = self.result.pending_questions
        return pending[0] if pending else None

    @property
    def next_screen(self) -> Screen | None:
        """The next question, or the checklist of its group (every pending question of the same ``group:``)."""
        pending = self.result.pending_questions
        if not pending:
            return None
        q = self.book.questions.get(pending[0])
        if q is None or not q.group:
            return Screen((pending[0],))
        members = tuple(f for f in pending if (other := self.book.questions.get(f)) and other.group == q.group)
        return Screen(members, q.group)

    def answer_screen(self, values: dict[str, Any]) -> None:
        """Record a whole screen's answers (a checklist: an item not ticked is ``False``)."""
        for fact, value in values.items():
            self.answer(fact, value)


def evaluate(book: Rulebook, case: Case) -> Evaluation:
    """Evaluate a case from scratch."""
    return Session(book, CaseDates.of(case), dict(case.facts)).result
