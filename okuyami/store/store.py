"""The store (共有ケースストア): the one interface through which the desk app, the department terminals and the
command line read and change cases — SQLite on one PC or the city's PostgreSQL, chosen by URL.

Each kind of record has its module (``cases``, ``answers``, ``tasks``, ``visits``, ``printlog``, ``audit``,
``notices``); :class:`Store` binds them to one database and one :class:`~okuyami.store.database.Actor` (who is at
which terminal), and wraps each operation in one transaction. Every change and every read of personal data is
audited with the operator, the terminal and the time.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from ..core.engine import Evaluation
from ..core.rulebook import Rulebook
from . import (answers, audit, cases, day, juki, merge, migrate, notices, packets, printlog, reservations, spool,
               tasks, visits)
from ..core.booking import Override, Slot
from .reservations import STATUS_LABELS as RESERVATION_LABELS
from .reservations import BookingRefused, Reservation, current_time
from .answers import SOURCE_LABELS
from .audit import ACTIONS_JA
from .cases import ANY, STATE_LABELS, TASK_LABELS, CaseRow, CaseSummary, field_label
from .database import (Actor, Database, ReadOnlyStore, SchemaMissing, StaleWrite, StoreConflict, StoreError,
                       StoreUnavailable, default_data_dir, now, resolve_url, terminal_name, to_jst)
from .juki import Conflict, ImportLog, JukiRecord, Outcome
from .report import Month, MonthFigures, MonthReport

# What the views need besides the Store itself (they import nothing else of the store's internals):
__all__ = ["Store", "ANY", "CaseRow", "CaseSummary", "StoreError", "StoreUnavailable", "StaleWrite", "STATE_LABELS",
           "TASK_LABELS", "SOURCE_LABELS", "field_label", "ACTIONS_JA", "to_jst", "default_data_dir", "JukiRecord",
           "ImportLog", "Outcome", "Conflict", "Reservation", "RESERVATION_LABELS", "BookingRefused", "Slot",
           "Override", "current_time", "Recorded", "Month", "MonthFigures", "MonthReport"]


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Store.record_answers` leaves: the case as stored now, the engine's result on its answers (None
    while the dates are missing), and whether any department's tasks changed."""

    row: CaseRow
    result: Evaluation | None
    tasks_changed: bool


STATE_BY_LABEL = {v: k for k, v in STATE_LABELS.items()}
TASK_BY_LABEL = {v: k for k, v in TASK_LABELS.items()}


