"""Importing members, branches, party members, attendance and branch results; the `flask import` command."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from conftest import xlsx

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import (Attendance, AttendanceStatus, BranchResult, Gender, Meeting, MeetingKind, Member,
                        PartyMember, PartyStatus, RecordState, Role, Unit, UnitKind)



def run(dataset: str, data: bytes, user=None, dry_run=False, name="file.xlsx"):
    outcome = run_import(DATASETS[dataset], data, name, user, dry_run)
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


MEMBER_HEADERS = ["委员编号", "姓名", "性别", "界别", "党派", "专委会", "联络处", "常委", "工作单位"]


def test_members_are_added_then_updated_by_code_and_a_repeat_changes_nothing(year):
    rows = [["W101", "赵一", "男", "经济界", "民盟", "提案委员会", "城关镇联络处", "是", "宏达纸业"],
            ["W102", "钱二", "女", "教育界", "", "", "", "", ""]]
    outcome = run("members", xlsx("委员", MEMBER_HEADERS, rows))
    assert outcome.ok and outcome.counts == {"新增": 2, "修改": 0, "不变": 0}
    zhao = db.session.scalar(sa.select(Member).where(Member.code == "W101"))
    assert (zhao.gender, zhao.sector.name, zhao.committee.name, zhao.is_standing, zhao.search_key != "") == \
        (Gender.MALE, "经济界", "提案委员会", True, True)
    assert run("members", xlsx("委员", MEMBER_HEADERS, rows)).counts == {"新增": 0, "修改": 0, "不变": 2}
    rows[1][3] = "经济界"
    outcome = run("members", xlsx("委员", MEMBER_HEADERS, rows))
    assert outcome.counts["修改"] == 1 and outcome.planned[1].fields == ("界别",)
    assert db.session.scalar(sa.select(Member.sector_id).where(Member.code == "W102")) == year["sector_a"].id


def test_member_rows_with_unknown_units_or_missing_gender_are_all_reported(year):
    rows = [["W101", "赵一", "", "经济界", "", "", "", "", ""],
            ["W102", "钱二", "女", "农业界", "", "", "", "", ""],
            ["W101", "孙三", "男", "经济界", "", "", "", "", ""]]
    outcome = run("members", xlsx("委员", MEMBER_HEADERS, rows))
    assert outcome.errors == ["file.xlsx:委员:2:性别: 必填，不能为空",
                              "file.xlsx:委员:3:界别: 系统中没有名为“农业界”的界别活动组",
                              "file.xlsx:委员:4:委员编号: “W101”与第 2 行重复"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_branches_with_their_enterprises_and_party_members(year):
    branches = xlsx("党支部", ["支部编号", "名称", "组建方式", "上级组织", "所属企业"],
                    [["B01", "新材料联合党支部", "联合支部", "工业功能区党总支", "甲公司、乙公司"]])
    assert run("branches", branches).ok
    branch = db.session.scalar(sa.select(Unit).where(Unit.code == "B01"))
    assert branch.kind == UnitKind.BRANCH and branch.parent_id == year["zone"].id
    assert sorted(e.name for e in branch.enterprises) == ["乙公司", "甲公司"]
    people = xlsx("党员", ["党员编号", "姓名", "性别", "支部", "党员类别", "所在企业", "入党日期"],
                  [["P01", "周五", "女", "新材料联合党支部", "预备党员", "甲公司", "2024-07-01"],
                   ["P02", "吴六", "男", "B01", "", "丙公司", ""]])
    outcome = run("party-members", people)
    assert outcome.errors == ["file.xlsx:党员:3:所在企业: “丙公司”不是新材料联合党支部的企业"]
    people = xlsx("党员", ["党员编号", "姓名", "性别", "支部", "党员类别"],
                  [["P01", "周五", "女", "新材料联合党支部", "预备党员"], ["P02", "吴六", "男", "B01", ""]])
    assert run("party-members", people).counts["新增"] == 2
    statuses = dict(db.session.execute(sa.select(PartyMember.code, PartyMember.status)).all())
    assert statuses == {"P01": PartyStatus.PROBATIONARY, "P02": PartyStatus.FULL}


def test_a_liaison_imports_party_members_of_their_own_branches_only(year, make_user):
    liaison = make_user("liaison", Role.LIAISON, units=("branch_a",))
    people = xlsx("党员", ["党员编号", "姓名", "性别", "支部"],
                  [["P01", "周五", "女", "宏达纸业党支部"], ["P02", "吴六", "男", "园区联合党支部"]])
    outcome = run("party-members", people, user=liaison)
    assert outcome.errors == ["file.xlsx:党员:3:支部: 找不到党支部“园区联合党支部”（或不是您联系的支部）"]


ATTENDANCE_HEADERS = ["会议名称", "会议类型", "日期", "对象编号", "姓名", "出席情况"]


def test_attendance_creates_one_meeting_per_title_and_date_and_updates_it_later(year, make_member,
                                                                                make_party_member):
    a, b = make_member("张三", code="W001"), make_member("李红", code="W002")
    p = make_party_member("周五")
    db.session.commit()
    rows = [["十届三次全会", "全体会议", "2025-01-10", "W001", "张三", "出席"],
            ["十届三次全会", "全体会议", "2025-01-10", "W002", "李红", "请假"],
            ["三月党员大会", "组织生活", "2025-03-05", p.code, "周五", "出席"]]
    outcome = run("attendance", xlsx("出勤", ATTENDANCE_HEADERS, rows))
    assert outcome.ok, outcome.errors
    plenary = db.session.scalar(sa.select(Meeting).where(Meeting.kind == MeetingKind.PLENARY))
    assert plenary.state == RecordState.SUBMITTED and plenary.unit.kind == UnitKind.CPPCC
    assert {x.member_id: x.status for x in plenary.attendance} == {a.id: AttendanceStatus.PRESENT,
                                                                  b.id: AttendanceStatus.LEAVE}
    life = db.session.scalar(sa.select(Meeting).where(Meeting.kind == MeetingKind.PARTY_LIFE))
    assert life.unit_id == p.branch_id and life.attendance[0].party_member_id == p.id
    rows[1][5] = "缺席"
    outcome = run("attendance", xlsx("出勤", ATTENDANCE_HEADERS, rows))
    assert outcome.counts == {"新增": 0, "修改": 1, "不变": 2}
    assert db.session.scalar(sa.select(Attendance.status).where(Attendance.member_id == b.id)) == \
        AttendanceStatus.ABSENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 2


def test_attendance_refuses_party_members_at_cppcc_meetings_and_members_at_party_life(year, make_member,
                                                                                    make_party_member):
    make_member("张三", code="W001")
    p = make_party_member("周五")
    db.session.commit()
    rows = [["全会", "全体会议", "2025-01-10", p.code, "", "出席"], ["党员大会", "组织生活", "2025-03-05", "W001", "", "出席"]]
    outcome = run("attendance", xlsx("出勤", ATTENDANCE_HEADERS, rows))
    assert [e.split(": ", 1)[0] for e in outcome.errors] == ["file.xlsx:出勤:2:对象编号", "file.xlsx:出勤:3:对象编号"]
    assert "党员只记组织生活" in outcome.errors[0] and "委员不参加组织生活" in outcome.errors[1]


INDICATOR_HEADERS = ["支部编号", "期间", "指标", "数值", "等级"]


def test_branch_results_by_number_grade_and_flag(year):
    code = year["branch_a"].code
    counts = [[code, "2025H1", kind, number, None, None] for kind, number in
              (("组织建设", "18"), ("党员发展", "2"), ("活动开展", "6"), ("党员示范岗", "3"), ("产值增长", "4"),
               ("就业人数", "320"))]  # a blank 状态 submits: every indicator but the 否决 flag is filled
    rows = [[code, "2025H1", "税收", "120.5", None, None], [code, "2025H1", "劳资关系", None, "和谐", None],
            [code, "2025H1", "重大事故", None, "是", None], *counts,
            [code, "2025年下半年", "产值增长", "-3.5", None, "草稿"]]
    outcome = run("branch-results", xlsx("比实绩", [*INDICATOR_HEADERS, "状态"], rows))
    assert outcome.ok, outcome.errors
    h1 = db.session.scalar(sa.select(BranchResult).where(BranchResult.period == "2025H1"))
    values = {i.key: (i.value, i.choice) for i in h1.indicators if i.key in ("税收", "劳资关系", "重大事故")}
    assert values == {"税收": (Decimal("120.5"), ""), "劳资关系": (None, "和谐"), "重大事故": (None, "")}
    assert h1.state == RecordState.SUBMITTED
    h2 = db.session.scalar(sa.select(BranchResult).where(BranchResult.period == "2025H2"))
    assert h2.state == RecordState.DRAFT and h2.indicators[0].value == Decimal("-3.5")
    assert run("branch-results", xlsx("比实绩", [*INDICATOR_HEADERS, "状态"], rows)).counts["不变"] == 10


def test_branch_result_errors(year, today):
    code = year["branch_a"].code
    rows = [[code, "2025H1", "税收", "-1", None], [code, "2025H1", "劳资关系", None, "很好"],
            [code, "2025H1", "党员发展", "1.5", None], ["B99", "2025H1", "税收", "1", None],
            [code, f"{today.year + 1}H1", "税收", "1", None]]
    outcome = run("branch-results", xlsx("比实绩", INDICATOR_HEADERS, rows))
    assert [e.split(": ", 1)[0] for e in outcome.errors] == [
        "file.xlsx:比实绩:2:数值", "file.xlsx:比实绩:3:等级", "file.xlsx:比实绩:4:数值",
        "file.xlsx:比实绩:5:支部编号", "file.xlsx:比实绩:6:期间"]


def test_flask_import_command_reports_positions_and_exits_1(app, year, make_member, tmp_path):
    make_member("张三", code="W001")
    db.session.commit()
    path = tmp_path / "records.xlsx"
    path.write_bytes(xlsx("履职记录", ["对象编号", "类型", "日期", "标题"],
                          [["W001", "提案", "2025-03-02", "好提案"], ["W001", "提案", "2025-02-30", "坏日期"]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "records", str(path)])
    assert result.exit_code == 1
    assert "records.xlsx:履职记录:3:日期: “2025-02-30”不是有效的日期" in result.output
    path.write_bytes(xlsx("履职记录", ["对象编号", "类型", "日期", "标题"], [["W001", "提案", "2025-03-02", "好提案"]]))
    result = runner.invoke(args=["import", "records", str(path), "--dry-run"])
    assert result.exit_code == 0 and "试导入：新增 1 行" in result.output
    assert runner.invoke(args=["import", "records", str(path)]).exit_code == 0
    result = runner.invoke(args=["import", "records", str(path)])
    assert "新增 0 行，修改 0 行，不变 1 行" in result.output
    result = runner.invoke(args=["import", "members", str(path), "--user", "nobody"])
    assert result.exit_code == 2
