"""Trust (contract §11): the audit log becomes a hash chain, and PostgreSQL terminals get their departments.

- ``audit_log`` gains ``seq`` (the entry's place in the chain), ``prev_hash`` and ``hash``; the entries already
  there are chained in id order and sealed (``audit_head.sealed_seq``: their times came from the terminals'
  clocks, so their order in time is not held against them);
- ``audit_head``: one row, the chain's last link (a removed tail is found too);
- ``okuyami_terminals``: which department a department terminal's LOGIN role works for (``db terminal add``);
- ``juki_baseline`` becomes one row per case (a JSON object of the fields) instead of one per field: a city's
  100,000-row 住基 list writes 100,000 rows there, not 1.7 million.

The triggers, the group roles, the grants and the row-level security policies are not here: they are (re)made
by every ``okuyami db upgrade`` (okuyami.store.roles.ensure), so a trigger somebody dropped comes back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_id', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sealed_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('okuyami_terminals',
    sa.Column('login', sa.String(length=63), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('login', name=op.f('pk_okuyami_terminals'))
    )
    _chain_existing_entries()
    op.create_index('uq_audit_log_seq', 'audit_log', ['seq'], unique=True)
    _baseline_per_case()


def downgrade() -> None:  # the chain and the per-case baseline are not taken back (the baseline is emptied)
    op.drop_table('juki_baseline')
    op.create_table('juki_baseline',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_juki_baseline_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'field', name=op.f('pk_juki_baseline'))
    )
    op.drop_index('uq_audit_log_seq', table_name='audit_log')
    op.drop_table('okuyami_terminals')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')


def _chain_existing_entries() -> None:
    """Chain the entries written so far, in id order, and start the head after the last of them."""
    from okuyami.store.audit import entry_hash
    from okuyami.store.schema import audit_head, audit_log

    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:  # the append-only trigger of 0001 refuses UPDATE: lifted for this transaction only
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    seq, prev, last_id, last_at = 0, GENESIS, 0, None
    after = 0
    cols = (audit_log.c.id, audit_log.c.at, audit_log.c.operator, audit_log.c.terminal, audit_log.c.action,
            audit_log.c.case_id, audit_log.c.detail)
    while True:
        rows = bind.execute(sa.select(*cols).where(audit_log.c.id > after).order_by(audit_log.c.id).limit(5000)).all()
        if not rows:
            break
        updates = []
        for r in rows:
            seq += 1
            digest = entry_hash(seq, r.id, r.at, r.operator, r.terminal, r.action, r.case_id, r.detail, prev)
            updates.append({"b_id": r.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
            prev, last_id, last_at, after = digest, r.id, r.at, r.id
        bind.execute(audit_log.update().where(audit_log.c.id == sa.bindparam("b_id")).values(
            seq=sa.bindparam("b_seq"), prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")), updates)
    bind.execute(audit_head.insert().values(id=1, seq=seq, last_id=last_id, hash=prev, at=last_at, sealed_seq=seq))
    if pg:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute("""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


def _baseline_per_case() -> None:
    import json

    bind = op.get_bind()
    op.create_table('juki_baseline_v2',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_juki_baseline_v2_case_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name='pk_juki_baseline_v2')
    )
    old = sa.table('juki_baseline', sa.column('case_id'), sa.column('field'), sa.column('value'),
                   sa.column('updated_at'))
    new = sa.table('juki_baseline_v2', sa.column('case_id'), sa.column('fields'), sa.column('updated_at'))
    rows: list[dict] = []

    def emit(case_id, fields, stamp, last=False):
        if case_id is not None:
            rows.append({"case_id": case_id, "fields": json.dumps(fields, ensure_ascii=False, sort_keys=True),
                         "updated_at": stamp})
        if rows and (last or len(rows) >= 1000):
            bind.execute(new.insert(), rows)
            rows.clear()

    current, fields, stamp = None, {}, None
    for r in bind.execute(sa.select(old).order_by(old.c.case_id, old.c.field)).all():
        if r.case_id != current:
            emit(current, fields, stamp)
            current, fields, stamp = r.case_id, {}, r.updated_at
        fields[r.field] = json.loads(r.value)
        stamp = max(stamp, r.updated_at)
    emit(current, fields, stamp, last=True)
    op.drop_table('juki_baseline')
    op.rename_table('juki_baseline_v2', 'juki_baseline')
    if bind.dialect.name == "postgresql":
        op.execute("ALTER INDEX pk_juki_baseline_v2 RENAME TO pk_juki_baseline")
        op.execute("ALTER TABLE juki_baseline RENAME CONSTRAINT fk_juki_baseline_v2_case_id TO fk_juki_baseline_case_id")
