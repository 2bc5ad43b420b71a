"""Reservations (予約, contract §9): the booked visits, a lock row per slot, the staff's overrides per day.

A booking holds a place (``desk`` 1..capacity) in its slot; ``UNIQUE (office, start, desk)`` makes it impossible
for two bookings to hold the same place, on SQLite and PostgreSQL alike.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reservations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=100), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('desk', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='booked', nullable=False),
    sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('caller_name', sa.Text(), server_default='', nullable=False),
    sa.Column('caller_relationship', sa.Text(), server_default='', nullable=False),
    sa.Column('caller_phone', sa.Text(), server_default='', nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('moved_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('desk IS NULL OR desk >= 1', name=op.f('ck_reservations_desk')),
    sa.CheckConstraint("status IN ('booked','arrived','in_service','done','no_show','cancelled')",
                       name=op.f('ck_reservations_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reservations_case_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_reservations_visit_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations')),
    sa.UniqueConstraint('office', 'start', 'desk', name='uq_reservations_place')
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_reservations_start', ['start'], unique=False)

    op.create_table('slot_locks',
    sa.Column('office', sa.String(length=100), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('bookings', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('office', 'start', name=op.f('pk_slot_locks'))
    )
    op.create_table('slot_overrides',
    sa.Column('office', sa.String(length=100), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('time', sa.String(length=5), nullable=False),
    sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('desks', sa.Integer(), server_default='0', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('office', 'day', 'time', name=op.f('pk_slot_overrides'))
    )


def downgrade() -> None:
    op.drop_table('slot_overrides')
    op.drop_table('slot_locks')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_start')
        batch_op.drop_index(batch_op.f('ix_reservations_case_id'))
    op.drop_table('reservations')
