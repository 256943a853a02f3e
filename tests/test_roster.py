"""The office's own roster into the system: in the web (office and admin) and with `flask import roster`, on a
county that starts empty (one 届, its units made by hand) and on the demo county. Every name is made up."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of
from roster_files import BLOCKS, HEADER, Table, csv_bytes, ods, roster_table, xls, xlsx

from app.extensions import db
from app.models import AuditLog, Gender, Job, JobState, Member, Role, Setting, Term, Unit, UnitKind
from app.roster.services import Options, run_roster

ROSTER = "/imports/roster/"


def upload(client, data: bytes, name: str = "委员名单.xlsx"):
    return client.post(ROSTER, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def dry_run(client, data: bytes, name: str = "委员名单.xlsx"):
    """Upload, then the page the upload leads to (the dry run, or the columns screen)."""
    response = upload(client, data, name)
    assert response.status_code == 302, text_of(response)
    return client.get(response.headers["Location"], follow_redirects=True)


def hidden(page, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.get_data(as_text=True))
    assert found, f"no {name} on the page"
    return found.group(1)


def confirm(client, page, **fields):
    action = re.search(r'<form method="post" action="([^"]+/confirm)"', page.get_data(as_text=True)).group(1)
    data = {"filename": hidden(page, "filename"), "sheet": hidden(page, "sheet"), "seen": hidden(page, "seen")}
    return client.post(action, data={**data, **fields})


def again(client, page, **fields):
    """The dry run again with the office's answers (the “按选择重新试导入” button)."""
    action = re.search(r'<form method="post" action="([^"]+)/confirm"', page.get_data(as_text=True)).group(1)
    return client.post(action, data={"filename": hidden(page, "filename"), "sheet": hidden(page, "sheet"), **fields})


def members() -> dict[str, Member]:
    db.session.expire_all()
    return {m.name: m for m in db.session.scalars(sa.select(Member).order_by(Member.id))}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def office(county, make_user, login):
    """An empty county as an administrator makes it by hand: one 届, the 政协 and a few units; the office signed in."""
    make_user("office1", Role.OFFICE)
    login("office1")
    return county


# --- the whole way, in the web, on an empty county ------------------------------------------------------------------

