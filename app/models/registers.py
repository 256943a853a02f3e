"""Registers that last across years: 联一户 counterparts (对接对象), pairings (结对) and what was done for them; 引一企
projects with the stages they reached and their 跟踪服务.

A pairing is a member's or a unit's lasting tie to one counterpart, from a start date to an optional end date. Support
and visits are logged against it; the 联一户 record the rule files score refers to its pairing (`Activity.pairing_id`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import CounterpartKind, ProjectStage, SupportKind
from app.models.org import Unit
from app.models.people import Member
from app.models.types import ScaledDecimal, enum_column
from app.timeutil import utcnow


class SubjectOwned:
    """A register row that belongs to a member or else to a CPPCC unit (`member` / `unit`)."""

    member: Member | None
    unit: Unit | None
    unit_id: int | None

    @property
    def subject_name(self) -> str:
        return self.member.name if self.member is not None else self.unit.name if self.unit is not None else ""

    @property
    def unit_ids(self) -> set[int]:
        """The units the row belongs to: the member's 界别, 专委会 and 联络处, or the unit itself."""
        if self.member is not None:
            return self.member.unit_ids
        return {self.unit_id} if self.unit_id is not None else set()


class Counterpart(db.Model):
    """对接对象: a key enterprise, a cooperative, a specialist household, a village, a needy family or student.

    `phone` is personal data: shown only to the office and to the clerks of a unit one of its pairings belongs to.
    """

    __table_args__ = (sa.UniqueConstraint("kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CounterpartKind] = mapped_column(enum_column(CounterpartKind))
    name: Mapped[str] = mapped_column(sa.String(120))
    place: Mapped[str] = mapped_column(sa.String(120), default="")  # 乡镇、村
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.String(40), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    # the unit whose clerk registered it (its clerks keep it even before a pairing names it); None: the office's
    entered_by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    pairings: Mapped[list[Pairing]] = relationship(back_populates="counterpart", order_by="Pairing.id")


class Pairing(SubjectOwned, db.Model):
    """结对: a member, or a unit (专委会 / 界别 / 联络处), paired with a counterpart from `starts_on`; open while
    `ends_on` is None. `kind` is the rule file's 联一户 kind its records take (结对困难户, 结对企业 …)."""

    __table_args__ = (sa.CheckConstraint("(member_id IS NULL) <> (unit_id IS NULL)", name="one_subject"),
                      sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"))
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # 结对编号: JD0001; imports match on it
    counterpart_id: Mapped[int] = mapped_column(sa.ForeignKey("counterpart.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # a unit's own pairing
    kind: Mapped[str] = mapped_column(sa.String(40))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    counterpart: Mapped[Counterpart] = relationship(back_populates="pairings")
    member: Mapped[Member | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    entries: Mapped[list[PairingEntry]] = relationship(
        back_populates="pairing", order_by="PairingEntry.occurred_on, PairingEntry.id", cascade="all, delete-orphan")


class PairingEntry(db.Model):
    """Support given (技术 / 信息 / 资金 / 物资, an amount in 元 for money or goods) or a visit, on a date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(sa.ForeignKey("pairing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SupportKind] = mapped_column(enum_column(SupportKind))
    occurred_on: Mapped[dt.date]
    form: Mapped[str] = mapped_column(sa.String(20), default="")  # a visit's: 上门走访, 电话, 座谈, 送温暖 …
    amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal())  # 元: money given, or goods at their value
    content: Mapped[str] = mapped_column(sa.Text, default="")
    # the 联一户 record made from this entry for verification (None: logged only)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    pairing: Mapped[Pairing] = relationship(back_populates="entries")
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821  # by name: records imports this module


class Project(SubjectOwned, db.Model):
    """引一企: a lead or project a member or a unit brought (name, investor, the 产业 or 重点项目 it serves, amount in
    万元), followed from 提供信息 to 投产 with 跟踪服务（安商稳商）. `others`: further members who helped bring it."""

    __table_args__ = (sa.CheckConstraint("(member_id IS NULL) <> (unit_id IS NULL)", name="one_subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # 项目编号: YQ0001; imports match on it
    name: Mapped[str] = mapped_column(sa.String(120))
    investor: Mapped[str] = mapped_column(sa.String(120), default="")
    industry: Mapped[str] = mapped_column(sa.String(80), default="")  # the 主导产业 or 重点项目 it serves
    amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal())  # 万元
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    others: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    member: Mapped[Member | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    stages: Mapped[list[ProjectProgress]] = relationship(
        back_populates="project", order_by="ProjectProgress.reached_on, ProjectProgress.id",
        cascade="all, delete-orphan")
    services: Mapped[list[ProjectService]] = relationship(
        back_populates="project", order_by="ProjectService.occurred_on, ProjectService.id",
        cascade="all, delete-orphan")

    @property
    def stage(self) -> ProjectProgress | None:
        """The furthest stage reached."""
        order = list(ProjectStage)
        return max(self.stages, key=lambda s: order.index(s.stage), default=None)


class ProjectProgress(db.Model):
    """The date a project reached a stage (one row a stage); the 引一企 record made from it for verification."""

    __table_args__ = (sa.UniqueConstraint("project_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    stage: Mapped[ProjectStage] = mapped_column(enum_column(ProjectStage))
    reached_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    project: Mapped[Project] = relationship(back_populates="stages")
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821  # by name: records imports this module


class ProjectService(db.Model):
    """跟踪服务（安商稳商）: what was done for a project after it came, on a date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[dt.date]
    content: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    project: Mapped[Project] = relationship(back_populates="services")
