"""Meeting use cases: list, create, invite, mark attendance, submit, verify, return. Flush, never commit.

Two kinds of roll: CPPCC meetings (全体会议, 视察 …) invite members (Attendance.member_id), are organised by a
CPPCC unit and kept by its clerks; a branch's 组织生活 invites the branch's party members
(Attendance.party_member_id), is organised by the branch and kept by its liaison. The office keeps both. A
meeting never mixes the two: `party_life()` decides which table every id of a meeting refers to.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import scoped, unit_ids, units_below
from app.extensions import db
from app.models import (AppraisalYear, Attendance, AttendanceStatus, Meeting, MeetingKind, Member, PartyMember,
                        PartyStatus, RecordState, Role, Unit, UnitKind, User)
from app.timeutil import beijing_today, utcnow

CPPCC_KINDS = (UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
MEMBER_KINDS = tuple(k for k in MeetingKind if k != MeetingKind.PARTY_LIFE)
EDITABLE = (RecordState.DRAFT, RecordState.RETURNED)
MEETING_FIELDS = ("kind", "title", "held_on", "unit_id", "location")
ORGANISER_KINDS = {Role.CLERK: CPPCC_KINDS, Role.LIAISON: (UnitKind.BRANCH,),
                   Role.OFFICE: (*CPPCC_KINDS, UnitKind.BRANCH)}


class StaleMeeting(Exception):
    """The meeting changed since the form was shown: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(_("该会议已被他人修改，您的修改未保存。请刷新页面后重新录入。"))


def meeting_query(kind: str = "", start: dt.date | None = None, end: dt.date | None = None,
                  unit_id: int | None = None) -> sa.Select[tuple[Meeting]]:
    """Meetings the signed-in user may see, newest first."""
    stmt = scoped(Meeting)
    if kind in MeetingKind.__members__:
        stmt = stmt.where(Meeting.kind == MeetingKind[kind])
    if start:
        stmt = stmt.where(Meeting.held_on >= start)
    if end:
        stmt = stmt.where(Meeting.held_on <= end)
    if unit_id:
        stmt = stmt.where(Meeting.unit_id == unit_id)
    return stmt.order_by(Meeting.held_on.desc(), Meeting.id.desc())


def status_counts(meeting_ids: list[int]) -> dict[int, dict[AttendanceStatus, int]]:
    """For each meeting, how many invited members had each status."""
    counts: dict[int, dict[AttendanceStatus, int]] = {}
    if meeting_ids:
        for meeting_id, status, n in db.session.execute(
                sa.select(Attendance.meeting_id, Attendance.status, sa.func.count())
                .where(Attendance.meeting_id.in_(meeting_ids)).group_by(Attendance.meeting_id, Attendance.status)):
            counts.setdefault(meeting_id, {})[status] = n
    return counts


def party_life(meeting: Meeting) -> bool:
    """Whether the meeting's roll is party members (组织生活) rather than CPPCC members."""
    return meeting.kind == MeetingKind.PARTY_LIFE


def kinds_for(user: User) -> tuple[MeetingKind, ...]:
    """The meeting kinds a user creates (and filters by): clerks CPPCC kinds, liaisons 组织生活, others all."""
    if user.role == Role.CLERK:
        return MEMBER_KINDS
    if user.role == Role.LIAISON:
        return (MeetingKind.PARTY_LIFE,)
    return tuple(MeetingKind)


def organisers(user: User) -> list[Unit]:
    """Active units the user may organise a meeting for: a clerk's CPPCC units, a liaison's branches (each with
    those below), the office any of both."""
    kinds = ORGANISER_KINDS.get(user.role, ())
    stmt = sa.select(Unit).where(Unit.kind.in_(kinds), Unit.active)
    if user.role != Role.OFFICE:
        stmt = stmt.where(Unit.id.in_(unit_ids(user) or set()))
    return list(db.session.scalars(stmt.order_by(Unit.kind, Unit.sort_order, Unit.id)))


