"""通知公告: the office or a unit sends an announcement to members; each member with an active account gets a notice
(its read receipt), and a meeting notice takes a reply (参加 / 请假) that reaches the meeting's attendance sheet.

The rules for a reply and the attendance row are in docs/notices.md. Flush, never commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import addresses, audit, races
from app.auth.scope import scoped, unit_ids, units_below
from app.extensions import db
from app.models import (Announcement, AnnouncementKind, Attendance, AttendanceStatus, Category, LeaveState, Meeting,
                        MeetingKind, Member, Notice, Reply, Role, Unit, UnitKind, User)
from app.notices import mail
from app.timeutil import BEIJING, utcnow

SENDERS = (Role.OFFICE, Role.CLERK)
TARGET_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
TARGETS = ("all", "units", "members", "meeting")
KIND = "announcement"  # Notice.kind of an announcement's notices
REASON_MAX = 200
NOT_INVITED = _l("您已不在本次会议的参会名单中，无需回复；如有疑问，请联系会议组织单位。")


def _checkin():  # type: ignore[no-untyped-def]
    from app.meetings import checkin  # here: the meetings import the notices (through the activities)
    return checkin


def _meetings():  # type: ignore[no-untyped-def]
    from app.meetings import services
    return services


# --- whom a sender may reach -----------------------------------------------------------------------------------

def targets_for(user: User) -> tuple[str, ...]:
    """The audiences the user may choose: the office everyone; a clerk their units' members, some of them, or the
    invitees of a meeting their unit organises."""
    return TARGETS if user.role == Role.OFFICE else ("units", "members", "meeting")


def unit_choices(user: User) -> list[Unit]:
    """The 专委会, 界别活动组 and 联络处 the user may send to (a clerk: their own, with those below)."""
    stmt = sa.select(Unit).where(Unit.kind.in_(TARGET_UNIT_KINDS), Unit.active)
    ids = unit_ids(user)
    if ids is not None:
        stmt = stmt.where(Unit.id.in_(ids or {-1}))
    return list(db.session.scalars(stmt.order_by(Unit.kind, Unit.sort_order, Unit.id)))


def member_choices(user: User) -> list[Member]:
    return list(db.session.scalars(scoped(Member, user).where(Member.active).order_by(Member.code)))


def reply_deadline(meeting: Meeting) -> dt.datetime:
    """When replies close: the meeting's start (Beijing time); without a start time, the start of its day."""
    return dt.datetime.combine(meeting.held_on, meeting.starts_at or dt.time(0, 0), tzinfo=BEIJING)


def organises(meeting: Meeting, user: User) -> bool:
    """Whether the user acts for the meeting's organiser: the office, or a clerk of the organising unit."""
    if user.role not in SENDERS or _meetings().party_life(meeting):
        return False
    ids = unit_ids(user)
    return ids is None or meeting.unit_id in ids


def meeting_choices(user: User, now: dt.datetime | None = None) -> list[Meeting]:
    """CPPCC meetings the user organises whose replies are still open (not started, in the organiser's hands)."""
    now = now or dt.datetime.now(BEIJING)
    stmt = sa.select(Meeting).where(Meeting.held_on >= now.date(), Meeting.kind != MeetingKind.PARTY_LIFE.value)
    ids = unit_ids(user)
    if ids is not None:
        stmt = stmt.where(Meeting.unit_id.in_(ids or {-1}))
    found = db.session.scalars(stmt.order_by(Meeting.held_on, Meeting.id))
    return [m for m in found if reply_deadline(m) > now and _checkin().in_organisers_hands(m)]


@dataclass
class Audience:
    """Whom an announcement reaches: the members chosen, those with an active account (by member id), the rest."""

    description: str
    members: list[Member] = field(default_factory=list)
    accounts: dict[int, User] = field(default_factory=dict)

    @property
    def unreached(self) -> list[Member]:
        return [m for m in self.members if m.id not in self.accounts]


