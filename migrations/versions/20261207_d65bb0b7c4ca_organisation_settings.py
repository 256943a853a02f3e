"""organisation settings: the public address and the 组织人事部门 move to the organisation

The organisation's facts (its names, the 组织人事部门, the public address) are now set once, on the organisation
page, under keys starting with "org."; the print settings keep only what is about printing. The two facts that the
print settings used to keep are renamed, so a deployment keeps what it had set. No table changes.

Revision ID: d65bb0b7c4ca
Revises: c826be56f4db
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd65bb0b7c4ca'
down_revision = 'c826be56f4db'
branch_labels = None
depends_on = None

MOVED = {"documents.hr_department": "org.hr_department", "documents.public_url": "org.public_url"}
setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.Text))


def _rename(pairs):
    for old, new in pairs:
        other = setting.alias("other")
        op.execute(setting.delete().where(setting.c.key == new).where(
            sa.exists().where(other.c.key == old)))  # never two rows for one fact
        op.execute(setting.update().where(setting.c.key == old).values(key=new))


def upgrade():
    _rename(MOVED.items())


def downgrade():
    _rename((new, old) for old, new in MOVED.items())
