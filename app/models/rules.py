"""Rule files kept in the database (评分细则 as the office edits them in the web) and last years' official results
entered by hand (历年考评结果) for the history rules of a county's first years in the system."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import RuleFileState, SubjectKind
from app.models.types import ScaledDecimal, enum_column
from app.models.users import User
from app.timeutil import utcnow


class RuleFile(db.Model):
    """One saved version of a rule file (its exact bytes, never changed afterwards). Versions are numbered per
    year and subject kind; at most one of them is 施行中 (ACTIVE): the one entry forms and reviews use for that
    year and subject, in place of the shipped file of the same year and subject."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    state: Mapped[RuleFileState] = mapped_column(enum_column(RuleFileState), default=RuleFileState.DRAFT)
    based_on: Mapped[str] = mapped_column(sa.String(200), default="")  # 内置细则 2025-四个一-委员.yaml, 第 3 版 …
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    adopted_at: Mapped[dt.datetime | None]
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])

    __table_args__ = (sa.UniqueConstraint("year", "subject_kind", "version"),
                      sa.Index("ix_rule_file_active", "year", "subject_kind", unique=True,
                               sqlite_where=sa.text("state = 'ACTIVE'"), postgresql_where=sa.text("state = 'ACTIVE'")))

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class HistoricalResult(db.Model):
    """An official result of a year before the system (or kept outside it), entered by the office: a subject's
    score and grade of one year, so rules over years ("连续两年低于60分") see them from the first year on. A frozen
    annual review of the same year and subject, when there is one, takes precedence."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    subject_id: Mapped[int]  # a member's, unit's, branch's (unit) or party member's id, by subject_kind
    year: Mapped[int]
    score: Mapped[Decimal] = mapped_column(ScaledDecimal())
    grade: Mapped[str] = mapped_column(sa.String(20), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("subject_kind", "subject_id", "year"),)
