"""组织生活: a branch's meetings with its party members' attendance, kept by the liaison, verified by the office;
never mixed with CPPCC members, and within the data scope."""
import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import beijing_date, text_of

from app.extensions import db
from app.models import (AppraisalYear, Attendance, AttendanceStatus, AuditLog, Meeting, MeetingKind, PartyStatus,
                        RecordState, Role)
from app.reviews import facts
from app.scoring.types import PARTY_LIFE_KIND

pytestmark = pytest.mark.usefixtures("clock")  # today is Beijing's date at the frozen instant


def today() -> dt.date:
    return beijing_date()


@pytest.fixture
def year(app):
    db.session.add(AppraisalYear(year=today().year, name=f"{today().year}年度"))
    db.session.commit()


@pytest.fixture
def people(county, make_party_member, make_member):
    found = {
        "zhang": make_party_member("张三"), "li": make_party_member("李四", status=PartyStatus.PROBATIONARY),
        "gone": make_party_member("孙八"),
        "wang": make_party_member("王五", branch="branch_b"),
        "member": make_member("赵委员", id=100),  # an id no party member has, so a mark for it is unambiguous
    }
    found["gone"].active = False
    db.session.commit()
    return found


@pytest.fixture
def users(county, make_user):
    return {"liaison": make_user("liaison_a", Role.LIAISON, ("branch_a",)),
            "liaison_b": make_user("liaison_b", Role.LIAISON, ("branch_b",)),
            "office": make_user("office1", Role.OFFICE),
            "clerk": make_user("clerk_a", Role.CLERK, ("committee_a",))}


def new_meeting(county, **changes):
    data = {"kind": "PARTY_LIFE", "title": "主题党日", "held_on": today().isoformat(),
            "unit_id": county["branch_a"].id, "location": "宏达纸业会议室"}
    data.update(changes)
    return data


def make_meeting(county, people, branch="branch_a", invited=("zhang", "li"), state=RecordState.DRAFT):
    meeting = Meeting(kind=MeetingKind.PARTY_LIFE, title="党员大会", held_on=today(), unit_id=county[branch].id,
                      state=state, attendance=[Attendance(party_member_id=people[k].id, status=AttendanceStatus.PRESENT)
                                               for k in invited])
    db.session.add(meeting)
    db.session.commit()
    return meeting


def roll(meeting_id):
    """{name: (status, note)} of a meeting's attendance rows; every row must name a party member, not a member."""
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
    assert all(a.member_id is None and a.party_member_id is not None for a in rows)
    return {a.party_member.name: (a.status, a.note) for a in rows}


def test_liaison_creates_party_life_inviting_the_branch_party_members(client, county, people, users, year, login):
    login("liaison_a")
    assert "组织生活" in text_of(client.get("/"))
    form = client.get("/meetings/new").get_data(as_text=True)
    assert 'value="组织生活"' in form and 'value="视察"' not in form  # a type's value is its name
    assert "宏达纸业党支部" in form and "园区联合党支部" not in form and "提案委员会" not in form
    response = client.post("/meetings/new", data=new_meeting(county), follow_redirects=True)
    assert "已创建组织生活，已邀请本支部 2 名党员" in text_of(response)
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.kind == MeetingKind.PARTY_LIFE and meeting.state == RecordState.DRAFT
    assert roll(meeting.id) == {"张三": (AttendanceStatus.PRESENT, ""), "李四": (AttendanceStatus.PRESENT, "")}
    page = text_of(client.get(f"/meetings/{meeting.id}/attendance"))
    assert "张三 正式党员" in page and "李四 预备党员" in page and "王五" not in page and "界别" not in page
    listing = text_of(client.get("/meetings/"))
    assert "主题党日" in listing and "组织生活" in listing


