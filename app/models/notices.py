"""In-app notices (通知): something needs a person's attention, with a link to where it is done."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class Notice(db.Model):
    """One notice to one user: a record returned or verified, a vote opened, a list approved. Unread while
    `read_at` is None."""

    __table_args__ = (sa.Index("ix_notice_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))  # returned, verified, vote_opened, list_approved
    text: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str] = mapped_column(sa.String(300), default="")  # a path inside the app
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
