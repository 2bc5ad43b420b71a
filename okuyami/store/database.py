"""The connection to the shared case store (共有データベース): SQLite on one PC or the city's PostgreSQL server.

The backend is chosen by a URL (``--db`` / ``$OKUYAMI_DB``):

- a file path or ``sqlite:///PATH`` — SQLite (the default: ``okuyami.sqlite3`` in the user data folder), WAL;
- ``postgresql://USER@HOST:PORT/DBNAME`` or ``postgresql:///DBNAME?host=/var/run/postgresql`` — any libpq URI
  (psycopg 3); passwords come from ``~/.pgpass`` / ``PGPASSWORD`` and are never printed or logged.

One implementation serves both (SQLAlchemy 2 Core). Every failure a clerk or an IT person can meet is a
:class:`StoreError` with a Japanese message that says what happened and what to do; never a traceback.
Times are stored in UTC with a time zone and shown in Japan time (:func:`to_jst`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from platformdirs import user_data_dir
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from ..core.calendar import JST, to_jst  # noqa: F401 - re-exported: times are shown in Japan time



PENDING = "okuyami_pending"  # conn.info key: what okuyami.store.audit.record collects until the commit


class StoreError(Exception):
    """A problem with the store, said in Japanese for the person at the terminal."""

    def __str__(self) -> str:  # only the Japanese message (see Database.translate: never SQL or values)
        return str(self.args[0]) if self.args else ""


class StoreUnavailable(StoreError):
    """The database cannot be reached (network down, server stopped, wrong address)."""


class StaleWrite(StoreError):
    """A change made from a copy that is no longer current: refused, the screen must reload."""


class StoreRefused(StoreError):
    """The server refused: this terminal's login may not do that (contract §11)."""


class StoreConflict(StoreError):
    """Another terminal did something at the same moment (a unique key taken, a deadlock): try again."""


class ReadOnlyStore(StoreError):
    """The database may be read but not written (a read-only file or server)."""


class SchemaTooNew(StoreError):
    """The database was made by a newer okuyami: this version must not touch it."""


class SchemaMissing(StoreError):
    """The database has no okuyami tables yet (``okuyami db upgrade`` creates them)."""


def now() -> dt.datetime:
    """The current time, aware, in UTC (what is stored). Contract §8: ``$OKUYAMI_NOW`` (``2026-12-09T10:05``,
    Japan time) fixes it, ``$OKUYAMI_TODAY`` moves it to that day at the clock's time (tests, demonstrations), so
    every timestamp a command stores — a visit, a booking's check-in, the audit log — tells the same day."""
    real = dt.datetime.now(dt.timezone.utc)
    fixed = os.environ.get("OKUYAMI_NOW")
    if fixed:
        value = dt.datetime.fromisoformat(fixed)
        return (value if value.tzinfo else value.replace(tzinfo=JST)).astimezone(dt.timezone.utc)
    day = os.environ.get("OKUYAMI_TODAY")
    if day:
        clock = real.astimezone(JST)
        return dt.datetime.combine(dt.date.fromisoformat(day), clock.timetz()).astimezone(dt.timezone.utc)
    return real


def default_data_dir() -> Path:
    """``$OKUYAMI_DATA_DIR``, else the platform's user data folder (``%LOCALAPPDATA%\\okuyami`` on Windows)."""
    env = os.environ.get("OKUYAMI_DATA_DIR")
    return Path(env) if env else Path(user_data_dir("okuyami", appauthor=False))


def terminal_name() -> str:
    """This PC as recorded in the audit log: ``$OKUYAMI_TERMINAL`` or the host name."""
    return os.environ.get("OKUYAMI_TERMINAL") or socket.gethostname() or "unknown"


def resolve_url(db: str | os.PathLike | None, data_dir: Path | None = None) -> str:
    """The SQLAlchemy URL for ``--db`` / ``$OKUYAMI_DB`` / the default SQLite file."""
    raw = str(db) if db else os.environ.get("OKUYAMI_DB", "")
    if not raw:
        folder = Path(data_dir) if data_dir else default_data_dir()
        return f"sqlite:///{folder / 'okuyami.sqlite3'}"
    if raw.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return "postgresql+psycopg://" + raw.split("://", 1)[1]
    if raw.startswith("sqlite:"):
        return raw
    if re.match(r"^[a-z][a-z0-9+]*://", raw):
        raise StoreError(f"データベースの指定 {safe_url(raw)} は使えません。ファイルのパス、sqlite:///パス、"
                         "または postgresql://ユーザー@サーバー/データベース名 を指定してください。")
    return f"sqlite:///{Path(raw).expanduser().absolute()}"


