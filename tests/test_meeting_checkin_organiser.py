"""扫码签到, the organiser's side: 签到时间 on the attendance page, and “未签到的标为缺席” after the window."""
import datetime as dt
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.meetings import checkin
from app.models import (AppraisalYear, Attendance, AttendanceStatus, AuditLog, Meeting, MeetingKind, RecordState,
                        Role)
from app.timeutil import BEIJING
from conftest import text_of

pytestmark = pytest.mark.usefixtures("clock")
DAY = dt.date(2026, 6, 15)  # the clock fixture's day


@contextmanager
def at(hour, minute):
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=BEIJING), tick=False):
        yield


@pytest.fixture
def world(county, make_member, make_user):
    """A meeting 14:30—17:00 with four invitees of committee_a: 张三 (will scan), 李四 (never scans), 王五 (请假 by
    hand), 赵六 (迟到 by hand), all as the organiser left them."""
    db.session.add(AppraisalYear(year=DAY.year, name=f"{DAY.year}年度"))
    people = {name: make_member(name) for name in ("张三", "李四", "王五", "赵六")}
    status = {"王五": AttendanceStatus.LEAVE, "赵六": AttendanceStatus.LATE}
    meeting = Meeting(kind=MeetingKind.INSPECTION, title="视察园区", held_on=DAY, unit_id=county["committee_a"].id,
                      starts_at=dt.time(14, 30), ends_at=dt.time(17, 0), grace_minutes=10,
                      attendance=[Attendance(member_id=m.id, status=status.get(name, AttendanceStatus.PRESENT))
                                  for name, m in people.items()])
    db.session.add(meeting)
    db.session.commit()
    make_user("zhangsan", Role.MEMBER, member_id=people["张三"].id)
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    make_user("clerk_b", Role.CLERK, units=("committee_b",))
    make_user("office", Role.OFFICE)
    return meeting


def statuses(meeting):
    db.session.expire_all()
    return {a.member.name: a.status for a in db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id))}


def version(meeting):
    db.session.expire_all()
    return str(db.session.get(Meeting, meeting.id).version)


def audits(entity, field=None):
    stmt = sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == entity)
    return db.session.scalar(stmt.where(AuditLog.field == field) if field else stmt)


def times_of(meeting):
    db.session.expire_all()
    m = db.session.get(Meeting, meeting.id)
    return m.starts_at, m.ends_at, m.grace_minutes


def field_errors(response, name):
    """The error texts shown beside the field `name`."""
    for chunk in re.split(r'(?=<div class="field)', response.get_data(as_text=True)):
        if f'name="{name}"' in chunk and 'class="errors"' in chunk:
            return re.findall(r"<li>(.*?)</li>", chunk.split('class="errors"', 1)[1])
    return []


# --- 签到时间 ---------------------------------------------------------------------------------------------------

def test_an_imported_meeting_gets_times_and_then_takes_check_ins(client, world, login):
    world.starts_at = world.ends_at = None
    world.grace_minutes = 0
    db.session.commit()
    with at(9, 0):
        login("clerk_a")
        page = client.get(f"/meetings/{world.id}/attendance")
        assert "签到时间" in text_of(page) and "按新的签到时间使用" in text_of(page)
        saved = client.post(f"/meetings/{world.id}/checkin/times", follow_redirects=True, data={
            "version": version(world), "starts_at": "09:30", "ends_at": "11:00", "grace_minutes": "5"})
        assert saved.status_code == 200 and "已保存签到时间" in text_of(saved)
    assert times_of(world) == (dt.time(9, 30), dt.time(11), 5)
    assert audits("meeting", "starts_at") == audits("meeting", "ends_at") == audits("meeting", "grace_minutes") == 1
    with at(9, 10):
        client.post("/auth/logout")
        login("zhangsan")
        db.session.refresh(world)
        scan = client.get("/meetings/checkin/" + checkin.printed_token(world))
    assert "签到成功" in text_of(scan)


def test_the_printed_code_follows_the_new_window(client, world, login):
    db.session.refresh(world)
    printed = "/meetings/checkin/" + checkin.printed_token(world)
    with at(9, 0):
        login("clerk_a")
        client.post(f"/meetings/{world.id}/checkin/times", data={
            "version": version(world), "starts_at": "09:30", "ends_at": "11:00", "grace_minutes": "0"})
        client.post("/auth/logout")
    with at(9, 40):  # before 13:30, when the old window would have opened
        login("zhangsan")
        assert "签到成功" in text_of(client.get(printed))
    assert statuses(world)["张三"] == AttendanceStatus.LATE


