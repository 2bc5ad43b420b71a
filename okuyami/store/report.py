"""The corner's month in figures (月次報告の集計), read for ``okuyami report month`` and the desk app's 統計….

Every query reads one month through a date range on an indexed column (``reservations.start``, ``visits.kind,
started_at``, ``cases.deceased_death_date``, ``tasks`` by case) and the follow-up queries go by case number in
chunks, so a store holding years of old cases answers as fast as a new one (bench/bench_report.py). Counting is
done by the database (``GROUP BY``); what needs a median, a distribution or the Japanese calendar (weeks, days) is
done here on the month's few hundred numbers. Nothing read here is personal: case numbers, times, counts.

Definitions (the report's footnotes say them in Japanese, :mod:`okuyami.documents.month_report`):

- **a visit at the counter** (来庁): a booking marked ``done`` (完了), a walk-in (予約なしの来庁, unless cancelled),
  or a counter visit opened at the corner without any booking (新しい案件 / 再来庁) — dated by the booked slot, the
  walk-in's arrival, or the visit's start (Japan time). A phone call is never a visit. A counter visit without a
  booking on the same day as a booking of the same case is the same visit.
- **families served** (対応した家族): the distinct cases with a visit in the month (contract §13).
- **time at the corner** (滞在時間): arrival → 完了 of a visit whose arrival and end were both recorded;
  **waiting** (待ち時間): arrival (受付) → 対応中, when both were recorded as separate steps (a booking set straight
  to 対応中 or 完了 has one stamp for all: nothing was measured).
- **registered deaths** (住基の死亡者数): cases imported from the 住基 death list whose death date is in the month.
- **return visit** (再来庁): a visit of a case that had a visit on an earlier day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..core.calendar import JST, to_jst
from . import audit
from .schema import answers, cases, juki_imports, reservations, tasks, visits

CHUNK = 900  # case numbers per IN (…) list
audit.ACTIONS_JA["report.month"] = "月次報告を作成"  # how the history says it (kept with the action it names)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month (年月), e.g. ``Month.parse('2026-11')``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """``YYYY-MM`` (full-width digits accepted); ValueError with a one-line Japanese message otherwise."""
        t = unicodedata.normalize("NFKC", text or "").strip()
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
            raise ValueError(f"月の指定「{text}」が読めません。年は4桁、月は1〜12で、YYYY-MM の形で指定してください"
                             "（例：2026-11）。")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """From the month's first moment to the next month's first moment, Japan time."""
        return (dt.datetime.combine(self.first, dt.time(), JST),
                dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), JST))

    def previous(self) -> "Month":
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> "Month":
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def year_before(self) -> "Month":
        return Month(self.year - 1, self.month)

    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月"


def weeks_of(month: Month, is_open: Callable[[dt.date], bool] | None = None) -> list[tuple[dt.date, dt.date]]:
    """The month's weeks, Monday to Sunday, cut at the month's ends; a piece at either end without an open day
    (e.g. Sunday the 1st) joins its neighbour, so no week shows only a weekend."""
    weeks: list[list[dt.date]] = []
    day = month.first
    while day <= month.last:
        if not weeks or day.weekday() == 0:
            weeks.append([day, day])
        weeks[-1][1] = day
        day += dt.timedelta(days=1)
    if is_open is not None and len(weeks) > 1:
        def closed(w):
            return not any(is_open(w[0] + dt.timedelta(days=i)) for i in range((w[1] - w[0]).days + 1))
        if closed(weeks[0]):
            weeks[1][0] = weeks[0][0]
            weeks.pop(0)
        if len(weeks) > 1 and closed(weeks[-1]):
            weeks[-2][1] = weeks[-1][1]
            weeks.pop()
    return [(a, b) for a, b in weeks]


@dataclass
class ServedVisit:
    case: int
    day: dt.date  # Japan time
    kind: str  # booked / walk_in / direct (a counter visit without a booking)
    stay: float | None = None  # minutes, arrival → end (None: not both recorded)
    wait: float | None = None  # minutes, arrival → service


@dataclass
class MonthFigures:
    """One month's raw figures (no names: case numbers only stay inside this object)."""

    month: Month
    department: str | None = None
    weeks: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    visits: list[ServedVisit] = field(default_factory=list)
    bookings: Counter = field(default_factory=Counter)  # status → bookings whose slot is in the month
    walk_ins: int = 0  # 予約なしの来庁 (walk-in bookings and counter visits opened without a booking)
    registered_deaths: int = 0  # 住基: cases imported with a death date in the month
    registered_came: int = 0  # of these, the families that have come to the corner (up to now)
    last_import: dt.datetime | None = None
    phone_calls: int = 0
    phone_families: int = 0
    phone_answers: int = 0  # answers recorded from those calls (source phone): counter questions saved
    phone_then_came: int = 0  # families called this month who came to the counter this month
    questions: dict[int, int] = field(default_factory=dict)  # served case → answers given at the counter
    return_visits: int = 0
    return_families: int = 0
    tasks: dict[str, Counter] = field(default_factory=dict)  # department → status → procedures
    procedures: dict[str, Counter] = field(default_factory=dict)  # (department page) procedure → status → count
    follow_ups_due: int = 0  # (department page) 後日 tasks whose follow-up day is in the month
    unfinished: int = 0  # bookings of the month checked in but never marked 完了 (not counted as served)

    # -- derived ----------------------------------------------------------------------------------------------
    @property
    def families(self) -> set[int]:
        return {v.case for v in self.visits}

    @property
    def served(self) -> int:
        return len(self.families)

    def weekly(self) -> list[int]:
        out = []
        for a, b in self.weeks:
            out.append(len({v.case for v in self.visits if a <= v.day <= b}))
        return out

    @property
    def share(self) -> float | None:
        """Families served as a percentage of the month's registered deaths (None without an import)."""
        return None if not self.registered_deaths else 100.0 * self.served / self.registered_deaths

    @property
    def has_data(self) -> bool:
        return bool(self.visits or sum(self.bookings.values()) or self.phone_calls or self.registered_deaths
                    or any(sum(c.values()) for c in self.tasks.values()) or self.follow_ups_due)

    @property
    def stays(self) -> list[float]:
        return [v.stay for v in self.visits if v.stay is not None]

    @property
    def waits(self) -> list[float]:
        return [v.wait for v in self.visits if v.wait is not None]

    def kind_count(self, kind: str) -> int:
        return sum(1 for v in self.visits if v.kind == kind)


