"""The outbox (未送信の入力): everything the clerk enters at a window is written to this PC's disk first and sent
to the shared store from there, one entry after the other in the order it was entered.

While the server answers, an entry leaves the outbox within milliseconds. While it does not (a pulled cable, a
server restart) entries wait on disk, the window shows them as ⏳ 未送信, and they are sent when the server is
back, or at the next start if the window was closed meanwhile. Nothing typed is lost and nothing is overwritten
silently: an entry whose field, answer or task another terminal changed meanwhile is not sent; it is settled as a
*conflict* with a sentence that says so, and the window shows the clerk both values.

One journal file per running window (``<data folder>/outbox/<window>.jsonl``, JSON lines, fsync'd before
:meth:`Journal.add` returns), held by an OS lock while the window runs; a journal whose lock is free at start
belongs to a window that has gone (closed, crashed, power cut) and is adopted by the next one. A PDF kept with a
print entry lies beside it until it is sent. Sending again after an answer that was lost on the way is harmless:
an entry already in the store is recognised and settled as sent.

This module imports no Qt: the window's worker (okuyami/ui/outbox.py) calls :func:`send` off the GUI thread.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = "outbox"

KINDS = {  # kind → what it is, in the clerk's words
    "person": "基本情報", "answer": "回答", "clear": "回答の取り消し", "visit": "来庁の記録",
    "sync": "各課への手続きの連絡", "task": "手続きの対応", "state": "案件の状態", "language": "案内票の言語",
    "question": "聞き取りの位置", "print": "印刷の記録", "gaiji": "外字の印刷方法",
}
PENDING, SENT, CONFLICT = "pending", "sent", "conflict"
# what the clerk entered (counted on screen as 未送信); the others follow from it (where the interview stands, the
# visit an answer records, the departments' tasks the answers decide)
ENTERED = ("person", "answer", "clear", "task", "state", "language", "print", "gaiji")


@dataclass
class Entry:
    """One thing entered at the window, to be sent: ``kind`` (see :data:`KINDS`), the case, what (``data``)."""

    seq: int
    kind: str
    case_id: int
    data: dict
    at: str  # when it was entered (ISO, this PC's clock)
    state: str = PENDING
    message: str = ""  # a conflict, in words (never a personal value: the journal's settle lines repeat it)
    blob: str | None = None  # a PDF kept with a print entry (file name in the outbox folder)
    written: bool = False  # on this PC's disk (not part of the journal's line)

    @property
    def target(self) -> tuple:
        """What the entry changes: a later entry for the same target supersedes its marker on screen."""
        d = self.data
        if self.kind == "person":
            return ("person", d["part"], d["field"])
        if self.kind in ("answer", "clear"):
            return ("answer", d["fact"])
        if self.kind == "task":
            return ("task", d["procedure"])
        return (self.kind,)

    def to_json(self) -> dict:
        return {"op": "add", "seq": self.seq, "kind": self.kind, "case": self.case_id, "data": self.data,
                "at": self.at, "blob": self.blob}


class _FileLock:
    """An exclusive OS lock on a file, held while the window runs (released by the OS if it dies)."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime

    def acquire(self) -> bool:
        try:
            if os.name == "nt":
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def release(self) -> None:
        try:
            if os.name == "nt":
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        except OSError:
            pass
        self.fh.close()


def _safe(owner: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in owner)[:80] or "window"


def _fsync_dir(folder: Path) -> None:
    if os.name != "nt":  # a new file's name is durable only once its folder is
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read(path: Path) -> tuple[list[Entry], int]:
    """The unsettled entries of a journal file, in order, and its highest sequence number; a line cut short by a
    crash (the last one) is ignored."""
    entries: dict[int, Entry] = {}
    top = 0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return [], 0
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("op") == "add":
            e = Entry(rec["seq"], rec["kind"], rec["case"], rec["data"], rec["at"], blob=rec.get("blob"))
            entries[e.seq] = e
            top = max(top, e.seq)
        elif rec.get("op") == "settle":
            entries.pop(rec["seq"], None)
    return [entries[k] for k in sorted(entries)], top


