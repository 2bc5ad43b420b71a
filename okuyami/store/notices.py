"""Notices between terminals (端末間のお知らせ): "case 42 changed", "a task of 市民課 changed".

The ``notices`` table is the truth: every change adds a row in the same transaction. On PostgreSQL the same
transaction also sends ``NOTIFY okuyami`` (delivered at commit) so listening terminals react at once; a NOTIFY is
only a doorbell (lost while a terminal is disconnected), so :class:`NoticeWatcher` always polls the table as well:
every second on SQLite (the only way there), every few seconds on PostgreSQL as the fallback.

The watcher runs in a thread of its own and calls back with the new notices, or with the connection state (so
the desk app can show 「サーバーに接続できません」 within seconds). It imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import Database, StoreError, now
from .schema import notices

CHANNEL = "okuyami"


@dataclass(frozen=True)
class Notice:
    id: int
    at: dt.datetime
    case_id: int | None
    department: str | None
    kind: str
    terminal: str


def ring(conn: Connection, kind: str, case_id: int | None, department: str | None = None, terminal: str = "") -> None:
    """Record a notice (and ring the PostgreSQL doorbell when the transaction commits). ``terminal`` is recorded
    as the writing window's own identity (:attr:`Database.origin`) when the write has one, so a window knows its
    own notices without mistaking another window or PC of the same name for itself."""
    terminal = conn.get_execution_options().get("okuyami_origin") or terminal
    conn.execute(notices.insert().values(at=now(), case_id=case_id, department=department, kind=kind,
                                         terminal=terminal))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_notify(:ch, :payload)"), {"ch": CHANNEL, "payload": str(case_id or "")})


def latest_id(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.coalesce(sa.func.max(notices.c.id), 0))).scalar_one()


def since(conn: Connection, after_id: int, limit: int = 500) -> list[Notice]:
    rows = conn.execute(sa.select(notices).where(notices.c.id > after_id).order_by(notices.c.id).limit(limit))
    return [Notice(r.id, r.at, r.case_id, r.department, r.kind, r.terminal) for r in rows]


class NoticeWatcher:
    """Calls ``on_notices(list[Notice])`` for every new notice and ``on_state(connected: bool, message)`` whenever
    the connection state changes. ``poll_seconds``: the table poll (the fallback on PostgreSQL)."""

    def __init__(self, db: Database, on_notices: Callable[[list[Notice]], None],
                 on_state: Callable[[bool, str], None] | None = None, *, poll_seconds: float | None = None):
        self.db = db
        self.on_notices = on_notices
        self.on_state = on_state or (lambda connected, message: None)
        self.poll_seconds = poll_seconds or (1.0 if db.is_sqlite else 3.0)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._listen_thread: threading.Thread | None = None
        self.connected: bool | None = None
        self.last_id: int | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="okuyami-notices", daemon=True)
        self._thread.start()
        if not self.db.is_sqlite:
            self._listen_thread = threading.Thread(target=self._listen, name="okuyami-listen", daemon=True)
            self._listen_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in (self._thread, self._listen_thread):
            if t is not None:
                t.join(timeout=3)

    def _set_state(self, connected: bool, message: str = "") -> None:
        if connected != self.connected:
            self.connected = connected
            self.on_state(connected, message)

    def poll_once(self) -> None:
        try:
            with self.db.read() as conn:
                if self.last_id is None:
                    self.last_id = latest_id(conn)
                    new = []
                else:
                    new = since(conn, self.last_id)
        except StoreError as exc:
            self._set_state(False, str(exc))
            return
        self._set_state(True)
        if new:
            self.last_id = new[-1].id
            self.on_notices(new)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _listen(self) -> None:
        """PostgreSQL LISTEN on its own autocommit connection; a notification wakes the poller at once."""
        import psycopg

        from .database import pg_connect_args

        conninfo = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:  # keepalives: a LISTEN connection only reads, so only they notice a silent drop
                with psycopg.connect(conninfo, autocommit=True, **pg_connect_args()) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._wake.set()
            except Exception:  # noqa: BLE001 - server gone: the poller reports it; retry LISTEN later
                self._stop.wait(2.0)
