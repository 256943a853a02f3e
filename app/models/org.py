"""Units (the organisation tree), enterprises, terms (届) and appraisal years."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import BranchForm, UnitKind, VisitForm
from app.models.types import ScaledDecimal, enum_column


class Unit(db.Model):
    """组织单位: 政协 → 专委会 / 界别活动组 / 联络处; 镇党委 → 党总支 → 党支部."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    branch_form: Mapped[BranchForm | None] = mapped_column(enum_column(BranchForm))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    founded_on: Mapped[dt.date | None]  # a 党支部's 组建日期: the coverage report counts it from that year on
    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.sort_order, Unit.id")
    enterprises: Mapped[list[Enterprise]] = relationship(back_populates="branch", order_by="Enterprise.id")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class Enterprise(db.Model):
    """A non-public enterprise; a 单独组建 branch has one, a 联合支部 several."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    industry: Mapped[str] = mapped_column(sa.String(40), default="")
    employees: Mapped[int] = mapped_column(default=0)
    # 企业主 (法定代表人): who the 镇党委 may commend (an award with `honoree: enterprise_owner`)
    owner_name: Mapped[str] = mapped_column(sa.String(40), default="")
    owner_title: Mapped[str] = mapped_column(sa.String(40), default="")  # 职务: 董事长, 总经理 …
    owner_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    branch: Mapped[Unit | None] = relationship(back_populates="enterprises")
    figures: Mapped[list[EnterpriseFigures]] = relationship(back_populates="enterprise",
                                                           order_by="EnterpriseFigures.year",
                                                           cascade="all, delete-orphan")

    @property
    def owner_styled(self) -> str:
        """The 企业主 as a certificate names them with their enterprise: 某某有限公司董事长 (the name apart)."""
        return f"{self.name}{self.owner_title}"


class EnterpriseFigures(db.Model):
    """One enterprise's figures for one year (职工, 党员, 产值, 税收); a year without its own row reads the latest
    earlier one, so a county carries them from year to year."""

    __table_args__ = (sa.UniqueConstraint("enterprise_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    employees: Mapped[int] = mapped_column(default=0)
    party_members: Mapped[int] = mapped_column(default=0)  # as the enterprise reports them, in a branch or not
    output: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))  # 产值, 万元
    tax: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))  # 税收, 万元
    enterprise: Mapped[Enterprise] = relationship(back_populates="figures")


class BranchVisit(db.Model):
    """A 党建工作联络员's visit to or guidance of a branch: when, how, what, by whom."""

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    visited_on: Mapped[dt.date]
    form: Mapped[VisitForm] = mapped_column(enum_column(VisitForm))
    content: Mapped[str] = mapped_column(sa.Text)
    visitor: Mapped[str] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]


class Term(db.Model):
    """届: a term of the CPPCC (第四届 2011–2016)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    closed_at: Mapped[dt.datetime | None]  # 换届 done: the next 届 is current, this one is read-only history


class AppraisalYear(db.Model):
    """考评年度: its 半年小结 covers 1 Jan – 30 Jun, its 全年总结 the whole year.

    The campaign's timetable (app.setup.timetable) is kept on the year: each milestone optional."""

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(40))
    recording_closed_at: Mapped[dt.datetime | None]
    entry_opens_on: Mapped[dt.date | None]  # 录入开始
    entry_closes_on: Mapped[dt.date | None]  # 录入截止: clerks' new records of the year are refused after it
    half_review_due_on: Mapped[dt.date | None]  # 半年小结 by
    annual_review_due_on: Mapped[dt.date | None]  # 全年总结 by
    recommend_due_on: Mapped[dt.date | None]  # 推荐截止
    publicity_days: Mapped[int | None]  # 公示天数: the default length when a list's 公示 starts
    decision_due_on: Mapped[dt.date | None]  # 常委会审定 by

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def half_ends_on(self) -> dt.date:
        return dt.date(self.year, 6, 30)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.year, 12, 31)
