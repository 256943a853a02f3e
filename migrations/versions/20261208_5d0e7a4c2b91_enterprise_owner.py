"""enterprise owner

An enterprise's 企业主 (法定代表人: name, 职务, phone), whom the 镇党委 may commend (an award whose honoree is an
enterprise's owner); a candidate and a certificate keep the words printed before the name (某某有限公司董事长) as they
were when recommended and when first printed. Existing rows get empty values.

Revision ID: 5d0e7a4c2b91
Revises: 18485b0bbc6d
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d0e7a4c2b91'
down_revision = '18485b0bbc6d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_name', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner_title', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner_phone', sa.String(length=30), server_default='', nullable=False))
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_title', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_title', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('subject_title')
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_column('subject_title')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('owner_phone')
        batch_op.drop_column('owner_title')
        batch_op.drop_column('owner_name')
