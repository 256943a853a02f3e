"""Spreadsheet import through the web: template, dry run, all-or-nothing, idempotency, error workbook, scope."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx

from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, RecordState, Role

HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "级别", "金额", "联名"]


def workbook(rows, headers=HEADERS, sheet="履职记录", merge=None) -> bytes:
    return xlsx(sheet, headers, rows, merge)


@pytest.fixture
def setup(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", code="W001", liaison="liaison_a")
    second = make_member("李红", code="W002", liaison="liaison_a")
    theirs = make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    return {"ours": ours, "second": second, "theirs": theirs}


def upload(client, data: bytes, name: str = "records.xlsx", dataset: str = "records"):
    return client.post(f"/imports/{dataset}/check", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, response, dataset: str = "records"):
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    filename = re.search(r'name="filename" type="hidden" value="([^"]*)"', html).group(1)
    return client.post(f"/imports/{dataset}/confirm", data={"token": token, "filename": filename},
                       follow_redirects=True)


def records():
    return db.session.scalars(sa.select(Activity).order_by(Activity.id)).all()


GOOD = [["W001", "张三", "提案", "2025-03-02", "关于修缮城关小学的提案", "立案", None, None, "W002"],
        ["W002", "李红", "社情民意", dt.date(2025, 4, 1), "关于农村饮水的社情民意", "采用", "市", None, None]]


def test_dry_run_lists_the_rows_and_writes_nothing_then_confirm_imports_them(client, login, setup):
    login("clerk1")
    response = upload(client, workbook(GOOD))
    page = text_of(response)
    assert response.status_code == 200
    assert "将新增 2 行" in page and "W001 张三 提案 2025-03-02 关于修缮城关小学的提案" in page
    assert records() == []
    page = text_of(confirm(client, response))
    assert "新增 2 行" in page
    first, second = records()
    assert (first.member_id, first.kind, first.outcome, first.state) == (setup["ours"].id, "提案", "立案",
                                                                       RecordState.SUBMITTED)
    assert [p.member_id for p in first.participants] == [setup["ours"].id, setup["second"].id]
    assert (second.level, second.occurred_on) == ("市", dt.date(2025, 4, 1))
    # the import's audit rows (file, rows added) are in each new record's history, and in no other record's
    client.post("/auth/logout")
    login("office")
    history = text_of(client.get(f"/activities/{first.id}")).split("变更记录", 1)[1]
    assert "导入" in history and "records.xlsx" in history and "新增行数" in history
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "import", AuditLog.entity == "activity")) == 3  # file, added, changed: one import
    manual = Activity(unit_id=first.unit_id, member_id=first.member_id, kind="提案", title="另一条",
                      occurred_on=dt.date(2025, 5, 1), category=first.category)
    db.session.add(manual)
    db.session.commit()
    assert "records.xlsx" not in text_of(client.get(f"/activities/{manual.id}"))


def test_importing_the_same_file_twice_adds_nothing_the_second_time(client, login, setup):
    login("clerk1")
    confirm(client, upload(client, workbook(GOOD)))
    again = text_of(upload(client, workbook(GOOD)))
    assert "将新增 0 行、修改 0 行；2 行与系统中相同" in again
    assert len(records()) == 2


def test_a_changed_draft_is_updated_and_audited_but_a_verified_record_is_refused(client, login, setup):
    login("clerk1")
    rows = [row[:] for row in GOOD]
    confirm(client, upload(client, workbook([r + ["草稿"] for r in rows], HEADERS + ["状态"])))
    first, second = records()
    assert first.state == RecordState.DRAFT
    rows[0][5] = "重点"
    response = upload(client, workbook([r + ["草稿"] for r in rows], HEADERS + ["状态"]))
    assert "修改 1 行" in text_of(response) and "结果" in text_of(response)
    confirm(client, response)
    db.session.expire_all()
    assert records()[0].outcome == "重点"
    assert db.session.scalar(sa.select(AuditLog.after).where(AuditLog.entity_id == first.id,
                                                             AuditLog.field == "outcome")) == "重点"
    second.state = RecordState.VERIFIED
    db.session.commit()
    rows[1][6] = "省"
    response = upload(client, workbook(rows))
    assert response.status_code == 422
    assert "已核实，不能通过导入修改" in text_of(response)


def test_one_bad_row_rejects_the_whole_file_with_every_problem_located(client, login, setup, today):
    login("clerk1")
    bad = GOOD + [
        ["W009", "王五", "提案", "2025-05-01", "别的单位的委员", "提交", None, None, None],
        ["W001", "张三", "飞行", "2025-05-02", "不存在的类型", None, None, None, None],
        ["W001", "张三", "提案", (today + dt.timedelta(days=1)).isoformat(), "将来的日期", "提交", None, None, None],
        ["W001", "张三", "引进企业", "2025-05-03", "负数金额", None, None, -5, None],
        ["W001", "张三", "引进企业", "2025-05-04", "金额写了字", None, None, "五十万", None],
        ["W001", "张三", "提案", "2025-03-02", "关于修缮城关小学的提案", "立案", None, None, None],
        [None, None, None, None, None, None, None, None, None],  # an empty row is skipped
    ]
    response = upload(client, workbook(bad))
    page = text_of(response)
    assert response.status_code == 422 and "整个文件没有导入" in page
    assert "records.xlsx:履职记录:4:对象编号: 找不到编号为“W009”" in page
    assert "records.xlsx:履职记录:5:类型: “飞行”不是 2025 年细则" in page
    assert "records.xlsx:履职记录:6:日期:" in page and "晚于今天" in page
    assert "records.xlsx:履职记录:7:金额: 不能为负数" in page
    assert "records.xlsx:履职记录:8:金额: “五十万”不是数字" in page
    assert "records.xlsx:履职记录:9:标题: 与第 2 行是同一条记录" in page
    assert "履职记录:10" not in page
    assert records() == []


def test_the_error_workbook_marks_the_bad_cells_and_gives_reasons(client, login, setup):
    login("clerk1")
    data = workbook(GOOD + [["W001", "张三", "提案", "2025-13-01", "坏日期", "提交", None, None, None]])
    response = upload(client, data)
    link = re.search(r'href="(/imports/records/errors/[^"]+)"', response.get_data(as_text=True)).group(1)
    marked = client.get(link.replace("&amp;", "&"))
    assert marked.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(marked.data))
    sheet = book["履职记录"]
    header = [c.value for c in sheet[1]]
    reasons = header.index("错误原因") + 1
    assert "不是有效的日期" in sheet.cell(4, reasons).value
    assert sheet.cell(4, header.index("日期") + 1).fill.fgColor.rgb.endswith("C7CE") or \
        sheet.cell(4, header.index("日期") + 1).fill.fill_type == "solid"
    assert sheet.cell(2, reasons).value in (None, "")


def test_merged_cells_renamed_xls_and_oversized_files_are_refused_clearly(app, client, login, setup):
    login("clerk1")
    merged = text_of(upload(client, workbook(GOOD, merge="A2:A3")))
    assert "有合并单元格 A2:A3" in merged
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "旧版 Excel（.xls）" in text_of(upload(client, xls, "old.xlsx"))
    assert "不是有效的 Excel 工作簿" in text_of(upload(client, b"just text, not a zip", "fake.xlsx"))
    app.config["IMPORT_MAX_BYTES"] = 2048
    response = upload(client, b"x" * 4096, "big.csv")
    assert response.status_code == 302 and "文件超过" in text_of(client.get(response.location))
    assert records() == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk_imports_alike(client, login, setup, encoding):
    login("clerk1")
    text = "对象编号,姓名,类型,日期,标题,结果\r\nW001,张三,提案,2025/3/2,关于城关镇垃圾分类的提案,提交\r\n"
    response = upload(client, text.encode(encoding), "records.csv")
    assert "将新增 1 行" in text_of(response)
    confirm(client, response)
    (record,) = records()
    assert record.title == "关于城关镇垃圾分类的提案"


def test_a_clerk_imports_only_within_their_scope(client, login, setup):
    login("clerk1")
    assert client.get("/imports/members/template.xlsx").status_code == 404
    assert upload(client, b"x", "m.xlsx", dataset="members").status_code == 404
    assert client.get("/imports/records/errors/" + "0" * 64).status_code == 302  # no such upload of theirs
    assert client.get("/imports/records/errors/../../secret").status_code == 404


def test_template_has_instructions_and_rule_file_dropdowns(client, login, setup):
    login("clerk1")
    response = client.get("/imports/records/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "填写说明" and "履职记录" in book.sheetnames
    options = " ".join(str(c.value) for row in book.worksheets[-1].iter_rows() for c in row if c.value)
    formulas = " ".join(dv.formula1 or "" for dv in book["履职记录"].data_validations.dataValidation)
    assert "提案" in options + formulas and "社情民意" in options + formulas


def test_office_imports_verified_records_a_clerk_may_not(client, login, setup):
    login("clerk1")
    rows = [GOOD[0] + ["已核实"]]
    page = text_of(upload(client, workbook(rows, HEADERS + ["状态"])))
    assert "只有活动领导小组办公室可以把记录导入为已核实" in page
    client.post("/auth/logout")
    login("office")
    response = upload(client, workbook(rows, HEADERS + ["状态"]))
    confirm(client, response)
    (record,) = records()
    assert record.state == RecordState.VERIFIED and record.verified_at is not None


def test_amounts_are_stored_exactly(client, login, setup):
    login("clerk1")
    rows = [["W001", "张三", "引进企业", "2025-06-01", "引进宏远包装", "落地", None, "1234.5678", None]]
    confirm(client, upload(client, workbook(rows)))
    assert records()[0].amount == Decimal("1234.5678")


def test_a_large_file_gets_the_error_summary_without_its_cells(app, client, login, setup):
    login("clerk1")
    app.config["IMPORT_MARK_MAX_BYTES"] = 100
    response = upload(client, workbook(GOOD + [["W001", "张三", "提案", "2025-13-01", "坏日期", "提交", None, None, None]]))
    link = re.search(r'href="(/imports/records/errors/[^"]+)"', response.get_data(as_text=True)).group(1)
    book = openpyxl.load_workbook(io.BytesIO(client.get(link.replace("&amp;", "&")).data))
    assert book.sheetnames == ["错误汇总"]
    cells = " ".join(str(c.value) for row in book["错误汇总"].iter_rows() for c in row if c.value is not None)
    assert "履职记录" in cells and "不是有效的日期" in cells


def test_confirming_twice_imports_once_and_says_so(client, login, setup):
    login("clerk1")
    response = upload(client, workbook(GOOD))
    confirm(client, response)
    page = text_of(confirm(client, response))
    assert "该文件已经导入" in page
    assert len(records()) == 2


def test_record_numbers_must_be_ours_and_not_repeated(client, login, setup):
    login("clerk1")
    confirm(client, upload(client, workbook(GOOD)))
    first = records()[0]
    headers = ["记录编号", *HEADERS]
    rows = [[str(first.id), *GOOD[0]], [str(first.id), *GOOD[1]], ["13912345678", *GOOD[0][:4], "另一条", *GOOD[0][5:]]]
    page = text_of(upload(client, workbook(rows, headers)))
    assert "records.xlsx:履职记录:3:记录编号: 与第 2 行的记录编号相同" in page
    assert "records.xlsx:履职记录:4:记录编号: 系统中没有编号为“13912345678”的记录" in page


def test_a_deleted_drafts_number_is_never_given_to_an_imported_record(client, login, setup):
    login("clerk1")
    confirm(client, upload(client, workbook([r + ["草稿"] for r in GOOD], HEADERS + ["状态"])))
    last = records()[-1]
    assert client.post(f"/activities/{last.id}/delete", data={"version": last.version}).status_code in (302, 303)
    confirm(client, upload(client, workbook([["W001", "张三", "提案", "2025-07-01", "新的一条", "提交", None, None, None]])))
    assert records()[-1].id > last.id


def test_a_formula_like_title_is_quoted_in_csv_exports_and_imports_back_unchanged(client, login, setup):
    login("clerk1")
    rows = [["W001", "张三", "提案", "2025-03-02", "@SUM(1+1)*cmd", "立案", None, None, None]]
    response = upload(client, workbook(rows))
    assert response.status_code == 200, text_of(response)
    confirm(client, response)
    exported = client.get("/activities/?export=csv").data.decode("utf-8-sig")
    assert "'@SUM(1+1)*cmd" in exported
    again = text_of(upload(client, exported.encode("utf-8-sig"), "export.csv"))
    assert "将新增 0 行、修改 0 行；1 行与系统中相同" in again


def test_an_over_long_enterprise_name_is_reported_not_a_server_error(client, login, setup):
    login("office")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "党支部"
    ws.append(["支部编号", "名称", "组建方式", "所属企业"])
    ws.append(["B01", "新支部", "单独组建", "长" * 121])
    out = io.BytesIO()
    book.save(out)
    page = text_of(upload(client, out.getvalue(), "branches.xlsx", dataset="branches"))
    assert "branches.xlsx:党支部:2:所属企业: 企业名称" in page and "太长（至多 120 字）" in page


def test_joint_signers_land_on_their_own_records_among_many(client, login, setup):
    login("clerk1")
    rows = [["W001", "张三", "提案", f"2025-03-{day:02d}", f"第{day}件提案", "提交", None, None,
             "W002" if day % 2 else None] for day in range(1, 21)]
    rows.append(["W002", "李红", "提案", "2025-04-01", "李红领衔的提案", "提交", None, None, "W001"])
    confirm(client, upload(client, workbook(rows)))
    signed = {a.title: [p.member_id for p in a.participants] for a in records()}
    ours, second = setup["ours"].id, setup["second"].id
    assert signed["第1件提案"] == [ours, second] and signed["第2件提案"] == []
    assert signed["李红领衔的提案"] == [second, ours]
    assert sum(1 for members in signed.values() if members) == 11