def test_a_real_roster_goes_in_whole_after_a_dry_run_and_a_second_import_changes_nothing(client, office):
    page = dry_run(client, xlsx(roster_table()))
    text = text_of(page)
    assert page.status_code == 200, text
    assert "列名在第 3 行" in text and "导入到第四届" in text
    assert "确认导入后将新增 8 人、修改 0 人" in text and "，新建 3 个单位。" in text and "不会改动" not in text
    # the units the file names and the system lacks, listed with their rows, created only on consent
    assert "界别活动组 中共 第 4、5、6 行" in text and "界别活动组 农业界 第 10、11 行" in text
    assert "乡镇政协联络处 青山镇联络处 第 9、10 行" in text  # named as the county names its others
    assert "乡镇政协联络处“青山镇”将新建为“青山镇联络处”" in text
    assert "乡镇政协联络处“城关镇”即系统中的“城关镇联络处”" in text  # a name without its usual ending
    assert "W0001 柯望舒" in text and "工作单位 青溪县教育局；职务 党组书记、局长" in text
    assert count(Member) == 0

    refused = confirm(client, page)  # the box “确认新建以上 3 个单位” left unticked
    assert refused.status_code == 422
    assert "委员名单.xlsx:委员名单:4:界别: 系统中没有界别活动组“中共”（第 4、5、6 行）" in text_of(refused)
    assert count(Member) == 0 and count(Unit) == 11

    done = confirm(client, page, create_units="1")
    assert done.status_code == 302 and done.headers["Location"].endswith("/members/")
    assert "新增 8 人，修改 0 人，不变 0 人；新建单位 3 个" in text_of(client.get("/members/"))
    people = members()
    assert [m.code for m in people.values()] == [f"W{n:04d}" for n in range(1, 9)]  # in row order
    ke, bei, bu = people["柯望舒"], people["贝若溪"], people["卜田野"]
    assert bei.sector.name == ke.sector.name == "中共"  # 界别 written once for the block of rows
    assert people["詹秋禾"].sector.name == bu.sector.name == "农业界"
    assert (ke.is_standing, bei.is_standing, bu.is_standing) == (True, False, True)  # √
    assert (ke.birth_month, bei.birth_month, people["岑远山"].birth_month) == ("1968-03", "1975-08", "1970-11")
    assert (ke.gender, bei.gender, ke.ethnicity, people["岑远山"].ethnicity) == (Gender.MALE, Gender.FEMALE, "汉族", "畲族")
    assert (ke.party, people["蓝启明"].party, people["童嘉树"].party) == ("中共", "民建", "无党派人士")
    assert (bei.employer, bei.position) == ("青溪县人民医院", "院长")
    assert (bu.employer, bu.position) == ("大源镇石门村", "党支部书记、村委会主任")
    assert (people["童嘉树"].employer, people["童嘉树"].position) == ("个体工商户", "")
    assert ke.committee.name == "提案委员会" and ke.liaison.name == "城关镇联络处" and bei.committee is None
    assert ke.phone == "13900000101" and people["童嘉树"].note == "新增补"
    assert {m.term.name for m in people.values()} == {"第四届"} and all(m.search_key for m in people.values())
    made = {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.name.in_(["中共", "农业界", "青山镇联络处"])))}
    assert {n: (u.kind, u.parent.name, u.code) for n, u in made.items()} == {
        "中共": (UnitKind.SECTOR_GROUP, "县政协", "U012"), "农业界": (UnitKind.SECTOR_GROUP, "县政协", "U013"),
        "青山镇联络处": (UnitKind.LIAISON_OFFICE, "县政协", "U014")}  # the county's unit codes continued
    assert people["童嘉树"].liaison.name == "青山镇联络处"
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "import", AuditLog.entity == "member",
                                                       AuditLog.field == "added")).after == "8"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "unit", AuditLog.action == "create", AuditLog.field == "name")) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "member", AuditLog.action == "create", AuditLog.field == "name")) == 8

    again_page = dry_run(client, xlsx(roster_table()))
    assert "将新增 0 人、修改 0 人。另有 8 人与系统中相同" in text_of(again_page)
    assert "没有需要导入的内容" in text_of(again_page) and "系统中还没有的单位" not in text_of(again_page)
    assert re.search(r"<button class=\"btn\" type=\"submit\" disabled", again_page.get_data(as_text=True))


@pytest.mark.parametrize(("maker", "name"), [(ods, "委员名单.ods"), (xls, "委员名单.xls")])
def test_ods_and_old_excel_read_as_the_xlsx_does_merged_cells_and_all(office, maker, name):
    expected = run_roster(xlsx(roster_table()), "委员名单.xlsx", None, True, Options(create_units=True))
    outcome = run_roster(maker(roster_table()), name, None, True, Options(create_units=True))
    assert outcome.ok, outcome.errors
    assert [(p.row, p.action, p.what) for p in outcome.planned] == \
        [(p.row, p.action, p.what) for p in expected.planned]
    assert outcome.changes == expected.changes
    assert outcome.changes[5][5] == ("界别", "", "中共")  # 贝若溪: the merged 界别 applies to her row too


def test_a_gbk_csv_reads_alike_and_a_blank_sector_of_a_new_member_says_why(office):
    table = roster_table()
    filled = Table(table.name, [list(r) for r in table.rows], [])
    sector = HEADER.index("界别")
    for row in range(4, len(filled.rows) + 1):  # a CSV has no merged cells: the 界别 on every row
        if filled.rows[row - 1][sector] is None:
            filled.rows[row - 1][sector] = filled.rows[row - 2][sector]
    outcome = run_roster(csv_bytes(filled, "gbk"), "名单.csv", None, True, Options(create_units=True))
    assert outcome.ok, outcome.errors
    assert [p.what for p in outcome.planned][:3] == ["W0001 柯望舒", "W0002 贝若溪", "W0003 岑远山"]
    outcome = run_roster(csv_bytes(table, "gbk"), "名单.csv", None, True, Options(create_units=True))
    assert "名单.csv:名册:5:界别: 新委员须填写界别" in outcome.errors


