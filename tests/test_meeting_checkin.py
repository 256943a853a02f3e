"""扫码签到: a member checks in at a meeting by scanning its code; the organiser's 签到 screen and printed code."""
import datetime as dt
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.meetings import checkin
from app.models import (AppraisalYear, Attendance, AttendanceStatus, AuditLog, Meeting, MeetingKind, RecordState,
                        Role)
from app.timeutil import BEIJING
from conftest import PASSWORD, text_of

pytestmark = pytest.mark.usefixtures("clock")
DAY = dt.date(2026, 6, 15)  # the clock fixture's day


@contextmanager
def at(hour, minute, second=0):
    """The clock at hh:mm:ss in Beijing on DAY, standing still."""
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(hour, minute, second), tzinfo=BEIJING), tick=False):
        yield


@pytest.fixture
def world(county, make_member, make_user):
    db.session.add(AppraisalYear(year=DAY.year, name=f"{DAY.year}年度"))
    invited, outsider = make_member("张三"), make_member("李四")
    meeting = Meeting(kind=MeetingKind.INSPECTION, title="视察园区", held_on=DAY, unit_id=county["committee_a"].id,
                      starts_at=dt.time(14, 30), ends_at=dt.time(17, 0), grace_minutes=10,
                      attendance=[Attendance(member_id=invited.id, status=AttendanceStatus.ABSENT)])
    db.session.add(meeting)
    db.session.commit()
    make_user("zhangsan", Role.MEMBER, member_id=invited.id)
    make_user("lisi", Role.MEMBER, member_id=outsider.id)
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    make_user("clerk_b", Role.CLERK, units=("committee_b",))
    return meeting


def code_path(meeting, printed=False):
    db.session.refresh(meeting)
    return "/meetings/checkin/" + (checkin.printed_token(meeting) if printed else checkin.token(meeting))


def rows(meeting):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id)))


def checkin_audits():
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "attendance", AuditLog.field == "checked_in_at"))


def test_a_member_checks_in_once_however_often_they_scan(client, world, login):
    with at(14, 25):
        login("zhangsan")
        first = client.get(code_path(world))
        assert first.status_code == 200 and "签到成功" in text_of(first) and "14:25" in text_of(first)
        again = client.get(code_path(world))
        assert again.status_code == 200 and "您已签到" in text_of(again)
    [row] = rows(world)
    assert row.status == AttendanceStatus.PRESENT
    assert row.checked_in_at == dt.datetime(2026, 6, 15, 6, 25)  # kept in UTC
    assert checkin_audits() == 1


def test_after_the_start_plus_grace_it_is_late(client, world, login):
    with at(14, 41):
        login("zhangsan")
        page = text_of(client.get(code_path(world)))
    assert "迟到" in page
    assert rows(world)[0].status == AttendanceStatus.LATE


def test_within_the_grace_it_is_present(client, world, login):
    with at(14, 40):
        login("zhangsan")
        client.get(code_path(world))
    assert rows(world)[0].status == AttendanceStatus.PRESENT


@pytest.mark.parametrize(("hour", "minute", "message"), [(13, 29, "签到尚未开始"), (17, 1, "签到已结束")])
def test_outside_the_window_nothing_is_recorded(client, world, login, hour, minute, message):
    with at(hour, minute):
        login("zhangsan")
        response = client.get(code_path(world))
    assert response.status_code == 403 and message in text_of(response)
    assert rows(world)[0].checked_in_at is None and rows(world)[0].status == AttendanceStatus.ABSENT


def test_the_window_opens_an_hour_before_the_start(client, world, login):
    with at(13, 30):
        login("zhangsan")
        assert "签到成功" in text_of(client.get(code_path(world)))


def test_a_member_not_invited_is_told_so_and_nothing_is_written(client, world, login):
    with at(14, 30):
        login("lisi")
        response = client.get(code_path(world))
    assert response.status_code == 403 and "您不在本次会议的参会名单中" in text_of(response)
    assert len(rows(world)) == 1 and rows(world)[0].checked_in_at is None
    assert checkin_audits() == 0


def test_an_expired_code_is_refused_after_its_slot_and_one_more(client, world, login):
    with at(14, 30, 0):
        path = code_path(world)
    with at(14, 30, 59):  # the next slot: still good
        login("zhangsan")
        assert client.get(path).status_code == 200
    client.post("/auth/logout")
    db.session.execute(sa.update(Attendance).values(checked_in_at=None))
    db.session.commit()
    with at(14, 31, 0):  # two slots on: a photo of the screen no longer works
        login("zhangsan")
        response = client.get(path)
    assert response.status_code == 403 and "签到码已过期" in text_of(response)
    assert rows(world)[0].checked_in_at is None


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # another signature
    lambda t: t.replace(".", ".9", 1),  # another slot, the old signature
    lambda t: "99999." + t.split(".", 1)[1],  # another meeting
    lambda t: "garbage",
])
def test_a_tampered_code_is_refused(client, world, login, tamper):
    with at(14, 30):
        login("zhangsan")
        response = client.get("/meetings/checkin/" + tamper(code_path(world).rsplit("/", 1)[1]))
    assert response.status_code == 403 and "签到码无效" in text_of(response)
    assert rows(world)[0].checked_in_at is None


