"""Award lists (表彰名单), candidates, the leading group's votes, 公示 objections, certificates and the 表彰决定's
text."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import AwardListState, CandidateState, CertificateKind, ObjectionOutcome, VoteChoice
from app.models.org import Unit
from app.models.reviews import Review
from app.models.types import ScaledDecimal, enum_column
from app.timeutil import utcnow


class AwardList(db.Model):
    """One award category of one annual review, from recommendation to the final, frozen list."""

    __table_args__ = (sa.UniqueConstraint("review_id", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(60))  # 优秀政协委员, 先进党组织 …: named by the rule file
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[AwardListState] = mapped_column(
        enum_column(AwardListState), default=AwardListState.RECOMMENDING)
    approving_body: Mapped[str] = mapped_column(sa.String(40), default="常委会议")
    meeting_name: Mapped[str] = mapped_column(sa.String(120), default="")
    decided_on: Mapped[dt.date | None]
    document_number: Mapped[str] = mapped_column(sa.String(60), default="")  # 文号
    publicity_starts_on: Mapped[dt.date | None]
    publicity_days: Mapped[int] = mapped_column(default=7)
    group_conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    finalised_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    review: Mapped[Review] = relationship()
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="award_list", order_by="Candidate.id", cascade="all, delete-orphan")


class Candidate(db.Model):
    """初步人选 recommended by a unit; after review and 公示, an entry of the final list (表彰名单条目).

    `subject_id` is a subject of the list's review (a member, a unit, a branch, a party member), except on a list of
    an award with `honoree: enterprise_owner`: there it is the enterprise whose 企业主 is honoured, and `unit_id` the
    enterprise's branch, the subject of the review whose result the pick stands on."""

    __table_args__ = (sa.UniqueConstraint("award_list_id", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    award_list_id: Mapped[int] = mapped_column(sa.ForeignKey("award_list.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int]
    subject_name: Mapped[str] = mapped_column(sa.String(80))
    # What is printed before the name, kept as recommended: a 企业主's enterprise and 职务 (某某有限公司董事长)
    subject_title: Mapped[str] = mapped_column(sa.String(200), default="")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # the recommending unit
    deeds: Mapped[str] = mapped_column(sa.Text, default="")  # 事迹, used on certificates and lists
    state: Mapped[CandidateState] = mapped_column(enum_column(CandidateState), default=CandidateState.DRAFT)
    removal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    recommended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    award_list: Mapped[AwardList] = relationship(back_populates="candidates")
    unit: Mapped[Unit] = relationship()
    votes: Mapped[list[Vote]] = relationship(back_populates="candidate", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        """张三, or 张三（某某有限公司董事长） for a 企业主."""
        return f"{self.subject_name}（{self.subject_title}）" if self.subject_title else self.subject_name


class Vote(db.Model):
    """A leading-group member's approve or reject, with a reason (从严考核)."""

    __table_args__ = (sa.UniqueConstraint("candidate_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    choice: Mapped[VoteChoice] = mapped_column(enum_column(VoteChoice))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    candidate: Mapped[Candidate] = relationship(back_populates="votes")


class Objection(db.Model):
    """An objection lodged during 公示, and how the office handled it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    award_list_id: Mapped[int] = mapped_column(sa.ForeignKey("award_list.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("candidate.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(40), default="")
    contact: Mapped[str] = mapped_column(sa.String(80))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome: Mapped[ObjectionOutcome] = mapped_column(
        enum_column(ObjectionOutcome), default=ObjectionOutcome.PENDING)
    response: Mapped[str] = mapped_column(sa.Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None]


class Certificate(db.Model):
    """A numbered 荣誉证书 or 奖状, given when first printed from a final list; a reprint keeps its number.

    What the public check page shows is kept as printed (name, honour, year, issuer), so it never changes
    with later edits; a revoked certificate says so on /verify.
    """

    __table_args__ = (sa.UniqueConstraint("candidate_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # Printed beside the number and carried by the QR code; the public check asks for it, so numbers, which are
    # sequential, cannot be walked. Random, kept here (not derived from the secret key, which may be changed).
    check_code: Mapped[str] = mapped_column(sa.String(8), default="")
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    sequence: Mapped[int] = mapped_column(default=0)  # the n of 2025-四个一-0001, counted per year, campaign, kind
    year: Mapped[int] = mapped_column(default=0)
    campaign: Mapped[str] = mapped_column(sa.String(40), default="")
    subject_name: Mapped[str] = mapped_column(sa.String(80), default="")
    subject_title: Mapped[str] = mapped_column(sa.String(200), default="")  # a 企业主's 某某有限公司董事长
    honour: Mapped[str] = mapped_column(sa.String(120), default="")  # 2025年度优秀政协委员
    issuer: Mapped[str] = mapped_column(sa.String(120), default="")
    issued_on: Mapped[dt.date]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")
    candidate: Mapped[Candidate] = relationship()


class PrintLog(db.Model):
    """Who printed which documents, and when: certificate numbers, first prints and reprints."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id", ondelete="SET NULL"), index=True)
    document: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.String(200), default="")  # 套打 · 打印机 · 排序 …
    numbers: Mapped[str] = mapped_column(sa.Text, default="")
    reprint: Mapped[bool] = mapped_column(default=False)


class PrinterProfile(db.Model):
    """A printer's correction for 套打 on pre-printed certificates, measured from its calibration page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    dx_mm: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    dy_mm: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    scale: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=Decimal(1))
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class RewardAmount(db.Model):
    """The material reward of one award category in one year (元 per honoree), for the 奖励发放表."""

    __table_args__ = (sa.UniqueConstraint("year", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(60))
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))


class DecisionText(db.Model):
    """The office's text of a review's 表彰决定: 主送, the body (one paragraph a line) and the closing paragraph.

    Without a row the document prints the default made from the review's award lists; once every list of the review
    is final the text can no longer change (until an admin reopens a list)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), unique=True)
    addressees: Mapped[str] = mapped_column(sa.String(200))  # 主送: 各非公企业党组织：
    body: Mapped[str] = mapped_column(sa.Text)
    closing: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
