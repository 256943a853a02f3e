"""followup cases

通报 followed by 处理: a case per (review, member) on a review's 通报 list, and its steps (谈话提醒, 沟通 with a county
party department, decisions). New tables only: nothing to fill in.

Revision ID: 5950520896dc
Revises: 5e2f7a91c3d4
Create Date: 2026-12-07 17:16:37.149235

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5950520896dc'
down_revision = '5e2f7a91c3d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('OPEN', 'WATCHING', 'CLOSED', name='followupstate', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('decision', sa.Enum('OBSERVE', 'RECTIFY', 'RESIGN', 'OTHER', name='followupdecision', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_followup_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_followup_member_id_member')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_followup_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup')),
    sa.UniqueConstraint('review_id', 'member_id', name=op.f('uq_followup_review_id'))
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_state'), ['state'], unique=False)

    op.create_table('followup_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('TALK', 'CONSULT', 'DECISION', name='followupstep', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('talker_id', sa.Integer(), nullable=True),
    sa.Column('talker', sa.String(length=80), nullable=False),
    sa.Column('department', sa.String(length=80), nullable=False),
    sa.Column('decision', sa.Enum('OBSERVE', 'RECTIFY', 'RESIGN', 'OTHER', name='followupdecision', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_followup_entry_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['followup_id'], ['followup.id'], name=op.f('fk_followup_entry_followup_id_followup'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talker_id'], ['user.id'], name=op.f('fk_followup_entry_talker_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_entry'))
    )
    with op.batch_alter_table('followup_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_entry_followup_id'), ['followup_id'], unique=False)



def downgrade():
    with op.batch_alter_table('followup_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_entry_followup_id'))

    op.drop_table('followup_entry')
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_state'))
        batch_op.drop_index(batch_op.f('ix_followup_review_id'))
        batch_op.drop_index(batch_op.f('ix_followup_member_id'))

    op.drop_table('followup')
