"""The demo's meetings and activities of the year (plenary, standing committee, briefings, inspections, research),
with every invited member's attendance."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.demo.county import County, pick, random_day, stamp
from app.demo.vocabulary import PLENARY_ON, TOWNS, YEAR
from app.extensions import db
from app.models import Attendance, AttendanceStatus, Meeting, MeetingKind, Member, RecordState, Unit
from app.timeutil import beijing_today


def _meeting_plan(county: County) -> list[tuple[MeetingKind, str, dt.date, Unit, str]]:
    rng = county.rng
    plan = [(MeetingKind.PLENARY, "县政协第十届委员会第四次会议", PLENARY_ON, county.cppcc, "县人民会堂")]
    standing_days = (dt.date(YEAR, 2, 20), dt.date(YEAR, 4, 17), dt.date(YEAR, 6, 19), dt.date(YEAR, 8, 21),
                     dt.date(YEAR, 10, 23), dt.date(YEAR, 12, 18))
    plan += [(MeetingKind.STANDING, f"县政协第十届常务委员会第{n}次会议", day, county.cppcc, "县政协三楼会议室")
             for n, day in enumerate(standing_days, 17)]
    plan += [(MeetingKind.BRIEFING, f"全县{quarter}经济运行情况政情通报会", day, county.cppcc, "县人民会堂")
             for quarter, day in (("一季度", dt.date(YEAR, 4, 10)), ("前三季度", dt.date(YEAR, 10, 16)))]
    inspections = ("大源工业功能区造纸产业转型升级", "县城老旧小区改造", "农村饮水安全工程建设", "县人民医院新院区建设")
    research = ("乡村振兴特色产业发展", "民营企业营商环境", "义务教育阶段教师队伍建设", "非物质文化遗产保护传承",
                "居家养老服务体系建设")
    for topic, month in zip(inspections, (3, 5, 7, 9), strict=True):
        plan.append((MeetingKind.INSPECTION, f"视察{topic}情况", random_day(rng, dt.date(YEAR, month, 3),
                     dt.date(YEAR, month, 26)), rng.choice(county.committees), rng.choice(TOWNS)))
    for topic, month in zip(research, (3, 5, 6, 8, 11), strict=True):
        plan.append((MeetingKind.RESEARCH, f"就{topic}开展专题调研", random_day(rng, dt.date(YEAR, month, 3),
                     dt.date(YEAR, month, 26)), rng.choice(county.committees), rng.choice(TOWNS)))
    return sorted(plan, key=lambda item: (item[2], item[1]))


def build_meetings(county: County, members: list[Member], model: Member) -> None:
    rng = county.rng
    active = [m for m in members if m.active]
    standing = [m for m in active if m.is_standing]
    # Each member's habit: most come, a few often miss (the early-warning list needs them).
    habit = {m.code: pick(rng, (("steady", 80), ("busy", 15), ("absent", 5))) for m in members}
    habit[model.code] = "steady"
    odds = {"steady": (92, 5, 1, 1, 1), "busy": (70, 20, 6, 2, 2), "absent": (40, 20, 36, 2, 2)}
    statuses = (AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT, AttendanceStatus.LATE,
                AttendanceStatus.EARLY)
    notes = {AttendanceStatus.LEAVE: ("因公出差", "病假", "参加上级培训", "家中有事"),
             AttendanceStatus.LATE: ("迟到约20分钟", "迟到约半小时"), AttendanceStatus.EARLY: ("提前离会",)}
    plan = _meeting_plan(county)
    for kind, title, held_on, organiser, location in plan:
        if kind in (MeetingKind.PLENARY, MeetingKind.BRIEFING):
            invited = active
        elif kind == MeetingKind.STANDING:
            invited = standing
        else:
            own = [m for m in active if m.committee is organiser]
            extra = [m for m in standing if m not in own]
            invited = sorted(rng.sample(own, min(len(own), rng.randint(15, 25))) + rng.sample(extra, 5),
                             key=lambda m: m.code)
        created_at = stamp(rng, held_on, rng.randint(1, 3))
        meeting = Meeting(kind=kind, title=title, held_on=held_on, unit=organiser, location=location,
                          state=RecordState.VERIFIED, checkin_nonce="",
                          created_by_id=county.creators.get(organiser.code, county.users["office"]).id,
                          created_at=created_at, submitted_at=created_at,
                          verified_by_id=county.users["office"].id, verified_at=created_at + dt.timedelta(days=1))
        for member in invited:
            status = rng.choices(statuses, odds[habit[member.code]])[0]
            note = rng.choice(notes[status]) if status in notes else ""
            meeting.attendance.append(Attendance(member_id=member.id, status=status, note=note))
        db.session.add(meeting)


def build_checkin_meeting(county: County, members: list[Member], model: Member) -> Meeting:
    """A 专题调研 座谈 held today (whatever day the demo is built), 08:30 to 21:30, organised by the demo clerk's
    committee and inviting its members and the demo member: its 签到 screen and printed code can be tried at once.
    Draws nothing from the seeded generator, so the rest of the county is the same whenever it is built."""
    organiser = model.committee
    assert organiser is not None
    invited = [m for m in members if m.active and m.committee is organiser]
    meeting = Meeting(kind=MeetingKind.RESEARCH, title="就县城停车难问题开展专题调研座谈会（扫码签到）",
                      held_on=beijing_today(), unit=organiser, location="县政协三楼会议室",
                      starts_at=dt.time(8, 30), ends_at=dt.time(21, 30), grace_minutes=15, checkin_nonce="",
                      state=RecordState.DRAFT, created_at=dt.datetime.combine(beijing_today(), dt.time(0, 30)),
                      created_by_id=county.creators.get(organiser.code,
                                                                                 county.users["office"]).id,
                      attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in invited])
    db.session.add(meeting)
    return meeting


def build_meeting_notice(county: County, members: list[Member], model: Member, standing: Member) -> Meeting:
    """An upcoming 专题协商 of the demo clerk's committee (six days from the day the demo is built), and the office's
    会议通知 to its invitees: the demo 常委 replied 参加, the demo member asked for leave (请假待批准 on the sheet and in
    the clerk's 待办: the clerk sees their own units' members only, the demo 常委 is not one). Draws nothing from the
    seeded generator; no past meeting changes."""
    from app.models import Announcement, AnnouncementKind, LeaveState, Notice, Reply, Role, User

    organiser = model.committee
    assert organiser is not None
    own = {m.id: m for m in members if m.active and m.committee is organiser}
    invited = sorted((own | {standing.id: standing}).values(), key=lambda m: m.code)
    held_on = beijing_today() + dt.timedelta(days=6)
    clerk, office = county.users["clerk"], county.users["office"]
    sent = dt.datetime.combine(beijing_today() - dt.timedelta(days=1), dt.time(1, 0))  # UTC: 09:00 in Beijing
    meeting = Meeting(kind=MeetingKind.RESEARCH, title="就优化营商环境开展专题协商座谈会", held_on=held_on,
                      unit=organiser, location="县政协二楼会议室", starts_at=dt.time(14, 30), ends_at=dt.time(17, 0),
                      checkin_nonce="", state=RecordState.DRAFT, created_at=sent - dt.timedelta(hours=1),
                      created_by_id=clerk.id,
                      attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in invited])
    db.session.add(meeting)
    db.session.flush()
    accounts = {u.member_id: u for u in db.session.scalars(sa.select(User).where(
        User.member_id.in_([m.id for m in invited]), User.role == Role.MEMBER, User.active))}
    unreached = [m for m in invited if m.id not in accounts]
    announcement = Announcement(
        kind=AnnouncementKind.MEETING, title=f"关于参加“{meeting.title}”的通知",
        body=(f"各位委员：\n定于{held_on.month}月{held_on.day}日 14:30在县政协二楼会议室召开“{meeting.title}”，"
              "请准时参加。\n如不能参加，请在本通知中点“请假”并写明原因。"),
        meeting_id=meeting.id, unit_id=None, sender_id=office.id, audience=f"“{meeting.title}”的参会人员",
        unreached="、".join(m.name for m in unreached), unreached_count=len(unreached), created_at=sent)
    db.session.add(announcement)
    db.session.flush()
    rows = {a.member_id: a for a in meeting.attendance}
    for member_id, user in accounts.items():
        notice = Notice(user_id=user.id, kind="announcement", text=announcement.title, link="", created_at=sent,
                        announcement_id=announcement.id, member_id=member_id)
        if member_id == standing.id:
            notice.read_at = notice.replied_at = sent + dt.timedelta(hours=2)
            notice.reply = Reply.ATTEND
        elif member_id == model.id:
            notice.read_at = notice.replied_at = sent + dt.timedelta(hours=3)
            notice.reply, notice.reply_reason = Reply.LEAVE, "当天需赴市里参加企业座谈，特此请假。"
            row = rows[member_id]
            row.status, row.note, row.leave_state = AttendanceStatus.LEAVE, notice.reply_reason, LeaveState.PENDING
        db.session.add(notice)
    return meeting