def default_invitees(kind: MeetingKind, unit_id: int, user: User) -> list[Member] | list[PartyMember]:
    """Who a new meeting invites: 全体会议 every active member, 常委会议 every 常委, 组织生活 the organising
    branch's active party members, otherwise the organiser's members; always limited to whom the user may see."""
    if kind == MeetingKind.PARTY_LIFE:
        return list(db.session.scalars(scoped(PartyMember, user).where(PartyMember.active,
                                                                       PartyMember.branch_id == unit_id)
                                       .order_by(PartyMember.status, PartyMember.code)))
    stmt = scoped(Member, user).where(Member.active)
    if kind == MeetingKind.STANDING:
        stmt = stmt.where(Member.is_standing)
    elif kind != MeetingKind.PLENARY:
        ids = units_below([unit_id])
        stmt = stmt.where(sa.or_(Member.sector_id.in_(ids), Member.committee_id.in_(ids),
                                 Member.liaison_id.in_(ids)))
    return list(db.session.scalars(stmt.order_by(Member.code)))


def check_date(held_on: dt.date, today: dt.date | None = None) -> list[str]:
    """Errors for a meeting date: not in the future, inside an appraisal year still open for recording."""
    today = today or beijing_today()
    if held_on > today:
        return [_("会议日期不能晚于今天。")]
    year = db.session.get(AppraisalYear, held_on.year)
    if year is None or year.recording_closed_at is not None:
        return [_("会议日期不在开放录入的考评年度内。")]
    return []


def create_meeting(data: Mapping[str, Any], user: User, ip: str = "") -> tuple[Meeting | None, dict[str, list[str]]]:
    """A new draft meeting with the default invitees, all marked 出席; or errors by field."""
    errors: dict[str, list[str]] = {}
    if date_errors := check_date(data["held_on"]):
        errors["held_on"] = date_errors
    kind = MeetingKind[data["kind"]] if data["kind"] in MeetingKind.__members__ else None
    if kind not in kinds_for(user):
        errors["kind"] = [_("您不能创建这种会议。")]
    unit = next((u for u in organisers(user) if u.id == data["unit_id"]), None)
    if unit is None:
        errors["unit_id"] = [_("请选择您负责的组织单位。")]
    elif kind is not None and (kind == MeetingKind.PARTY_LIFE) != (unit.kind == UnitKind.BRANCH):
        errors["unit_id"] = [_("组织生活由党支部组织，其他会议和活动由政协组织单位组织。")]
    if errors:
        return None, errors
    assert kind is not None
    meeting = Meeting(kind=kind, title=data["title"].strip(), held_on=data["held_on"], unit_id=data["unit_id"],
                      location=(data.get("location") or "").strip(), created_by_id=user.id)
    invitees = default_invitees(kind, meeting.unit_id, user)
    meeting.attendance = [_invite(meeting, person.id) for person in invitees]
    db.session.add(meeting)
    db.session.flush()
    after = audit.snapshot(meeting, MEETING_FIELDS) | {"invited": [m.name for m in invitees]}
    audit.record(user, "create", "meeting", meeting.id, audit.diff({}, after), ip=ip)
    return meeting, {}


def can_edit(meeting: Meeting, user: User) -> bool:
    """Clerks (liaisons, for 组织生活) change drafts and returned meetings; the office may also correct submitted
    and verified ones."""
    if meeting.locked:
        return False
    if user.role == Role.OFFICE:
        return True
    keeper = Role.LIAISON if party_life(meeting) else Role.CLERK
    return user.role == keeper and meeting.state in EDITABLE


def can_manage_invitees(meeting: Meeting, user: User) -> bool:
    """Only the organiser's clerks or liaison (or the office) choose who is invited."""
    if not can_edit(meeting, user):
        return False
    ids = unit_ids(user)
    return ids is None or meeting.unit_id in ids


def _check_version(meeting: Meeting, version: int | None) -> None:
    if version != meeting.version:
        raise StaleMeeting()


