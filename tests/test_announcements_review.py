"""Second review of 通知公告 and meetings set up ahead: a reply only to a meeting notice; a clerk follows only the
recipients in their own scope; a meeting not yet held shows no attendance as done; an organiser's undecided leave
requests stop the sheet being sent for verification."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine
from conftest import text_of
from test_announcements import (compose, login, notice_of, reply, row_of, send_meeting_notice,  # noqa: F401
                                world)

from app.extensions import db
from app.models import Announcement, AttendanceStatus, LeaveState, Meeting, RecordState, Role


def test_a_study_notice_sent_to_a_meetings_invitees_takes_no_reply(client, login, world):
    login("clerk_a")
    compose(client, kind="STUDY", title="会前学习", target="meeting", meeting=str(world["meeting"].id), action="send")
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.title == "会前学习"))
    login("zhang")
    response = reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    assert response.status_code == 400
    row = row_of(world, "zhang")
    assert (row.status, row.leave_state) == (AttendanceStatus.PRESENT, None)
    assert notice_of("zhang", announcement).reply is None


def test_a_clerk_sees_only_the_recipients_in_their_own_units(client, login, world, make_user):
    make_user("clerk_ab", Role.CLERK, units=("committee_a", "committee_b"))
    login("clerk_ab")  # sends for 专委会A (their first unit) to 专委会B's members
    response = compose(client, title="两委联合通知", units=str(world["units"]["committee_b"].id), action="send")
    assert response.status_code == 302
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.title == "两委联合通知"))
    assert announcement.unit_id == world["units"]["committee_a"].id
    assert "li" in text_of(client.get(f"/notices/sent/{announcement.id}"))
    login("clerk_a")  # 专委会A's other clerk follows what the unit sent, but not 专委会B's members
    page = text_of(client.get(f"/notices/sent/{announcement.id}"))
    assert "两委联合通知" in page
    assert " li " not in f" {page} " and "已读 0 / 0" in page


def test_a_clerk_sees_only_the_unreached_members_of_their_own_units(client, login, world, make_member):
    make_member("钱七", sector="sector_b", committee="committee_b")  # no account, 专委会B
    login("office")
    compose(client, title="全体通知", target="all", action="send")
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.title == "全体通知"))
    assert "王五" in announcement.unreached and "钱七" in announcement.unreached
    assert "钱七" in text_of(client.get(f"/notices/sent/{announcement.id}"))
    announcement.unit_id = world["units"]["committee_a"].id  # as if 专委会A had sent it
    db.session.commit()
    login("clerk_a")
    page = text_of(client.get(f"/notices/sent/{announcement.id}"))
    assert "王五" in page and "钱七" not in page and "1 名委员没有可用的账号" in page


def test_a_meeting_not_yet_held_shows_no_attendance_on_the_members_page(client, login, world):
    login("office")  # the meeting is in three days, its rows still the default 出席
    page = text_of(client.get(f"/members/{world['zhang'].id}"))
    shown = page.split("民营经济专题调研", 1)[1][:40]
    assert "尚未召开" in shown and "出席" not in shown


def test_a_sheet_with_an_undecided_leave_request_is_not_sent_for_verification(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    meeting = db.session.get(Meeting, world["meeting"].id)
    zhang, zhao = world["zhang"].id, world["zhao"].id
    with time_machine.travel(dt.datetime(2026, 6, 18, 10, 0, tzinfo=dt.UTC), tick=False):  # after the meeting
        login("clerk_a")
        db.session.refresh(meeting)
        sheet = {"version": meeting.version, "action": "submit", f"status-{zhang}": "LEAVE", f"note-{zhang}": "出差",
                 f"status-{zhao}": "PRESENT", f"note-{zhao}": ""}
        page = text_of(client.post(f"/meetings/{meeting.id}/attendance", data=sheet))
        assert "还有 1 条请假待批准（张三）" in page
        db.session.refresh(meeting)
        assert meeting.state == RecordState.DRAFT
        row = row_of(world, "zhang")
        assert row.leave_state == LeaveState.PENDING
        client.post(f"/meetings/{meeting.id}/leave", data={"version": meeting.version, "attendance_id": row.id,
                                                          "action": "approve"})
        db.session.refresh(meeting)
        response = client.post(f"/meetings/{meeting.id}/attendance", data=sheet | {"version": meeting.version})
        assert response.status_code == 302, text_of(response)
        db.session.refresh(meeting)
        assert meeting.state == RecordState.SUBMITTED


def test_a_meeting_is_not_sent_for_verification_before_it_starts_on_its_day(client, login, world):
    meeting = db.session.get(Meeting, world["meeting"].id)
    zhang, zhao = world["zhang"].id, world["zhao"].id
    sheet = {"action": "submit", f"status-{zhang}": "PRESENT", f"note-{zhang}": "", f"status-{zhao}": "PRESENT",
             f"note-{zhao}": ""}
    with time_machine.travel(dt.datetime(2026, 6, 18, 1, 0, tzinfo=dt.UTC), tick=False):  # 09:00, it starts 14:30
        login("clerk_a")
        page = text_of(client.post(f"/meetings/{meeting.id}/attendance", data=sheet | {"version": meeting.version}))
        assert "会议还没有召开（2026年6月18日 14:30）" in page
        db.session.refresh(meeting)
        assert meeting.state == RecordState.DRAFT
    with time_machine.travel(dt.datetime(2026, 6, 18, 6, 30, tzinfo=dt.UTC), tick=False):  # 14:30: it has begun
        login("clerk_a")
        response = client.post(f"/meetings/{meeting.id}/attendance", data=sheet | {"version": meeting.version})
        assert response.status_code == 302, text_of(response)
        db.session.refresh(meeting)
        assert meeting.state == RecordState.SUBMITTED


def test_the_notices_page_reads_the_announcements_at_once(client, login, world):
    login("office")
    for n in range(12):
        compose(client, title=f"学习材料{n}", target="all", request_token=f"{n:02d}" * 16, action="send")
    login("zhang")
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = text_of(client.get("/notices/"))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert "学习材料0" in page and "学习材料11" in page
    assert len(statements) < 12


def test_a_member_taken_off_the_invitees_is_not_asked_to_reply(client, login, world):
    from app.models import Attendance

    announcement = send_meeting_notice(client, login, world)
    db.session.execute(sa.delete(Attendance).where(Attendance.id == row_of(world, "zhang").id))
    db.session.commit()
    login("zhang")
    assert "会议通知待回复" not in text_of(client.get("/"))
    notice = notice_of("zhang", announcement)
    page = text_of(client.get(f"/notices/{notice.id}"))
    assert "您已不在本次会议的参会名单中" in page and "提交请假" not in page
    response = reply(client, notice, "LEAVE", "出差")
    assert response.status_code == 400 and "您已不在本次会议的参会名单中" in text_of(response)
    assert notice_of("zhang", announcement).reply is None
    login("zhao")  # still invited: still asked
    assert "会议通知待回复：调研通知" in text_of(client.get("/"))


def test_a_decision_reads_the_request_as_it_is_now(client, login, world):
    """The organiser's page loaded the row while pending; the member took the request back before the click."""
    from app.models import Attendance, User

    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    meeting = db.session.get(Meeting, world["meeting"].id)
    row = row_of(world, "zhang")
    assert row.leave_state == LeaveState.PENDING
    db.session.execute(sa.update(Attendance).where(Attendance.id == row.id)  # another request's write
                       .values(status=AttendanceStatus.PRESENT, note="", leave_state=None)
                       .execution_options(synchronize_session=False))
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk_a"))
    from app.notices import announcements

    assert announcements.decide(meeting, row, False, clerk) == "这条请假已经处理过了。"
    assert (row.status, row.leave_state) == (AttendanceStatus.PRESENT, None)
