"""The township's enterprise figures from its spreadsheet: a template with its 填写说明, an import (dry run first, then
all or nothing, every bad row at its cell, audited) that registers or updates enterprises by name and one year's
figures, linking each to a branch by name or 编号; the office's alone; and an export of the year in the same layout
that imports back unchanged."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx
from test_coverage import blanks, township  # noqa: F401  # the fixture: 宏达纸业, 园区甲公司, 顺丰竹木 (a 空白点)

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import AuditLog, Enterprise, EnterpriseFigures, Role, User

HEADERS = ["企业名称", "所属党支部", "所属行业", "年度", "职工人数", "党员人数", "产值（万元）", "税收（万元）"]
OWNER_HEADERS = ["企业主", "企业主职务", "企业主电话"]  # optional: HEADERS alone is a template from before them
SHEET = "企业年度数据"


@pytest.fixture
def office(township, make_user):
    make_user("liaison", Role.LIAISON, ("branch_a",))
    make_user("clerk", Role.CLERK, ("committee_a",))
    return make_user("office", Role.OFFICE)


def figures_of(name: str) -> dict[int, tuple[object, ...]]:
    db.session.expire_all()
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == name))
    return {f.year: (f.employees, f.party_members, f.output, f.tax) for f in enterprise.figures}


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))  # type: ignore[return-value]
                 for model in (Enterprise, EnterpriseFigures, AuditLog))


def run(data: bytes, user: User | None, dry_run: bool, filename: str = "企业.xlsx"):
    outcome = run_import(DATASETS["enterprises"], data, filename, user, dry_run=dry_run)
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def test_the_template_explains_itself_and_only_the_office_imports(client, login, office):
    login("office")
    response = client.get("/imports/enterprises/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["填写说明", SHEET]
    assert [str(c.value).rstrip("*") for c in book[SHEET][1]] == HEADERS + OWNER_HEADERS
    notes = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "按企业名称识别" in notes and "填“无”为未建党支部" in notes
    assert "没有这三列的旧模板也能导入" in notes and "企业主填“无”时职务和电话一并清除" in notes
    assert "企业年度数据" in text_of(client.get("/imports/"))
    page = client.get("/coverage/?year=2025").get_data(as_text=True)
    assert "/imports/enterprises/template.xlsx" in page and "export=xlsx" in page
    for name in ("liaison", "clerk"):
        client.post("/auth/logout")
        login(name)
        assert client.get("/imports/enterprises/template.xlsx").status_code in (403, 404)
        upload = {"file": (io.BytesIO(xlsx(SHEET, HEADERS, [["宏达纸业有限公司", "", "", 2025, 1, 0]])), "f.xlsx")}
        assert client.post("/imports/enterprises/check", data=upload,
                           content_type="multipart/form-data").status_code in (403, 404)
        assert "/imports/enterprises/template.xlsx" not in client.get("/coverage/?year=2025").get_data(as_text=True)
    assert figures_of("宏达纸业有限公司")[2025][0] == 330


def test_a_dry_run_previews_then_the_import_registers_updates_and_links_in_one_go(client, login, county, office):
    rows = [["宏达纸业有限公司", "", "造纸", 2025, 340, 10, "13000", "650.5"],
            ["大源恒达包装材料有限公司", "无", "包装", 2025, 132, 3, None, None],
            ["顺丰竹木制品厂", county["branch_b"].code, None, 2025, 64, 2, "800", "24"],
            ["园区甲公司", "园区联合党支部", None, 2025, 60, 0, None, None]]
    data = xlsx(SHEET, HEADERS, rows)
    before = counts()
    login("office")
    page = client.post("/imports/enterprises/check", data={"file": (io.BytesIO(data), "企业.xlsx")},
                       content_type="multipart/form-data")
    text = text_of(page)
    assert page.status_code == 200 and "新增 1 行、修改 2 行；1 行与系统中相同" in text, text[:600]
    assert "顺丰竹木制品厂（2025 年） 所属党支部、产值、税收" in text  # each change names its columns
    assert counts() == before  # a dry run writes nothing
    token = re.search(r'name="token"[^>]*value="([0-9a-f]+)"', page.get_data(as_text=True))
    done = client.post("/imports/enterprises/confirm", data={"token": token.group(1), "filename": "企业.xlsx"},
                       follow_redirects=True)
    assert "已导入：新增 1 行，修改 2 行，不变 1 行" in text_of(done)
    assert figures_of("宏达纸业有限公司")[2025] == (340, 10, Decimal("13000"), Decimal("650.5"))
    new = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "大源恒达包装材料有限公司"))
    assert (new.branch_id, new.industry, new.employees) == (None, "包装", 132)
    bamboo = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "顺丰竹木制品厂"))
    assert bamboo.branch_id == county["branch_b"].id
    assert figures_of("顺丰竹木制品厂") == {2024: (64, 2, None, None), 2025: (64, 2, Decimal("800"), Decimal("24"))}
    mill = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "宏达纸业有限公司"))
    assert mill.branch_id == county["branch_a"].id and mill.industry == "造纸"  # a blank branch keeps its own
    audited = set(db.session.execute(sa.select(AuditLog.entity, AuditLog.action)).all())
    assert {("enterprise", "create"), ("enterprise", "update"), ("enterprise_figures", "create"),
            ("enterprise_figures", "update"), ("enterprise_figures", "import")} <= audited
    coverage = client.get("/coverage/?year=2025")
    assert "顺丰竹木制品厂" not in blanks(coverage) and "大源恒达包装材料有限公司" in blanks(coverage)


def test_every_bad_row_is_said_at_its_cell_and_nothing_is_written(office, county):
    rows = [["宏达纸业有限公司", "", None, 2025, 340, 400, "1.234", None],  # 2: more party members than staff
            ["宏达纸业有限公司", "", None, 2025, 340, 10, None, None],  # 3: the same enterprise twice
            ["园区甲公司", "没有的支部", None, 2025, 60, 0, None, None],  # 4: no such branch
            ["新甲公司", county["branch_a"].name, None, 2025, 20, 0, None, None],  # 5: a second firm in a 单独 branch
            ["新乙公司", "", None, 2024, 20, 0, None, None],  # 6: another year
            ["新丙公司", "", "行" * 41, 2025, -3, 0, "-5", None],  # 7: too long an industry, negative numbers
            ["新丁公司", "", None, 2999, 20, 0, None, None],  # 8: a year to come
            ["新戊公司", "", None, 2025, "许多", None, None, None]]  # 9: not a number
    before = counts()
    outcome = run(xlsx(SHEET, HEADERS, rows), None, dry_run=False)
    assert not outcome.written and counts() == before
    said = {(row, column) for _sheet, row, column, _reason in outcome.problems}
    assert {(2, "党员人数"), (2, "产值"), (3, "企业名称"), (4, "所属党支部"), (5, "所属党支部"), (6, "年度"),
            (7, "所属行业"), (7, "职工人数"), (7, "产值"), (8, "年度"), (9, "职工人数")} <= said, outcome.errors
    text = "\n".join(outcome.errors)
    assert "企业.xlsx:企业年度数据:2:党员人数: 党员人数（400）不能多于职工人数（340）" in text
    assert "找不到党支部“没有的支部”" in text and "只能有一家企业（还有：宏达纸业有限公司）" in text
    assert "一个文件只导入一个年度的数据：第 2 行是 2025 年" in text


def test_the_years_export_imports_back_unchanged_and_an_edit_is_one_change(client, login, office):
    mill = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "宏达纸业有限公司"))
    mill.name = "=HYPERLINK(\"http://x\",\"宏达\")"  # formula-like text someone typed: written and read as text
    db.session.commit()
    login("office")
    for kind in ("xlsx", "csv"):
        response = client.get(f"/coverage/?year=2025&export={kind}")
        assert response.headers["Content-Disposition"].startswith("attachment")
        outcome = run(response.data, office, dry_run=True, filename=f"export.{kind}")
        assert outcome.ok and outcome.counts == {"新增": 0, "修改": 0, "不变": 3}, outcome.errors
    data = client.get("/coverage/?year=2025&export=xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value}
    name = sheet.cell(rows[mill.name], 1)
    assert name.data_type == "s" and name.value == mill.name
    assert [sheet.cell(rows["顺丰竹木制品厂"], headers.index(h) + 1).value for h in ("职工人数", "党员人数")] == [64, 2]
    sheet.cell(rows["顺丰竹木制品厂"], headers.index("党员人数") + 1, 1)
    out = io.BytesIO()
    book.save(out)
    outcome = run(out.getvalue(), office, dry_run=False)
    assert outcome.counts == {"新增": 0, "修改": 1, "不变": 2}, outcome.errors
    assert [p.fields for p in outcome.planned if p.action == "修改"] == [("党员人数",)]
    assert figures_of("顺丰竹木制品厂") == {2024: (64, 2, None, None), 2025: (64, 1, None, None)}  # 2024 kept
    assert figures_of(mill.name)[2025][0] == 330


def test_a_liaison_exports_only_their_branches_enterprises(client, login, office):
    login("liaison")
    rows = list(csv.reader(io.StringIO(client.get("/coverage/?year=2025&export=csv").data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["宏达纸业有限公司"]


def test_a_single_branch_takes_another_enterprise_when_the_file_moves_its_own_out(office, county):
    """宏达纸业 leaves 宏达纸业党支部 (单独组建) and a new firm takes its place: written in an order that never holds two."""
    rows = [["宏达新材料有限公司", county["branch_a"].code, "新材料", 2025, 120, 6, None, None],
            ["宏达纸业有限公司", "无", None, 2025, 330, 9, "12000.5", "600"]]
    outcome = run(xlsx(SHEET, HEADERS, rows), office, dry_run=False)
    assert outcome.written and outcome.counts == {"新增": 1, "修改": 1, "不变": 0}, outcome.errors
    db.session.expire_all()
    branch = {e.name: e.branch_id for e in db.session.scalars(sa.select(Enterprise))}
    assert branch["宏达新材料有限公司"] == county["branch_a"].id and branch["宏达纸业有限公司"] is None


def test_from_an_empty_database_the_command_registers_the_townships_enterprises(app, tmp_path):
    """No demo, no branch yet: the command (acting for the office) registers the enterprises with their figures, and
    the coverage report counts them."""
    path = tmp_path / "企业.xlsx"
    path.write_bytes(xlsx(SHEET, HEADERS, [["宏达纸业有限公司", "", "造纸", 2025, 320, 9, "12000", "600"],
                                           ["顺丰竹木制品厂", "无", None, 2025, 64, 2, None, None],
                                           ["新星化工有限公司", "新星化工党支部", None, 2025, 80, 1, None, None]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "enterprises", str(path)])
    assert result.exit_code == 1 and ":企业年度数据:4:所属党支部: 找不到党支部“新星化工党支部”" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 0
    book = openpyxl.load_workbook(path)
    book[SHEET].delete_rows(4)
    book.save(path)
    result = runner.invoke(args=["import", "enterprises", str(path)])
    assert result.exit_code == 0 and "已导入：新增 2 行" in result.output, result.output
    assert figures_of("宏达纸业有限公司") == {2025: (320, 9, Decimal("12000"), Decimal("600"))}
    out = tmp_path / "coverage.pdf"
    result = runner.invoke(args=["report", "coverage", "--year", "2025", "-o", str(out)])
    assert result.exit_code == 0 and "企业 2 家" in result.output, result.output


def test_a_liaisons_export_names_no_other_branch(client, login, office):
    login("liaison")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/coverage/?year=2025&export=xlsx").data))
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "宏达纸业党支部" in text and "园区联合党支部" not in text and "园区甲公司" not in text


# --- 企业主 (name, 职务, phone): optional columns, checked as the owner form checks them -------------------------------

def owner_of(name: str) -> tuple[str, str, str]:
    db.session.expire_all()
    e = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == name))
    return e.owner_name, e.owner_title, e.owner_phone


def owner_audit(name: str) -> dict[str, tuple[str, str]]:
    """The audited changes of the enterprise's owner fields: field → (before, after), the latest of each."""
    e = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == name))
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "enterprise", AuditLog.entity_id == e.id,
                                                        AuditLog.field.like("owner_%")).order_by(AuditLog.id))
    return {r.field: (r.before, r.after) for r in rows}


