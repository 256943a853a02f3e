"""People: CPPCC members (政协委员) and party members (党员) of the enterprise branches."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import Gender, PartyStatus
from app.models.org import Enterprise, Term, Unit
from app.models.types import enum_column
from app.timeutil import utcnow


class Member(db.Model):
    """政协委员. `sector` is the 界别 (a 界别活动组 unit); `party` the 党派 (中共, 民盟, 无党派人士 …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40), index=True)
    search_key: Mapped[str] = mapped_column(sa.String(400), default="")
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    party: Mapped[str] = mapped_column(sa.String(40), default="")
    sector_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    liaison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    is_standing: Mapped[bool] = mapped_column(default=False)
    is_chair_council: Mapped[bool] = mapped_column(default=False)  # 主席会议成员: excluded from awards
    is_resident_standing: Mapped[bool] = mapped_column(default=False)  # 驻会常委: excluded from awards
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    employer: Mapped[str] = mapped_column(sa.String(120), default="")
    position: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    ethnicity: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")  # 民族
    birth_month: Mapped[str] = mapped_column(sa.String(7), default="", server_default="")  # 出生年月, "1968-03"
    note: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")  # 备注
    joined_on: Mapped[dt.date | None]  # 任职起: None = from the start of the member's 届
    left_on: Mapped[dt.date | None]  # 离任日期: None = still serving (or to the end of the 届)
    active: Mapped[bool] = mapped_column(default=True)
    sector: Mapped[Unit] = relationship(foreign_keys=[sector_id])
    committee: Mapped[Unit | None] = relationship(foreign_keys=[committee_id])
    liaison: Mapped[Unit | None] = relationship(foreign_keys=[liaison_id])
    term: Mapped[Term] = relationship()

    @property
    def unit_ids(self) -> set[int]:
        return {i for i in (self.sector_id, self.committee_id, self.liaison_id) if i is not None}

    def has_left(self, today: dt.date) -> bool:
        """已离任: the 离任日期 has come. It does not change `active` (在职: taking part in reviews), so a member who
        left during a year stays in that year's review; the office clears 在职 to leave reviews out altogether."""
        return self.left_on is not None and self.left_on <= today

    def __repr__(self) -> str:
        return f"<Member {self.code} {self.name}>"


class MemberUnitChange(db.Model):
    """A dated change of one of a member's units (界别, 专委会 or 联络处): from which unit to which, from which day.
    The member's columns hold the units of today; a review of an earlier period undoes the changes dated after its
    last day, so a member who moved in July is in the old 界别 in the half-year's rankings."""

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(sa.String(16))  # sector_id, committee_id or liaison_id
    from_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    to_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    effective_on: Mapped[dt.date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])

    __table_args__ = (sa.CheckConstraint("field IN ('sector_id', 'committee_id', 'liaison_id')",
                                         name="unit_field"),)


class PartyMember(db.Model):
    """党员 of a non-public-enterprise branch; 预备党员 are kept apart in award denominators."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40), index=True)
    search_key: Mapped[str] = mapped_column(sa.String(400), default="")
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"))
    status: Mapped[PartyStatus] = mapped_column(enum_column(PartyStatus))
    joined_on: Mapped[dt.date | None]
    post: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    active: Mapped[bool] = mapped_column(default=True)
    branch: Mapped[Unit] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()

    def __repr__(self) -> str:
        return f"<PartyMember {self.code} {self.name}>"
