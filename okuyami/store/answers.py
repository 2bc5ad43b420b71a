"""Answers (回答): one row per case × fact, with its source (窓口 ``counter``, 電話 ``phone``, 住基 ``juki``),
the operator, the time and a revision number.

Two terminals answering different questions of one case never touch each other's rows. A terminal that answers
a question from a stale copy (the answer changed since it read it: ``expected_rev``) is refused with
:class:`~okuyami.store.database.StaleWrite`; nothing is silently overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, notices
from .cases import ANY, bump
from .database import Actor, StaleWrite, StoreError, now
from .schema import ANSWER_SOURCES, MAX_COUNT, MAX_TEXT_ANSWER, answers

SOURCE_LABELS = {"counter": "窓口", "phone": "電話", "juki": "住基"}


def _stale(fact: str) -> StaleWrite:
    return StaleWrite(f"質問「{fact}」の回答は、他の端末で先に変更されていました。最新の内容を読み込み直しました。")


def check_answer(fact: str, value: Any) -> None:
    """Bounds the store holds whatever the caller checked: a count of people 0–99, a text answer 500 characters."""
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_COUNT:
        raise StoreError(f"「{fact}」の人数・数は0から{MAX_COUNT}までです。")
    if isinstance(value, str) and len(value) > MAX_TEXT_ANSWER:
        raise StoreError(f"「{fact}」の答えは{MAX_TEXT_ANSWER}文字までです。")
    if isinstance(value, str) and "\x00" in value:
        raise StoreError(f"「{fact}」の答えに使えない文字（NUL）が含まれています。")


def set_answer(conn: Connection, actor: Actor, case_id: int, fact: str, value: Any, *, source: str = "counter",
               expected_rev: Any = ANY, if_version: int | None = None, version: int | None = None) -> int:
    """Record one answer (``"unknown"`` for わからない); returns the case's new version.

    ``expected_rev``: the answer's revision the clerk saw (None: it was unanswered); ``if_version``: the case's.
    ``version``: the case was already counted as changed in this transaction (several answers of one screen)."""
    if source not in ANSWER_SOURCES:
        raise ValueError(source)
    check_answer(fact, value)
    if version is None:
        version = bump(conn, case_id, if_version)  # also: the case exists (else CaseNotFound)
    if isinstance(value, dt.date):  # a date answer (a city's own date fact) is kept as ISO text
        value = value.isoformat()
    text, at = json.dumps(value, ensure_ascii=False), now()
    values = {"value": text, "source": source, "operator": actor.operator, "updated_at": at}
    if expected_rev is ANY:
        if conn.execute(answers.update().where(answers.c.case_id == case_id, answers.c.fact == fact)
                        .values(**values, rev=answers.c.rev + 1)).rowcount == 0:
            _insert(conn, case_id, fact, values, fact_for_error=None)
    elif expected_rev is None:
        _insert(conn, case_id, fact, values, fact_for_error=fact)
    else:
        if conn.execute(answers.update().where(answers.c.case_id == case_id, answers.c.fact == fact,
                                               answers.c.rev == expected_rev)
                        .values(**values, rev=answers.c.rev + 1)).rowcount == 0:
            raise _stale(fact)
    audit.record(conn, actor, "answer.set", case_id, fact=fact, source=source)
    notices.ring(conn, "answer", case_id, terminal=actor.terminal)
    return version


def _insert(conn: Connection, case_id: int, fact: str, values: dict, fact_for_error: str | None) -> None:
    """Insert a first answer; if another terminal inserted it meanwhile: refused (with ``fact_for_error``) or,
    without a compare-and-set, turned into an update."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(answers).values(case_id=case_id, fact=fact, rev=1, **values)
    if fact_for_error:
        inserted = conn.execute(stmt.on_conflict_do_nothing(index_elements=["case_id", "fact"])
                                .returning(answers.c.rev)).first()  # (rowcount is not reliable here on psycopg)
        if inserted is None:
            raise _stale(fact_for_error)
    else:
        conn.execute(stmt.on_conflict_do_update(index_elements=["case_id", "fact"],
                                                set_={**values, "rev": answers.c.rev + 1}))


def clear_answer(conn: Connection, actor: Actor, case_id: int, fact: str, *, expected_rev: Any = ANY,
                 if_version: int | None = None) -> int:
    """Take an answer back (the question becomes unanswered again)."""
    version = bump(conn, case_id, if_version)
    q = answers.delete().where(answers.c.case_id == case_id, answers.c.fact == fact)
    if expected_rev not in (ANY, None):
        q = q.where(answers.c.rev == expected_rev)
    if conn.execute(q).rowcount == 0 and expected_rev is not ANY:
        raise _stale(fact)
    audit.record(conn, actor, "answer.clear", case_id, fact=fact)
    notices.ring(conn, "answer", case_id, terminal=actor.terminal)
    return version


def sources(conn: Connection, case_id: int) -> dict[str, str]:
    q = sa.select(answers.c.fact, answers.c.source).where(answers.c.case_id == case_id)
    return {f: s for f, s in conn.execute(q)}
