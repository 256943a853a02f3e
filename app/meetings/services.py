"""Meeting use cases: list, create, invite, mark attendance, submit, verify, return. Flush, never commit.

Party branches' 组织生活 (party members attending) is not handled here yet: members only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import scoped, unit_ids, units_below
from app.extensions import db
from app.models import (AppraisalYear, Attendance, AttendanceStatus, Meeting, MeetingKind, Member, RecordState,
                        Role, Unit, UnitKind, User)
from app.timeutil import utcnow

CPPCC_KINDS = (UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
MEMBER_KINDS = tuple(k for k in MeetingKind if k != MeetingKind.PARTY_LIFE)
EDITABLE = (RecordState.DRAFT, RecordState.RETURNED)
MEETING_FIELDS = ("kind", "title", "held_on", "unit_id", "location")


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


def organiser_choices(user: User) -> list[tuple[int, str]]:
    """CPPCC units the user may organise a meeting for: the office any, a clerk their own and those below."""
    stmt = sa.select(Unit).where(Unit.kind.in_(CPPCC_KINDS), Unit.active)
    if user.role != Role.OFFICE:
        stmt = stmt.where(Unit.id.in_(unit_ids(user) or set()))
    return [(u.id, u.name) for u in db.session.scalars(stmt.order_by(Unit.kind, Unit.sort_order, Unit.id))]


def default_invitees(kind: MeetingKind, unit_id: int, user: User) -> list[Member]:
    """Who a new meeting invites: 全体会议 every active member, 常委会议 every 常委, otherwise the organiser's
    members; always limited to the members the user may see."""
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
    today = today or dt.date.today()
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
    if data["unit_id"] not in {i for i, _name in organiser_choices(user)}:
        errors["unit_id"] = [_("请选择您负责的组织单位。")]
    if errors:
        return None, errors
    kind = MeetingKind[data["kind"]]
    meeting = Meeting(kind=kind, title=data["title"].strip(), held_on=data["held_on"], unit_id=data["unit_id"],
                      location=(data.get("location") or "").strip(), created_by_id=user.id)
    invitees = default_invitees(kind, meeting.unit_id, user)
    meeting.attendance = [Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in invitees]
    db.session.add(meeting)
    db.session.flush()
    after = audit.snapshot(meeting, MEETING_FIELDS) | {"invited": [m.name for m in invitees]}
    audit.record(user, "create", "meeting", meeting.id, audit.diff({}, after), ip=ip)
    return meeting, {}


def can_edit(meeting: Meeting, user: User) -> bool:
    """Clerks change drafts and returned meetings; the office may also correct submitted and verified ones."""
    if meeting.locked:
        return False
    if user.role == Role.OFFICE:
        return True
    return user.role == Role.CLERK and meeting.state in EDITABLE


def can_manage_invitees(meeting: Meeting, user: User) -> bool:
    """Only the organiser's clerks (or the office) choose who is invited."""
    if not can_edit(meeting, user):
        return False
    ids = unit_ids(user)
    return ids is None or meeting.unit_id in ids


def _check_version(meeting: Meeting, version: int | None) -> None:
    if version != meeting.version:
        raise StaleMeeting()


def _touch(meeting: Meeting, version: int) -> None:
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


def visible_rows(meeting: Meeting, user: User) -> tuple[list[Attendance], int]:
    """The invited members the user may see on the attendance screen, and how many others there are.

    The members and their 界别 are loaded in one go, so neither the sort nor the sheet lazy-loads per row.
    """
    ids = {a.member_id for a in meeting.attendance if a.member_id is not None}
    members = list(db.session.scalars(scoped(Member, user).where(Member.id.in_(ids))
                                      .options(selectinload(Member.sector)))) if ids else []
    in_scope = {m.id for m in members}
    rows = sorted((a for a in meeting.attendance if a.member_id in in_scope),
                  key=lambda a: (not a.member.is_standing, a.member.code))
    return rows, len(meeting.attendance) - len(rows)


def in_scope_member_ids(ids: set[int], user: User) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(scoped(Member, user).with_only_columns(Member.id).where(Member.id.in_(ids))))


def _names(ids: set[int]) -> dict[int, str]:
    """Members' names by id, in one query (for the audit log)."""
    if not ids:
        return {}
    return {i: name for i, name in db.session.execute(sa.select(Member.id, Member.name).where(Member.id.in_(ids)))}


def save_attendance(meeting: Meeting, version: int | None, marks: Mapping[int, tuple[str, str]], user: User,
                    submit: bool = False, ip: str = "") -> list[str]:
    """Apply {member id: (status name, note)} to the meeting's invited members; errors, empty when saved.

    Every id must be an invited member in the user's scope and every status known, or nothing changes.
    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    rows = {a.member_id: a for a in meeting.attendance}
    allowed = in_scope_member_ids(set(marks), user)
    errors = []
    if any(i not in rows or i not in allowed for i in marks):
        errors.append(_("包含未受邀或不在您负责范围内的委员，未保存。"))
    if submit and meeting.state not in EDITABLE:
        errors.append(_("只有草稿或退回的记录可以提交。"))
    if any(status not in AttendanceStatus.__members__ for status, _note in marks.values()):
        errors.append(_("出席情况无效，未保存。"))
    if errors:
        return errors
    names = _names(set(marks))
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
    _touch(meeting, meeting.version)
    return []


def set_invitees(meeting: Meeting, version: int | None, wanted: set[int], user: User, ip: str = "") -> list[str]:
    """Invite exactly `wanted` among the members the user may see; others' invitations stay as they are.

    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    if in_scope_member_ids(wanted, user) != wanted:
        return [_("包含不在您负责范围内的委员，未保存。")]
    current = {a.member_id: a for a in meeting.attendance}
    visible = in_scope_member_ids(set(current), user)
    removed = [current[i] for i in visible - wanted]
    added = sorted(wanted - set(current))
    for row in removed:
        meeting.attendance.remove(row)
    names = _names({r.member_id for r in removed} | set(added))
    for member_id in added:
        meeting.attendance.append(Attendance(member_id=member_id, status=AttendanceStatus.PRESENT))
    if removed or added:
        audit.record(user, "update", "meeting", meeting.id,
                     {"invited": ([names[r.member_id] for r in removed], [names[i] for i in added])}, ip=ip)
        _touch(meeting, meeting.version)
    db.session.flush()
    return []


def invitable_members(user: User) -> list[Member]:
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
    """退回 a submitted meeting to its clerks with a reason.

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
