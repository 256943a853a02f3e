"""The spreadsheet import format (app/spreadsheets) and `flask score --records`: .xlsx and CSV (UTF-8, GBK) read into
the engine's inputs, every bad row reported with its position, amounts kept exact, joint signers in order, the same
facts in the database and in a file giving the same output and hash, and no database needed to score a file.
"""
from __future__ import annotations

import datetime as dt
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from app import create_app, scoring
from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, AttendanceStatus, BranchForm, BranchIndicator,
                        BranchResult, Category, Gender, Meeting, MeetingKind, Member, PartyMember, PartyStatus,
                        RecordState, Term, Unit, UnitKind)
from app.scoring.types import ATTENDANCE_KIND, PARTY_LIFE_KIND, half_end
from app.spreadsheets import SheetError, read_facts, records
from conftest import TEST_CONFIG

RULES_DIR = Path(__file__).resolve().parents[1] / "scoring_rules"
RULES = {"members": RULES_DIR / "2025-四个一-委员.yaml", "units": RULES_DIR / "2025-四个一-单位.yaml",
         "branches": RULES_DIR / "2025-双比双争-党支部.yaml", "party-members": RULES_DIR / "2025-双比双争-党员.yaml"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the start of an old .xls (or an encrypted .xlsx)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merge: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (merge or {}).get(name, ()):
            sheet.merge_cells(ref)
    book.save(path)
    return path


def read(path: Path, subject: str = "members") -> records.FileFacts:
    return read_facts(path.read_bytes(), path.name, scoring.load_ruleset(RULES[subject]))


def errors_of(path: Path, subject: str = "members") -> list[str]:
    with pytest.raises(SheetError) as caught:
        read(path, subject)
    return caught.value.errors


def by_id(items):
    return {item.id: item for item in items}




def test_attendance_kinds_and_half_year_ends_are_the_ones_the_rule_files_use() -> None:
    """The database seam and this reader both file attendance under app.scoring.types' kinds."""
    assert ATTENDANCE_KIND in scoring.load_ruleset(RULES["members"]).kinds
    assert PARTY_LIFE_KIND in scoring.load_ruleset(RULES["party-members"]).kinds
    assert (half_end("2025H1"), half_end("2025H2")) == (dt.date(2025, 6, 30), dt.date(2025, 12, 31))


# --- a members workbook -----------------------------------------------------------------------------------

MEMBER_ROWS = [
    ["委员编号*", "姓名*", "性别", "界别", "党派", "专委会", "联络处", "常委", "主席会议成员", "驻会常委", "在职"],
    ["M001", "张三", "男", "经济界", "中共", "提案委员会", "城关镇联络处", "是", "否", None, None],
    ["M002", "李四", "女", "教育界", None, None, None, None, None, None, "是"],
    ["M003", "王五", "男", "经济界", "民盟", "提案委员会", None, None, "是", None, None],
    ["M004", "赵六", "男", "教育界", None, None, None, None, None, None, "否"],
]
UNIT_ROWS = [["单位编号", "名称", "类型"], ["U1", "提案委员会", "专门委员会"], ["U2", "经济界", "界别活动组"],
             ["U3", "教育界", "界别活动组"], ["U4", "城关镇联络处", "乡镇政协联络处"]]


def member_book(path: Path) -> Path:
    """Columns in their own order, a title row above the header, an empty row, a row of another year."""
    activities = [
        ["2025 年度履职记录"],
        [" 日期 ", "对象编号", "类型", "结果", "级别", "批示级别", "金额(元)", "受益人数", "联名", "事项编号", "标题", "备注"],
        [dt.date(2025, 3, 2), "M001", "提案", "立案", None, None, None, None, "M003、M002", "W1", "停车难", "领衔"],
        ["2025/5/10", "M001", "社情民意", "采用", "市", "省", None, None, None, "W1", "停车难(社情民意)", None],
        [None] * 12,
        ["2025年7月1日", "M002", "捐资助学", None, None, None, 1234.56, 12, None, None, "助学", None],
        [dt.datetime(2025, 9, 9), "M004", "提案", "提交", None, None, None, None, None, None, None, None],
        ["2024-12-30", "M002", "学习笔记", None, None, None, None, None, None, None, None, None],
    ]
    attendance = [["会议名称", "会议类型", "日期", "对象编号", "姓名", "出席情况"],
                  ["县政协全体会议", "全体会议", "2025-01-08", "M001", "张三", "出席"],
                  ["县政协全体会议", "全体会议", "2025-01-08", "M002", "李四", "缺席"],
                  ["工业园区视察", "视察", "2025-06-15", "M003", None, "请假"]]
    return write_xlsx(path, {"填写说明": [["本表由系统生成"]], "委员": MEMBER_ROWS, "单位": UNIT_ROWS,
                             "履职记录": activities, "出勤": attendance}, merge={"履职记录": ["A1:L1"]})


def test_xlsx_members_workbook_becomes_subjects_and_records(tmp_path):
    got = read(member_book(tmp_path / "委员履职.xlsx"))
    subjects = by_id(got.subjects)
    assert sorted(subjects) == [1, 2, 3, 4]  # 编号 are not numbers: 1, 2, 3 … in sheet order
    zhao = subjects[4]  # not 在职: one who left, kept (as in the system), with no 离任日期
    assert (zhao.left, zhao.left_on, zhao.attrs["active"]) == (True, None, False)
    zhang = subjects[1]
    assert zhang.name == "张三" and zhang.unit_ids == (1, 2, 4)  # 提案委员会, 经济界, 城关镇联络处 of the 单位 sheet
    assert dict(zhang.attrs) == {"standing": True, "active": True, "sector": "经济界", "party": "中共",
                                 "committee": "提案委员会", "liaison": "城关镇联络处", "chair_council": False,
                                 "resident_standing": False}
    assert subjects[3].attrs["chair_council"] is True and subjects[2].unit_ids == (3,)
    assert got.units == {1: "经济界", 2: "教育界", 3: "经济界", 4: "教育界"}
    assert not any(s.left or s.joined_on for s in (zhang, subjects[2], subjects[3]))

    recs = by_id(got.records)
    assert sorted(recs) == [-4, -3, -2, 3, 4, 6, 7]  # row numbers; attendance negative
    proposal = recs[3]
    assert (proposal.subject_id, proposal.kind, proposal.occurred_on) == (1, "提案", dt.date(2025, 3, 2))
    assert dict(proposal.fields) == {"outcome": "立案"} and proposal.participants == (1, 3, 2)
    assert recs[4].work_id == proposal.work_id == "W1"
    assert dict(recs[4].fields) == {"outcome": "采用", "level": "市", "instruction_level": "省"}
    assert dict(recs[6].fields) == {"amount": Decimal("1234.56"), "people_helped": 12}
    assert recs[7].subject_id == 4  # a record of a member no longer 在职 stays a fact, as in the database
    assert dict(recs[-3].fields) == {"meeting": "全体会议", "status": "缺席"} and recs[-3].kind == "会议出勤"
    assert any("1 行不在 2025 年（第 8 行），未计入" in note for note in got.notes)
    assert any("“备注”不是本表的列" in note for note in got.notes)


def test_joint_signers_keep_their_order_and_share_the_credit(tmp_path):
    path = write_xlsx(tmp_path / "联名.xlsx", {"委员": MEMBER_ROWS, "履职记录": [
        ["对象编号", "类型", "日期", "结果", "联名"],
        ["M002", "提案", "2025-03-01", "立案", "M003,M001"],
        ["M003", "提案", "2025-03-02", "提交", "M002 , M001;M004"],
        ["M001", "提案", "2025-03-03", "提交", None],
    ]})
    got = read(path)
    recs = by_id(got.records)
    assert recs[2].participants == (2, 3, 1) and recs[3].participants == (3, 2, 1, 4) and recs[4].participants == ()
    cards = {c.subject_id: c for c in scoring.score(got.subjects, got.records, scoring.load_ruleset(RULES["members"]),
                                                    "全年")}
    points = {sid: {rid: p.points for line in c.lines for p in line.records for rid in [p.record_id]}
              for sid, c in cards.items()}
    assert points[2][2] == Decimal("10.00") and points[3][2] == points[1][2] == Decimal("5.00")  # first ½, rest ½


def test_joint_signers_must_be_known_and_distinct(tmp_path):
    path = write_xlsx(tmp_path / "联名.xlsx", {"委员": MEMBER_ROWS, "履职记录": [
        ["对象编号", "类型", "日期", "结果", "联名"],
        ["M002", "提案", "2025-03-01", "立案", "M002、M009、M003、M003"],
    ]})
    assert errors_of(path) == [
        "联名.xlsx:履职记录:2:联名: “M002”重复（对象编号本人是第一提案人，不必再写）",
        "联名.xlsx:履职记录:2:联名: “M009”不在“委员”表中",
        "联名.xlsx:履职记录:2:联名: “M003”重复",
    ]


# --- CSV --------------------------------------------------------------------------------------------------

CSV_TEXT = """对象编号,姓名,类型,日期,结果,金额,联名,会议类型,出席情况
M001,张三,提案,2025-03-02,立案,,M002、M003,,
M002,李四,捐资助学,2025/7/1,,"1,234.56",,,
M001,张三,,2025-01-08,,,,全体会议,出席

M003,王五,,2025-01-08,,,,全体会议,缺席
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_or_gbk_is_one_sheet_of_records_and_attendance(tmp_path, encoding):
    path = tmp_path / "履职.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    got = read(path)
    assert [(s.id, s.name) for s in got.subjects] == [(1, "张三"), (2, "李四"), (3, "王五")]
    assert dict(got.subjects[0].attrs) == records.CSV_DEFAULTS["members"]  # 常委 否, 在职 是 …
    recs = by_id(got.records)
    assert sorted(recs) == [-6, -4, 2, 3]
    assert recs[2].participants == (1, 2, 3) and recs[3].fields["amount"] == Decimal("1234.56")
    assert (recs[-6].subject_id, dict(recs[-6].fields)) == (3, {"meeting": "全体会议", "status": "缺席"})


def test_csv_rows_are_checked_like_sheet_rows(tmp_path):
    path = tmp_path / "履职.csv"
    path.write_text("对象编号,姓名,类型,日期,会议类型,出席情况\n"
                    "M001,张三,,2025-03-02,,\n"
                    "M001,张四,提案,2025-03-02,,\n"
                    "M002,李四,提案,2025-01-08,全体会议,\n"
                    "M002,李四,会议出勤,2025-01-08,,\n", encoding="utf-8")
    assert errors_of(path) == [
        "履职.csv:履职记录:2:类型: 必填，不能为空",
        "履职.csv:履职记录:3:姓名: 与第 2 行的“张三”不一致",
        "履职.csv:履职记录:4:出席情况: 出勤行必须填写",
        "履职.csv:履职记录:4:类型: 出勤行的类型应空着（填了会议类型或出席情况的行是出勤）",
        "履职.csv:履职记录:5:类型: 出勤请填写会议类型和出席情况",
    ]


# --- every error, with its position -----------------------------------------------------------------------

def test_every_bad_row_is_reported_with_sheet_row_and_column(tmp_path):
    members = [["委员编号", "姓名", "常委", "在职"], ["M001", "张三", "是", None], ["M002", "李四", "对", None],
               ["M001", "重复", None, None], ["M003", None, None, None]]
    activities = [
        ["记录编号", "对象编号", "类型", "日期", "结果", "金额", "受益人数", "联名"],
        [1, "M001", "提案", "2025-03-02", "立案", None, None, "M002"],
        [2, "M009", "提案", "2025-03-02", "立案", None, None, None],
        [3, "M001", "提案", None, "立案", None, None, None],
        [4, "M001", "提案", "2025-02-30", "立案", None, None, None],
        [5, "M001", "提案", "昨天", "立案", None, None, None],
        [6, "M002", "捐资助学", "2025-04-01", None, "一千", None, None],
        [7, "M002", "捐资助学", "2025-04-01", None, 100, "1.5", None],
        [7, "M002", "提案", "2025-04-02", "立案", None, None, None],
        [None] * 8,
        [9, "M001", "提按", "2025-04-03", None, None, None, None],
        [10, "M001", "提案", "2025-04-03", "通过", None, None, None],
        [11, "M001", "提案", "2025-04-03", "立案", None, None, "M002、M008"],
        [12, "M001", "提案", "2025-05-01", "立案", None, None, None],
        [13, None, "提案", "2025-05-02", "立案", None, None, None],
        [14, "M001", "会议出勤", "2025-05-03", None, None, None, None],
        [15, "M002", "扶贫济困", "2025-05-04", None, "1.23456", None, None],
    ]
    attendance = [["会议类型", "日期", "对象编号"], ["全体会议", "2025-01-08", "M001"], ["组织活动", "2025-01-08", "M002"]]
    path = write_xlsx(tmp_path / "记录.xlsx", {"委员": members, "履职记录": activities, "出勤": attendance},
                      merge={"履职记录": ["B14:B15"]})
    errors = errors_of(path)
    expected = [
        "记录.xlsx:委员:3:常委: “对”应填 是 或 否",
        "记录.xlsx:委员:5:姓名: 必填，不能为空",
        "记录.xlsx:履职记录:14:对象编号: 有合并单元格 B14:B15：请取消合并，每一行、每一格分别填写",
        "记录.xlsx:履职记录:4:日期: 必填，不能为空",
        "记录.xlsx:履职记录:5:日期: “2025-02-30”不是有效的日期",
        "记录.xlsx:履职记录:6:日期: “昨天”不是日期（请写作 2025-03-02）",
        "记录.xlsx:履职记录:7:金额: “一千”不是数字",
        "记录.xlsx:履职记录:8:受益人数: “1.5”不是整数",
        "记录.xlsx:履职记录:17:金额: “1.23456”小数位数过多（至多 4 位）",
        "记录.xlsx:出勤:1:出席情况: 缺少这一必填列",
        "记录.xlsx:出勤:3:会议类型: “组织活动”不是可选的值（可选：全体会议、常委会议、政情通报会、视察、调研、其他活动、组织生活）",
        "记录.xlsx:委员:4:委员编号: “M001”与第 2 行重复",
        "记录.xlsx:履职记录:9:记录编号: “7”与第 8 行重复",
        "记录.xlsx:履职记录:3:对象编号: “M009”不在“委员”表中",
        "记录.xlsx:履职记录:11:类型: “提按”不是细则 2025-四个一-委员.yaml 声明的记录类型，是否想写“提案”？",
        "记录.xlsx:履职记录:12:结果: “通过”不是细则为“提案”声明的取值（可选：提交、立案、重点、优秀）",
        "记录.xlsx:履职记录:13:联名: “M008”不在“委员”表中",
        "记录.xlsx:履职记录:16:类型: 出勤请填在“出勤”表",
    ]
    assert sorted(errors) == sorted(expected)
    assert not any(":10:" in e or ":15:" in e for e in errors)  # the empty row; the merge's other row


def test_a_missing_subjects_sheet_and_a_missing_header_are_reported(tmp_path):
    path = write_xlsx(tmp_path / "无表头.xlsx", {"Sheet1": [["张三", "提案"]],
                                                 "履职记录": [["M001", "提案", "2025-03-02"]]})
    assert errors_of(path) == [
        "无表头.xlsx:委员: 工作簿中没有“委员”表（现有：Sheet1、履职记录）",
        "无表头.xlsx:履职记录:1:对象编号: 找不到“对象编号”列：数据上面应有一行列名，如 对象编号、类型、日期",
    ]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("旧表.xls", OLE2, "这是旧版 Excel（.xls）文件或加密的工作簿，系统无法读取"),
    ("改名.xlsx", OLE2, "这是旧版 Excel（.xls）文件或加密的工作簿，系统无法读取"),
    ("改名.xlsx", "对象编号,类型\n".encode(), "不是有效的 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件"),
    ("损坏.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏或改了扩展名"),
    ("新表.xls", None, "不支持旧版 Excel（.xls）文件"),
    ("工作簿.csv", None, "这是 Excel 工作簿，不是 CSV 文件：请把扩展名改为 .xlsx"),
    ("记录.txt", b"a,b\n", "不支持的文件类型“.txt”"),
    ("乱码.csv", b"\xff\x80\x80\xff", "无法识别 CSV 文件的编码"),
])
def test_files_that_are_not_xlsx_or_csv_are_refused_in_chinese(tmp_path, name, content, message):
    if content is None:  # a real workbook under the wrong name
        content = member_book(tmp_path / "真的.xlsx").read_bytes()
    path = tmp_path / name
    path.write_bytes(content)
    errors = errors_of(path)
    assert len(errors) == 1 and errors[0].startswith(f"{name}: ") and message in errors[0]


def test_a_damaged_workbook_is_refused_in_chinese(tmp_path):
    good = member_book(tmp_path / "好.xlsx")
    damaged = tmp_path / "坏.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet2.xml" else data)
    assert errors_of(damaged) == [("坏.xlsx: 工作簿内容已损坏，无法读取：请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）"
                                   "或 CSV 后再试")]


# --- exact amounts ----------------------------------------------------------------------------------------

def test_amounts_are_exact_decimals_never_floats(tmp_path):
    rows = [["记录编号", "对象编号", "类型", "日期", "金额"],
            [1, "M002", "捐资助学", "2025-04-01", 1234.56],
            [2, "M002", "捐资助学", "2025-04-02", "1234.56"],
            [3, "M002", "扶贫济困", "2025-04-03", 0.1],
            [4, "M002", "扶贫济困", "2025-04-04", 0.2],
            [5, "M002", "修桥补路", "2025-04-05", 0.1 + 0.2],  # Excel shows 0.3: that is what we read
            [6, "M002", "修桥补路", "2025-04-06", 800.0],
            [7, "M002", "修桥补路", "2025-04-07", "１２,３４５.５"]]
    got = read(write_xlsx(tmp_path / "金额.xlsx", {"委员": MEMBER_ROWS, "履职记录": rows}))
    amounts = {r.id: r.fields["amount"] for r in got.records}
    assert amounts == {1: Decimal("1234.56"), 2: Decimal("1234.56"), 3: Decimal("0.1"), 4: Decimal("0.2"),
                       5: Decimal("0.3"), 6: 800, 7: Decimal("12345.5")}
    assert all(type(a) in (Decimal, int) for a in amounts.values())
    assert amounts[3] + amounts[4] == amounts[5]
    # the number Excel stores and the text a CSV carries are the same fact, with the same hash
    csv_path = tmp_path / "金额.csv"
    csv_path.write_text("记录编号,对象编号,类型,日期,金额\n1,M002,捐资助学,2025-04-01,1234.560\n", encoding="utf-8")
    one = write_xlsx(tmp_path / "一条.xlsx", {"委员": [["委员编号", "姓名"], ["M002", "M002"]],
                                             "履职记录": rows[:2]})
    ruleset = scoring.load_ruleset(RULES["members"])
    hashes = {p.suffix: scoring.content_hash(ruleset, (f := read(p)).subjects, f.records, "全年")
              for p in (csv_path, one)}
    assert hashes[".csv"] == hashes[".xlsx"]


# --- branches and party members ---------------------------------------------------------------------------

def test_branch_indicators_become_half_year_records(tmp_path):
    path = write_xlsx(tmp_path / "比实绩.xlsx", {
        "党支部": [["支部编号", "名称", "组建方式"], ["B1", "宏达纸业党支部", "单独组建"], ["B2", "园区联合党支部", None]],
        "比实绩": [["支部编号", "期间", "指标", "数值", "等级"],
                   ["B1", "2025H1", "组织建设", 15.5, None],
                   ["B1", "2025h2", "劳资关系", None, "和谐"],
                   ["B2", "2025上半年", "党员发展", 2, None],
                   ["B2", "2024H2", "党员发展", 1, None],
                   ["B2", "2025H1", "党员发展", 3, None],
                   ["B2", "2025H1", "劳资关系", 1, None],
                   ["B2", "2025H1", "税收", None, "很多"],
                   ["B2", "2025H1", "就业人数", 80.5, None],
                   ["B2", "2025H3", "税收", 1, None]]})
    errors = errors_of(path, "branches")
    assert sorted(errors) == sorted([
        "比实绩.xlsx:比实绩:10:期间: “2025H3”不是半年期间（请写作 2025H1 或 2025H2）",
        "比实绩.xlsx:比实绩:6:指标: 第 4 行已填过 B2 2025H1 的“党员发展”",
        "比实绩.xlsx:比实绩:7:数值: “劳资关系”是等级指标，请在“等级”列填写（可选：有纠纷、一般、和谐）",
        "比实绩.xlsx:比实绩:8:等级: “税收”是数值指标，请在“数值”列填写",
        "比实绩.xlsx:比实绩:9:数值: “就业人数”的数值应为整数",
    ])
    wb = openpyxl.load_workbook(path)
    wb["比实绩"].delete_rows(6, 5)
    wb.save(path)
    got = read(path, "branches")
    assert [(s.id, s.name, dict(s.attrs), s.unit_ids) for s in got.subjects] == [
        (1, "宏达纸业党支部", {"branch_form": "单独组建", "active": True}, (1,)),
        (2, "园区联合党支部", {"branch_form": "", "active": True}, (2,))]
    assert [(r.id, r.subject_id, r.kind, r.occurred_on, dict(r.fields)) for r in got.records] == [
        (2, 1, "组织建设", dt.date(2025, 6, 30), {"value": Decimal("15.5")}),
        (3, 1, "劳资关系", dt.date(2025, 12, 31), {"value": "和谐"}),
        (4, 2, "党员发展", dt.date(2025, 6, 30), {"value": 2})]


def test_party_members_attend_only_party_life_and_cannot_co_sign(tmp_path):
    path = write_xlsx(tmp_path / "党员.xlsx", {
        "党员": [["党员编号", "姓名", "支部", "党员类别"], ["P1", "陈一", "宏达纸业党支部", None],
                 ["P2", "陈二", "园区联合党支部", "预备党员"]],
        "履职记录": [["对象编号", "类型", "日期", "结果", "联名"], ["P1", "技术攻关", "2025-05-01", "完成", "P2"]],
        "出勤": [["会议类型", "日期", "对象编号", "出席情况"], ["组织生活", "2025-03-01", "P1", "出席"],
                 ["全体会议", "2025-03-01", "P2", "出席"]]})
    assert errors_of(path, "party-members") == [
        "党员.xlsx:履职记录:2:联名: 只有委员的履职记录可以联名",
        "党员.xlsx:出勤:3:会议类型: 党员只记组织生活的出勤，不记“全体会议”",
    ]


# --- 状态: only 已核实 rows count ------------------------------------------------------------------------------

def test_only_verified_rows_count_when_the_sheet_has_a_state_column(tmp_path):
    """docs/rules.md §21.3: a sheet with 状态 counts its 已核实 rows only (a blank 状态 is 已提交, as the import reads
    it); a sheet without one counts every row; attendance rows of a CSV do not look at 状态."""
    path = write_xlsx(tmp_path / "状态.xlsx", {"委员": MEMBER_ROWS, "履职记录": [
        ["对象编号", "类型", "日期", "结果", "状态"],
        ["M001", "提案", "2025-03-02", "立案", "已核实"],
        ["M001", "社情民意", "2025-03-03", "采用", "已提交"],
        ["M002", "提案", "2025-03-04", "立案", "草稿"],
        ["M002", "结对困难户", "2025-03-05", None, None],
        ["M003", "结对困难户", "2025-03-06", None, "已核实"]]})
    got = read(path)
    assert sorted((r.subject_id, r.kind) for r in got.records) == [(1, "提案"), (3, "结对困难户")]
    assert "履职记录: 3 行的状态不是“已核实”（第 3、4、5 行），未计入" in "\n".join(got.notes)
    without = write_xlsx(tmp_path / "无状态.xlsx", {"委员": MEMBER_ROWS, "履职记录": [
        ["对象编号", "类型", "日期", "结果"], ["M001", "提案", "2025-03-02", "立案"],
        ["M002", "社情民意", "2025-03-03", "采用"]]})
    assert len(read(without).records) == 2
    csv = tmp_path / "状态.csv"
    csv.write_text("对象编号,类型,日期,结果,会议类型,出席情况,状态\n"
                   "W1,提案,2025-03-02,立案,,,已核实\nW1,提案,2025-03-03,立案,,,草稿\n"
                   "W1,,2025-01-08,,全体会议,缺席,\n", encoding="utf-8")
    records_ = read(csv).records
    assert sorted(r.kind for r in records_) == ["会议出勤", "提案"]
    branches = write_xlsx(tmp_path / "支部.xlsx", {
        "党支部": [["支部编号", "名称"], ["31", "宏达纸业党支部"]],
        "比实绩": [["支部编号", "期间", "指标", "数值", "状态"], ["31", "2025H1", "组织建设", "15", "已核实"],
                   ["31", "2025H2", "组织建设", "18", "已提交"]]})
    assert [r.occurred_on for r in read(branches, "branches").records] == [dt.date(2025, 6, 30)]


# --- the database and a file: the same facts give the same output and hash --------------------------------

def _county() -> dict[str, dict[str, list[list[object]]]]:
    """A small county in the database, with 编号 that are the records' ids; and the same facts as workbooks."""
    db.session.add(Term(id=1, number=4, name="第四届", starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2026, 12, 31)))
    units = [Unit(id=21, code="21", name="提案委员会", kind=UnitKind.COMMITTEE),
             Unit(id=22, code="22", name="经济界", kind=UnitKind.SECTOR_GROUP),
             Unit(id=23, code="23", name="教育界", kind=UnitKind.SECTOR_GROUP),
             Unit(id=24, code="24", name="城关镇联络处", kind=UnitKind.LIAISON_OFFICE),
             Unit(id=31, code="31", name="宏达纸业党支部", kind=UnitKind.BRANCH, branch_form=BranchForm.SINGLE),
             Unit(id=32, code="32", name="园区联合党支部", kind=UnitKind.BRANCH, branch_form=BranchForm.JOINT)]
    db.session.add_all(units)

    def member(mid, name, sector, committee=None, liaison=None, **flags):
        return Member(id=mid, code=str(mid), name=name, gender=Gender.MALE, sector_id=sector, committee_id=committee,
                      liaison_id=liaison, term_id=1, **flags)
    members = [member(101, "张三", 22, 21, 24, party="中共", is_standing=True),
               member(102, "李四", 23, left_on=dt.date(2025, 10, 31), active=False),
               member(103, "王五", 22, 21, is_chair_council=True, party="民盟"),
               member(104, "赵六", 23, active=False),
               member(105, "钱七", 22, None, 24, is_standing=True, is_resident_standing=True,
                      joined_on=dt.date(2025, 7, 1))]
    party = [PartyMember(id=201, code="201", name="陈一", gender=Gender.MALE, branch_id=31, status=PartyStatus.FULL),
             PartyMember(id=202, code="202", name="陈二", gender=Gender.FEMALE, branch_id=31,
                         status=PartyStatus.PROBATIONARY),
             PartyMember(id=203, code="203", name="陈三", gender=Gender.MALE, branch_id=32, status=PartyStatus.FULL)]
    db.session.add_all(members + party)
    db.session.flush()

    def act(subject, kind, on, *, unit=21, state=RecordState.VERIFIED, signers=(), **fields):
        record = Activity(unit_id=unit, category=Category.OTHER, kind=kind, title=kind, occurred_on=on, state=state,
                          **subject, **fields)
        record.participants = [ActivityParticipant(position=i, member_id=m) for i, m in enumerate(signers, 1)]
        db.session.add(record)
        return record
    m, p, u = (lambda i: {"member_id": i}), (lambda i: {"party_member_id": i}), {}
    acts = [
        act(m(101), "提案", dt.date(2025, 3, 2), outcome="立案", signers=(101, 103, 102), work_key="W1"),
        act(m(101), "社情民意", dt.date(2025, 5, 10), outcome="采用", level="市", instruction_level="省",
            work_key="W1"),
        act(m(102), "捐资助学", dt.date(2025, 7, 1), amount=Decimal("1234.56"), people_helped=12),
        act(m(102), "引进企业", dt.date(2025, 9, 9), outcome="落地", amount=Decimal(800)),
        act(m(103), "结对困难户", dt.date(2025, 2, 2)),
        act(m(104), "提案", dt.date(2025, 4, 4), outcome="立案"),
        act(m(105), "荣誉", dt.date(2025, 10, 10), level="省"),
        act(m(102), "学习笔记", dt.date(2024, 12, 30)),
        act(m(101), "意见建议", dt.date(2025, 11, 1), state=RecordState.SUBMITTED),
        act(u, "集体提案", dt.date(2025, 3, 3), outcome="重点", signers=(103, 101)),
        act(u, "服务主导产业", dt.date(2025, 4, 1), unit=22),
        act(u, "实事", dt.date(2025, 8, 1), unit=24, people_helped=30),
        act(p(201), "技术攻关", dt.date(2025, 5, 1), unit=31, outcome="完成"),
        act(p(203), "合理化建议", dt.date(2025, 6, 1), unit=32, outcome="采纳", amount=Decimal("12.5")),
        act(u, "调研报告", dt.date(2025, 5, 5), unit=23, state=RecordState.DRAFT),
        act(p(202), "示范岗", dt.date(2025, 5, 6), unit=31, state=RecordState.SUBMITTED),
    ]

    def meeting(kind, on, unit, state=RecordState.VERIFIED, **who):
        held = Meeting(kind=kind, title=kind.label, held_on=on, unit_id=unit, state=state)
        held.attendance = [Attendance(status=status, **{key: subject})
                           for key, pairs in who.items() for subject, status in pairs]
        db.session.add(held)
        return held
    P, L, A, T = (AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT,
                  AttendanceStatus.LATE)
    meetings = [meeting(MeetingKind.PLENARY, dt.date(2025, 1, 8), 21,
                        member_id=[(101, P), (102, A), (103, L), (105, T)]),
                meeting(MeetingKind.INSPECTION, dt.date(2025, 6, 15), 21, member_id=[(101, P), (102, P)]),
                meeting(MeetingKind.RESEARCH, dt.date(2025, 7, 15), 21, RecordState.SUBMITTED, member_id=[(103, P)]),
                meeting(MeetingKind.PARTY_LIFE, dt.date(2025, 3, 1), 31,
                        party_member_id=[(201, P), (202, A)]),
                meeting(MeetingKind.PARTY_LIFE, dt.date(2025, 3, 8), 32, party_member_id=[(203, L)])]

    def report(branch, period, state=RecordState.VERIFIED, **values):
        result = BranchResult(branch_id=branch, period=period, state=state)
        result.indicators = [BranchIndicator(key=k, **({"choice": v} if isinstance(v, str) else {"value": v}))
                             for k, v in values.items()]
        db.session.add(result)
        return result
    reports = [report(31, "2025H1", 组织建设=Decimal("15.5"), 党员发展=Decimal(2), 劳资关系="和谐",
                      税收=Decimal("120.25")),
               report(31, "2025H2", 组织建设=Decimal(18)),
               report(32, "2025H1", 组织建设=Decimal(12), 就业人数=Decimal(80)),
               report(32, "2025H2", RecordState.SUBMITTED, 组织建设=Decimal(20))]
    db.session.commit()

    # the record sheets hold every record with its 状态, as the system exports them: only 已核实 rows may count
    yes = {True: "是", False: "否"}
    names = {u.id: u.name for u in units}
    field_cells = lambda a: [a.outcome, a.level, a.instruction_level,
                             None if a.amount is None else str(a.amount), a.people_helped, a.work_key, a.state.label]
    head = ["记录编号", "对象编号", "类型", "日期", "结果", "级别", "批示级别", "金额", "受益人数", "事项编号", "状态", "联名"]
    assert any(a.state != RecordState.VERIFIED for a in acts) and any(r.state != RecordState.VERIFIED for r in reports)
    member_acts = [[a.id, a.member_id or a.participants[0].member_id, a.kind, a.occurred_on, *field_cells(a),
                    "、".join(str(s.member_id) for s in a.participants[1:])]
                   for a in acts if a.member_id or (a.participants and not a.party_member_id)]
    attendance = [["记录编号", "会议类型", "日期", "对象编号", "出席情况"]] + [
        [att.id, mt.kind.label, mt.held_on, att.member_id or att.party_member_id, att.status.label]
        for mt in meetings if mt.state == RecordState.VERIFIED for att in mt.attendance]
    return {
        "members": {
            "委员": [["委员编号", "姓名", "界别", "党派", "专委会", "联络处", "常委", "主席会议成员", "驻会常委", "在职",
                      "任职日期", "离任日期"]]
            + [[x.code, x.name, names[x.sector_id], x.party, names.get(x.committee_id), names.get(x.liaison_id),
                yes[x.is_standing], yes[x.is_chair_council], yes[x.is_resident_standing], yes[x.active],
                x.joined_on, x.left_on] for x in members],
            "单位": [["单位编号", "名称", "类型"]] + [[x.code, x.name, x.kind.label] for x in units[:4]],
            "履职记录": [head] + member_acts,
            "出勤": [r for r in attendance if r[0] == "记录编号" or r[3] < 200]},
        "units": {
            "单位": [["单位编号", "名称", "类型"]] + [[x.code, x.name, x.kind.label] for x in units[:4]],
            "履职记录": [head[:-1]] + [[a.id, a.unit_id, a.kind, a.occurred_on, *field_cells(a)]
                                       for a in acts if not a.member_id and not a.party_member_id]},
        "party-members": {
            "党员": [["党员编号", "姓名", "支部", "党员类别"]]
            + [[x.code, x.name, names[x.branch_id], x.status.label] for x in party],
            "党支部": [["支部编号", "名称", "组建方式"]] + [[x.code, x.name, x.branch_form.label] for x in units[4:]],
            "履职记录": [head[:-1]] + [[a.id, a.party_member_id, a.kind, a.occurred_on, *field_cells(a)]
                                       for a in acts if a.party_member_id],
            "出勤": [r for r in attendance if r[0] == "记录编号" or r[3] > 200]},
        "branches": {
            "党支部": [["支部编号", "名称", "组建方式"]] + [[x.code, x.name, x.branch_form.label] for x in units[4:]],
            "比实绩": [["记录编号", "支部编号", "期间", "指标", "数值", "等级", "状态"]] + [
                [i.id, r.branch_id, r.period, i.key, None if i.choice else str(i.value), i.choice or None,
                 r.state.label] for r in reports for i in r.indicators]},
    }