def test_signing_in_first_then_back_even_after_the_code_changed(client, world, login):
    with at(14, 30):
        response = client.get(code_path(world))
        assert urlsplit(response.location).path == "/auth/login"
    with at(14, 33):  # typing the password took three minutes
        signed_in = client.post(response.location, data={"username": "zhangsan", "password": PASSWORD})
        assert signed_in.status_code == 302 and signed_in.location.startswith("/meetings/checkin/")
        page = client.get(signed_in.location)
    assert page.status_code == 200 and "签到成功" in text_of(page)
    assert rows(world)[0].status == AttendanceStatus.PRESENT


def test_the_printed_code_works_in_the_window_and_is_voided_by_renewal(client, world, login):
    with at(14, 0):
        old = code_path(world, printed=True)
        login("clerk_a")
        poster = client.get(f"/meetings/{world.id}/checkin/printed")
        assert poster.status_code == 200 and "<svg" in poster.get_data(as_text=True) and "视察园区" in text_of(poster)
        client.post(f"/meetings/{world.id}/checkin/renew")
        client.post("/auth/logout")
        login("zhangsan")
        refused = client.get(old)
        assert refused.status_code == 403 and "签到码无效" in text_of(refused)
        assert rows(world)[0].checked_in_at is None
        assert client.get(code_path(world, printed=True)).status_code == 200
    assert rows(world)[0].checked_in_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "meeting", AuditLog.field == "checkin_nonce")) == 1


@pytest.mark.parametrize("state", [RecordState.SUBMITTED, RecordState.VERIFIED, "locked"])
def test_a_submitted_verified_or_locked_meeting_takes_no_check_in(client, world, login, state):
    if state == "locked":
        world.locked = True
    else:
        world.state = state
    db.session.commit()
    with at(14, 30):
        login("zhangsan")
        response = client.get(code_path(world))
    assert response.status_code == 403 and "不能再签到" in text_of(response)
    assert rows(world)[0].checked_in_at is None


def test_a_meeting_without_times_cannot_open_check_in(client, world, login):
    world.starts_at = world.ends_at = None
    db.session.commit()
    with at(14, 30):
        login("clerk_a")
        screen = client.get(f"/meetings/{world.id}/checkin")
        assert "没有设置开始和结束时间" in text_of(screen) and "<svg" not in screen.get_data(as_text=True)
        client.post("/auth/logout")
        login("zhangsan")
        assert "没有设置开始和结束时间" in text_of(client.get(code_path(world)))


def test_the_screen_shows_the_code_the_count_and_the_names(client, world, login):
    with at(14, 20):
        login("zhangsan")
        client.get(code_path(world))
        client.post("/auth/logout")
        login("clerk_a")
        screen = client.get(f"/meetings/{world.id}/checkin")
        assert screen.status_code == 200 and "<svg" in screen.get_data(as_text=True)
        state = client.get(f"/meetings/{world.id}/checkin/state.json").get_json()
    assert state["signed"] == 1 and state["invited"] == 1
    assert state["names"] == [{"name": "张三", "late": False, "time": "14:20"}] and "<svg" in state["svg"]


def test_the_code_changes_every_thirty_seconds(app, world):
    with app.test_request_context(), at(14, 30, 0):
        first = checkin.token(world)
    with app.test_request_context(), at(14, 30, 29):
        assert checkin.token(world) == first
    with app.test_request_context(), at(14, 30, 30):
        assert checkin.token(world) != first


def test_another_units_clerk_cannot_open_the_screen(client, world, login):
    with at(14, 30):
        login("clerk_b")
        for path in ("", "/state.json", "/printed"):
            assert client.get(f"/meetings/{world.id}/checkin{path}").status_code in (403, 404)
        assert client.post(f"/meetings/{world.id}/checkin/renew").status_code in (403, 404)
    db.session.refresh(world)


def test_a_clerk_cannot_check_in_by_code(client, world, login):
    with at(14, 30):
        login("clerk_a")
        response = client.get(code_path(world))
    assert response.status_code == 403 and "只有委员账号可以签到" in text_of(response)


def test_the_organiser_still_corrects_the_row_and_submits(client, world, login):
    with at(14, 45):
        login("zhangsan")
        client.get(code_path(world))
        client.post("/auth/logout")
        login("clerk_a")
        row = rows(world)[0]
        client.post(f"/meetings/{world.id}/attendance", data={
            "version": str(db.session.get(Meeting, world.id).version), f"status-{row.member_id}": "PRESENT",
            f"note-{row.member_id}": "堵车，已说明", "action": "submit"})
    row = rows(world)[0]
    assert row.status == AttendanceStatus.PRESENT and row.checked_in_at is not None
    assert db.session.get(Meeting, world.id).state == RecordState.SUBMITTED


def test_the_meeting_form_takes_the_times(client, world, login):
    with at(9, 0):
        login("clerk_a")
        data = {"kind": "INSPECTION", "title": "调研座谈", "held_on": DAY.isoformat(),
                "unit_id": world.unit_id, "location": "", "starts_at": "15:00", "ends_at": "16:30",
                "grace_minutes": "5"}
        client.post("/meetings/new", data=data)
        made = db.session.scalar(sa.select(Meeting).where(Meeting.title == "调研座谈"))
        assert (made.starts_at, made.ends_at, made.grace_minutes) == (dt.time(15), dt.time(16, 30), 5)
        wrong = client.post("/meetings/new", data=data | {"title": "倒置", "ends_at": "14:00"})
        assert "结束时间应晚于开始时间" in text_of(wrong)
        half = client.post("/meetings/new", data=data | {"title": "缺一", "ends_at": ""})
        assert "需要同时填写开始和结束时间" in text_of(half)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 2