@dataclass
class MonthReport:
    """What ``report month`` prints: the month, the month before, and the same month a year before."""

    current: MonthFigures
    previous: MonthFigures
    last_year: MonthFigures
    made_at: dt.datetime


# -- the queries ---------------------------------------------------------------------------------------------------
def _minutes(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    """Minutes from ``a`` to ``b``; None unless both were recorded as separate moments (a booking set straight to
    対応中 or 完了 gets the same stamp for arrival and service: nothing was measured)."""
    if a is None or b is None or b <= a:
        return None
    return (b - a).total_seconds() / 60


def _chunks(ids: Iterable[int]):
    ids = sorted(set(ids))
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _linked():
    """A counter visit that belongs to a booking (or walk-in): counted through ``reservations``."""
    return sa.exists().where(reservations.c.visit_id == visits.c.id)


def served_visits(conn: Connection, month: Month) -> tuple[list[ServedVisit], int]:
    """The month's visits at the counter (see the module's definitions) and the number of bookings that were
    checked in but never marked 完了."""
    start, end = month.bounds
    out: list[ServedVisit] = []
    q = (sa.select(reservations.c.case_id, reservations.c.start, reservations.c.walk_in, reservations.c.status,
                   reservations.c.arrived_at, reservations.c.served_at, reservations.c.done_at)
         .where(reservations.c.start >= start, reservations.c.start < end))
    unfinished = 0
    for r in conn.execute(q):
        served = r.status == "done" or (r.walk_in and r.status in ("arrived", "in_service", "done"))
        if not served:
            unfinished += r.status in ("arrived", "in_service")
            continue
        out.append(ServedVisit(r.case_id, to_jst(r.start).date(), "walk_in" if r.walk_in else "booked",
                               stay=_minutes(r.arrived_at, r.done_at) if r.status == "done" else None,
                               wait=None if r.served_at == r.done_at else _minutes(r.arrived_at, r.served_at)))
    booked_days = {(v.case, v.day) for v in out}
    q = (sa.select(visits.c.case_id, visits.c.started_at, visits.c.ended_at)
         .where(visits.c.kind == "counter", visits.c.started_at >= start, visits.c.started_at < end, ~_linked()))
    seen: set[tuple[int, dt.date]] = set()
    for v in conn.execute(q.order_by(visits.c.started_at)):
        key = (v.case_id, to_jst(v.started_at).date())
        if key in booked_days or key in seen:
            continue
        seen.add(key)
        out.append(ServedVisit(v.case_id, key[1], "direct", stay=_minutes(v.started_at, v.ended_at)))
    return out, unfinished


def first_visit_days(conn: Connection, ids: Iterable[int], before: dt.datetime | None = None) -> dict[int, dt.date]:
    """Each case's first day at the counter (before ``before``, if given), by the same definition of a visit.

    Read by case number only (a case has a few visits and bookings); the kind, the time and the status are looked
    at here, so that no planner is tempted to walk a time index over every year instead."""
    first: dict[int, dt.date] = {}

    def keep(case_id: int, at: dt.datetime | None) -> None:
        if at is not None and (before is None or at < before):
            d = to_jst(at).date()
            if case_id not in first or d < first[case_id]:
                first[case_id] = d

    for chunk in _chunks(ids):
        for r in conn.execute(sa.select(reservations.c.case_id, reservations.c.start, reservations.c.status,
                                        reservations.c.walk_in).where(reservations.c.case_id.in_(chunk))):
            if r.status == "done" or (r.walk_in and r.status in ("arrived", "in_service")):
                keep(r.case_id, r.start)
        for r in conn.execute(sa.select(visits.c.case_id, visits.c.kind, visits.c.started_at)
                              .where(visits.c.case_id.in_(chunk), ~_linked())):
            if r.kind == "counter":
                keep(r.case_id, r.started_at)
    return first


def _grouped(conn: Connection, ids: Iterable[int], query: Callable[[list[int]], sa.Select]) -> list[tuple]:
    rows: list[tuple] = []
    for chunk in _chunks(ids):
        rows.extend(tuple(r) for r in conn.execute(query(chunk)))
    return rows


def month_figures(conn: Connection, month: Month, *, department: str | None = None,
                  is_open: Callable[[dt.date], bool] | None = None) -> MonthFigures:
    """Everything the report shows for ``month`` (for ``department``: the families with one of its procedures)."""
    f = MonthFigures(month, department, weeks_of(month, is_open))
    start, end = month.bounds
    served, f.unfinished = served_visits(conn, month)
    ids = {v.case for v in served}
    if department is not None:  # (by case number, then the department here: so that no planner walks the
        # department's index over every year)
        ids = {case for case, dept in _grouped(conn, ids, lambda c: sa.select(tasks.c.case_id, tasks.c.department)
                                               .distinct().where(tasks.c.case_id.in_(c), tasks.c.applies.is_(True)))
               if dept == department}
        served = [v for v in served if v.case in ids]
    f.visits = served
    f.walk_ins = sum(1 for v in served if v.kind != "booked")

    # bookings whose slot is in the month, by status (walk-ins are not bookings)
    q = (sa.select(reservations.c.status, sa.func.count()).where(
        reservations.c.start >= start, reservations.c.start < end, reservations.c.walk_in.is_(False))
        .group_by(reservations.c.status))
    if department is None:
        f.bookings = Counter({s: n for s, n in conn.execute(q)})

    # return visits: a visit of a case that had one on an earlier day (this month or before)
    first = first_visit_days(conn, ids, end)
    days_per_case: dict[int, set[dt.date]] = defaultdict(set)
    for v in served:
        days_per_case[v.case].add(v.day)
    for case, days in days_per_case.items():
        later = [d for d in days if d > first.get(case, min(days))]
        f.return_visits += len(later)
        f.return_families += bool(later)

    # questions asked at the counter, per family served
    f.questions = {case: 0 for case in ids}
    for case, n in _grouped(conn, ids, lambda c: sa.select(answers.c.case_id, sa.func.count()).where(
            answers.c.case_id.in_(c), answers.c.source == "counter").group_by(answers.c.case_id)):
        f.questions[case] = n

    # procedures of the families served, per department and status (as they stand now)
    tq = (lambda c: sa.select(tasks.c.department, tasks.c.status, sa.func.count()).where(
        tasks.c.case_id.in_(c), tasks.c.applies.is_(True)).group_by(tasks.c.department, tasks.c.status))
    f.tasks = defaultdict(Counter)
    for dept, status, n in _grouped(conn, ids, tq):
        f.tasks[dept][status] += n
    f.tasks = dict(f.tasks)
    if department is not None:
        f.tasks = {department: f.tasks.get(department, Counter())}
        pq = (lambda c: sa.select(tasks.c.department, tasks.c.procedure, tasks.c.status, sa.func.count()).where(
            tasks.c.case_id.in_(c), tasks.c.applies.is_(True))
            .group_by(tasks.c.department, tasks.c.procedure, tasks.c.status))
        f.procedures = defaultdict(Counter)
        for dept, code, status, n in _grouped(conn, ids, pq):
            if dept == department:
                f.procedures[code][status] += n
        f.procedures = dict(f.procedures)
        f.follow_ups_due = conn.execute(sa.select(sa.func.count()).where(
            tasks.c.department == department, tasks.c.status == "deferred",
            tasks.c.follow_up >= month.first, tasks.c.follow_up <= month.last)).scalar_one()
        return f

    # the month's registered deaths (住基), and how many of those families have come to the corner
    juki_ids = [r[0] for r in conn.execute(sa.select(cases.c.id).where(
        cases.c.deceased_death_date >= month.first, cases.c.deceased_death_date <= month.last,
        cases.c.juki_key.is_not(None)))]
    f.registered_deaths = len(juki_ids)
    f.registered_came = len(first_visit_days(conn, juki_ids))
    f.last_import = conn.execute(sa.select(sa.func.max(juki_imports.c.at))).scalar_one_or_none()

    # phone pre-interviews (電話での事前聞き取り) and the counter questions they saved
    calls = Counter({case: n for case, n in conn.execute(
        sa.select(visits.c.case_id, sa.func.count()).where(
            visits.c.kind == "phone", visits.c.started_at >= start, visits.c.started_at < end)
        .group_by(visits.c.case_id))})
    f.phone_calls = sum(calls.values())
    f.phone_families = len(calls)
    f.phone_then_came = len(set(calls) & ids)
    f.phone_answers = sum(n for (n,) in _grouped(conn, calls, lambda c: sa.select(sa.func.count()).where(
        answers.c.case_id.in_(c), answers.c.source == "phone")))
    return f


def month_report(conn: Connection, month: Month, *, department: str | None = None,
                 is_open: Callable[[dt.date], bool] | None = None, made_at: dt.datetime | None = None) -> MonthReport:
    return MonthReport(month_figures(conn, month, department=department, is_open=is_open),
                       month_figures(conn, month.previous(), department=department, is_open=is_open),
                       month_figures(conn, month.year_before(), department=department, is_open=is_open),
                       made_at or dt.datetime.now(JST))
