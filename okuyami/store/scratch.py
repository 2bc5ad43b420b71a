"""Throwaway PostgreSQL databases (使い捨てのデータベース) for the tests and the benchmarks: never used by the app.

:func:`throwaway_database` creates a database with a unique name on a server reached through an admin URL (a role
that may CREATE DATABASE, e.g. ``$OKUYAMI_TEST_PG``) and returns its URL and a function that drops it."""

from __future__ import annotations

import time
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
            # no new session from here on (a thread of a test still retrying would come back between the two)
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            for attempt in range(300):
                # end the sessions of the roles this admin may end (its own, the terminal logins it made); an
                # autovacuum worker busy after a bulk load is no one's to end: a plain DROP waits it out
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                             "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                             "AND usesysid IN (SELECT oid FROM pg_roles WHERE pg_has_role(oid, 'USAGE'))", (name,))
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    return
                except psycopg.errors.ObjectInUse:
                    if attempt == 299:
                        raise
                    time.sleep(0.1)

    return make_url(admin).set(database=name).render_as_string(hide_password=False), drop


def terminal_login(owner_url: str, group: str = "counter", department: str | None = None,
                   prefix: str = "okuyami_t") -> tuple[str, Callable[[], None]]:
    """A new LOGIN role (unique name, random password) made a member of ``group`` on the database of
    ``owner_url`` — as IT gives each terminal its own login (``okuyami db terminal add``). Returns the URL the
    terminal connects with and a function that drops the role (after its connections are closed)."""
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    from .database import Database
    from .roles import add_terminal

    name = f"{prefix}_{group[:4]}_{uuid.uuid4().hex[:8]}"
    password = secrets.token_hex(12)
    url = make_url(owner_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
    db = Database(url.render_as_string(hide_password=False))
    try:
        with db.write() as conn:
            add_terminal(conn, name, group, department)
    finally:
        db.dispose()

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            # a session of the terminal still open (a listener thread ending) would stop the role and the database
            # from being dropped: the admin becomes a member first, which lets it end those sessions
            conn.execute(f'ALTER ROLE "{name}" NOLOGIN')  # no new session (a thread retrying would come back)
            conn.execute(f'GRANT "{name}" TO CURRENT_USER')
            for _ in range(100):  # a closed connection's server process may still be ending: wait until it has
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
                if not conn.execute("SELECT 1 FROM pg_stat_activity WHERE usename = %s", (name,)).fetchone():
                    break
                time.sleep(0.05)
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')

    terminal = url.set(username=name, password=password).render_as_string(hide_password=False)
    return terminal, drop
