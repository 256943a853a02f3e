"""In-app notices (通知) and the office's or a unit's announcements (通知公告) that reach members as notices."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import LabelledEnum
from app.models.types import enum_column
from app.timeutil import utcnow


class AnnouncementKind(LabelledEnum):
    MEETING = "会议通知"
    STUDY = "学习材料"
    REMINDER = "工作提醒"
    WARNING = "预警提醒"


class Reply(LabelledEnum):
    """A member's answer to a meeting notice."""

    ATTEND = "参加"
    LEAVE = "请假"


class Announcement(db.Model):
    """A 通知 the office or a unit sent to members: each recipient has a Notice pointing here (its read receipt and,
    for a meeting notice, the reply)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AnnouncementKind] = mapped_column(enum_column(AnnouncementKind))
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text, default="")  # plain text, shown escaped with its line breaks
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # None: the office
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    audience: Mapped[str] = mapped_column(sa.String(200), default="")  # whom it was sent to, in words
    unreached: Mapped[str] = mapped_column(sa.Text, default="")  # members without an active account, "、"-joined
    unreached_count: Mapped[int] = mapped_column(default=0)
    request_token: Mapped[str | None] = mapped_column(sa.String(32), unique=True)  # a double click sends once
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    meeting = relationship("Meeting")
    unit = relationship("Unit")
    sender = relationship("User")


class Notice(db.Model):
    """One notice to one user: a record returned or verified, a vote opened, a list approved, an announcement.
    Unread while `read_at` is None (for an announcement: its read receipt)."""

    __table_args__ = (sa.Index("ix_notice_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))  # returned, verified, vote_opened, list_approved, announcement
    text: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str] = mapped_column(sa.String(300), default="")  # a path inside the app
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    announcement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("announcement.id", ondelete="CASCADE"),
                                                        index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="SET NULL"))  # whom it reached
    reply: Mapped[Reply | None] = mapped_column(enum_column(Reply, 10))
    reply_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    replied_at: Mapped[dt.datetime | None]
    announcement: Mapped[Announcement | None] = relationship()
    user = relationship("User")
