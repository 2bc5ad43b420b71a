"""Reservations (予約, contract §9): booked visits of the families, never more than a slot takes.

The bookable times come from the rulebook (:mod:`okuyami.core.booking`); the staff's overrides per day and every
booking are rows here. A booking is one row of ``reservations`` holding a place (``desk`` 1..capacity) in its
slot. **Never overbooked**, on SQLite and PostgreSQL alike:

1. the booking's write transaction first locks the slot's row in ``slot_locks`` (``INSERT … ON CONFLICT DO
   NOTHING`` then ``UPDATE``: PostgreSQL's row lock; SQLite's ``BEGIN IMMEDIATE`` already holds the write lock), so
   bookings of one slot take turns;
2. it then counts the places held and checks capacity, closing, the past and the notice period
   (:func:`okuyami.core.booking.refusal`) — the count is read after the lock, so it includes every booking
   committed before;
3. it takes the lowest free place; ``UNIQUE (office, start, desk)`` makes a second holder of a place impossible
   even if step 1 were bypassed.

Statuses: ``booked`` → ``arrived`` (checked in: the waiting starts) → ``in_service`` → ``done``; ``no_show``,
``cancelled`` (frees the place). Each booking has a visit row (``visits.scheduled_at``) so the department
terminals' "families of a day" and ``tasks list --date`` show the family on its date. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..core.booking import (Override, Slot, booking_window, bookable_offices, day_slots, default_office, jst,
                            office_problem, refusal, time_text)
from ..core.calendar import JST
from ..core.rulebook import Rulebook
from ..core.wareki import format_date
from . import audit, cases, notices
from .answers import set_answer
from .cases import ANY, bump, day_bounds
from .database import Actor, StaleWrite, StoreError, now
from .schema import RESERVATION_STATUSES, reservations, slot_locks, slot_overrides, visits
from .visits import finish as finish_visit
from .schema import cases as cases_t

STATUS_LABELS = {"booked": "予約済", "arrived": "到着（お待ち）", "in_service": "対応中", "done": "完了",
                 "no_show": "来庁なし", "cancelled": "取消"}
HOLDING = ("booked", "arrived", "in_service", "done", "no_show")  # hold their place in the slot
# status → the statuses it may change to (a mistaken click can be undone; a cancelled booking stays cancelled)
TRANSITIONS = {
    "booked": {"arrived", "in_service", "done", "no_show", "cancelled"},
    "arrived": {"in_service", "booked", "done", "cancelled"},
    "in_service": {"done", "arrived"},
    "done": {"in_service"},
    "no_show": {"booked", "arrived", "cancelled"},
    "cancelled": set(),
}

audit.ACTIONS_JA.update({  # how the history says it (kept with the actions they name)
    "reservation.add": "予約を受付", "reservation.status": "予約の状態を変更", "reservation.move": "予約を変更",
    "reservation.walk_in": "予約なしの来庁を受付", "reservation.list": "予約一覧を表示", "slot.override": "予約枠を変更",
})


class BookingRefused(StoreError):
    """A booking that cannot be made (full, closed, past, inside the notice period…), said in Japanese."""


class ReservationNotFound(StoreError):
    pass


def current_time() -> dt.datetime:
    """Now, in Japan time; with ``$OKUYAMI_TODAY`` (demonstrations, tests) that day at the current clock time, or
    ``$OKUYAMI_NOW`` (``2026-11-26T10:05``, Japan time) exactly (the store's own clock, :func:`database.now`)."""
    return now().astimezone(JST)


@dataclass(frozen=True)
class Reservation:
    """One booking (予約) as read at one moment; ``number`` is the 予約番号."""

    number: int
    case: int
    office: str
    start: dt.datetime
    minutes: int
    desk: int | None
    status: str
    walk_in: bool
    caller_name: str
    caller_relationship: str
    caller_phone: str
    deceased: str | None
    deceased_kana: str | None
    death_date: dt.date | None
    moved_from: dt.datetime | None
    created_at: dt.datetime
    arrived_at: dt.datetime | None
    served_at: dt.datetime | None
    done_at: dt.datetime | None
    updated_at: dt.datetime
    operator: str
    version: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def start_jst(self) -> dt.datetime:
        return jst(self.start)

    def waiting(self, at: dt.datetime | None = None) -> dt.timedelta | None:
        """How long the family waited (or has been waiting) between check-in and being served."""
        if self.arrived_at is None:
            return None
        end = self.served_at or (None if self.status in ("done", "cancelled", "booked") else (at or current_time()))
        return (end - self.arrived_at) if end else None

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "start": self.start_jst.isoformat(timespec="minutes"), "office": self.office,
                "status": self.status, "case": self.case, "deceased": self.deceased, "caller": self.caller_name,
                "phone": self.caller_phone, "desk": self.desk, "walk_in": self.walk_in}


