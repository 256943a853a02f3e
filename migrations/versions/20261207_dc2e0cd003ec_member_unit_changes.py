"""member unit changes

A member's move from one 界别, 专委会 or 联络处 to another, with the day it takes effect: reviews of an earlier period
see the units of that period. New table only: nothing to fill in (the units of today stay on the member).

Revision ID: dc2e0cd003ec
Revises: 912d088cf7d2
Create Date: 2026-12-07 14:12:33.842581

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dc2e0cd003ec'
down_revision = '912d088cf7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_unit_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("field IN ('sector_id', 'committee_id', 'liaison_id')", name=op.f('ck_member_unit_change_unit_field')),
    sa.ForeignKeyConstraint(['from_unit_id'], ['unit.id'], name=op.f('fk_member_unit_change_from_unit_id_unit')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_unit_change_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_member_unit_change_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id'], name=op.f('fk_member_unit_change_to_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_unit_change'))
    )
    with op.batch_alter_table('member_unit_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_unit_change_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('member_unit_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_unit_change_member_id'))

    op.drop_table('member_unit_change')
