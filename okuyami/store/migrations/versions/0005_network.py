"""A city network (issue 20): notices in commit order, and indexes for the department's day and the case list.

- ``notices.xact``: the writing transaction's id (``pg_current_xact_id()``) on PostgreSQL, so that a terminal can
  tell which notices may still appear below the ones it has read (a sequence number is not commit order); NULL on
  SQLite, where writers take turns and the ids are commit order. ``ix_notices_xact`` for the terminals' poll,
  ``ix_notices_at`` for the purge of old notices.
- ``ix_visits_scheduled_at``, ``ix_visits_started_at``: the families of a day (booked, or at the counter) without
  reading five years of visits; ``ix_cases_created_at``: the cases created that day.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xact', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_notices_xact', ['xact'], unique=False)
        batch_op.create_index('ix_notices_at', ['at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':  # any insert records its transaction, not only notices.ring's
        op.execute("ALTER TABLE notices ALTER COLUMN xact SET DEFAULT (pg_current_xact_id()::text::bigint)")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_scheduled_at', ['scheduled_at'], unique=False)
        batch_op.create_index('ix_visits_started_at', ['started_at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_created_at')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_started_at')
        batch_op.drop_index('ix_visits_scheduled_at')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_at')
        batch_op.drop_index('ix_notices_xact')
        batch_op.drop_column('xact')
