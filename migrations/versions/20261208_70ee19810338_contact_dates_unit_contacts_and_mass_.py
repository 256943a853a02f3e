"""contact dates, unit contacts and mass contacts

四联系, continued: an assignment holds from a start date to an optional end date (a 常委 reassigned mid-year: the
old link ends, the new one starts); a 专委会's contact with a 界别 or 联络处 is logged like a member's (contact.unit_id,
by_unit_id; member_id may then be empty); and 委员联系界别群众 gets its own log (mass_contact).

Existing assignments start on the first day of the 届 in force on the day they were made (the office set them up for
the 届), else on 1 January of that year; none ends. A downgrade drops the units' contacts (the old table cannot hold
them) and the dates.

Revision ID: 70ee19810338
Revises: 7c3e9b2a1f40
Create Date: 2026-12-07 21:04:22.975444

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '70ee19810338'
down_revision = '7c3e9b2a1f40'
branch_labels = None
depends_on = None

CONTACT_ENDS = ("(member_id IS NOT NULL AND unit_id IS NULL AND by_unit_id IS NULL"
                " AND (by_member_id IS NOT NULL OR by_leader <> ''))"
                " OR (member_id IS NULL AND by_member_id IS NULL AND by_leader = ''"
                " AND unit_id IS NOT NULL AND by_unit_id IS NOT NULL)")


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite hands back text


def _default_starts() -> None:
    """Each existing assignment's start: the 届 in force when it was made, else 1 January of that year."""
    bind = op.get_bind()
    terms = [(_as_date(s), _as_date(e)) for s, e in bind.execute(sa.text("SELECT starts_on, ends_on FROM term"))]
    links = sa.table('contact_link', sa.column('id', sa.Integer), sa.column('starts_on', sa.Date))
    for link_id, created_at in bind.execute(sa.text("SELECT id, created_at FROM contact_link")).all():
        made = _as_date(created_at)
        start = next((s for s, e in sorted(terms) if s <= made <= e), dt.date(made.year, 1, 1))
        bind.execute(links.update().where(links.c.id == link_id).values(starts_on=start))


def upgrade():
    op.create_table('mass_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('form', sa.Enum('VISIT', 'PHONE', 'FORUM', 'WECHAT', name='contactform', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('people', sa.String(length=120), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('issues', sa.Text(), nullable=False),
    sa.Column('self_reported', sa.Boolean(), nullable=False),
    sa.Column('entered_by_unit_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_mass_contact_activity_id_activity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_mass_contact_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_unit_id'], ['unit.id'], name=op.f('fk_mass_contact_entered_by_unit_id_unit')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_mass_contact_member_id_member')),
    sa.ForeignKeyConstraint(['sector_id'], ['unit.id'], name=op.f('fk_mass_contact_sector_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mass_contact'))
    )
    with op.batch_alter_table('mass_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_contact_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mass_contact_occurred_on'), ['occurred_on'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('by_unit_id', sa.Integer(), nullable=True))
        batch_op.alter_column('member_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_contact_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contact_by_unit_id_unit'), 'unit', ['by_unit_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_contact_unit_id_unit'), 'unit', ['unit_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_contact_contacted_by'), type_='check')
        batch_op.create_check_constraint('contact_ends', sa.text(CONTACT_ENDS))

    with op.batch_alter_table('contact_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
    _default_starts()
    with op.batch_alter_table('contact_link', schema=None) as batch_op:
        batch_op.alter_column('starts_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint('dates_in_order', sa.text("ends_on IS NULL OR ends_on >= starts_on"))


def downgrade():
    with op.batch_alter_table('contact_link', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contact_link_dates_in_order'), type_='check')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('starts_on')

    op.execute("DELETE FROM contact WHERE member_id IS NULL")
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contact_contact_ends'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_contact_unit_id_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contact_by_unit_id_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contact_unit_id'))
        batch_op.alter_column('member_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('by_unit_id')
        batch_op.drop_column('unit_id')
        batch_op.create_check_constraint('contacted_by', sa.text("by_member_id IS NOT NULL OR by_leader <> ''"))

    with op.batch_alter_table('mass_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_contact_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_mass_contact_member_id'))

    op.drop_table('mass_contact')
