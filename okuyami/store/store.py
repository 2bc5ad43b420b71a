"""The store (共有ケースストア): the one interface through which the desk app, the department terminals and the
command line read and change cases — SQLite on one PC or the city's PostgreSQL, chosen by URL.

Each kind of record has its module (``cases``, ``answers``, ``tasks``, ``visits``, ``printlog``, ``audit``,
``notices``); :class:`Store` binds them to one database and one :class:`~okuyami.store.database.Actor` (who is at
which terminal), and wraps each operation in one transaction. Every change and every read of personal data is
audited with the operator, the terminal and the time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..core.engine import Evaluation
from ..core.rulebook import Rulebook
from . import answers, audit, cases, migrate, notices, printlog, reservations, tasks, visits
from ..core.booking import Override, Slot
from .reservations import STATUS_LABELS as RESERVATION_LABELS
from .reservations import BookingRefused, Reservation, current_time
from .answers import SOURCE_LABELS
from .audit import ACTIONS_JA
from .cases import ANY, STATE_LABELS, TASK_LABELS, CaseRow, CaseSummary
from .database import (Actor, Database, SchemaMissing, StaleWrite, StoreError, StoreUnavailable, default_data_dir,
                       now, resolve_url, terminal_name, to_jst)

# What the views need besides the Store itself (they import nothing else of the store's internals):
__all__ = ["Store", "CaseRow", "CaseSummary", "StoreError", "StoreUnavailable", "StaleWrite", "STATE_LABELS",
           "TASK_LABELS", "SOURCE_LABELS", "ACTIONS_JA", "to_jst", "default_data_dir",
           "Reservation", "RESERVATION_LABELS", "BookingRefused", "Slot", "Override", "current_time"]

STATE_BY_LABEL = {v: k for k, v in STATE_LABELS.items()}
TASK_BY_LABEL = {v: k for k, v in TASK_LABELS.items()}


class Store:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    @classmethod
    def open(cls, url: str | Path | None = None, *, operator: str = "", terminal: str | None = None,
             data_dir: Path | None = None, auto_upgrade: bool | None = None) -> "Store":
        """Open the store at ``url`` (``--db`` / ``$OKUYAMI_DB`` / the user data folder's SQLite file).

        A SQLite file of this PC is created or migrated by itself (``auto_upgrade`` defaults to True there); a
        shared PostgreSQL database is migrated only by ``okuyami db upgrade`` (the IT staff's step), so a terminal
        meeting an old schema asks for it, and one meeting a newer schema refuses to touch it."""
        db = Database(resolve_url(url, data_dir))
        if auto_upgrade is None:
            auto_upgrade = db.is_sqlite
        try:
            state = migrate.check(db)
        except SchemaMissing:
            if not auto_upgrade:
                db.dispose()
                raise
            state = "old"
        except StoreError:
            db.dispose()
            raise
        if state == "old":
            if not auto_upgrade:
                db.dispose()
                raise StoreError(f"データベース（{db.describe()}）のスキーマが古い版です。"
                                 "情報システム担当が okuyami db upgrade を実行してください。")
            migrate.upgrade(db)
        return cls(db, Actor(operator, terminal or terminal_name()))

    def with_operator(self, operator: str) -> "Store":
        return Store(self.db, Actor(operator, self.actor.terminal))

    def close(self) -> None:
        self.db.dispose()

    # -- cases ----------------------------------------------------------------------------------------------
    def create_case(self, operator: str | None = None, *, values: dict[str, Any] | None = None,
                    state: str = "in_progress", visit: bool = True) -> int:
        actor = Actor(operator or self.actor.operator, self.actor.terminal)
        with self.db.write() as conn:
            case_id = cases.create(conn, actor, state=state, values=values)
            if visit:
                visits.start(conn, actor, case_id)
            return case_id

    def get(self, case_id: int) -> CaseRow:
        """Read a case (not audited: for refreshing a screen already opened with :meth:`view`)."""
        with self.db.read() as conn:
            return cases.load(conn, case_id)

    def view(self, case_id: int, action: str = "case.view") -> CaseRow:
        """Read a case to show it to someone: audited."""
        with self.db.write() as conn:
            row = cases.load(conn, case_id)
            audit.record(conn, self.actor, action, case_id)
            return row

    def set_person(self, case_id: int, part: str, field: str, value: str | None, *, expected: Any = ANY,
                   if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return cases.set_field(conn, self.actor, case_id, part, field, value, expected, if_version)

    def set_case_status(self, case_id: int, state: str) -> None:
        """``state`` as a code (``closed``) or as the Japanese label (完了)."""
        with self.db.write() as conn:
            cases.set_state(conn, self.actor, case_id, STATE_BY_LABEL.get(state, state))

    def set_current_question(self, case_id: int, fact: str | None) -> None:
        with self.db.write() as conn:
            cases.set_current_question(conn, case_id, fact)

    def set_language(self, case_id: int, language: str) -> None:
        with self.db.write() as conn:
            cases.set_language(conn, self.actor, case_id, language)

    def list_cases(self, search: str = "", *, limit: int = 50, offset: int = 0,
                   date: dt.date | None = None, audited: bool = False) -> list[CaseSummary]:
        with (self.db.write() if audited else self.db.read()) as conn:
            rows = cases.list_cases(conn, search, limit=limit, offset=offset, date=date)
            if audited:
                audit.record(conn, self.actor, "case.list", None, results=len(rows))
            return rows

    def count_cases(self, search: str = "", date: dt.date | None = None) -> int:
        with self.db.read() as conn:
            return cases.count_cases(conn, search, date)

    def delete_case(self, case_id: int) -> None:
        with self.db.write() as conn:
            cases.delete(conn, self.actor, case_id)

    def purge(self, retention_days: int, *, today: dt.datetime | None = None) -> list[int]:
        """Remove the cases closed more than ``retention_days`` ago; the audit log keeps an entry for each."""
        cutoff = (today or now()) - dt.timedelta(days=retention_days)
        with self.db.write() as conn:
            ids = cases.closed_before(conn, cutoff)
            for case_id in ids:
                cases.delete(conn, self.actor, case_id, action="case.purge")
            return ids

    # -- answers --------------------------------------------------------------------------------------------
    def set_answer(self, case_id: int, fact: str, value: Any, *, source: str = "counter",
                   expected_rev: Any = ANY, if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return answers.set_answer(conn, self.actor, case_id, fact, value, source=source,
                                      expected_rev=expected_rev, if_version=if_version)

    def clear_answer(self, case_id: int, fact: str, *, expected_rev: Any = ANY, if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return answers.clear_answer(conn, self.actor, case_id, fact, expected_rev=expected_rev,
                                        if_version=if_version)

    # -- tasks ----------------------------------------------------------------------------------------------
    def set_task(self, case_id: int, procedure: str, status: str, *, note: str | None = None,
                 department: str | None = None, expected_version: Any = ANY, if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return tasks.set_status(conn, self.actor, case_id, procedure, TASK_BY_LABEL.get(status, status),
                                    note=note, department=department, expected_version=expected_version,
                                    if_version=if_version)

    def set_procedure_status(self, case_id: int, code: str, status: str, note: str = "") -> int:
        """The desk app's 対応 column: ``status`` as the Japanese label (未着手・完了・後日・不要) or a code."""
        return self.set_task(case_id, code, status, note=note)

    def sync_tasks(self, case_id: int, result: Evaluation, book: Rulebook) -> bool:
        with self.db.write() as conn:
            return tasks.sync(conn, self.actor, case_id, result, book)

    def work_list(self, *, department: str | None = None, date: dt.date | None = None,
                  until: dt.date | None = None, audited: bool = True) -> list[tasks.TaskLine]:
        with (self.db.write() if audited else self.db.read()) as conn:
            lines = tasks.work_list(conn, department=department, date=date, until=until)
            if audited:
                audit.record(conn, self.actor, "tasks.list", None, department=department or "", results=len(lines))
            return lines

    # -- visits, printing, audit ----------------------------------------------------------------------------
    def start_visit(self, case_id: int, *, kind: str = "counter", office: str = "") -> int:
        with self.db.write() as conn:
            return visits.start(conn, self.actor, case_id, kind=kind, office=office)

    def visits(self, case_id: int) -> list[visits.Visit]:
        with self.db.read() as conn:
            return visits.for_case(conn, case_id)

    def log_print(self, case_id: int, _clerk: str | None, what: dict, visit_id: int | None = None) -> int:
        with self.db.write() as conn:
            return printlog.log(conn, self.actor, case_id, what, visit_id)

    def print_log(self, case_id: int) -> list[printlog.PrintEntry]:
        with self.db.read() as conn:
            return printlog.for_case(conn, case_id)

    def history(self, case_id: int) -> list[audit.AuditEntry]:
        with self.db.read() as conn:
            return audit.entries(conn, case_id=case_id)

    def audit_entries(self, *, case_id: int | None = None, since: dt.datetime | None = None) -> list[audit.AuditEntry]:
        with self.db.write() as conn:
            found = audit.entries(conn, case_id=case_id, since=since)
            audit.record(conn, self.actor, "audit.read", case_id)
            return found

    def operators(self) -> list[str]:
        with self.db.read() as conn:
            return audit.known_operators(conn)

    def watcher(self, on_notices, on_state=None, **kw) -> notices.NoticeWatcher:
        return notices.NoticeWatcher(self.db, on_notices, on_state, **kw)

    # --- reservations (予約) -------------------------------------------------------------------------------
    # Contract §9: slots from the rulebook, bookings that never exceed a slot (see okuyami.store.reservations),
    # the day at the corner (check-in, waiting, walk-ins), the staff's overrides per day. Every change audited.
    def slots(self, book: Rulebook, first: dt.date, last: dt.date, office: str | None = None) -> list[Slot]:
        with self.db.read() as conn:
            return reservations.slots(conn, book, first, last, office)

    def book_visit(self, book: Rulebook, *, start: dt.datetime, office: str | None = None,
                   case_id: int | None = None, values: dict[str, Any] | None = None,
                   caller: dict[str, str] | None = None, answers: dict[str, Any] | None = None,
                   by_phone: bool = False, at: dt.datetime | None = None) -> Reservation:
        """Book a slot (creating the case unless ``case_id``); the departments get their tasks for that day at
        once when the dates allow the engine to decide them. Raises :class:`BookingRefused` (Japanese reason)."""
        with self.db.write() as conn:
            number = reservations.book(conn, self.actor, book, start=start, office=office, case_id=case_id,
                                       values=values, caller=caller, answers=answers, by_phone=by_phone, at=at)
            res = reservations.get(conn, number)
        self._sync_after_booking(book, res.case)
        return res

    def walk_in(self, book: Rulebook, *, office: str | None = None, case_id: int | None = None,
                values: dict[str, Any] | None = None, caller: dict[str, str] | None = None,
                at: dt.datetime | None = None) -> Reservation:
        with self.db.write() as conn:
            number = reservations.walk_in(conn, self.actor, book, office=office, case_id=case_id, values=values,
                                          caller=caller, at=at)
            res = reservations.get(conn, number)
        self._sync_after_booking(book, res.case)
        return res

    def _sync_after_booking(self, book: Rulebook, case_id: int) -> None:
        from .casefile import evaluate_row

        result = evaluate_row(book, self.get(case_id))
        if result is not None:
            self.sync_tasks(case_id, result, book)

    def reservation(self, number: int) -> Reservation:
        with self.db.read() as conn:
            return reservations.get(conn, number)

    def reservations_on(self, first: dt.date, last: dt.date | None = None, *, office: str | None = None,
                        audited: bool = True) -> list[Reservation]:
        """The bookings of a day (or days), with the families' names and phone numbers: audited."""
        with (self.db.write() if audited else self.db.read()) as conn:
            found = reservations.on_days(conn, first, last, office)
            if audited:
                audit.record(conn, self.actor, "reservation.list", None, day=first.isoformat(), results=len(found))
            return found

    def case_reservations(self, case_id: int) -> list[Reservation]:
        with self.db.read() as conn:
            return reservations.for_case(conn, case_id)

    def set_reservation_status(self, number: int, status: str, *, expected_version: Any = ANY,
                               at: dt.datetime | None = None) -> Reservation:
        with self.db.write() as conn:
            return reservations.set_status(conn, self.actor, number, status, expected_version=expected_version,
                                           at=at)

    def move_reservation(self, book: Rulebook, number: int, start: dt.datetime, *, office: str | None = None,
                         expected_version: Any = ANY, at: dt.datetime | None = None) -> Reservation:
        with self.db.write() as conn:
            return reservations.move(conn, self.actor, book, number, start, office=office,
                                     expected_version=expected_version, at=at)

    def set_slot_override(self, book: Rulebook, office: str, day: dt.date, time: str = "", *, closed: bool = False,
                          desks: int = 0, note: str = "") -> None:
        with self.db.write() as conn:
            reservations.set_override(conn, self.actor, book, office, day, time, closed=closed, desks=desks,
                                      note=note)

    def slot_overrides(self, first: dt.date, last: dt.date, office: str | None = None) -> list[Override]:
        with self.db.read() as conn:
            return reservations.overrides(conn, first, last, office)