# --- the columns screen -----------------------------------------------------------------------------------------

def test_a_column_it_cannot_place_is_asked_about_and_the_choice_is_remembered(client, office):
    header = [*HEADER, "籍贯"]
    table = roster_table(header=header)
    for row in table.rows[3:]:
        row[-1] = "青溪"
    page = dry_run(client, xlsx(table))
    assert page.request.path.endswith("/columns")  # straight to the columns screen
    text = text_of(page)
    assert "N 籍贯 请选择 青溪 — 请选择 —" in text and "A 序号 1、2、3 — 请选择 —" in text
    assert re.search(r'<option value="skip" selected>', page.get_data(as_text=True))  # 序号: 不导入
    refused = client.post(page.request.path, data={"filename": "委员名单.xlsx", "sheet": "",
                                                   **{f"col-{i}": "" for i in range(len(header))}})
    assert refused.status_code == 422 and "请选择这一列对应的字段" in text_of(refused)
    assert db.session.get(Setting, "roster.columns") is None
    twice = {f"col-{i}": k for i, k in enumerate(["skip", "name", "gender", "ethnicity", "birth_month", "party",
                                                  "sector", "committee", "liaison", "employer_position", "phone",
                                                  "standing", "note", "phone"])}
    refused = client.post(page.request.path, data={"filename": "委员名单.xlsx", "sheet": "", **twice})
    assert refused.status_code == 422 and "对应到同一字段" in text_of(refused)
    chosen = {**twice, "col-13": "skip"}
    done = client.post(page.request.path, data={"filename": "委员名单.xlsx", "sheet": "", **chosen})
    assert done.status_code == 302 and "/columns" not in done.headers["Location"]
    assert json.loads(db.session.get(Setting, "roster.columns").value) == {"籍贯": "skip"}
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.field == "roster.columns")) is not None
    assert "确认导入后将新增 8 人" in text_of(client.get(done.headers["Location"]))
    # the next file with the same headers: no screen, straight to the dry run
    page = dry_run(client, xlsx(table), "另一份名单.xlsx")
    assert not page.request.path.endswith("/columns") and "确认导入后将新增 8 人" in text_of(page)


def test_two_columns_on_one_field_are_asked_about(client, office):
    header = [*HEADER[:-1], "手机"]  # 联系电话 and 手机
    page = dry_run(client, xlsx(roster_table(header=header)))
    assert page.request.path.endswith("/columns")
    assert text_of(page).count("重复") == 2


# --- who each row is ----------------------------------------------------------------------------------------

def test_two_members_of_one_name_are_asked_about_never_guessed(client, office, make_member):
    first = make_member("柯望舒", code="Q001", phone="13700000001")
    second = make_member("柯望舒", code="Q002", phone="13700000002", sector="sector_b")
    db.session.commit()
    page = dry_run(client, xlsx(roster_table()))
    text = text_of(page)
    assert "有 1 行无法确定是系统中的哪一位委员" in text
    assert "系统中有 2 位“柯望舒”，电话和出生年月不能确定是哪一位" in text
    assert "Q001 柯望舒 · 经济界" in text and "Q002 柯望舒 · 教育界" in text
    assert re.search(r"<button class=\"btn\" type=\"submit\" disabled", page.get_data(as_text=True))
    assert confirm(client, page, create_units="1").status_code == 422 and count(Member) == 2
    answered = again(client, page, **{"answer-4": "Q002", "create_units": "1"})
    assert answered.status_code == 200 and "确认导入后将新增 7 人、修改 1 人" in text_of(answered)
    assert re.search(r"联系电话：\s*13700000002\s*→\s*13900000101", text_of(answered))
    # a confirmation with another answer than the one looked at is shown again, not written
    changed = confirm(client, answered, create_units="1", **{"answer-4": "new"})
    assert changed.status_code == 200 and "选择或列的对应在试导入之后有变化" in text_of(changed)
    assert count(Member) == 2
    done = confirm(client, answered, create_units="1", **{"answer-4": "Q002"})
    assert done.status_code == 302, text_of(done)
    db.session.expire_all()
    assert (first.phone, second.phone, second.birth_month) == ("13700000001", "13900000101", "1968-03")
    assert count(Member) == 9


