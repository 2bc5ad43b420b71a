"""The shared store's first schema: cases (people as columns), answers and tasks one row each, visits, the print
log, the append-only audit log, notices, operators.

A desk-app database of the earlier single-PC format (sqlite-utils, ``PRAGMA user_version`` 1 or 2: people as JSON,
answers, 未着手/完了/後日/不要 statuses, print log) is carried over: its tables are renamed ``legacy_*``, copied
into the new ones and dropped, in the same transaction.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    legacy = _rename_legacy_tables()
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('terminal', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_case', ['case_id', 'id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('state', sa.String(length=20), server_default='in_progress', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), server_default='', nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deceased_name', sa.Text(), nullable=True),
    sa.Column('deceased_kana', sa.Text(), nullable=True),
    sa.Column('deceased_sex', sa.Text(), nullable=True),
    sa.Column('deceased_birth_date', sa.Date(), nullable=True),
    sa.Column('deceased_death_date', sa.Date(), nullable=True),
    sa.Column('deceased_address', sa.Text(), nullable=True),
    sa.Column('deceased_registered_domicile', sa.Text(), nullable=True),
    sa.Column('applicant_name', sa.Text(), nullable=True),
    sa.Column('applicant_kana', sa.Text(), nullable=True),
    sa.Column('applicant_relationship', sa.Text(), nullable=True),
    sa.Column('applicant_birth_date', sa.Date(), nullable=True),
    sa.Column('applicant_address', sa.Text(), nullable=True),
    sa.Column('applicant_phone', sa.Text(), nullable=True),
    sa.Column('funeral_date', sa.Date(), nullable=True),
    sa.Column('funeral_chief_mourner', sa.Text(), nullable=True),
    sa.Column('current_question', sa.String(length=100), nullable=True),
    sa.Column('search_text', sa.Text(), server_default='', nullable=False),
    sa.Column('juki_key', sa.String(length=40), nullable=True),
    sa.Column('language', sa.String(length=10), server_default='ja', nullable=False),
    sa.CheckConstraint("state IN ('new','in_progress','printed','follow_up','closed')", name=op.f('ck_cases_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('juki_key', name=op.f('uq_cases_juki_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_death_date', ['deceased_death_date'], unique=False)
        batch_op.create_index('ix_cases_birth_date', ['deceased_birth_date'], unique=False)
        batch_op.create_index('ix_cases_updated', [sa.literal_column('updated_at DESC'), sa.literal_column('id DESC')], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('terminal', sa.String(length=100), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    op.create_table('operators',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_operators'))
    )
    op.create_table('answers',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('fact', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rev', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("source IN ('counter','phone','juki')", name=op.f('ck_answers_source')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_answers_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'fact', name=op.f('pk_answers'))
    )
    op.create_table('tasks',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('procedure', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('applies', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint("status IN ('open','prepared','done','deferred','not_applicable')", name=op.f('ck_tasks_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tasks_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'procedure', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_department_status', ['department', 'status'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), server_default='counter', nullable=False),
    sa.Column('office', sa.String(length=100), server_default='', nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('terminal', sa.String(length=100), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visits_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_case_id'), ['case_id'], unique=False)

    op.create_table('print_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('terminal', sa.String(length=100), server_default='', nullable=False),
    sa.Column('what', sa.Text(), server_default='{}', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_print_log_case_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_print_log_visit_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_log'))
    )
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_log_case_id'), ['case_id'], unique=False)

    _append_only_audit()
    if legacy:
        _copy_legacy()


def downgrade() -> None:
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_log_case_id'))

    op.drop_table('print_log')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_case_id'))

    op.drop_table('visits')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_department_status')

    op.drop_table('tasks')
    op.drop_table('answers')
    op.drop_table('operators')
    op.drop_table('notices')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated')
        batch_op.drop_index('ix_cases_death_date')
        batch_op.drop_index('ix_cases_birth_date')

    op.drop_table('cases')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_case')
        batch_op.drop_index('ix_audit_at')

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS okuyami_audit_append_only()")
    op.drop_table('audit_log')


def _append_only_audit() -> None:
    """The audit log can only grow: UPDATE and DELETE are refused by the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE OR REPLACE FUNCTION okuyami_audit_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION okuyami_audit_append_only()""")
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


LEGACY_TABLES = ("cases", "answers", "procedure_status", "print_log")


def _rename_legacy_tables() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    inspector = sa.inspect(bind)
    if "cases" not in inspector.get_table_names():
        return False
    if "deceased" not in {c["name"] for c in inspector.get_columns("cases")}:
        return False
    for table in LEGACY_TABLES:
        if table in inspector.get_table_names():
            op.execute(f"ALTER TABLE {table} RENAME TO legacy_{table}")
    for index in ("idx_cases_updated_at",):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    return True


_LEGACY_STATE = {"受付中": "in_progress", "印刷済": "printed", "後日対応あり": "follow_up", "完了": "closed"}
_LEGACY_TASK = {"未着手": "open", "完了": "done", "後日": "deferred", "不要": "not_applicable"}
_PEOPLE = {
    "deceased": ("name", "kana", "sex", "birth_date", "death_date", "address", "registered_domicile"),
    "applicant": ("name", "kana", "relationship", "birth_date", "address", "phone"),
    "funeral": ("date", "chief_mourner"),
}


def _ts(text):
    """Old times were local naive ISO text (the counter PC is in Japan): make them aware."""
    import datetime as dt
    if not text:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _copy_legacy() -> None:
    import datetime as dt
    import json
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT * FROM legacy_cases ORDER BY id")).mappings().all()
    for row in rows:
        values = {"id": row["id"], "version": 1, "state": _LEGACY_STATE.get(row["status"], "in_progress"),
                  "created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"]),
                  "created_by": row["clerk"] or "", "current_question": row["current_question"],
                  "search_text": "", "language": "ja"}
        for part, fields in _PEOPLE.items():
            data = json.loads(row[part] or "{}")
            for field in fields:
                column = f"{part}_{field}" if part != "funeral" else f"funeral_{field}"
                value = data.get(field)
                if value and field.endswith("date"):
                    value = dt.date.fromisoformat(value)
                values[column] = value or None
        bind.execute(sa.text(f"INSERT INTO cases ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
                     values)
    bind.execute(sa.text("""INSERT INTO answers (case_id, fact, value, source, operator, updated_at, rev)
        SELECT case_id, fact, value, 'counter', '', updated_at, 1 FROM legacy_answers"""))
    for r in bind.execute(sa.text("SELECT * FROM legacy_answers")).mappings():
        bind.execute(sa.text("UPDATE answers SET updated_at = :t WHERE case_id = :c AND fact = :f"),
                     {"t": _ts(r["updated_at"]), "c": r["case_id"], "f": r["fact"]})
    for r in bind.execute(sa.text("SELECT * FROM legacy_procedure_status")).mappings():
        bind.execute(sa.text("""INSERT INTO tasks (case_id, procedure, department, status, note, operator, updated_at,
            version, applies) VALUES (:c, :p, '', :s, :n, '', :t, 1, 1)"""),
            {"c": r["case_id"], "p": r["code"], "s": _LEGACY_TASK.get(r["status"], "open"), "n": r["note"] or "",
             "t": _ts(r["updated_at"])})
    for r in bind.execute(sa.text("SELECT * FROM legacy_print_log")).mappings():
        bind.execute(sa.text("""INSERT INTO print_log (case_id, at, operator, terminal, what)
            VALUES (:c, :t, :o, '', :w)"""), {"c": r["case_id"], "t": _ts(r["printed_at"]), "o": r["clerk"] or "",
                                               "w": r["what"] or "{}"})
    for table in reversed(LEGACY_TABLES):
        op.execute(f"DROP TABLE IF EXISTS legacy_{table}")
    op.execute("PRAGMA user_version = 0")
