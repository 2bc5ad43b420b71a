"""Notices between terminals (端末間のお知らせ): "case 42 changed", "a task of 市民課 changed".

The ``notices`` table is the truth: every change adds a row in the same transaction. On PostgreSQL the same
transaction also sends ``NOTIFY okuyami`` (delivered at commit) so listening terminals react at once; a NOTIFY is
only a doorbell (lost while a terminal is disconnected), so :class:`NoticeWatcher` always polls the table as well:
every second on SQLite (the only way there), every few seconds on PostgreSQL as the fallback.

Every notice reaches every watcher exactly once (:class:`Cursor`). A notice's id comes from a sequence when the
row is inserted, not when its transaction commits: with many writers, notice 41 can become visible after notice 42,
so "the highest id seen" would skip it for good. On PostgreSQL each notice therefore records its transaction's id
(``pg_current_xact_id()``), and a reader keeps a *horizon*: the oldest transaction still running when it last read
(``pg_snapshot_xmin`` of the snapshot it read with). Everything from transactions older than the horizon has been
read; above it, the reader remembers the ids it has returned and reads the rest again next time. On SQLite writers
take turns (``BEGIN IMMEDIATE``), so ids are handed out in commit order and the highest id read is enough.

One transaction rings each (kind, case, department) once, however many rows it changes. Notices older than
``retention_days`` (default 7, ``$OKUYAMI_NOTICE_DAYS``) are purged by ``okuyami db upgrade`` / ``db purge`` and
once a day by any terminal's watcher.

On PostgreSQL the watcher uses one connection of its own (LISTEN, and the polls on the same connection): with the
store's single working connection, a terminal holds at most two. It imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import Database, StoreError, now
from .schema import notices, tasks

CHANNEL = "okuyami"
RETENTION_DAYS = 7
_XACT = "pg_current_xact_id()::text::bigint"
_RUNG = "okuyami.rung"  # conn.info: what this transaction has rung already (reset by Database.write)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    id: int
    at: dt.datetime
    case_id: int | None
    department: str | None
    kind: str
    terminal: str


def ring(conn: Connection, kind: str, case_id: int | None, department: str | None = None, terminal: str = "") -> None:
    """Record a notice (and ring the PostgreSQL doorbell when the transaction commits); once per transaction for
    the same kind, case and department. A visit also rings once for each department that has work for the family
    (``department`` set), so that a department's terminal can tell a family it must take into its day from the
    many that do not concern it (okuyami.store.refresh). ``terminal`` is recorded as the writing window's own
    identity (:attr:`Database.origin`) when the write has one, so a window knows its own notices without mistaking
    another window or PC of the same name for itself."""
    terminal = conn.get_execution_options().get("okuyami_origin") or terminal
    if kind == "visit" and department is None and case_id is not None:
        for dept in conn.execute(sa.select(tasks.c.department).distinct()
                                 .where(tasks.c.case_id == case_id, tasks.c.applies.is_(True))).scalars():
            _ring(conn, kind, case_id, dept, terminal)
    _ring(conn, kind, case_id, department, terminal)


def _ring(conn: Connection, kind: str, case_id: int | None, department: str | None, terminal: str) -> None:
    rung = conn.info.setdefault(_RUNG, set())
    key = (kind, case_id, department, terminal)
    if key in rung:
        return
    rung.add(key)
    values = {"at": now(), "case_id": case_id, "department": department, "kind": kind, "terminal": terminal}
    if conn.dialect.name == "postgresql":
        values["xact"] = sa.literal_column(_XACT)
    conn.execute(notices.insert().values(**values))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_notify(:ch, :payload)"), {"ch": CHANNEL, "payload": str(case_id or "")})


def latest_id(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.coalesce(sa.func.max(notices.c.id), 0))).scalar_one()


def _notice(r) -> Notice:
    return Notice(r.id, r.at, r.case_id, r.department, r.kind, r.terminal)


def since(conn: Connection, after_id: int, limit: int = 500) -> list[Notice]:
    """Notices with an id above ``after_id`` (only safe on SQLite, or when nobody writes: see :class:`Cursor`)."""
    rows = conn.execute(sa.select(notices).where(notices.c.id > after_id).order_by(notices.c.id).limit(limit))
    return [_notice(r) for r in rows]


class Cursor:
    """Where one reader stands in the notices table: :meth:`read` returns every notice committed since the last
    read, each exactly once, in id order, whatever order the writers commit in.

    PostgreSQL: ``horizon`` is the oldest transaction id that was still running in the snapshot of the last read;
    ``returned`` holds the ids already given out whose transactions are at or above it. One statement reads the
    new horizon and the notices together (one snapshot). SQLite: ``horizon`` is the highest id read."""

    def __init__(self, limit: int = 2000):
        self.horizon: int | None = None
        self.returned: dict[int, int] = {}  # notice id → its transaction (PostgreSQL, at or above the horizon)
        self.limit = limit

    @property
    def started(self) -> bool:
        return self.horizon is not None

    def start(self, conn: Connection) -> None:
        """Stand at "now": what is already committed is not returned."""
        if conn.dialect.name == "postgresql":
            rows = conn.execute(sa.text(
                "SELECT h.horizon, n.id, n.xact FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                "AS horizon) h LEFT JOIN notices n ON n.xact >= h.horizon")).all()
            self.returned = {r.id: r.xact for r in rows if r.id is not None}
            self.horizon = rows[0].horizon
        else:
            self.returned = {}
            self.horizon = latest_id(conn)

    def read(self, conn: Connection) -> list[Notice]:
        if self.horizon is None:
            self.start(conn)
            return []
        if conn.dialect.name == "postgresql":
            return self._read_pg(conn)
        rows = conn.execute(sa.select(notices).where(notices.c.id > self.horizon).order_by(notices.c.id)
                            .limit(self.limit)).all()
        if rows:
            self.horizon = rows[-1].id
        return [_notice(r) for r in rows]

    def _read_pg(self, conn: Connection) -> list[Notice]:
        rows = conn.execute(sa.text(
            "SELECT h.horizon, n.id, n.at, n.case_id, n.department, n.kind, n.terminal, n.xact "
            "FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) h "
            "LEFT JOIN LATERAL (SELECT * FROM notices WHERE xact >= :horizon "
            "AND id <> ALL(CAST(:returned AS bigint[])) ORDER BY id LIMIT :limit) n ON true"),
            {"horizon": self.horizon, "returned": list(self.returned), "limit": self.limit}).all()
        found = [r for r in rows if r.id is not None]
        for r in found:
            self.returned[r.id] = r.xact
        if len(found) < self.limit:  # everything visible was read: the horizon may move up to the snapshot's
            self.horizon = max(self.horizon, rows[0].horizon)
            self.returned = {i: x for i, x in self.returned.items() if x >= self.horizon}
        return [_notice(r) for r in found]


def retention_days() -> int:
    try:
        return max(1, int(os.environ.get("OKUYAMI_NOTICE_DAYS", RETENTION_DAYS)))
    except ValueError:
        return RETENTION_DAYS


def purge(conn: Connection, days: int | None = None, *, today: dt.datetime | None = None) -> int:
    """Delete the notices older than ``days``; the newest row always stays (on SQLite a new id is the highest
    one plus one: removing it would hand the same id out again, below what the terminals have read)."""
    cutoff = (today or now()) - dt.timedelta(days=days or retention_days())
    newest = sa.select(sa.func.max(notices.c.id)).scalar_subquery()
    return conn.execute(notices.delete().where(notices.c.at < cutoff, notices.c.id < newest)).rowcount


class NoticeWatcher:
    """Calls ``on_notices(list[Notice])`` for every new notice (each exactly once) and ``on_state(connected: bool,
    message)`` whenever the connection state changes. ``poll_seconds``: the table poll (the fallback on
    PostgreSQL). The callbacks run on the watcher's thread."""

    def __init__(self, db: Database, on_notices: Callable[[list[Notice]], None],
                 on_state: Callable[[bool, str], None] | None = None, *, poll_seconds: float | None = None,
                 purge_days: int | None = None):
        self.db = db
        self.on_notices = on_notices
        self.on_state = on_state or (lambda connected, message: None)
        self.poll_seconds = poll_seconds or (1.0 if db.is_sqlite else 3.0)
        self.purge_days = purge_days
        self.cursor = Cursor()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0
        self.connected: bool | None = None

    @property
    def last_id(self) -> int | None:
        """Not None once the watcher stands at "now" (kept for callers that wait for it)."""
        return self.cursor.horizon

    def start(self) -> None:
        target = self._run_sqlite if self.db.is_sqlite else self._run_postgresql
        self._thread = threading.Thread(target=target, name="okuyami-notices", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _set_state(self, connected: bool, message: str = "") -> None:
        if connected != self.connected:
            self.connected = connected
            self.on_state(connected, message)

    def _deliver(self, conn: Connection) -> None:
        new = self.cursor.read(conn)
        self._set_state(True)
        if new:
            self.on_notices(new)

    def _purge_due(self) -> bool:
        """Once a day per terminal the oldest notices go (whichever terminal comes first does the work)."""
        if time.monotonic() < self._next_purge:
            return False
        self._next_purge = time.monotonic() + 86400
        return True

    def poll_once(self) -> None:
        """One read (SQLite; on PostgreSQL the listening connection reads, see :meth:`_run_postgresql`)."""
        try:
            with self.db.read() as conn:
                self._deliver(conn)
            if self._purge_due():
                with self.db.write() as conn:
                    purge(conn, self.purge_days)
        except StoreError as exc:
            self._set_state(False, str(exc))

    def _run_sqlite(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.poll_seconds)

    def _wait_for_bell(self, raw) -> bool:
        """Wait for a NOTIFY up to ``poll_seconds`` (in short steps, so that :meth:`stop` is quick); True if rung."""
        end = time.monotonic() + self.poll_seconds
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return False
            for _ in raw.notifies(timeout=min(0.25, left), stop_after=1):
                return True
        return False

    def _run_postgresql(self) -> None:
        """LISTEN on a connection of its own (autocommit), and read the table on the same connection: at once when
        the doorbell rings, and every ``poll_seconds`` in any case."""
        while not self._stop.is_set():
            engine = None
            try:
                with self.db._translate():
                    engine = self.db.listener_engine()
                    with engine.connect() as conn:
                        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                        conn.exec_driver_sql("SET application_name = 'okuyami-listen'")
                        conn.exec_driver_sql(f"LISTEN {CHANNEL}")
                        raw = conn.connection.driver_connection
                        self._deliver(conn)
                        if self._purge_due():
                            try:
                                purge(conn, self.purge_days)
                            except sa.exc.DBAPIError as exc:  # a login that may not delete: another terminal will
                                log.info("notices not purged: %s", exc.orig)
                        while not self._stop.is_set():
                            if self._wait_for_bell(raw):  # a burst of commits rings many times: gather them
                                for _ in raw.notifies(timeout=0.02):
                                    pass
                            if not self._stop.is_set():
                                self._deliver(conn)
            except StoreError as exc:
                self._set_state(False, str(exc))
            except Exception as exc:  # noqa: BLE001 - the driver's own errors mid-wait: the same, retry
                log.info("notice listener: %s", exc)
                self._set_state(False, "データベースに接続できません。")
            finally:
                if engine is not None:
                    engine.dispose()
            self._stop.wait(2.0)
