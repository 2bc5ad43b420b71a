"""The reservation book's command line (contract §9): ``okuyami slots …`` and ``okuyami reservations …``.

Names, options and JSON fields of the contract are fixed; ``--db``, ``--operator`` and ``$OKUYAMI_TODAY`` work as
in §8 (:func:`okuyami.cli_store.common_options`, :func:`~okuyami.cli_store.run_guarded`). A booking that cannot
be made (full, closed, past, inside the notice period) is exit 1 with the reason in Japanese. Besides the
contract: ``slots set`` (the staff's override of a day or a slot), ``reservations move`` (reschedule), optional
details of the family on ``reservations add`` (``--kana``, ``--birth-date``, ``--address``, ``--relationship``),
and ``--format text`` everywhere (``reservations list --date TOMORROW`` is the list of calls to remind).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import unicodedata

from .cli_args import INT32_MAX, int_arg
from .cli_store import _book, _case_number, _date, _emit, _rules_option, _store, common_options
from .core.booking import bookable_offices, jst, time_text
from .core.wareki import format_date
from .store.database import StoreError
from .store.reservations import STATUS_LABELS, describe
from .store.schema import RESERVATION_STATUSES

COMMANDS = ("slots", "reservations")


def _datetime(text: str) -> dt.datetime:
    """2026-11-25T10:00, 2026-11-25 10:00 or with a UTC offset; without one it is Japan time."""
    t = unicodedata.normalize("NFKC", text).strip()
    m = re.fullmatch(r"(.+?)[T ](\d{1,2}):(\d{2})(?::\d{2})?([+-]\d{2}:?\d{2}|Z)?", t)
    try:
        if not m:
            raise ValueError(t)
        day = _date(m.group(1))
        value = dt.datetime.combine(day, dt.time(int(m.group(2)), int(m.group(3))))
        if m.group(4):
            value = dt.datetime.fromisoformat(f"{value.isoformat()}{'+00:00' if m.group(4) == 'Z' else m.group(4)}")
        return jst(value)
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"日時が読めません：{text}（例：2026-11-25T10:00）") from None


def _check_office(book, office: str | None) -> None:
    if office is not None and office not in bookable_offices(book):
        from .core.booking import office_problem

        raise StoreError(office_problem(book, office) or f"庁舎ID '{office}' はありません。")


def cmd_slots_list(args) -> int:
    if args.to < args.from_:
        raise StoreError(f"--to（{args.to}）が --from（{args.from_}）より前です。")
    if (args.to - args.from_).days > 366:
        raise StoreError("一度に表示できるのは1年分までです（--from と --to を近づけてください）。")
    book = _book(args)
    _check_office(book, args.office)
    store = _store(args)
    try:
        found = store.slots(book, args.from_, args.to, args.office)
    finally:
        store.close()
    _emit([s.to_json() for s in found], args.format, lambda: (
        f"{format_date(s.start.date(), weekday=True)} {time_text(s.start)}  {s.office}  "
        f"{'閉（職員）' if s.closed_by_staff else f'空き {s.free} / {s.capacity}'}" for s in found))
    return 0


def cmd_slots_set(args) -> int:
    book = _book(args)
    office = args.office or next(iter(bookable_offices(book)), None)
    _check_office(book, office)
    if not (args.close or args.open or args.desks is not None):
        raise StoreError("--close、--open、--desks N のどれかを指定してください。")
    store = _store(args)
    try:
        store.set_slot_override(book, office, args.date, args.time or "", closed=args.close,
                                desks=args.desks or 0, note=args.note or "")
    finally:
        store.close()
    what = "閉じました" if args.close else (f"窓口を{args.desks:+d}にしました" if args.desks else "元に戻しました")
    print(f"{format_date(args.date, weekday=True)}{' ' + args.time if args.time else '（終日）'} {office}：{what}")
    return 0


def cmd_reservations_add(args) -> int:
    book = _book(args)
    _check_office(book, args.office)
    values = {"deceased_name": args.deceased, "deceased_death_date": args.death_date,
              "deceased_kana": args.kana, "deceased_birth_date": args.birth_date, "deceased_address": args.address}
    caller = {"name": args.caller, "phone": args.phone, "relationship": args.relationship or ""}
    store = _store(args)
    try:
        res = store.book_visit(book, start=args.start, office=args.office,
                               case_id=_case_number(args.case) if args.case else None,
                               values=values, caller=caller)
    finally:
        store.close()
    print(res.number)
    return 0


def cmd_reservations_list(args) -> int:
    book = None
    if args.office or args.format == "text":
        book = _book(args)
        _check_office(book, args.office)
    store = _store(args)
    try:
        store.close_stale_bookings()  # a booking of an earlier day still 対応中 is over (完了 at its last activity)
        found = store.reservations_on(args.date, office=args.office)
    finally:
        store.close()
    _emit([r.to_json() for r in found], args.format, lambda: (
        f"{r.number:>5}  {describe(book, r)}  {STATUS_LABELS[r.status]}{'（予約なし）' if r.walk_in else ''}  "
        f"案件 {r.case} {r.deceased or '（氏名未入力）'}  連絡先 {r.caller_name or '—'} {r.caller_phone or '—'}"
        for r in found))
    return 0


def _number(text: str) -> int:
    digits = unicodedata.normalize("NFKC", text).strip().lstrip("#")
    if not digits.isdigit() or not digits.isascii():
        raise StoreError(f"予約番号は数字です：{text[:30]}")
    if len(digits) > 10 or not 1 <= int(digits) <= INT32_MAX:
        raise StoreError(f"予約番号 {digits[:20]} はありません。")
    return int(digits)


def cmd_reservations_set(args) -> int:
    store = _store(args)
    try:
        res = store.set_reservation_status(_number(args.number), args.status)
    finally:
        store.close()
    print(f"予約 {res.number}（案件 {res.case}）：{STATUS_LABELS[res.status]}")
    return 0


def cmd_reservations_move(args) -> int:
    book = _book(args)
    _check_office(book, args.office)
    store = _store(args)
    try:
        res = store.move_reservation(book, _number(args.number), args.start, office=args.office)
    finally:
        store.close()
    print(f"予約 {res.number}：{describe(book, res)} に変更しました")
    return 0


def cmd_reservations_letter(args) -> int:
    """``okuyami reservations letter NUMBER --out FILE.pdf`` (contract §13): the booking's 事前案内, one A4 page in
    large type, what to bring from the answers so far; the case's state does not change, 履歴 says 事前案内."""
    from pathlib import Path

    from .core.engine import Session
    from .documents.advance_notice import for_booking, render
    from .store.workflow import case_dates

    book = _book(args)
    out = Path(args.out)
    store = _store(args)
    try:
        res = store.reservation(_number(args.number))
        if res.status == "cancelled":
            raise StoreError(f"予約 {res.number} は取り消されています。事前案内は新しい予約で作ってください。")
        row = store.view(res.case)  # audited: the letter shows the family's names
        dates = case_dates(row)
        notice = for_booking(book, res, row, Session(book, dates, row.answers) if dates else None)
        pdf, pages, size = render(notice)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(pdf)
        except OSError as exc:
            raise StoreError(f"{out} に書き込めません（{exc.strerror or exc}）。保存先を確かめてください。") from None
        store.log_letter(res.case, res.number)
    finally:
        store.close()
    print(f"{out}: 事前案内 {pages}ページ（{size:g}ポイント以上）予約番号 {res.number}・案件番号 {res.case}")
    return 0