class Journal:
    """The outbox of one running window on disk. The window's GUI thread adds and settles; :func:`send` runs on
    its worker thread. With ``background=True`` the disk work (the line, its fsync, a PDF) is done by a writer
    thread of the journal's own, in order, so the GUI thread never waits on a slow disk either; an entry is
    ``written`` once it is on disk (``on_written(entry)`` is called then, from that thread) and only then is it
    shown as 未送信 — kept on this PC."""

    def __init__(self, data_dir: Path, owner: str, *, background: bool = False, on_written=None):
        self.folder = Path(data_dir) / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.owner = _safe(owner)
        self.path = self.folder / f"{self.owner}.jsonl"
        self._lock = _FileLock(self.folder / f"{self.owner}.lock")
        if not self._lock.acquire():
            self._lock.fh.close()
            raise OSError(f"outbox {self.path.name} is in use by another window")
        self._mutex = threading.Lock()
        existing, self._seq = _read(self.path)
        for e in existing:
            e.written = True
        self.entries: dict[int, Entry] = {e.seq: e for e in existing}  # unsettled, in order of seq
        self._new_file = not self.path.exists()  # its name must reach the disk too (once)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        self.durable = True  # False once a write to disk failed (entries then live in memory only)
        self._memory_blobs: dict[int, bytes | None] = {}  # PDFs not (yet) on disk
        self.on_written = on_written
        self._queue: queue.Queue | None = None
        if background:
            self._queue = queue.Queue()
            threading.Thread(target=self._write_loop, name="okuyami-outbox-writer", daemon=True).start()

    # -- writing -----------------------------------------------------------------------------------------------
    def add(self, kind: str, case_id: int, data: dict, *, blob: bytes | None = None, durable: bool = True) -> Entry:
        """Keep an entry: on disk when this returns, or (``background``) as soon as the writer has fsync'd it;
        ``durable=False`` for what may be lost in a power cut (where the interview stands)."""
        if kind not in KINDS:
            raise ValueError(kind)
        with self._mutex:
            self._seq += 1
            seq = self._seq
            entry = Entry(seq, kind, int(case_id), data, dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                          blob=f"{self.owner}-{seq}.pdf" if blob is not None else None)
            if blob is not None:
                self._memory_blobs[seq] = blob
            self.entries[seq] = entry
        self._do(("add", entry, blob, durable))
        return entry

    def settle(self, seq: int, state: str, message: str = "") -> Entry | None:
        """An entry is done with: ``sent``, or ``conflict`` (not sent; ``message`` says why, in words)."""
        with self._mutex:
            entry = self.entries.pop(seq, None)
            if entry is None:
                return None
            entry.state, entry.message = state, message
            empty = not self.entries
        self._do(("settle", entry, empty, None))
        return entry

    def flush(self) -> None:
        """Wait until everything added or settled so far is on disk."""
        if self._queue is not None:
            self._queue.join()

    def _do(self, job: tuple) -> None:
        if self._queue is not None:
            self._queue.put(job)
        else:
            self._run(job)

    def _write_loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._run(job)
            finally:
                self._queue.task_done()

    def _run(self, job: tuple) -> None:
        op, entry, arg, durable = job
        if op == "add":
            blob = arg
            try:
                if blob is not None:
                    tmp = self.folder / (entry.blob + ".tmp")
                    with open(tmp, "wb") as fh:
                        fh.write(blob)
                        fh.flush()
                        os.fsync(fh.fileno())
                    tmp.replace(self.folder / entry.blob)
                self._write(entry.to_json(), durable=durable)
                with self._mutex:
                    self._memory_blobs.pop(entry.seq, None)
            except (OSError, ValueError) as exc:  # a full or failing disk: still sent from memory, and logged
                self.durable = False
                from .eventlog import get

                get("outbox").error("entry %s could not be written to the outbox on disk: %s", entry.seq, exc)
            entry.written = True
            if self.on_written is not None:
                self.on_written(entry)
            return
        empty = arg  # settle
        with self._mutex:
            self._memory_blobs.pop(entry.seq, None)
        try:  # not fsync'd: if this line is lost, the entry is sent once more and recognised as already there
            self._write({"op": "settle", "seq": entry.seq, "state": entry.state, "message": entry.message},
                        durable=False)
            if entry.blob:
                (self.folder / entry.blob).unlink(missing_ok=True)
            if empty and not self.entries:  # nothing left to send: the file afresh (no personal data stays behind)
                self._fh.seek(0)
                self._fh.truncate()
        except (OSError, ValueError):
            pass

    def _write(self, record: dict, *, durable: bool) -> None:
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()
        if durable:
            os.fsync(self._fh.fileno())
            if self._new_file:
                _fsync_dir(self.folder)
                self._new_file = False

    # -- reading -----------------------------------------------------------------------------------------------
    def pending(self, case_id: int | None = None) -> list[Entry]:
        with self._mutex:
            return [e for e in self.entries.values() if case_id is None or e.case_id == case_id]

    def next(self) -> Entry | None:
        with self._mutex:
            return next(iter(self.entries.values()), None)

    def blob(self, entry: Entry) -> bytes | None:
        with self._mutex:
            if entry.seq in self._memory_blobs:
                return self._memory_blobs[entry.seq]
        return (self.folder / entry.blob).read_bytes() if entry.blob else None

    def __len__(self) -> int:
        return len(self.entries)

    # -- windows that have gone --------------------------------------------------------------------------------
    def adopt_orphans(self) -> int:
        """Take over the unsent entries of windows that are no longer running (oldest journal first); returns how
        many. Their journals are removed once the entries are safely in this one."""
        adopted = 0
        others = sorted((p for p in self.folder.glob("*.jsonl") if p != self.path), key=lambda p: p.stat().st_mtime)
        for path in others:
            lock = _FileLock(path.with_suffix(".lock"))
            if not lock.acquire():
                lock.fh.close()
                continue  # its window is running
            try:
                entries, _top = _read(path)
                for e in entries:
                    blob = None
                    if e.blob:
                        try:
                            blob = (self.folder / e.blob).read_bytes()
                        except OSError:
                            blob = None
                    self.add(e.kind, e.case_id, e.data, blob=blob)
                    adopted += 1
                self.flush()  # safely in this journal before the other one goes
                for e in entries:
                    if e.blob:
                        (self.folder / e.blob).unlink(missing_ok=True)
                path.unlink(missing_ok=True)
            finally:
                lock.release()
                path.with_suffix(".lock").unlink(missing_ok=True)
        return adopted

    def close(self) -> None:
        """The window closes: unsent entries stay on disk for the next start; the lock is let go."""
        self.flush()
        if self._queue is not None:
            self._queue.put(None)
        with self._mutex:
            self._fh.close()
            empty = not self.entries
        if empty:
            self.path.unlink(missing_ok=True)
        self._lock.release()
        if empty:
            self._lock.path.unlink(missing_ok=True)


