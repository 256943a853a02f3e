"""contacts

四联系: the assignments (县政协领导 → 常委, 常委 → 委员, 专委会 → 界别 / 联络处) and the contact log, whose 常委's
contacts also file a 履职记录 (activity_id) when the year's rule file declares the kind.

Revision ID: 0b5476ed48e6
Revises: e9d893e20f4a
Create Date: 2026-12-07 18:05:46.887539

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b5476ed48e6'
down_revision = 'e9d893e20f4a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('LEADER_STANDING', 'STANDING_MEMBER', 'COMMITTEE_UNIT', name='contactlinkkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('leader', sa.String(length=40), nullable=False),
    sa.Column('from_member_id', sa.Integer(), nullable=True),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_member_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_contact_link_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_member_id'], ['member.id'], name=op.f('fk_contact_link_from_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_unit_id'], ['unit.id'], name=op.f('fk_contact_link_from_unit_id_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_member_id'], ['member.id'], name=op.f('fk_contact_link_to_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id'], name=op.f('fk_contact_link_to_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_link'))
    )
    with op.batch_alter_table('contact_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_link_from_member_id'), ['from_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_link_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_link_to_member_id'), ['to_member_id'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('form', sa.Enum('VISIT', 'PHONE', 'FORUM', 'WECHAT', name='contactform', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('by_member_id', sa.Integer(), nullable=True),
    sa.Column('by_leader', sa.String(length=40), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("by_member_id IS NOT NULL OR by_leader <> ''", name=op.f('ck_contact_contacted_by')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_contact_activity_id_activity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['by_member_id'], ['member.id'], name=op.f('fk_contact_by_member_id_member')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_contact_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_contact_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact'))
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_by_member_id'), ['by_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_occurred_on'), ['occurred_on'], unique=False)



def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_contact_member_id'))
        batch_op.drop_index(batch_op.f('ix_contact_by_member_id'))

    op.drop_table('contact')
    with op.batch_alter_table('contact_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_link_to_member_id'))
        batch_op.drop_index(batch_op.f('ix_contact_link_kind'))
        batch_op.drop_index(batch_op.f('ix_contact_link_from_member_id'))

    op.drop_table('contact_link')