def test_from_an_empty_database_the_township_registers_the_owners_from_its_sheet(app, tmp_path):
    """No demo, no branch: the command registers enterprises with their 企业主 (a phone typed as a number reads as
    its digits; an owner without 职务 or phone is one too), audited as the owner form audits them."""
    path = tmp_path / "企业.xlsx"
    path.write_bytes(xlsx(SHEET, HEADERS + OWNER_HEADERS, [
        ["宏达纸业有限公司", "", "造纸", 2025, 320, 9, None, None, "周建国", "董事长", 13971200001],
        ["顺丰竹木制品厂", "无", None, 2025, 64, 2, None, None, "吴志刚", None, "0710-1234567"],
        ["惠民农产品专业合作社", "", None, 2025, 28, 0, None, None, None, None, None]]))
    result = app.test_cli_runner().invoke(args=["import", "enterprises", str(path)])
    assert result.exit_code == 0 and "已导入：新增 3 行" in result.output, result.output
    assert owner_of("宏达纸业有限公司") == ("周建国", "董事长", "13971200001")
    assert owner_of("顺丰竹木制品厂") == ("吴志刚", "", "0710-1234567")
    assert owner_of("惠民农产品专业合作社") == ("", "", "")
    assert owner_audit("宏达纸业有限公司") == {"owner_name": ("", "周建国"), "owner_title": ("", "董事长"),
                                            "owner_phone": ("", "13971200001")}