# -- what an entry does to a case -----------------------------------------------------------------------------
def predicted_rev(data: dict) -> Any:
    """The answer's revision after this entry is stored (answers are compare-and-set: it is known)."""
    if "if_rev" not in data:
        return None
    return 1 if data["if_rev"] is None else data["if_rev"] + 1


def apply_to_row(row, entry: Entry) -> None:
    """Show an entry not yet in the store on a case read from it (``row`` is changed in place)."""
    d = entry.data
    if entry.kind == "person":
        values = getattr(row, d["part"])
        if d["value"] in (None, ""):
            values.pop(d["field"], None)
        else:
            values[d["field"]] = d["value"]
    elif entry.kind == "answer":
        row.answers[d["fact"]] = d["value"]
        row.sources[d["fact"]] = d.get("source", "counter")
        rev = predicted_rev(d)
        if rev is not None:
            row.answer_revs[d["fact"]] = rev
    elif entry.kind == "clear":
        for held in (row.answers, row.sources, row.answer_revs):
            held.pop(d["fact"], None)
    elif entry.kind == "task":
        from .cases import TaskRow
        from .database import now

        task = row.tasks.get(d["procedure"])
        follow_up = dt.date.fromisoformat(d["follow_up"]) if d.get("follow_up") else None
        if task is None:
            row.tasks[d["procedure"]] = TaskRow(d["procedure"], "", d["status"], d.get("note") or "", "", now(),
                                                1, True, follow_up)
        else:
            changes = {"status": d["status"], "version": task.version + 1}
            if d.get("note") is not None:
                changes["note"] = d["note"]
            if "follow_up" in d or d["status"] != "deferred":
                changes["follow_up"] = follow_up if d["status"] == "deferred" else None
            row.tasks[d["procedure"]] = dataclasses.replace(task, **changes)
        if d["status"] == "deferred" and row.state in ("in_progress", "printed", "new"):  # as tasks.set_status
            row.state = "follow_up"
    elif entry.kind == "state":
        row.state = d["state"]
    elif entry.kind == "print" and row.state in ("in_progress", "new"):  # as the store does (printlog.log)
        row.state = "printed"
    elif entry.kind == "language":
        row.language = d["language"]
    elif entry.kind == "question":
        row.current_question = d["fact"]


