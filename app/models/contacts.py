"""四联系: who is assigned to contact whom (ContactLink), the contacts made (Contact), and a member's contacts with
the masses of their 界别 (MassContact)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import ContactForm, ContactLinkKind
from app.models.org import Unit
from app.models.people import Member
from app.models.records import Activity
from app.models.types import enum_column
from app.timeutil import utcnow


class ContactLink(db.Model):
    """One assignment. 县政协领导联系常委: `leader` (a named person: the 主席 and 副主席 need no account) → `to_member`;
    常委联系委员: `from_member` (a 常委) → `to_member`; 专委会联系界别和联络处: `from_unit` → `to_unit`. It holds from
    `starts_on` to `ends_on` (both days included; no end: still in force). A member or unit contacted has one
    contact of each kind at a time (the service checks): a 常委 reassigned mid-year ends one link, another starts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContactLinkKind] = mapped_column(enum_column(ContactLinkKind), index=True)
    leader: Mapped[str] = mapped_column(sa.String(40), default="")
    from_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    to_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"), index=True)
    to_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    from_member: Mapped[Member | None] = relationship(foreign_keys=[from_member_id])
    to_member: Mapped[Member | None] = relationship(foreign_keys=[to_member_id])
    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])

    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),)

    @property
    def contact_name(self) -> str:
        """Who contacts: the leader, the 常委 or the 专委会."""
        if self.kind == ContactLinkKind.LEADER_STANDING:
            return self.leader
        owner = self.from_member or self.from_unit
        return owner.name if owner else ""

    @property
    def contacted_name(self) -> str:
        target = self.to_member or self.to_unit
        return target.name if target else ""

    def holds_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        """Whether it holds on some day of [start, end] (no `end`: from `start` on)."""
        return (end is None or self.starts_on <= end) and (self.ends_on is None or self.ends_on >= start)


class Contact(db.Model):
    """联系记录: a member contacted on a day, by a member (a 常委) or a 县政协领导 named; or a 界别活动组 or 联络处
    (`unit`) contacted by a 专委会 (`by_unit`). A contact made by a 常委 also files a 履职记录 of the kind the year's
    rule file declares for it (`activity`), so the rules count contacts the one way they count everything."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    form: Mapped[ContactForm] = mapped_column(enum_column(ContactForm))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)  # the member contacted
    by_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    by_leader: Mapped[str] = mapped_column(sa.String(40), default="")  # a 县政协领导, when no member contacted
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # the 界别 or 联络处 contacted
    by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))  # the 专委会 that contacted it
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    by_member: Mapped[Member | None] = relationship(foreign_keys=[by_member_id])
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    by_unit: Mapped[Unit | None] = relationship(foreign_keys=[by_unit_id])
    activity: Mapped[Activity | None] = relationship()

    # a member contacted by a member or a leader, or a unit contacted by a unit: never a mix
    __table_args__ = (sa.CheckConstraint(
        "(member_id IS NOT NULL AND unit_id IS NULL AND by_unit_id IS NULL"
        " AND (by_member_id IS NOT NULL OR by_leader <> ''))"
        " OR (member_id IS NULL AND by_member_id IS NULL AND by_leader = ''"
        " AND unit_id IS NOT NULL AND by_unit_id IS NOT NULL)", name="contact_ends"),)

    @property
    def by_name(self) -> str:
        if self.by_unit is not None:
            return self.by_unit.name
        return self.by_member.name if self.by_member else self.by_leader

    @property
    def contacted_name(self) -> str:
        target = self.member or self.unit
        return target.name if target else ""


class MassContact(db.Model):
    """委员联系界别群众: a member's contact with people of their 界别 (a person or a group, in words), what was said and
    the problems they raised. Entered by the member or their unit's clerk (or the office); files a 履职记录 of the
    kind the year's rule file declares for it (`activity`), the way a 常委's Contact does."""

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    form: Mapped[ContactForm] = mapped_column(enum_column(ContactForm))
    people: Mapped[str] = mapped_column(sa.String(120))  # 联系对象: 个体户张某, 城关镇商会会员 …
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))  # the 界别 of the people contacted
    content: Mapped[str] = mapped_column(sa.Text, default="")
    issues: Mapped[str] = mapped_column(sa.Text, default="")  # 反映的问题, if any
    self_reported: Mapped[bool] = mapped_column(default=False)  # the member entered it
    entered_by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))  # a clerk's unit
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    sector: Mapped[Unit | None] = relationship(foreign_keys=[sector_id])
    activity: Mapped[Activity | None] = relationship()
