"""四联系: who is assigned to contact whom (ContactLink), and the contacts made (Contact)."""
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
    常委联系委员: `from_member` (a 常委) → `to_member`; 专委会联系界别和联络处: `from_unit` → `to_unit`. Each member or
    unit contacted has one contact of each kind (the service checks)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContactLinkKind] = mapped_column(enum_column(ContactLinkKind), index=True)
    leader: Mapped[str] = mapped_column(sa.String(40), default="")
    from_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    to_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"), index=True)
    to_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    from_member: Mapped[Member | None] = relationship(foreign_keys=[from_member_id])
    to_member: Mapped[Member | None] = relationship(foreign_keys=[to_member_id])
    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])

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


class Contact(db.Model):
    """联系记录: a member contacted on a day, by a member (a 常委) or a 县政协领导 named. A contact made by a 常委 also
    files a 履职记录 of the kind the year's rule file declares for it (`activity`), so the rules count contacts
    the one way they count everything."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    form: Mapped[ContactForm] = mapped_column(enum_column(ContactForm))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)  # the member contacted
    by_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    by_leader: Mapped[str] = mapped_column(sa.String(40), default="")  # a 县政协领导, when no member contacted
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    by_member: Mapped[Member | None] = relationship(foreign_keys=[by_member_id])
    activity: Mapped[Activity | None] = relationship()

    __table_args__ = (sa.CheckConstraint("by_member_id IS NOT NULL OR by_leader <> ''", name="contacted_by"),)

    @property
    def by_name(self) -> str:
        return self.by_member.name if self.by_member else self.by_leader
