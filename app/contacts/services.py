"""四联系 (实施意见 §三.3): assignments, the contact log and its coverage, within the user's scope. Flush, never commit.

A contact a 常委 makes also files a 履职记录 of the kind `CONTACT_KIND` when the year's members' rule file declares
that kind, so a rule counts contacts as it counts any record (a gate “每半年联系委员不少于 N 次” is a `min_count`);
the office's entries are 已核实 at once, a clerk's are 已提交 for the office to verify like any record.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from app import audit
from app.activities.services import open_years, ruleset_for
from app.auth.scope import clause, scoped, unit_ids
from app.extensions import db
from app.models import (Activity, Category, Contact, ContactForm, ContactLink, ContactLinkKind, Member, RecordState,
                        Role, Unit, UnitKind, User)
from app.races import one_writer
from app.timeutil import beijing_today, utcnow
from reports.contacts import ContactReport, StandingLine, UncontactedLine

Errors = dict[str, list[str]]
CONTACT_KIND = "联系委员"  # the rule-file kind a 常委's contact files as a 履职记录
READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)
LINK_WRITERS = (Role.ADMIN, Role.OFFICE)
LOG_WRITERS = (Role.ADMIN, Role.OFFICE, Role.CLERK)
HALVES = ("H1", "H2")
TARGET_UNIT_KINDS = (UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)


def window(year: int, half: str = "") -> tuple[dt.date, dt.date]:
    """The days of the half (H1: 1 Jan – 30 Jun, H2: 1 Jul – 31 Dec) or of the whole year."""
    if half == "H1":
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    if half == "H2":
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def period_label(year: int, half: str = "") -> str:
    return {"H1": _("%(year)s年上半年", year=year), "H2": _("%(year)s年下半年", year=year)}.get(
        half, _("%(year)s年全年", year=year))


# --- assignments ---------------------------------------------------------------------------------------------------

def links_by_kind() -> dict[ContactLinkKind, list[ContactLink]]:
    """The assignments the user may see, by kind (every kind, maybe with none), in the order they were made; both
    ends loaded with them."""
    grouped: dict[ContactLinkKind, list[ContactLink]] = {kind: [] for kind in ContactLinkKind}
    for link in db.session.scalars(scoped(ContactLink).options(
            selectinload(ContactLink.from_member), selectinload(ContactLink.to_member),
            selectinload(ContactLink.from_unit), selectinload(ContactLink.to_unit))
            .order_by(ContactLink.kind, ContactLink.id)):
        grouped[link.kind].append(link)
    return grouped


def members() -> list[Member]:
    return list(db.session.scalars(scoped(Member).where(Member.active).order_by(Member.code)))


def units(*kinds: UnitKind) -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.kind.in_(kinds), Unit.active)
                                   .order_by(Unit.sort_order, Unit.id)))


def existing_link(kind: ContactLinkKind, to_member_id: int | None, to_unit_id: int | None) -> ContactLink | None:
    """The assignment of `kind` the member (or unit) contacted already has."""
    target = ContactLink.to_member_id == to_member_id if to_member_id else ContactLink.to_unit_id == to_unit_id
    return db.session.scalar(sa.select(ContactLink).where(ContactLink.kind == kind, target))


def check_link(kind: ContactLinkKind, leader: str, from_member: Member | None, from_unit: Unit | None,
               to_member: Member | None, to_unit: Unit | None) -> Errors:
    """What is wrong with an assignment, by field: the contact of the right sort, the contacted of the right sort,
    and nobody of this kind contacting them already."""
    errors: Errors = {}

    def err(name: str, text: str) -> None:
        errors.setdefault(name, []).append(text)

    if kind == ContactLinkKind.LEADER_STANDING:
        if not leader.strip():
            err("leader", _("请填写联系常委的县政协领导姓名。"))
        if to_member is None:
            err("to_member_id", _("请选择被联系的常委。"))
        elif not to_member.is_standing:
            err("to_member_id", _("%(name)s不是常委。", name=to_member.name))
    elif kind == ContactLinkKind.STANDING_MEMBER:
        if from_member is None:
            err("from_member_id", _("请选择联系委员的常委。"))
        elif not from_member.is_standing:
            err("from_member_id", _("%(name)s不是常委。", name=from_member.name))
        if to_member is None:
            err("to_member_id", _("请选择被联系的委员。"))
        elif from_member is not None and to_member.id == from_member.id:
            err("to_member_id", _("常委不能联系自己。"))
    else:
        if from_unit is None or from_unit.kind != UnitKind.COMMITTEE:
            err("from_unit_id", _("请选择一个专委会。"))
        if to_unit is None or to_unit.kind not in TARGET_UNIT_KINDS:
            err("to_unit_id", _("请选择被联系的界别活动组或联络处。"))
    if not errors:
        there = existing_link(kind, to_member.id if to_member else None, to_unit.id if to_unit else None)
        if there is not None:
            field = "to_unit_id" if kind == ContactLinkKind.COMMITTEE_UNIT else "to_member_id"
            err(field, _("%(who)s已由%(by)s联系。", who=there.contacted_name, by=there.contact_name))
    return errors


def add_link(data: Mapping[str, Any], user: User) -> Errors:
    """Add one assignment from the form's data; errors by field, none when added."""
    kind = ContactLinkKind[data["kind"]]
    one_writer(ContactLink.__table__, "contact_link")  # two clerks' double click: one assignment
    from_member = db.session.get(Member, data.get("from_member_id") or 0)
    to_member = db.session.get(Member, data.get("to_member_id") or 0)
    from_unit = db.session.get(Unit, data.get("from_unit_id") or 0)
    to_unit = db.session.get(Unit, data.get("to_unit_id") or 0)
    leader = (data.get("leader") or "").strip()
    errors = check_link(kind, leader, from_member, from_unit, to_member, to_unit)
    if errors:
        return errors
    make_link(kind, leader, from_member, from_unit, to_member, to_unit, user)
    return {}