# -- overrides -------------------------------------------------------------------------------------------------
def overrides(conn: Connection, first: dt.date, last: dt.date, office: str | None = None) -> list[Override]:
    q = sa.select(slot_overrides).where(slot_overrides.c.day >= first, slot_overrides.c.day <= last)
    if office:
        q = q.where(slot_overrides.c.office == office)
    return [Override(r.office, r.day, r.time, bool(r.closed), r.desks, r.note) for r in conn.execute(q)]


def set_override(conn: Connection, actor: Actor, book: Rulebook, office: str, day: dt.date, time: str = "", *,
                 closed: bool = False, desks: int = 0, note: str = "") -> None:
    """Close (or reopen) a day or one slot, or add (remove) desks for it; ``closed`` False and ``desks`` 0 removes
    the override. Bookings already made stay (the list shows them; the clerk calls the family)."""
    problem = office_problem(book, office)
    if problem:
        raise StoreError(problem)
    if not -99 <= desks <= 99:
        raise StoreError(f"窓口の増減は -99 から 99 までです（{desks}）。")
    if len(note) > 500:
        raise StoreError("メモは500文字までです。")
    if time:
        h, _, m = time.partition(":")
        starts = [s for s in day_slots(book, office, day)]
        if not (h.isdigit() and m.isdigit()) or not any((s.start.hour, s.start.minute) == (int(h), int(m)) for s in starts):
            raise StoreError(f"{format_date(day, weekday=True)} {time} には予約枠がありません。")
        time = f"{int(h)}:{int(m):02d}"
    elif not book.calendar.is_open(day):
        raise StoreError(f"{format_date(day, weekday=True)}は閉庁日です（{book.calendar.closed_reason(day)}）。")
    where = (slot_overrides.c.office == office, slot_overrides.c.day == day, slot_overrides.c.time == time)
    conn.execute(slot_overrides.delete().where(*where))
    if closed or desks:
        conn.execute(slot_overrides.insert().values(office=office, day=day, time=time, closed=closed, desks=desks,
                                                    note=note, operator=actor.operator, updated_at=now()))
    audit.record(conn, actor, "slot.override", None, office=office, day=day.isoformat(), time=time,
                 closed=closed, desks=desks)
    notices.ring(conn, "slots", None, terminal=actor.terminal)


# -- slots -----------------------------------------------------------------------------------------------------
def _held(conn: Connection, first: dt.datetime, end: dt.datetime, office: str | None = None) -> dict[tuple[str, dt.datetime], int]:
    q = (sa.select(reservations.c.office, reservations.c.start, sa.func.count())
         .where(reservations.c.start >= first, reservations.c.start < end, reservations.c.desk.is_not(None))
         .group_by(reservations.c.office, reservations.c.start))
    if office:
        q = q.where(reservations.c.office == office)
    return {(r[0], jst(r[1])): r[2] for r in conn.execute(q)}


def slots(conn: Connection, book: Rulebook, first: dt.date, last: dt.date, office: str | None = None) -> list[Slot]:
    """Every slot from ``first`` to ``last`` (of ``office``, or of every bookable office), with what is booked."""
    problem = office_problem(book, office)
    if problem:
        raise StoreError(problem)
    offices = [office] if office else list(bookable_offices(book))
    start, end = day_bounds(first, last)
    held = _held(conn, start, end, office)
    ovs = overrides(conn, first, last, office)
    out: list[Slot] = []
    day = first
    while day <= last:
        for oid in offices:
            booked = {s: n for (o, s), n in held.items() if o == oid and s.date() == day}
            out.extend(day_slots(book, oid, day, ovs, booked))
        day += dt.timedelta(days=1)
    return sorted(out, key=lambda s: (s.start, offices.index(s.office)))


