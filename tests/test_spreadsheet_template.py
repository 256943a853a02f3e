"""The downloadable .xlsx templates and exports (app/spreadsheets/template.py): what a clerk opens in Excel or WPS
(instructions, marked required headers, dropdowns, text-formatted 编号) and that an exported file imports back to
the very same values. No app, no database.
"""
from __future__ import annotations

import datetime as dt
import io
import warnings
from decimal import Decimal

import openpyxl
import pytest

from app.spreadsheets import columns
from app.spreadsheets.columns import CHOICE, CODE, CODES, DATE, DECIMAL, INTEGER, PERIOD, YES_NO, Column, Sheet
from app.spreadsheets.rows import read_book
from app.spreadsheets.template import INSTRUCTIONS, OPTIONS, build_template, display_width

RECORDS = Sheet("记录", (
    Column("编号", "code", CODE, required=True, note="不能重复"),
    Column("日期", "occurred_on", DATE, required=True),
    Column("金额", "amount", DECIMAL, note="万元"),
    Column("人数", "people", INTEGER),
    Column("联名", "signers", CODES),
    Column("在职", "active", YES_NO, choices=("是", "否")),
    Column("类型", "kind", CHOICE, choices=("提案", "视察")),
    Column("期间", "period", PERIOD),
    Column("单位", "unit"),
    Column("标题", "title"),
), note="每条一行")

ROWS = [
    ("0012", dt.date(2025, 3, 2), Decimal("12.3456"), 7, ("0012", "0103"), True, "提案", "2025H1", "经济界",
     "=1+1 是标题,不是公式"),
    ("1001", dt.datetime(2025, 12, 31), Decimal("12345678901234.5"), 0, ("A-7",), False, "视察", "2025H2", None,
     "关于“县域经济”的建议"),
    ("007", dt.date(2024, 2, 29), Decimal("-0.1"), None, (), None, None, None, None, None),
]
EXPECTED = [
    {"code": "0012", "occurred_on": dt.date(2025, 3, 2), "amount": Decimal("12.3456"), "people": 7,
     "signers": ("0012", "0103"), "active": True, "kind": "提案", "period": "2025H1", "unit": "经济界",
     "title": "=1+1 是标题,不是公式"},
    {"code": "1001", "occurred_on": dt.date(2025, 12, 31), "amount": Decimal("12345678901234.5"), "people": 0,
     "signers": ("A-7",), "active": False, "kind": "视察", "period": "2025H2", "unit": None,
     "title": "关于“县域经济”的建议"},
    {"code": "007", "occurred_on": dt.date(2024, 2, 29), "amount": Decimal("-0.1"), "people": None,
     "signers": None, "active": None, "kind": None, "period": None, "unit": None, "title": None},
]


def load(data: bytes) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a file we write must not make openpyxl complain
        return openpyxl.load_workbook(io.BytesIO(data))


def validations(ws) -> dict[str, object]:
    """First cell range of each validation → the validation."""
    return {str(v.sqref).split(":")[0]: v for v in ws.data_validations.dataValidation}


def test_an_export_imports_back_to_the_same_values():
    data = build_template([RECORDS], title="导出", rows={"记录": ROWS})
    book = read_book(data, "导出.xlsx", [RECORDS], RECORDS)
    assert book.errors == [] and book.notes == []
    assert [dict(row.values) for row in book.sheets["记录"]] == EXPECTED
    assert [row.number for row in book.sheets["记录"]] == [2, 3, 4]


def test_exported_cells_keep_their_type_in_excel():
    ws = load(build_template([RECORDS], title="导出", rows={"记录": ROWS}))["记录"]
    code, day, amount, people, signers, active, _, _, _, title = ws[2]
    assert (code.value, code.data_type, code.number_format) == ("0012", "s", "@")  # 0012 stays 0012
    assert (day.value, day.number_format) == (dt.datetime(2025, 3, 2), "yyyy-mm-dd")  # a real date
    assert amount.value == pytest.approx(12.3456) and amount.data_type == "n"  # a number Excel can add up
    assert people.value == 7
    assert signers.value == "0012、0103" and active.value == "是"
    assert title.data_type == "s" and title.value.startswith("=1+1")  # text, never run as a formula


