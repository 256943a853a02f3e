"""Meeting use cases: list, create, invite, mark attendance, submit, verify, return. Flush, never commit.

Two kinds of roll: CPPCC meetings (全体会议, 视察 …) invite members (Attendance.member_id), are organised by a
CPPCC unit and kept by its clerks; a branch's 组织生活 invites the branch's party members
(Attendance.party_member_id), is organised by the branch and kept by its liaison. The office keeps both. A
meeting never mixes the two: `party_life()` decides which table every id of a meeting refers to.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import scoped, unit_ids, units_below
from app.extensions import db
from app.models import (AppraisalYear, Attendance, AttendanceStatus, Invitees, Meeting, MeetingKind, MeetingType,
                        Member, PartyMember, PartyStatus, RecordState, Role, Unit, UnitKind, User)
from app.scoring.types import ATTENDANCE_KIND
from app.timeutil import beijing_today, utcnow

CPPCC_KINDS = (UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
EDITABLE = (RecordState.DRAFT, RecordState.RETURNED)
MEETING_FIELDS = ("kind", "title", "held_on", "unit_id", "location", "starts_at", "ends_at", "grace_minutes")
ORGANISER_KINDS = {Role.CLERK: CPPCC_KINDS, Role.LIAISON: (UnitKind.BRANCH,),
                   Role.OFFICE: (*CPPCC_KINDS, UnitKind.BRANCH)}


class StaleMeeting(Exception):
    """The meeting changed since the form was shown: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(_("该会议已被他人修改，您的修改未保存。请刷新页面后重新录入。"))


# --- meeting types ---------------------------------------------------------------------------------------------

#: Whom each built-in type invites until the office sets otherwise.
BUILT_IN_INVITEES = {MeetingKind.PLENARY: Invitees.ALL, MeetingKind.STANDING: Invitees.STANDING,
                     MeetingKind.PARTY_LIFE: Invitees.BRANCH}
MEMBER_INVITEES = (Invitees.ALL, Invitees.STANDING, Invitees.ORGANISER)  # what a CPPCC meeting type may invite


@dataclass(frozen=True)
class TypeView:
    """A meeting type as the app uses it: a built-in one (with the office's settings, if any) or an added one."""

    name: str
    invitees: Invitees
    sort_order: int
    active: bool
    built_in: bool
    briefing: bool = False  # 计入政情通报会 (app.timetable.briefings)

    @property
    def party_life(self) -> bool:
        return self.name == MeetingKind.PARTY_LIFE


def meeting_types(active_only: bool = False) -> list[TypeView]:
    """Every meeting type in the office's order: the built-in ones, then those it added (by name within an order)."""
    rows = {t.name: t for t in db.session.scalars(sa.select(MeetingType))}
    found = []
    for number, kind in enumerate(MeetingKind, start=1):
        row = rows.pop(kind.value, None)
        found.append(TypeView(kind, row.invitees if row else BUILT_IN_INVITEES.get(kind, Invitees.ORGANISER),
                              row.sort_order if row else number * 10, row.active if row else True, True,
                              row.briefing if row else kind == MeetingKind.BRIEFING))
    found += [TypeView(r.name, r.invitees, r.sort_order, r.active, False, r.briefing) for r in rows.values()]
    found.sort(key=lambda t: (t.sort_order, not t.built_in, t.name))
    return [t for t in found if t.active or not active_only]


def type_named(name: str) -> TypeView | None:
    """The meeting type called `name` (an old code such as PLENARY names its built-in type too)."""
    name = MeetingKind[name].value if name in MeetingKind.__members__ else name
    return next((t for t in meeting_types() if t.name == name), None)


def declared_meetings(year: int) -> tuple[str, ...] | None:
    """The meeting types `year`'s members rule file scores (its attendance kind's `meeting` values); None when
    there is no such file, or it declares no meeting field (then nothing is checked)."""
    from app.activities.services import ruleset_for  # here: activities' imports reach meetings through imports

    ruleset = ruleset_for(year, "members")
    kind = ruleset.kinds.get(ATTENDANCE_KIND) if ruleset is not None else None
    spec = kind.fields.get("meeting") if kind is not None else None
    return spec.values if spec is not None and spec.type == "enum" else None


