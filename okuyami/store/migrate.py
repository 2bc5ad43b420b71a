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

from .database import Database, SchemaMissing, SchemaTooNew

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


def upgrade(db: Database) -> tuple[str | None, str]:
    """Create or migrate the schema to :func:`head`; returns (before, after). Running it twice changes nothing."""
    before = current(db)
    if before is not None and before not in known_revisions():
        check(db)  # raises SchemaTooNew
    cfg = _config()
    with db.write() as conn:
        if conn.dialect.name == "postgresql":  # building an index on a big table may take longer than a query
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if before != head():
            from .cases import reindex_search

            reindex_search(conn)  # cases carried over from an earlier format get their search text
        from .notices import purge

        purge(conn)  # notices between terminals older than the retention period ($OKUYAMI_NOTICE_DAYS, 7 days)
    return before, head()