def _lock_slot(conn: Connection, office: str, start: dt.datetime) -> None:
    """Take the slot's lock row (created on first use); held until the transaction ends."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(slot_locks).values(office=office, start=start, bookings=0).on_conflict_do_nothing())
    conn.execute(slot_locks.update().where(slot_locks.c.office == office, slot_locks.c.start == start)
                 .values(bookings=slot_locks.c.bookings))


def _places(conn: Connection, office: str, start: dt.datetime, but: int | None = None) -> set[int]:
    q = sa.select(reservations.c.desk).where(reservations.c.office == office, reservations.c.start == start,
                                             reservations.c.desk.is_not(None))
    if but is not None:
        q = q.where(reservations.c.id != but)
    return {r[0] for r in conn.execute(q)}


def _take_place(conn: Connection, book: Rulebook, office: str, start: dt.datetime, at: dt.datetime,
                but: int | None = None) -> int:
    """Lock the slot, check it may be booked now, and return the lowest free place (BookingRefused otherwise)."""
    _lock_slot(conn, office, start)
    taken = _places(conn, office, start, but)
    ovs = overrides(conn, start.date(), start.date(), office)
    reason = refusal(book, office, start, at, ovs, len(taken))
    if reason:
        raise BookingRefused(reason)
    capacity = next(s.capacity for s in day_slots(book, office, start.date(), ovs) if s.start == start)
    return next(d for d in range(1, capacity + 1) if d not in taken)


# -- booking ---------------------------------------------------------------------------------------------------
def death_registered(conn: Connection, case_id: int) -> bool:
    """死亡届 accepted: the answer ``death_registered`` is yes, or the case came from the 住基 import."""
    row = cases.load(conn, case_id)
    return row.answers.get("death_registered") is True or row.juki_key is not None


def book(conn: Connection, actor: Actor, rulebook: Rulebook, *, start: dt.datetime, office: str | None = None,
         case_id: int | None = None, values: dict[str, Any] | None = None, caller: dict[str, str] | None = None,
         answers: dict[str, Any] | None = None, by_phone: bool = False, at: dt.datetime | None = None) -> int:
    """Book ``start`` at ``office`` (default: the corner's); creates the case (state 未来庁) from ``values`` when
    ``case_id`` is None. ``answers`` given during the call are recorded with source ``phone``. Returns the
    reservation number; raises :class:`BookingRefused` with the reason otherwise."""
    office = office or default_office(rulebook)
    problem = office_problem(rulebook, office)
    if problem:
        raise BookingRefused(problem)
    at = jst(at or current_time())
    start = jst(start).replace(second=0, microsecond=0)
    caller = {k: (v or "").strip() for k, v in (caller or {}).items()}
    cases.check_lengths({f"applicant_{k}": v for k, v in caller.items()})
    desk = _take_place(conn, rulebook, office, start, at)
    if case_id is not None:
        row = cases.load(conn, case_id)  # CaseNotFound if there is none
        for field in ("name", "relationship", "phone"):  # the caller is the applicant unless one is recorded
            if caller.get(field) and not row.applicant.get(field):
                cases.set_field(conn, actor, case_id, "applicant", field, caller[field])
    if rulebook.root.settings.booking.require_death_registered:
        said = (answers or {}).get("death_registered") is True
        if not said and (case_id is None or not death_registered(conn, case_id)):
            raise BookingRefused("この市では、死亡届の受理が確認できてから予約を受け付けます（住基への反映、または"
                                 "「死亡届はもう提出されましたか？」に「はい」）。受理の後にもう一度お電話ください。")
    if case_id is None:
        initial = {k: v for k, v in (values or {}).items() if v not in (None, "")}
        if not initial.get("deceased_name"):
            raise BookingRefused("亡くなった方の氏名を入力してください。")
        death = initial.get("deceased_death_date")
        if isinstance(death, dt.date) and death > at.date():
            raise BookingRefused(f"死亡日 {format_date(death)} は今日（{format_date(at.date())}）より後です。")
        for field, column in (("name", "applicant_name"), ("relationship", "applicant_relationship"),
                              ("phone", "applicant_phone")):
            if caller.get(field):
                initial.setdefault(column, caller[field])
        case_id = cases.create(conn, actor, state="new", values=initial)
    stamp = now()
    visit_id = conn.execute(visits.insert().values(case_id=case_id, kind="counter", office=office, scheduled_at=start,
                                                   operator=actor.operator, terminal=actor.terminal)
                            ).inserted_primary_key[0]
    minutes = rulebook.root.offices[office].booking.slot_minutes
    number = conn.execute(reservations.insert().values(
        case_id=case_id, office=office, start=start, minutes=minutes, desk=desk, status="booked", walk_in=False,
        caller_name=caller.get("name", ""), caller_relationship=caller.get("relationship", ""),
        caller_phone=caller.get("phone", ""), visit_id=visit_id, created_at=stamp, created_by=actor.operator,
        updated_at=stamp, operator=actor.operator, version=1)).inserted_primary_key[0]
    conn.execute(slot_locks.update().where(slot_locks.c.office == office, slot_locks.c.start == start)
                 .values(bookings=slot_locks.c.bookings + 1))
    if by_phone:  # the booking call is the first interview (at the call's time: the report counts it that month)
        conn.execute(visits.insert().values(case_id=case_id, kind="phone", office=office, started_at=at,
                                            operator=actor.operator, terminal=actor.terminal))
    for fact, value in (answers or {}).items():
        set_answer(conn, actor, case_id, fact, value, source="phone")
    bump(conn, case_id)
    audit.record(conn, actor, "reservation.add", case_id, reservation=number, office=office,
                 start=start.isoformat(timespec="minutes"), desk=desk)
    notices.ring(conn, "visit", case_id, terminal=actor.terminal)
    return number


def walk_in(conn: Connection, actor: Actor, rulebook: Rulebook, *, office: str | None = None,
            case_id: int | None = None, values: dict[str, Any] | None = None, caller: dict[str, str] | None = None,
            at: dt.datetime | None = None) -> int:
    """A family that came without a booking (飛び込み): added to the day as arrived now; it holds no place."""
    office = office or default_office(rulebook)
    problem = office_problem(rulebook, office)
    if problem:
        raise StoreError(problem)
    arrived = jst(at or current_time())
    at = arrived.replace(second=0, microsecond=0)
    caller = {k: (v or "").strip() for k, v in (caller or {}).items()}
    cases.check_lengths({f"applicant_{k}": v for k, v in caller.items()})
    if case_id is None:
        initial = {k: v for k, v in (values or {}).items() if v not in (None, "")}
        if caller.get("name"):
            initial.setdefault("applicant_name", caller["name"])
        case_id = cases.create(conn, actor, state="in_progress", values=initial)
    else:
        cases.load(conn, case_id)
    stamp = now()
    visit_id = conn.execute(visits.insert().values(case_id=case_id, kind="counter", office=office, started_at=arrived,
                                                   operator=actor.operator, terminal=actor.terminal)
                            ).inserted_primary_key[0]
    number = conn.execute(reservations.insert().values(
        case_id=case_id, office=office, start=at, minutes=rulebook.root.offices[office].booking.slot_minutes,
        desk=None, status="arrived", walk_in=True, caller_name=caller.get("name", ""),
        caller_relationship=caller.get("relationship", ""), caller_phone=caller.get("phone", ""), visit_id=visit_id,
        created_at=stamp, created_by=actor.operator, updated_at=stamp, operator=actor.operator, arrived_at=arrived,
        version=1)).inserted_primary_key[0]
    audit.record(conn, actor, "reservation.walk_in", case_id, reservation=number, office=office)
    notices.ring(conn, "visit", case_id, terminal=actor.terminal)
    return number


# -- reading ---------------------------------------------------------------------------------------------------
def _select():
    return (sa.select(reservations, cases_t.c.deceased_name, cases_t.c.deceased_kana, cases_t.c.deceased_death_date)
            .join(cases_t, cases_t.c.id == reservations.c.case_id))


def _row(r) -> Reservation:
    m = r._mapping
    return Reservation(m["id"], m["case_id"], m["office"], m["start"], m["minutes"], m["desk"], m["status"],
                       bool(m["walk_in"]), m["caller_name"], m["caller_relationship"], m["caller_phone"],
                       m["deceased_name"], m["deceased_kana"], m["deceased_death_date"], m["moved_from"],
                       m["created_at"], m["arrived_at"], m["served_at"], m["done_at"], m["updated_at"], m["operator"],
                       m["version"])


def get(conn: Connection, number: int) -> Reservation:
    r = conn.execute(_select().where(reservations.c.id == number)).first()
    if r is None:
        raise ReservationNotFound(f"予約番号 {number} はありません。")
    return _row(r)


def on_days(conn: Connection, first: dt.date, last: dt.date | None = None, office: str | None = None,
            statuses: Iterable[str] | None = None) -> list[Reservation]:
    """The bookings (and walk-ins) from ``first`` to ``last`` (Japan time), in time order."""
    start, end = day_bounds(first, last)
    q = _select().where(reservations.c.start >= start, reservations.c.start < end)
    if office:
        q = q.where(reservations.c.office == office)
    if statuses is not None:
        q = q.where(reservations.c.status.in_(tuple(statuses)))
    q = q.order_by(reservations.c.start, reservations.c.desk.is_(None), reservations.c.desk, reservations.c.id)
    return [_row(r) for r in conn.execute(q)]


def for_case(conn: Connection, case_id: int) -> list[Reservation]:
    q = _select().where(reservations.c.case_id == case_id).order_by(reservations.c.start)
    return [_row(r) for r in conn.execute(q)]


# -- changes ---------------------------------------------------------------------------------------------------
def _update(conn: Connection, actor: Actor, res: Reservation, expected_version: Any, **values: Any) -> None:
    q = reservations.update().where(reservations.c.id == res.number, reservations.c.version == res.version)
    if expected_version is not ANY and expected_version is not None and expected_version != res.version:
        raise StaleWrite(f"予約 {res.number} は、他の端末で先に変更されていました。最新の内容を読み込み直しました。")
    done = conn.execute(q.values(**values, updated_at=now(), operator=actor.operator,
                                 version=reservations.c.version + 1)).rowcount
    if done != 1:
        raise StaleWrite(f"予約 {res.number} は、他の端末で先に変更されていました。最新の内容を読み込み直しました。")


def _visit_of(conn: Connection, number: int) -> int | None:
    return conn.execute(sa.select(reservations.c.visit_id).where(reservations.c.id == number)).scalar_one_or_none()


def set_status(conn: Connection, actor: Actor, number: int, status: str, *, expected_version: Any = ANY,
               at: dt.datetime | None = None) -> Reservation:
    """Move a booking along: 到着 (check-in), 対応中, 完了, 来庁なし, 取消 — or back one step after a mistake."""
    if status not in RESERVATION_STATUSES:
        raise StoreError(f"予約の状態 '{status}' はありません（{', '.join(RESERVATION_STATUSES)}）。")
    res = get(conn, number)
    if status == res.status:
        return res
    if status not in TRANSITIONS[res.status]:
        hint = "取り消した予約は戻せません。新しく予約してください。" if res.status == "cancelled" else \
            f"「{STATUS_LABELS[res.status]}」からは " + "、".join(f"「{STATUS_LABELS[s]}」" for s in sorted(
                TRANSITIONS[res.status], key=RESERVATION_STATUSES.index)) + " にできます。"
        raise StoreError(f"予約 {number} は「{STATUS_LABELS[res.status]}」のため「{STATUS_LABELS[status]}」にできません。{hint}")
    stamp = jst(at or current_time())  # ($OKUYAMI_TODAY: the demonstration's day, like the booking checks)
    values: dict[str, Any] = {"status": status}
    visit_values: dict[str, Any] = {}
    if status == "arrived":
        values.update(arrived_at=res.arrived_at if res.status in ("in_service", "done") else stamp, served_at=None,
                      done_at=None)
        visit_values = {"started_at": values["arrived_at"], "ended_at": None}
    elif status == "in_service":
        values.update(arrived_at=res.arrived_at or stamp, served_at=res.served_at if res.status == "done" else stamp,
                      done_at=None)
        visit_values = {"started_at": values["arrived_at"], "ended_at": None, "operator": actor.operator,
                        "terminal": actor.terminal}  # who serves them, at which terminal
    elif status == "done":
        values.update(arrived_at=res.arrived_at or stamp, served_at=res.served_at or stamp, done_at=stamp)
        visit_values = {"started_at": values["arrived_at"]}  # the end: finish_visit below
    elif status == "booked":
        values.update(arrived_at=None, served_at=None, done_at=None)
        visit_values = {"started_at": None, "ended_at": None}
    elif status == "cancelled":
        values["desk"] = None  # the place is free again
    _update(conn, actor, res, expected_version, **values)
    visit_id = _visit_of(conn, number)
    if status in ("cancelled", "no_show"):  # not coming: off the departments' lists of that day
        if visit_id is not None:
            conn.execute(visits.delete().where(visits.c.id == visit_id))
    elif visit_id is None:  # coming after all (a no-show that came late, or undone)
        visit_id = conn.execute(visits.insert().values(
            case_id=res.case, kind="counter", office=res.office, scheduled_at=None if res.walk_in else res.start,
            operator=actor.operator, terminal=actor.terminal, **visit_values)).inserted_primary_key[0]
        conn.execute(reservations.update().where(reservations.c.id == number).values(visit_id=visit_id))
    elif visit_values:
        conn.execute(visits.update().where(visits.c.id == visit_id).values(**visit_values))
    if status == "done" and visit_id is not None:  # the visit is over: its end, for the time at the corner
        finish_visit(conn, visit_id, stamp)
    if status in ("arrived", "in_service"):  # the family is here: the case is being worked on (受付中)
        conn.execute(cases_t.update().where(cases_t.c.id == res.case,
                                            cases_t.c.state.in_(("new", "printed", "follow_up")))
                     .values(state="in_progress"))
    bump(conn, res.case)
    audit.record(conn, actor, "reservation.status", res.case, reservation=number, status=status)
    notices.ring(conn, "visit", res.case, terminal=actor.terminal)
    return get(conn, number)


def move(conn: Connection, actor: Actor, rulebook: Rulebook, number: int, start: dt.datetime, *,
         office: str | None = None, expected_version: Any = ANY, at: dt.datetime | None = None) -> Reservation:
    """Reschedule (予約の変更) a booking to another slot, with the same checks as a new booking."""
    res = get(conn, number)
    if res.status not in ("booked", "no_show") or res.walk_in:
        raise StoreError(f"予約 {number} は「{STATUS_LABELS[res.status]}」のため日時を変更できません。")
    office = office or res.office
    start = jst(start).replace(second=0, microsecond=0)
    at = jst(at or current_time())
    desk = _take_place(conn, rulebook, office, start, at, but=number)
    _update(conn, actor, res, expected_version, office=office, start=start, desk=desk, status="booked",
            moved_from=res.start, minutes=rulebook.root.offices[office].booking.slot_minutes)
    visit_id = _visit_of(conn, number)
    if visit_id is None:
        visit_id = conn.execute(visits.insert().values(case_id=res.case, kind="counter", office=office,
                                                       scheduled_at=start, operator=actor.operator,
                                                       terminal=actor.terminal)).inserted_primary_key[0]
        conn.execute(reservations.update().where(reservations.c.id == number).values(visit_id=visit_id))
    else:
        conn.execute(visits.update().where(visits.c.id == visit_id).values(scheduled_at=start, office=office))
    conn.execute(slot_locks.update().where(slot_locks.c.office == office, slot_locks.c.start == start)
                 .values(bookings=slot_locks.c.bookings + 1))
    bump(conn, res.case)
    audit.record(conn, actor, "reservation.move", res.case, reservation=number, office=office,
                 start=start.isoformat(timespec="minutes"))
    notices.ring(conn, "visit", res.case, terminal=actor.terminal)
    return get(conn, number)


def describe(rulebook: Rulebook, res: Reservation) -> str:
    """「令和8年11月27日(金) 10:00〜11:00 サンプル市役所 本庁舎」"""
    start = res.start_jst
    end = start + dt.timedelta(minutes=res.minutes)
    office = rulebook.root.offices[res.office].name if res.office in rulebook.root.offices else res.office
    return f"{format_date(start.date(), weekday=True)} {time_text(start)}〜{time_text(end)} {office}"


__all__ = ["STATUS_LABELS", "HOLDING", "TRANSITIONS", "BookingRefused", "ReservationNotFound", "Reservation",
           "current_time", "overrides", "set_override", "slots", "book", "walk_in", "get", "on_days", "for_case",
           "set_status", "move", "describe", "booking_window", "death_registered"]
