"""meeting check-in

扫码签到: a meeting's optional start and end time (Beijing wall clock on its date), the minutes of grace before a
check-in counts as 迟到, a per-meeting nonce mixed into the check-in codes' key (a new one voids the codes printed
before), and each attendance row's check-in time. Existing meetings get no times (no check-in) and an empty nonce.

Revision ID: 7c3e9b2a1f40
Revises: 5d0e7a4c2b91
Create Date: 2026-12-08 22:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9b2a1f40'
down_revision = '5d0e7a4c2b91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('grace_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('checkin_nonce', sa.String(length=32), server_default='', nullable=False))
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('checked_in_at')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('checkin_nonce')
        batch_op.drop_column('grace_minutes')
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
