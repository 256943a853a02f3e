"""会议与活动: create with roster defaults, invitees, the one-screen attendance sheet, locking, verify, scope."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (AppraisalYear, Attendance, AttendanceStatus, AuditLog, Meeting, MeetingKind, RecordState,
                        Role)
from conftest import beijing_date, text_of

pytestmark = pytest.mark.usefixtures("clock")  # today is Beijing's date at the frozen instant


def today() -> dt.date:
    return beijing_date()


@pytest.fixture
def year(app):
    db.session.add(AppraisalYear(year=today().year, name=f"{today().year}年度"))
    db.session.commit()


@pytest.fixture
def people(county, make_member):
    """Two 常委 and one member in unit A (sector_a/committee_a/liaison_a), one 常委 and one member in B."""
    return {
        "a1": make_member("张三", is_standing=True), "a2": make_member("李四"),
        "a3": make_member("王五", is_standing=True),
        "b1": make_member("赵六", sector="sector_b", committee="committee_b", liaison="liaison_b", is_standing=True),
        "b2": make_member("钱七", sector="sector_b", committee="committee_b", liaison="liaison_b"),
        "gone": make_member("孙八", active=False),
    }


def make_meeting(county, unit="committee_b", kind=MeetingKind.INSPECTION, invited=(), state=RecordState.DRAFT):
    meeting = Meeting(kind=kind, title="视察园区", held_on=today(), unit_id=county[unit].id, state=state,
                      attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in invited])
    db.session.add(meeting)
    db.session.commit()
    return meeting


def statuses(meeting_id):
    db.session.expire_all()
    return {a.member.name: (a.status, a.note) for a in db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting_id))}


def new_meeting(county, **changes):
    data = {"kind": "INSPECTION", "title": "视察园区", "held_on": today().isoformat(),
            "unit_id": county["committee_a"].id, "location": "工业园区"}
    data.update(changes)
    return data


@pytest.mark.parametrize(("kind", "expected"), [
    ("PLENARY", {"张三", "李四", "王五"}),  # every active member the clerk may see; 孙八 is inactive
    ("STANDING", {"张三", "王五"}),
    ("INSPECTION", {"张三", "李四", "王五"}),
])
def test_clerk_creates_a_meeting_with_the_roster_of_its_kind(client, county, people, year, make_user, login,
                                                              kind, expected):
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    response = client.post("/meetings/new", data=new_meeting(county, kind=kind), follow_redirects=True)
    assert "已创建会议" in text_of(response)
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.state == RecordState.DRAFT and meeting.created_by_id is not None
    assert set(statuses(meeting.id)) == expected
    assert {s for s, _n in statuses(meeting.id).values()} == {AttendanceStatus.PRESENT}
    page = text_of(client.get(f"/meetings/{meeting.id}/attendance"))
    assert "张三" in page and "赵六" not in page and "常委" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "meeting"))


@pytest.mark.turn_of_year  # a meeting held today, in Beijing, is taken whatever the date in UTC
def test_office_plenary_invites_every_active_member_and_others_invite_the_organiser_unit(
        client, county, people, year, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    client.post("/meetings/new", data=new_meeting(county, kind="PLENARY", unit_id=county["cppcc"].id))
    client.post("/meetings/new", data=new_meeting(county, kind="RESEARCH", unit_id=county["sector_b"].id))
    plenary, research = db.session.scalars(sa.select(Meeting).order_by(Meeting.id)).all()
    assert set(statuses(plenary.id)) == {"张三", "李四", "王五", "赵六", "钱七"}
    assert set(statuses(research.id)) == {"赵六", "钱七"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"held_on": lambda day: (day + dt.timedelta(days=400)).isoformat()}, "会议日期不能晚于一年以后"),
    ({"held_on": lambda day: dt.date(day.year - 1, 12, 31).isoformat()}, "不在开放录入的考评年度内"),
    ({"held_on": "2025-13-40"}, "请输入有效日期"),
    ({"title": ""}, "请填写会议名称"),
    ({"unit_id": "committee_b"}, "不是有效的选择"),  # not among the clerk's organiser choices
])
@pytest.mark.turn_of_year
def test_meeting_form_errors_save_nothing(client, county, people, year, make_user, login, changes, message):
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    changes = {k: v(today()) if callable(v) else v for k, v in changes.items()}
    if changes.get("unit_id") == "committee_b":
        changes = {"unit_id": county["committee_b"].id}
    response = client.post("/meetings/new", data=new_meeting(county, **changes))
    assert response.status_code == 200 and message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_a_closed_year_is_refused(client, county, people, year, make_user, login):
    db.session.get(AppraisalYear, today().year).recording_closed_at = dt.datetime(today().year, 1, 1)
    db.session.commit()
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/meetings/new", data=new_meeting(county))
    assert "不在开放录入的考评年度内" in text_of(response)


def test_attendance_is_marked_on_one_screen_and_submitted(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"], people["a2"], people["a3"]])
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    page = client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert page.count('value="PRESENT" data-status="PRESENT"\n            checked') == 3
    a1, a2, a3 = people["a1"].id, people["a2"].id, people["a3"].id
    data = {"version": meeting.version, "action": "draft", f"status-{a1}": "PRESENT", f"status-{a2}": "LEAVE",
            f"note-{a2}": "出差", f"status-{a3}": "LATE"}
    response = client.post(f"/meetings/{meeting.id}/attendance", data=data, follow_redirects=True)
    assert "已保存草稿" in text_of(response)
    assert statuses(meeting.id) == {"张三": (AttendanceStatus.PRESENT, ""), "李四": (AttendanceStatus.LEAVE, "出差"),
                                    "王五": (AttendanceStatus.LATE, "")}
    audit_rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "attendance")).all()
    assert {(r.field, r.after) for r in audit_rows} == {("status", "请假"), ("note", "出差"), ("status", "迟到")}
    version = db.session.get(Meeting, meeting.id).version
    assert version == 2
    data.update(version=version, action="submit")
    client.post(f"/meetings/{meeting.id}/attendance", data=data)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == RecordState.SUBMITTED
    # submitted: the clerk can no longer change it
    assert client.post(f"/meetings/{meeting.id}/attendance", data=data).status_code == 403
    listing = text_of(client.get("/meetings/"))
    assert "视察园区" in listing and "已提交" in listing


def test_all_present_button_works_without_javascript_and_saves_nothing(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"], people["a2"]])
    meeting.attendance[0].status = AttendanceStatus.ABSENT
    db.session.commit()
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    data = {"version": meeting.version, "action": "all_present", f"status-{people['a1'].id}": "ABSENT",
            f"status-{people['a2'].id}": "LEAVE"}
    page = client.post(f"/meetings/{meeting.id}/attendance", data=data).get_data(as_text=True)
    assert page.count('value="PRESENT" data-status="PRESENT"\n            checked') == 2
    assert "js/meetings.js" in page
    assert statuses(meeting.id)["张三"][0] == AttendanceStatus.ABSENT


def test_a_stale_save_is_refused_and_overwrites_nothing(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"]])
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    old = meeting.version
    a1 = people["a1"].id
    client.post(f"/meetings/{meeting.id}/attendance",
                data={"version": old, "action": "draft", f"status-{a1}": "ABSENT"})
    response = client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": old, "action": "draft", f"status-{a1}": "LEAVE"}, follow_redirects=True)
    assert "该会议已被他人修改" in text_of(response)
    assert statuses(meeting.id)["张三"][0] == AttendanceStatus.ABSENT


def test_a_clerk_cannot_mark_members_outside_their_scope(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"], people["b1"]])
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    page = text_of(client.get(f"/meetings/{meeting.id}/attendance"))
    assert "张三" in page and "赵六" not in page and "另有 1 名其他单位的委员受邀" in page
    data = {"version": meeting.version, "action": "draft", f"status-{people['a1'].id}": "LEAVE",
            f"status-{people['b1'].id}": "ABSENT"}
    response = client.post(f"/meetings/{meeting.id}/attendance", data=data)
    assert "不在您负责范围内" in text_of(response)
    assert statuses(meeting.id) == {"张三": (AttendanceStatus.PRESENT, ""), "赵六": (AttendanceStatus.PRESENT, "")}
    # an uninvited member in scope is refused too, and an unknown status
    for bad in ({f"status-{people['a2'].id}": "ABSENT"}, {f"status-{people['a1'].id}": "ASLEEP"}):
        response = client.post(f"/meetings/{meeting.id}/attendance",
                               data={"version": meeting.version, "action": "draft", **bad})
        assert "未保存" in text_of(response)
    assert statuses(meeting.id)["张三"] == (AttendanceStatus.PRESENT, "")


def test_a_meeting_of_another_unit_is_404_by_url_and_by_post(client, county, people, make_user, login):
    other = make_meeting(county, unit="committee_b", invited=[people["b1"]])
    shared = make_meeting(county, unit="committee_b", invited=[people["b1"], people["a1"]])
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    listing = text_of(client.get("/meetings/"))
    assert "共 1 次" in listing
    assert client.get(f"/meetings/{other.id}/attendance").status_code == 404
    assert client.get(f"/meetings/{other.id}/invitees").status_code == 404
    data = {"version": other.version, "action": "draft", f"status-{people['b1'].id}": "ABSENT"}
    assert client.post(f"/meetings/{other.id}/attendance", data=data).status_code == 404
    assert client.post(f"/meetings/{other.id}/invitees", data={"version": other.version}).status_code == 404
    assert statuses(other.id)["赵六"][0] == AttendanceStatus.PRESENT
    # invited members of A make the meeting visible, but only the organiser chooses the invitees
    assert client.get(f"/meetings/{shared.id}/attendance").status_code == 200
    assert client.get(f"/meetings/{shared.id}/invitees").status_code == 403


def test_clerk_adds_and_removes_invitees_in_scope_only(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"], people["b1"]])
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    page = text_of(client.get(f"/meetings/{meeting.id}/invitees"))
    assert "李四" in page and "钱七" not in page
    response = client.post(f"/meetings/{meeting.id}/invitees",
                           data={"version": meeting.version, "member_id": [people["a2"].id, people["b2"].id]})
    assert "不在您负责范围内" in text_of(response)
    assert set(statuses(meeting.id)) == {"张三", "赵六"}
    client.post(f"/meetings/{meeting.id}/invitees",
                data={"version": meeting.version, "member_id": [people["a2"].id]})
    assert statuses(meeting.id) == {"李四": (AttendanceStatus.PRESENT, ""), "赵六": (AttendanceStatus.PRESENT, "")}


def test_office_verifies_or_returns_and_verified_is_read_only_for_clerks(client, county, people, make_user, login):
    meeting = make_meeting(county, unit="committee_a", invited=[people["a1"]], state=RecordState.SUBMITTED)
    returned = make_meeting(county, unit="committee_a", invited=[people["a1"]], state=RecordState.SUBMITTED)
    make_user("office1", Role.OFFICE)
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("office1")
    response = client.post(f"/meetings/{returned.id}/return", data={"version": returned.version, "reason": ""},
                           follow_redirects=True)
    assert "请填写退回原因" in text_of(response)
    client.post(f"/meetings/{returned.id}/return", data={"version": returned.version, "reason": "名单不全"})
    client.post(f"/meetings/{meeting.id}/verify", data={"version": meeting.version})
    db.session.expire_all()
    assert db.session.get(Meeting, returned.id).state == RecordState.RETURNED
    assert db.session.get(Meeting, returned.id).return_reason == "名单不全"
    verified = db.session.get(Meeting, meeting.id)
    assert verified.state == RecordState.VERIFIED and verified.verified_by_id is not None
    response = client.post(f"/meetings/{meeting.id}/verify", data={"version": verified.version},
                           follow_redirects=True)
    assert "只能核实已提交的会议" in text_of(response)

    client.post("/auth/logout")
    login("clerk_a")
    page = text_of(client.get(f"/meetings/{meeting.id}/attendance"))
    assert "该会议当前不可修改" in page
    data = {"version": verified.version, "action": "draft", f"status-{people['a1'].id}": "ABSENT"}
    assert client.post(f"/meetings/{meeting.id}/attendance", data=data).status_code == 403
    assert client.post(f"/meetings/{meeting.id}/verify", data={"version": verified.version}).status_code == 403
    assert "名单不全" in text_of(client.get(f"/meetings/{returned.id}/attendance"))
    again = db.session.get(Meeting, returned.id)
    data = {"version": again.version, "action": "draft", f"status-{people['a1'].id}": "LEAVE"}
    assert "已保存草稿" in text_of(client.post(f"/meetings/{returned.id}/attendance", data=data,
                                               follow_redirects=True))


def test_list_filters_and_counts(client, county, people, make_user, login):
    make_meeting(county, unit="committee_a", kind=MeetingKind.PLENARY, invited=[people["a1"], people["a2"]])
    m = make_meeting(county, unit="committee_b", kind=MeetingKind.RESEARCH, invited=[people["b1"], people["b2"]])
    m.attendance[0].status = AttendanceStatus.LEAVE
    m.title = "调研企业"
    db.session.commit()
    make_user("leader1", Role.LEADER)
    login("leader1")
    page = text_of(client.get("/meetings/?kind=RESEARCH"))
    assert "调研企业" in page and "视察园区" not in page and "共 1 次" in page
    page = text_of(client.get(f"/meetings/?unit={county['committee_a'].id}"))
    assert "视察园区" in page and "调研企业" not in page
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert "共 0 次" in text_of(client.get(f"/meetings/?end={yesterday}"))
    assert "共 2 次" in text_of(client.get(f"/meetings/?start={today().isoformat()}&kind=bogus&start=x"))
    assert client.get("/meetings/new").status_code == 403


@pytest.mark.usefixtures("clock")  # 2026-06-15
def test_a_meeting_is_set_up_ahead_and_submitted_only_once_held(client, county, people, make_user, login):
    """A meeting next week: created (its notice can go out, replies come in), its sheet saved as a draft, but not
    sent for verification before the day; on the day it is."""
    import time_machine

    from app.models import AppraisalYear, RecordState
    db.session.add(AppraisalYear(year=2026, name="2026年度"))
    db.session.commit()
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    login("clerk_a")
    made = client.post("/meetings/new", data=new_meeting(county, held_on="2026-06-22"), follow_redirects=True)
    assert "已创建会议" in text_of(made)
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.held_on == dt.date(2026, 6, 22)
    later = client.post("/meetings/new", data=new_meeting(county, title="下午座谈", starts_at="14:30", ends_at="16:00"),
                        follow_redirects=True)  # today, but at 10:00 it has not begun
    assert "已创建会议" in text_of(later)
    listed = text_of(client.get("/meetings/"))  # their rows are 出席 by default: the list does not count them yet
    assert listed.count("尚未召开") == 2
    early = client.post(f"/meetings/{meeting.id}/attendance", data={"version": meeting.version, "action": "submit"})
    assert "会议还没有召开（2026年6月22日）" in text_of(early)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == RecordState.DRAFT
    with time_machine.travel(dt.datetime(2026, 6, 22, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        login("clerk_a")
        sent = client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": db.session.get(Meeting, meeting.id).version, "action": "submit"},
                           follow_redirects=True)
    assert "已提交" in text_of(sent)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == RecordState.SUBMITTED
