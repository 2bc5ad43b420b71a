"""Creating and migrating the store's schema (スキーマの作成・移行), with Alembic.

``okuyami db upgrade`` runs :func:`upgrade`; every other entry point only :func:`check` s: an app that meets a
database made by a newer okuyami says so in Japanese and does not touch it; one that meets an older schema asks
for ``okuyami db upgrade`` (the single-PC desk app upgrades its own SQLite file by itself, see
:meth:`okuyami.store.store.Store.open`).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .database import Database, SchemaMissing, SchemaTooNew, StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The schema revision this okuyami writes."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def current(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _has_tables(db: Database) -> bool:
    with db.read() as conn:
        return "cases" in sa.inspect(conn).get_table_names()


def check(db: Database) -> str:
    """'ok', 'old' (needs ``db upgrade``), or raises :class:`SchemaTooNew` / :class:`SchemaMissing`."""
    rev = current(db)
    if rev is None:
        if _has_tables(db):
            return "old"  # the single-PC format of earlier versions
        raise SchemaMissing(f"データベース（{db.describe()}）にokuyamiの表がありません。"
                            "情報システム担当が okuyami db upgrade を実行してください。")
    if rev not in known_revisions():
        raise SchemaTooNew(f"このデータベース（{db.describe()}）は新しい版のokuyamiで作られています（スキーマ {rev}）。"
                           "この端末のokuyamiは古いため、データを守るために何も変更しません。"
                           "okuyamiを新しい版に更新してください。")
    return "ok" if rev == head() else "old"


_UPGRADE_LOCK = 0x6F6B7579  # pg_advisory_xact_lock key: one db upgrade at a time per database ("okuy")


def upgrade(db: Database) -> tuple[str | None, str]:
    """Create or migrate the schema to :func:`head`; returns (before, after). Running it twice changes nothing
    (except putting back a guard somebody removed: the audit log's triggers; on PostgreSQL the group roles,
    grants and row-level security — store/roles.py). Two runs at once take turns: the second finds the schema
    made and only checks the guards."""
    from . import audit, roles
    from .database import Actor, terminal_name

    with db.write() as conn:
        if db.dialect == "postgresql":  # building an index on a big table may take longer than a query
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # (and so may waiting for another upgrade)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _UPGRADE_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        if before is not None and before not in known_revisions():
            raise SchemaTooNew(f"このデータベース（{db.describe()}）は新しい版のokuyamiで作られています（スキーマ {before}）。"
                               "この端末のokuyamiは古いため、データを守るために何も変更しません。"
                               "okuyamiを新しい版に更新してください。")
        if db.dialect == "postgresql" and not roles.is_owner(conn):
            if before == head():
                return before, head()  # a terminal's login: nothing to do, and the guards are the owner's
            raise StoreError(f"データベース（{db.describe()}）のスキーマの作成・更新は、データベースの所有者"
                             "（情報システム担当）のロールで okuyami db upgrade を実行してください。")
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if before != head():
            from .cases import reindex_search

            reindex_search(conn)  # cases carried over from an earlier format get their search text
        from .notices import purge

        purge(conn)  # notices between terminals older than the retention period ($OKUYAMI_NOTICE_DAYS, 7 days)
        restored = roles.ensure(conn)
        if restored and before is not None:  # somebody removed a guard: the log itself says it was put back
            audit.record(conn, Actor("", terminal_name()), "audit.guard", None, restored=restored)
    return before, head()


def restore_guards(db: Database) -> list[str]:
    """SQLite: put back the audit log's triggers if somebody removed them (the desk app does this at start)."""
    from . import audit, roles
    from .database import Actor, terminal_name

    if not db.is_sqlite:
        return []
    with db.read() as conn:
        if not roles.sqlite_guards_missing(conn):
            return []
    with db.write() as conn:
        restored = roles.ensure(conn)
    if restored:
        try:  # the log says so — unless the log itself is beyond appending to (audit verify will tell)
            with db.write() as conn:
                audit.record(conn, Actor("", terminal_name()), "audit.guard", None, restored=restored)
        except StoreError:
            pass
    return restored
