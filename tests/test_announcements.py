"""通知公告: the office or a unit writes a notice to members (errors beside the fields, whom it reaches and who has no
account shown before sending, sent once however often the form is posted); a clerk reaches and follows only their
own units'; a member reads unread ones first and answers a meeting notice 参加 or 请假 (with a reason) until the
meeting starts; a 请假 waits on the attendance sheet for the organiser's 批准 / 不批准 and never overwrites what the
organiser set; the sender sees who read it and who answered what; the 预警名单 sends each member their own reminder."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import time_machine
from conftest import text_of

from app.extensions import db
from app.models import (Activity, Announcement, AnnouncementKind, AppraisalYear, Attendance, AttendanceStatus,
                        Category, LeaveState, Meeting, MeetingKind, Notice, RecordState, Reply, Role, User)
from app.notices import announcements

MEETING_DAY = dt.date(2026, 6, 18)  # three days after the clock's day (2026-06-15 10:00 Beijing)


@pytest.fixture
def login(client, login):
    """Sign in as `username`, signing out whoever was signed in."""
    def do(username, password=None):
        client.post("/auth/logout")
        return login(username, password) if password else login(username)
    return do


@pytest.fixture
def world(clock, year, make_member, make_user):
    units = year
    db.session.add(AppraisalYear(year=2026, name="2026年度"))
    zhang = make_member("张三", sector="sector_a", committee="committee_a")
    li = make_member("李四", sector="sector_b", committee="committee_b", liaison="liaison_b")
    wang = make_member("王五", sector="sector_a", committee="committee_a")  # no account
    zhao = make_member("赵六", sector="sector_b", committee="committee_a", liaison="liaison_b")
    make_user("office", Role.OFFICE)
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    make_user("clerk_b", Role.CLERK, units=("committee_b",))
    make_user("zhang", Role.MEMBER, member_id=zhang.id)
    make_user("li", Role.MEMBER, member_id=li.id)
    make_user("zhao", Role.MEMBER, member_id=zhao.id)
    meeting = Meeting(kind=MeetingKind.RESEARCH, title="民营经济专题调研", held_on=MEETING_DAY,
                      unit_id=units["committee_a"].id, location="县政协三楼会议室", starts_at=dt.time(14, 30),
                      ends_at=dt.time(17, 0), state=RecordState.DRAFT,
                      attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT)
                                  for m in (zhang, wang, zhao)])
    db.session.add(meeting)
    db.session.commit()
    return {"units": units, "zhang": zhang, "li": li, "wang": wang, "zhao": zhao, "meeting": meeting}


def compose(client, **fields):
    data = {"kind": "STUDY", "title": "学习材料：政协章程", "body": "第一行\n<b>第二行</b>", "target": "units",
            "request_token": "ab" * 16, "action": "preview"} | fields
    return client.post("/notices/new", data=data)


def send_meeting_notice(client, login, world):
    login("clerk_a")
    response = compose(client, kind="MEETING", title="调研通知", target="meeting", meeting=str(world["meeting"].id),
                       action="send")
    assert response.status_code == 302, text_of(response)
    return db.session.scalar(sa.select(Announcement).where(Announcement.title == "调研通知"))


def notice_of(username, announcement):
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return db.session.scalar(sa.select(Notice).where(Notice.user_id == user.id,
                                                     Notice.announcement_id == announcement.id))


def row_of(world, name):
    db.session.expire_all()
    return db.session.scalar(sa.select(Attendance).where(Attendance.meeting_id == world["meeting"].id,
                                                         Attendance.member_id == world[name].id))


def reply(client, notice, answer, reason=""):
    return client.post(f"/notices/{notice.id}/reply", data={"reply": answer, "reason": reason})


# --- composing -------------------------------------------------------------------------------------------------

def test_errors_show_beside_the_fields_and_nothing_is_sent(client, login, world):
    login("office")
    page = text_of(compose(client, title="", target="units"))
    assert "请填写标题。" in page and "请选择您负责的单位。" in page
    page = text_of(compose(client, target="members"))
    assert "请选择您负责范围内的委员。" in page
    page = text_of(compose(client, target="meeting"))
    assert "请选择您的单位组织的会议。" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_the_preview_counts_whom_it_reaches_and_names_who_has_no_account(client, login, world):
    login("office")
    page = text_of(compose(client, units=[str(world["units"]["committee_a"].id)]))
    assert "将发送给 2 名委员" in page and "其中 1 名委员没有可用的账号" in page and "王五" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0  # a preview sends nothing


def test_sending_makes_one_notice_each_once_however_often_it_is_posted(client, login, world):
    login("office")
    fields = {"units": [str(world["units"]["committee_a"].id)], "action": "send"}
    first, second = compose(client, **fields), compose(client, **fields)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 1
    announcement = db.session.scalar(sa.select(Announcement))
    assert announcement.kind == AnnouncementKind.STUDY and announcement.unit_id is None
    assert announcement.unreached == "王五" and announcement.unreached_count == 1
    assert {n.user.username for n in announcements.recipients(announcement)} == {"zhang", "zhao"}
    log = db.session.execute(sa.text("SELECT count(*) FROM audit_log WHERE entity = 'announcement'")).scalar()
    assert log > 0


def test_everyone_reaches_every_member_with_an_account(client, login, world):
    login("office")
    assert compose(client, target="all", action="send").status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))
    assert {n.user.username for n in announcements.recipients(announcement)} == {"zhang", "li", "zhao"}


# --- scope ---------------------------------------------------------------------------------------------------

def test_a_clerk_reaches_only_their_own_units_members(client, login, world):
    login("clerk_b")
    assert "选定单位的委员" in text_of(client.get("/notices/new"))
    assert "全体委员" not in text_of(client.get("/notices/new"))
    page = text_of(compose(client, target="all", action="send"))
    assert "请选择发送对象。" in page
    page = text_of(compose(client, units=[str(world["units"]["committee_a"].id)], action="send"))
    assert "请选择您负责的单位。" in page
    page = text_of(compose(client, target="members", members=[str(world["zhang"].id)], action="send"))
    assert "请选择您负责范围内的委员。" in page
    page = text_of(compose(client, target="meeting", meeting=str(world["meeting"].id), action="send"))
    assert "请选择您的单位组织的会议。" in page
    assert client.get(f"/notices/new?meeting={world['meeting'].id}").status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_a_clerk_follows_only_what_their_unit_sent(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    assert announcement.unit_id == world["units"]["committee_a"].id
    login("clerk_b")
    assert client.get(f"/notices/sent/{announcement.id}").status_code == 404
    assert "调研通知" not in text_of(client.get("/notices/sent"))
    login("clerk_a")
    assert "调研通知" in text_of(client.get("/notices/sent"))
    login("office")
    assert "调研通知" in text_of(client.get(f"/notices/sent/{announcement.id}"))
    login("zhang")
    assert client.get("/notices/sent").status_code == 403
    assert client.get(f"/notices/{notice_of('zhao', announcement).id}").status_code == 404  # another's notice


# --- the member's side -----------------------------------------------------------------------------------------

def test_a_member_sees_unread_first_and_opening_one_marks_it_read(client, login, world):
    login("office")
    zhang = [str(world["zhang"].id)]
    compose(client, target="members", members=zhang, title="第一份", request_token="01" * 16, action="send")
    compose(client, target="members", members=zhang, title="第二份", request_token="02" * 16, action="send")
    first = db.session.scalar(sa.select(Announcement).where(Announcement.title == "第一份"))
    second = db.session.scalar(sa.select(Announcement).where(Announcement.title == "第二份"))
    login("zhang")
    opened = client.get(f"/notices/{notice_of('zhang', second).id}")
    assert opened.status_code == 200
    html = opened.get_data(as_text=True)
    assert "第一行\n&lt;b&gt;第二行&lt;/b&gt;" in html  # escaped, line breaks kept (white-space: pre-line)
    assert notice_of("zhang", second).read_at is not None and notice_of("zhang", first).read_at is None
    page = text_of(client.get("/notices/"))
    assert page.index("第一份") < page.index("第二份")  # unread first, though older


def test_a_meeting_notice_is_prefilled_from_the_meeting(client, login, world):
    login("clerk_a")
    page = client.get(f"/meetings/{world['meeting'].id}/attendance")
    assert "发送会议通知" in text_of(page)
    form = client.get(f"/notices/new?meeting={world['meeting'].id}").get_data(as_text=True)
    assert "关于参加“民营经济专题调研”的通知" in form and "县政协三楼会议室" in form and "14:30" in form


def test_leave_with_a_reason_waits_for_the_organiser_and_attend_takes_it_back(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    notice = notice_of("zhang", announcement)
    login("zhang")
    page = text_of(client.get(f"/notices/{notice.id}"))
    assert "参加" in page and "请假" in page
    assert "请填写请假原因。" in text_of(reply(client, notice, "LEAVE"))
    assert "不能超过 200 个字" in text_of(reply(client, notice, "LEAVE", "长" * 201))
    assert row_of(world, "zhang").status == AttendanceStatus.PRESENT
    assert reply(client, notice, "LEAVE", "出差在外").status_code == 302
    row = row_of(world, "zhang")
    assert (row.status, row.note, row.leave_state) == (AttendanceStatus.LEAVE, "出差在外", LeaveState.PENDING)
    assert notice_of("zhang", announcement).reply == Reply.LEAVE
    reply(client, notice, "ATTEND")
    row = row_of(world, "zhang")
    assert (row.status, row.note, row.leave_state) == (AttendanceStatus.PRESENT, "", None)


def test_the_organiser_approves_or_declines(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    reply(client, notice_of("zhang", announcement), "LEAVE", "住院")
    login("zhao")
    reply(client, notice_of("zhao", announcement), "LEAVE", "家中有事")
    login("clerk_a")
    assert "2 条请假待批准" in text_of(client.get("/"))
    sheet = text_of(client.get(f"/meetings/{world['meeting'].id}/attendance"))
    assert "请假待批准" in sheet and "住院" in sheet and "家中有事" in sheet
    url = f"/meetings/{world['meeting'].id}/leave"
    login("clerk_b")
    assert client.post(url, data={"attendance_id": row_of(world, "zhang").id,
                                  "action": "approve"}).status_code in (403, 404)
    login("clerk_a")
    client.post(url, data={"attendance_id": row_of(world, "zhang").id, "action": "approve"})
    client.post(url, data={"attendance_id": row_of(world, "zhao").id, "action": "decline"})
    zhang, zhao = row_of(world, "zhang"), row_of(world, "zhao")
    assert (zhang.status, zhang.leave_state) == (AttendanceStatus.LEAVE, LeaveState.APPROVED)
    assert (zhao.status, zhao.leave_state) == (AttendanceStatus.ABSENT, LeaveState.DECLINED)
    assert "请假待批准" not in text_of(client.get("/"))
    login("zhao")  # told, and 参加 after the decision changes nothing on the sheet
    assert "未获批准" in text_of(client.get("/notices/"))
    reply(client, notice_of("zhao", announcement), "ATTEND")
    assert row_of(world, "zhao").status == AttendanceStatus.ABSENT


def test_a_reply_never_overwrites_what_the_organiser_set(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    row = row_of(world, "zhang")
    row.status, row.note = AttendanceStatus.LEAVE, "办公室已登记"
    db.session.commit()
    login("zhang")
    response = reply(client, notice_of("zhang", announcement), "ATTEND")
    assert "组织单位已登记您的出席情况为“请假”" in text_of(client.get(response.headers["Location"]))
    row = row_of(world, "zhang")
    assert (row.status, row.note, row.leave_state) == (AttendanceStatus.LEAVE, "办公室已登记", None)


def test_no_reply_change_after_the_start_or_once_the_sheet_is_submitted(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    notice = notice_of("zhang", announcement)
    with time_machine.travel(dt.datetime(2026, 6, 18, 6, 31, tzinfo=dt.UTC), tick=False):  # 14:31 in Beijing
        login("zhang")
        page = text_of(reply(client, notice, "LEAVE", "临时有事"))
        assert "不能再更改回复" in page
        assert "不能再更改回复" in text_of(client.get(f"/notices/{notice.id}"))
    assert row_of(world, "zhang").status == AttendanceStatus.PRESENT
    meeting = db.session.get(Meeting, world["meeting"].id)
    meeting.state = RecordState.VERIFIED
    db.session.commit()
    login("zhang")
    page = text_of(reply(client, notice, "LEAVE", "临时有事"))
    assert "已经提交或核实" in page
    assert row_of(world, "zhang").status == AttendanceStatus.PRESENT


def test_read_receipts_and_replies_are_counted_for_the_sender(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    login("clerk_a")
    listing = text_of(client.get("/notices/sent"))
    assert "1 / 2" in listing and "参加 0 / 请假 1 / 未回复 1" in listing
    detail = text_of(client.get(f"/notices/sent/{announcement.id}"))
    assert "出差" in detail and "未读" in detail and "王五" in detail  # zhao unread; 王五 unreached


# --- the 预警名单 --------------------------------------------------------------------------------------------------

def test_a_reminder_says_what_the_member_has_not_done():
    assert announcements.reminder_text(2025, [Category.RELIEF, Category.ENTERPRISE], 0) == \
        "您2025年度还没有完成“解一难”“引一企”，请抓紧。"
    assert announcements.reminder_text(2025, [], 2) == "您2025年度已缺席会议和活动 2 次，请按时参加。"


def test_the_warnings_list_sends_each_member_their_own_reminder_after_a_confirm(client, login, world):
    for category in (Category.IDEA, Category.ENTERPRISE, Category.PAIRING):
        db.session.add(Activity(unit_id=world["units"]["committee_a"].id, member_id=world["zhang"].id,
                                category=category, kind="提案", title="记录", occurred_on=dt.date(2026, 3, 1),
                                state=RecordState.VERIFIED))
    db.session.commit()
    login("clerk_a")
    filters = {"year": "2026", "unit": str(world["units"]["committee_a"].id), "problem": "", "q": ""}
    assert "发送提醒" in text_of(client.get("/dashboard/warnings", query_string=filters))
    confirm = text_of(client.post("/dashboard/warnings/remind", data=filters))
    assert "将向 2 名委员各发一条提醒" in confirm and "1 名委员没有可用的账号" in confirm and "王五" in confirm
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    sent = filters | {"confirm": "1", "request_token": "cd" * 16}
    assert client.post("/dashboard/warnings/remind", data=sent).status_code == 302
    assert client.post("/dashboard/warnings/remind", data=sent).status_code == 302  # a double click: once
    announcement = db.session.scalar(sa.select(Announcement))
    assert announcement.kind == AnnouncementKind.WARNING
    assert notice_of("zhang", announcement).text == "您2026年度还没有完成“解一难”，请抓紧。"
    assert "献一智" in notice_of("zhao", announcement).text
    login("zhang")
    assert "您2026年度还没有完成“解一难”，请抓紧。" in text_of(client.get("/notices/"))
    login("clerk_b")  # another unit's list is not theirs to send
    assert client.post("/dashboard/warnings/remind", data=filters).status_code == 404


# --- an empty database -----------------------------------------------------------------------------------------

def test_the_pages_work_on_an_empty_database(client, login, app):
    from app.auth.passwords import hash_password
    db.session.add(User(username="office", display_name="办公室", role=Role.OFFICE,
                        password_hash=hash_password("Passw0rd-Long!", app.config), must_change_password=False))
    db.session.commit()
    response = login("office", "Passw0rd-Long!")
    assert response.status_code == 302, text_of(response)
    for url in ("/notices/", "/notices/new", "/notices/sent"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.headers.get("Location"))
    assert "还没有发过通知。" in text_of(client.get("/notices/sent"))
    page = text_of(compose(client, target="all", action="send"))
    assert "所选委员都没有可用的账号" in page
    assert re.search("没有可选的委员", page)


def test_the_organiser_setting_a_pending_row_on_the_sheet_decides_it(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    login("clerk_a")
    meeting = db.session.get(Meeting, world["meeting"].id)
    db.session.refresh(meeting)
    zhang = world["zhang"].id
    client.post(f"/meetings/{meeting.id}/attendance", data={"version": meeting.version, "action": "draft",
                                                            f"status-{zhang}": "PRESENT", f"note-{zhang}": ""})
    row = row_of(world, "zhang")
    assert (row.status, row.leave_state) == (AttendanceStatus.PRESENT, None)
    assert "请假待批准" not in text_of(client.get("/"))


def test_a_sheet_opened_before_the_leave_request_keeps_it_on_save(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    meeting = db.session.get(Meeting, world["meeting"].id)
    version, zhang, zhao = meeting.version, world["zhang"].id, world["zhao"].id
    shown = {f"{prefix}status-{i}": "PRESENT" for i in (zhang, zhao) for prefix in ("", "was-")}
    shown |= {f"{prefix}note-{i}": "" for i in (zhang, zhao) for prefix in ("", "was-")}
    login("zhang")  # asks for leave while the clerk has the sheet open
    reply(client, notice_of("zhang", announcement), "LEAVE", "出差")
    login("clerk_a")
    client.post(f"/meetings/{meeting.id}/attendance",
                data=shown | {"version": version, "action": "draft", f"status-{zhao}": "ABSENT"})
    row = row_of(world, "zhang")
    assert (row.status, row.note, row.leave_state) == (AttendanceStatus.LEAVE, "出差", LeaveState.PENDING)
    assert row_of(world, "zhao").status == AttendanceStatus.ABSENT


def test_an_unanswered_meeting_notice_is_on_the_members_to_do_list(client, login, world):
    announcement = send_meeting_notice(client, login, world)
    login("zhang")
    assert "会议通知待回复：调研通知" in text_of(client.get("/"))
    reply(client, notice_of("zhang", announcement), "ATTEND")
    assert "会议通知待回复" not in text_of(client.get("/"))
