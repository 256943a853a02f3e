"""member dates and roster fields, term closing

A member's 任职 dates (joined_on, left_on: a partial year is scored as the rule file says), the roster's 民族,
出生年月 and 备注, and when a 届 was closed at 换届. Every new column is empty or nullable: nothing to fill in.

Revision ID: 17773648ad64
Revises: 11b8f28056e3
Create Date: 2026-12-07 12:30:57.812319

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17773648ad64'
down_revision = '11b8f28056e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('birth_month', sa.String(length=7), server_default='', nullable=False))
        batch_op.add_column(sa.Column('note', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))

    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('joined_on')
        batch_op.drop_column('note')
        batch_op.drop_column('birth_month')
        batch_op.drop_column('ethnicity')

