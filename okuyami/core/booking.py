"""Bookable times (予約枠, contract §9): which slots an office offers on a day, how many families each takes,
and why a booking is refused — computed from the rulebook (``offices: ID: booking:``), the closed days of §5
(:class:`~okuyami.core.calendar.OfficeCalendar`, never a list of its own) and the staff's overrides per day
(kept in the store). No database here: the store counts the bookings and guarantees the capacity.

- A slot starts at each opening range's start and every ``slot_minutes`` after, while a whole slot fits.
- Capacity = ``desks`` + the day's added desks + the slot's added desks (staff overrides; may be negative),
  0 when the staff closed the day or the slot. Closed days (土日・祝日・12/29〜1/3・市の閉庁日) have no slots.
- Notice (予約の締切) is counted in 開庁日: with ``notice_open_days: 2`` a visit may be booked up to the 2nd open
  day before it (today not counted: booked on Monday, the earliest visit is Wednesday). ``ahead_days`` limits how
  far ahead, in calendar days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping

from .calendar import JST, OfficeCalendar
from .rulebook import OfficeBooking, Rulebook
from .wareki import format_date


@dataclass(frozen=True)
class Override:
    """A staff change to one day (``time`` "") or one slot (``time`` "10:00") of an office (枠の変更)."""

    office: str
    day: dt.date
    time: str  # "" = the whole day, else the slot's start "H:MM"
    closed: bool = False
    desks: int = 0  # desks added (negative: removed) for that day or slot
    note: str = ""


@dataclass(frozen=True)
class Slot:
    """One bookable time (予約枠) of an office."""

    office: str
    start: dt.datetime  # aware, Japan time
    minutes: int
    capacity: int  # families at once (0 when closed by the staff)
    booked: int = 0
    closed_by_staff: bool = False

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.minutes)

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def time_text(self) -> str:
        return time_text(self.start)

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(timespec="minutes"), "office": self.office,
                "capacity": self.capacity, "booked": self.booked}


def time_text(t: dt.datetime | dt.time) -> str:
    """10:00, 9:00 (no leading zero: how the counter says it)."""
    return f"{t.hour}:{t.minute:02d}"


def jst(value: dt.datetime) -> dt.datetime:
    """A time as Japan time; a naive one is taken to be Japan time already (what a clerk types)."""
    return value.replace(tzinfo=JST) if value.tzinfo is None else value.astimezone(JST)


def bookable_offices(book: Rulebook) -> dict[str, OfficeBooking]:
    """The offices that take bookings (those with a ``booking:`` section), corner's office first."""
    corner = book.root.municipality.corner.office
    found = {oid: o.booking for oid, o in book.root.offices.items() if o.booking is not None}
    return dict(sorted(found.items(), key=lambda kv: kv[0] != corner))


def default_office(book: Rulebook) -> str | None:
    """The corner's office if it takes bookings, else the first office that does (None: no bookings at all)."""
    return next(iter(bookable_offices(book)), None)


def office_problem(book: Rulebook, office: str | None) -> str | None:
    """Why ``office`` cannot be booked (Japanese), or None."""
    offices = bookable_offices(book)
    if not offices:
        return "この市のルール（rules.yaml）には予約枠の設定がありません（offices: の booking:）。"
    if office is not None and office not in offices:
        known = "、".join(f"{oid}（{book.root.offices[oid].name}）" for oid in offices)
        return f"庁舎ID '{office}' では予約を受け付けていません。予約できる庁舎：{known}"
    return None


def office_name(book: Rulebook, office: str) -> str:
    o = book.root.offices.get(office)
    return o.name if o else office


def place_of(book: Rulebook, office: str) -> str:
    """Where the family goes: the office's ``booking.place``, else the corner's place at the corner's office."""
    o = book.root.offices.get(office)
    if o is not None and o.booking is not None and o.booking.place:
        return o.booking.place
    corner = book.root.municipality.corner
    return corner.place if office == corner.office else corner.name


