"""Writing many rows at once (一括書き込み): for the 住基 import of a whole city's death list (100,000 rows).

SQLAlchemy's per-row work (building parameters, type processing) costs more than the database itself at that size,
so rows are handed to the driver as tuples already in the database's form: on PostgreSQL one
``INSERT … SELECT * FROM unnest(arrays)`` per table (COPY is not allowed under row-level security), on SQLite
``executemany``. Both run in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def when(conn: Connection, value: dt.datetime | None):
    """A point in time as the column stores it (SQLite: UTC text as SQLAlchemy writes it; PostgreSQL: aware)."""
    if value is None or is_pg(conn):
        return value
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def day(conn: Connection, value: dt.date | None):
    if value is None or is_pg(conn):
        return value
    return value.isoformat()


def flag(conn: Connection, value: bool):
    return value if is_pg(conn) else int(value)


def next_ids(conn: Connection, table: sa.Table, n: int) -> list[int]:
    """``n`` new ids for ``table`` (inside the write transaction: SQLite has one writer at a time)."""
    if n == 0:
        return []
    if is_pg(conn):
        return list(conn.execute(sa.text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n}).scalars())
    last = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(last + 1, last + 1 + n))


def _pg_type(t: sa.types.TypeEngine) -> str:
    t = getattr(t, "impl", t)  # UTCDateTime → DateTime(timezone=True)
    if isinstance(t, sa.Boolean):
        return "boolean"
    if isinstance(t, sa.BigInteger):
        return "bigint"
    if isinstance(t, sa.Integer):
        return "integer"
    if isinstance(t, sa.DateTime):
        return "timestamptz"
    if isinstance(t, sa.Date):
        return "date"
    return "text"


def insert_rows(conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, values from :func:`when` / :func:`day` / :func:`flag`)."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    dbapi = conn.dialect.loaded_dbapi
    try:
        if is_pg(conn):  # one statement: the columns as arrays, unnested by the server (COPY is refused under RLS)
            arrays = ", ".join(f"%b::{_pg_type(table.c[c].type)}[]" for c in columns)
            with raw.cursor() as cur:
                cur.execute(f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})",
                            [list(col) for col in zip(*rows)])
        else:
            marks = ", ".join("?" for _ in columns)
            raw.cursor().executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    except dbapi.Error as exc:  # as SQLAlchemy would have raised it (the store translates those into Japanese)
        raise sa.exc.DBAPIError.instance(None, None, exc, dbapi.Error) from None