def test_two_rows_of_one_name_that_cannot_be_told_apart_are_asked_about(office):
    blocks = [("经济界", [("聂晚晴", "女", "", "", "", "", "", "", "", "", ""),
                          ("聂晚晴", "女", "", "", "", "", "", "", "", "", "")]),
              ("教育界", [("童嘉树", "男", "", "1972.07", "", "", "", "", "", "", ""),
                          ("童嘉树", "男", "", "1980.01", "", "", "", "", "", "", "")])]
    outcome = run_roster(xlsx(roster_table(blocks)), "名单.xlsx", None, True)
    assert [(q.row, q.reason) for q in outcome.questions] == [
        (4, "文件中有 2 行“聂晚晴”（第 4、5 行），无法区分是不是同一人"),
        (5, "文件中有 2 行“聂晚晴”（第 4、5 行），无法区分是不是同一人")]  # 童嘉树 twice: two birth months, two people
    outcome = run_roster(xlsx(roster_table(blocks)), "名单.xlsx", None, True,
                         Options(answers={4: "new", 5: "skip"}))
    assert outcome.ok and [p.what for p in outcome.planned] == ["W0001 聂晚晴", "W0002 童嘉树", "W0003 童嘉树"]


def test_a_member_is_found_by_name_and_phone_or_birth_month(office, make_member):
    make_member("蓝启明", code="Z07", phone="13900000201")           # the same phone: him
    make_member("聂晚晴", code="Z08", phone="", birth_month="1980-05")  # the same birth month: her
    make_member("詹秋禾", code="Z09", phone="13100000000", birth_month="1960-01")  # both differ: asked
    db.session.commit()
    outcome = run_roster(xlsx(roster_table()), "名单.xlsx", None, True, Options(create_units=True))
    planned = {p.what.split()[1]: p for p in outcome.planned}
    assert planned["蓝启明"].what == "Z07 蓝启明" and planned["聂晚晴"].what == "Z08 聂晚晴"
    assert [q.name for q in outcome.questions] == ["詹秋禾"]
    assert planned["柯望舒"].what == "Z10 柯望舒"  # a new member's code continues the county's own
    assert "联系电话" in planned["聂晚晴"].fields and "出生年月" not in planned["聂晚晴"].fields


# --- blank, 清空 -------------------------------------------------------------------------------------------

def test_a_blank_cell_never_erases_and_qingkong_does(office, make_member, county):
    member = make_member("岑远山", code="Z01", phone="13900000103", birth_month="1970-11", employer="青溪县政协",
                         position="主席", note="驻会", ethnicity="畲族", is_standing=True,
                         joined_on=dt.date(2022, 1, 10))
    db.session.commit()
    header = ["序号", "姓名", "性别", "民族", "联系电话", "工作单位", "职务", "专委会", "备注", "常委", "任职日期"]
    rows = [[1, "岑远山", None, None, None, None, "清空", "清空", "清空", None, None]]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, False)
    assert outcome.ok, outcome.errors
    db.session.commit()
    db.session.refresh(member)
    assert (member.phone, member.birth_month, member.employer, member.ethnicity, member.is_standing,
            member.joined_on) == ("13900000103", "1970-11", "青溪县政协", "畲族", True, dt.date(2022, 1, 10))
    assert (member.position, member.committee_id, member.note) == ("", None, "")
    assert member.sector_id == county["sector_a"].id and member.gender == Gender.MALE
    rows = [[1, "岑远山", "清空", None, None, None, None, None, None, "否", None]]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, False)
    assert outcome.errors == ["名单.xlsx:名单:2:性别: 性别不能清空"]
    db.session.rollback()
    rows = [[1, "岑远山", None, None, None, None, None, None, None, "否", "2023-03-01"]]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, False)
    assert outcome.ok and outcome.changes[2] == [("常委", "是", "否"), ("任职日期", "2022-01-10", "2023-03-01")]


