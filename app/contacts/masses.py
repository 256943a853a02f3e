"""委员联系界别群众: a member's contacts with the people of their 界别, entered by the member or their unit's clerk (or
the office), within the user's scope. Each files a 履职记录 of the kind `MASSES_KIND` when the year's rule file
declares it (app.contacts.services.file_record). Flush, never commit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from app import audit
from app.auth.scope import scoped
from app.contacts import services
from app.contacts.services import MASSES_KIND, Errors, add_error
from app.extensions import db
from app.models import ContactForm, MassContact, Member, Role, Unit, UnitKind, User

AUDITED = ("occurred_on", "form", "member_id", "people", "sector_id", "content", "issues")


@dataclass(frozen=True)
class MassInput:
    """A 联系界别群众 entry as the form or a sheet gives it."""

    member_id: int | None
    occurred_on: dt.date | None
    form: str
    people: str
    sector_id: int | None = None  # None: the member's own 界别
    content: str = ""
    issues: str = ""


def mass_query(year: int, half: str = "", member_id: int | None = None) -> sa.Select[tuple[MassContact]]:
    """The period's entries the user may see (of one member, when given), newest first."""
    start, end = services.window(year, half)
    stmt = scoped(MassContact).where(MassContact.occurred_on.between(start, end))
    if member_id:
        stmt = stmt.where(MassContact.member_id == member_id)
    return stmt.options(selectinload(MassContact.member), selectinload(MassContact.sector),
                        selectinload(MassContact.activity)).order_by(
        MassContact.occurred_on.desc(), MassContact.id.desc())


def period_entries(year: int, half: str = "", user: User | None = None) -> sa.Select[tuple[MassContact]]:
    """The period's entries of the members `user` may see (the whole county for no user: the command line), oldest
    first, as the printed report lists them."""
    start, end = services.window(year, half)
    stmt = sa.select(MassContact) if user is None else scoped(MassContact, user)
    return stmt.where(MassContact.occurred_on.between(start, end)).options(
        selectinload(MassContact.member), selectinload(MassContact.sector)).order_by(
        MassContact.occurred_on, MassContact.id)


def mass_sorts() -> dict[str, sa.ColumnElement[Any]]:
    member = aliased(Member)
    return {"date": MassContact.occurred_on, "form": MassContact.form, "people": MassContact.people,
            "member": sa.select(member.name).where(member.id == MassContact.member_id).scalar_subquery()}


def of_member(member_id: int, limit: int = 50) -> list[MassContact]:
    """A member's entries the user may see, newest first (their page)."""
    return list(db.session.scalars(scoped(MassContact).where(MassContact.member_id == member_id).options(
        selectinload(MassContact.sector), selectinload(MassContact.activity)).order_by(
        MassContact.occurred_on.desc(), MassContact.id.desc()).limit(limit)))


def sectors() -> list[Unit]:
    return services.units(UnitKind.SECTOR_GROUP)


def check(data: MassInput, user: User | None) -> tuple[Errors, Member | None, Unit | None]:
    """What is wrong with an entry, by field; else its member and the 界别 of the people contacted."""
    errors: Errors = {}
    if problem := services.check_day(data.occurred_on, user):
        add_error(errors, "occurred_on", problem)
    people_seen = sa.select(Member) if user is None else scoped(Member, user)
    member = db.session.scalar(people_seen.where(Member.id == (data.member_id or 0)))
    if member is None or not services.may_log_for(user, member):
        own = user is not None and user.role == Role.MEMBER
        add_error(errors, "member_id", _("只能记录您本人联系群众的情况。") if own else _("请选择本单位的委员。"))
    people = data.people.strip()
    if not people:
        add_error(errors, "people", _("请填写联系的群众（个人或群体）。"))
    sector = db.session.get(Unit, data.sector_id) if data.sector_id else (member.sector if member else None)
    if data.sector_id and (sector is None or sector.kind != UnitKind.SECTOR_GROUP):
        add_error(errors, "sector_id", _("请选择一个界别。"))
    if data.form not in ContactForm.__members__:
        add_error(errors, "form", _("请选择联系方式。"))
    return errors, member, sector


def add(data: MassInput, user: User | None, audited: bool = True) -> tuple[Errors, MassContact | None]:
    """Log one entry and file its record; errors by field, else the entry."""
    errors, member, sector = check(data, user)
    if errors:
        return errors, None
    assert member is not None and data.occurred_on is not None
    own = user is not None and user.role == Role.MEMBER
    scope = services.scope_of(user)
    entry = MassContact(member=member, occurred_on=data.occurred_on, form=ContactForm[data.form],
                        people=data.people.strip(), sector=sector, content=data.content.strip(),
                        issues=data.issues.strip(), self_reported=own, created_by_id=user.id if user else None,
                        entered_by_unit_id=None if own or scope is None else min(member.unit_ids & scope))
    db.session.add(entry)
    db.session.flush()
    if audited:
        audit.record(user, "create", "mass_contact", entry.id, audit.diff({}, audit.snapshot(entry, AUDITED)))
    entry.activity = services.file_record(
        MASSES_KIND, member, entry.occurred_on,
        _("联系界别群众：%(people)s（%(form)s）", people=entry.people, form=_(entry.form.label)),
        "\n".join(t for t in (entry.content, _("反映的问题：%(issues)s", issues=entry.issues) if entry.issues else "")
                  if t), user)
    db.session.flush()
    return {}, entry


def may_remove(entry: MassContact, user: User) -> str:
    """Why `user` may not delete the entry, else "": another unit's (another member's), or its record's state."""
    if user.role == Role.MEMBER:
        if entry.member_id != user.member_id or not entry.self_reported:
            return _("只能删除您本人录入的记录。")
    elif not services.may_log_for(user, entry.member):
        return _("录入员只能删除本单位委员的记录。")
    return services.record_blocks_removal(entry.activity, user)


def remove(entry: MassContact, user: User) -> str:
    """Delete an entry and the record it filed; the reason it may not be deleted, else ""."""
    if reason := may_remove(entry, user):
        return reason
    audit.record(user, "delete", "mass_contact", entry.id,
                 {k: (v, None) for k, v in audit.snapshot(entry, ("occurred_on", "member_id", "people")).items()})
    services.drop_record(entry.activity, user)
    db.session.delete(entry)
    db.session.flush()
    return ""


def same_entry(data: MassInput) -> MassContact | None:
    """An entry already there with the same member, day, people and content (a sheet imported twice)."""
    return db.session.scalar(sa.select(MassContact).where(
        MassContact.member_id == data.member_id, MassContact.occurred_on == data.occurred_on,
        MassContact.people == data.people.strip(), MassContact.content == data.content.strip()).limit(1))


def export_rows(entries: list[MassContact]) -> list[list[object]]:
    """Entries in the import's columns (app/imports/contacts.py MassContacts)."""
    return [[e.member.code, e.member.name, e.occurred_on, e.form.label, e.people, e.sector.name if e.sector else "",
             e.content, e.issues] for e in entries]