def make_link(kind: ContactLinkKind, leader: str, from_member: Member | None, from_unit: Unit | None,
              to_member: Member | None, to_unit: Unit | None, user: User | None, audited: bool = True) -> ContactLink:
    """Store a checked assignment (only the ends its kind has), audited unless an import audits the file."""
    link = ContactLink(kind=kind, created_by_id=user.id if user else None)
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


def _link_fields(link: ContactLink) -> dict[str, tuple[Any, Any]]:
    return {"kind": (None, link.kind), "contact": (None, link.contact_name), "contacted": (None, link.contacted_name)}


def remove_link(link: ContactLink, user: User) -> None:
    audit.record(user, "delete", "contact_link", link.id, {k: (v[1], None) for k, v in _link_fields(link).items()})
    db.session.delete(link)
    db.session.flush()


# --- the contact log -------------------------------------------------------------------------------------------------

def contact_query(year: int, half: str = "", member_id: int | None = None) -> sa.Select[tuple[Contact]]:
    """The contacts of the period the user may see, newest first; of one member (either end), when given."""
    start, end = window(year, half)
    stmt = scoped(Contact).where(Contact.occurred_on.between(start, end))
    if member_id:
        stmt = stmt.where(sa.or_(Contact.member_id == member_id, Contact.by_member_id == member_id))
    return stmt.options(selectinload(Contact.member), selectinload(Contact.by_member),
                        selectinload(Contact.activity)).order_by(Contact.occurred_on.desc(), Contact.id.desc())


def contact_sorts() -> dict[str, sa.ColumnElement[Any]]:
    contacted, by = aliased(Member), aliased(Member)
    return {"date": Contact.occurred_on, "form": Contact.form,
            "member": sa.select(contacted.name).where(contacted.id == Contact.member_id).scalar_subquery(),
            "by": sa.func.coalesce(sa.select(by.name).where(by.id == Contact.by_member_id).scalar_subquery(),
                                   Contact.by_leader)}


def may_log_for(user: User, by_member: Member | None) -> bool:
    """The office logs anyone's contacts; a clerk those of a member of their units (the contacting 常委)."""
    scope = unit_ids(user)
    if scope is None:
        return True
    return by_member is not None and bool(by_member.unit_ids & scope)


