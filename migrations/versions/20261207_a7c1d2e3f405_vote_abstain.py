"""A leader may abstain (弃权): the vote's choice may now be ABSTAIN as well as APPROVE or REJECT.

Revision ID: a7c1d2e3f405
Revises: 46be809ec677
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'a7c1d2e3f405'
down_revision = '46be809ec677'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_vote_votechoice'), type_='check')
        batch_op.create_check_constraint('votechoice', sa.column('choice').in_(['APPROVE', 'REJECT', 'ABSTAIN']))


def downgrade():
    vote = sa.table('vote', sa.column('choice', sa.String(24)))
    op.execute(vote.delete().where(vote.c.choice == 'ABSTAIN'))
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_vote_votechoice'), type_='check')
        batch_op.create_check_constraint('votechoice', sa.column('choice').in_(['APPROVE', 'REJECT']))
