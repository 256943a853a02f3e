"""session generation and sign-in throttle

`user.session_generation`: kept in each session at sign-in and compared on every request; signing out, a password
change or reset, a new role, disabling and an account lock raise it and so end the account's other sessions. Every
account starts at 0, and a session from before this revision holds none: everyone signs in once more after it.
`login_throttle`: wrong passwords per account and client address, so a stranger's tries lock out the stranger's
address, not the account. Starts empty; an account locked before stays locked until its time runs out.

Revision ID: 326bd5603b62
Revises: dc2e0cd003ec
Create Date: 2026-12-07 14:20:25.573693

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '326bd5603b62'
down_revision = 'dc2e0cd003ec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_throttle_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'ip', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

    op.drop_table('login_throttle')