@pytest.mark.parametrize("subject", list(RULES))
def test_the_same_facts_in_the_database_and_in_a_workbook_score_identically(app, tmp_path, subject):
    sheets = _county()[subject]
    path = write_xlsx(tmp_path / f"{subject}.xlsx", sheets)
    runner = app.test_cli_runner()
    for extra in (["--format", "json"], ["--format", "csv", "--explain"], ["--explain"]):
        args = ["score", "--rules", str(RULES[subject]), "--period", "2025", *extra]
        from_db, from_file = runner.invoke(args=args), runner.invoke(args=[*args, "--records", str(path)])
        assert from_db.exit_code == 0 and from_file.exit_code == 0, from_db.output + from_file.output
        assert from_file.stdout == from_db.stdout
    doc = json.loads(from_db_json := runner.invoke(args=["score", "--rules", str(RULES[subject]), "--period", "2025",
                                                         "--format", "json"]).stdout)
    assert len(doc["results"]) >= 2 and any(r["score"] != "0" for r in doc["results"]), from_db_json
    notes = runner.invoke(args=[*args, "--records", str(path)]).stderr
    assert "状态不是“已核实”" in notes  # the 已提交 rows are in the file and left out, as the database leaves them out
    if subject == "members":
        by_name = {r["subject"]["name"]: r for r in doc["results"]}
        zhao, qian, li = by_name["赵六"], by_name["钱七"], by_name["李四"]  # not 在职, 任职日期, 离任日期
        assert zhao["left"] and not zhao["appraised"] and zhao["rank"] is None
        assert qian["membership"].startswith("任职 2025年7月1日起,在任 184/365 天") and not qian["left"]
        assert li["membership"].startswith("2025年10月31日离任") and li["left"]
        assert "1 行不在 2025 年" in notes
    record_sheet = next(name for name in ("履职记录", "比实绩") if name in sheets)
    fewer = write_xlsx(tmp_path / "少一行.xlsx", {**sheets, record_sheet: sheets[record_sheet][:1]
                                                   + sheets[record_sheet][2:]})  # one verified row less
    changed = runner.invoke(args=["score", "--rules", str(RULES[subject]), "--period", "2025", "--format", "json",
                                  "--records", str(fewer)])
    assert json.loads(changed.stdout)["hash"] != doc["hash"]  # the file is what was scored