# --- refusals ---------------------------------------------------------------------------------------------

def test_every_bad_row_is_reported_at_its_cell_and_the_error_workbook_marks_them(client, office):
    blocks = [("经济界", [("蓝启明", "男的", "", 1968.1, "", "", "", "", "138-abc", "也许", ""),
                          ("聂晚晴", "", "", "1980.05", "", "", "", "", "", "", "")])]
    page = dry_run(client, xlsx(roster_table(blocks)))
    assert page.status_code == 422
    errors = [e for e in text_of(page).split(" ") if e.startswith("委员名单.xlsx:")]
    assert errors == ["委员名单.xlsx:委员名单:4:性别:", "委员名单.xlsx:委员名单:4:出生年月:",
                      "委员名单.xlsx:委员名单:4:联系电话:", "委员名单.xlsx:委员名单:4:常委:",
                      "委员名单.xlsx:委员名单:5:性别:"]
    text = text_of(page)
    assert "“男的”应填 男 或 女" in text and "可能是 1 月也可能是 10 月" in text and "新委员须填写性别" in text
    link = re.search(r'href="([^"]+/errors[^"]*)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    book = openpyxl.load_workbook(io.BytesIO(client.get(link).data))
    assert book.sheetnames[0] == "错误汇总" and book["错误汇总"].max_row == 6
    sheet = book["委员名单"]
    column = HEADER.index("出生年月") + 1
    assert "10 月" in sheet.cell(4, column).comment.text
    assert count(Member) == 0


def test_an_old_excel_file_gets_its_error_workbook_too(client, office):
    blocks = [("经济界", [("蓝启明", "不详", "", "", "", "", "", "", "", "", "")])]
    page = dry_run(client, xls(roster_table(blocks)), "名单.xls")
    link = re.search(r'href="([^"]+/errors[^"]*)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and "%E5%90%8D%E5%8D%95-%E9%94%99%E8%AF%AF%E6%A0%87%E6%B3%A8.xlsx" in \
        response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["委员名单"]
    assert sheet["B3"].value == "姓名" and "应填 男 或 女" in sheet.cell(4, 3).comment.text
    assert "G4:G4" not in {str(r) for r in sheet.merged_cells.ranges} and "A1:M1" in {str(r) for r in
                                                                                     sheet.merged_cells.ranges}


def test_without_a_current_term_the_import_says_the_administrator_must_create_one(client, office):
    db.session.execute(sa.update(Term).values(closed_at=dt.datetime(2026, 1, 1)))
    db.session.commit()
    assert "系统中还没有当前的届" in text_of(client.get(ROSTER))
    page = dry_run(client, xlsx(roster_table()))
    assert "系统中还没有当前的届：请先由系统管理员建立本届" in text_of(page)
    assert confirm(client, page, create_units="1").status_code == 422 and count(Member) == 0


def test_files_it_cannot_read_are_refused_with_the_reason(client, office, app):
    page = dry_run(client, b"<html><table><tr><td>x</td></tr></table></html>", "导出.xls")
    assert "其实是网页或 XML 格式" in text_of(page)
    page = dry_run(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "坏.xls")
    assert "旧版 Excel（.xls）文件已损坏或设了打开密码" in text_of(page)
    response = upload(client, b"x", "名单.docx")
    assert response.status_code == 302 and "只能导入 .xlsx、.xls、.ods 或 .csv 文件" in text_of(
        client.get(response.headers["Location"]))
    page = dry_run(client, xlsx(Table("说明", [["本表是说明"], ["没有名单"]])))
    assert "找不到列名行" in text_of(page)
    app.config["IMPORT_MAX_BYTES"] = 1024
    response = upload(client, xlsx(roster_table()))
    assert "文件超过 0 MB" in text_of(client.get(response.headers["Location"]))


def test_a_clerk_can_neither_see_nor_reach_the_roster_import(client, county, make_user, login):
    office = make_user("office1", Role.OFFICE)
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("office1")
    uploaded = upload(client, xlsx(roster_table())).headers["Location"]
    token = re.search(r"/imports/roster/([0-9a-f]{64})", uploaded).group(1)
    client.post("/auth/logout")
    login("clerk1")
    assert "导入委员名单" not in text_of(client.get("/imports/"))
    assert client.get(ROSTER).status_code == 403
    assert upload(client, xlsx(roster_table())).status_code == 403
    for url in (f"{ROSTER}{token}", f"{ROSTER}{token}/columns", f"{ROSTER}{token}/errors"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{ROSTER}{token}/confirm", data={"create_units": "1"}).status_code == 403
    assert count(Member) == 0 and office.id


def test_the_administrator_imports_too(client, county, make_user, login):
    make_user("admin1", Role.ADMIN)
    login("admin1")
    page = dry_run(client, xlsx(roster_table()))
    assert confirm(client, page, create_units="1").status_code == 302 and count(Member) == 8


@pytest.mark.commits  # the job writes its progress on a connection of its own
def test_a_big_roster_is_confirmed_as_a_background_job(app, client, office):
    app.config["IMPORT_JOB_ROWS"] = 5
    page = dry_run(client, xlsx(roster_table()))
    done = confirm(client, page, create_units="1")
    assert done.status_code == 302 and done.headers["Location"].endswith("/members/"), text_of(done)
    job = db.session.scalars(sa.select(Job).order_by(Job.id.desc())).first()
    assert (job.kind, job.state, job.result["counts"]["新增"], job.result["units"]) == \
        ("roster", JobState.SUCCEEDED, 8, 3)
    assert count(Member) == 8


# --- the command ---------------------------------------------------------------------------------------------

def test_the_command_refuses_what_is_unsettled_and_says_how_to_settle_it(app, office, make_member, tmp_path):
    header = [*HEADER, "籍贯"]
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(roster_table(header=header)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "roster", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert "名单.xlsx:委员名单:3:籍贯: 无法识别这一列" in result.stderr and "--mapping" in result.stderr
    assert "名单.xlsx:委员名单:4:界别: 系统中没有界别活动组“中共”" in result.stderr
    result = runner.invoke(args=["import", "roster", str(path), "--dry-run", "--create-units",
                                 "--mapping", '{"籍贯": "不导入"}'])
    assert result.exit_code == 0, result.stderr
    assert "将新建 界别活动组 中共" in result.stdout
    assert "名单.xlsx:委员名单:4: 新增 W0001 柯望舒（姓名 柯望舒、性别 男" in result.stdout
    assert count(Member) == 0 and db.session.get(Setting, "roster.columns") is None  # a dry run remembers nothing
    result = runner.invoke(args=["import", "roster", str(path), "--create-units", "--mapping", '{"籍贯": "不导入"}'])
    assert result.exit_code == 0, result.stderr
    assert "已记住列的对应：籍贯 → 不导入" in result.stdout and "已导入：新增 8 行" in result.stdout
    result = runner.invoke(args=["import", "roster", str(path)])  # the choice remembered; nothing to change
    assert result.exit_code == 0 and "新增 0 行，修改 0 行，不变 8 行" in result.stdout
    make_member("柯望舒", code="Q001", phone="13700000001")
    db.session.commit()
    path.write_bytes(xlsx(Table("增补", [["序号", "姓名", "性别", "界别", "备注"], [1, "柯望舒", "男", "中共", "增补"]])))
    result = runner.invoke(args=["import", "roster", str(path)])
    assert result.exit_code == 1
    assert "名单.xlsx:增补:2:姓名: 系统中有 2 位“柯望舒”" in result.stderr
    assert "--choose 2=新增" in result.stderr and "委员编号" in result.stderr and "W0001 柯望舒 · 中共" in result.stderr
    result = runner.invoke(args=["import", "roster", str(path), "--choose", "2=W0001"])
    assert result.exit_code == 0 and "修改 1 行" in result.stdout, result.stderr
    assert db.session.scalar(sa.select(Member.note).where(Member.code == "W0001")) == "增补"


def test_the_command_reads_a_given_sheet(app, office, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(Table("说明", [["填表说明"]]), roster_table(sheet="十届"), roster_table(BLOCKS[:1], sheet="增补")))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "roster", str(path), "--dry-run", "--create-units"])
    assert result.exit_code == 0 and "新增 8 行" in result.stdout
    assert "工作表“增补”也像名册" in result.stderr
    result = runner.invoke(args=["import", "roster", str(path), "--dry-run", "--create-units", "--sheet", "增补"])
    assert result.exit_code == 0 and "新增 3 行" in result.stdout
    result = runner.invoke(args=["import", "roster", str(path), "--sheet", "没有"])
    assert result.exit_code == 1 and "工作簿中没有“没有”表" in result.stderr


# --- the demo county -----------------------------------------------------------------------------------------

def test_on_the_demo_county_people_are_found_and_new_codes_continue(client, as_user, demo):
    as_user("office")
    names = db.session.execute(sa.select(Member.name, sa.func.count()).group_by(Member.name)).all()
    unique = {name for name, n in names if n == 1}
    known = [m for m in db.session.scalars(sa.select(Member).where(Member.active).order_by(Member.code))
             if m.name in unique and m.committee is not None and m.liaison is not None][:3]
    blocks = [(known[0].sector.name, [
        (known[0].name, known[0].gender.label, "", "", known[0].party, "", "", "", known[0].phone, "", ""),
        (known[1].name, known[1].gender.label, "", "1971.06", "", "", "", "", "", "", ""),
        (known[2].name, known[2].gender.label, "", "", "", "", "", "", "13911112222", "", ""),
        ("甘露白", "女", "汉族", "1985.02", "群众", "", "城关镇联络处", "青溪县实验小学校长", "13911113333", "", "")])]
    page = dry_run(client, xlsx(roster_table(blocks)))
    text = text_of(page)
    assert page.status_code == 200, text
    assert "W0261 甘露白" in text  # the demo's 260 members are W0001 … W0260
    assert re.search(r"修改 " + known[1].code + r" \S+ 出生年月：\s*（空）\s*→\s*1971-06", text)  # the only one of that name
    # the only one of that name, but another phone: a new number, or a namesake? asked
    assert f"系统中的“{known[2].name}”（{known[2].code}）电话或出生年月与这一行不同" in text
    assert "与系统中相同、不会改动的 1 人 " + f"{known[0].code} {known[0].name}" in text
    page = again(client, page, **{f"answer-6": known[2].code})
    assert re.search(rf"联系电话：\s*{known[2].phone}\s*→\s*13911112222", text_of(page))
    assert "将新增 1 人、修改 2 人。另有 1 人与系统中相同" in text_of(page)
    done = confirm(client, page, **{"answer-6": known[2].code})
    assert done.status_code == 302, text_of(done)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Member).where(Member.code == "W0261")).liaison.name == "城关镇联络处"
    assert db.session.get(Member, known[1].id).birth_month == "1971-06"
    assert db.session.get(Member, known[1].id).committee_id == known[1].committee_id  # blank: kept
    assert db.session.get(Member, known[2].id).phone == "13911112222"


