"""Return visits: a follow-up date on each task (後日の予定日) and the packets as printed, kept byte for byte.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up', sa.Date(), nullable=True))
    op.create_table('packets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('print_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('terminal', sa.String(length=100), server_default='', nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('pages', sa.Integer(), server_default='0', nullable=False),
    sa.Column('size', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_packets_case_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['print_id'], ['print_log.id'], name=op.f('fk_packets_print_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_packets_visit_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packets'))
    )
    with op.batch_alter_table('packets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packets_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_table('packets')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('follow_up')