def undeclared(name: str, year: int) -> str | None:
    """Why a CPPCC meeting of type `name` in `year` could not be scored, or None: the year's rule file does not
    declare the type among its attendance kind's meetings (a verified one would stop every review of the year)."""
    if name == MeetingKind.PARTY_LIFE:
        return None
    declared = declared_meetings(year)
    if declared is None or name in declared:
        return None
    return _("%(year)s 年的评分细则没有为“%(kind)s”声明会议类型“%(name)s”，出勤无法计分；请先在细则中加上它。",
             year=year, kind=ATTENDANCE_KIND, name=name)


def add_type(name: str, invitees: Invitees, user: User, ip: str = "") -> str | None:
    """Add a meeting type (a CPPCC one); the error, or None."""
    name = name.strip()
    if not name:
        return _("请填写会议类型名称。")
    if type_named(name) is not None or name in MeetingKind.__members__:
        return _("已有名为“%(name)s”的会议类型。", name=name)
    if invitees not in MEMBER_INVITEES:
        return _("请选择默认邀请的人员。")
    order = max((t.sort_order for t in meeting_types()), default=0) + 10
    db.session.add(MeetingType(name=name, invitees=invitees, sort_order=order, active=True))
    db.session.flush()
    audit.record(user, "create", "meeting_type", None, {"name": (None, name), "invitees": (None, invitees)},
                 reason=name, ip=ip)
    return None


def update_type(name: str, invitees: Invitees, sort_order: int, active: bool, briefing: bool, user: User,
                ip: str = "") -> str | None:
    """Change a type's default invitees, order, whether it is offered for new meetings and whether it counts as a
    政情通报会; the error, or None. 组织生活 always invites the branch's party members, and is never a 政情通报会."""
    current = type_named(name)
    if current is None:
        return _("没有这个会议类型。")
    if current.party_life and invitees != Invitees.BRANCH or not current.party_life and invitees not in MEMBER_INVITEES:
        return _("请选择默认邀请的人员。")
    if briefing and current.party_life:
        return _("组织生活不能计入政情通报会。")
    row = db.session.get(MeetingType, current.name)
    if row is None:  # a built-in type's first change: its settings get a row
        row = MeetingType(name=current.name, invitees=current.invitees, sort_order=current.sort_order, active=True,
                          briefing=current.briefing)
        db.session.add(row)
    before = {"invitees": row.invitees, "sort_order": row.sort_order, "active": row.active, "briefing": row.briefing}
    row.invitees, row.sort_order, row.active, row.briefing = invitees, sort_order, active, briefing
    db.session.flush()
    if changes := audit.diff(before, {"invitees": invitees, "sort_order": sort_order, "active": active,
                                      "briefing": briefing}):
        audit.record(user, "update", "meeting_type", None, changes, reason=current.name, ip=ip)
    return None


# --- meetings --------------------------------------------------------------------------------------------------

def meeting_query(kind: str = "", start: dt.date | None = None, end: dt.date | None = None,
                  unit_id: int | None = None) -> sa.Select[tuple[Meeting]]:
    """Meetings the signed-in user may see, newest first."""
    stmt = scoped(Meeting)
    if kind and (found := type_named(kind)) is not None:
        stmt = stmt.where(Meeting.kind == found.name)
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


def kinds_for(user: User, active_only: bool = True) -> list[TypeView]:
    """The meeting types a user creates (and filters by): clerks CPPCC types, liaisons 组织生活, others all;
    only those in use for a new meeting."""
    types = meeting_types(active_only)
    if user.role == Role.CLERK:
        return [t for t in types if not t.party_life]
    if user.role == Role.LIAISON:
        return [t for t in types if t.party_life]
    return types