def add_commands(sub) -> None:
    slots = sub.add_parser("slots", help="bookable times (contract §9): list, or change a day or a slot")
    s_sub = slots.add_subparsers(dest="slots_command", metavar="SUBCOMMAND")
    sl = s_sub.add_parser("list", help="the slots of the days, with capacity and the number booked")
    sl.add_argument("--from", dest="from_", type=_date, required=True, metavar="D")
    sl.add_argument("--to", type=_date, required=True, metavar="D")
    sl.add_argument("--office", default=None, metavar="ID", help="office id from rules.yaml (default: every office)")
    sl.add_argument("--format", choices=("json", "text"), default="text")
    common_options(sl)
    _rules_option(sl)
    sl.set_defaults(func=cmd_slots_list)
    ss = s_sub.add_parser("set", help="the staff's override: close or reopen a day or a slot, add desks (audited)")
    ss.add_argument("--date", type=_date, required=True, metavar="D")
    ss.add_argument("--time", default=None, metavar="H:MM", help="one slot (default: the whole day)")
    ss.add_argument("--office", default=None, metavar="ID")
    how = ss.add_mutually_exclusive_group()
    how.add_argument("--close", action="store_true", help="no bookings on that day or slot")
    how.add_argument("--open", action="store_true", help="remove the override (back to the rulebook)")
    how.add_argument("--desks", type=int_arg("窓口の増減", -99, 99), default=None, metavar="N",
                     help="desks added (negative: removed)")
    ss.add_argument("--note", default=None)
    common_options(ss)
    _rules_option(ss)
    ss.set_defaults(func=cmd_slots_set)

    res = sub.add_parser("reservations", help="the reservation book (contract §9): add, list, set, move")
    r_sub = res.add_subparsers(dest="reservations_command", metavar="SUBCOMMAND")
    ra = r_sub.add_parser("add", help="book a slot, creating the case if none is given; prints the reservation number")
    ra.add_argument("--start", type=_datetime, required=True, metavar="DATETIME", help="e.g. 2026-11-25T10:00 (Japan time)")
    ra.add_argument("--office", default=None, metavar="ID", help="office id (default: the corner's office)")
    ra.add_argument("--deceased", required=True, metavar="NAME")
    ra.add_argument("--death-date", type=_date, required=True, metavar="D")
    ra.add_argument("--caller", required=True, metavar="NAME")
    ra.add_argument("--phone", required=True, metavar="TEL")
    ra.add_argument("--case", default=None, metavar="NUMBER", help="book for this existing case")
    ra.add_argument("--kana", default=None, help="the deceased's フリガナ (optional)")
    ra.add_argument("--birth-date", type=_date, default=None, metavar="D",
                    help="the deceased's birth date (optional; with it the departments get their tasks at once)")
    ra.add_argument("--address", default=None, help="the deceased's address (optional)")
    ra.add_argument("--relationship", default=None, help="the caller's 続柄 (optional)")
    common_options(ra)
    _rules_option(ra)
    ra.set_defaults(func=cmd_reservations_add)
    rl = r_sub.add_parser("list", help="the bookings of a day (text: with phone numbers, e.g. tomorrow's reminders)")
    rl.add_argument("--date", type=_date, required=True, metavar="D")
    rl.add_argument("--office", default=None, metavar="ID")
    rl.add_argument("--format", choices=("json", "text"), default="text")
    common_options(rl)
    _rules_option(rl)
    rl.set_defaults(func=cmd_reservations_list)
    rs = r_sub.add_parser("set", help="change a booking's status")
    rs.add_argument("number")
    rs.add_argument("status", choices=RESERVATION_STATUSES)
    common_options(rs)
    rs.set_defaults(func=cmd_reservations_set)
    lt = r_sub.add_parser("letter", help="the booking's 事前案内 (one A4 page, large type) as PDF (contract §13)")
    lt.add_argument("number")
    lt.add_argument("--out", required=True, metavar="FILE.pdf")
    common_options(lt)
    _rules_option(lt)
    lt.set_defaults(func=cmd_reservations_letter)
    rm = r_sub.add_parser("move", help="reschedule a booking to another slot")
    rm.add_argument("number")
    rm.add_argument("--start", type=_datetime, required=True, metavar="DATETIME")
    rm.add_argument("--office", default=None, metavar="ID")
    common_options(rm)
    _rules_option(rm)
    rm.set_defaults(func=cmd_reservations_move)
