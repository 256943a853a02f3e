"""review pending at freeze

A frozen review keeps what was still waiting in its period's queues when it froze (records 已提交 not yet verified,
meetings whose attendance is not verified, 比实绩 submitted or returned), per unit, as JSON. Reviews frozen before
this migration have an empty list.

Revision ID: bdfbdc0a869d
Revises: e465c6650bfe
Create Date: 2026-12-07 15:11:37.524632

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bdfbdc0a869d'
down_revision = 'e465c6650bfe'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Text(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('pending')
