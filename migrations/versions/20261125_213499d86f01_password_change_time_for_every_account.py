"""password change time for every account

The account policy's password expiry counts from `user.password_changed_at`. Accounts made before it was kept
everywhere have none: their passwords count from this upgrade, so nobody is sent to change a password on the day
the policy arrives. Data only: the column exists (nullable) since the initial schema.

Revision ID: 213499d86f01
Revises: c617e07c8344
Create Date: 2026-11-25 23:57:14.063990

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '213499d86f01'
down_revision = 'c617e07c8344'
branch_labels = None
depends_on = None

user = sa.table('user', sa.column('password_changed_at', sa.DateTime()))


def upgrade():
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC, as the app keeps times
    op.execute(user.update().where(user.c.password_changed_at.is_(None)).values(password_changed_at=now))


def downgrade():
    pass  # a time filled in cannot be told from one recorded; keeping it harms nothing
