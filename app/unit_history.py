"""A member's dated unit changes (单位变动): a move from one 界别, 专委会 or 联络处 to another from a given day.

The member's columns hold today's units. Each change that the member page, the roster import or the member import
makes is kept with the day it takes effect; `units_as_of(day)` undoes the changes dated after `day`, which is how a
review of an earlier period sees the units of that period. Flush, never commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Member, MemberUnitChange, User

FIELDS = ("sector_id", "committee_id", "liaison_id")
FIELD_LABELS = {"sector_id": _l("界别"), "committee_id": _l("专委会"), "liaison_id": _l("乡镇联络处")}
Units = dict[str, int | None]


def units_of(member: Member) -> Units:
    """The member's units now, by column."""
    return {name: getattr(member, name) for name in FIELDS}


def record(member: Member, before: Mapping[str, int | None], effective_on: dt.date, user: User | None
           ) -> list[MemberUnitChange]:
    """Keep a change for each unit column of `member` that differs from `before` (its units before the edit)."""
    made = []
    for name in FIELDS:
        old, new = before.get(name), getattr(member, name)
        if old != new:
            made.append(MemberUnitChange(member_id=member.id, field=name, from_unit_id=old, to_unit_id=new,
                                         effective_on=effective_on, recorded_by_id=user.id if user else None))
    db.session.add_all(made)
    return made


def units_as_of(day: dt.date, member_ids: set[int] | None = None) -> dict[int, Units]:
    """Member id → the unit columns that were different on `day` from today (what they were then), for the members
    with a change dated after `day`; a member not in the result had today's units on `day`."""
    stmt = sa.select(MemberUnitChange.member_id, MemberUnitChange.field, MemberUnitChange.from_unit_id).where(
        MemberUnitChange.effective_on > day).order_by(MemberUnitChange.effective_on.desc(),
                                                      MemberUnitChange.id.desc())
    then: dict[int, Units] = {}
    for member_id, field, from_unit_id in db.session.execute(stmt):
        if member_ids is None or member_id in member_ids:
            then.setdefault(member_id, {})[field] = from_unit_id  # the earliest change after `day` wins: last
    return then


def history(member_id: int) -> list[MemberUnitChange]:
    """A member's unit changes, newest first."""
    return list(db.session.scalars(sa.select(MemberUnitChange).where(MemberUnitChange.member_id == member_id)
                                   .order_by(MemberUnitChange.effective_on.desc(), MemberUnitChange.id.desc())))