def test_a_code_column_matches_by_code_and_refuses_another_set_of_codes(office, make_member, county):
    make_member("蓝启明", code="W0007", phone="13900000201")
    make_member("聂晚晴", code="W0008")
    old = Term(number=3, name="第三届", starts_on=dt.date(2017, 1, 1), ends_on=dt.date(2021, 12, 31),
               closed_at=dt.datetime(2022, 1, 5))
    db.session.add(old)
    db.session.flush()
    make_member("卜田野", code="W0003").term_id = old.id
    db.session.commit()
    header = ["序号", "委员编号", "姓名", "性别", "界别", "联系电话"]
    rows = [[1, "W0008", "聂晓晴", None, None, None],          # the code decides: a new name for W0008
            [2, "2022001", "蓝启明", "男", "经济界", "13900000201"],  # another set of codes: refused, not duplicated
            [3, "W0003", "卜田野", "男", "经济界", None],          # a member of a closed 届
            [4, "W0100", "甘露白", "女", "教育界", None],          # a new code: a new member
            [5, None, "石青岚", "男", "经济界", None]]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, True)
    assert outcome.errors == [
        "名单.xlsx:名单:3:委员编号: 编号“2022001”在系统中没有，但系统中的 W0007 蓝启明 · 经济界 · 13900000201 电话或"
        "出生年月与这一行相同：如果是同一人，请填 W0007；如果文件的编号是另一套编号，请把这一列设为“不导入”",
        "名单.xlsx:名单:4:委员编号: 编号“W0003”是第三届的委员 卜田野，不在当前的届"]
    del rows[1:3]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, True)
    assert [(p.action, p.what, p.fields) for p in outcome.planned] == [
        ("修改", "W0008 聂晓晴", ("姓名",)), ("新增", "W0100 甘露白", ()), ("新增", "W0009 石青岚", ())]  # after the stored codes


