"""Importing attendance and branch results by the screens' rules: who may invite, what may be submitted, the
optimistic lock, and the audit log."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from conftest import text_of, xlsx

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import (Attendance, AttendanceStatus, AuditLog, BranchIndicator, BranchResult,
                        Meeting, MeetingKind, RecordState, Role)

ATTENDANCE_HEADERS = ["会议名称", "会议类型", "日期", "对象编号", "姓名", "出席情况", "组织单位"]
INDICATOR_HEADERS = ["支部编号", "期间", "指标", "数值", "等级", "状态"]
HELD_ON = dt.date(2025, 1, 10)
# every 2025 indicator but 税收 and the 否决 flag, as the entry form stores them
ALL_BUT_TAX = {"组织建设": "18.5", "党员发展": "2", "活动开展": "6", "党员示范岗": "3", "产值增长": "-2.5",
               "就业人数": "320"}



def run(dataset: str, rows: list[list[object]], user=None):
    sheet, headers = ("出勤", ATTENDANCE_HEADERS) if dataset == "attendance" else ("比实绩", INDICATOR_HEADERS)
    outcome = run_import(DATASETS[dataset], xlsx(sheet, headers, rows), "file.xlsx", user, False)
    if outcome.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def make_meeting(county, unit, invited, kind=MeetingKind.PLENARY, title="十届三次全会"):
    meeting = Meeting(kind=kind, title=title, held_on=HELD_ON, unit_id=county[unit].id, state=RecordState.DRAFT,
                      attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in invited])
    db.session.add(meeting)
    db.session.commit()
    return meeting


def statuses(meeting_id):
    db.session.expire_all()
    return {a.member.code: a.status for a in db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting_id))}


def test_a_clerk_marks_their_members_at_a_county_plenary_but_invites_nobody(year, make_member, make_user):
    a1, _a2 = make_member("张三", code="W001"), make_member("李四", code="W002")
    plenary = make_meeting(year, "cppcc", [a1])
    clerk = make_user("clerk", Role.CLERK, units=("liaison_a",))
    rows = [["十届三次全会", "全体会议", "2025-01-10", "W001", "张三", "缺席", "县政协"],
            ["十届三次全会", "全体会议", "2025-01-10", "W002", "李四", "出席", "县政协"]]
    outcome = run("attendance", rows, user=clerk)
    assert outcome.errors == ["file.xlsx:出勤:3:对象编号: W002 李四 不在会议“十届三次全会”的受邀名单中；"
                              "只有组织单位县政协（或办公室）可以增加受邀人员"]
    assert statuses(plenary.id) == {"W001": AttendanceStatus.PRESENT}
    assert run("attendance", rows[:1], user=clerk).ok
    assert statuses(plenary.id) == {"W001": AttendanceStatus.ABSENT}
    # the organiser's clerk (as on the invitees screen) adds them
    organiser = make_user("cppcc_clerk", Role.CLERK, units=("cppcc",))
    assert run("attendance", rows, user=organiser).counts == {"新增": 1, "修改": 0, "不变": 1}
    assert statuses(plenary.id) == {"W001": AttendanceStatus.ABSENT, "W002": AttendanceStatus.PRESENT}


def test_an_attendance_import_makes_a_form_shown_before_it_stale(client, year, make_member, make_user, login):
    a1 = make_member("张三", code="W001")
    meeting = make_meeting(year, "committee_a", [a1], kind=MeetingKind.INSPECTION, title="视察园区")
    clerk = make_user("clerk_a", Role.CLERK, units=("committee_a",))
    old = meeting.version
    outcome = run("attendance", [["视察园区", "视察", "2025-01-10", "W001", "张三", "请假", "提案委员会"]], user=clerk)
    assert outcome.ok, outcome.errors
    login("clerk_a")
    response = client.post(f"/meetings/{meeting.id}/attendance",
                           data={"version": old, "action": "draft", f"status-{a1.id}": "ABSENT"},
                           follow_redirects=True)
    assert "该会议已被他人修改" in text_of(response)
    assert statuses(meeting.id) == {"W001": AttendanceStatus.LEAVE}


def test_the_attendance_audit_row_has_the_status_before_and_after(year, make_member):
    a1 = make_member("张三", code="W001")
    meeting = make_meeting(year, "cppcc", [a1])
    assert run("attendance", [["十届三次全会", "全体会议", "2025-01-10", "W001", "", "缺席", "县政协"]]).ok
    log = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "meeting", AuditLog.entity_id == meeting.id,
                                                       AuditLog.field == "status")).one()
    assert (log.before, log.after) == ("张三 出席", "张三 缺席")


def test_a_wrong_name_is_reported_at_its_cell(year, make_member):
    make_member("张三", code="W001")
    outcome = run("attendance", [["全会", "全体会议", "2025-01-10", "W001", "李四", "出席", ""]])
    assert outcome.errors == ["file.xlsx:出勤:2:姓名: W001 是张三，不是李四"]


def stored_result(county, period="2025H1"):
    db.session.expire_all()
    return db.session.scalar(sa.select(BranchResult).where(BranchResult.branch_id == county["branch_a"].id,
                                                           BranchResult.period == period))


def test_a_branch_result_is_submitted_only_when_complete(year):
    code = year["branch_a"].code
    outcome = run("branch-results", [[code, "2025H1", "税收", "120", None, None]])
    assert [e.split(": ", 1)[0] for e in outcome.errors] == ["file.xlsx:比实绩:2:状态"]
    assert "还缺：组织建设、党员发展、活动开展、党员示范岗、产值增长、就业人数、劳资关系" in outcome.errors[0]
    assert stored_result(year) is None
    assert run("branch-results", [[code, "2025H1", "税收", "120", None, "草稿"]]).ok
    assert stored_result(year).state == RecordState.DRAFT


def test_a_submitted_group_counts_the_stored_indicators_too(year):
    db.session.add(BranchResult(branch_id=year["branch_a"].id, period="2025H1", state=RecordState.RETURNED,
                                indicators=[BranchIndicator(key=k, value=Decimal(v)) for k, v in ALL_BUT_TAX.items()]
                                + [BranchIndicator(key="劳资关系", choice="和谐")]))
    db.session.commit()
    code = year["branch_a"].code
    outcome = run("branch-results", [[code, "2025H1", "税收", "120", None, None]])
    assert outcome.ok, outcome.errors
    result = stored_result(year)
    assert result.state == RecordState.SUBMITTED and result.submitted_at is not None
    assert {i.key: i.value for i in result.indicators}["税收"] == Decimal("120")
    assert (outcome.planned[0].action, outcome.planned[0].fields) == ("新增", ("状态",))
    logs = dict(db.session.execute(sa.select(AuditLog.field, AuditLog.after).where(
        AuditLog.entity == "branch_result", AuditLog.entity_id == result.id)).all())
    assert logs["税收"] == "120" and logs["state"]


def test_branch_result_values_follow_the_forms_checks(year):
    code = year["branch_a"].code
    rows = [[code, "2025H1", "税收", "10000000000000", None, "草稿"],   # the form refuses >= 10^12
            [code, "2025H1", "就业人数", "-3", None, "草稿"],
            [code, "2025H1", "产值增长", "-3.5", None, "草稿"]]        # a growth rate may fall below zero
    outcome = run("branch-results", rows)
    assert outcome.errors == ["file.xlsx:比实绩:2:数值: “税收”：数值过大。", "file.xlsx:比实绩:3:数值: “就业人数”：不能为负数。"]


def test_a_branch_result_import_makes_a_form_shown_before_it_stale(client, year, make_user, login):
    db.session.add(BranchResult(branch_id=year["branch_a"].id, period="2025H1", state=RecordState.DRAFT,
                                indicators=[BranchIndicator(key="税收", value=Decimal("100"))]))
    db.session.commit()
    old = stored_result(year).version
    liaison = make_user("liaison_a", Role.LIAISON, ("branch_a",))
    assert run("branch-results", [[year["branch_a"].code, "2025H1", "税收", "130", None, "草稿"]], user=liaison).ok
    login("liaison_a")
    response = client.post(f"/branches/{year['branch_a'].id}/results/2025H1",
                           data={"税收": "150", "action": "draft", "version": old}, follow_redirects=True)
    assert "该比实绩已被他人修改" in text_of(response)
    assert {i.key: i.value for i in stored_result(year).indicators} == {"税收": Decimal("130")}
