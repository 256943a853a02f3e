"""announcements (通知公告) and meeting-notice replies

An announcement the office or a unit sends to members (会议通知, 学习材料, 工作提醒, 预警提醒); each recipient's notice
row points to it and, for a meeting notice, keeps the member's reply (参加 / 请假 with a reason). A 请假 reply marks
the member's attendance row as a leave awaiting the organiser (attendance.leave_state). Existing notices and
attendance rows get none of these (NULL / empty).

Revision ID: a1b2c3d4e5f6
Revises: 70ee19810338
Create Date: 2026-12-08 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1b2c3d4e5f6'
down_revision = '70ee19810338'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'announcement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('MEETING', 'STUDY', 'REMINDER', 'WARNING', name='announcementkind',
                                  native_enum=False, length=24, create_constraint=True), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('sender_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.String(length=200), nullable=False),
        sa.Column('unreached', sa.Text(), nullable=False),
        sa.Column('unreached_count', sa.Integer(), nullable=False),
        sa.Column('request_token', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_announcement_meeting_id_meeting'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_announcement_sender_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_announcement_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement')),
        sa.UniqueConstraint('request_token', name=op.f('uq_announcement_request_token')),
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Enum('ATTEND', 'LEAVE', name='reply', native_enum=False, length=10,
                                                       create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('reply_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notice_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notice_announcement_id_announcement'), 'announcement',
                                    ['announcement_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notice_member_id_member'), 'member', ['member_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leave_state', sa.Enum('PENDING', 'APPROVED', 'DECLINED', name='leavestate',
                                                             native_enum=False, length=10, create_constraint=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attendance_leavestate'), type_='check')
        batch_op.drop_column('leave_state')
    # an announcement's notices stay, as plain notices (their title), without the page they pointed to
    op.execute("UPDATE notice SET link = '' WHERE announcement_id IS NOT NULL")
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_member_id_member'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notice_announcement_id_announcement'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notice_announcement_id'))
        batch_op.drop_constraint(batch_op.f('ck_notice_reply'), type_='check')
        batch_op.drop_column('replied_at')
        batch_op.drop_column('reply_reason')
        batch_op.drop_column('reply')
        batch_op.drop_column('member_id')
        batch_op.drop_column('announcement_id')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_unit_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_meeting_id'))
    op.drop_table('announcement')
