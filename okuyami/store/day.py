"""The family's day across the terminals (来庁の一日): what a department sees of a family, and the bookkeeping
that keeps the corner, the departments and the reservation book telling the same story.

- :func:`expected` — per case, the visit a department prepares for: the **booked slot's start** (a booking),
  else the start of the visit at the counter (a walk-in, a return visit); a phone call is never the visit
  (contract §8 ``tasks list``: ``visit``). With it the booking's live status (予約済 → 到着 → 対応中 at which
  desk → 完了), so a department knows whether the family is already at the corner.
- :func:`open_visit` — the corner opens a case: that day's visit is recorded at once (a return visit a week later
  is a visit of its own even before any answer); the family's booking of today becomes 対応中.
- :func:`finish_today` — the papers were handed over: today's booking is closed (完了) and its visit ended.
- :func:`close_stale` — a booking of an earlier day left 到着 / 対応中 is closed at its last activity (the family
  left long ago; a week later it must not still say 対応中).
- :func:`settle_state` — the case's state after a visit: 後日対応あり if something was put off, else 印刷済 once the
  packet was printed; during a visit it is 受付中 (set where a counter visit starts).
- :func:`log_letter` — the 事前案内 was made: recorded in the history as such, without changing the case's state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, reservations, visits
from .cases import day_bounds
from .database import Actor, now, to_jst
from .schema import cases, print_log, tasks
from .schema import reservations as reservations_t
from .schema import visits as visits_t

ACTIVE = ("booked", "arrived", "in_service")  # a booking the family has not finished yet

audit.ACTIONS_JA.setdefault("letter", "事前案内を作成")


@dataclass(frozen=True)
class Expected:
    """When a family is expected (or came) and where it stands, for a department's list."""

    at: dt.datetime | None  # the booked slot's start, else the start of the counter visit
    reservation: int | None = None  # 予約番号 (None: no booking, e.g. a return visit without one)
    status: str | None = None  # the booking's status (reservations.STATUS_LABELS)
    desk: int | None = None  # the place held in the slot (窓口 N)
    served_by: str = ""  # who is serving the family (対応中), or served them (完了)
    walk_in: bool = False


def expected(conn: Connection, case_ids: list[int], bounds: tuple[dt.datetime, dt.datetime] | None = None,
             ) -> dict[int, Expected]:
    """case → the visit to show: inside ``bounds`` (the days listed) the first one; otherwise the next booking not
    yet finished, else the latest visit. Phone calls never count; cancelled bookings and no-shows neither."""
    if not case_ids:
        return {}
    found: dict[int, list[tuple[dt.datetime, Expected]]] = {c: [] for c in case_ids}
    linked: set[int] = set()
    q = (sa.select(reservations_t.c.id, reservations_t.c.case_id, reservations_t.c.start, reservations_t.c.status,
                   reservations_t.c.desk, reservations_t.c.operator, reservations_t.c.walk_in,
                   reservations_t.c.visit_id)
         .where(reservations_t.c.case_id.in_(case_ids)))
    for r in conn.execute(q):
        if r.visit_id is not None:
            linked.add(r.visit_id)
        if r.status in ("cancelled", "no_show"):
            continue
        served_by = r.operator if r.status in ("in_service", "done") else ""
        found[r.case_id].append((r.start, Expected(r.start, r.id, r.status, r.desk, served_by, bool(r.walk_in))))
    vq = (sa.select(visits_t.c.id, visits_t.c.case_id, visits_t.c.scheduled_at, visits_t.c.started_at,
                    visits_t.c.operator)
          .where(visits_t.c.case_id.in_(case_ids), visits_t.c.kind != "phone"))
    for v in conn.execute(vq):
        t = v.scheduled_at or v.started_at
        if v.id in linked or t is None:
            continue
        found[v.case_id].append((t, Expected(t, served_by=v.operator)))
    today_start = day_bounds(to_jst(now()).date())[0]
    out: dict[int, Expected] = {}
    for case_id, items in found.items():
        items.sort(key=lambda x: x[0])
        inside = [e for t, e in items if bounds and bounds[0] <= t < bounds[1]]
        coming = [e for t, e in items if e.status in ACTIVE and t >= today_start]
        if inside:
            out[case_id] = inside[0]
        elif coming:
            out[case_id] = coming[0]
        elif items:
            out[case_id] = items[-1][1]
    return out


def _bookings(conn: Connection, case_id: int, statuses, *, first: dt.datetime | None = None,
              end: dt.datetime | None = None) -> list[reservations.Reservation]:
    q = reservations._select().where(reservations_t.c.case_id == case_id, reservations_t.c.status.in_(statuses))
    if first is not None:
        q = q.where(reservations_t.c.start >= first)
    if end is not None:
        q = q.where(reservations_t.c.start < end)
    return [reservations._row(r) for r in conn.execute(q.order_by(reservations_t.c.start))]