def overlay(row, entries: list[Entry]):
    """A copy of ``row`` with the outbox's unsent entries of that case on it (what the clerk entered wins on
    screen until it is sent)."""
    mine = [e for e in entries if e.case_id == row.id]
    if not mine:
        return row
    shown = copy.deepcopy(row)
    for e in mine:
        apply_to_row(shown, e)
    return shown


# -- sending ----------------------------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    return (a in (None, "")) and (b in (None, "")) or a == b


def send(store, entry: Entry, *, book=None, blob: bytes | None = None) -> tuple[str, str]:
    """Send one entry to the store (on the worker thread). Returns ``("sent", "")`` or ``("conflict", words)``;
    raises :class:`~okuyami.store.database.StoreUnavailable` when the server cannot be reached (the entry stays)."""
    from .cases import ANY, CaseNotFound, field_label
    from .database import StaleWrite, StoreError, StoreUnavailable

    d, case_id = entry.data, entry.case_id
    try:
        try:
            _send(store, entry, blob, book, ANY)
        except StaleWrite:
            fresh = store.get(case_id)  # sent before and the answer was lost on the way, or truly changed?
            if _already_there(fresh, entry):
                return SENT, ""
            if entry.kind == "person":
                what = field_label(f"{d['part']}.{d['field']}")
            elif entry.kind in ("answer", "clear"):
                what = "質問の回答"
            else:
                what = "手続きの対応"
            return CONFLICT, (f"{what}は、この端末で入力したあとに他の端末で変更されていました。"
                              "この端末の入力は送っていません。")
    except StoreUnavailable:
        raise
    except CaseNotFound:
        return CONFLICT, f"案件番号 {case_id} がありません（統合または削除されたため）。この端末の入力は送っていません。"
    except StoreError as exc:  # refused by the server (e.g. what this terminal may change): said as it is
        return CONFLICT, str(exc)
    return SENT, ""


RUN_KINDS = ("visit", "answer", "sync")  # one screen of the interview, sent in one transaction (send_run)


def answer_run(entries: list[Entry]) -> list[Entry]:
    """The entries at the head of ``entries`` (pending, in order) that make one run of the interview of one case:
    its visit, its answers (of one source) and the task syncs after them. Empty when the head is no such run (or
    holds no answer: a sync alone is sent as itself)."""
    run: list[Entry] = []
    source = None
    for e in entries:
        if e.kind not in RUN_KINDS or (run and e.case_id != run[0].case_id):
            break
        if e.kind == "answer":
            if source is not None and e.data.get("source", "counter") != source:
                break
            source = e.data.get("source", "counter")
        if e.kind == "visit" and any(x.kind == "visit" for x in run):
            break
        run.append(e)
    return run if source is not None else []