class Store:
    def __init__(self, db: Database, actor: Actor, data_dir: Path | None = None):
        self.db = db
        self.actor = actor
        self.data_dir = data_dir  # this PC's data folder (the audit spool); None: the default

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
        elif db.is_sqlite:  # the audit log's triggers, put back if somebody dropped them (and the log says so)
            try:
                migrate.restore_guards(db)
            except StoreError:
                pass  # a read-only file: reading works, the check at start reports a broken chain
        store = cls(db, Actor(operator, terminal or terminal_name()), data_dir)
        try:
            store.flush_spool()  # reads made while the database was read-only: their entries go in now
        except StoreError:
            pass
        return store

    def with_operator(self, operator: str) -> "Store":
        return Store(self.db, Actor(operator, self.actor.terminal), self.data_dir)

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
        """Read a case to show it to someone: audited (on a read-only database, the entry waits in the spool)."""
        return self._audited(lambda conn: cases.load(conn, case_id), action, case_id)

    def set_person(self, case_id: int, part: str, field: str, value: str | None, *, expected: Any = ANY,
                   if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return cases.set_field(conn, self.actor, case_id, part, field, value, expected, if_version)

    def set_case_status(self, case_id: int, state: str) -> None:
        """``state`` as a code (``closed``) or as the Japanese label (完了); closing the case ends today's visit
        (its booking becomes 完了)."""
        with self.db.write() as conn:
            state = STATE_BY_LABEL.get(state, state)
            cases.set_state(conn, self.actor, case_id, state)
            if state == "closed":
                day.finish_today(conn, self.actor, case_id)

    def set_current_question(self, case_id: int, fact: str | None) -> None:
        with self.db.write() as conn:
            cases.set_current_question(conn, case_id, fact)

    def set_language(self, case_id: int, language: str) -> None:
        with self.db.write() as conn:
            cases.set_language(conn, self.actor, case_id, language)

    def list_cases(self, search: str = "", *, limit: int = 50, offset: int = 0,
                   date: dt.date | None = None, audited: bool = False) -> list[CaseSummary]:
        def read(conn):
            return cases.list_cases(conn, search, limit=limit, offset=offset, date=date)

        if audited:
            return self._audited(read, "case.list", None, lambda rows: {"results": len(rows)})
        with self.db.read() as conn:
            return read(conn)

    def count_cases(self, search: str = "", date: dt.date | None = None, *, cap: int | None = None) -> int:
        """The number of cases the list would show; with ``cap``, at most ``cap + 1`` are counted (「N件以上」)."""
        with self.db.read() as conn:
            return cases.count_cases(conn, search, date, cap)

    def delete_case(self, case_id: int) -> None:
        """Remove a case whatever it holds (tests, administration); the desk app uses :meth:`delete_empty_case`."""
        with self.db.write() as conn:
            cases.delete(conn, self.actor, case_id)

    def why_not_empty(self, case_id: int) -> list[str]:
        """Why a case may not be deleted (Japanese); empty: it may."""
        with self.db.read() as conn:
            return merge.emptiness(conn, case_id)

    def delete_empty_case(self, case_id: int) -> None:
        """空の案件の削除: refused (StoreError saying why) if anything was answered, printed, worked on or booked."""
        with self.db.write() as conn:
            merge.delete_empty(conn, self.actor, case_id)

    def merge_plan(self, keep_id: int, other_id: int, book: Rulebook | None = None) -> merge.MergeResult:
        """What merging ``other_id`` into ``keep_id`` would carry over and where they differ (nothing changes);
        with ``book``, in the clerk's words."""
        with self.db.read() as conn:
            return merge.plan(conn, keep_id, other_id, book)

    def merge_cases(self, keep_id: int, other_id: int, book: Rulebook | None = None) -> merge.MergeResult:
        """同一人物の案件の統合: ``other_id`` goes into ``keep_id`` (the kept case's values win; audited on both)."""
        with self.db.write() as conn:
            return merge.merge(conn, self.actor, keep_id, other_id, book)

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

    def record_answers(self, case_id: int, values: dict[str, Any], *, book: Rulebook | None,
                       source: str = "counter", expected_revs: dict[str, int | None] | None = None,
                       visit: str | None = None, if_version: int | None = None) -> "Recorded":
        """One screen of the interview in one transaction (回答の記録): the answers (``"unknown"`` for わからない),
        the departments' tasks brought in line with the engine's result on the stored answers, and — with
        ``visit`` (``"counter"`` / ``"phone"``), for the first answer of a visit — today's visit. Returns the case as
        it now stands, so the window needs no second read.

        ``expected_revs``: fact → the revision the clerk saw (None: unanswered); a fact changed meanwhile on another
        terminal is refused with :class:`StaleWrite` and nothing of the screen is recorded. Replaces
        ``ensure_visit`` + ``set_answer`` × n + ``get`` + ``sync_tasks`` + ``get`` (those stay for other callers)."""
        from .casefile import evaluate_row

        with self.db.write() as conn:
            if visit is not None:
                visits.ensure_today(conn, self.actor, case_id, kind=visit)
            version = cases.bump(conn, case_id, if_version)  # one change of the case for the whole screen
            for fact, value in values.items():
                expected = expected_revs[fact] if expected_revs is not None and fact in expected_revs else ANY
                answers.set_answer(conn, self.actor, case_id, fact, value, source=source, expected_rev=expected,
                                   version=version)
            row = cases.load(conn, case_id)
            result = evaluate_row(book, row) if book is not None else None  # (no rulebook: no tasks to sync)
            changed = result is not None and tasks.sync(conn, self.actor, case_id, result, book)
            if changed:  # (sync counted one more change of the case)
                row.tasks = cases.load_tasks(conn, case_id)
                row.version = cases.version_of(conn, case_id)
            return Recorded(row, result, changed)

    def clear_answer(self, case_id: int, fact: str, *, expected_rev: Any = ANY, if_version: int | None = None) -> int:
        with self.db.write() as conn:
            return answers.clear_answer(conn, self.actor, case_id, fact, expected_rev=expected_rev,
                                        if_version=if_version)

    # -- tasks ----------------------------------------------------------------------------------------------
    def set_task(self, case_id: int, procedure: str, status: str, *, note: str | None = None,
                 department: str | None = None, expected_version: Any = ANY, if_version: int | None = None,
                 follow_up: Any = ANY) -> int:
        with self.db.write() as conn:
            return tasks.set_status(conn, self.actor, case_id, procedure, TASK_BY_LABEL.get(status, status),
                                    note=note, department=department, expected_version=expected_version,
                                    if_version=if_version, follow_up=follow_up)

    def set_procedure_status(self, case_id: int, code: str, status: str, note: str = "",
                             follow_up: Any = ANY) -> int:
        """The desk app's 対応 column: ``status`` as the Japanese label (未着手・完了・後日・不要) or a code;
        ``follow_up`` the day a 後日 item is to be done."""
        return self.set_task(case_id, code, status, note=note, follow_up=follow_up)

    def follow_ups(self, *, until: dt.date | None = None, audited: bool = True) -> list[tasks.FollowUp]:
        """後日対応の一覧: every deferred procedure of every case, soonest follow-up date first."""
        if audited:
            return self._audited(lambda conn: tasks.follow_ups(conn, until=until), "tasks.list", None,
                                 lambda lines: {"status": "deferred", "results": len(lines)})
        with self.db.read() as conn:
            return tasks.follow_ups(conn, until=until)

    def sync_tasks(self, case_id: int, result: Evaluation, book: Rulebook) -> bool:
        with self.db.write() as conn:
            return tasks.sync(conn, self.actor, case_id, result, book)

    def work_list(self, *, department: str | None = None, date: dt.date | None = None,
                  until: dt.date | None = None, audited: bool = True,
                  case_ids: list[int] | None = None) -> list[tasks.TaskLine]:
        """A department's work (contract §8 ``tasks list``). ``audited``: a person asked for the list (the window
        opened, the day changed, F5); a refresh because another terminal changed something is not audited (nobody
        asked to see anything new). ``case_ids``: only those families' lines (see okuyami.store.refresh)."""
        def read(conn):
            return tasks.work_list(conn, department=department, date=date, until=until, case_ids=case_ids)

        if audited:
            return self._audited(read, "tasks.list", None,
                                 lambda lines: {"department": department or "", "results": len(lines)})
        with self.db.read() as conn:
            return read(conn)

    # -- visits, printing, audit ----------------------------------------------------------------------------
    def start_visit(self, case_id: int, *, kind: str = "counter", office: str = "") -> int:
        with self.db.write() as conn:
            return visits.start(conn, self.actor, case_id, kind=kind, office=office)

    def open_visit(self, case_id: int, *, kind: str = "counter") -> int | None:
        """The corner opens a case: that day's visit is recorded now (a return visit too), a booking of today
        becomes 対応中; a family booked for a later day is not visited by opening its case (store/day.py)."""
        with self.db.write() as conn:
            return day.open_visit(conn, self.actor, case_id, kind=kind)

    def close_stale_bookings(self) -> list[int]:
        """Bookings of earlier days left 到着 / 対応中: closed (完了) at their last activity."""
        with self.db.write() as conn:
            return day.close_stale(conn, self.actor)

    def log_letter(self, case_id: int, reservation: int) -> None:
        """The 事前案内 was made: 履歴 calls it so; the case's state is unchanged (not a print of the packet)."""
        with self.db.write() as conn:
            day.log_letter(conn, self.actor, case_id, reservation)

    def letters(self, case_id: int) -> list[audit.AuditEntry]:
        with self.db.read() as conn:
            return day.letters(conn, case_id)

    def ensure_visit(self, case_id: int, *, kind: str = "counter") -> int:
        """Today's visit of the case, started if there is none yet (a return visit is recorded as such)."""
        with self.db.write() as conn:
            return visits.ensure_today(conn, self.actor, case_id, kind=kind)

    def visits(self, case_id: int) -> list[visits.Visit]:
        with self.db.read() as conn:
            return visits.for_case(conn, case_id)

    def log_print(self, case_id: int, _clerk: str | None, what: dict, visit_id: int | None = None, *,
                  pdf: bytes | None = None, pages: int = 0, counter: bool = True) -> int:
        """Log a print (or a save as PDF); with ``pdf``, the packet itself is kept in the same transaction (dated,
        never overwritten) so this visit's papers can be reprinted exactly. At the corner (``counter``) the papers
        are handed over: the family is here today, and today's booking is done (完了). A department reprinting its
        forms (``counter=False``) records no visit and leaves the case's state."""
        with self.db.write() as conn:
            if visit_id is None and counter:  # papers handed over: the family is here today (a return visit starts one)
                day.close_stale(conn, self.actor, case_id)
                visit_id = visits.ensure_today(conn, self.actor, case_id)
            entry = printlog.log(conn, self.actor, case_id, what, visit_id, state=counter)
            if pdf is not None:
                packets.keep(conn, self.actor, case_id, pdf, pages=pages, print_id=entry, visit_id=visit_id)
            if counter and not what.get("reprint_of"):
                day.finish_today(conn, self.actor, case_id)
            return entry

    def keep_packet(self, case_id: int, pdf: bytes, *, pages: int, print_id: int | None = None,
                    visit_id: int | None = None) -> packets.PacketInfo:
        """Keep a packet as printed or saved (dated, never overwritten) for an exact reprint later."""
        with self.db.write() as conn:
            return packets.keep(conn, self.actor, case_id, pdf, pages=pages, print_id=print_id, visit_id=visit_id)

    def packets(self, case_id: int) -> list[packets.PacketInfo]:
        with self.db.read() as conn:
            return packets.for_case(conn, case_id)

    def packet_pdf(self, packet_id: int) -> tuple[packets.PacketInfo, bytes]:
        with self.db.write() as conn:
            return packets.read(conn, self.actor, packet_id)

    def print_log(self, case_id: int) -> list[printlog.PrintEntry]:
        with self.db.read() as conn:
            return printlog.for_case(conn, case_id)

    def history(self, case_id: int) -> list[audit.AuditEntry]:
        with self.db.read() as conn:
            return audit.entries(conn, case_id=case_id)

    def audit_entries(self, *, case_id: int | None = None, since: dt.datetime | None = None) -> list[audit.AuditEntry]:
        return self._audited(lambda conn: audit.entries(conn, case_id=case_id, since=since), "audit.read", case_id)

    def terminal_role(self) -> tuple[str | None, str | None]:
        """PostgreSQL: (counter / department / auditor, a department login's department) of this terminal's login;
        (None, None) for the owner and on SQLite. The server enforces it; the app uses it to explain a refusal."""
        from . import roles

        with self.db.read() as conn:
            group = roles.session_group(conn)
            return group, roles.my_department(conn) if group == "department" else None

    def verify_audit(self) -> audit.ChainReport:
        """``okuyami audit verify``: the whole chain, entry by entry (contract §11); the check itself is audited.
        A department login (which may not read every entry) has the server check it (the same rules in SQL)."""
        from . import roles

        with self.db.read() as conn:
            if roles.session_group(conn) == "department":
                report = audit.server_check(conn, None)
            else:
                report = audit.verify(conn)
        try:
            self._audit_only("audit.verify", None, checked=report.checked, ok=report.ok)
        except StoreError:
            if report.ok:  # an intact log that cannot be appended to is a problem of its own
                raise
        return report

    def audit_check(self, tail: int = 500) -> audit.ChainReport:
        """The desk app's check at start: the last ``tail`` entries still form an unbroken chain up to the head
        (PostgreSQL: checked by the server, so every terminal can run it without reading the log)."""
        with self.db.read() as conn:
            if conn.dialect.name == "postgresql":
                return audit.server_check(conn, tail)
            return audit.verify(conn, tail=tail)

    def _audit_only(self, action: str, case_id: int | None, **detail: Any) -> None:
        self._audited(lambda conn: None, action, case_id, lambda _: detail)

    def _audited(self, read, action: str, case_id: int | None = None, detail=None):
        """``read(conn)`` and its audit entry in one transaction; on a database that cannot be written the read is
        still answered and the entry waits in this PC's spool (store/spool.py) until the next write succeeds."""
        try:
            with self.db.write() as conn:
                result = read(conn)
                audit.record(conn, self.actor, action, case_id, **(detail(result) if detail else {}))
        except ReadOnlyStore:
            with self.db.read() as conn:
                result = read(conn)
            spool.add(self.db, self.actor, action, case_id, detail(result) if detail else {}, self.data_dir)
            return result
        self.flush_spool()
        return result

    def flush_spool(self) -> int:
        """Write the audit entries kept while the database was read-only; returns how many."""
        if not spool.pending(self.db, self.data_dir):
            return 0
        claimed, entries = spool.take(self.db, self.data_dir)
        if claimed is None:
            return 0
        rows = [{"operator": e.get("operator", ""), "terminal": e.get("terminal", ""), "action": e.get("action", ""),
                 "case_id": e.get("case_id"), "detail": json.dumps({**(e.get("detail") or {}),
                                                                   "spooled_at": e.get("at")}, ensure_ascii=False)}
                for e in entries]
        try:
            with self.db.write() as conn:
                audit.record_many(conn, rows)
        except StoreError:
            spool.give_back(self.db, claimed, self.data_dir)
            return 0
        claimed.unlink(missing_ok=True)
        return len(rows)

    def operators(self) -> list[str]:
        with self.db.read() as conn:
            return audit.known_operators(conn)

    def purge_notices(self, days: int | None = None) -> int:
        """Remove the notices older than ``days`` (default ``$OKUYAMI_NOTICE_DAYS`` or 7); the watchers also do it
        once a day. Returns how many went."""
        with self.db.write() as conn:
            return notices.purge(conn, days)

    def watcher(self, on_notices, on_state=None, **kw) -> notices.NoticeWatcher:
        return notices.NoticeWatcher(self.db, on_notices, on_state, **kw)

    # --- 住基 import / export ------------------------------------------------------------------------------
    def import_juki(self, records: Iterable[JukiRecord], log: ImportLog | Callable[[], ImportLog], *,
                    book: Rulebook | None = None, progress=None, batch_size: int = 500,
                    total: int | None = None) -> Outcome:
        """Create or update one case per 宛名番号 (contract §10), ``batch_size`` rows per transaction (other
        terminals are never held up for the whole file); ``progress(done, total)`` after each batch. ``records``
        may be an iterator (a big file is read as it is written) and ``log`` a function giving the import record
        once they are all read. The import record (``juki_imports`` and one audit entry) is written last, also when
        nothing changed."""
        import itertools

        import sqlalchemy as sa

        outcome = Outcome()
        if total is None and isinstance(records, list):
            total = len(records)
        done = 0
        it = iter(records)
        while chunk := list(itertools.islice(it, batch_size)):
            for attempt in (1, 2):
                try:
                    with self.db.write() as conn:
                        outcome.merge(juki.apply_batch(conn, self.actor, chunk, book))
                    break
                except (sa.exc.IntegrityError, StoreConflict):  # another terminal imported the same 宛名番号 meanwhile
                    if attempt == 2:
                        raise StoreError("同じ宛名番号を他の端末が同時に取り込んでいます。少し待ってからもう一度取り込んでください。") from None
            done += len(chunk)
            if progress is not None:
                progress(done, max(total or 0, done))
        with self.db.write() as conn:
            outcome.import_id = juki.log_import(conn, self.actor, log() if callable(log) else log, outcome)
        return outcome

    def juki_imports(self, limit: int = 20) -> list[juki.ImportEntry]:
        with self.db.read() as conn:
            return juki.imports(conn, limit)

    def juki_baseline(self, case_id: int) -> dict[str, Any]:
        """What 住基 last said for each imported field of a case."""
        with self.db.read() as conn:
            return juki.baseline(conn, case_id)

    def case_marks(self, ids: list[int]) -> dict[int, tuple[bool, bool]]:
        """case → (imported from 住基, has 外字), for the case list."""
        with self.db.read() as conn:
            return juki.marks(conn, ids)

    def gaiji_choices(self, case_id: int) -> dict[str, str]:
        """外字 → its substitute for printing ('' : 〓, written by hand)."""
        with self.db.read() as conn:
            return juki.gaiji_choices_of(conn, case_id)

    def set_gaiji_choice(self, case_id: int, char: str, substitute: str) -> None:
        with self.db.write() as conn:
            juki.set_gaiji_choice(conn, self.actor, case_id, char, substitute)

    def export_stats(self, first: dt.date, last: dt.date, *, with_names: bool = False, by: str = "case"):
        """The figures behind ``okuyami export cases`` (store/stats.py); audited with the operator, and whether
        names were included."""
        from . import stats

        with self.db.write() as conn:
            found = stats.case_stats(conn, first, last, with_names=with_names)
            audit.record(conn, self.actor, "export", None, what="cases", by=by, first=first.isoformat(),
                         last=last.isoformat(), with_names=with_names, cases=len(found))
            return found

    # --- the monthly report (月次報告, contract §13) ----------------------------------------------------------
    def month_report(self, month: Month, *, department: str | None = None,
                     book: Rulebook | None = None) -> MonthReport:
        """The month's figures, the month before and the same month a year before (store/report.py); no names.
        With ``book``, weeks that would show only closed days join their neighbour. Audited (who made it)."""
        from . import report

        is_open = book.calendar.is_open if book is not None else None
        with self.db.write() as conn:
            found = report.month_report(conn, month, department=department, is_open=is_open,
                                        made_at=current_time())  # ($OKUYAMI_NOW / $OKUYAMI_TODAY as §8 says)
            audit.record(conn, self.actor, "report.month", None, month=month.iso(), department=department or "")
            return found

    def finish_visit(self, visit_id: int, at: dt.datetime | None = None) -> None:
        """The family leaves the counter (来庁の終了): the visit's end, for the report's time at the corner."""
        with self.db.write() as conn:
            visits.finish(conn, visit_id, at or now())

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
        if audited:
            return self._audited(lambda conn: reservations.on_days(conn, first, last, office), "reservation.list",
                                 None, lambda found: {"day": first.isoformat(), "results": len(found)})
        with self.db.read() as conn:
            return reservations.on_days(conn, first, last, office)

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