def touch(meeting: Meeting, version: int) -> None:
    """Bump the version even when only attendance rows changed, so a concurrent save is refused.

    :raises StaleMeeting: when another transaction bumped it first.
    """
    db.session.flush()
    if meeting.version != version:  # the ORM's own UPDATE already checked and bumped it
        return
    result = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.version == version)
        .values(version=version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleMeeting()
    sa.orm.attributes.set_committed_value(meeting, "version", version + 1)


def attendee_id(meeting: Meeting, row: Attendance) -> int | None:
    """The id a row is keyed by on the sheet: the party member's at 组织生活, else the member's."""
    return row.party_member_id if party_life(meeting) else row.member_id


def _invite(meeting: Meeting, person_id: int) -> Attendance:
    if party_life(meeting):
        return Attendance(party_member_id=person_id, status=AttendanceStatus.PRESENT)
    return Attendance(member_id=person_id, status=AttendanceStatus.PRESENT)


def visible_rows(meeting: Meeting, user: User) -> tuple[list[Attendance], int]:
    """The invitees the user may see on the attendance screen, and how many others there are.

    The people and their 界别 (or enterprise) are loaded in one go, so neither the sort nor the sheet lazy-loads
    per row.
    """
    ids = {attendee_id(meeting, a) for a in meeting.attendance} - {None}
    if party_life(meeting):
        people = list(db.session.scalars(scoped(PartyMember, user).where(PartyMember.id.in_(ids))
                                         .options(selectinload(PartyMember.enterprise)))) if ids else []
        in_scope = {p.id for p in people}
        rows = sorted((a for a in meeting.attendance if a.party_member_id in in_scope),
                      key=lambda a: (a.party_member.status != PartyStatus.FULL, a.party_member.code))
    else:
        members = list(db.session.scalars(scoped(Member, user).where(Member.id.in_(ids))
                                          .options(selectinload(Member.sector)))) if ids else []
        in_scope = {m.id for m in members}
        rows = sorted((a for a in meeting.attendance if a.member_id in in_scope),
                      key=lambda a: (not a.member.is_standing, a.member.code))
    return rows, len(meeting.attendance) - len(rows)


def visible_attendance(user: User) -> Callable[[Attendance], bool] | None:
    """Whether the user may see an invitee, as on the attendance screen; None: everyone (the county roles).

    A clerk sees a county meeting their members were invited to, but not the other units' invitees. Two queries
    of the ids in scope, not one per meeting.
    """
    if unit_ids(user) is None:
        return None
    members = set(db.session.scalars(scoped(Member, user).with_only_columns(Member.id)))
    party = set(db.session.scalars(scoped(PartyMember, user).with_only_columns(PartyMember.id)))
    return lambda a: a.member_id in members if a.member_id is not None else a.party_member_id in party


def _people(meeting: Meeting) -> type[Member] | type[PartyMember]:
    return PartyMember if party_life(meeting) else Member


def in_scope_member_ids(ids: set[int], user: User, model: type[Member] | type[PartyMember] = Member) -> set[int]:
    """The ids among `ids` of members (or party members) the user may see."""
    if not ids:
        return set()
    return set(db.session.scalars(scoped(model, user).with_only_columns(model.id).where(model.id.in_(ids))))


def _names(ids: set[int], model: type[Member] | type[PartyMember] = Member) -> dict[int, str]:
    """Members' (or party members') names by id, in one query (for the audit log)."""
    if not ids:
        return {}
    return {i: name for i, name in db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids)))}


