"""Data scope: the one place that says which rows a user may see and change.

Every list and every fetch-by-id goes through `scoped()` or `get_or_404()`; views never filter by role
themselves. office, leader and admin see the county; clerks and liaisons see their units and the units below
them; a member sees only their own dossier.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import (Activity, Attendance, BranchResult, BranchVisit, Contact, ContactLink, Counterpart, Enterprise,
                        Evidence, Followup, MassContact, Meeting, Member, Pairing, PairingEntry, PartyMember, Project,
                        ProjectProgress, ProjectService, Role, Unit, User)

T = TypeVar("T")
COUNTY_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})


def unit_ids(user: User) -> set[int] | None:
    """The units a user acts for, with every unit below them; None means the whole county.

    Worked out once per request (a page asks several times), never across requests: units may change.
    """
    if user.role in COUNTY_ROLES:
        return None
    if user.role == Role.MEMBER:
        return set()
    cache = request.environ.setdefault("siyi.scope_unit_ids", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = _units_below(user)
    return set(cache[user.id])


def _units_below(user: User) -> set[int]:
    return units_below(u.id for u in user.units)


def units_below(unit_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them in the tree (one query)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(sa.select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    found: set[int] = set()
    stack = list(unit_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id not in found:
            found.add(unit_id)
            stack.extend(children.get(unit_id, ()))
    return found


def _member_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    if user.role == Role.MEMBER:
        return Member.id == user.member_id if user.member_id else sa.false()
    return sa.or_(Member.sector_id.in_(ids), Member.committee_id.in_(ids), Member.liaison_id.in_(ids))


def _party_member_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    return PartyMember.branch_id.in_(ids)


def _activity_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    members = sa.select(Member.id).where(_member_clause(user, ids))
    if user.role == Role.MEMBER:
        return Activity.member_id.in_(members)
    party_members = sa.select(PartyMember.id).where(_party_member_clause(user, ids))
    return sa.or_(Activity.unit_id.in_(ids), Activity.member_id.in_(members),
                  Activity.party_member_id.in_(party_members))


def _meeting_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    invited = sa.select(Attendance.meeting_id).where(
        Attendance.member_id.in_(sa.select(Member.id).where(_member_clause(user, ids))))
    if user.role == Role.MEMBER:
        return Meeting.id.in_(invited)
    return sa.or_(Meeting.unit_id.in_(ids), Meeting.id.in_(invited))


def _register_clause(model: Any) -> Callable[[User, set[int]], sa.ColumnElement[bool]]:
    """A register's rows (a pairing, a project): a member's own; a clerk's, their units' members' and their units'."""
    def clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
        members = model.member_id.in_(sa.select(Member.id).where(_member_clause(user, ids)))
        return members if user.role == Role.MEMBER else sa.or_(members, model.unit_id.in_(ids))
    return clause


_pairing_clause = _register_clause(Pairing)
_project_clause = _register_clause(Project)


def _counterpart_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    """The counterparts of the pairings in scope, and those the user's units registered."""
    paired = Counterpart.id.in_(sa.select(Pairing.counterpart_id).where(_pairing_clause(user, ids)))
    return paired if user.role == Role.MEMBER else sa.or_(paired, Counterpart.entered_by_unit_id.in_(ids))
def _link_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    """A member-to-member assignment both ends of which are the user's units' members (a leader named is no
    one's); a 专委会's assignment with a 界别 or 联络处 either unit of which is theirs. A member: those they keep
    (a 常委's members) and those that keep them."""
    if user.role == Role.MEMBER:
        me = user.member_id or 0
        return sa.or_(ContactLink.from_member_id == me, ContactLink.to_member_id == me)
    members = sa.select(Member.id).where(_member_clause(user, ids))
    return sa.or_(sa.and_(ContactLink.to_member_id.in_(members), sa.or_(
                      ContactLink.from_member_id.is_(None), ContactLink.from_member_id.in_(members))),
                  ContactLink.from_unit_id.in_(ids), ContactLink.to_unit_id.in_(ids))


