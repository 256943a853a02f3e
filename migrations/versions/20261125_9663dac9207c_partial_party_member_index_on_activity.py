"""partial party member index on activity

Only party members' 比贡献 records have a party_member_id; the index now leaves out the CPPCC records (most of
them), which cost it an entry each and were never looked up by it.

Revision ID: 9663dac9207c
Revises: 19a42a529bb0
Create Date: 2026-11-25 21:15:53.469621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9663dac9207c'
down_revision = '19a42a529bb0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_party_member_id')
        batch_op.create_index('ix_activity_party_member_id', ['party_member_id'], unique=False,
                              postgresql_where=sa.text('party_member_id IS NOT NULL'),
                              sqlite_where=sa.text('party_member_id IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_party_member_id')
        batch_op.create_index('ix_activity_party_member_id', ['party_member_id'], unique=False)
