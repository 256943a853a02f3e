"""decision text

The office's text of a review's 表彰决定 (主送, body, closing), one row per review at most: without one the document
prints the default made from the review's award lists; once every list of the review is final it no longer changes.

Revision ID: f23437065fad
Revises: 5950520896dc
Create Date: 2026-12-07 17:16:44.546130

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f23437065fad'
down_revision = '5950520896dc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('addressees', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('closing', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_decision_text_review_id_review'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_decision_text_updated_by_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_text')),
    sa.UniqueConstraint('review_id', name=op.f('uq_decision_text_review_id'))
    )


def downgrade():
    op.drop_table('decision_text')