@pytest.mark.parametrize("data, field, message", [
    ({"starts_at": "15:00", "ends_at": "14:00"}, "ends_at", "结束时间应晚于开始时间"),
    ({"starts_at": "15:00", "ends_at": ""}, "ends_at", "需要同时填写开始和结束时间"),
    ({"starts_at": "25:00", "ends_at": "16:00"}, "starts_at", ""),
    ({"starts_at": "15:00", "ends_at": "16:00", "grace_minutes": "999"}, "grace_minutes", ""),
])
def test_the_create_forms_rule_errors_beside_the_field(client, world, login, data, field, message):
    with at(9, 0):
        login("clerk_a")
        response = client.post(f"/meetings/{world.id}/checkin/times",
                               data={"version": version(world), "grace_minutes": "0"} | data)
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors and message in errors[0]
    assert times_of(world) == (dt.time(14, 30), dt.time(17), 10)
    assert audits("meeting") == 0


def test_clearing_both_times_stops_check_in(client, world, login):
    with at(9, 0):
        login("clerk_a")
        client.post(f"/meetings/{world.id}/checkin/times",
                    data={"version": version(world), "starts_at": "", "ends_at": "", "grace_minutes": ""})
    assert times_of(world) == (None, None, 0)


def test_a_stale_page_changes_nothing(client, world, login):
    with at(9, 0):
        login("clerk_a")
        old = version(world)
        client.post(f"/meetings/{world.id}/checkin/times",
                    data={"version": old, "starts_at": "09:30", "ends_at": "11:00", "grace_minutes": "0"})
        again = client.post(f"/meetings/{world.id}/checkin/times", follow_redirects=True,
                            data={"version": old, "starts_at": "08:00", "ends_at": "08:30", "grace_minutes": "0"})
    assert "该会议已被他人修改" in text_of(again)
    assert times_of(world)[:2] == (dt.time(9, 30), dt.time(11))


# --- 未签到的标为缺席 -------------------------------------------------------------------------------------------

def test_after_the_end_unscanned_invitees_become_absent_and_hand_changes_stay(client, world, login):
    with at(14, 20):
        login("zhangsan")
        client.get("/meetings/checkin/" + checkin.token(world))
        client.post("/auth/logout")
        login("clerk_a")
        during = client.get(f"/meetings/{world.id}/attendance")
        assert "未签到的标为缺席" not in text_of(during) and "签到 14:20" in text_of(during)
        early = client.post(f"/meetings/{world.id}/checkin/absent", data={"version": version(world)})
        assert early.status_code == 403
    assert statuses(world)["李四"] == AttendanceStatus.PRESENT
    with at(17, 1):
        login("clerk_a")  # a new sign-in: the idle session from 14:20 has timed out
        page = client.get(f"/meetings/{world.id}/attendance")
        assert "未签到的标为缺席" in text_of(page) and "仍为“出席”且没有签到时间的 1 名委员" in text_of(page)
        assert "确定将 1 名未签到的委员标为缺席？" in page.get_data(as_text=True)
        done = client.post(f"/meetings/{world.id}/checkin/absent", data={"version": version(world)},
                           follow_redirects=True)
    assert "已将 1 名未签到的委员标为缺席" in text_of(done)
    assert statuses(world) == {"张三": AttendanceStatus.PRESENT, "李四": AttendanceStatus.ABSENT,
                               "王五": AttendanceStatus.LEAVE, "赵六": AttendanceStatus.LATE}
    [log] = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "attendance",
                                                         AuditLog.field == "status", AuditLog.after == "缺席"))
    assert (log.before, log.reason) == ("出席", "李四")
    with at(17, 2):  # once more: nothing left to change
        again = client.post(f"/meetings/{world.id}/checkin/absent", data={"version": version(world)},
                            follow_redirects=True)
    assert "已将 0 名" in text_of(again)
    assert "没有仍为“出席”且未签到的委员" in text_of(again) and "未签到的标为缺席" not in text_of(again)
    assert audits("attendance", "status") == 2  # 张三's scan, 李四's marking


def test_the_office_may_mark_too(client, world, login):
    with at(18, 0):
        login("office")
        client.post(f"/meetings/{world.id}/checkin/absent", data={"version": version(world)})
    assert statuses(world)["李四"] == AttendanceStatus.ABSENT