def organisers(user: User) -> list[Unit]:
    """Active units the user may organise a meeting for: a clerk's CPPCC units, a liaison's branches (each with
    those below), the office any of both."""
    kinds = ORGANISER_KINDS.get(user.role, ())
    stmt = sa.select(Unit).where(Unit.kind.in_(kinds), Unit.active)
    if user.role != Role.OFFICE:
        stmt = stmt.where(Unit.id.in_(unit_ids(user) or set()))
    return list(db.session.scalars(stmt.order_by(Unit.kind, Unit.sort_order, Unit.id)))


def default_invitees(kind: TypeView, unit_id: int, user: User) -> list[Member] | list[PartyMember]:
    """Who a new meeting invites, as its type says (by default: 全体会议 every active member, 常委会议 every 常委,
    组织生活 the organising branch's active party members, otherwise the organiser's members); always limited to
    whom the user may see."""
    if kind.party_life:
        return list(db.session.scalars(scoped(PartyMember, user).where(PartyMember.active,
                                                                       PartyMember.branch_id == unit_id)
                                       .order_by(PartyMember.status, PartyMember.code)))
    stmt = scoped(Member, user).where(Member.active)
    if kind.invitees == Invitees.STANDING:
        stmt = stmt.where(Member.is_standing)
    elif kind.invitees != Invitees.ALL:
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
    kind = type_named(data["kind"] or "")
    if kind is None or kind.name not in {t.name for t in kinds_for(user)}:
        errors["kind"] = [_("您不能创建这种会议。")]
        kind = None
    elif not errors and (reason := undeclared(kind.name, data["held_on"].year)):
        errors["kind"] = [reason]
    unit = next((u for u in organisers(user) if u.id == data["unit_id"]), None)
    if unit is None:
        errors["unit_id"] = [_("请选择您负责的组织单位。")]
    elif kind is not None and kind.party_life != (unit.kind == UnitKind.BRANCH):
        errors["unit_id"] = [_("组织生活由党支部组织，其他会议和活动由政协组织单位组织。")]
    if errors:
        return None, errors
    assert kind is not None
    meeting = Meeting(kind=kind.name, title=data["title"].strip(), held_on=data["held_on"], unit_id=data["unit_id"],
                      location=(data.get("location") or "").strip(), created_by_id=user.id,
                      starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
                      grace_minutes=data.get("grace_minutes") or 0)
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
                    submit: bool = False, ip: str = "", seen: Mapping[int, tuple[str, str]] | None = None,
                    kept: list[str] | None = None) -> list[str]:
    """Apply {member id: (status name, note)} to the meeting's invitees; errors, empty when saved.

    The ids are party members' at 组织生活, members' otherwise. Every id must be an invitee in the user's scope and
    every status known, or nothing changes.
    `seen` is what the sheet showed of each row ({id: (status name, note)}): a row that changed since (a member
    scanned the check-in code, asked for leave) keeps its new status or note where the organiser left the shown one
    untouched; what the organiser did change wins. The names of the rows kept so are appended to `kept`.
    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    _check_version(meeting, version)
    model = _people(meeting)
    rows = {attendee_id(meeting, a): a for a in meeting.attendance}
    if seen:
        marks, newer = _merged(rows, marks, seen)
    else:
        newer = set()
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
    if kept is not None:
        kept.extend(names[i] for i in sorted(newer, key=lambda i: names[i]))
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


def _merged(rows: Mapping[int | None, Attendance], marks: Mapping[int, tuple[str, str]],
            seen: Mapping[int, tuple[str, str]]) -> tuple[dict[int, tuple[str, str]], set[int]]:
    """The marks with each field the organiser left as shown, on a row changed since, replaced by the row's value;
    and the ids of the rows whose newer value was kept."""
    merged: dict[int, tuple[str, str]] = {}
    newer: set[int] = set()
    for member_id, (status_name, note) in marks.items():
        row, was = rows.get(member_id), seen.get(member_id)
        if row is not None and was is not None:
            if status_name == was[0] and row.status.name != was[0]:
                status_name = row.status.name
                newer.add(member_id)
            if note.strip() == was[1].strip() and row.note != was[1].strip():
                note = row.note
                newer.add(member_id)
        merged[member_id] = (status_name, note)
    return merged, newer


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
