"""The error workbook (app/spreadsheets/annotate.py): a clerk's rejected file comes back with every bad cell red and
commented, the reasons beside each bad row, and a summary sheet first; the rest of the file as they left it.
No app, no database.
"""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font

from app.spreadsheets.annotate import BAD_FILL, REASONS, SUMMARY, Problem, mark_errors
from app.spreadsheets.columns import ACTIVITIES
from app.spreadsheets.template import build_template

RED = BAD_FILL.fgColor.rgb


def user_workbook() -> bytes:
    """A clerk's file: a title row above the header, their own formatting and a comment of their own."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "履职记录"
    ws.append(["2025 年上半年履职记录"])
    ws.append(["对象编号*", "类型", "日期", "标题", "金额(万元)"])
    ws.append(["0012", "提案", "2025-13-01", "关于农村公路的建议", "12.5"])
    ws.append(["0013", "社情民意", "2025-03-02", "关于学校食堂的建议", "约五万"])
    ws.append(["0014", "提案", "2025-03-04", "关于养老服务的建议", 3])
    ws["D3"].font = Font(bold=True, color="FF0000FF")
    ws["D4"].comment = Comment("请核对标题", "张三")
    ws.column_dimensions["D"].width = 40
    book.create_sheet("委员").append(["委员编号", "姓名"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PROBLEMS = [
    Problem("", None, None, "文件里没有“委员”表的数据"),
    Problem("履职记录", 3, "日期", "“2025-13-01”不是有效的日期"),
    Problem("履职记录", 4, "金额", "“约五万”不是数字"),
    Problem("履职记录", 4, "类型", "细则中没有“社情民意”"),
    Problem("履职记录", 3, None, "记录编号重复"),
    Problem("委员", None, None, "没有数据"),
]


def marked(data: bytes, filename: str, problems) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(mark_errors(data, filename, problems)))


def summary_of(book: openpyxl.Workbook) -> list[tuple]:
    return [tuple(c.value for c in row) for row in book[SUMMARY].iter_rows()]


def test_bad_cells_are_red_with_the_reason_as_a_comment():
    ws = marked(user_workbook(), "记录.xlsx", PROBLEMS)["履职记录"]
    assert ws["C3"].fill.fgColor.rgb == RED and ws["C3"].comment.text == "“2025-13-01”不是有效的日期"
    assert ws["E4"].fill.fgColor.rgb == RED and ws["E4"].comment.text == "“约五万”不是数字"  # 金额(万元) is 金额
    assert ws["B4"].fill.fgColor.rgb == RED
    assert ws["D4"].comment.text == "请核对标题"  # the clerk's own comment stays
    assert all(c.fill.fgColor.rgb != RED and (c.comment is None or c.comment.author == "张三")
               for row in ws.iter_rows(max_col=5) for c in row if c.coordinate not in ("C3", "E4", "B4"))


def test_each_bad_row_lists_its_reasons_in_a_column_at_the_right():
    ws = marked(user_workbook(), "记录.xlsx", PROBLEMS)["履职记录"]
    assert ws["F2"].value == REASONS and ws["F1"].value is None  # on the header row, after the last column
    assert ws["F3"].value == "第 C 列 日期:“2025-13-01”不是有效的日期 ;记录编号重复"
    assert ws["F4"].value == "第 E 列 金额:“约五万”不是数字 ;第 B 列 类型:细则中没有“社情民意”"
    assert ws["F5"].value is None  # a good row is untouched
    assert [c.value for c in ws[5]][:5] == ["0014", "提案", "2025-03-04", "关于养老服务的建议", 3]


def test_the_clerks_data_and_formatting_are_kept():
    book = marked(user_workbook(), "记录.xlsx", PROBLEMS)
    ws = book["履职记录"]
    assert ws["A1"].value == "2025 年上半年履职记录" and ws["A3"].value == "0012"
    assert ws["D3"].font.b and ws["D3"].font.color.rgb == "FF0000FF"
    assert ws.column_dimensions["D"].width == 40
    assert book.sheetnames == [SUMMARY, "履职记录", "委员"]
    assert book["委员"]["A1"].value == "委员编号" and book["委员"].max_column == 2  # no reasons column: no bad row


def test_the_summary_sheet_comes_first_and_lists_every_problem_in_order():
    book = marked(user_workbook(), "记录.xlsx", PROBLEMS)
    assert book.active.title == SUMMARY
    assert summary_of(book) == [
        ("工作表", "行", "列", "原因"),
        ("（整个文件）", None, None, "文件里没有“委员”表的数据"),
        ("履职记录", 3, "第 C 列 日期", "“2025-13-01”不是有效的日期"),
        ("履职记录", 4, "第 E 列 金额", "“约五万”不是数字"),
        ("履职记录", 4, "第 B 列 类型", "细则中没有“社情民意”"),
        ("履职记录", 3, None, "记录编号重复"),
        ("委员", None, None, "没有数据"),
    ]
    assert book[SUMMARY]["B3"].hyperlink.location == "'履职记录'!C3"  # a click goes to the bad cell


def test_a_header_not_in_the_file_falls_back_to_the_reason_column():
    ws = marked(user_workbook(), "记录.xlsx", [Problem("履职记录", 5, "结果", "细则要求填写结果")])["履职记录"]
    assert ws["F5"].value == "结果:细则要求填写结果"
    assert all(c.fill.fgColor.rgb != RED and c.comment is None for c in ws[5])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_file_comes_back_as_a_workbook_with_its_cells_as_text(encoding):
    text = "对象编号,类型,日期,金额\r\n0012,提案,2025-13-01,12.5\r\n0013,=1+2,2025-03-02,约五万\r\n"
    problems = [Problem("", 2, "日期", "“2025-13-01”不是有效的日期"), Problem("", 3, "金额", "“约五万”不是数字")]
    book = marked(text.encode(encoding), "上半年记录.csv", problems)
    assert book.sheetnames == [SUMMARY, "上半年记录"]
    ws = book["上半年记录"]
    assert [c.value for c in ws[2]] == ["0012", "提案", "2025-13-01", "12.5", "第 C 列 日期:“2025-13-01”不是有效的日期"]
    assert ws["A2"].data_type == "s" and ws["B3"].value == "=1+2" and ws["B3"].data_type == "s"  # never a formula
    assert ws["C2"].fill.fgColor.rgb == RED and ws["D3"].comment.text == "“约五万”不是数字"
    assert ws["E1"].value == REASONS
    assert summary_of(book)[1:] == [("上半年记录", 2, "第 C 列 日期", "“2025-13-01”不是有效的日期"),
                                    ("上半年记录", 3, "第 D 列 金额", "“约五万”不是数字")]


def test_a_file_that_cannot_be_opened_gives_the_summary_alone():
    problems = [Problem("", None, None, "不是有效的 Excel 工作簿(.xlsx)")]
    book = marked(b"PK\x03\x04 not really a zip", "记录.xlsx", problems)
    assert book.sheetnames == [SUMMARY]
    assert summary_of(book)[1:] == [("（整个文件）", None, None, "不是有效的 Excel 工作簿(.xlsx)")]


def test_a_fixed_file_marked_again_loses_the_old_marks():
    first = mark_errors(user_workbook(), "记录.xlsx", PROBLEMS)
    book = marked(first, "记录.xlsx", [Problem("履职记录", 4, "金额", "“约五万”不是数字")])
    ws = book["履职记录"]
    assert ws["C3"].fill.fgColor.rgb != RED and ws["C3"].comment is None and ws["F3"].value is None
    assert ws["E4"].fill.fgColor.rgb == RED and ws["F4"].value == "第 E 列 金额:“约五万”不是数字"
    assert ws["F2"].value == REASONS and ws["G2"].value is None  # the same column, not a second one
    assert book.sheetnames.count(SUMMARY) == 1 and len(summary_of(book)) == 2


def test_a_template_with_dropdowns_and_validation_extensions_loads_without_warnings():
    data = build_template([ACTIVITIES], title="模板", choices={"kind": [f"类型{n}" for n in range(60)]},
                          rows={"履职记录": [("R1", "0012", "张三", "类型1", "2025-13-01")]})
    # Excel and WPS write x14 validations (lists on other sheets) as an extension openpyxl drops with a warning
    extension = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                 b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                 b'<x14:dataValidations count="0"/></ext></extLst></worksheet>')
    source, patched = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                content = content.replace(b"</worksheet>", extension)
            target.writestr(item, content)
    book = marked(patched.getvalue(), "模板.xlsx", [Problem("履职记录", 2, "日期", "“2025-13-01”不是有效的日期")])
    ws = book["履职记录"]
    assert ws["E2"].fill.fgColor.rgb == RED and ws["E1"].value == "日期*"
    assert ws.cell(row=1, column=len(ACTIVITIES.columns) + 1).value == REASONS
