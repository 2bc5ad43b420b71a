"""The print log (印刷記録): what was printed for which case, when, by whom, at which terminal and visit."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, notices
from .database import Actor, now
from .schema import cases, print_log, tasks


@dataclass(frozen=True)
class PrintEntry:
    id: int
    case_id: int
    visit_id: int | None
    at: dt.datetime
    operator: str
    terminal: str
    what: dict


def log(conn: Connection, actor: Actor, case_id: int, what: dict, visit_id: int | None = None, *,
        state: bool = True) -> int:
    """Log a print; with ``state`` (the family's papers at the corner) the case becomes 印刷済 — 後日対応あり while
    a procedure is put off. A department reprinting its own forms passes ``state=False``."""
    entry = conn.execute(print_log.insert().values(case_id=case_id, visit_id=visit_id, at=now(),
                                                   operator=actor.operator, terminal=actor.terminal,
                                                   what=json.dumps(what, ensure_ascii=False))).inserted_primary_key[0]
    if state:
        deferred = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
            tasks.c.case_id == case_id, tasks.c.status == "deferred", tasks.c.applies.is_(True))).scalar_one()
        conn.execute(cases.update().where(cases.c.id == case_id, cases.c.state.in_(("in_progress", "new")))
                     .values(state="follow_up" if deferred else "printed"))
    audit.record(conn, actor, "print", case_id, forms=len(what.get("forms", [])), to=what.get("to", ""))
    notices.ring(conn, "print", case_id, terminal=actor.terminal)
    return entry


def for_case(conn: Connection, case_id: int) -> list[PrintEntry]:
    q = sa.select(print_log).where(print_log.c.case_id == case_id).order_by(print_log.c.id)
    return [PrintEntry(r.id, r.case_id, r.visit_id, r.at, r.operator, r.terminal, json.loads(r.what or "{}"))
            for r in conn.execute(q)]