def send_run(store, run: list[Entry], *, book=None) -> list[tuple[str, str]]:
    """Send a run (:func:`answer_run`) in one transaction — the visit, the answers and the departments' tasks
    (Store.record_answers: one round trip instead of one per entry). If the store refuses it (an answer changed
    meanwhile on another terminal, a refusal), entry by entry, so that each ends sent or as a conflict of its own.
    Raises :class:`~okuyami.store.database.StoreUnavailable` when the server cannot be reached (the run stays)."""
    from .database import StoreError, StoreUnavailable

    answers = [e for e in run if e.kind == "answer"]
    visit = next((e.data.get("kind", "counter") for e in run if e.kind == "visit"), None)
    values: dict[str, Any] = {}
    revs: dict[str, Any] = {}
    for e in answers:
        fact = e.data["fact"]
        if fact not in values and "if_rev" in e.data:  # the revision the clerk saw before the first of them
            revs[fact] = e.data["if_rev"]
        values[fact] = e.data["value"]
    if book is not None:
        try:
            store.record_answers(run[0].case_id, values, book=book, source=answers[0].data.get("source", "counter"),
                                 expected_revs=revs, visit=visit)
            return [(SENT, "")] * len(run)
        except StoreUnavailable:
            raise
        except StoreError:
            pass  # stale or refused: each entry is said in its own words below
    return [send(store, e, book=book) for e in run]


def _already_there(row, entry: Entry) -> bool:
    d = entry.data
    if entry.kind == "person":
        return _same(getattr(row, d["part"]).get(d["field"]), d["value"])
    if entry.kind == "answer":
        return d["fact"] in row.answers and row.answers[d["fact"]] == d["value"]
    if entry.kind == "clear":
        return d["fact"] not in row.answers
    if entry.kind == "task":
        task = row.tasks.get(d["procedure"])
        return task is not None and task.status == d["status"] and (d.get("note") is None or task.note == d["note"])
    return False


def _send(store, entry: Entry, blob: bytes | None, book, ANY) -> None:
    d, case_id = entry.data, entry.case_id
    kind = entry.kind
    if kind == "person":
        store.set_person(case_id, d["part"], d["field"], d["value"], expected=d.get("expected", ANY))
    elif kind == "answer":
        store.set_answer(case_id, d["fact"], d["value"], source=d.get("source", "counter"),
                         expected_rev=d["if_rev"] if "if_rev" in d else ANY)
    elif kind == "clear":
        store.clear_answer(case_id, d["fact"], expected_rev=d["if_rev"] if "if_rev" in d else ANY)
    elif kind == "visit":
        store.ensure_visit(case_id, kind=d.get("kind", "counter"))
    elif kind == "sync":
        if book is not None:
            from .casefile import evaluate_row

            result = evaluate_row(book, store.get(case_id))
            if result is not None:
                store.sync_tasks(case_id, result, book)
    elif kind == "task":
        follow_up = dt.date.fromisoformat(d["follow_up"]) if d.get("follow_up") else None
        store.set_task(case_id, d["procedure"], d["status"], note=d.get("note"),
                       follow_up=follow_up if "follow_up" in d else ANY,
                       expected_version=d["if_version"] if "if_version" in d else ANY)
    elif kind == "state":
        store.set_case_status(case_id, d["state"])
    elif kind == "language":
        store.set_language(case_id, d["language"])
    elif kind == "question":
        store.set_current_question(case_id, d["fact"])
    elif kind == "gaiji":
        store.set_gaiji_choice(case_id, d["char"], d["substitute"])
    elif kind == "print":
        token = d["token"]
        if any(p.what.get("outbox") == token for p in store.print_log(case_id)):
            return  # logged before, the answer was lost on the way
        what = {**d["what"], "outbox": token}
        store.log_print(case_id, None, what, pdf=blob, pages=d["what"].get("pages", 0))