@pytest.mark.parametrize(("user", "changes", "message"), [
    ("liaison_a", {"kind": "INSPECTION"}, "不是有效的选择"),
    ("liaison_a", {"unit_id": "branch_b"}, "不是有效的选择"),
    ("liaison_a", {"held_on": lambda day: (day + dt.timedelta(days=400)).isoformat()}, "会议日期不能晚于一年以后"),
    ("liaison_a", {"held_on": lambda day: dt.date(day.year - 1, 6, 1).isoformat()}, "不在开放录入的考评年度内"),
    ("clerk_a", {}, "不是有效的选择"),  # clerks have no 组织生活 and no branch to organise for
    ("office1", {"unit_id": "committee_a"}, "组织生活由党支部组织"),
    ("office1", {"kind": "INSPECTION"}, "组织生活由党支部组织"),  # a CPPCC meeting never organised by a branch
])
@pytest.mark.turn_of_year
def test_wrong_kind_unit_or_date_is_refused(client, county, people, users, year, login, user, changes, message):
    login(user)
    changes = {k: v(today()) if callable(v) else v for k, v in changes.items()}
    if "unit_id" in changes:
        changes = {"unit_id": county[changes["unit_id"]].id}
    response = client.post("/meetings/new", data=new_meeting(county, **changes))
    assert response.status_code == 200 and message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_office_creates_both_kinds_and_they_never_mix(client, county, people, users, year, login):
    login("office1")
    client.post("/meetings/new", data=new_meeting(county, unit_id=county["branch_b"].id))
    client.post("/meetings/new", data=new_meeting(county, kind="PLENARY", title="全体会议",
                                                  unit_id=county["cppcc"].id))
    party, plenary = db.session.scalars(sa.select(Meeting).order_by(Meeting.id)).all()
    assert roll(party.id) == {"王五": (AttendanceStatus.PRESENT, "")}
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == plenary.id)).all()
    assert [a.member.name for a in rows] == ["赵委员"] and all(a.party_member_id is None for a in rows)
    # the 组织生活 invitee list offers party members of the branch only, and refuses anyone else
    page = text_of(client.get(f"/meetings/{party.id}/invitees"))
    assert "王五" in page and "赵委员" not in page and "张三" not in page
    for intruder in (people["member"].id, people["zhang"].id):
        response = client.post(f"/meetings/{party.id}/invitees",
                               data={"version": party.version, "member_id": [people["wang"].id, intruder]})
        assert "只能邀请本支部" in text_of(response)
    assert set(roll(party.id)) == {"王五"}
    # and the CPPCC sheet never shows party members
    assert "王五" not in text_of(client.get(f"/meetings/{plenary.id}/attendance"))


def test_attendance_is_marked_on_one_screen_and_submitted(client, county, people, users, login):
    meeting = make_meeting(county, people)
    login("liaison_a")
    page = client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert page.count('value="PRESENT" data-status="PRESENT"\n            checked') == 2
    for status in ("出席", "请假", "缺席", "迟到", "早退"):
        assert status in page
    zhang, li = people["zhang"].id, people["li"].id
    data = {"version": meeting.version, "action": "draft", f"status-{zhang}": "EARLY", f"status-{li}": "LEAVE",
            f"note-{li}": "出差"}
    assert "已保存草稿" in text_of(client.post(f"/meetings/{meeting.id}/attendance", data=data,
                                               follow_redirects=True))
    assert roll(meeting.id) == {"张三": (AttendanceStatus.EARLY, ""), "李四": (AttendanceStatus.LEAVE, "出差")}
    logged = {(r.field, r.after, r.reason) for r in db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == "attendance"))}
    assert logged == {("status", "早退", "张三"), ("status", "请假", "李四"), ("note", "出差", "李四")}
    version = db.session.get(Meeting, meeting.id).version
    data.update(version=version, action="submit", **{f"status-{zhang}": "LATE"})
    client.post(f"/meetings/{meeting.id}/attendance", data=data)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == RecordState.SUBMITTED
    assert roll(meeting.id)["张三"][0] == AttendanceStatus.LATE
    assert client.post(f"/meetings/{meeting.id}/attendance", data=data).status_code == 403


def test_all_present_without_javascript(client, county, people, users, login):
    meeting = make_meeting(county, people)
    login("liaison_a")
    data = {"version": meeting.version, "action": "all_present", f"status-{people['zhang'].id}": "ABSENT"}
    response = client.post(f"/meetings/{meeting.id}/attendance", data=data)
    assert "已将全部党员设为出席" in text_of(response)
    assert roll(meeting.id)["张三"][0] == AttendanceStatus.PRESENT


def test_a_stale_save_is_refused_and_overwrites_nothing(client, county, people, users, login):
    meeting = make_meeting(county, people)
    login("liaison_a")
    old, zhang = meeting.version, people["zhang"].id
    client.post(f"/meetings/{meeting.id}/attendance", data={"version": old, "action": "draft",
                                                            f"status-{zhang}": "ABSENT"})
    response = client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": old, "action": "draft", f"status-{zhang}": "LEAVE"},
                           follow_redirects=True)
    assert "该会议已被他人修改" in text_of(response)
    assert roll(meeting.id)["张三"][0] == AttendanceStatus.ABSENT


def test_marks_for_anyone_but_the_invited_party_members_are_refused(client, county, people, users, login):
    meeting = make_meeting(county, people, invited=("zhang",))
    login("liaison_a")
    for intruder in ("li", "wang", "member"):  # not invited, another branch, a CPPCC member
        data = {"version": meeting.version, "action": "draft", f"status-{people['zhang'].id}": "ABSENT",
                f"status-{people[intruder].id}": "ABSENT"}
        response = client.post(f"/meetings/{meeting.id}/attendance", data=data)
        assert "包含未受邀或不在您负责范围内的党员，未保存" in text_of(response), intruder
    assert roll(meeting.id) == {"张三": (AttendanceStatus.PRESENT, "")}