def _contact_clause(user: User, ids: set[int]) -> sa.ColumnElement[bool]:
    """A contact with a member both ends of which are the user's units' (a leader named is no one's); a
    专委会's contact with a unit, either unit of which is theirs. A member: the contacts they made."""
    if user.role == Role.MEMBER:
        return Contact.by_member_id == (user.member_id or 0)
    members = sa.select(Member.id).where(_member_clause(user, ids))
    return sa.or_(sa.and_(Contact.member_id.in_(members),
                          sa.or_(Contact.by_member_id.is_(None), Contact.by_member_id.in_(members))),
                  Contact.by_unit_id.in_(ids), Contact.unit_id.in_(ids))


CLAUSES: dict[type, Callable[[User, set[int]], sa.ColumnElement[bool]]] = {
    Unit: lambda user, ids: Unit.id.in_(ids),
    Enterprise: lambda user, ids: Enterprise.branch_id.in_(ids),
    Member: _member_clause,
    PartyMember: _party_member_clause,
    Activity: _activity_clause,
    Evidence: lambda user, ids: Evidence.activity_id.in_(sa.select(Activity.id).where(_activity_clause(user, ids))),
    Meeting: _meeting_clause,
    Attendance: lambda user, ids: Attendance.meeting_id.in_(sa.select(Meeting.id).where(_meeting_clause(user, ids))),
    BranchResult: lambda user, ids: BranchResult.branch_id.in_(ids),
    # a 通报 case: a clerk reads those of their units' members (the routes keep members out altogether)
    Followup: lambda user, ids: Followup.member_id.in_(sa.select(Member.id).where(_member_clause(user, ids))),
    Pairing: _pairing_clause,
    PairingEntry: lambda user, ids: PairingEntry.pairing_id.in_(
        sa.select(Pairing.id).where(_pairing_clause(user, ids))),
    Counterpart: _counterpart_clause,
    Project: _project_clause,
    ProjectProgress: lambda user, ids: ProjectProgress.project_id.in_(sa.select(Project.id).where(
        _project_clause(user, ids))),
    ProjectService: lambda user, ids: ProjectService.project_id.in_(sa.select(Project.id).where(
        _project_clause(user, ids))),
    BranchVisit: lambda user, ids: BranchVisit.branch_id.in_(ids),
    # 四联系: an assignment or a contact both ends of which are the user's units' (a leader named is no one's)
    ContactLink: _link_clause,
    Contact: _contact_clause,
    # 委员联系界别群众: the entries of the user's units' members; a member's own
    MassContact: lambda user, ids: MassContact.member_id.in_(sa.select(Member.id).where(_member_clause(user, ids))),
}


def clause(model: type, user: User | None = None) -> sa.ColumnElement[bool]:
    """The WHERE condition limiting `model` to what `user` (default: the signed-in user) may see."""
    user = user if user is not None else current_user
    if not getattr(user, "is_authenticated", False):
        return sa.false()
    ids = unit_ids(user)
    if ids is None:
        return sa.true()
    try:
        return CLAUSES[model](user, ids)
    except KeyError:
        raise LookupError(f"no data scope is defined for {model.__name__}") from None


def scoped(model: type[T], user: User | None = None) -> sa.Select[tuple[T]]:
    """`select(model)` limited to the user's scope: the start of every list query."""
    return sa.select(model).where(clause(model, user))


def get_or_404(model: type[T], ident: Any, user: User | None = None) -> T:
    """Fetch one row the user may see.

    :raises 404: when it does not exist or lies outside the user's scope (the two look the same).
    """
    pk = sa.inspect(model).primary_key[0]
    row = db.session.scalar(scoped(model, user).where(pk == ident))
    if row is None:
        abort(404)
    return row


def part_or_404(model: type[T], ident: Any, owner: str, owner_id: int, user: User | None = None) -> T:
    """Fetch one row the user may see that belongs to the row `owner_id` (by its column `owner`): an entry of a
    pairing, a stage of a project, a visit of a branch.

    :raises 404: when it does not exist, lies outside the user's scope or belongs to another row.
    """
    row = get_or_404(model, ident, user)
    if getattr(row, owner) != owner_id:
        abort(404)
    return row
