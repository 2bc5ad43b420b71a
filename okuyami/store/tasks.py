"""Tasks (各課の手続き): one row per case × procedure — the department's work for a family.

Status ``open`` (未着手) → ``prepared`` (準備済: the forms are ready) → ``done`` (完了); or ``deferred`` (後日) /
``not_applicable`` (不要), with a note, the operator, the time and a version. :func:`sync` keeps the rows in step
with the engine: a procedure that starts to apply gets an ``open`` task for its department; one that no longer
applies loses an untouched task, while a task somebody already worked on is kept (``applies`` false) so nothing a
department recorded is lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..core.engine import Evaluation
from ..core.rulebook import Rule, Rulebook
from . import audit, notices
from .cases import ANY, OPEN_TASK_STATUSES, TASK_LABELS, CaseNotFound, bump, day_bounds
from .database import Actor, StaleWrite, now, to_jst
from .schema import TASK_STATUSES, cases, tasks, visits


def department_of(book: Rulebook, rule: Rule) -> str:
    """The department id (rules.yaml ``departments:``) of a procedure's counter, or the outside agency's id."""
    if rule.spec.counter:
        return book.root.counters[rule.spec.counter].department
    return rule.spec.agency or ""


def set_status(conn: Connection, actor: Actor, case_id: int, procedure: str, status: str, *,
               note: str | None = None, department: str | None = None, expected_version: Any = ANY,
               if_version: int | None = None, follow_up: Any = ANY) -> int:
    """Record a department's work on one procedure; returns the task's new version.

    ``follow_up`` (後日の予定日) is the day the family means to come back for a ``deferred`` task; any other
    status clears it."""
    if status not in TASK_STATUSES:
        raise ValueError(status)
    bump(conn, case_id, if_version)
    values: dict[str, Any] = {"status": status, "operator": actor.operator, "updated_at": now()}
    if note is not None:
        values["note"] = note
    if status != "deferred":
        values["follow_up"] = None
    elif follow_up is not ANY:
        values["follow_up"] = follow_up
    q = tasks.update().where(tasks.c.case_id == case_id, tasks.c.procedure == procedure)
    if expected_version is not ANY and expected_version is not None:
        q = q.where(tasks.c.version == expected_version)
    if conn.execute(q.values(**values, version=tasks.c.version + 1)).rowcount == 0:
        if expected_version is not ANY and expected_version is not None:
            raise StaleWrite(f"手続き「{procedure}」の対応は、他の端末で先に変更されていました。最新の内容を読み込み直しました。")
        conn.execute(tasks.insert().values(case_id=case_id, procedure=procedure, department=department or "",
                                           note=note or "", version=1, applies=True,
                                           **{k: v for k, v in values.items() if k != "note"}))
    if status == "deferred":  # the case list shows that it waits for a return visit
        conn.execute(cases.update().where(cases.c.id == case_id, cases.c.state.in_(("in_progress", "printed", "new")))
                     .values(state="follow_up"))
    version = conn.execute(sa.select(tasks.c.version, tasks.c.department).where(
        tasks.c.case_id == case_id, tasks.c.procedure == procedure)).one()
    audit.record(conn, actor, "task.set", case_id, procedure=procedure, status=status)
    notices.ring(conn, "task", case_id, department=version.department, terminal=actor.terminal)
    return version.version


def sync(conn: Connection, actor: Actor, case_id: int, result: Evaluation, book: Rulebook) -> bool:
    """Bring the case's tasks in line with the engine's result; True if anything changed."""
    wanted = {p.code: department_of(book, p.rule) for p in result.procedures if p.rule is not None}
    have = {r.procedure: r for r in conn.execute(sa.select(tasks).where(tasks.c.case_id == case_id))}
    changed: set[str] = set()
    at = now()
    for code, dept in wanted.items():
        row = have.get(code)
        if row is None:
            conn.execute(tasks.insert().values(case_id=case_id, procedure=code, department=dept, status="open",
                                               note="", operator=actor.operator, updated_at=at, version=1,
                                               applies=True))
            changed.add(dept)
        elif not row.applies or row.department != dept:
            conn.execute(tasks.update().where(tasks.c.case_id == case_id, tasks.c.procedure == code)
                         .values(applies=True, department=dept, version=tasks.c.version + 1))
            changed.add(dept)
    for code, row in have.items():
        if code in wanted or not row.applies:
            continue
        untouched = row.status == "open" and not row.note and row.version == 1
        q = tasks.delete() if untouched else tasks.update().values(applies=False, version=tasks.c.version + 1)
        conn.execute(q.where(tasks.c.case_id == case_id, tasks.c.procedure == code))
        changed.add(row.department)
    if changed:
        bump(conn, case_id)
        for dept in sorted(changed):
            notices.ring(conn, "task", case_id, department=dept, terminal=actor.terminal)
    return bool(changed)


@dataclass(frozen=True)
class TaskLine:
    """One line of a department's work list (contract §8 ``tasks list``)."""

    case: int
    procedure: str
    department: str
    status: str
    note: str
    deceased: str | None
    death_date: dt.date | None
    visit: dt.datetime | None  # the booked slot's start, else the start of the counter visit (never a phone call)
    updated_at: dt.datetime
    version: int
    expected: Any = None  # store.day.Expected: the booking's number, live status, desk, who serves them

    @property
    def label(self) -> str:
        return TASK_LABELS[self.status]

    def to_json(self) -> dict[str, Any]:
        e = self.expected
        return {"case": self.case, "procedure": self.procedure, "department": self.department,
                "status": self.status, "deceased": self.deceased,
                "visit": to_jst(self.visit).isoformat(timespec="minutes") if self.visit else None,
                "updated_at": to_jst(self.updated_at).isoformat(timespec="seconds"), "note": self.note,
                "reservation": e.reservation if e else None, "reservation_status": e.status if e else None}