def slot_starts(spec: OfficeBooking, day: dt.date) -> list[dt.datetime]:
    out = []
    for start, end in spec.ranges():
        t = start
        while t + spec.slot_minutes <= end:
            out.append(dt.datetime.combine(day, dt.time(t // 60, t % 60), JST))
            t += spec.slot_minutes
    return out


def day_slots(book: Rulebook, office: str, day: dt.date, overrides: Iterable[Override] = (),
              booked: Mapping[dt.datetime, int] | None = None) -> list[Slot]:
    """The slots of ``office`` on ``day`` (none on a closed day), with capacity after the staff's overrides and
    the number booked (``booked``: start → count)."""
    spec = book.root.offices[office].booking
    if spec is None or not book.calendar.is_open(day):
        return []
    mine = [o for o in overrides if o.office == office and o.day == day]
    whole = [o for o in mine if not o.time]
    day_closed = any(o.closed for o in whole)
    day_desks = sum(o.desks for o in whole)
    booked = booked or {}
    out = []
    for start in slot_starts(spec, day):
        here = [o for o in mine if o.time and _same_time(o.time, start)]
        closed = day_closed or any(o.closed for o in here)
        capacity = 0 if closed else max(spec.desks + day_desks + sum(o.desks for o in here), 0)
        out.append(Slot(office, start, spec.slot_minutes, capacity, booked.get(start, 0), closed))
    return out


def _same_time(text: str, start: dt.datetime) -> bool:
    h, _, m = text.partition(":")
    return h.isdigit() and m.isdigit() and (int(h), int(m)) == (start.hour, start.minute)


def nth_open_day_after(calendar: OfficeCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th open day after ``day`` (``day`` itself not counted); ``day`` for n = 0."""
    d = day
    while n > 0:
        d += dt.timedelta(days=1)
        if calendar.is_open(d):
            n -= 1
    return d


def booking_window(book: Rulebook, office: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """(the first day, the last day) a visit may be booked for, booking today."""
    spec = book.root.offices[office].booking
    return nth_open_day_after(book.calendar, today, spec.notice_open_days), today + dt.timedelta(days=spec.ahead_days)


def find_slot(book: Rulebook, office: str, start: dt.datetime, overrides: Iterable[Override] = (),
              booked: Mapping[dt.datetime, int] | None = None) -> Slot | None:
    start = jst(start)
    for slot in day_slots(book, office, start.date(), overrides, booked):
        if slot.start == start:
            return slot
    return None


def refusal(book: Rulebook, office: str, start: dt.datetime, now: dt.datetime,
            overrides: Iterable[Override] = (), booked: int = 0) -> str | None:
    """Why a booking of ``office`` at ``start`` is refused, in plain Japanese, or None when it may be made.

    In this order: closed day, no such slot, past, inside the notice period, too far ahead, closed by the staff,
    full (``booked`` families already hold the slot)."""
    problem = office_problem(book, office)
    if problem:
        return problem
    start, now = jst(start), jst(now)
    day = start.date()
    when = f"{format_date(day, weekday=True)} {time_text(start)}"
    reason = book.calendar.closed_reason(day)
    if reason:
        return f"{format_date(day, weekday=True)}は閉庁日（{reason}）のため予約できません。別の日を選んでください。"
    slot = find_slot(book, office, start, overrides, {start: booked})
    if slot is None:
        starts = "、".join(time_text(s) for s in slot_starts(book.root.offices[office].booking, day))
        return f"{when} には予約枠がありません（{office_name(book, office)}の枠の開始時刻：{starts}）。"
    if start <= now:
        return f"{when} は過ぎているため予約できません。"
    spec = book.root.offices[office].booking
    first, last = booking_window(book, office, now.date())
    if day < first:
        return (f"{when} は予約の締切を過ぎています（来庁日の{spec.notice_open_days}開庁日前まで。各課が書類を準備するため）。"
                f"今日の予約は {format_date(first, weekday=True)} 以降です。")
    if day > last:
        return f"予約できるのは{spec.ahead_days}日先の {format_date(last, weekday=True)} までです。"
    if slot.closed_by_staff:
        return f"{when} の枠は職員により閉じられています。別の時間を選んでください。"
    if slot.free <= 0:
        return f"{when} の枠は満員です（{slot.capacity}組）。別の時間を選んでください。"
    return None
