"""rule files in the database, historical results

The office keeps its rule files in the web (评分细则): every saved version's bytes, one version 施行中 per year and
subject kind, which entry forms and reviews use in place of the shipped file of that year and subject. And last
years' official results entered by hand, so rules over years work from the county's first year in the system.
New tables only: nothing to fill in.

Revision ID: c826be56f4db
Revises: 17773648ad64
Create Date: 2026-12-07 12:33:54.260971

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c826be56f4db'
down_revision = '17773648ad64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('historical_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.Enum('MEMBERS', 'UNITS', 'BRANCHES', 'PARTY_MEMBERS', name='subjectkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_historical_result_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_historical_result')),
    sa.UniqueConstraint('subject_kind', 'subject_id', 'year', name=op.f('uq_historical_result_subject_kind'))
    )
    op.create_table('rule_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.Enum('MEMBERS', 'UNITS', 'BRANCHES', 'PARTY_MEMBERS', name='subjectkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('DRAFT', 'ACTIVE', 'SUPERSEDED', name='rulefilestate', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('based_on', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('adopted_by_id', sa.Integer(), nullable=True),
    sa.Column('adopted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['adopted_by_id'], ['user.id'], name=op.f('fk_rule_file_adopted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_rule_file_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_file')),
    sa.UniqueConstraint('year', 'subject_kind', 'version', name=op.f('uq_rule_file_year'))
    )
    with op.batch_alter_table('rule_file', schema=None) as batch_op:
        batch_op.create_index('ix_rule_file_active', ['year', 'subject_kind'], unique=True, sqlite_where=sa.text("state = 'ACTIVE'"), postgresql_where=sa.text("state = 'ACTIVE'"))
        batch_op.create_index(batch_op.f('ix_rule_file_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_rule_file_year'), ['year'], unique=False)



def downgrade():
    with op.batch_alter_table('rule_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_file_year'))
        batch_op.drop_index(batch_op.f('ix_rule_file_sha256'))
        batch_op.drop_index('ix_rule_file_active', sqlite_where=sa.text("state = 'ACTIVE'"), postgresql_where=sa.text("state = 'ACTIVE'"))

    op.drop_table('rule_file')
    op.drop_table('historical_result')
