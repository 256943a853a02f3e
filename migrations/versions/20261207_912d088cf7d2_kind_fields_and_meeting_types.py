"""kind fields and meeting types

A record keeps the fields its kind declares in the rule file beyond the fixed columns (`activity.details`, JSON:
a training's days, the meeting a 书面发言 was made at …). Meeting types are no longer a fixed list: a meeting keeps
its type's Chinese name (what rule files score: 全体会议, 专题协商会 …) instead of a code, and `meeting_type` holds
the types the office added and its settings (default invitees, order, in use) for the built-in ones. Existing
meetings keep their type: each code becomes its name (PLENARY → 全体会议), and back on downgrade (a type the office
added becomes OTHER, 其他活动, which is all the old schema can hold).

Revision ID: 912d088cf7d2
Revises: d65bb0b7c4ca
Create Date: 2026-12-07 12:36:38.375781

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '912d088cf7d2'
down_revision = 'd65bb0b7c4ca'
branch_labels = None
depends_on = None

NAMES = {'PLENARY': '全体会议', 'STANDING': '常委会议', 'BRIEFING': '政情通报会', 'INSPECTION': '视察',
         'RESEARCH': '调研', 'OTHER': '其他活动', 'PARTY_LIFE': '组织生活'}
OLD_KIND = sa.Enum(*NAMES, name='meetingkind', native_enum=False, create_constraint=True, length=24)


def _rename(pairs):
    meeting = sa.table('meeting', sa.column('kind', sa.String(40)))
    for old, new in pairs:
        op.execute(meeting.update().where(meeting.c.kind == old).values(kind=new))


def upgrade():
    op.create_table('meeting_type',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('invitees', sa.Enum('ALL', 'STANDING', 'ORGANISER', 'BRANCH', name='invitees', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_meeting_type'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meeting_meetingkind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.VARCHAR(length=24), type_=sa.String(length=40),
                              existing_nullable=False)
    _rename(NAMES.items())


def downgrade():
    _rename((name, code) for code, name in NAMES.items())
    meeting = sa.table('meeting', sa.column('kind', sa.String(40)))
    op.execute(meeting.update().where(meeting.c.kind.notin_(list(NAMES))).values(kind='OTHER'))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.VARCHAR(length=24),
                              existing_nullable=False)
        batch_op.create_check_constraint('meetingkind', sa.column('kind').in_(list(NAMES)))

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('details')

    op.drop_table('meeting_type')
