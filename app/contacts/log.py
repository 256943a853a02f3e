"""联系记录: the contacts made — a member contacted by a 常委 (or another member) or a 县政协领导, a 界别活动组 or
联络处 contacted by a 专委会 — within the user's scope. Flush, never commit.

The office logs any contact; a clerk those made by a member or 专委会 of their units; a 常委 with an account logs
their own contacts with the members assigned to them (app.contacts.routes.mine). A 常委's contact files a 履职记录
(app.contacts.services.file_record).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from app import audit
from app.auth.scope import scoped, unit_ids
from app.contacts import services
from app.contacts.services import CONTACT_KIND, TARGET_UNIT_KINDS, Errors, add_error
from app.extensions import db
from app.models import Contact, ContactForm, ContactLink, ContactLinkKind, Member, Role, Unit, UnitKind, User


def contact_query(year: int, half: str = "", member_id: int | None = None) -> sa.Select[tuple[Contact]]:
    """The contacts of the period the user may see, newest first; of one member (either end), when given."""
    start, end = services.window(year, half)
    stmt = scoped(Contact).where(Contact.occurred_on.between(start, end))
    if member_id:
        stmt = stmt.where(sa.or_(Contact.member_id == member_id, Contact.by_member_id == member_id))
    return stmt.options(selectinload(Contact.member), selectinload(Contact.by_member), selectinload(Contact.unit),
                        selectinload(Contact.by_unit), selectinload(Contact.activity)).order_by(
        Contact.occurred_on.desc(), Contact.id.desc())


def contact_sorts() -> dict[str, sa.ColumnElement[Any]]:
    contacted, by = aliased(Member), aliased(Member)
    unit, by_unit = aliased(Unit), aliased(Unit)
    return {"date": Contact.occurred_on, "form": Contact.form,
            "member": sa.func.coalesce(
                sa.select(contacted.name).where(contacted.id == Contact.member_id).scalar_subquery(),
                sa.select(unit.name).where(unit.id == Contact.unit_id).scalar_subquery()),
            "by": sa.func.coalesce(sa.select(by.name).where(by.id == Contact.by_member_id).scalar_subquery(),
                                   sa.select(by_unit.name).where(by_unit.id == Contact.by_unit_id).scalar_subquery(),
                                   Contact.by_leader)}


def _in_scope(model: type, ident: object) -> Any:
    """The row of `model` with id `ident` that the user may see, else None."""
    return db.session.scalar(scoped(model).where(model.id == (ident or 0)))  # type: ignore[attr-defined]


def add_contact(data: Mapping[str, Any], user: User) -> Errors:
    """Log one contact with a member (the office's or a clerk's form); a 常委 contacting files their record."""
    errors: Errors = {}
    day: dt.date | None = data.get("occurred_on")
    member = _in_scope(Member, data.get("member_id"))
    by_member = _in_scope(Member, data.get("by_member_id"))
    by_leader = (data.get("by_leader") or "").strip()
    if problem := services.check_day(day, user):
        add_error(errors, "occurred_on", problem)
    if member is None:
        add_error(errors, "member_id", _("请选择被联系的委员。"))
    if by_member is None and not by_leader:
        add_error(errors, "by_member_id", _("请选择联系人（委员），或填写联系的县政协领导。"))
    elif by_member is not None and by_leader:
        add_error(errors, "by_leader", _("联系人只填一个：委员或县政协领导。"))
    elif by_member is not None and member is not None and by_member.id == member.id:
        add_error(errors, "member_id", _("联系人和被联系的委员不能是同一人。"))
    if not services.may_log_for(user, by_member):
        add_error(errors, "by_member_id", _("录入员只能录入本单位常委的联系记录。"))
    if errors:
        return errors
    assert member is not None and day is not None
    _store(Contact(occurred_on=day, form=ContactForm[data["form"]], content=(data.get("content") or "").strip(),
                   member=member, by_member=by_member, by_leader=by_leader, created_by_id=user.id), user)
    return {}


def assigned_to(standing: Member, day: dt.date | None = None) -> list[Member]:
    """The members assigned to a 常委 (on `day`; any day when none), by code."""
    stmt = sa.select(Member).join(ContactLink, ContactLink.to_member_id == Member.id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.from_member_id == standing.id)
    if day is not None:
        stmt = stmt.where(ContactLink.starts_on <= day,
                          sa.or_(ContactLink.ends_on.is_(None), ContactLink.ends_on >= day))
    return list(db.session.scalars(stmt.distinct().order_by(Member.code)))


def add_own_contact(standing: Member, data: Mapping[str, Any], user: User) -> Errors:
    """A 常委 logs their own contact with a member assigned to them on that day; it files their own report."""
    errors: Errors = {}
    day: dt.date | None = data.get("occurred_on")
    if problem := services.check_day(day, user):
        add_error(errors, "occurred_on", problem)
    member = db.session.get(Member, data.get("member_id") or 0)
    if member is None or member not in assigned_to(standing, day):
        add_error(errors, "member_id", _("请选择当天分工由您联系的委员。"))
    if errors:
        return errors
    assert member is not None and day is not None
    _store(Contact(occurred_on=day, form=ContactForm[data["form"]], content=(data.get("content") or "").strip(),
                   member=member, by_member=standing, by_leader="", created_by_id=user.id), user)
    return {}


def _store(contact: Contact, user: User) -> None:
    db.session.add(contact)
    db.session.flush()
    audit.record(user, "create", "contact", contact.id, {
        "occurred_on": (None, contact.occurred_on), "form": (None, contact.form),
        "contacted": (None, contact.contacted_name), "by": (None, contact.by_name),
        "content": (None, contact.content)})
    by_member = contact.by_member
    if by_member is not None and by_member.is_standing and contact.member is not None:
        contact.activity = services.file_record(
            CONTACT_KIND, by_member, contact.occurred_on,
            _("联系委员%(name)s（%(form)s）", name=contact.member.name, form=_(contact.form.label)),
            contact.content, user)
        db.session.flush()


def may_log_for_unit(user: User, committee: Unit | None) -> bool:
    """The office logs any 专委会's contacts; a clerk those of a 专委会 of theirs."""
    scope = unit_ids(user)
    return scope is None or (committee is not None and committee.id in scope)


