"""Rule sets (评分细则) and reviews (考评): frozen snapshots of scores and ranks with a content hash."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import ReviewKind, ReviewState, SubjectKind
from app.models.types import enum_column
from app.timeutil import utcnow


class RuleSet(db.Model):
    """A rule file's exact bytes, kept so a review can always be re-derived and explained."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    year: Mapped[int] = mapped_column(index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Review(db.Model):
    """One run of the rules over one period's records; `version` counts runs of the same period and kind."""

    __table_args__ = (sa.UniqueConstraint("period", "subject_kind", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(10), index=True)  # "2025H1" or "2025"
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind))
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    version: Mapped[int] = mapped_column(default=1)
    rule_set_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_set.id"), index=True)
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState), default=ReviewState.FROZEN)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    input_records: Mapped[str] = mapped_column(sa.Text)  # normalised JSON of every fact the rules saw
    # what was still waiting in the period's queues when it froze, per unit: [{"what", "unit_id", "unit", "count"}]
    pending: Mapped[str] = mapped_column(sa.Text, default="[]", server_default="[]")
    locked: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rule_set: Mapped[RuleSet] = relationship()
    entries: Mapped[list[ReviewEntry]] = relationship(
        back_populates="review", order_by="ReviewEntry.rank, ReviewEntry.id", cascade="all, delete-orphan")


class ReviewEntry(db.Model):
    """One subject's frozen result: total, grade, rank and its ScoreCard (JSON), as decimal strings."""

    __table_args__ = (sa.UniqueConstraint("review_id", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int]  # Member, Unit or PartyMember id, by the review's subject_kind
    subject_name: Mapped[str] = mapped_column(sa.String(80))
    unit_name: Mapped[str] = mapped_column(sa.String(80), default="")
    group: Mapped[str] = mapped_column(sa.String(40), default="")
    score: Mapped[str] = mapped_column(sa.String(40))
    grade: Mapped[str] = mapped_column(sa.String(20), default="")
    rank: Mapped[int]
    group_rank: Mapped[int | None]
    eligible: Mapped[bool] = mapped_column(default=True)  # no gate failed, no veto (may be awarded)
    places: Mapped[str] = mapped_column(sa.Text, default="[]")  # [[ranking, group, place, size], …] as JSON
    flags: Mapped[str] = mapped_column(sa.Text, default="[]")  # the labels of the triggers that fired, as JSON
    card: Mapped[str] = mapped_column(sa.Text)  # the ScoreCard as JSON
    review: Mapped[Review] = relationship(back_populates="entries")
