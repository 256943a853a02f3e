"""Who is behind in 四联系: each 常委's coverage of the members assigned to them, each 专委会's of its 界别 and 联络处,
the members nobody contacted, the printed report, and the 待办 reminders. Read only.

Only assignments in force on some day of the period count, and a contact counts for the assignment it was made
under (on a day the assignment held): a member reassigned in April is the old 常委's and the new one's in the first
half, each judged on their own contacts.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.activities.services import open_years
from app.auth.scope import scoped
from app.contacts import services
from app.contacts.links import span_text
from app.contacts.masses import period_entries
from app.extensions import db
from app.models import Contact, ContactLink, ContactLinkKind, Member, Unit, UnitKind, User
from app.timetable import newest_year
from reports.contacts import CommitteeLine, ContactReport, MassLine, StandingLine, UncontactedLine


def _held(start: dt.date, end: dt.date) -> sa.ColumnElement[bool]:
    """An assignment in force on some day of [start, end]."""
    return sa.and_(ContactLink.starts_on <= end, sa.or_(ContactLink.ends_on.is_(None), ContactLink.ends_on >= start))


def _under_link() -> sa.ColumnElement[bool]:
    """A contact made on a day its assignment held (ContactLink correlated)."""
    return sa.and_(Contact.occurred_on >= ContactLink.starts_on,
                   sa.or_(ContactLink.ends_on.is_(None), Contact.occurred_on <= ContactLink.ends_on))


class _Rate:
    """The share of those assigned who were contacted, as the pages and reports print it."""

    assigned: int
    contacted: int

    @property
    def rate(self) -> str:
        return f"{self.contacted * 100 // self.assigned}%" if self.assigned else "—"


@dataclass(frozen=True)
class Coverage(_Rate):
    """One 常委 in a period: members assigned, how many of them they contacted, their contacts in all, and who of
    their members is still not contacted (by anyone)."""

    member: Member
    assigned: int
    contacted: int
    contacts: int
    missing: tuple[str, ...]


def _reach(links: Iterable[Any], made: Iterable[Any]) -> dict[int, tuple[dict[int, str], set[int], int]]:
    """Who contacts → (those assigned to them in the period: id → name, those of them contacted under an assignment
    in force that day, the contacts made), from `links` rows (owner, to, name, starts_on, ends_on) and `made` rows
    (by, to, day): one pass over each, for a 常委 or a 专委会 alike."""
    mine: dict[int, dict[int, str]] = {}
    spans: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = {}
    for owner, to, name, starts, ends in links:
        mine.setdefault(owner, {}).setdefault(to, name)
        spans.setdefault((owner, to), []).append((starts, ends))
    contacted: dict[int, set[int]] = {}
    count: dict[int, int] = {}
    for by, to, day in made:
        count[by] = count.get(by, 0) + 1
        if any(s <= day and (e is None or day <= e) for s, e in spans.get((by, to), ())):
            contacted.setdefault(by, set()).add(to)
    return {owner: (mine.get(owner, {}), contacted.get(owner, set()), count.get(owner, 0))
            for owner in mine.keys() | count.keys()}


def _assigned(standing: Any, start: dt.date, end: dt.date) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(sa.distinct(ContactLink.to_member_id))).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.from_member_id == standing.id,
        _held(start, end)).scalar_subquery()


def _contacted(standing: Any, start: dt.date, end: dt.date) -> sa.ScalarSelect[int]:
    """How many of a 常委's members they contacted in [start, end], while assigned to them."""
    return sa.select(sa.func.count(sa.distinct(Contact.member_id))).join(
        ContactLink, sa.and_(ContactLink.to_member_id == Contact.member_id,
                             ContactLink.from_member_id == Contact.by_member_id)).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, Contact.by_member_id == standing.id,
        Contact.occurred_on.between(start, end), _under_link()).scalar_subquery()


def _contacts(standing: Any, start: dt.date, end: dt.date) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(Contact.id)).where(Contact.by_member_id == standing.id,
                                                      Contact.occurred_on.between(start, end)).scalar_subquery()


