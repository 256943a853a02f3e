"""四联系分工: who is assigned to contact whom, from a start date to an optional end date. Flush, never commit.

A member (or 界别, 联络处) has at most one contact of each kind on any day. Reassigning is adding the new assignment
from its first day: the one still in force then ends the day before (said in the audit log and to the user);
anything else that overlaps is refused with the dates that clash.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import scoped
from app.contacts.services import TARGET_UNIT_KINDS, Errors, add_error
from app.extensions import db
from app.models import ContactLink, ContactLinkKind, Member, Unit, UnitKind, User
from app.races import one_writer
from app.timetable import cn_date
from app.timeutil import beijing_today

AUDITED = ("starts_on", "ends_on")


def links_by_kind(everything: bool = False) -> dict[ContactLinkKind, list[ContactLink]]:
    """The assignments the user may see, by kind (every kind, maybe with none): those in force today or later
    (`everything`: the ended ones too), by who is contacted and then by date; both ends loaded with them."""
    grouped: dict[ContactLinkKind, list[ContactLink]] = {kind: [] for kind in ContactLinkKind}
    stmt = scoped(ContactLink).options(
        selectinload(ContactLink.from_member), selectinload(ContactLink.to_member),
        selectinload(ContactLink.from_unit), selectinload(ContactLink.to_unit))
    if not everything:
        stmt = stmt.where(sa.or_(ContactLink.ends_on.is_(None), ContactLink.ends_on >= beijing_today()))
    for link in db.session.scalars(stmt.order_by(ContactLink.kind, ContactLink.id)):
        grouped[link.kind].append(link)
    for items in grouped.values():
        items.sort(key=lambda link: (link.contact_name, link.contacted_name, link.starts_on))
    return grouped


def state_text(link: ContactLink, today: dt.date) -> str:
    """执行中 / 已结束 / 未开始, as the list shows it."""
    if link.ends_on is not None and link.ends_on < today:
        return _("已结束")
    if link.starts_on > today:
        return _("未开始")
    return _("执行中")


def span_text(start: dt.date, end: dt.date | None) -> str:
    return _("%(start)s 至 %(end)s", start=cn_date(start), end=cn_date(end)) if end is not None else \
        _("%(start)s 起", start=cn_date(start))


def links_of(kind: ContactLinkKind, to_member_id: int | None, to_unit_id: int | None,
             but: int | None = None) -> list[ContactLink]:
    """The assignments of `kind` of the member (or unit) contacted, oldest first; `but` one left out."""
    target = ContactLink.to_member_id == to_member_id if to_member_id else ContactLink.to_unit_id == to_unit_id
    stmt = sa.select(ContactLink).where(ContactLink.kind == kind, target)
    if but is not None:
        stmt = stmt.where(ContactLink.id != but)
    return list(db.session.scalars(stmt.order_by(ContactLink.starts_on, ContactLink.id)))


@dataclass
class Checked:
    """An assignment that may be stored, and the one in force that then ends the day before it starts."""

    ends: ContactLink | None = None


def _same_contact(link: ContactLink, leader: str, from_member: Member | None, from_unit: Unit | None) -> bool:
    if link.kind == ContactLinkKind.LEADER_STANDING:
        return link.leader == leader
    if link.kind == ContactLinkKind.STANDING_MEMBER:
        return from_member is not None and link.from_member_id == from_member.id
    return from_unit is not None and link.from_unit_id == from_unit.id


def check_link(kind: ContactLinkKind, leader: str, from_member: Member | None, from_unit: Unit | None,
               to_member: Member | None, to_unit: Unit | None, starts_on: dt.date | None,
               ends_on: dt.date | None) -> tuple[Errors, Checked]:
    """What is wrong with an assignment, by field: the contact of the right sort, the contacted of the right sort,
    the dates in order, and nobody of this kind contacting them on any of its days except one still in force from
    an earlier day (which then ends: `Checked.ends`)."""
    errors: Errors = {}
    checked = Checked()
    if kind == ContactLinkKind.LEADER_STANDING:
        if not leader.strip():
            add_error(errors, "leader", _("请填写联系常委的县政协领导姓名。"))
        if to_member is None:
            add_error(errors, "to_member_id", _("请选择被联系的常委。"))
        elif not to_member.is_standing:
            add_error(errors, "to_member_id", _("%(name)s不是常委。", name=to_member.name))
    elif kind == ContactLinkKind.STANDING_MEMBER:
        if from_member is None:
            add_error(errors, "from_member_id", _("请选择联系委员的常委。"))
        elif not from_member.is_standing:
            add_error(errors, "from_member_id", _("%(name)s不是常委。", name=from_member.name))
        if to_member is None:
            add_error(errors, "to_member_id", _("请选择被联系的委员。"))
        elif from_member is not None and to_member.id == from_member.id:
            add_error(errors, "to_member_id", _("常委不能联系自己。"))
    else:
        if from_unit is None or from_unit.kind != UnitKind.COMMITTEE:
            add_error(errors, "from_unit_id", _("请选择一个专委会。"))
        if to_unit is None or to_unit.kind not in TARGET_UNIT_KINDS:
            add_error(errors, "to_unit_id", _("请选择被联系的界别活动组或联络处。"))
    if starts_on is None:
        add_error(errors, "starts_on", _("请填写开始日期。"))
    elif ends_on is not None and ends_on < starts_on:
        add_error(errors, "ends_on", _("结束日期不能早于开始日期。"))
    if errors or starts_on is None:
        return errors, checked
    field = "to_unit_id" if kind == ContactLinkKind.COMMITTEE_UNIT else "to_member_id"
    for there in links_of(kind, to_member.id if to_member else None, to_unit.id if to_unit else None):
        if not there.overlaps(starts_on, ends_on):
            continue
        if _same_contact(there, leader, from_member, from_unit):
            add_error(errors, field, _("%(who)s已由%(by)s联系（%(span)s）。", who=there.contacted_name,
                                       by=there.contact_name, span=span_text(there.starts_on, there.ends_on)))
        elif there.ends_on is None and there.starts_on < starts_on and checked.ends is None:
            checked.ends = there  # reassigned: the one in force ends the day before
        else:
            add_error(errors, "starts_on", _overlap(there))
    return errors, checked


def _overlap(there: ContactLink) -> str:
    """The error for dates that overlap `there`, another assignment of the same contacted."""
    return _("%(who)s在%(span)s由%(by)s联系，与这项分工的日期重叠。", who=there.contacted_name, by=there.contact_name,
             span=span_text(there.starts_on, there.ends_on))


def add_link(data: Mapping[str, Any], user: User) -> tuple[Errors, ContactLink | None]:
    """Add one assignment from the form's data; errors by field, or the assignment it ended (reassigned)."""
    kind = ContactLinkKind[data["kind"]]
    one_writer(ContactLink.__table__, "contact_link")  # two clerks' double click: one assignment
    from_member = db.session.get(Member, data.get("from_member_id") or 0)
    to_member = db.session.get(Member, data.get("to_member_id") or 0)
    from_unit = db.session.get(Unit, data.get("from_unit_id") or 0)
    to_unit = db.session.get(Unit, data.get("to_unit_id") or 0)
    leader = (data.get("leader") or "").strip()
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    errors, checked = check_link(kind, leader, from_member, from_unit, to_member, to_unit, starts_on, ends_on)
    if errors:
        return errors, None
    assert starts_on is not None
    make_link(kind, leader, from_member, from_unit, to_member, to_unit, starts_on, ends_on, checked, user)
    return {}, checked.ends


