"""The window's outbox sender (未送信の入力の送信): what the clerk enters is written to this PC's disk
(okuyami/store/outbox.py) and sent from there through the window's worker, one entry at a time, in order.

Views call :meth:`OutboxSender.add` instead of writing to the store: it returns once the entry is on disk, and the
view shows the change at once (the local case row is updated by :func:`~okuyami.store.outbox.apply_to_row`).
While the server does not answer, entries wait; :meth:`OutboxSender.unsent` says which are to be shown as
⏳ 未送信 (any entry while offline, or one not sent within a second). When the worker is online again, sending
resumes by itself. Each entry ends ``sent`` or ``conflict`` (signal ``settled``): a conflict carries a sentence for
the clerk and is written to the log (without the values).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import functools

from PySide6.QtCore import QObject, QTimer, Signal

from ..store import eventlog
from ..store.outbox import CONFLICT, ENTERED, KINDS, Entry, Journal, answer_run, send, send_run
from ..store.store import StoreUnavailable
from .worker import StoreWorker

log = eventlog.get("outbox")
SLOW_SEND = 1.0  # seconds: an entry not sent by then is shown as ⏳ 未送信 even before the banner says why
SUPERSEDED = ("sync", "question")  # kinds where only the case's latest entry matters


@functools.lru_cache(maxsize=None)
def unsent_mark() -> str:
    """⏳ where a font of this PC has it (Windows: Segoe UI Emoji); else ◷, never an empty box beside 未送信."""
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    if any(QFontMetrics(QFont(family)).inFontUcs4(0x23F3) for family in QFontDatabase.families()):
        return "⏳"
    return "◷"


class OutboxSender(QObject):
    changed = Signal()  # something to redraw: the number unsent, the ⏳ markers
    settled = Signal(object)  # an Entry that was sent or ended in a conflict (entry.state, entry.message)
    _written = Signal(object)  # an Entry now on disk (from the journal's writer thread)

    def __init__(self, parent, worker: StoreWorker, store, data_dir: Path, owner: str, *, book=lambda: None):
        super().__init__(parent)
        self.worker = worker
        self.store = store
        self.book = book
        self._written.connect(lambda _entry: self.changed.emit())
        options = {"background": worker.background, "on_written": self._written.emit}  # fsync off the GUI thread
        try:
            self.journal = Journal(data_dir, owner, **options)
        except OSError as exc:  # a data folder that cannot be written: keep going in a private temporary one
            log.error("outbox folder not writable (%s): using a temporary folder", exc)
            self.journal = Journal(Path(tempfile.mkdtemp(prefix="okuyami-outbox-")), owner, **options)
        self.adopted = self.journal.adopt_orphans()
        if self.adopted:
            log.warning("%d unsent entries of an earlier window taken over, to be sent now", self.adopted)
        if len(self.journal):
            log.info("%d unsent entries in the outbox at start", len(self.journal))
        self._added_at: dict[int, float] = {}
        self._in_flight: Entry | None = None
        self._flying: set[int] = set()  # the seqs on their way (a run of the interview goes as one)
        self._kick_soon = QTimer(self, singleShot=True)  # what one keypress enters (visit, answers, sync) goes
        self._kick_soon.timeout.connect(self.kick)        # together, once the GUI event is over
        self._closed = False
        self.link_up = True  # the window's view of the line (its notice watcher may know of a drop first)
        worker.online_changed.connect(self._online_changed)
        self._slow = QTimer(self, singleShot=True)
        self._slow.timeout.connect(self.changed.emit)

    # -- entering ------------------------------------------------------------------------------------------
    def add(self, kind: str, case_id: int, data: dict, *, blob: bytes | None = None, durable: bool = True) -> Entry:
        """Keep an entry on disk (durably: it survives a crash from here on) and send it when its turn comes."""
        if self._closed:  # entered while the window closes (a field left by closing): kept for the next start
            late = Journal(self.journal.folder.parent, f"{self.journal.owner}-late")
            entry = late.add(kind, case_id, data, blob=blob)
            late.close()
            log.warning("an entry made while the window closed is kept for the next start")
            return entry
        entry = self.journal.add(kind, case_id, data, blob=blob, durable=durable)
        self._added_at[entry.seq] = time.monotonic()
        if self.worker.background:
            self._kick_soon.start(0)
        else:  # (step by step: at once)
            self.kick()
        if entry.seq in self.journal.entries:
            self._slow.start(int(SLOW_SEND * 1000) + 50)
            self.changed.emit()
        return entry

    def start(self) -> None:
        """Send what an earlier run left (called once the window is up)."""
        self.kick()
        self.changed.emit()

    # -- what is waiting -----------------------------------------------------------------------------------
    def pending(self, case_id: int | None = None) -> list[Entry]:
        return self.journal.pending(case_id)

    def unsent(self, case_id: int | None = None) -> list[Entry]:
        """Entries to be shown as ⏳ 未送信 — kept on this PC's disk and not yet in the store: every one while
        offline, else those waiting for over a second."""
        now = time.monotonic()
        offline = not (self.worker.online and self.link_up)
        return [e for e in self.journal.pending(case_id)
                if e.written and (offline or now - self._added_at.get(e.seq, 0.0) >= SLOW_SEND)]

    def waiting_last(self, case_id: int, kind: str) -> bool:
        """The case's last entry is of ``kind`` and not yet on its way (a second one would add nothing)."""
        mine = self.journal.pending(case_id)
        return bool(mine) and mine[-1].kind == kind and mine[-1].seq not in self._flying

    def entered(self, case_id: int | None = None) -> int:
        """How many things the clerk entered wait to be sent (what the banner and the page count)."""
        return sum(e.kind in ENTERED for e in self.journal.pending(case_id))

    def __len__(self) -> int:
        return len(self.journal)

    # -- sending -------------------------------------------------------------------------------------------
    def kick(self) -> None:
        if self._closed or self._in_flight is not None or not self.worker.online:
            return
        entry = self.journal.next()
        while entry is not None and entry.kind in SUPERSEDED and self._superseded(entry):
            self.journal.settle(entry.seq, "superseded")  # a later one of the same case says the same, newer
            entry = self.journal.next()
        if entry is None:
            return
        self._in_flight = entry
        store, book = self.store, self.book()
        run = answer_run(self.journal.pending()) if book is not None else []
        if len(run) > 1:  # one screen of the interview: one transaction
            self._flying = {e.seq for e in run}
            self.worker.call(lambda: send_run(store, run, book=book), lambda results: self._done_run(run, results),
                             lambda exc: self._failed(entry, exc))
            return
        self._flying = {entry.seq}
        try:
            blob = self.journal.blob(entry)
        except OSError:
            blob = None
        self.worker.call(lambda: send(store, entry, book=book, blob=blob),
                         lambda result: self._done(entry, result), lambda exc: self._failed(entry, exc))

    def _done_run(self, run: list[Entry], results: list[tuple[str, str]]) -> None:
        for entry, result in zip(run[:-1], results[:-1]):
            self._settle(entry, result)
        self._done(run[-1], results[-1])

    def _superseded(self, entry: Entry) -> bool:
        return any(e.seq > entry.seq and e.kind == entry.kind and e.case_id == entry.case_id
                   for e in self.journal.pending(entry.case_id))

    def _done(self, entry: Entry, result: tuple[str, str]) -> None:
        self._in_flight = None
        self._flying = set()
        self._settle(entry, result)
        self.changed.emit()
        self.kick()

    def _settle(self, entry: Entry, result: tuple[str, str]) -> None:
        state, message = result
        self.journal.settle(entry.seq, state, message)
        self._added_at.pop(entry.seq, None)
        if state == CONFLICT:
            log.warning("not sent (conflict): %s of case %s (%s): %s", KINDS.get(entry.kind, entry.kind),
                        entry.case_id, "/".join(entry.target[1:]) or entry.kind, message)
        self.settled.emit(entry)

    def _failed(self, entry: Entry, exc: BaseException) -> None:
        self._in_flight = None
        self._flying = set()
        if isinstance(exc, StoreUnavailable):  # stays on disk; sent when the worker is online again
            self.changed.emit()
            return
        log.error("entry %s (%s of case %s) could not be sent: %s: %s", entry.seq, entry.kind, entry.case_id,
                  type(exc).__name__, exc)
        self._done(entry, (CONFLICT, "送信中に予期しないエラーが起きたため、この入力は送っていません"
                                     "（情報システム担当がログで確認できます）。"))

    def _online_changed(self, online: bool) -> None:
        if online:
            self.kick()
        self.changed.emit()

    def close(self) -> None:
        """The window closes: what is unsent stays on disk for the next start."""
        if self._closed:
            return
        self._closed = True
        if len(self.journal):
            log.warning("window closed with %d unsent entries (sent at the next start)", len(self.journal))
        self.journal.close()