def test_every_bad_owner_cell_is_said_at_its_cell_and_nothing_is_written(office):
    mill = office_owner("宏达纸业有限公司", ("周建国", "董事长", "13971200001"))
    rows = [["宏达纸业有限公司", "", None, 2025, 330, 9, None, None, None, None, "1397120000一"],  # 2: not a phone
            ["园区甲公司", "", None, 2025, 60, 0, None, None, "王" * 41, "总经理", "1" * 31],  # 3: too long
            ["新甲公司", "", None, 2025, 20, 0, None, None, None, "董事长", "13900001234"],  # 4: no name to them
            ["新乙公司", "", None, 2025, 20, 0, None, None, "李四", "董事长\n总经理", "+86 710 1234567"],  # 5: two lines
            ["新丙公司", "", None, 2025, 20, 0, None, None, "无", "董事长", None]]  # 6: no owner, yet a 职务
    before = counts()
    outcome = run(xlsx(SHEET, HEADERS + OWNER_HEADERS, rows), office, dry_run=False)
    assert not outcome.written and counts() == before
    said = {(row, column): reason for _sheet, row, column, reason in outcome.problems}
    assert set(said) == {(2, "企业主电话"), (3, "企业主"), (3, "企业主电话"), (4, "企业主"), (5, "企业主职务"),
                         (6, "企业主")}, outcome.errors
    assert said[2, "企业主电话"] == "电话号码只能包含数字、空格、+ 和 -"  # the owner form's own words
    assert said[3, "企业主电话"].endswith("太长（至多 30 字）") and said[3, "企业主"].endswith("太长（至多 40 字）")
    assert said[4, "企业主"] == said[6, "企业主"] == "请填写企业主姓名；职务和电话是企业主的"
    assert said[5, "企业主职务"] == "不能包含换行或控制字符"
    assert "企业.xlsx:企业年度数据:2:企业主电话: 电话号码只能包含数字、空格、+ 和 -" in outcome.errors
    assert owner_of(mill.name) == ("周建国", "董事长", "13971200001")


