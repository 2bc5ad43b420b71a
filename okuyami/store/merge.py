"""Deleting an empty case (空の案件の削除) and merging two cases of the same person (同一人物の案件の統合).

A case opened by mistake (nothing answered, printed or worked on) may be deleted; anything with content is kept
(closing it is the way to put it aside). Two cases of the same deceased — the family came twice and a second case
was opened, or a booking and a walk-in — are merged into the one that is kept: what only the other knew is carried
over, where both know something different the kept case's value stays and the difference is listed, and every
record hanging on the other case (visits, print log, packets, reservations…) moves over. Both are audited.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..core.rulebook import Rulebook
from . import audit, notices
from .cases import TASK_LABELS, CaseNotFound, bump, delete, field_label, load, search_text
from .database import Actor, StoreError
from .schema import DATE_COLUMNS, PERSON_COLUMNS, answers, cases, metadata, print_log, tasks, visits

# how far a task has got: a merge keeps the furthest of the two
_PROGRESS = {"open": 0, "prepared": 1, "deferred": 2, "not_applicable": 3, "done": 4}
# how far a case has got (閉じた案件は両方が閉じているときだけ閉じたまま)
_STATE_ORDER = {"new": 0, "in_progress": 1, "printed": 2, "follow_up": 3, "closed": 4}
class NotEmpty(StoreError):
    pass


def emptiness(conn: Connection, case_id: int) -> list[str]:
    """Why a case is not empty (in Japanese); an empty list: it may be deleted."""
    reasons = []
    if conn.execute(sa.select(sa.func.count()).select_from(answers).where(answers.c.case_id == case_id)).scalar_one():
        reasons.append("聞き取りの回答があります")
    if conn.execute(sa.select(sa.func.count()).select_from(print_log).where(print_log.c.case_id == case_id)).scalar_one():
        reasons.append("印刷の記録があります")
    if conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
            tasks.c.case_id == case_id, tasks.c.status != "open")).scalar_one():
        reasons.append("担当課の対応の記録があります")
    if conn.execute(sa.select(sa.func.count()).select_from(visits).where(
            visits.c.case_id == case_id, visits.c.scheduled_at.is_not(None))).scalar_one():
        reasons.append("予約があります")
    if conn.execute(sa.select(cases.c.juki_key).where(cases.c.id == case_id)).scalar_one_or_none():
        reasons.append("住基から取り込んだ案件です")
    return reasons


def delete_empty(conn: Connection, actor: Actor, case_id: int) -> None:
    """Delete a case opened by mistake; refused (:class:`NotEmpty`, saying why) if it holds anything."""
    if conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    reasons = emptiness(conn, case_id)
    if reasons:
        raise NotEmpty(f"案件番号 {case_id} は削除できません（{'、'.join(reasons)}）。"
                       "不要になった案件は状態を「完了」にしてください。同じ方の案件が二つあるときは「統合」を使います。")
    delete(conn, actor, case_id)


@dataclass
class MergeResult:
    """What a merge did: ``conflicts`` are the differences where the kept case's value stayed (in Japanese)."""

    kept: int
    removed: int
    carried: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


class _Words:
    """Facts and procedures in the clerk's words when the rulebook is given (the question's meaning, はい/いいえ,
    the procedure's title); their codes otherwise (the command line, tests)."""

    def __init__(self, book: Rulebook | None):
        self.book = book

    def fact(self, fact: str) -> str:
        d = self.book.facts.get(fact) if self.book else None
        return d.meaning if d else fact

    def value(self, fact: str, value) -> str:
        if value == "unknown":
            return "わからない"
        d = self.book.facts.get(fact) if self.book else None
        return d.label(value) if d else json.dumps(value, ensure_ascii=False).strip('"')

    def procedure(self, code: str) -> str:
        rule = self.book.rules.get(code) if self.book else None
        return rule.spec.title if rule else code


def plan(conn: Connection, keep_id: int, other_id: int, book: Rulebook | None = None) -> MergeResult:
    """What :func:`merge` would do (nothing is changed): for the clerk to read before confirming."""
    return _merge(conn, None, keep_id, other_id, apply=False, words=_Words(book))


def merge(conn: Connection, actor: Actor, keep_id: int, other_id: int, book: Rulebook | None = None) -> MergeResult:
    return _merge(conn, actor, keep_id, other_id, apply=True, words=_Words(book))