def make_link(kind: ContactLinkKind, leader: str, from_member: Member | None, from_unit: Unit | None,
              to_member: Member | None, to_unit: Unit | None, starts_on: dt.date, ends_on: dt.date | None,
              checked: Checked, user: User | None, audited: bool = True) -> ContactLink:
    """Store a checked assignment (only the ends its kind has), ending the one it replaces; audited unless an
    import audits the file."""
    if checked.ends is not None:
        set_end(checked.ends, starts_on - dt.timedelta(days=1), user, audited)
    link = ContactLink(kind=kind, created_by_id=user.id if user else None, starts_on=starts_on, ends_on=ends_on)
    if kind == ContactLinkKind.LEADER_STANDING:
        link.leader, link.to_member = leader, to_member
    elif kind == ContactLinkKind.STANDING_MEMBER:
        link.from_member, link.to_member = from_member, to_member
    else:
        link.from_unit, link.to_unit = from_unit, to_unit
    db.session.add(link)
    db.session.flush()
    if audited:
        audit.record(user, "create", "contact_link", link.id, _link_fields(link))
    return link


def set_end(link: ContactLink, on: dt.date | None, user: User | None, audited: bool = True) -> None:
    """End an assignment on `on` (its last day; None: in force again with no end)."""
    before = link.ends_on
    link.ends_on = on
    db.session.flush()
    if audited:
        audit.record(user, "update", "contact_link", link.id, {"ends_on": (before, on)})


def _link_fields(link: ContactLink) -> dict[str, tuple[Any, Any]]:
    return {"kind": (None, link.kind), "contact": (None, link.contact_name), "contacted": (None, link.contacted_name),
            "starts_on": (None, link.starts_on), "ends_on": (None, link.ends_on)}


def change_dates(link: ContactLink, starts_on: dt.date | None, ends_on: dt.date | None, user: User) -> Errors:
    """Set an assignment's dates (its ends stay: to change who, end it and add another); errors by field."""
    errors: Errors = {}
    one_writer(ContactLink.__table__, "contact_link")
    if starts_on is None:
        add_error(errors, "starts_on", _("请填写开始日期。"))
        return errors
    if ends_on is not None and ends_on < starts_on:
        add_error(errors, "ends_on", _("结束日期不能早于开始日期。"))
        return errors
    for there in links_of(link.kind, link.to_member_id, link.to_unit_id, but=link.id):
        if there.overlaps(starts_on, ends_on):
            add_error(errors, "starts_on", _overlap(there))
    if errors:
        return errors
    before = audit.snapshot(link, AUDITED)
    link.starts_on, link.ends_on = starts_on, ends_on
    db.session.flush()
    if changes := audit.diff(before, audit.snapshot(link, AUDITED)):
        audit.record(user, "update", "contact_link", link.id, changes)
    return {}


def remove_link(link: ContactLink, user: User) -> None:
    """Delete an assignment made by mistake (one that ended is ended, not deleted: its half-years still count it)."""
    audit.record(user, "delete", "contact_link", link.id, {k: (v[1], None) for k, v in _link_fields(link).items()})
    db.session.delete(link)
    db.session.flush()


def export_rows(grouped: Mapping[ContactLinkKind, list[ContactLink]]) -> list[list[object]]:
    """The assignments in the import's columns: an exported sheet imports again unchanged."""
    rows: list[list[object]] = []
    for kind, items in grouped.items():
        for link in items:
            owner = link.from_member or link.from_unit
            target = link.to_member or link.to_unit
            rows.append([kind.label, owner.code if owner is not None else "", link.contact_name,
                         target.code if target is not None else "", link.contacted_name, link.starts_on,
                         link.ends_on])
    return rows