def test_liaison_adds_and_removes_invitees(client, county, people, users, login):
    meeting = make_meeting(county, people, invited=("zhang",))
    login("liaison_a")
    page = text_of(client.get(f"/meetings/{meeting.id}/invitees"))
    assert "李四" in page and "王五" not in page and "孙八" not in page
    client.post(f"/meetings/{meeting.id}/invitees", data={"version": meeting.version, "member_id": [people["li"].id]})
    assert roll(meeting.id) == {"李四": (AttendanceStatus.PRESENT, "")}


def test_office_verifies_or_returns_and_the_liaison_reads_the_reason(client, county, people, users, login):
    verified = make_meeting(county, people, state=RecordState.SUBMITTED)
    returned = make_meeting(county, people, state=RecordState.SUBMITTED)
    login("office1")
    client.post(f"/meetings/{returned.id}/return", data={"version": returned.version, "reason": "缺少签到表"})
    client.post(f"/meetings/{verified.id}/verify", data={"version": verified.version})
    db.session.expire_all()
    assert db.session.get(Meeting, verified.id).state == RecordState.VERIFIED
    assert db.session.get(Meeting, returned.id).state == RecordState.RETURNED

    client.post("/auth/logout")
    login("liaison_a")
    page = text_of(client.get(f"/meetings/{verified.id}/attendance"))
    assert "该会议当前不可修改" in page
    data = {"version": verified.version + 1, "action": "draft", f"status-{people['zhang'].id}": "ABSENT"}
    assert client.post(f"/meetings/{verified.id}/attendance", data=data).status_code == 403
    assert client.post(f"/meetings/{verified.id}/verify", data={"version": 2}).status_code == 403
    assert "缺少签到表" in text_of(client.get(f"/meetings/{returned.id}/attendance"))
    again = db.session.get(Meeting, returned.id)
    data = {"version": again.version, "action": "submit", f"status-{people['zhang'].id}": "LEAVE"}
    assert "已提交" in text_of(client.post(f"/meetings/{returned.id}/attendance", data=data, follow_redirects=True))
    assert roll(returned.id)["张三"][0] == AttendanceStatus.LEAVE


def test_scope_by_url_and_by_post(client, county, people, users, make_member, login):
    other = make_meeting(county, people, branch="branch_b", invited=("wang",))
    mine = make_meeting(county, people)
    cppcc = Meeting(kind=MeetingKind.INSPECTION, title="视察园区", held_on=today(), unit_id=county["committee_a"].id,
                    attendance=[Attendance(member_id=people["member"].id, status=AttendanceStatus.PRESENT)])
    db.session.add(cppcc)
    db.session.commit()
    login("liaison_a")
    listing = text_of(client.get("/meetings/"))
    assert "共 1 次" in listing and "视察园区" not in listing
    for meeting in (other, cppcc):
        assert client.get(f"/meetings/{meeting.id}/attendance").status_code == 404
        assert client.get(f"/meetings/{meeting.id}/invitees").status_code == 404
        assert client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": meeting.version, "action": "draft",
                                 f"status-{people['wang'].id}": "ABSENT"}).status_code == 404
        assert client.post(f"/meetings/{meeting.id}/invitees", data={"version": meeting.version}).status_code == 404
    assert roll(other.id) == {"王五": (AttendanceStatus.PRESENT, "")}

    client.post("/auth/logout")
    login("clerk_a")
    listing = text_of(client.get("/meetings/"))
    assert "视察园区" in listing and "党员大会" not in listing and "共 1 次" in listing
    for meeting in (other, mine):
        assert client.get(f"/meetings/{meeting.id}/attendance").status_code == 404
        assert client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": meeting.version, "action": "draft",
                                 f"status-{people['zhang'].id}": "ABSENT"}).status_code == 404
    assert roll(mine.id)["张三"][0] == AttendanceStatus.PRESENT


def test_only_verified_party_life_reaches_scoring(client, county, people, users, login):
    verified = make_meeting(county, people, state=RecordState.VERIFIED)
    make_meeting(county, people, state=RecordState.SUBMITTED)
    found = facts.party_member_facts(today().year)
    attendance = [r for r in found.records if r.kind == PARTY_LIFE_KIND]
    assert {-r.id for r in attendance} == {a.id for a in verified.attendance}
    assert {r.fields["meeting"] for r in attendance} == {"组织生活"}