def _accounts(member_ids: Iterable[int]) -> dict[int, User]:
    ids = set(member_ids)
    if not ids:
        return {}
    found: dict[int, User] = {}
    for user in db.session.scalars(sa.select(User).where(User.member_id.in_(ids), User.active,
                                                         User.role == Role.MEMBER).order_by(User.id)):
        found.setdefault(user.member_id, user)  # type: ignore[arg-type]
    return found


def audience(user: User, target: str, unit_ids_chosen: Sequence[int] = (), member_ids: Sequence[int] = (),
             meeting: Meeting | None = None) -> tuple[Audience | None, dict[str, list[str]]]:
    """The members `target` names, within the user's scope; or errors by field."""
    if target not in targets_for(user):
        return None, {"target": [_("请选择发送对象。")]}
    stmt = scoped(Member, user).where(Member.active)
    if target == "all":
        description = _("全体委员")
    elif target == "units":
        allowed = {u.id: u for u in unit_choices(user)}
        chosen = [allowed[i] for i in unit_ids_chosen if i in allowed]
        if not chosen or len(chosen) != len(set(unit_ids_chosen)):
            return None, {"units": [_("请选择您负责的单位。")]}
        ids = units_below(u.id for u in chosen)
        stmt = stmt.where(sa.or_(Member.sector_id.in_(ids), Member.committee_id.in_(ids), Member.liaison_id.in_(ids)))
        description = "、".join(u.name for u in chosen)[:200]
    elif target == "members":
        wanted = set(member_ids)
        stmt = stmt.where(Member.id.in_(wanted or {-1}))
        found = list(db.session.scalars(stmt.order_by(Member.code)))
        if not wanted or len(found) != len(wanted):
            return None, {"members": [_("请选择您负责范围内的委员。")]}
        return Audience(_("%(n)s 名委员", n=len(found)), found, _accounts(m.id for m in found)), {}
    else:
        if meeting is None or not organises(meeting, user):
            return None, {"meeting": [_("请选择您的单位组织的会议。")]}
        invited = sa.select(Attendance.member_id).where(Attendance.meeting_id == meeting.id,
                                                        Attendance.member_id.is_not(None))
        stmt = scoped(Member, user).where(Member.id.in_(invited))  # invitees, even one no longer 在职
        description = _("“%(title)s”的参会人员", title=meeting.title)[:200]
    found = list(db.session.scalars(stmt.order_by(Member.code)))
    return Audience(description, found, _accounts(m.id for m in found)), {}


def sender_unit(user: User) -> Unit | None:
    """The unit an announcement is sent for: a clerk's first unit; the office: none (the office itself)."""
    if user.role == Role.OFFICE:
        return None
    return next((u for u in sorted(user.units, key=lambda u: (u.kind != UnitKind.COMMITTEE, u.sort_order, u.id))), None)


# --- sending -------------------------------------------------------------------------------------------------

def _path(endpoint: str, **values: object) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def send(user: User, kind: AnnouncementKind, title: str, body: str, found: Audience, meeting: Meeting | None = None,
         token: str | None = None, texts: dict[int, str] | None = None, ip: str = "") -> tuple[Announcement, bool]:
    """The announcement and one notice per member with an account (`texts`: a member's own line, by member id);
    with a form's `token`, made once however often it is posted. (the announcement, whether this call made it)."""
    unit = sender_unit(user)
    values = {"kind": kind, "title": title.strip()[:100], "body": body.strip(),
              "meeting_id": meeting.id if meeting is not None else None, "unit_id": unit.id if unit else None,
              "sender_id": user.id, "audience": found.description[:200],
              "unreached": "、".join(m.name for m in found.unreached), "unreached_count": len(found.unreached),
              "request_token": token, "created_at": utcnow()}
    if token is not None:
        if not races.insert_or_ignore(Announcement.__table__, values, ["request_token"]):
            return db.session.scalars(sa.select(Announcement).where(Announcement.request_token == token)).one(), False
        announcement = db.session.scalars(sa.select(Announcement).where(Announcement.request_token == token)).one()
    else:
        announcement = Announcement(**values)
        db.session.add(announcement)
        db.session.flush()
    for member in found.members:
        account = found.accounts.get(member.id)
        if account is None:
            continue
        text = (texts or {}).get(member.id) or announcement.title
        notice = Notice(user_id=account.id, kind=KIND, text=text[:300], link="", announcement_id=announcement.id,
                        member_id=member.id)
        db.session.add(notice)
        if account.email:
            _mail(account, announcement, text)
    db.session.flush()
    audit.record(user, "create", "announcement", announcement.id,
                 {"kind": (None, kind), "title": (None, announcement.title), "audience": (None, announcement.audience),
                  "recipients": (None, len(found.accounts)), "unreached": (None, len(found.unreached))}, ip=ip)
    return announcement, True