def test_a_decimal_a_number_would_change_is_written_as_its_text():
    spec = Sheet("记录", RECORDS.columns[:3])
    rows = [("1", dt.date(2025, 1, 1), Decimal("1.23456")), ("2", dt.date(2025, 1, 1), Decimal("1234567890.123456"))]
    data = build_template([spec], title="导出", rows={"记录": rows})
    assert [c.value for c in load(data)["记录"]["C"][1:]] == ["1.23456", "1234567890.123456"]
    book = read_book(data, "导出.xlsx", [spec], spec)
    assert book.errors == ["导出.xlsx:记录:2:金额: “1.23456”小数位数过多（至多 4 位）",
                           "导出.xlsx:记录:3:金额: “1234567890.123456”小数位数过多（至多 4 位）"]


def test_an_empty_template_of_every_sheet_reads_to_no_rows_and_no_errors():
    sheets = [columns.MEMBERS, columns.UNITS, columns.BRANCHES, columns.PARTY_MEMBERS, columns.ACTIVITIES,
              columns.ATTENDANCE, columns.INDICATORS]
    data = build_template(sheets, title="2025 年度履职记录模板")
    book = read_book(data, "模板.xlsx", sheets, columns.CSV_ACTIVITIES)
    assert book.errors == [] and book.notes == []
    assert {name: len(rows) for name, rows in book.sheets.items()} == {s.name: 0 for s in sheets}
    assert {s.name for s in sheets} == {name for name, found in book.columns.items()
                                        if found == {c.key for c in columns_of(sheets, name)}}


def columns_of(sheets, name):
    return next(s for s in sheets if s.name == name).columns


def test_the_header_marks_required_columns_and_stays_in_view():
    book = load(build_template([RECORDS], title="模板"))
    assert book.sheetnames == [INSTRUCTIONS, "记录"]  # no 选项 sheet: every list fits inline
    ws = book["记录"]
    assert [c.value for c in ws[1]] == ["编号*", "日期*", "金额", "人数", "联名", "在职", "类型", "期间", "单位", "标题"]
    required, optional = ws["A1"], ws["C1"]
    assert required.font.b and optional.font.b
    assert required.fill.fgColor.rgb != optional.fill.fgColor.rgb  # required columns stand out
    assert ws.freeze_panes == "A2"
    formats = {letter: ws.column_dimensions[letter].number_format for letter in "ABCDEFGHIJ"}
    assert formats == {"A": "@", "B": "yyyy-mm-dd", "C": "General", "D": "General", "E": "@", "F": "@", "G": "@",
                       "H": "@", "I": "@", "J": "@"}


def test_column_widths_count_chinese_characters_double():
    assert display_width("委员编号") == 8 and display_width("2025H1") == 6 and display_width("Ａ") == 2
    long = Sheet("记录", (Column("编号", "code", CODE, required=True), Column("标题", "title")))
    ws = load(build_template([long], title="导出", rows={"记录": [("1", "关于加强县域经济发展的建议")]}))["记录"]
    assert ws.column_dimensions["B"].width >= display_width("关于加强县域经济发展的建议")
    assert ws.column_dimensions["A"].width < ws.column_dimensions["B"].width


def test_choice_and_yes_no_columns_get_dropdowns_that_refuse_other_values():
    ws = load(build_template([RECORDS], title="导出", rows={"记录": ROWS}))["记录"]
    found = validations(ws)
    assert (found["F2"].type, found["F2"].formula1) == ("list", '"是,否"')
    assert (found["G2"].type, found["G2"].formula1) == ("list", '"提案,视察"')
    for validation in (found["F2"], found["G2"]):
        assert str(validation.sqref) in ("F2:F1004", "G2:G1004")  # the 3 rows and 1,000 more to fill in
        assert validation.allow_blank and validation.showErrorMessage
        assert (validation.errorTitle, validation.error) == ("输入有误", "请从下拉列表中选择")
    assert "E2" not in found  # 联名 holds several 编号: no list could accept them


def test_run_time_choices_add_dropdowns_to_any_column():
    ws = load(build_template([RECORDS], title="模板", choices={"unit": ["经济界", "农业界"], "kind": ["提案"]}))["记录"]
    found = validations(ws)
    assert found["I2"].formula1 == '"经济界,农业界"' and str(found["I2"].sqref) == "I2:I1001"
    assert found["G2"].formula1 == '"提案"'  # the caller's list replaces the column's own


