"""What people did: 四个一 and 比贡献 records, meetings and attendance, branch 比实绩 results, evidence.

Raw facts only: points are derived by the scoring engine, never stored here.
"""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import AttendanceStatus, Category, Invitees, LeaveState, RecordState
from app.models.org import Unit
from app.models.people import Member, PartyMember
from app.models.users import User
from app.models.types import MeetingKindName, ScaledDecimal, enum_column
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.models.registers import Pairing, Project


class Activity(db.Model):
    """履职记录. The subject is `member`, or `party_member`, or else the recording `unit` itself."""

    __table_args__ = (
        sa.CheckConstraint("member_id IS NULL OR party_member_id IS NULL", name="one_subject"),
        # Only party members' 比贡献 records have one: CPPCC records (most of them) cost the index nothing
        sa.Index("ix_activity_party_member_id", "party_member_id", postgresql_where=sa.text("party_member_id IS NOT NULL"),
                 sqlite_where=sa.text("party_member_id IS NOT NULL")),
        # SQLite would otherwise reuse a deleted draft's id, and the audit log would tell its story of the next one
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    party_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_member.id"))  # indexed: see above
    category: Mapped[Category] = mapped_column(enum_column(Category))
    kind: Mapped[str] = mapped_column(sa.String(40))  # a key under the rule file's kinds
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")  # 提交/立案/重点/优秀, 报送/采用, 签约/落地
    level: Mapped[str] = mapped_column(sa.String(10), default="")  # 县/市/省/全国: adoption or commendation
    instruction_level: Mapped[str] = mapped_column(sa.String(10), default="")  # 领导批示 level, if any
    amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal())  # 万元 for investment, 元 for donations
    people_helped: Mapped[int | None]
    counterpart: Mapped[str] = mapped_column(sa.String(120), default="")  # enterprise, village, household
    support: Mapped[str] = mapped_column(sa.Text, default="")
    work_key: Mapped[str] = mapped_column(sa.String(40), default="")  # one piece of work across records
    # 联一户: the lasting pairing (app.models.registers) this record reports on; its work counts once per period
    pairing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pairing.id"), index=True)
    # 引一企: the project (app.models.registers) whose stage this record reports; one project scores once a period
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id"), index=True)
    # The fields a rule file declares for the kind beyond the columns above (培训天数, 发言会议 …), by field name:
    # text, choice and date values as text (dates ISO), numbers as {"d": "2.5"} (exact, as the content hash keeps
    # them). app/kindfields.py reads and writes them.
    details: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    state: Mapped[RecordState] = mapped_column(enum_column(RecordState), default=RecordState.DRAFT, index=True)
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    self_reported: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=False)  # shown on the public 委员风采 page
    locked: Mapped[bool] = mapped_column(default=False)  # fed a finalised award list
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The unit whose clerk (or liaison) entered the record: only that unit's clerks change it before it is verified;
    # clerks of the subject's other units see it read-only. None: the office's (or a member's own report).
    entered_by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    entered_by_unit: Mapped[Unit | None] = relationship(foreign_keys=[entered_by_unit_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    member: Mapped[Member | None] = relationship()
    party_member: Mapped[PartyMember | None] = relationship()
    participants: Mapped[list[ActivityParticipant]] = relationship(
        back_populates="activity", order_by="ActivityParticipant.position", cascade="all, delete-orphan")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="activity", cascade="all, delete-orphan")
    pairing: Mapped[Pairing | None] = relationship()
    project: Mapped[Project | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ActivityParticipant(db.Model):
    """A signer of joint work, in order: position 1 is the first proposer (领衔人)."""

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    activity: Mapped[Activity] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class Evidence(db.Model):
    """An evidence file; the bytes live outside the web root under their sha256."""

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activity: Mapped[Activity] = relationship(back_populates="evidence")


class Meeting(db.Model):
    """A meeting or activity members are invited to (全体会议, 常委会议, 视察 …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(MeetingKindName(), index=True)  # a meeting type's name (MeetingType)
    title: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[dt.date] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # the organiser
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    # 扫码签到 (app.meetings.checkin): Beijing wall-clock times on `held_on`; without both, no check-in
    starts_at: Mapped[dt.time | None]
    ends_at: Mapped[dt.time | None]
    grace_minutes: Mapped[int] = mapped_column(default=0, server_default="0")  # 迟到 after the start plus this
    # mixed into the check-in codes' key: a new one voids every code printed or shown before
    checkin_nonce: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(16),
                                               server_default="")
    state: Mapped[RecordState] = mapped_column(enum_column(RecordState), default=RecordState.DRAFT)
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    locked: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    unit: Mapped[Unit] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class MeetingType(db.Model):
    """A meeting type the office set up: one it added (专题协商会 …), or its settings for a built-in one (MeetingKind),
    whose defaults apply while it has no row. The name is what meetings keep and rule files score."""

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    invitees: Mapped[Invitees] = mapped_column(enum_column(Invitees))
    sort_order: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    briefing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # 计入政情通报会
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attendance(db.Model):
    """出席 / 请假 / 缺席 / 迟到 / 早退 of one invited member (or, at 组织生活, party member) at one meeting."""

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "member_id"),
        sa.UniqueConstraint("meeting_id", "party_member_id", name="uq_attendance_meeting_id_party_member"),
        sa.CheckConstraint("(member_id IS NULL) <> (party_member_id IS NULL)", name="one_attendee"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    party_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_member.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    checked_in_at: Mapped[dt.datetime | None]  # UTC, when the member scanned the meeting's code (扫码签到)
    # the member asked for leave by replying to a meeting notice (docs/notices.md): pending until the organiser
    # approves (请假 stays) or declines (缺席); None for rows the organiser set alone
    leave_state: Mapped[LeaveState | None] = mapped_column(enum_column(LeaveState, 10))
    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member | None] = relationship()
    party_member: Mapped[PartyMember | None] = relationship()


class BranchResult(db.Model):
    """A branch's 比实绩 report for one half-year ("2025H1", "2025H2"): indicator values named by the rule file."""

    __table_args__ = (sa.UniqueConstraint("branch_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(10), index=True)
    state: Mapped[RecordState] = mapped_column(enum_column(RecordState), default=RecordState.DRAFT)
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    locked: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    branch: Mapped[Unit] = relationship()
    indicators: Mapped[list[BranchIndicator]] = relationship(
        back_populates="result", order_by="BranchIndicator.key", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class BranchIndicator(db.Model):
    """One 比实绩 indicator value (组织建设, 党员发展, 产值 …) of a branch result."""

    __table_args__ = (sa.UniqueConstraint("result_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("branch_result.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[Decimal | None] = mapped_column(ScaledDecimal())
    choice: Mapped[str] = mapped_column(sa.String(40), default="")  # for a graded indicator (劳资关系: 和谐)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    result: Mapped[BranchResult] = relationship(back_populates="indicators")
