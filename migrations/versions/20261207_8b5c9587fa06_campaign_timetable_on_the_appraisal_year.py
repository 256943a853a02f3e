"""campaign timetable on the appraisal year

The year's milestones, set by the office (app.setup.timetable), each optional: 录入开始, 录入截止, 半年小结 by,
全年总结 by, 推荐截止, 公示天数, 常委会审定 by. Existing years get none (the office fills them in, or takes the
offered customary dates).

Revision ID: 8b5c9587fa06
Revises: bdfbdc0a869d
Create Date: 2026-12-07 17:15:59.452598

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b5c9587fa06'
down_revision = 'bdfbdc0a869d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appraisal_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('entry_closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('half_review_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('annual_review_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recommend_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('publicity_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_due_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('appraisal_year', schema=None) as batch_op:
        batch_op.drop_column('decision_due_on')
        batch_op.drop_column('publicity_days')
        batch_op.drop_column('recommend_due_on')
        batch_op.drop_column('annual_review_due_on')
        batch_op.drop_column('half_review_due_on')
        batch_op.drop_column('entry_closes_on')
        batch_op.drop_column('entry_opens_on')