# --- no database ------------------------------------------------------------------------------------------

@pytest.fixture
def bare_app():
    """An app on an empty in-memory database with no tables; every SQL statement run is recorded."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        yield app, statements
        db.session.remove()
        db.engine.dispose()


def test_score_records_works_without_a_database(bare_app, tmp_path):
    app, statements = bare_app
    path = member_book(tmp_path / "委员履职.xlsx")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["score", "--rules", str(RULES["members"]), "--period", "2025H1", "--records",
                                 str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["subject"]["name"] for r in doc["results"]} == {"张三", "李四", "王五", "赵六"} and len(doc["hash"]) == 64
    table = runner.invoke(args=["score", "--rules", str(RULES["members"]), "--period", "2025", "--records", str(path)])
    assert table.exit_code == 0 and "内容校验码" in table.stdout and "张三" in table.stdout
    assert "提示：委员履职.xlsx:履职记录: 1 行不在 2025 年" in table.stderr
    same = runner.invoke(args=["rules", "diff", str(RULES["members"]), str(RULES["members"]), "--period", "2025",
                               "--records", str(path)])
    assert same.exit_code == 0 and "4 个考评对象中 0 个有变化" in same.stdout
    assert statements == []
    with pytest.raises(sa.exc.OperationalError):  # and there really is no table to read
        db.session.execute(sa.select(Member.id)).all()


def test_score_records_prints_every_error_and_exits_1_touching_nothing(bare_app, tmp_path):
    app, statements = bare_app
    path = write_xlsx(tmp_path / "错.xlsx", {"委员": MEMBER_ROWS, "履职记录": [
        ["对象编号", "类型", "日期", "金额"], ["M009", "提案", "2025-03-02", None], ["M001", "提案", "今天", None],
        ["M002", "捐资助学", "2025-04-01", "很多"]]})
    result = app.test_cli_runner().invoke(args=["score", "--rules", str(RULES["members"]), "--period", "2025",
                                                "--records", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "错.xlsx:履职记录:2:对象编号: “M009”不在“委员”表中",
        "错.xlsx:履职记录:3:日期: “今天”不是日期（请写作 2025-03-02）",
        "错.xlsx:履职记录:4:金额: “很多”不是数字",
        "错.xlsx: 共 3 处错误，未计分",
    ]
    old = tmp_path / "旧.xls"
    old.write_bytes(OLE2)
    refused = app.test_cli_runner().invoke(args=["score", "--rules", str(RULES["members"]), "--period", "2025",
                                                 "--records", str(old)])
    assert refused.exit_code == 1 and "旧版 Excel（.xls）" in refused.stderr
    wrong_period = app.test_cli_runner().invoke(args=["score", "--rules", str(RULES["members"]), "--period", "2025H2",
                                                      "--records", str(member_book(tmp_path / "好.xlsx"))])
    assert wrong_period.exit_code == 1 and "没有 2025H2" in wrong_period.stderr  # the engine's RuleError, as usual
    assert statements == []


def test_workbook_is_read_with_openpyxl_warnings_kept_local(tmp_path, recwarn):
    """A workbook with a data-validation extension (as Excel writes dropdowns) reads without a warning escaping."""
    path = member_book(tmp_path / "下拉.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "改.xlsx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</worksheet>", b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}">'
                                    b"</ext></extLst></worksheet>")
            dst.writestr(item, data)
    got = read(tmp_path / "改.xlsx")
    assert len(got.subjects) == 4 and len(recwarn) == 0