def save_attendance(meeting: Meeting, version: int | None, marks: Mapping[int, tuple[str, str]], user: User,
                    submit: bool = False, ip: str = "") -> list[str]:
    """Apply {member id: (status name, note)} to the meeting's invitees; errors, empty when saved.

    The ids are party members' at 组织生活, members' otherwise. Every id must be an invitee in the user's scope and
    every status known, or nothing changes.
    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    model = _people(meeting)
    rows = {attendee_id(meeting, a): a for a in meeting.attendance}
    allowed = in_scope_member_ids(set(marks), user, model)
    errors = []
    if any(i not in rows or i not in allowed for i in marks):
        errors.append(_("包含未受邀或不在您负责范围内的党员，未保存。") if model is PartyMember
                      else _("包含未受邀或不在您负责范围内的委员，未保存。"))
    if submit and meeting.state not in EDITABLE:
        errors.append(_("只有草稿或退回的记录可以提交。"))
    if any(status not in AttendanceStatus.__members__ for status, _note in marks.values()):
        errors.append(_("出席情况无效，未保存。"))
    if errors:
        return errors
    names = _names(set(marks), model)
    for member_id, (status_name, note) in marks.items():
        row = rows[member_id]
        before = audit.snapshot(row, ("status", "note"))
        row.status = AttendanceStatus[status_name]
        row.note = note.strip()[:200]
        if changes := audit.diff(before, audit.snapshot(row, ("status", "note"))):
            audit.record(user, "update", "attendance", row.id, changes, reason=names[member_id], ip=ip)
    if submit:
        audit.record(user, "update", "meeting", meeting.id, {"state": (meeting.state, RecordState.SUBMITTED)}, ip=ip)
        meeting.state = RecordState.SUBMITTED
        meeting.submitted_at = utcnow()
    touch(meeting, meeting.version)
    return []


def set_invitees(meeting: Meeting, version: int | None, wanted: set[int], user: User, ip: str = "") -> list[str]:
    """Invite exactly `wanted` among the people the user may see; others' invitations stay as they are.

    At 组织生活 `wanted` are party members of the organising branch; otherwise members.
    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    model = _people(meeting)
    if model is PartyMember:
        if not wanted <= {p.id for p in invitable_members(user, meeting)}:
            return [_("只能邀请本支部您负责范围内的党员，未保存。")]
    elif in_scope_member_ids(wanted, user) != wanted:
        return [_("包含不在您负责范围内的委员，未保存。")]
    current = {attendee_id(meeting, a): a for a in meeting.attendance}
    visible = in_scope_member_ids(set(current) - {None}, user, model)  # type: ignore[arg-type]
    removed = [current[i] for i in visible - wanted]
    added = sorted(wanted - set(current))
    for row in removed:
        meeting.attendance.remove(row)
    names = _names({attendee_id(meeting, r) for r in removed} | set(added), model)  # type: ignore[arg-type]
    for person_id in added:
        meeting.attendance.append(_invite(meeting, person_id))
    if removed or added:
        audit.record(user, "update", "meeting", meeting.id,
                     {"invited": ([names[attendee_id(meeting, r)] for r in removed],  # type: ignore[index]
                                  [names[i] for i in added])}, ip=ip)
        touch(meeting, meeting.version)
    db.session.flush()
    return []


def invitable_members(user: User, meeting: Meeting | None = None) -> list[Member] | list[PartyMember]:
    """Active members the user may see; for 组织生活, the organising branch's active party members."""
    if meeting is not None and party_life(meeting):
        return list(db.session.scalars(scoped(PartyMember, user).where(PartyMember.active,
                                                                       PartyMember.branch_id == meeting.unit_id)
                                       .order_by(PartyMember.status, PartyMember.code)))
    return list(db.session.scalars(scoped(Member, user).where(Member.active).order_by(Member.code)))


def verify(meeting: Meeting, version: int | None, user: User, ip: str = "") -> list[str]:
    """核实 a submitted meeting: from now on its attendance counts in scoring.

    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    if meeting.state != RecordState.SUBMITTED:
        return [_("只能核实已提交的会议。")]
    audit.record(user, "update", "meeting", meeting.id, {"state": (meeting.state, RecordState.VERIFIED)}, ip=ip)
    meeting.state = RecordState.VERIFIED
    meeting.verified_by_id = user.id
    meeting.verified_at = utcnow()
    meeting.return_reason = ""
    db.session.flush()
    return []


def send_back(meeting: Meeting, version: int | None, reason: str, user: User, ip: str = "") -> list[str]:
    """退回 a submitted meeting to its clerks (or liaison) with a reason.

    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    if meeting.state != RecordState.SUBMITTED:
        return [_("只能退回已提交的会议。")]
    audit.record(user, "update", "meeting", meeting.id, {"state": (meeting.state, RecordState.RETURNED)},
                 reason=reason.strip(), ip=ip)
    meeting.state = RecordState.RETURNED
    meeting.return_reason = reason.strip()
    db.session.flush()
    return []