def test_a_unit_in_the_wrong_column_or_stopped_is_refused(office, county):
    county["liaison_b"].active = False
    db.session.commit()
    header = ["姓名", "性别", "界别", "专委会", "联络处"]
    rows = [["甘露白", "女", "经济界", "教育界", None], ["石青岚", "男", "经济界", None, "大源镇联络处"]]
    outcome = run_roster(xlsx(Table("名单", [header, *rows])), "名单.xlsx", None, True, Options(create_units=True))
    assert outcome.errors == ["名单.xlsx:名单:2:专委会: “教育界”是界别活动组，不是专门委员会：是否填错了列？",
                              "名单.xlsx:名单:3:联络处: 乡镇政协联络处“大源镇联络处”已停用：请先在单位管理中启用，或改填其他单位"]


def test_the_command_on_the_demo_county(app, demo, tmp_path):
    names = db.session.execute(sa.select(Member.name, sa.func.count()).group_by(Member.name)).all()
    unique = {name for name, n in names if n == 1}
    known = [m for m in db.session.scalars(sa.select(Member).order_by(Member.code)) if m.name in unique][:2]
    header = ["序号", "姓名", "性别", "界别", "联系电话", "出生年月"]
    rows = [[1, known[0].name, known[0].gender.label, known[0].sector.name, known[0].phone, None],
            [2, known[1].name, None, None, known[1].phone, "1972年7月"],
            [3, "甘露白", "女", "教育界", "13911113333", None]]
    path = tmp_path / "增补名单.csv"
    path.write_bytes(csv_bytes(Table("名单", [header, *rows]), "gbk"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "roster", str(path), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert f"增补名单.csv:名册:3: 修改 {known[1].code} {known[1].name}（出生年月 1972-07）" in result.stdout
    assert "增补名单.csv:名册:4: 新增 W0261 甘露白" in result.stdout and known[0].name not in result.stdout
    assert "试导入：新增 1 行，修改 1 行，不变 1 行（未写入）" in result.stdout
    assert runner.invoke(args=["import", "roster", str(path)]).exit_code == 0
    result = runner.invoke(args=["import", "roster", str(path), "-v"])
    assert result.exit_code == 0 and "新增 0 行，修改 0 行，不变 3 行" in result.stdout
    assert f"增补名单.csv:名册:2: 不变 {known[0].code} {known[0].name}" in result.stdout  # -v lists them too


def test_a_name_column_set_aside_earlier_is_said_missing_with_the_way_back(client, office):
    db.session.add(Setting(key="roster.columns", value=json.dumps({"姓名": "skip"})))
    db.session.commit()
    page = dry_run(client, xlsx(roster_table()))
    text = text_of(page)
    assert page.status_code == 422 and "没有导入“姓名”列：请在列的对应中把姓名所在的列设为“姓名”" in text
    assert "查看或修改列的对应" in text
    columns = client.get(re.search(r'href="([^"]+/columns[^"]*)"', page.get_data(as_text=True)).group(1)
                         .replace("&amp;", "&"))
    assert columns.status_code == 200 and "已记住" in text_of(columns)