def office_owner(name: str, owner: tuple[str, str, str]) -> Enterprise:
    """Register `name`'s 企业主 as the owner page would have."""
    e = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == name))
    e.owner_name, e.owner_title, e.owner_phone = owner
    db.session.commit()
    return e


def test_a_blank_owner_cell_keeps_the_registered_owner_and_无_clears_it(office):
    office_owner("宏达纸业有限公司", ("周建国", "董事长", "13971200001"))
    office_owner("园区甲公司", ("吴志刚", "总经理", "13971200002"))
    same = ["宏达纸业有限公司", "", None, 2025, 330, 9, "12000.5", "600"]
    # a template from before the owner columns: every owner stays as registered
    outcome = run(xlsx(SHEET, HEADERS, [same]), office, dry_run=False)
    assert outcome.ok and outcome.counts == {"新增": 0, "修改": 0, "不变": 1}, outcome.errors
    # blank owner cells keep the owner: unchanged; a new phone alone changes the phone alone
    outcome = run(xlsx(SHEET, HEADERS + OWNER_HEADERS, [[*same, None, None, None],
                                                        ["园区甲公司", "", None, 2025, 60, 0, None, None,
                                                         None, None, "0710-7654321"]]), office, dry_run=False)
    assert outcome.written and outcome.counts == {"新增": 0, "修改": 1, "不变": 1}, outcome.errors
    assert [p.fields for p in outcome.planned if p.action == "修改"] == [("企业主电话",)]
    assert owner_of("宏达纸业有限公司") == ("周建国", "董事长", "13971200001")
    assert owner_of("园区甲公司") == ("吴志刚", "总经理", "0710-7654321")
    # a new owner's name alone: the former owner's 职务 and phone go with them, never the new owner's
    outcome = run(xlsx(SHEET, HEADERS + OWNER_HEADERS, [[*same, "周海", None, None]]), office, dry_run=False)
    assert [p.fields for p in outcome.planned] == [("企业主", "企业主职务", "企业主电话")], outcome.errors
    assert owner_of("宏达纸业有限公司") == ("周海", "", "")
    # the same name again with a 职务 and phone: only what is filled in changes
    outcome = run(xlsx(SHEET, HEADERS + OWNER_HEADERS, [[*same, "周海", "董事长", "13971200001"]]), office,
                  dry_run=False)
    assert [p.fields for p in outcome.planned] == [("企业主职务", "企业主电话")], outcome.errors
    # 无 clears: a 职务 alone, or the whole owner (the 职务 and phone left blank go with the name)
    outcome = run(xlsx(SHEET, HEADERS + OWNER_HEADERS, [[*same, None, "无", None],
                                                        ["园区甲公司", "", None, 2025, 60, 0, None, None,
                                                         "无", None, None]]), office, dry_run=False)
    assert outcome.written and outcome.counts == {"新增": 0, "修改": 2, "不变": 0}, outcome.errors
    assert owner_of("宏达纸业有限公司") == ("周海", "", "13971200001")
    assert owner_of("园区甲公司") == ("", "", "")
    assert owner_audit("园区甲公司") == {"owner_name": ("吴志刚", ""), "owner_title": ("总经理", ""),
                                       "owner_phone": ("0710-7654321", "")}


