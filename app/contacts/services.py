"""四联系 (实施意见 §三.3), what its parts share: who reads and writes, the half-years, the choices the forms offer,
the checks of a contact's date, and the 履职记录 a contact files so the rules count it. Flush, never commit.

The parts: app.contacts.links (who is assigned to contact whom, from when to when), app.contacts.log (the contacts
made: 常委联系委员, 县政协领导联系常委, 专委会联系界别和联络处), app.contacts.masses (委员联系界别群众), and
app.contacts.coverage (who is behind: the coverage views, the printed report and the 待办 reminders).

A contact a 常委 makes files a 履职记录 of the kind `CONTACT_KIND`, and a member's contact with the masses one of the
kind `MASSES_KIND`, when the year's members' rule file declares the kind; so a rule counts contacts as it counts any
record (a gate “每半年联系委员不少于 N 次” is a `min_count`). The office's entries are 已核实 at once; a clerk's are
已提交 for the office to verify, and a member's own are 已提交 as their own report, verified like any.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit, timetable
from app.activities.services import open_years, ruleset_for
from app.auth.scope import clause, scoped, unit_ids
from app.extensions import db
from app.models import (Activity, Category, Contact, MassContact, Member, RecordState, Role, Unit, UnitKind,
                        User)
from app.timeutil import beijing_today, utcnow

Errors = dict[str, list[str]]
CONTACT_KIND = "联系委员"  # the rule-file kind a 常委's contact files as a 履职记录
MASSES_KIND = "联系界别群众"  # the rule-file kind a member's contact with the masses of their 界别 files
READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)
LINK_WRITERS = (Role.ADMIN, Role.OFFICE)
LOG_WRITERS = (Role.ADMIN, Role.OFFICE, Role.CLERK)
HALVES = ("H1", "H2")
TARGET_UNIT_KINDS = (UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
REMIND_AFTER_MONTHS = 3  # the 待办 tells who is behind from the half's 4th month (1 April, 1 October)


def add_error(errors: Errors, field: str, text: str) -> None:
    errors.setdefault(field, []).append(text)


# --- the half-years ------------------------------------------------------------------------------------------------

def window(year: int, half: str = "") -> tuple[dt.date, dt.date]:
    """The days of the half (H1: 1 Jan – 30 Jun, H2: 1 Jul – 31 Dec) or of the whole year."""
    if half == "H1":
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    if half == "H2":
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def half_of(day: dt.date) -> str:
    return "H1" if day.month <= 6 else "H2"


def period_label(year: int, half: str = "") -> str:
    return {"H1": _("%(year)s年上半年", year=year), "H2": _("%(year)s年下半年", year=year)}.get(
        half, _("%(year)s年全年", year=year))


def years() -> list[int]:
    """Years to choose from: those open for recording and those with contacts, newest first."""
    found = set(open_years()) | {int(y) for y in db.session.scalars(
        sa.select(sa.extract("year", Contact.occurred_on)).distinct().where(clause(Contact)))}
    found |= {int(y) for y in db.session.scalars(
        sa.select(sa.extract("year", MassContact.occurred_on)).distinct().where(clause(MassContact)))}
    found.add(beijing_today().year)
    return sorted(found, reverse=True)


# --- what the forms offer ------------------------------------------------------------------------------------------

def members() -> list[Member]:
    """Active members the user may see, by code (a clerk: their units')."""
    return list(db.session.scalars(scoped(Member).where(Member.active).order_by(Member.code)))


def units(*kinds: UnitKind) -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.kind.in_(kinds), Unit.active)
                                   .order_by(Unit.sort_order, Unit.id)))


def scope_of(user: User | None) -> set[int] | None:
    """The units the user acts for (app.auth.scope.unit_ids); None for the whole county, and for no user (the
    command line acts as the office)."""
    return None if user is None else unit_ids(user)


def scoped_units(user: User | None, *kinds: UnitKind) -> list[Unit]:
    """Active units of `kinds` the user acts for (the office: all)."""
    ids = scope_of(user)
    return [u for u in units(*kinds) if ids is None or u.id in ids]


# --- checks -------------------------------------------------------------------------------------------------------

def check_day(day: dt.date | None, user: User | None) -> str:
    """What is wrong with a contact's date, or "": given, not after today, in a year open for recording, and for a
    clerk not after the year's 录入截止 (app.timetable)."""
    today = beijing_today()
    if day is None:
        return _("请填写日期。")
    if day > today:
        return _("日期不能晚于今天。")
    if day.year not in open_years():
        return _("%(year)s 年不是开放录入的考评年度。", year=day.year)
    closed = timetable.entry_closed(user, today)
    if day.year in closed:
        return timetable.entry_closed_text(day.year, closed[day.year])
    return ""


def may_log_for(user: User | None, member: Member | None) -> bool:
    """The office logs anyone's contacts; a clerk those of a member of their units; a member their own."""
    if user is not None and user.role == Role.MEMBER:
        return member is not None and member.id == user.member_id
    scope = scope_of(user)
    if scope is None:
        return True
    return member is not None and bool(member.unit_ids & scope)


# --- the record a contact files -----------------------------------------------------------------------------------

def file_record(kind: str, member: Member, day: dt.date, title: str, description: str,
                user: User | None) -> Activity | None:
    """The 履职记录 of `member` a contact files, when the year's members' rule file declares `kind`; else none. The
    office's is 已核实; a clerk's 已提交 for the office, entered by a unit of theirs the member belongs to; a
    member's own 已提交 as their own report (verified as the office's setting says)."""
    ruleset = ruleset_for(day.year, "members")
    spec = ruleset.kinds.get(kind) if ruleset is not None else None
    if spec is None:
        return None
    scope = scope_of(user)
    office = scope is None
    own = user is not None and user.role == Role.MEMBER
    now = utcnow()
    category = next((c for c in Category if c.label == spec.category), Category.OTHER)
    activity = Activity(
        unit_id=member.sector_id, member_id=member.id, category=category, kind=kind, title=title[:200],
        description=description, occurred_on=day, created_by_id=user.id if user else None, self_reported=own,
        entered_by_unit_id=None if office or own else min(member.unit_ids & (scope or set())),
        state=RecordState.VERIFIED if office else RecordState.SUBMITTED, submitted_at=now,
        verified_by_id=user.id if office and user else None, verified_at=now if office else None)
    db.session.add(activity)
    db.session.flush()
    audit.record(user, "create", "activity", activity.id, {
        "member_id": (None, member.id), "kind": (None, kind), "title": (None, activity.title),
        "occurred_on": (None, activity.occurred_on), "state": (None, activity.state)})
    return activity


def record_blocks_removal(activity: Activity | None, user: User | None) -> str:
    """Why a contact whose filed record is `activity` may not be removed by `user`, else "": a record that fed a
    final award list stays; a verified one is the office's to remove."""
    if activity is None:
        return ""
    if activity.locked:
        return _("这条联系记录计入的履职记录已用于定稿的表彰名单，不能删除。")
    if activity.state == RecordState.VERIFIED and scope_of(user) is not None:
        return _("这条联系记录计入的履职记录已核实，请由活动领导小组办公室删除。")
    return ""


def drop_record(activity: Activity | None, user: User | None) -> None:
    if activity is not None:
        audit.record(user, "delete", "activity", activity.id, {"title": (activity.title, None)})
        db.session.delete(activity)