def _members(user: User | None) -> sa.Select[tuple[Member]]:
    """Members in `user`'s scope; the whole county for no user (the command line, as the office)."""
    return sa.select(Member) if user is None else scoped(Member, user)


def behind_clause(start: dt.date, end: dt.date) -> sa.ColumnElement[bool]:
    """A 常委 with members assigned in [start, end] who contacted fewer than half of them (联系未过半)."""
    assigned = _assigned(Member, start, end)
    return sa.and_(assigned > 0, _contacted(Member, start, end) * 2 < assigned)


def standing_query(user: User | None, year: int | None = None, half: str = "",
                   behind: bool = False) -> sa.Select[tuple[Member]]:
    """常委 in scope (active), by code: the rows of the coverage view; `behind`: only those 联系未过半 in the
    period."""
    stmt = _members(user).where(Member.is_standing, Member.active)
    if behind and year is not None:
        stmt = stmt.where(behind_clause(*services.window(year, half)))
    return stmt.order_by(Member.code)


def standing_sorts(year: int, half: str) -> dict[str, sa.ColumnElement[Any]]:
    start, end = services.window(year, half)
    return {"name": Member.name, "code": Member.code, "assigned": _assigned(Member, start, end),
            "contacted": _contacted(Member, start, end), "contacts": _contacts(Member, start, end)}


def coverage(standing: Iterable[Member], year: int, half: str = "", user: User | None = None) -> list[Coverage]:
    """The coverage of each of `standing` in the period (three queries, whatever their number); for a `user` of some
    units, of the members of those units only."""
    people = list(standing)
    ids = [m.id for m in people]
    start, end = services.window(year, half)
    seen = _members(user).with_only_columns(Member.id)
    links = db.session.execute(
        sa.select(ContactLink.from_member_id, Member.id, Member.name, ContactLink.starts_on, ContactLink.ends_on)
        .join(Member, Member.id == ContactLink.to_member_id)
        .where(ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.from_member_id.in_(ids),
               Member.id.in_(seen), _held(start, end))
        .order_by(Member.code, ContactLink.starts_on)).all()
    made = db.session.execute(sa.select(Contact.by_member_id, Contact.member_id, Contact.occurred_on).where(
        Contact.by_member_id.in_(ids), Contact.member_id.in_(seen), Contact.occurred_on.between(start, end))).all()
    reached = {m for (m,) in db.session.execute(sa.select(Contact.member_id).distinct().where(
        Contact.occurred_on.between(start, end), Contact.member_id.in_({to for _f, to, *_r in links})))}
    reach = _reach(links, made)
    result = []
    for person in people:
        mine, contacted, count = reach.get(person.id, ({}, set(), 0))
        result.append(Coverage(person, len(mine), len(contacted), count,
                               tuple(name for to, name in mine.items() if to not in reached)))
    return result


def uncontacted_query(year: int, half: str, user: User | None) -> sa.Select[tuple[Member]]:
    """Active members in scope (常委 aside) whom nobody contacted in the period, by code."""
    start, end = services.window(year, half)
    touched = sa.select(Contact.id).where(Contact.member_id == Member.id, Contact.occurred_on.between(start, end))
    return _members(user).where(Member.active, sa.not_(Member.is_standing), ~touched.exists()).order_by(Member.code)


def contacts_of(member_ids: Iterable[int], year: int, half: str = "", user: User | None = None) -> dict[int, str]:
    """Member id → the 常委 assigned to contact them in the period (the latest, if reassigned) if `user` may see
    them, for the uncontacted list."""
    owner = aliased(Member)
    start, end = services.window(year, half)
    rows = db.session.execute(sa.select(ContactLink.to_member_id, owner.name).join(
        owner, owner.id == ContactLink.from_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.to_member_id.in_(list(member_ids)),
        owner.id.in_(_members(user).with_only_columns(Member.id)), _held(start, end))
        .order_by(ContactLink.starts_on))
    return {to: name for to, name in rows}


def uncontacted_sorts() -> dict[str, sa.ColumnElement[Any]]:
    return {"name": Member.name, "code": Member.code}