def safe_url(url: str) -> str:
    """A URL fit to print: any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True).replace("postgresql+psycopg", "postgresql")
    except Exception:  # noqa: BLE001 - not a URL at all: show it without anything after a colon-at
        return re.sub(r":[^:@/]*@", ":***@", url)


def _describe_connect_error(url: str, exc: Exception) -> str:
    where = safe_url(url)
    text = str(getattr(exc, "orig", exc) or exc)
    if "password authentication failed" in text or "no password supplied" in text:
        why = "ユーザー名かパスワードが違います（~/.pgpass または PGPASSWORD を確認してください）"
    elif "does not exist" in text and "database" in text:
        why = "そのデータベースがありません（情報システム担当に確認してください）"
    elif "role" in text and "does not exist" in text:
        why = "そのユーザー（ロール）がサーバーにありません"
    elif "unable to open database file" in text:
        why = "ファイルを開けません（フォルダがあるか、書き込めるかを確認してください）"
    else:
        why = "サーバーが止まっているか、ネットワークがつながっていません"
    return f"データベース（{where}）に接続できません：{why}。"


# How long the city's network may stay silent before a terminal says so (課題20): libpq's own timeouts, so the
# command line and the desk app behave alike. A connection attempt gives up after CONNECT_TIMEOUT seconds; data
# sent and not acknowledged for TCP_USER_TIMEOUT_MS closes the connection (a pulled cable, packets that vanish
# without a reset); an idle connection (the LISTEN one) is probed after KEEPALIVE_IDLE s, every KEEPALIVE_INTERVAL
# s, KEEPALIVE_COUNT times. A statement the server does not finish in STATEMENT_TIMEOUT_MS is cancelled by the
# server itself (a lock held by a stuck terminal). Together: a silent drop is an error within about 4 s.
CONNECT_TIMEOUT = 3
TCP_USER_TIMEOUT_MS = 4000
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 2, 1, 2
STATEMENT_TIMEOUT_MS = 20000


def pg_connect_args(*, connect_timeout: int = CONNECT_TIMEOUT, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
                    application_name: str = "okuyami") -> dict:
    """libpq connection parameters of every okuyami connection to PostgreSQL (the pool's and the LISTEN one)."""
    return {"connect_timeout": connect_timeout, "application_name": application_name,
            "keepalives": 1, "keepalives_idle": KEEPALIVE_IDLE, "keepalives_interval": KEEPALIVE_INTERVAL,
            "keepalives_count": KEEPALIVE_COUNT, "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
            "options": f"-c statement_timeout={int(statement_timeout_ms)}"}


@dataclass(frozen=True)
class Actor:
    """Who acts (操作者) and where (端末): recorded with every change and every read of personal data."""

    operator: str
    terminal: str


class Database:
    """An engine for one store URL, with write transactions that serialize properly on both backends.

    SQLite: WAL, foreign keys on, a busy timeout so two processes wait for each other instead of failing, and
    ``BEGIN IMMEDIATE`` for write transactions (the write lock is taken up front, so a read-then-write cannot
    interleave with another writer). PostgreSQL: READ COMMITTED with row-level compare-and-set updates.

    Connection budget (PostgreSQL): one working connection per terminal (the pool holds one, no overflow: the
    terminal's threads take turns), closed after ``idle_seconds`` without use and opened again when needed; the
    notice watcher holds the second, listening one (:meth:`listener_engine`). ``max_connections`` on the server:
    see docs/server-setup.md.
    """

    def __init__(self, url: str, *, connect_timeout: int = CONNECT_TIMEOUT, idle_seconds: float = 60.0):
        self.url = url
        # Who rings the notices this database's writes send (端末の識別): one per running window (or command), so
        # that two windows on one PC, or two cloned PCs with the same name, see each other's changes. The desk app
        # prefixes it with the installation's id (store/local_settings.py).
        self.origin = uuid.uuid4().hex
        self.is_sqlite = url.startswith("sqlite")
        self.idle_seconds = idle_seconds
        self._users = 0  # transactions under way (read / write), for closing an idle connection safely
        self._last_used = time.monotonic()
        self._use_lock = threading.Lock()
        if self.is_sqlite:
            path = url.split("sqlite:///", 1)[-1]
            if path and path != ":memory:" and not path.startswith("file:"):  # file:…?mode=ro: SQLite's own URI
                try:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"データベースのフォルダを作れません（{Path(path).parent}）：{exc.strerror}") from None
                _create_private(Path(path))
            self.engine: Engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0, pool_timeout=60,
                                           connect_args=pg_connect_args(connect_timeout=connect_timeout))
            _watch_idle(self)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        return safe_url(self.url)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (committed on success, rolled back on any error)."""
        with self._translate(), self._in_use():
            with self.engine.connect() as conn:
                conn = conn.execution_options(okuyami_write=True, okuyami_origin=self.origin)
                conn.info.pop("okuyami.rung", None)  # notices.ring: once per kind and case in this transaction
                pending: dict = {"audit": [], "flush": None}  # audit entries, written just before the commit
                conn.info[PENDING] = pending
                try:
                    with conn.begin():
                        yield conn
                        if pending["audit"]:
                            pending["flush"](conn, pending["audit"])
                finally:
                    conn.info.pop(PENDING, None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._translate(), self._in_use():
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn

    @contextmanager
    def _in_use(self) -> Iterator[None]:
        with self._use_lock:
            self._users += 1
        try:
            yield
        finally:
            with self._use_lock:
                self._users -= 1
                self._last_used = time.monotonic()

    def close_idle(self) -> bool:
        """Close the pooled connection when nothing has used it for ``idle_seconds`` (the next transaction opens
        a new one). True if one was closed."""
        with self._use_lock:
            if (self._users or self.engine.pool.checkedin() == 0
                    or time.monotonic() - self._last_used < self.idle_seconds):
                return False
            self.engine.pool.dispose()  # closes what is checked in; nothing is checked out (no transaction)
            return True

    def listener_engine(self) -> Engine:
        """An engine with a pool of its own (one connection, the same connection settings) for the notice
        watcher's LISTEN connection, so that it never takes the working connection."""
        return sa.create_engine(self.engine.url, pool=self.engine.pool.recreate())

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except sa.exc.TimeoutError:  # the terminal's one working connection stayed busy (another of its threads)
            raise StoreUnavailable("データベースの処理が混み合っています。少し待ってからもう一度操作してください。") from None
        except (sa.exc.DBAPIError, sa.exc.StatementError, OverflowError) as exc:
            raise _keep_kind(self.translate(exc), exc) from None

    def translate(self, exc: BaseException) -> StoreError:
        """A database error as the Japanese message a clerk can act on — never its SQL, its parameters or the
        values in it (names, dates). The details go to the IT log, masked (okuyami.core.redact)."""
        from ..core.redact import db_error_details, it_log

        orig = getattr(exc, "orig", None) or exc
        state = str(getattr(orig, "sqlstate", None) or "")
        name = str(getattr(orig, "sqlite_errorname", None) or "")
        text = str(orig)
        details = db_error_details(exc)
        log = it_log("store.error", db=self.describe(), **details)
        see_log = f"詳しくは情報システム担当がログ（{log}）で確認できます。" if log else ""
        if (getattr(exc, "connection_invalidated", False) or isinstance(exc, sa.exc.InterfaceError)
                or state.startswith(("08", "28")) or state in ("3D000", "57P01", "57P02", "57P03", "53300")
                or (not self.is_sqlite and isinstance(exc, sa.exc.OperationalError) and not state)):
            return StoreUnavailable(_describe_connect_error(self.url, exc))
        if isinstance(orig, OverflowError) or state == "22003" or "too large" in text:
            return StoreError("数が大きすぎます（データベースで扱える範囲を超えています）。番号や数を確かめてください。")
        if "NUL" in text or state == "22021":
            return StoreError("入力に使えない文字（NUL など）が含まれています。元のデータを確かめてください。")
        if self.is_sqlite:
            if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text:
                return StoreUnavailable("データベースが他の端末の処理で使用中です。少し待ってからもう一度操作してください。")
            if name.startswith("SQLITE_READONLY") or "readonly" in text:
                return ReadOnlyStore(f"データベース（{self.describe()}）は読み取り専用です。書き込める場所にあるか、"
                                     "ファイルの権限を確かめてください。")
            if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text:
                return StoreError(f"データベースのファイル（{self.describe()}）が壊れているか、okuyamiのデータベースでは"
                                  "ありません。バックアップから戻すか、情報システム担当に連絡してください。")
            if name == "SQLITE_FULL" or "disk is full" in text:
                return StoreError("ディスクがいっぱいで書き込めません。空きを作ってからもう一度操作してください（入力した内容は"
                                  "画面に残っています）。")
            if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
                return StoreUnavailable(_describe_connect_error(self.url, exc))
            if name.startswith("SQLITE_IOERR"):
                return StoreError(f"データベースのファイル（{self.describe()}）の読み書きに失敗しました。" + see_log)
        else:
            if state == "42501":
                who = self.engine.url.username or ""
                return StoreRefused(f"この端末のログイン（{who}）には許可されていない操作です（サーバーが拒否しました）。"
                                    "必要なら情報システム担当に端末の権限を確かめてもらってください。")
            if state == "25006":
                return ReadOnlyStore(f"データベース（{self.describe()}）は今、読み取り専用です。")
            if state in ("53100",):
                return StoreError("データベースのサーバーのディスクがいっぱいです。情報システム担当に連絡してください。")
            if state == "42P01":
                return SchemaMissing(f"データベース（{self.describe()}）にokuyamiの表がありません。"
                                     "情報システム担当が okuyami db upgrade を実行してください。")
        if isinstance(exc, sa.exc.IntegrityError) or state.startswith("23") or state in ("40001", "40P01", "55P03"):
            return StoreConflict("他の端末の処理と重なったため、保存できませんでした。もう一度操作してください。")
        if state.startswith("22") or isinstance(exc, sa.exc.DataError):
            return StoreError("入力された値をデータベースが受け付けませんでした（範囲外の数や日付、長すぎる文字など）。")
        code = f"（{details.get('code') or details['error']}）"
        return StoreError(f"データベースの操作に失敗しました{code}。" + see_log)

    def ping(self) -> None:
        """Raises :class:`StoreUnavailable` when the database cannot be reached."""
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        _IDLE.discard(self)
        self.engine.dispose()