def add_contact(data: Mapping[str, Any], user: User) -> Errors:
    """Log one contact; with a 常委 contacting and the year's rule file declaring `CONTACT_KIND`, file its record."""
    errors: Errors = {}
    day: dt.date | None = data.get("occurred_on")
    member = db.session.scalar(scoped(Member).where(Member.id == (data.get("member_id") or 0)))
    by_member = db.session.scalar(scoped(Member).where(Member.id == (data.get("by_member_id") or 0)))
    by_leader = (data.get("by_leader") or "").strip()
    if day is None:
        errors.setdefault("occurred_on", []).append(_("请填写日期。"))
    elif day > beijing_today():
        errors.setdefault("occurred_on", []).append(_("日期不能晚于今天。"))
    elif day.year not in open_years():
        errors.setdefault("occurred_on", []).append(_("%(year)s 年不是开放录入的考评年度。", year=day.year))
    if member is None:
        errors.setdefault("member_id", []).append(_("请选择被联系的委员。"))
    if by_member is None and not by_leader:
        errors.setdefault("by_member_id", []).append(_("请选择联系人（委员），或填写联系的县政协领导。"))
    elif by_member is not None and by_leader:
        errors.setdefault("by_leader", []).append(_("联系人只填一个：委员或县政协领导。"))
    elif by_member is not None and member is not None and by_member.id == member.id:
        errors.setdefault("member_id", []).append(_("联系人和被联系的委员不能是同一人。"))
    if not may_log_for(user, by_member):
        errors.setdefault("by_member_id", []).append(_("录入员只能录入本单位常委的联系记录。"))
    if errors:
        return errors
    assert member is not None and day is not None
    contact = Contact(occurred_on=day, form=ContactForm[data["form"]], content=(data.get("content") or "").strip(),
                      member=member, by_member=by_member, by_leader=by_leader, created_by_id=user.id)
    db.session.add(contact)
    db.session.flush()
    audit.record(user, "create", "contact", contact.id, {
        "occurred_on": (None, day), "form": (None, contact.form), "member_id": (None, member.id),
        "by": (None, contact.by_name), "content": (None, contact.content)})
    if by_member is not None and by_member.is_standing:
        contact.activity = _file_record(contact, by_member, user)
    return {}


def _file_record(contact: Contact, by_member: Member, user: User) -> Activity | None:
    """The 履职记录 of a 常委's contact, when the year's members' rule file declares the kind; else none."""
    ruleset = ruleset_for(contact.occurred_on.year, "members")
    spec = ruleset.kinds.get(CONTACT_KIND) if ruleset is not None else None
    if spec is None:
        return None
    scope = unit_ids(user)
    office = scope is None
    now = utcnow()
    category = next((c for c in Category if c.label == spec.category), Category.OTHER)
    activity = Activity(
        unit_id=by_member.sector_id, member_id=by_member.id, category=category, kind=CONTACT_KIND,
        title=_("联系委员%(name)s（%(form)s）", name=contact.member.name, form=_(contact.form.label)),
        description=contact.content, occurred_on=contact.occurred_on, created_by_id=user.id,
        entered_by_unit_id=None if office else min(by_member.unit_ids & (scope or set())),
        state=RecordState.VERIFIED if office else RecordState.SUBMITTED, submitted_at=now,
        verified_by_id=user.id if office else None, verified_at=now if office else None)
    db.session.add(activity)
    db.session.flush()
    audit.record(user, "create", "activity", activity.id, {
        "member_id": (None, by_member.id), "kind": (None, CONTACT_KIND), "title": (None, activity.title),
        "occurred_on": (None, activity.occurred_on), "state": (None, activity.state)})
    return activity


def delete_contact(contact: Contact, user: User) -> str:
    """Remove a contact and the record it filed; the reason it may not be removed, else ""."""
    activity = contact.activity
    if not may_log_for(user, contact.by_member):
        return _("录入员只能删除本单位常委的联系记录。")
    if activity is not None and activity.locked:
        return _("这条联系记录计入的履职记录已用于定稿的表彰名单，不能删除。")
    if activity is not None and activity.state == RecordState.VERIFIED and unit_ids(user) is not None:
        return _("这条联系记录计入的履职记录已核实，请由活动领导小组办公室删除。")
    audit.record(user, "delete", "contact", contact.id, {
        "occurred_on": (contact.occurred_on, None), "member_id": (contact.member_id, None),
        "by": (contact.by_name, None)})
    if activity is not None:
        audit.record(user, "delete", "activity", activity.id, {"title": (activity.title, None)})
        db.session.delete(activity)
    db.session.delete(contact)
    db.session.flush()
    return ""


# --- coverage ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    """One 常委 in a period: members assigned, how many of them they contacted, their contacts in all, and who of
    their members is still not contacted (by anyone)."""

    member: Member
    assigned: int
    contacted: int
    contacts: int
    missing: tuple[str, ...]

    @property
    def rate(self) -> str:
        return f"{self.contacted * 100 // self.assigned}%" if self.assigned else "—"


def _assigned(standing: Any) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(ContactLink.id)).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.from_member_id == standing.id
    ).scalar_subquery()


def _contacted(standing: Any, start: dt.date, end: dt.date) -> sa.ScalarSelect[int]:
    mine = sa.select(ContactLink.to_member_id).where(ContactLink.kind == ContactLinkKind.STANDING_MEMBER,
                                                     ContactLink.from_member_id == standing.id)
    return sa.select(sa.func.count(sa.distinct(Contact.member_id))).where(
        Contact.by_member_id == standing.id, Contact.member_id.in_(mine),
        Contact.occurred_on.between(start, end)).scalar_subquery()


def _contacts(standing: Any, start: dt.date, end: dt.date) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(Contact.id)).where(Contact.by_member_id == standing.id,
                                                      Contact.occurred_on.between(start, end)).scalar_subquery()


def _members(user: User | None) -> sa.Select[tuple[Member]]:
    """Members in `user`'s scope; the whole county for no user (the command line, as the office)."""
    return sa.select(Member) if user is None else scoped(Member, user)


