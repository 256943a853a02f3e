"""通报 followed by 处理: a case per (review, member) named on a review's 通报 list, and what was done about it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import FollowupDecision, FollowupState, FollowupStep
from app.models.people import Member
from app.models.reviews import Review
from app.models.types import enum_column
from app.models.users import User
from app.timeutil import utcnow


class Followup(db.Model):
    """通报处理台账: one member on one review's 通报 list. `reasons` are the list's plain words as they stood when the
    case was opened; `state`, `decision` and `decided_on` repeat the latest decision among the steps."""

    __table_args__ = (sa.UniqueConstraint("review_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    reasons: Mapped[str] = mapped_column(sa.Text, default="[]")  # JSON list of the 通报 reasons
    noticed_on: Mapped[dt.date]  # the day of the 通报 (the review's freeze): no step is dated before it
    state: Mapped[FollowupState] = mapped_column(enum_column(FollowupState), default=FollowupState.OPEN, index=True)
    decision: Mapped[FollowupDecision | None] = mapped_column(enum_column(FollowupDecision))
    decided_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    review: Mapped[Review] = relationship()
    member: Mapped[Member] = relationship()
    steps: Mapped[list[FollowupEntry]] = relationship(
        back_populates="followup", order_by="FollowupEntry.occurred_on, FollowupEntry.id",
        cascade="all, delete-orphan")


class FollowupEntry(db.Model):
    """One step of a case: a 谈话提醒 (who talked, what was agreed), a 沟通 with a county party department, or a
    decision (继续观察 / 限期整改 / 劝辞 / 其他, with its text and, for 整改 or 观察, the date it runs to)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(sa.ForeignKey("followup.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FollowupStep] = mapped_column(enum_column(FollowupStep))
    occurred_on: Mapped[dt.date]
    talker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))  # 谈话人, an account
    talker: Mapped[str] = mapped_column(sa.String(80), default="")  # 谈话人 as written (someone with no account)
    department: Mapped[str] = mapped_column(sa.String(80), default="")  # 沟通的部门: 县委组织部, 县委统战部 …
    decision: Mapped[FollowupDecision | None] = mapped_column(enum_column(FollowupDecision))
    due_on: Mapped[dt.date | None]  # 整改 or 观察 until
    content: Mapped[str] = mapped_column(sa.Text, default="")  # what was agreed, discussed or decided
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    followup: Mapped[Followup] = relationship(back_populates="steps")
    talker_user: Mapped[User | None] = relationship(foreign_keys=[talker_id])

    @property
    def talker_name(self) -> str:
        """Who talked: the account's name and what was written, both when both were given."""
        return "、".join(filter(None, (self.talker_user.display_name if self.talker_user else "", self.talker)))
