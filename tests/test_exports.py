"""Exports of filtered lists: the import format round trip (export, import the same bytes: every row 不变), the
filters and the data scope; the admin lists' plain tables."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from conftest import xlsx

from app.extensions import db
from app.imports.base import SAME, run_import
from app.imports.datasets import DATASETS
from app.models import (Activity, AppraisalYear, AuditLog, BranchResult, Enterprise, LoginEvent, PartyStatus,
                        RecordState, Role, User)

BOM = b"\xef\xbb\xbf"



def load(dataset: str, data: bytes, user: User | None = None) -> None:
    # confirm: the fixtures keep odd amounts (0.1 万元) on purpose, to check exact decimals round trip
    outcome = run_import(DATASETS[dataset], data, "setup.xlsx", user, dry_run=False, confirm=True)
    assert outcome.ok, outcome.errors
    db.session.commit()


def table(response, sheet: str | None = None) -> list[list[str]]:
    """The downloaded rows (header first), every cell as text."""
    assert response.status_code == 200, response.status_code
    if response.mimetype == "text/csv":
        data = response.data
        assert data.startswith(BOM)
        text = data.decode("utf-8-sig")
        assert "\r\n" in text
        return [row for row in csv.reader(io.StringIO(text))]
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    ws = book[sheet] if sheet else book.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
            if any(v is not None for v in row)]


def column(rows: list[list[str]], header: str) -> list[str]:
    at = [h.rstrip("*") for h in rows[0]].index(header)  # the template marks required columns with *
    return [r[at] if at < len(r) else "" for r in rows[1:]]


def round_trip(client, url: str, dataset: str, user: User | None, fmt: str) -> list[list[str]]:
    """Export `url` as `fmt`, import those very bytes (dry run) as `user`: every row must be 不变."""
    response = client.get(url, query_string={"export": fmt}) if "?" not in url else \
        client.get(f"{url}&export={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Disposition"].startswith("attachment")
    outcome = run_import(DATASETS[dataset], response.data, f"export.{fmt}", user, dry_run=True)
    db.session.rollback()
    assert outcome.ok, outcome.errors
    counts = outcome.counts
    assert counts["新增"] == 0 and counts["修改"] == 0, [p for p in outcome.planned if p.action != SAME]
    assert counts[SAME] > 0
    return table(response, DATASETS[dataset].sheets[0].name)


@pytest.fixture
def world(county, make_member, make_party_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    make_member("张三", code="W001", liaison="liaison_a", is_standing=True, party="民盟", employer="宏达纸业",
                phone="13800000001")
    make_member("李红", code="W002", liaison="liaison_a")
    make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    make_member("赵六", code="W010", committee=None, liaison=None, active=False, is_chair_council=True)
    first = make_party_member("周五", branch="branch_a")
    first.enterprise = Enterprise(name="宏达纸业", branch_id=county["branch_a"].id)
    first.joined_on, first.post, first.phone = dt.date(2010, 7, 1), "车间主任", "0722-1234567"
    make_party_member("吴六", branch="branch_a", status=PartyStatus.PROBATIONARY)
    make_party_member("郑七", branch="branch_b")
    db.session.commit()
    users = {"office": make_user("office", Role.OFFICE), "admin": make_user("admin", Role.ADMIN),
             "clerk1": make_user("clerk1", Role.CLERK, units=("liaison_a",)),
             "clerk2": make_user("clerk2", Role.CLERK, units=("liaison_b",)),
             "liaison": make_user("liaison", Role.LIAISON, units=("branch_a",))}
    headers = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "级别", "金额", "联名", "状态"]
    load("records", xlsx("履职记录", headers, [
        ["W001", "张三", "提案", "2025-03-02", "关于修缮城关小学的提案", "立案", None, None, "W002", None],
        ["W002", "李红", "社情民意", "2025-04-01", "关于农村饮水的社情民意", "采用", "市", None, None, "草稿"]]),
        users["clerk1"])
    load("records", xlsx("履职记录", headers, [
        ["W009", "王五", "提案", "2025-05-06", "关于职业教育的提案", "提交", None, None, None, None]]),
        users["clerk2"])
    more = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "金额", "受益人数", "事项编号", "对象类别", "内容",
            "对接对象", "帮扶内容", "批示级别", "状态"]
    load("records", xlsx("履职记录", more, [
        ["W001", "张三", "捐资助学", "2025-06-01", "资助贫困学生", None, "1234.50", 12, "K-1", "委员",
         "第一行\n第二行", None, "学费", None, None],
        ["W002", "李红", "社情民意", "2025-06-02", "关于路灯的社情民意", "采用", None, None, None, None, None, None,
         None, "市", "草稿"],
        [county["liaison_a"].code, "城关镇联络处", "引进企业", "2025-06-03", "引进纸业公司", "落地", "0.1", None,
         None, "单位", None, "华纸公司", None, None, None]]), users["clerk1"])
    load("records", xlsx("履职记录", more, [
        ["P0001", "周五", "合理化建议", "2025-06-04", "节能改造", "采纳", "3", None, None, "党员", None, None, None,
         None, "已核实"]]))
    returned = db.session.scalar(sa.select(Activity).where(Activity.title == "关于路灯的社情民意"))
    returned.state = RecordState.RETURNED
    db.session.commit()
    load("attendance", xlsx("出勤", ["会议名称", "会议类型", "日期", "对象编号", "姓名", "出席情况", "组织单位"], [
        ["十届三次全会", "全体会议", "2025-01-10", "W001", "张三", "出席", "县政协"],
        ["十届三次全会", "全体会议", "2025-01-10", "W009", "王五", "请假", "县政协"],
        ["城关镇视察", "视察", "2025-02-11", "W002", "李红", "缺席", "城关镇联络处"],
        ["三月党员大会", "组织生活", "2025-03-05", "P0001", "周五", "出席", None],
        ["三月党员大会", "组织生活", "2025-03-05", "P0002", "吴六", "迟到", None],
        ["联合支部党课", "组织生活", "2025-03-06", "P0003", "郑七", "出席", None]]))
    load("branch-results", xlsx("比实绩", ["支部编号", "期间", "指标", "数值", "等级", "状态"], [
        [county["branch_a"].code, "2025H1", "税收", "120.5", None, "草稿"],
        [county["branch_a"].code, "2025H1", "劳资关系", None, "和谐", "草稿"],
        [county["branch_a"].code, "2025H1", "重大事故", None, "是", "草稿"],
        [county["branch_b"].code, "2025H1", "税收", "3", None, "草稿"]]))
    # submitted as they are (an import, like the form, submits only a complete result): the export shows 已提交
    db.session.execute(sa.update(BranchResult).values(state=RecordState.SUBMITTED))
    db.session.commit()
    return users


# --- members ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_members_export_round_trips_and_keeps_the_filter(client, login, world, fmt):
    login("office")
    rows = round_trip(client, "/members/", "members", world["office"], fmt)
    assert column(rows, "委员编号") == ["W001", "W002", "W009"]
    rows = round_trip(client, "/members/?inactive=1", "members", world["office"], fmt)
    assert column(rows, "委员编号") == ["W001", "W002", "W009", "W010"]
    rows = round_trip(client, "/members/?standing=1", "members", world["office"], fmt)
    assert column(rows, "委员编号") == ["W001"]
    assert rows[1][rows[0].index("联系电话")] == "13800000001"


def test_a_clerks_member_export_has_only_their_units_members(client, login, world):
    login("clerk1")
    rows = table(client.get("/members/?export=csv"))
    assert rows[0][:2] == ["委员编号", "姓名"]
    assert column(rows, "委员编号") == ["W001", "W002"]


# --- records ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_records_export_round_trips_in_the_clerks_scope(client, login, world, fmt):
    login("clerk1")
    rows = round_trip(client, "/activities/", "records", world["clerk1"], fmt)
    assert "W009" not in column(rows, "对象编号")  # clerk2's
    assert len(rows) == 6
    assert column(rows, "联名")[column(rows, "标题").index("关于修缮城关小学的提案")] == "W002"
    rows = round_trip(client, "/activities/?state=DRAFT", "records", world["clerk1"], fmt)
    assert column(rows, "对象编号") == ["W002"] and column(rows, "状态") == ["草稿"]
    rows = round_trip(client, "/activities/?state=RETURNED", "records", world["clerk1"], fmt)
    assert column(rows, "标题") == ["关于路灯的社情民意"]
    rows = round_trip(client, "/activities/?q=张三&start=2025-05-01", "records", world["clerk1"], fmt)
    assert column(rows, "标题") == ["资助贫困学生"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_verification_queue_exports_the_submitted_records(client, login, world, fmt):
    login("office")
    rows = round_trip(client, "/activities/queue", "records", world["office"], fmt)
    assert set(column(rows, "状态")) == {"已提交"} and len(rows) == 5
    rows = round_trip(client, "/activities/", "records", world["office"], fmt)
    assert len(rows) == 8 and "已核实" in column(rows, "状态")


def test_a_records_export_of_many_rows_does_not_query_per_row(client, login, world):
    login("office")
    headers = ["对象编号", "姓名", "类型", "日期", "标题", "联名"]
    load("records", xlsx("履职记录", headers, [["W001", "张三", "提案", "2025-03-02", f"提案{i}", "W002"]
                                               for i in range(60)]))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = table(client.get("/activities/?export=csv"))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 68
    assert len(statements) < 20, len(statements)


# --- meetings --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_attendance_export_round_trips_and_keeps_the_filter(client, login, world, fmt):
    login("office")
    rows = round_trip(client, "/meetings/", "attendance", world["office"], fmt)
    assert len(rows) == 7
    rows = round_trip(client, "/meetings/?kind=PARTY_LIFE", "attendance", world["office"], fmt)
    assert column(rows, "对象编号") == ["P0003", "P0001", "P0002"]
    assert column(rows, "出席情况") == ["出席", "出席", "迟到"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_clerks_attendance_export_has_only_their_members(client, login, world, fmt):
    login("clerk1")
    rows = round_trip(client, "/meetings/", "attendance", world["clerk1"], fmt)
    assert sorted(column(rows, "对象编号")) == ["W001", "W002"]  # the plenary without clerk2's W009


# --- branches, party members and their results ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_party_member_export_round_trips_in_the_liaisons_scope(client, login, world, fmt):
    login("liaison")
    rows = round_trip(client, "/branches/party-members", "party-members", world["liaison"], fmt)
    assert column(rows, "党员编号") == ["P0001", "P0002"]  # not branch_b's P0003
    rows = round_trip(client, "/branches/party-members?status=PROBATIONARY", "party-members", world["liaison"], fmt)
    assert column(rows, "党员编号") == ["P0002"] and column(rows, "党员类别") == ["预备党员"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_branch_export_round_trips(client, login, world, county, fmt):
    db.session.add_all([Enterprise(name="甲公司", branch_id=county["branch_b"].id),
                        Enterprise(name="乙公司", branch_id=county["branch_b"].id)])
    db.session.commit()
    login("office")
    rows = round_trip(client, "/branches/", "branches", world["office"], fmt)
    assert column(rows, "名称") == ["宏达纸业党支部", "园区联合党支部"]
    assert column(rows, "所属企业")[1] == "甲公司、乙公司"
    client.post("/auth/logout")
    login("liaison")
    assert column(table(client.get(f"/branches/?export={fmt}"), "党支部"), "名称") == ["宏达纸业党支部"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_branch_result_export_round_trips_and_keeps_the_filter(client, login, world, county, fmt):
    login("office")
    rows = round_trip(client, "/branches/results", "branch-results", world["office"], fmt)  # office: 已提交
    assert len(rows) == 5
    rows = round_trip(client, f"/branches/results?branch={county['branch_b'].id}", "branch-results",
                      world["office"], fmt)
    assert column(rows, "支部编号") == [county["branch_b"].code]
    client.post("/auth/logout")
    login("liaison")
    rows = round_trip(client, "/branches/results", "branch-results", world["liaison"], fmt)
    assert set(column(rows, "支部编号")) == {county["branch_a"].code}
    assert sorted(column(rows, "指标")) == ["劳资关系", "税收", "重大事故"]


# --- admin lists -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_user_export_has_the_headers_and_never_a_password_hash(client, login, world, fmt):
    login("admin")
    response = client.get(f"/admin/users?role=CLERK&export={fmt}")
    rows = table(response)
    assert rows[0] == ["用户名", "姓名", "角色", "负责单位", "对应委员", "状态", "待改密码", "最近登录"]
    assert column(rows, "用户名") == ["clerk1", "clerk2"]
    assert column(rows, "负责单位") == ["城关镇联络处", "大源镇联络处"]
    hashes = db.session.scalars(sa.select(User.password_hash)).all()
    assert not any(h.encode() in response.data for h in hashes)
    assert b"argon2" not in response.data


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_log_exports_have_the_headers_and_keep_the_filter(client, login, world, fmt):
    client.post("/auth/login", data={"username": "=HYPERLINK(\"x\")", "password": "nope"})
    login("admin")
    rows = table(client.get(f"/admin/login-log?result=unknown_user&export={fmt}"))
    assert rows[0] == ["时间", "用户名", "结果", "IP 地址"]
    assert column(rows, "结果") == ["用户不存在"]
    assert column(rows, "用户名")[0] in ("'=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")")  # text, never a formula
    db.session.add(AuditLog(user_id=world["admin"].id, action="update", entity="user", entity_id=1,
                            field="display_name", before="旧", after="新"))
    db.session.commit()
    rows = table(client.get(f"/admin/audit-log?entity=user&export={fmt}"))
    assert rows[0] == ["时间", "操作人", "操作", "对象", "对象编号", "项目", "原值", "新值", "原因", "IP 地址"]
    assert [r[6:8] for r in rows[1:]] == [["旧", "新"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginEvent)) >= 2


def test_the_xlsx_table_has_a_bold_frozen_header(client, login, world):
    login("admin")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/users?export=xlsx").data))
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["A"].width > 5


def test_the_list_pages_link_their_exports(client, login, world):
    login("office")
    page = client.get("/activities/?state=DRAFT").get_data(as_text=True)
    assert "export=xlsx" in page and "state=DRAFT" in page
    for url in ("/activities/queue", "/meetings/", "/branches/", "/branches/party-members", "/branches/results"):
        assert "export=csv" in client.get(url).get_data(as_text=True), url


def test_a_clerk_marks_their_members_at_a_county_meeting_but_never_creates_one(world):
    headers = ["会议名称", "会议类型", "日期", "对象编号", "姓名", "出席情况", "组织单位"]
    existing = xlsx("出勤", headers, [["十届三次全会", "全体会议", "2025-01-10", "W001", "张三", "出席", "县政协"]])
    outcome = run_import(DATASETS["attendance"], existing, "a.xlsx", world["clerk1"], dry_run=True)
    assert outcome.ok and outcome.counts[SAME] == 1
    new = xlsx("出勤", headers, [["十届四次全会", "全体会议", "2025-02-10", "W001", "张三", "出席", "县政协"]])
    outcome = run_import(DATASETS["attendance"], new, "b.xlsx", world["clerk1"], dry_run=True)
    assert outcome.errors == ["b.xlsx:出勤:2:组织单位: 找不到组织单位“县政协”（或不在您负责的范围内；组织生活的组织单位是党支部）"]
    db.session.rollback()
