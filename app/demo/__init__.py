"""The demo county: `flask demo` builds a believable county from a seed; same seed, same rows (ids included).

`build_demo` runs the parts in a fixed order (county, records, meetings, branches), all drawing from one seeded
random generator; the command is in app/demo/cli.py."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.passwords import hash_password
from app.demo.branches import build_branch_results, build_party_life
from app.demo.contacts import build_contacts
from app.demo.coverage import build_coverage, build_owners
from app.demo.county import (Names, build_calendar, build_members, build_organisation, build_party_members,
                             build_units, build_users, demo_user)
from app.demo.meetings import build_checkin_meeting, build_meeting_notice, build_meetings
from app.demo.registers import build_pairings, build_projects
from app.demo.records import build_member_records, build_party_records, build_unit_records
from app.demo.vocabulary import LAST_STAMP
from app.extensions import db
from app.models import (Activity, Attendance, AttendanceStatus, BranchResult, Category, Meeting, Member, PartyMember,
                        PartyStatus, RecordState, Role, Unit, UnitKind, User)

DEFAULT_SEED = 2025
PASSWORD = "demo2025"  # demo accounts sign in only in demo mode, never in production  # nosec B105

__all__ = ["DEFAULT_SEED", "LAST_STAMP", "PASSWORD", "DemoSummary", "build_demo", "database_has_data", "summarize"]


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` made, for the command's report and for tests."""

    seed: int
    units: dict[str, int]  # by UnitKind label
    members: int
    standing: int
    inactive: int
    party_members: int
    probationary: int
    records: dict[str, dict[str, int]]  # category label -> state label -> count
    meetings: int
    attendance: dict[str, int]  # status label -> count
    branch_results: int
    users: int


def database_has_data() -> bool:
    """True when any unit, member or account exists: demo data must never mix with real data."""
    return any(db.session.scalar(sa.select(model.id).limit(1)) is not None for model in (Unit, Member, User))


def build_demo(seed: int = DEFAULT_SEED) -> DemoSummary:
    """Build the demo county in the current session and flush; the caller commits. Needs an empty database."""
    rng = random.Random(seed)  # made-up demo data, the same for the same seed; no secret  # nosec B311
    password_hash = hash_password(PASSWORD, current_app.config)  # once: argon2 is slow on purpose
    county = build_units(rng)
    build_organisation()
    term = build_calendar()
    build_users(county, password_hash)
    names = Names(rng)
    members = build_members(county, names, term)
    people = build_party_members(county, names)
    clerk_committee, clerk_liaison = county.unit_named("提案委员会"), county.unit_named("大源镇联络处")
    model = next(m for m in members if m.active and not m.is_standing and m.committee is clerk_committee)
    model.liaison = clerk_liaison  # so the demo clerk sees the demo member
    db.session.flush()
    county.users["member"] = demo_user("member", model.name, Role.MEMBER, password_hash, 10, member_id=model.id)
    db.session.flush()
    build_member_records(county, members, model)
    build_unit_records(county, members)
    build_party_records(county, people)
    build_meetings(county, members, model)
    build_checkin_meeting(county, members, model)
    build_branch_results(county, people)
    build_party_life(county, people)
    build_pairings()
    build_projects()
    behind = build_contacts(county, members, seed, model)
    county.users["standing"] = demo_user("standing", behind.name, Role.MEMBER, password_hash, 11,
                                         member_id=behind.id)  # a 常委 behind with their contacts: the 待办 says so
    build_coverage(county, people)
    build_owners(county)
    db.session.flush()
    build_meeting_notice(county, members, model, behind)
    db.session.flush()
    return summarize(seed)


def summarize(seed: int) -> DemoSummary:
    """Count what the database holds, as the command reports it."""
    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    by_record = {(c, s): n for c, s, n in db.session.execute(
        sa.select(Activity.category, Activity.state, sa.func.count()).group_by(Activity.category, Activity.state))}
    records = {c.label: {s.label: by_record[c, s] for s in RecordState if (c, s) in by_record} for c in Category}
    by_status = dict(db.session.execute(
        sa.select(Attendance.status, sa.func.count()).group_by(Attendance.status)).all())
    attendance = {s.label: by_status[s] for s in AttendanceStatus if s in by_status}
    by_kind = dict(db.session.execute(sa.select(Unit.kind, sa.func.count()).group_by(Unit.kind)).all())
    units = {k.label: by_kind[k] for k in UnitKind if k in by_kind}
    return DemoSummary(
        seed=seed, units=units, members=count(Member), standing=count(Member, Member.is_standing),
        inactive=count(Member, ~Member.active), party_members=count(PartyMember),
        probationary=count(PartyMember, PartyMember.status == PartyStatus.PROBATIONARY), records=records,
        meetings=count(Meeting), attendance=attendance, branch_results=count(BranchResult), users=count(User))