def _merge(conn: Connection, actor: Actor | None, keep_id: int, other_id: int, *, apply: bool,
           words: _Words) -> MergeResult:
    if keep_id == other_id:
        raise StoreError("同じ案件どうしは統合できません。別の案件を選んでください。")
    keep, other = load(conn, keep_id), load(conn, other_id)
    if keep.juki_key and other.juki_key and keep.juki_key != other.juki_key:
        raise StoreError(f"案件番号 {keep_id} と {other_id} は住基の宛名番号が異なる（別の方の）ため統合できません。")
    for f in ("birth_date", "death_date"):
        a, b = keep.deceased.get(f), other.deceased.get(f)
        if a and b and a != b:
            raise StoreError(f"案件番号 {keep_id} と {other_id} は{field_label('deceased.' + f)}が異なります（{a} と {b}）。"
                             "同じ方か確かめ、違っている方の案件を直してから統合してください。")
    result = MergeResult(keep_id, other_id)
    person: dict[str, object] = {}
    for (part, name), column in PERSON_COLUMNS.items():
        mine, theirs = getattr(keep, part).get(name), getattr(other, part).get(name)
        label = field_label(f"{part}.{name}")
        if theirs and not mine:
            person[column] = theirs
            result.carried.append(label)
        elif theirs and mine and theirs != mine:
            result.conflicts.append(f"{label}：「{mine}」のまま（もう一方は「{theirs}」）")
    moved_facts = []
    for fact, value in other.answers.items():
        if fact not in keep.answers:
            moved_facts.append(fact)
            result.carried.append(f"回答「{words.fact(fact)}」")
        elif keep.answers[fact] != value:
            result.conflicts.append(f"回答「{words.fact(fact)}」：「{words.value(fact, keep.answers[fact])}」のまま"
                                    f"（もう一方は「{words.value(fact, value)}」）")
    moved_tasks, replaced_tasks = [], []
    for code, task in other.tasks.items():
        mine = keep.tasks.get(code)
        if mine is None:
            moved_tasks.append(code)
        elif _PROGRESS[task.status] > _PROGRESS[mine.status]:
            replaced_tasks.append(code)
        else:
            continue
        if task.status != "open":  # what a department recorded is worth saying
            result.carried.append(f"手続き「{words.procedure(code)}」：{TASK_LABELS[task.status]}")
    if not apply:
        return result

    if person:
        conn.execute(cases.update().where(cases.c.id == keep_id).values(
            {c: dt.date.fromisoformat(v) if c in DATE_COLUMNS else v for c, v in person.items()}))
    if moved_facts:
        conn.execute(answers.update().where(answers.c.case_id == other_id, answers.c.fact.in_(moved_facts))
                     .values(case_id=keep_id))
    if replaced_tasks:
        conn.execute(tasks.delete().where(tasks.c.case_id == keep_id, tasks.c.procedure.in_(replaced_tasks)))
    if moved_tasks or replaced_tasks:
        conn.execute(tasks.update().where(tasks.c.case_id == other_id,
                                          tasks.c.procedure.in_(moved_tasks + replaced_tasks)).values(case_id=keep_id))
    # every other record hanging on the removed case moves over (visits, print log, packets, reservations…)
    for table in metadata.sorted_tables:
        if table in (answers, tasks, cases):
            continue
        for fk in table.foreign_keys:
            if fk.column is cases.c.id:
                rest = [c for c in table.primary_key.columns if c is not fk.parent]
                if rest and fk.parent.primary_key:  # keyed per case (外字 choices…): the kept wins
                    kept = sa.select(*rest).where(fk.parent == keep_id)
                    conn.execute(table.delete().where(fk.parent == other_id, sa.tuple_(*rest).in_(kept)))
                elif fk.parent.primary_key:  # one row per case (the 住基 baseline): the kept case's, if it has one
                    if conn.execute(sa.select(fk.parent).where(fk.parent == keep_id)).first() is not None:
                        conn.execute(table.delete().where(fk.parent == other_id))
                conn.execute(table.update().where(fk.parent == other_id).values({fk.parent.name: keep_id}))
    values: dict[str, object] = {}
    if other.juki_key and not keep.juki_key:
        conn.execute(cases.update().where(cases.c.id == other_id).values(juki_key=None))
        values["juki_key"] = other.juki_key
    if _STATE_ORDER[other.state] > _STATE_ORDER[keep.state] and other.state != "closed":
        values["state"] = other.state
    elif keep.state == "closed" and other.state != "closed":
        values["state"], values["closed_at"] = other.state, None
    if keep.language == "ja" and other.language != "ja":
        values["language"] = other.language
    if values:
        conn.execute(cases.update().where(cases.c.id == keep_id).values(**values))
    row = conn.execute(sa.select(*[cases.c[c] for c in PERSON_COLUMNS.values()]).where(cases.c.id == keep_id)).mappings().one()
    conn.execute(cases.update().where(cases.c.id == keep_id).values(search_text=search_text(dict(row))))
    bump(conn, keep_id)
    conn.execute(cases.delete().where(cases.c.id == other_id))
    assert actor is not None
    audit.record(conn, actor, "case.merge", keep_id, merged_from=other_id, conflicts=len(result.conflicts))
    audit.record(conn, actor, "case.merged_into", other_id, merged_into=keep_id)
    notices.ring(conn, "case", keep_id, terminal=actor.terminal)
    notices.ring(conn, "case", other_id, terminal=actor.terminal)
    # the departments whose work (and the visits) now hang on the kept case: their lists take it in (refresh.py)
    for dept in sorted(set(conn.execute(sa.select(tasks.c.department).where(tasks.c.case_id == keep_id)).scalars())):
        notices.ring(conn, "task", keep_id, department=dept, terminal=actor.terminal)
    return result