def _mail(account: User, announcement: Announcement, text: str) -> None:
    with force_locale(account.locale if account.locale in current_app.config["LANGUAGES"]
                      else current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("通知：%(text)s", text=announcement.title)[:120]
        where = addresses.base() + _path("notices.index")
        body = "\n\n".join(p for p in (text if text != announcement.title else "", announcement.body) if p)
        body += "\n\n" + _("请登录系统查看：%(link)s", link=where)
    mail.queue(db.session(), account.email, subject, body)


# --- 预警名单 reminders ------------------------------------------------------------------------------------------

def reminder_text(year: int, missing: Sequence[Category], absent: int) -> str:
    """A member's own reminder: what of the year they have not done yet."""
    parts = []
    if missing:
        items = "".join(_("“%(item)s”", item=_(c.label)) for c in missing)
        parts.append(_("您%(year)s年度还没有完成%(items)s，请抓紧。", year=year, items=items))
    if absent:
        parts.append(_("您%(year)s年度已缺席会议和活动 %(n)s 次，请按时参加。", year=year, n=absent))
    if not parts:
        parts.append(_("请关注您%(year)s年度的履职情况。", year=year))
    return "".join(parts)


# --- the member's side -----------------------------------------------------------------------------------------

def own_notice(user: User, notice_id: int) -> Notice | None:
    return db.session.scalar(sa.select(Notice).where(Notice.id == notice_id, Notice.user_id == user.id))


def attendance_row(notice: Notice, lock: bool = False) -> Attendance | None:
    """The member's row on the meeting's sheet; with `lock`, read afresh and held until commit (a reply and the
    organiser's decision on the same row do not overwrite each other)."""
    announcement = notice.announcement
    if announcement is None or announcement.meeting_id is None or notice.member_id is None:
        return None
    stmt = sa.select(Attendance).where(Attendance.meeting_id == announcement.meeting_id,
                                       Attendance.member_id == notice.member_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def reply_closed(meeting: Meeting | None, now: dt.datetime | None = None) -> str | None:
    """Why a reply to this meeting's notice can no longer be given or changed, or None."""
    if meeting is None:
        return _("该会议已不在系统中，无需回复。")
    if not _checkin().in_organisers_hands(meeting):
        return _("该会议的出席情况已经提交或核实，不能再更改回复。如需请假，请直接联系会议组织单位。")
    if (now or dt.datetime.now(BEIJING)) >= reply_deadline(meeting):
        return _("会议已于%(time)s开始，不能再更改回复。如需请假，请直接联系会议组织单位。",
                 time=reply_deadline(meeting).strftime("%m月%d日 %H:%M"))
    return None


def unanswered(user: User) -> list[Notice]:
    """The user's meeting notices without a reply whose meeting still takes one."""
    invited = sa.exists().where(Attendance.meeting_id == Announcement.meeting_id,
                                Attendance.member_id == Notice.member_id)
    found = db.session.scalars(sa.select(Notice).join(Announcement, Announcement.id == Notice.announcement_id).where(
        Notice.user_id == user.id, Notice.reply.is_(None), Announcement.kind == AnnouncementKind.MEETING,
        Announcement.meeting_id.is_not(None), invited)
        .options(selectinload(Notice.announcement).selectinload(Announcement.meeting))
        .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(50))
    return [n for n in found if n.announcement is not None and reply_closed(n.announcement.meeting) is None]


def untouched(row: Attendance) -> bool:
    """As the meeting was created: 出席 without a check-in and no leave asked: the organiser has not set it."""
    return row.status == AttendanceStatus.PRESENT and row.checked_in_at is None and row.leave_state is None


def answer(notice: Notice, reply: Reply, reason: str, user: User, ip: str = "") -> tuple[dict[str, list[str]], str]:
    """The member's reply to a meeting notice: (errors by field, what became of their attendance row).

    The meeting's version is left alone: a sheet opened before keeps this newer row on save unless its organiser
    changed the same row (app.meetings.services.save_attendance).
    """
    reason = (reason or "").strip()
    announcement = notice.announcement
    if announcement is None or announcement.meeting_id is None or announcement.kind != AnnouncementKind.MEETING:
        return {"reply": [_("这条通知不需要回复。")]}, ""
    if reply == Reply.LEAVE and not reason:
        return {"reason": [_("请填写请假原因。")]}, ""
    if len(reason) > REASON_MAX:
        return {"reason": [_("请假原因不能超过 %(n)s 个字。", n=REASON_MAX)]}, ""
    meeting = announcement.meeting
    if closed := reply_closed(meeting):
        return {"reply": [closed]}, ""
    assert meeting is not None
    row = attendance_row(notice, lock=True)
    if row is None:
        return {"reply": [str(NOT_INVITED)]}, ""
    before = (notice.reply, notice.reply_reason)
    notice.reply, notice.reply_reason = reply, reason if reply == Reply.LEAVE else ""
    notice.replied_at = utcnow()
    if notice.read_at is None:
        notice.read_at = notice.replied_at
    if before != (notice.reply, notice.reply_reason):
        audit.record(user, "update", "notice_reply", notice.id, {"reply": (before[0], reply),
                     "reason": (before[1], notice.reply_reason)}, reason=announcement.title, ip=ip)
    state = audit.snapshot(row, ("status", "note", "leave_state"))
    if reply == Reply.LEAVE and (row.leave_state == LeaveState.PENDING or untouched(row)):
        row.status, row.note, row.leave_state = AttendanceStatus.LEAVE, reason[:200], LeaveState.PENDING
        outcome = _("已提交请假，等待组织单位批准。")
    elif reply == Reply.ATTEND and row.leave_state == LeaveState.PENDING:
        row.status, row.note, row.leave_state = AttendanceStatus.PRESENT, "", None
        outcome = _("已撤回请假，登记为出席。")
    elif reply == Reply.ATTEND and untouched(row):
        outcome = _("已登记为出席。")
    else:
        outcome = _("组织单位已登记您的出席情况为“%(status)s”，您的回复已转告组织单位；如有变化，请直接联系组织单位。",
                    status=_(row.status.label))
    if changes := audit.diff(state, audit.snapshot(row, ("status", "note", "leave_state"))):
        audit.record(user, "update", "attendance", row.id, changes,
                     reason=_("回复会议通知：%(name)s", name=row.member.name if row.member else ""), ip=ip)
    db.session.flush()
    return {}, outcome


# --- the organiser's side --------------------------------------------------------------------------------------

def pending_rows(meeting: Meeting, rows: Iterable[Attendance]) -> list[Attendance]:
    return [a for a in rows if a.leave_state == LeaveState.PENDING]


def decide(meeting: Meeting, row: Attendance, approve: bool, user: User, ip: str = "") -> str | None:
    """批准 (the row stays 请假) or 不批准 (缺席) a pending leave; the error, or None. The member is told."""
    db.session.refresh(row, with_for_update=True)  # as it is now, held until commit: a reply meanwhile waits
    if row.meeting_id != meeting.id or row.leave_state != LeaveState.PENDING:
        return _("这条请假已经处理过了。")
    before = audit.snapshot(row, ("status", "leave_state"))
    if approve:
        row.leave_state = LeaveState.APPROVED
    else:
        row.status, row.leave_state = AttendanceStatus.ABSENT, LeaveState.DECLINED
    after = audit.snapshot(row, ("status", "leave_state"))
    audit.record(user, "update", "attendance", row.id, audit.diff(before, after),
                 reason=row.member.name if row.member else "", ip=ip)
    db.session.flush()
    _tell_member(meeting, row, approve, user)
    return None


def _tell_member(meeting: Meeting, row: Attendance, approve: bool, actor: User) -> None:
    from app.notices.services import notify

    people = db.session.scalars(sa.select(User).where(User.member_id == row.member_id, User.role == Role.MEMBER))
    title = meeting.title
    if approve:
        notify(people, "leave_approved", "", lambda: _("您在“%(title)s”的请假已批准。", title=title), actor)
    else:
        notify(people, "leave_declined", "", lambda: _("您在“%(title)s”的请假未获批准，请按时参加。", title=title), actor)


def pending_by_meeting(user: User) -> list[tuple[Meeting, int]]:
    """Meetings the user organises with leave requests of members they may see waiting for them, and how many."""
    stmt = (sa.select(Meeting, sa.func.count(Attendance.id)).join(Attendance, Attendance.meeting_id == Meeting.id)
            .where(Attendance.leave_state == LeaveState.PENDING, Meeting.locked.is_(False),
                   Attendance.member_id.in_(scoped(Member, user).with_only_columns(Member.id)),  # as on the sheet
                   Meeting.state.in_(_meetings().EDITABLE)).group_by(Meeting.id).order_by(Meeting.held_on, Meeting.id))
    ids = unit_ids(user)
    if ids is not None:
        stmt = stmt.where(Meeting.unit_id.in_(ids or {-1}))
    return [(m, n) for m, n in db.session.execute(stmt).all()]


# --- the sender's side -----------------------------------------------------------------------------------------

def sent_query(user: User) -> sa.Select[tuple[Announcement]]:
    """Announcements the user may follow: the office all; a clerk those their units sent."""
    stmt = sa.select(Announcement)
    ids = unit_ids(user)
    if ids is not None:
        stmt = stmt.where(Announcement.unit_id.in_(ids or {-1}))
    return stmt.order_by(Announcement.created_at.desc(), Announcement.id.desc())


@dataclass
class Tally:
    recipients: int = 0
    read: int = 0
    attend: int = 0
    leave: int = 0

    @property
    def unanswered(self) -> int:
        return self.recipients - self.attend - self.leave


def _in_scope(user: User | None) -> list[sa.ColumnElement[bool]]:
    """A clerk follows the recipients among their own units' members only (a unit's announcement may have reached
    another unit's members, sent by a clerk of both)."""
    if user is None or unit_ids(user) is None:
        return []
    return [Notice.member_id.in_(scoped(Member, user).with_only_columns(Member.id))]


def tallies(ids: Sequence[int], user: User | None = None) -> dict[int, Tally]:
    out = {i: Tally() for i in ids}
    if ids:
        rows = db.session.execute(sa.select(
            Notice.announcement_id, sa.func.count(), sa.func.count(Notice.read_at),
            sa.func.sum(sa.case((Notice.reply == Reply.ATTEND, 1), else_=0)),
            sa.func.sum(sa.case((Notice.reply == Reply.LEAVE, 1), else_=0)))
            .where(Notice.announcement_id.in_(ids), *_in_scope(user)).group_by(Notice.announcement_id))
        for announcement_id, n, read, attend, leave in rows:
            out[announcement_id] = Tally(n, read, attend or 0, leave or 0)
    return out


def unreached_names(announcement: Announcement, user: User | None = None) -> list[str]:
    """The names of the members it did not reach (no account), those of `user`'s scope only for a clerk."""
    names = [n for n in announcement.unreached.split("、") if n]
    if user is None or unit_ids(user) is None or not names:
        return names
    mine = set(db.session.scalars(scoped(Member, user).with_only_columns(Member.name).where(Member.name.in_(names))))
    return [n for n in names if n in mine]


def recipients(announcement: Announcement, user: User | None = None) -> list[Notice]:
    """Who received it (those in `user`'s scope), unread first, with their accounts loaded."""
    return list(db.session.scalars(sa.select(Notice).where(Notice.announcement_id == announcement.id,
                                                           *_in_scope(user))
                                   .options(selectinload(Notice.user))
                                   .order_by(Notice.read_at.is_not(None), Notice.id)))
