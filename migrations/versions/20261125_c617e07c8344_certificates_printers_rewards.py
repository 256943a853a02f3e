"""Certificates keep what they print; printer profiles for 套打; reward amounts per category and year.

Revision ID: c617e07c8344
Revises: 0b0e15cf0a4d
Create Date: 2026-11-25 23:22:04.250691

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c617e07c8344'
down_revision = '0b0e15cf0a4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('printer_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('dx_mm', sa.BigInteger(), nullable=False),
    sa.Column('dy_mm', sa.BigInteger(), nullable=False),
    sa.Column('scale', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printer_profile')),
    sa.UniqueConstraint('name', name=op.f('uq_printer_profile_name'))
    )
    op.create_table('reward_amount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_amount')),
    sa.UniqueConstraint('year', 'category', name=op.f('uq_reward_amount_year'))
    )
    with op.batch_alter_table('reward_amount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_amount_year'), ['year'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('campaign', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('subject_name', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('honour', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('issuer', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_candidate_id'), ['candidate_id', 'kind'])
        batch_op.create_foreign_key(batch_op.f('fk_certificate_created_by_id_user'), 'user', ['created_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_print_log_review_id'), ['review_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_print_log_review_id_review'), 'review', ['review_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_print_log_review_id_review'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_print_log_review_id'))
        batch_op.drop_column('detail')
        batch_op.drop_column('review_id')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_created_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_certificate_candidate_id'), type_='unique')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('issuer')
        batch_op.drop_column('honour')
        batch_op.drop_column('subject_name')
        batch_op.drop_column('campaign')
        batch_op.drop_column('year')
        batch_op.drop_column('sequence')

    with op.batch_alter_table('reward_amount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_amount_year'))

    op.drop_table('reward_amount')
    op.drop_table('printer_profile')