def test_another_units_clerk_is_refused_by_url(client, world, login):
    with at(18, 0):
        login("clerk_b")
        assert client.post(f"/meetings/{world.id}/checkin/absent",
                           data={"version": version(world)}).status_code in (403, 404)
        assert client.post(f"/meetings/{world.id}/checkin/times", data={
            "version": version(world), "starts_at": "09:00", "ends_at": "10:00"}).status_code in (403, 404)
    assert statuses(world)["李四"] == AttendanceStatus.PRESENT
    assert times_of(world) == (dt.time(14, 30), dt.time(17), 10)
    assert audits("meeting") == audits("attendance") == 0


@pytest.mark.parametrize("state", [RecordState.SUBMITTED, RecordState.VERIFIED, "locked"])
def test_not_offered_and_refused_once_submitted(client, world, login, state):
    if state == "locked":
        world.locked = True
    else:
        world.state = state
    db.session.commit()
    with at(18, 0):
        login("office")
        page = text_of(client.get(f"/meetings/{world.id}/attendance"))
        assert "未签到的标为缺席" not in page and "保存签到时间" not in page
        assert client.post(f"/meetings/{world.id}/checkin/absent",
                           data={"version": version(world)}).status_code == 403
        assert client.post(f"/meetings/{world.id}/checkin/times", data={
            "version": version(world), "starts_at": "09:00", "ends_at": "10:00"}).status_code == 403
    assert statuses(world)["李四"] == AttendanceStatus.PRESENT
    assert times_of(world) == (dt.time(14, 30), dt.time(17), 10)


def test_a_meeting_without_times_offers_no_marking(client, world, login):
    world.starts_at = world.ends_at = None
    db.session.commit()
    with at(23, 0):
        login("clerk_a")
        assert "未签到的标为缺席" not in text_of(client.get(f"/meetings/{world.id}/attendance"))
        assert client.post(f"/meetings/{world.id}/checkin/absent",
                           data={"version": version(world)}).status_code == 403


# --- a sheet opened before the scans -----------------------------------------------------------------------------

def posted_sheet(html):
    """What the browser would post from the attendance page as shown: each checked radio, note and hidden field."""
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        kind, name = attrs.get("type"), attrs.get("name", "")
        if kind in ("hidden", "text") or (kind == "radio" and re.search(r"\schecked\b", tag)):
            data[name] = attrs.get("value", "")
    return data


def test_a_sheet_opened_before_the_scans_keeps_them_and_the_organisers_own_changes(client, world, login):
    people = {a.member.name: a.member_id for a in world.attendance}
    with at(14, 25):
        login("clerk_a")
        sheet = posted_sheet(client.get(f"/meetings/{world.id}/attendance").get_data(as_text=True))
    assert sheet[f"status-{people['张三']}"] == sheet[f"was-status-{people['张三']}"] == "PRESENT"
    with at(14, 45):  # 张三 scans late while the organiser's page stays open
        client.post("/auth/logout")
        login("zhangsan")
        assert "签到成功" in text_of(client.get("/meetings/checkin/" + checkin.token(world)))
        client.post("/auth/logout")
    assert statuses(world)["张三"] == AttendanceStatus.LATE
    sheet[f"status-{people['李四']}"] = "ABSENT"  # the organiser's own change on the open page
    sheet[f"note-{people['王五']}"] = "出差"
    with at(14, 50):
        login("clerk_a")
        saved = client.post(f"/meetings/{world.id}/attendance", data={**sheet, "action": "draft"},
                            follow_redirects=True)
    assert "已保存草稿" in text_of(saved) and "张三 的出席情况有了新的登记" in text_of(saved)
    assert statuses(world) == {"张三": AttendanceStatus.LATE, "李四": AttendanceStatus.ABSENT,
                               "王五": AttendanceStatus.LEAVE, "赵六": AttendanceStatus.LATE}
    # a correction the organiser makes on purpose wins over the scan
    with at(14, 55):
        sheet = posted_sheet(client.get(f"/meetings/{world.id}/attendance").get_data(as_text=True))
        sheet[f"status-{people['张三']}"] = "PRESENT"
        again = client.post(f"/meetings/{world.id}/attendance", data={**sheet, "action": "draft"},
                            follow_redirects=True)
    assert "有了新的登记" not in text_of(again)
    assert statuses(world)["张三"] == AttendanceStatus.PRESENT
