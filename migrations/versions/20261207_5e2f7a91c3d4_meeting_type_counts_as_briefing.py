"""meeting type counts as 政情通报会

A meeting type the office marks 计入政情通报会 counts towards the year's 政情通报会 (the 实施意见 §三.2: 1–2 a
year). The built-in 政情通报会 counts: a row the office already saved for it is marked.

Revision ID: 5e2f7a91c3d4
Revises: 8b5c9587fa06
Create Date: 2026-12-07 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2f7a91c3d4'
down_revision = '8b5c9587fa06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('briefing', sa.Boolean(), server_default=sa.false(), nullable=False))
    meeting_type = sa.table('meeting_type', sa.column('name', sa.String), sa.column('briefing', sa.Boolean))
    op.execute(meeting_type.update().where(meeting_type.c.name == '政情通报会').values(briefing=True))


def downgrade():
    with op.batch_alter_table('meeting_type', schema=None) as batch_op:
        batch_op.drop_column('briefing')