# --- 专委会联系界别和联络处 ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommitteeCoverage(_Rate):
    """One 专委会 in a period: the 界别 and 联络处 assigned to it, those it contacted, its contacts in all, and those
    it has not contacted yet."""

    unit: Unit
    assigned: int
    contacted: int
    contacts: int
    missing: tuple[str, ...]


def committee_coverage(year: int, half: str = "", user: User | None = None) -> list[CommitteeCoverage]:
    """Each active 专委会 (of the user's units, for a clerk of some) in the period: two queries."""
    start, end = services.window(year, half)
    committees = services.units(UnitKind.COMMITTEE) if user is None else services.scoped_units(
        user, UnitKind.COMMITTEE)
    ids = [c.id for c in committees]
    target = aliased(Unit)
    links = db.session.execute(
        sa.select(ContactLink.from_unit_id, target.id, target.name, ContactLink.starts_on, ContactLink.ends_on)
        .join(target, target.id == ContactLink.to_unit_id)
        .where(ContactLink.kind == ContactLinkKind.COMMITTEE_UNIT, ContactLink.from_unit_id.in_(ids),
               _held(start, end)).order_by(target.sort_order, target.id)).all()
    made = db.session.execute(sa.select(Contact.by_unit_id, Contact.unit_id, Contact.occurred_on).where(
        Contact.by_unit_id.in_(ids), Contact.occurred_on.between(start, end))).all()
    reach = _reach(links, made)
    out = []
    for committee in committees:
        mine, reached, count = reach.get(committee.id, ({}, set(), 0))
        out.append(CommitteeCoverage(committee, len(mine), len(reached), count,
                                     tuple(name for to, name in mine.items() if to not in reached)))
    return out


# --- the printed report --------------------------------------------------------------------------------------------

def report(year: int, half: str = "", user: User | None = None) -> ContactReport:
    """The coverage of the period as the printed report takes it (the whole county for no user)."""
    rows = coverage(db.session.scalars(standing_query(user)), year, half, user)
    people = list(db.session.scalars(uncontacted_query(year, half, user)))
    owners = contacts_of((m.id for m in people), year, half, user)
    committees = committee_coverage(year, half, user)
    entries = list(db.session.scalars(period_entries(year, half, user)))
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # a document prints in Chinese
        title = services.period_label(year, half) + _("四联系情况")
    return ContactReport(
        title=title, year=year,
        standing=[StandingLine(c.member.code, c.member.name, c.member.sector.name, c.assigned, c.contacted, c.rate,
                               c.contacts, c.missing) for c in rows],
        uncontacted=[UncontactedLine(m.code, m.name, m.sector.name, owners.get(m.id, "")) for m in people],
        committees=[CommitteeLine(c.unit.name, c.assigned, c.contacted, c.rate, c.contacts, c.missing)
                    for c in committees],
        masses=[MassLine(e.occurred_on, e.member.code, e.member.name, e.sector.name if e.sector else "",
                         e.form.label, e.people, e.content, e.issues) for e in entries])


# --- the 待办 ------------------------------------------------------------------------------------------------------

def due_halves(today: dt.date) -> list[tuple[int, str]]:
    """The halves whose 待办 reminder is due: of each year still open for recording, this year or last, the half
    containing today (or, for a year past, its second half), from its 4th month (REMIND_AFTER_MONTHS) on."""
    out = []
    for year in sorted(y for y in open_years() if today.year - 1 <= y <= today.year):
        day = min(today, dt.date(year, 12, 31))
        half = services.half_of(day)
        start, _end = services.window(year, half)
        if today >= dt.date(year, start.month + services.REMIND_AFTER_MONTHS, 1):
            out.append((year, half))
    return out


@dataclass(frozen=True)
class Behind:
    """A reminder: in the half, `count` 常委 联系未过半 (the office's), or `count` of a 常委's own members not yet
    contacted (the 常委's)."""

    year: int
    half: str
    count: int


def _cache() -> dict[object, Any]:
    return request.environ.setdefault("siyi.contacts", {}) if has_request_context() else {}