def _last_activity(conn: Connection, res: reservations.Reservation) -> dt.datetime:
    """When the family's visit of that day ended, as well as the record tells: the last print of that day, else
    when they were served or arrived, else the booked time."""
    start, end = day_bounds(to_jst(res.start).date())
    printed = conn.execute(sa.select(sa.func.max(print_log.c.at)).where(
        print_log.c.case_id == res.case, print_log.c.at >= start, print_log.c.at < end)).scalar_one_or_none()
    if printed is not None and printed.tzinfo is None:
        printed = printed.replace(tzinfo=dt.timezone.utc)
    known = [t for t in (printed, res.served_at, res.arrived_at) if t is not None]
    return max(known) if known else res.start


def close_stale(conn: Connection, actor: Actor, case_id: int | None = None) -> list[int]:
    """Close (完了) the bookings of earlier days that were left 到着 / 対応中 — of one case, or of every case.
    Returns their numbers."""
    today_start = day_bounds(to_jst(now()).date())[0]
    q = sa.select(reservations_t.c.id).where(reservations_t.c.status.in_(("arrived", "in_service")),
                                             reservations_t.c.start < today_start)
    if case_id is not None:
        q = q.where(reservations_t.c.case_id == case_id)
    closed = []
    for (number,) in conn.execute(q.order_by(reservations_t.c.id)).all():
        res = reservations.get(conn, number)
        reservations.set_status(conn, actor, number, "done", at=_last_activity(conn, res))
        settle_state(conn, res.case)
        closed.append(number)
    return closed


def finish_today(conn: Connection, actor: Actor, case_id: int) -> list[int]:
    """The visit is done (the packet was handed over, or the case closed): today's booking of the case is closed
    (完了) and its visit ended. Returns the numbers closed."""
    first, end = day_bounds(to_jst(now()).date())
    closed = []
    for res in _bookings(conn, case_id, ACTIVE, first=first, end=end):
        reservations.set_status(conn, actor, res.number, "done")
        closed.append(res.number)
    if closed:
        settle_state(conn, case_id)
    return closed


def settle_state(conn: Connection, case_id: int) -> None:
    """After a visit: 後日対応あり while something is put off, else 印刷済 once printed (a case left 受付中 keeps
    saying so when nothing was printed)."""
    state = conn.execute(sa.select(cases.c.state).where(cases.c.id == case_id)).scalar_one_or_none()
    if state != "in_progress":
        return
    deferred = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
        tasks.c.case_id == case_id, tasks.c.status == "deferred", tasks.c.applies.is_(True))).scalar_one()
    printed = conn.execute(sa.select(sa.func.count()).select_from(print_log).where(
        print_log.c.case_id == case_id)).scalar_one()
    if deferred or printed:
        conn.execute(cases.update().where(cases.c.id == case_id, cases.c.state == "in_progress")
                     .values(state="follow_up" if deferred else "printed"))


def open_visit(conn: Connection, actor: Actor, case_id: int, *, kind: str = "counter") -> int | None:
    """The corner opens a case (its visit id, or None when opening it is not a visit):

    - a phone call (``kind="phone"``): that day's phone contact;
    - the family booked for today: the booking becomes 対応中 (the clerk is serving them), its visit starts;
    - a family booked for a later day that has not come yet (未来庁): opening the case to prepare is no visit;
    - otherwise (a walk-in, a return visit a week later): that day's counter visit, recorded now — not only at
      the first answer. Bookings of earlier days still open are closed first."""
    if kind == "phone":
        return visits.ensure_today(conn, actor, case_id, kind="phone")
    close_stale(conn, actor, case_id)
    first, end = day_bounds(to_jst(now()).date())
    today = _bookings(conn, case_id, ACTIVE + ("done",), first=first, end=end)
    if today:
        res = today[0]
        if res.status in ("booked", "arrived"):
            res = reservations.set_status(conn, actor, res.number, "in_service")
        return reservations._visit_of(conn, res.number)
    later = _bookings(conn, case_id, ("booked",), first=end)
    state = conn.execute(sa.select(cases.c.state).where(cases.c.id == case_id)).scalar_one_or_none()
    if later and state == "new":
        return None
    return visits.ensure_today(conn, actor, case_id, kind="counter")


def log_letter(conn: Connection, actor: Actor, case_id: int, reservation: int) -> None:
    """The 事前案内 of a booking was made (saved or printed): the history says 事前案内; the case's state, its
    visits and its print log are untouched (a letter is not the family's packet)."""
    audit.record(conn, actor, "letter", case_id, reservation=reservation)


def letters(conn: Connection, case_id: int) -> list[audit.AuditEntry]:
    """The 事前案内 made for a case (for the history tab), oldest first."""
    return [e for e in audit.entries(conn, case_id=case_id) if e.action == "letter"]


__all__ = ["Expected", "expected", "open_visit", "finish_today", "close_stale", "settle_state", "log_letter",
           "letters", "ACTIVE"]