def add_unit_contact(data: Mapping[str, Any], user: User) -> Errors:
    """Log one contact of a 专委会 with a 界别活动组 or 联络处 (专委会联系界别和联络处)."""
    errors: Errors = {}
    day: dt.date | None = data.get("occurred_on")
    committee = db.session.get(Unit, data.get("by_unit_id") or 0)
    target = db.session.get(Unit, data.get("unit_id") or 0)
    if problem := services.check_day(day, user):
        add_error(errors, "occurred_on", problem)
    if committee is None or committee.kind != UnitKind.COMMITTEE:
        add_error(errors, "by_unit_id", _("请选择一个专委会。"))
    elif not may_log_for_unit(user, committee):
        add_error(errors, "by_unit_id", _("录入员只能录入本专委会的联系记录。"))
    if target is None or target.kind not in TARGET_UNIT_KINDS:
        add_error(errors, "unit_id", _("请选择被联系的界别活动组或联络处。"))
    if errors:
        return errors
    assert day is not None
    _store(Contact(occurred_on=day, form=ContactForm[data["form"]], content=(data.get("content") or "").strip(),
                   unit=target, by_unit=committee, by_leader="", created_by_id=user.id), user)
    return {}


def may_remove(contact: Contact, user: User) -> str:
    """Why `user` may not delete the contact, else "": another unit's, another member's, or its record's state."""
    if contact.by_unit is not None:
        if not may_log_for_unit(user, contact.by_unit):
            return _("录入员只能删除本专委会的联系记录。")
    elif user.role == Role.MEMBER:
        if contact.by_member_id != user.member_id or contact.created_by_id != user.id:
            return _("只能删除您本人录入的联系记录。")
    elif not services.may_log_for(user, contact.by_member):
        return _("录入员只能删除本单位常委的联系记录。")
    return services.record_blocks_removal(contact.activity, user)


def delete_contact(contact: Contact, user: User) -> str:
    """Remove a contact and the record it filed; the reason it may not be removed, else ""."""
    if reason := may_remove(contact, user):
        return reason
    audit.record(user, "delete", "contact", contact.id, {
        "occurred_on": (contact.occurred_on, None), "contacted": (contact.contacted_name, None),
        "by": (contact.by_name, None)})
    services.drop_record(contact.activity, user)
    db.session.delete(contact)
    db.session.flush()
    return ""
