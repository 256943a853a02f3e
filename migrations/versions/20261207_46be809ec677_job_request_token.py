"""job request token

A background job keeps the one-time token of the form that asked for it, unique: the same form posted twice (a
double click on 正式打印 or 运行考评) makes one job. Existing jobs have none (empty is allowed many times).

Revision ID: 46be809ec677
Revises: b8b368939b50
Create Date: 2026-12-07 14:27:35.492331

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '46be809ec677'
down_revision = 'b8b368939b50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_token', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_job_request_token'), ['request_token'])


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_job_request_token'), type_='unique')
        batch_op.drop_column('request_token')
