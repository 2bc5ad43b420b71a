"""Visits (来庁・電話): each time the family is served — at the counter or by phone — or booked to come."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, notices
from .cases import day_bounds
from .database import Actor, now, to_jst
from .schema import cases, visits


@dataclass(frozen=True)
class Visit:
    id: int
    case_id: int
    kind: str
    office: str
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    operator: str
    terminal: str


def start(conn: Connection, actor: Actor, case_id: int, *, kind: str = "counter", office: str = "") -> int:
    visit_id = conn.execute(visits.insert().values(case_id=case_id, kind=kind, office=office, started_at=now(),
                                                   operator=actor.operator, terminal=actor.terminal)
                            ).inserted_primary_key[0]
    if kind == "counter":  # the family came (未来庁 until now, or back again after printing): 受付中 during the visit
        conn.execute(cases.update().where(cases.c.id == case_id, cases.c.state.in_(("new", "printed", "follow_up")))
                     .values(state="in_progress"))
    audit.record(conn, actor, "visit.start", case_id, kind=kind)
    notices.ring(conn, "visit", case_id, terminal=actor.terminal)
    return visit_id


def finish(conn: Connection, visit_id: int, at: dt.datetime) -> None:
    """The visit is done (来庁の終了): record when the family left the counter — a booking or a walk-in set to 完了.
    Kept only if the visit has started and the end is not before its start; the report's 滞在時間 is start → end."""
    conn.execute(visits.update().where(visits.c.id == visit_id, visits.c.started_at.is_not(None),
                                       visits.c.started_at <= at).values(ended_at=at))


def reopen(conn: Connection, visit_id: int) -> None:
    """A 完了 undone (the family is still being served): the visit has no end again."""
    conn.execute(visits.update().where(visits.c.id == visit_id).values(ended_at=None))


def for_case(conn: Connection, case_id: int) -> list[Visit]:
    q = sa.select(visits).where(visits.c.case_id == case_id).order_by(visits.c.id)
    return [Visit(**r._mapping) for r in conn.execute(q)]


def ensure_today(conn: Connection, actor: Actor, case_id: int, *, kind: str = "counter") -> int:
    """This day's visit of the case (Japan time), started now if there is none yet: a return visit on another day
    is a visit of its own in the case's history."""
    day_start, day_end = day_bounds(to_jst(now()).date())  # the store's clock ($OKUYAMI_NOW / $OKUYAMI_TODAY in tests)
    q = (sa.select(visits.c.id).where(visits.c.case_id == case_id, visits.c.kind == kind,  # a call is not a visit
                                      visits.c.started_at >= day_start, visits.c.started_at < day_end)
         .order_by(visits.c.id.desc()).limit(1))
    found = conn.execute(q).scalar_one_or_none()
    return found if found is not None else start(conn, actor, case_id, kind=kind)