def office_behind(today: dt.date) -> list[Behind]:
    """For each due half, how many active 常委 contacted fewer than half of their members (one query a half, once a
    request)."""
    cache = _cache()
    if ("office", today) not in cache:
        found = []
        for year, half in due_halves(today):
            n = db.session.scalar(sa.select(sa.func.count()).select_from(
                standing_query(None, year, half, behind=True).order_by(None).subquery())) or 0
            found.append(Behind(year, half, n))
        cache[("office", today)] = found
    return list(cache[("office", today)])


def not_yet_contacted(standing_id: int, year: int, half: str) -> sa.Select[tuple[int]]:
    """The members assigned to the 常委 in the half whom they have not contacted (under that assignment) in it."""
    start, end = services.window(year, half)
    mine = aliased(ContactLink)
    done = sa.select(Contact.id).where(
        Contact.by_member_id == standing_id, Contact.member_id == mine.to_member_id,
        Contact.occurred_on.between(start, end), Contact.occurred_on >= mine.starts_on,
        sa.or_(mine.ends_on.is_(None), Contact.occurred_on <= mine.ends_on))
    return sa.select(mine.to_member_id).distinct().where(
        mine.kind == ContactLinkKind.STANDING_MEMBER, mine.from_member_id == standing_id,
        mine.starts_on <= end, sa.or_(mine.ends_on.is_(None), mine.ends_on >= start), ~done.exists())


def own_behind(member: Member, today: dt.date) -> list[Behind]:
    """For a 常委, in each due half, how many of the members assigned to them they have not contacted yet (one query a
    half, once a request); none for anyone else."""
    if not member.is_standing:
        return []
    cache = _cache()
    if (member.id, today) not in cache:
        cache[(member.id, today)] = [
            Behind(year, half, db.session.scalar(sa.select(sa.func.count()).select_from(
                not_yet_contacted(member.id, year, half).subquery())) or 0)
            for year, half in due_halves(today)]
    return list(cache[(member.id, today)])


# --- a member's own page --------------------------------------------------------------------------------------------

def half_in_view(today: dt.date) -> tuple[int, str]:
    """The half a member's page shows: today's, or the last half of the newest appraisal year when it is over."""
    year = min(newest_year(), today.year)
    return year, services.half_of(min(today, dt.date(year, 12, 31)))


@dataclass(frozen=True)
class OwnMember:
    """A member assigned to a 常委 in a half, and the days the 常委 contacted them under that assignment."""

    member: Member
    span: str
    days: tuple[dt.date, ...]


def own_members(standing: Member, year: int, half: str, user: User | None = None) -> list[OwnMember]:
    """The members assigned to a 常委 in the half, by code, with the days they contacted each (two queries); of
    those `user` may see, when given (the 常委 themselves see all theirs)."""
    start, end = services.window(year, half)
    stmt = sa.select(ContactLink, Member).join(Member, Member.id == ContactLink.to_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER, ContactLink.from_member_id == standing.id,
        _held(start, end))
    if user is not None and user.member_id != standing.id:
        stmt = stmt.where(Member.id.in_(_members(user).with_only_columns(Member.id)))
    rows = db.session.execute(stmt.order_by(Member.code, ContactLink.starts_on)).all()
    made = db.session.execute(sa.select(Contact.member_id, Contact.occurred_on).where(
        Contact.by_member_id == standing.id, Contact.occurred_on.between(start, end)).order_by(
        Contact.occurred_on)).all()
    return [OwnMember(member, span_text(link.starts_on, link.ends_on),
                      tuple(day for to, day in made if to == member.id and link.holds_on(day)))
            for link, member in rows]


def keepers_of(member: Member, today: dt.date) -> list[tuple[str, str, str]]:
    """Who keeps in touch with the member now (or from a later day), as far as the user may see: (kind, who, since
    when)."""
    rows = db.session.scalars(scoped(ContactLink).where(
        ContactLink.to_member_id == member.id, sa.or_(ContactLink.ends_on.is_(None), ContactLink.ends_on >= today))
        .order_by(ContactLink.kind, ContactLink.starts_on))
    return [(link.kind.label, link.contact_name, span_text(link.starts_on, link.ends_on)) for link in rows]
