"""The monthly report (月次報告, contract §13): indexes so that one month is read by range, however many years of
old cases the store holds.

- ``visits (kind, started_at)``: the month's counter visits and phone calls;
- ``reservations (visit_id)``: whether a counter visit belongs to a booking (an anti-join per visit);
- ``tasks (follow_up)``: the 後日 tasks whose day falls in the month (a department's page; also the 後日 list).

The visit's end (``visits.ended_at``, in the schema since 0001) is now written whenever a booking or a walk-in is
set to 完了 (``okuyami.store.visits.finish``); the booking's ``arrived_at`` / ``served_at`` / ``done_at`` (0004) give
the waiting and the time at the corner. No column is added.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_kind_started_at', ['kind', 'started_at'], unique=False)
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_visit_id', ['visit_id'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_follow_up', ['follow_up'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_follow_up')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_visit_id')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_kind_started_at')
