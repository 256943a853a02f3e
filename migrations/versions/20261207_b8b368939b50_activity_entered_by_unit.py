"""activity entered by unit

A record belongs to the unit that entered it (录入单位): only that unit's clerks change it before it is verified.
Adds activity.entered_by_unit_id and fills it for the records there are: a record a clerk or liaison entered (not a
member's own report) gets the creator's unit that the record's unit is (or lies below), else the creator's only
unit; anything else stays empty, which means the office's.

Revision ID: b8b368939b50
Revises: 8ecb35cc9462
Create Date: 2026-12-07 14:19:33.166574

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8b368939b50'
down_revision = '8ecb35cc9462'
branch_labels = None
depends_on = None

activity = sa.table('activity', sa.column('id', sa.Integer), sa.column('unit_id', sa.Integer),
                    sa.column('created_by_id', sa.Integer), sa.column('self_reported', sa.Boolean),
                    sa.column('entered_by_unit_id', sa.Integer))
unit = sa.table('unit', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer))
user = sa.table('user', sa.column('id', sa.Integer), sa.column('role', sa.String))
user_unit = sa.table('user_unit', sa.column('user_id', sa.Integer), sa.column('unit_id', sa.Integer))


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_by_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_activity_entered_by_unit_id_unit'), 'unit',
                                    ['entered_by_unit_id'], ['id'])
    _fill(op.get_bind())


def _fill(bind):
    """One UPDATE per (creator, record unit) pair: a county has a few hundred at most."""
    parent = dict(bind.execute(sa.select(unit.c.id, unit.c.parent_id)).all())
    units_of = {}
    for user_id, unit_id in bind.execute(
            sa.select(user_unit.c.user_id, user_unit.c.unit_id).join(user, user.c.id == user_unit.c.user_id)
            .where(user.c.role.in_(('CLERK', 'LIAISON')))):
        units_of.setdefault(user_id, set()).add(unit_id)
    pairs = bind.execute(sa.select(activity.c.created_by_id, activity.c.unit_id).distinct()
                         .where(activity.c.created_by_id.in_(list(units_of)) if units_of else sa.false(),
                                sa.not_(activity.c.self_reported))).all()
    for creator, unit_id in pairs:
        own = units_of[creator]
        found, seen, here = None, set(), unit_id
        while here is not None and here not in seen:  # the record's unit, then the units above it
            if here in own:
                found = here
                break
            seen.add(here)
            here = parent.get(here)
        if found is None and len(own) == 1:
            found = next(iter(own))
        if found is not None:
            bind.execute(activity.update().where(activity.c.created_by_id == creator, activity.c.unit_id == unit_id,
                                                 sa.not_(activity.c.self_reported))
                         .values(entered_by_unit_id=found))


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_entered_by_unit_id_unit'), type_='foreignkey')
        batch_op.drop_column('entered_by_unit_id')
