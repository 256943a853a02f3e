"""pairings register

联一户 as a lasting register: counterparts (对接对象: type, name, place, needs, contact, phone), pairings (a member or a
unit with a counterpart, from a start date to an optional end date) and the support and visits logged against them.
A 联一户 record may name its pairing (activity.pairing_id, nullable). Existing records keep their free-text
counterpart and support exactly as they are: nothing is converted or dropped.

Revision ID: 399662b99cd4
Revises: f23437065fad
Create Date: 2026-12-07 17:22:56.203440

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '399662b99cd4'
down_revision = 'f23437065fad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counterpart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ENTERPRISE', 'COOPERATIVE', 'SPECIALIST', 'VILLAGE', 'FAMILY', 'STUDENT', name='counterpartkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('entered_by_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_counterpart_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_unit_id'], ['unit.id'], name=op.f('fk_counterpart_entered_by_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counterpart')),
    sa.UniqueConstraint('kind', 'name', name=op.f('uq_counterpart_kind'))
    )
    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('counterpart_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(member_id IS NULL) <> (unit_id IS NULL)', name=op.f('ck_pairing_one_subject')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_pairing_ends_after_start')),
    sa.ForeignKeyConstraint(['counterpart_id'], ['counterpart.id'], name=op.f('fk_pairing_counterpart_id_counterpart')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_pairing_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_pairing_member_id_member')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_pairing_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing')),
    sa.UniqueConstraint('code', name=op.f('uq_pairing_code'))
    )
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_counterpart_id'), ['counterpart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_unit_id'), ['unit_id'], unique=False)

    op.create_table('pairing_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('TECHNOLOGY', 'INFORMATION', 'FUNDS', 'GOODS', 'VISIT', name='supportkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_pairing_entry_activity_id_activity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_pairing_entry_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_pairing_entry_pairing_id_pairing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_entry'))
    )
    with op.batch_alter_table('pairing_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_entry_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_entry_pairing_id'), ['pairing_id'], unique=False)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pairing_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_pairing_id'), ['pairing_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_pairing_id_pairing'), 'pairing', ['pairing_id'], ['id'])



def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_pairing_id_pairing'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_pairing_id'))
        batch_op.drop_column('pairing_id')

    with op.batch_alter_table('pairing_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_entry_pairing_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_entry_activity_id'))

    op.drop_table('pairing_entry')
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_member_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_counterpart_id'))

    op.drop_table('pairing')
    op.drop_table('counterpart')
