"""Throwaway PostgreSQL databases (使い捨てのデータベース) for the tests and the benchmarks: never used by the app.

:func:`throwaway_database` creates a database with a unique name on a server reached through an admin URL (a role
that may CREATE DATABASE, e.g. ``$OKUYAMI_TEST_PG``) and returns its URL and a function that drops it."""

from __future__ import annotations

import uuid
from collections.abc import Callable


def throwaway_database(admin: str, prefix: str = "okuyami_t") -> tuple[str, Callable[[], None]]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(admin).set(database=name).render_as_string(hide_password=False), drop