def standing_query(user: User | None) -> sa.Select[tuple[Member]]:
    """常委 in scope (active), by code: the rows of the coverage view."""
    return _members(user).where(Member.is_standing, Member.active).order_by(Member.code)


def standing_sorts(year: int, half: str) -> dict[str, sa.ColumnElement[Any]]:
    start, end = window(year, half)
    return {"name": Member.name, "code": Member.code, "assigned": _assigned(Member),
            "contacted": _contacted(Member, start, end), "contacts": _contacts(Member, start, end)}


def coverage(standing: Iterable[Member], year: int, half: str = "", user: User | None = None) -> list[Coverage]:
    """The coverage of each of `standing` in the period (three queries, whatever their number); for a `user` of some
    units, of the members of those units only."""
    people = list(standing)
    ids = [m.id for m in people]
    start, end = window(year, half)
    seen = _members(user).with_only_columns(Member.id)
    links = db.session.execute(sa.select(ContactLink.from_member_id, Member.id, Member.name)
                               .join(Member, Member.id == ContactLink.to_member_id)
                               .where(ContactLink.kind == ContactLinkKind.STANDING_MEMBER,
                                      ContactLink.from_member_id.in_(ids), Member.id.in_(seen))
                               .order_by(Member.code)).all()
    made = db.session.execute(sa.select(Contact.by_member_id, Contact.member_id).where(
        Contact.by_member_id.in_(ids), Contact.member_id.in_(seen), Contact.occurred_on.between(start, end))).all()
    reached = {m for (m,) in db.session.execute(sa.select(Contact.member_id).distinct().where(
        Contact.occurred_on.between(start, end), Contact.member_id.in_([to for _f, to, _n in links])))}
    result = []
    for person in people:
        mine = [(to, name) for owner, to, name in links if owner == person.id]
        by_me = {to for by, to in made if by == person.id}
        result.append(Coverage(person, len(mine), sum(1 for to, _n in mine if to in by_me),
                               sum(1 for by, _to in made if by == person.id),
                               tuple(name for to, name in mine if to not in reached)))
    return result


def uncontacted_query(year: int, half: str, user: User | None) -> sa.Select[tuple[Member]]:
    """Active members in scope (常委 aside) whom nobody contacted in the period, by code."""
    start, end = window(year, half)
    touched = sa.select(Contact.id).where(Contact.member_id == Member.id, Contact.occurred_on.between(start, end))
    return _members(user).where(Member.active, sa.not_(Member.is_standing), ~touched.exists()).order_by(Member.code)


def contacts_of(member_ids: Iterable[int], user: User | None = None) -> dict[int, str]:
    """Member id → who is assigned to contact them (常委联系委员) if `user` may see them, for the uncontacted list."""
    owner = aliased(Member)
    rows = db.session.execute(sa.select(ContactLink.to_member_id, owner.name).join(
        owner, owner.id == ContactLink.from_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.to_member_id.in_(list(member_ids)),
        owner.id.in_(_members(user).with_only_columns(Member.id))))
    return {to: name for to, name in rows}


def uncontacted_sorts() -> dict[str, sa.ColumnElement[Any]]:
    return {"name": Member.name, "code": Member.code}


def years() -> list[int]:
    """Years to choose from: those open for recording and those with contacts, newest first."""
    found = set(open_years()) | {int(y) for y in db.session.scalars(
        sa.select(sa.extract("year", Contact.occurred_on)).distinct().where(clause(Contact)))}
    found.add(beijing_today().year)
    return sorted(found, reverse=True)


def report(year: int, half: str = "", user: User | None = None) -> ContactReport:
    """The coverage of the period as the printed report takes it (the whole county for no user)."""
    rows = coverage(db.session.scalars(standing_query(user)), year, half, user)
    people = list(db.session.scalars(uncontacted_query(year, half, user)))
    owners = contacts_of((m.id for m in people), user)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # a document prints in Chinese
        title = period_label(year, half) + _("四联系覆盖情况")
    return ContactReport(
        title=title, year=year,
        standing=[StandingLine(c.member.code, c.member.name, c.member.sector.name, c.assigned, c.contacted, c.rate,
                               c.contacts, c.missing) for c in rows],
        uncontacted=[UncontactedLine(m.code, m.name, m.sector.name, owners.get(m.id, "")) for m in people])
