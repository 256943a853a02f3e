"""enterprise figures and branch visits

双比双争 coverage: each enterprise's yearly figures (职工, 党员, 产值, 税收), a branch's 组建日期, and the
党建工作联络员's visits and guidance logged per branch.

Revision ID: 18485b0bbc6d
Revises: 0b5476ed48e6
Create Date: 2026-12-07 18:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '18485b0bbc6d'
down_revision = '0b5476ed48e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('founded_on', sa.Date(), nullable=True))
    op.create_table('enterprise_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=False),
    sa.Column('party_members', sa.Integer(), nullable=False),
    sa.Column('output', sa.BigInteger(), nullable=True),
    sa.Column('tax', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                            name=op.f('fk_enterprise_figures_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_figures')),
    sa.UniqueConstraint('enterprise_id', 'year', name=op.f('uq_enterprise_figures_enterprise_id'))
    )
    with op.batch_alter_table('enterprise_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_figures_enterprise_id'), ['enterprise_id'], unique=False)
    op.create_table('branch_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('form', sa.Enum('VISIT', 'GUIDANCE', 'MEETING', 'LECTURE', 'PHONE', name='visitform',
                              native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('visitor', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['unit.id'], name=op.f('fk_branch_visit_branch_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_branch_visit_created_by_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_visit'))
    )
    with op.batch_alter_table('branch_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_visit_branch_id'), ['branch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('branch_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_visit_branch_id'))
    op.drop_table('branch_visit')
    with op.batch_alter_table('enterprise_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_figures_enterprise_id'))
    op.drop_table('enterprise_figures')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('founded_on')