def test_a_long_list_or_one_with_commas_goes_to_the_hidden_options_sheet():
    units = [f"第{n}乡镇政协联络处" for n in range(1, 41)]
    book = load(build_template([RECORDS], title="模板", choices={"unit": units, "kind": ["提案,建议", "视察"]}))
    options = book[OPTIONS]
    assert options.sheet_state == "hidden" and book.sheetnames[-1] == OPTIONS
    found = validations(book["记录"])
    assert found["G2"].formula1 == f"'{OPTIONS}'!$A$2:$A$3"
    assert [options["A2"].value, options["A3"].value] == ["提案,建议", "视察"]
    assert found["I2"].type == "list" and found["I2"].formula1 == f"'{OPTIONS}'!$B$2:$B$41"
    assert [c.value for c in options["B"][1:41]] == units and options["B1"].value == "单位"


def test_dates_and_numbers_are_checked_as_they_are_typed():
    found = validations(load(build_template([RECORDS], title="模板"))["记录"])
    date = found["B2"]
    assert date.type == "date" and date.allow_blank and date.showInputMessage and "2025-03-02" in date.prompt
    assert found["D2"].type == "whole" and found["D2"].error == "请填写整数"
    assert found["C2"].type == "decimal"


def test_the_instructions_sheet_explains_every_column():
    units = [f"第{n}乡镇政协联络处" for n in range(1, 41)]
    ws = load(build_template([RECORDS, columns.UNITS], title="2025 年度履职记录模板", choices={"unit": units},
                             instructions=["编号与系统中的编号一致。", "日期写作 2025-03-02。"]))[INSTRUCTIONS]
    lines = [tuple(c.value for c in row[:4]) for row in ws.iter_rows()]
    assert lines[0][0] == "2025 年度履职记录模板"
    text = [line[0] for line in lines]
    assert text.index("编号与系统中的编号一致。") < text.index("日期写作 2025-03-02。") < text.index("工作表“记录”：每条一行")
    table = {line[0]: line[1:] for line in lines[text.index("工作表“记录”：每条一行") + 2:][:len(RECORDS.columns)]}
    assert lines[text.index("工作表“记录”：每条一行") + 1] == ("列名", "是否必填", "填写要求", "可选值")
    assert table["编号*"] == ("必填", "编号，按文字填写（开头的 0 会保留）；不能重复", None)
    assert table["日期*"] == ("必填", "日期 2025-03-02", None)
    assert table["金额"] == ("选填", "数字（精确小数，至多 4 位小数）；万元", None)
    assert table["人数"][1] == "整数" and table["在职"][1:] == ("是/否", "是、否")
    assert table["类型"][1:] == ("从下拉列表选择", "提案、视察")
    assert table["期间"][1] == "半年期间 2025H1/2025H2"
    assert table["单位"][1:] == ("从下拉列表选择", "见下拉列表")  # 40 names are too many to list here
    assert "工作表“单位”：" + columns.UNITS.note in text


def test_rows_must_name_a_sheet_of_the_template_and_fit_its_columns():
    with pytest.raises(ValueError, match="unknown sheets"):
        build_template([RECORDS], title="导出", rows={"委员": []})
    with pytest.raises(ValueError, match="11 values for 10 columns"):
        build_template([RECORDS], title="导出", rows={"记录": [(*ROWS[0], "多余")]})


def test_a_large_export_reads_back_row_for_row():
    """Speed is measured in bench/import_scale.py (which writes its 100,000-row workbook with this builder)."""
    spec = Sheet("记录", (*RECORDS.columns, Column("说明", "note"), Column("级别", "level"),
                        Column("事项编号", "work_key", CODE)))

    def rows():
        for n in range(5_000):
            yield (f"{n:06d}", dt.date(2025, 1, 1) + dt.timedelta(days=n % 365), Decimal(n % 1000) / 8, n % 50,
                   ("0012", "0013"), n % 2 == 0, "提案", "2025H1", "经济界", "关于加强县域经济发展的建议",
                   "情况说明", "县", f"W{n % 700}")

    data = build_template([spec], title="导出", rows={"记录": rows()}, choices={"unit": ["经济界", "农业界"]})
    book = read_book(data, "导出.xlsx", [spec], spec)
    assert book.errors == [] and len(book.sheets["记录"]) == 5_000
    last = book.sheets["记录"][-1]
    assert (last.number, last["code"], last["amount"]) == (5_001, "004999", Decimal("124.875"))