def test_the_owners_export_imports_back_unchanged_and_an_edit_is_audited_as_the_owner_forms(client, login, office):
    """Owners named like a formula, a phone with + and spaces (quoted in the CSV): an export of each format reads
    back 不变; a 职务 changed in the sheet is the one change, in the owner page's 变更记录."""
    mill = office_owner("宏达纸业有限公司", ("=HYPERLINK(\"http://x\",\"周\")", "董事长", "+86 710 1234567"))
    office_owner("园区甲公司", ("-吴志刚", "", ""))
    login("office")
    for kind in ("xlsx", "csv"):
        outcome = run(client.get(f"/coverage/?year=2025&export={kind}").data, office, True, f"export.{kind}")
        assert outcome.ok and outcome.counts == {"新增": 0, "修改": 0, "不变": 3}, outcome.errors
    book = openpyxl.load_workbook(io.BytesIO(client.get("/coverage/?year=2025&export=xlsx").data))
    sheet = book[SHEET]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    assert headers == HEADERS + OWNER_HEADERS
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == mill.name)
    name = sheet.cell(row, headers.index("企业主") + 1)
    assert name.data_type == "s" and name.value == mill.owner_name  # text, not a formula
    assert sheet.cell(row, headers.index("企业主电话") + 1).value == "+86 710 1234567"
    sheet.cell(row, headers.index("企业主职务") + 1, "执行董事")
    out = io.BytesIO()
    book.save(out)
    outcome = run(out.getvalue(), office, dry_run=False)
    assert outcome.counts == {"新增": 0, "修改": 1, "不变": 2}, outcome.errors
    assert [p.fields for p in outcome.planned if p.action == "修改"] == [("企业主职务",)]
    assert owner_of(mill.name) == (mill.owner_name, "执行董事", "+86 710 1234567")
    history = text_of(client.get(f"/coverage/enterprises/{mill.id}/owner"))
    assert "企业主职务" in history and "董事长" in history and "执行董事" in history


def test_the_owners_phone_is_exported_only_to_those_the_owner_page_shows_it_to(client, login, office, make_user):
    """The office and the branch's liaison keep the owner (and read the phone); a leader reads the coverage and its
    export without the phone column, in both formats."""
    office_owner("宏达纸业有限公司", ("周建国", "董事长", "13971200001"))
    make_user("leader", Role.LEADER)
    for user, shown in (("office", True), ("liaison", True), ("leader", False)):
        login(user)
        rows = list(csv.reader(io.StringIO(client.get("/coverage/?year=2025&export=csv").data.decode("utf-8-sig"))))
        mill = next(r for r in rows if r[0] == "宏达纸业有限公司")
        assert rows[0][8:10] == ["企业主", "企业主职务"] and mill[8:10] == ["周建国", "董事长"]
        assert ("企业主电话" in rows[0], "13971200001" in mill) == (shown, shown), user
        book = openpyxl.load_workbook(io.BytesIO(client.get("/coverage/?year=2025&export=xlsx").data))
        text = " ".join(str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value)
        headers = [str(c.value).rstrip("*") for c in book[SHEET][1]]
        assert ("13971200001" in text, headers[-1] == "企业主电话") == (shown, shown), user
        assert "周建国" in text and headers[8:10] == ["企业主", "企业主职务"]
        client.post("/auth/logout")