_IDLE: "weakref.WeakSet[Database]" = weakref.WeakSet()  # PostgreSQL databases whose idle connection is closed


_closer_pid: int | None = None


def _watch_idle(db: Database) -> None:
    """Let the closer thread (one per process, started on first use) look after ``db``."""
    global _closer_pid
    _IDLE.add(db)
    if _closer_pid != os.getpid():  # (a forked process has no threads of its parent)
        _closer_pid = os.getpid()
        threading.Thread(target=_close_idle_connections, name="okuyami-idle", daemon=True).start()


def _close_idle_connections() -> None:
    while True:
        time.sleep(5)
        for db in list(_IDLE):
            try:
                db.close_idle()
            except Exception:  # noqa: BLE001 - a pool being disposed meanwhile: try again next round
                pass


_MIXED: dict[tuple[type, type], type] = {}


def _keep_kind(err: StoreError, exc: BaseException) -> StoreError:
    """The Japanese error, still an instance of the SQLAlchemy class it stands for (code that catches
    ``sa.exc.IntegrityError`` around a write keeps working); it carries neither the statement nor its values."""
    if not isinstance(exc, sa.exc.SQLAlchemyError):
        return err
    key = (type(err), type(exc))
    cls = _MIXED.get(key)
    if cls is None:
        cls = _MIXED[key] = type(type(err).__name__, key, {"__module__": __name__})
    mixed = cls.__new__(cls)
    Exception.__init__(mixed, *err.args)
    mixed.__dict__.update(exc.__dict__)
    mixed.__dict__.update(statement=None, params=None, hide_parameters=True, detail=[])
    return mixed


def _create_private(path: Path) -> None:
    """A new SQLite file is readable by its owner only (0600 on POSIX; contract §11). SQLite gives the -wal and
    -shm files it makes beside it the same permissions."""
    if path.exists() or path.is_symlink():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it a moment ago
    except OSError:
        pass  # a folder we cannot write: SQLite says so when it opens the file


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("okuyami_write") else "BEGIN")