def cases_on_days(start: dt.datetime, end: dt.datetime):
    """The ids of the cases with a visit booked in [start, end) (else one started then: a booked time wins over
    the time the family actually came), or created then. A UNION of three index range scans
    (``ix_visits_scheduled_at``, ``ix_visits_started_at``, ``ix_cases_created_at``), never a scan of every visit."""
    created = cases.alias("cases_created")  # not the outer query's row
    when = sa.func.coalesce(visits.c.scheduled_at, visits.c.started_at)
    counter = visits.c.kind != "phone"  # a phone call is not a visit (contract §8)
    return sa.union(
        sa.select(visits.c.case_id).where(visits.c.scheduled_at >= start, visits.c.scheduled_at < end, counter),
        # (the booked time, if any, must be that day too; not written "scheduled_at IS NULL", which SQLite
        # would answer from ix_visits_scheduled_at: every visit never booked)
        sa.select(visits.c.case_id).where(visits.c.started_at >= start, visits.c.started_at < end, when >= start,
                                          when < end, counter),
        sa.select(created.c.id).where(created.c.created_at >= start, created.c.created_at < end))


def work_list(conn: Connection, *, department: str | None = None, date: dt.date | None = None,
              until: dt.date | None = None, case_ids: "list[int] | None" = None) -> list[TaskLine]:
    """A department's tasks. Without ``date``: every task not yet done (open, prepared, deferred). With
    ``date`` (and optionally ``until``): the tasks of the families visiting or booked on those days (Japan time),
    whatever their status, so the counter sees what it already prepared. ``case_ids``: only these families' lines
    (a window refreshing the lines that a notice concerns)."""
    q = (sa.select(tasks.c.case_id, tasks.c.procedure, tasks.c.department, tasks.c.status, tasks.c.note,
                   cases.c.deceased_name, cases.c.deceased_death_date, tasks.c.updated_at, tasks.c.version,
                   cases.c.created_at)
         .join(cases, cases.c.id == tasks.c.case_id).where(tasks.c.applies.is_(True)))
    if department and date is None and case_ids is None:
        q = q.where(tasks.c.department == department)  # every unfinished task: ix_tasks_department_status
    elif department:  # a day's families (or a few): found first, then their tasks by primary key. The department
        # is compared through coalesce() so that SQLite's planner does not walk the department's whole history
        q = q.where(sa.func.coalesce(tasks.c.department, "") == department)
    if case_ids is not None:
        q = q.where(tasks.c.case_id.in_(list(case_ids)))
    if date is None:
        q = q.where(tasks.c.status.in_(OPEN_TASK_STATUSES))
        bounds = None
    else:
        start, end = bounds = day_bounds(date, until)
        q = q.where(tasks.c.case_id.in_(cases_on_days(start, end)))
    rows = conn.execute(q.order_by(tasks.c.case_id, tasks.c.procedure)).all()
    from .day import expected  # the booked time and the booking's live status (store/day.py)

    coming = expected(conn, sorted({r.case_id for r in rows}), bounds)
    lines = [TaskLine(r.case_id, r.procedure, r.department, r.status, r.note, r.deceased_name, r.deceased_death_date,
                      coming[r.case_id].at if r.case_id in coming else None, r.updated_at, r.version,
                      coming.get(r.case_id)) for r in rows]
    return sorted(lines, key=line_order)


_FAR = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def line_order(line: TaskLine):
    """The order of a work list: by visit (families without one last), then case and procedure."""
    return (line.visit or _FAR, line.case, line.procedure)


@dataclass(frozen=True)
class FollowUp:
    """One procedure a family will do later (後日対応): for the list of return visits to expect."""

    case: int
    deceased: str | None
    phone: str | None  # the visitor's, to call if the day passes
    procedure: str
    department: str
    note: str
    follow_up: dt.date | None
    updated_at: dt.datetime


def follow_ups(conn: Connection, *, until: dt.date | None = None) -> list[FollowUp]:
    """Every ``deferred`` task that still applies, soonest follow-up date first (those without a date last)."""
    q = (sa.select(tasks.c.case_id, cases.c.deceased_name, cases.c.applicant_phone, tasks.c.procedure,
                   tasks.c.department, tasks.c.note, tasks.c.follow_up, tasks.c.updated_at)
         .join(cases, cases.c.id == tasks.c.case_id)
         .where(tasks.c.status == "deferred", tasks.c.applies.is_(True)))
    if until is not None:
        q = q.where(tasks.c.follow_up <= until)
    rows = [FollowUp(*r) for r in conn.execute(q)]
    return sorted(rows, key=lambda f: (f.follow_up is None, f.follow_up or dt.date.min, f.case, f.procedure))


def task_of(conn: Connection, case_id: int, procedure: str):
    row = conn.execute(sa.select(tasks).where(tasks.c.case_id == case_id, tasks.c.procedure == procedure)).first()
    if row is None and conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    return row
