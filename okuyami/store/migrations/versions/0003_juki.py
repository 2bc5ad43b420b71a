"""住基 import and 外字 print choices: the import log, the per-field baseline of what 住基 last said, and how each
外字 of a case prints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('juki_imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('terminal', sa.String(length=100), server_default='', nullable=False),
    sa.Column('file_name', sa.Text(), server_default='', nullable=False),
    sa.Column('sha256', sa.String(length=64), server_default='', nullable=False),
    sa.Column('profile', sa.Text(), server_default='', nullable=False),
    sa.Column('encoding', sa.String(length=20), server_default='', nullable=False),
    sa.Column('rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unchanged', sa.Integer(), server_default='0', nullable=False),
    sa.Column('skipped', sa.Integer(), server_default='0', nullable=False),
    sa.Column('conflicts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_juki_imports'))
    )
    with op.batch_alter_table('juki_imports', schema=None) as batch_op:
        batch_op.create_index('ix_juki_imports_at', ['at'], unique=False)

    op.create_table('juki_baseline',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_juki_baseline_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'field', name=op.f('pk_juki_baseline'))
    )
    op.create_table('gaiji_choices',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('char', sa.String(length=8), nullable=False),
    sa.Column('substitute', sa.Text(), server_default='', nullable=False),
    sa.Column('operator', sa.String(length=100), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_gaiji_choices_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'char', name=op.f('pk_gaiji_choices'))
    )


def downgrade() -> None:
    op.drop_table('gaiji_choices')
    op.drop_table('juki_baseline')
    with op.batch_alter_table('juki_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_juki_imports_at')
    op.drop_table('juki_imports')
