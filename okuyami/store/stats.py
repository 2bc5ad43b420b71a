"""Figures for the city's statistics (統計用の集計): per case in a period — visits and phone calls, time at the
corner, questions asked at the counter, answers from 住基, procedures per department — read in a handful of
queries (never one per case). Names only when asked for (``with_names``; the export is audited either way).

Time at the corner: a visit's ``ended_at`` when recorded, otherwise from its start to the last thing recorded on
that case from the same terminal that day (an answer, a print, a status): the end of the work at the counter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .cases import JST, day_bounds
from .schema import answers, audit_log, cases, print_log, tasks, visits


@dataclass
class VisitStat:
    kind: str  # counter / phone
    started_at: dt.datetime
    minutes: float | None  # time at the corner (None: nothing recorded after the start)


@dataclass
class CaseStat:
    id: int
    created_at: dt.datetime
    state: str
    from_juki: bool
    birth_date: dt.date | None
    death_date: dt.date | None
    visits: list[VisitStat] = field(default_factory=list)
    asked: int = 0  # answers given at the counter or by phone (questions asked)
    juki_answers: int = 0
    tasks: list[tuple[str, str]] = field(default_factory=list)  # (department, status), procedures that apply
    prints: int = 0
    names: dict[str, str] = field(default_factory=dict)  # only with names: deceased, kana, applicant


def case_stats(conn: Connection, first: dt.date, last: dt.date, *, with_names: bool = False) -> list[CaseStat]:
    """Cases created or visited (at the counter or by phone) from ``first`` to ``last`` (Japan time)."""
    start, end = day_bounds(first, last)
    visited = sa.exists().where(visits.c.case_id == cases.c.id, visits.c.started_at >= start,
                                visits.c.started_at < end)
    cols = [cases.c.id, cases.c.created_at, cases.c.state, cases.c.juki_key, cases.c.deceased_birth_date,
            cases.c.deceased_death_date]
    if with_names:
        cols += [cases.c.deceased_name, cases.c.deceased_kana, cases.c.applicant_name]
    q = sa.select(*cols).where(sa.or_(visited, sa.and_(cases.c.created_at >= start, cases.c.created_at < end)))
    out = {}
    for r in conn.execute(q.order_by(cases.c.id)):
        s = CaseStat(r.id, r.created_at, r.state, r.juki_key is not None, r.deceased_birth_date, r.deceased_death_date)
        if with_names:
            s.names = {"deceased": r.deceased_name or "", "kana": r.deceased_kana or "",
                       "applicant": r.applicant_name or ""}
        out[r.id] = s
    ids = list(out)
    if not ids:
        return []
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for a in conn.execute(sa.select(answers.c.case_id, answers.c.source, sa.func.count()).where(
                answers.c.case_id.in_(chunk)).group_by(answers.c.case_id, answers.c.source)):
            if a[1] == "juki":
                out[a[0]].juki_answers += a[2]
            else:
                out[a[0]].asked += a[2]
        for t in conn.execute(sa.select(tasks.c.case_id, tasks.c.department, tasks.c.status).where(
                tasks.c.case_id.in_(chunk), tasks.c.applies.is_(True)).order_by(tasks.c.case_id, tasks.c.procedure)):
            out[t.case_id].tasks.append((t.department, t.status))
        for p in conn.execute(sa.select(print_log.c.case_id, sa.func.count()).where(
                print_log.c.case_id.in_(chunk)).group_by(print_log.c.case_id)):
            out[p[0]].prints = p[1]
        last_act: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
        for e in conn.execute(sa.select(audit_log.c.case_id, audit_log.c.terminal, audit_log.c.at).where(
                audit_log.c.case_id.in_(chunk), audit_log.c.at >= start,
                audit_log.c.at < end + dt.timedelta(days=1))):
            last_act[(e.case_id, e.terminal)].append(e.at)
        for v in conn.execute(sa.select(visits).where(visits.c.case_id.in_(chunk), visits.c.started_at >= start,
                                                      visits.c.started_at < end).order_by(visits.c.started_at)):
            out[v.case_id].visits.append(VisitStat(v.kind, v.started_at, _minutes(v, last_act)))
    return list(out.values())


def _minutes(v, last_act) -> float | None:
    if v.ended_at is not None:
        return max(0.0, (v.ended_at - v.started_at).total_seconds() / 60)
    day_end = dt.datetime.combine(v.started_at.astimezone(JST).date(), dt.time(), JST) + dt.timedelta(days=1)
    after = [t for t in last_act.get((v.case_id, v.terminal), []) if v.started_at <= t < day_end]
    if not after or max(after) <= v.started_at:
        return None
    return (max(after) - v.started_at).total_seconds() / 60
