"""A spreadsheet's declared size: a sheet beyond the limits is refused before python-calamine reads it. Pure.

calamine holds a sheet as the rectangle between its first and last used cells (and reserves what an old .xls's
DIMENSIONS record declares): two cells at A1 and XFD1048576, 1.6 KB on the wire, asked for 512 GiB and aborted the
process. Here every hostile file is made in the test, in each way calamine would read it (cells without `r`, a
second `r`, a prefix, a part elsewhere in the zip, repeated .ods cells, an .xls in the mini stream …), and calamine
is replaced by a stub that fails the test if it is ever asked to open one. `test_the_scan_never_counts_less_than_
calamine` checks the rules the scan follows against calamine itself, on the same odd writings at a small size.
"""
from __future__ import annotations

import io
import itertools
import random
import re
import struct
import tracemalloc
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from roster_files import Table, ods, roster_table, xls
from roster_files import xlsx as xlsx_of

from app.spreadsheets import extent, workbook
from app.spreadsheets.annotate import Problem, mark_errors
from app.spreadsheets.extent import SheetLimits
from app.spreadsheets.workbook import ANY_SUFFIXES, FileError, check_sheets, read_sheets

LIMITS = SheetLimits()
FAR = "表格范围过大（至少 1048576 行 × 16384 列，最多 200000 行 × 60 列）"

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
                 'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'
                 '"/></Types>')
PACKAGE_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
            'name="履职记录" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="{target}"/></Relationships>')
SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
         '2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')
A1 = '<c r="A1" t="inlineStr"><is><t>对象编号</t></is></c>'


def handmade(rows: str = "", *, dimension: str = "A1", sheet: str | bytes | None = None,
             part: str = "xl/worksheets/sheet1.xml", target: str = "worksheets/sheet1.xml") -> bytes:
    """An .xlsx written by hand, its one sheet's XML as given (`rows` inside sheetData, or the whole `sheet`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(target=target))
        archive.writestr(part, sheet if sheet is not None else SHEET.format(dimension=dimension, rows=rows))
    return out.getvalue()


def openpyxl_book(*cells: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "履职记录"
    for ref in cells:
        ws[ref] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_table(table_xml: str) -> bytes:
    """An .ods whose content.xml holds `table_xml` as its one table."""
    base = ods(Table("名单", [["a"]]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "content.xml":
                body = re.sub(rb"<table:table .*</table:table>", table_xml.encode(), body)
            archive.writestr(info, body)
    return out.getvalue()


def ods_cell(value: int = 1, **repeats: int) -> str:
    attributes = "".join(f' table:number-{k.replace("_", "-")}-repeated="{v}"' for k, v in repeats.items())
    return f'<table:table-cell office:value-type="float" office:value="{value}"{attributes}/>'


def xls_record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def dimensions(book: bytes, declared: tuple[int, int, int, int]) -> bytes:
    """An .xls made by roster_files with its first sheet's DIMENSIONS record (0x0200) declaring `declared`."""
    at = book.find(struct.pack("<HH", 0x0200, 14))
    return book[:at + 4] + struct.pack("<IIHH", *declared) + book[at + 16:]


def stream_end(book: bytes) -> int:
    """Where the Workbook stream of an .xls made by roster_files ends (its size is in the directory, after it)."""
    return 512 + struct.unpack_from("<Q", book, len(book) - 1024 + 128 + 120)[0]


def xls_far(row: int, column: int) -> bytes:
    """A one-sheet .xls with A1 and a NUMBER at (row, column) (0-based), its DIMENSIONS declaring A1:B2 (a lie)."""
    book = xls(Table("名单", [["姓名", "x"], [1, 2]]))
    end = book.rfind(struct.pack("<HH", 0x000A, 0), 512, stream_end(book))  # the sheet's EOF; padding follows
    number = xls_record(0x0203, struct.pack("<HHHd", row, column, 0, 1.0))
    return book[:end] + number + book[end:end + 4] + book[end + 4 + len(number):]


def mini_stream_xls(stream: bytes) -> bytes:
    """An OLE2 file whose Workbook stream (under 4,096 bytes) lives in the mini stream, as small files may."""
    sector, end, free = 512, 0xFFFFFFFE, 0xFFFFFFFF
    container = stream.ljust(-(-len(stream) // 64) * 64, b"\0")
    container_sectors = -(-len(container) // sector)
    minis = len(container) // 64
    mini_fat = [i + 1 for i in range(minis - 1)] + [end]
    mini_fat_at, directory_at, fat_at = container_sectors, container_sectors + 1, container_sectors + 2
    fat = [i + 1 for i in range(container_sectors - 1)] + [end, end, end, 0xFFFFFFFD]

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, free, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    body = container.ljust(container_sectors * sector, b"\0")
    body += struct.pack(f"<{sector // 4}I", *(mini_fat + [free] * (sector // 4 - len(mini_fat))))
    body += (entry("Root Entry", 5, 1, 0, len(container)) + entry("Workbook", 2, free, 0, len(stream))).ljust(
        sector, b"\0")
    body += struct.pack(f"<{sector // 4}I", *(fat + [free] * (sector // 4 - len(fat))))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 4096, mini_fat_at, 1, end, 0)
              + struct.pack("<109I", fat_at, *([free] * 108)))
    return header + body


def workbook_stream(book: bytes) -> bytes:
    """The Workbook stream of an .xls made by roster_files, without the padding after its last EOF record."""
    return book[512:book.rfind(struct.pack("<HH", 0x000A, 0), 512, stream_end(book)) + 4]


class RefusingCalamine:
    @staticmethod
    def from_filelike(*_args, **_kwargs):
        raise AssertionError("calamine was asked to read a file that should have been refused")


@pytest.fixture
def no_calamine(monkeypatch):
    """calamine replaced: the test fails if a file gets as far as being read."""
    monkeypatch.setattr(workbook, "CalamineWorkbook", RefusingCalamine)


def refusal(data: bytes, name: str = "履职记录.xlsx", limits: SheetLimits = LIMITS) -> FileError:
    with pytest.raises(FileError) as raised:
        read_sheets(data, name, ANY_SUFFIXES, limits)
    return raised.value


# --- the hostile files of the report, and their relatives --------------------------------------------------------

def test_two_cells_at_a1_and_xfd1048576_are_refused_naming_the_sheet_and_the_cell(no_calamine):
    data = openpyxl_book("A1", "XFD1048576")
    assert len(data) < 8000
    error = refusal(data)
    assert error.sheet == "履职记录"
    assert str(error) == f"{FAR}：单元格 XFD1048576 超出范围，请删去多余的行和列后再试"
    assert refusal(data, "履职记录.xlsx").sheet == refusal(data, "x.xls").sheet  # told by content, not by name
    with pytest.raises(FileError, match="表格范围过大"):
        read_sheets(data, "履职记录.xlsx")  # the import format's reader (no .xls, .ods)


def test_a1_and_zz200000_took_a_worker_to_4_gb_and_is_refused_at_once(no_calamine):
    error = refusal(openpyxl_book("A1", "ZZ200000"))
    assert str(error).startswith("表格范围过大（至少 200000 行 × 702 列，最多 200000 行 × 60 列）：单元格 ZZ200000")


def test_a_dimension_that_lies_changes_nothing(no_calamine):
    rows = f'<row r="1">{A1}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    assert str(refusal(handmade(rows, dimension="A1"))).startswith(FAR)
    assert str(refusal(handmade(rows, dimension="A1:B2"))).startswith(FAR)


# The ways calamine (python-calamine 0.9.1) places a cell, each checked against it below at a small size: a far cell
# written in each of them must be refused.
def odd_writings(row: int, column: int) -> dict[str, bytes]:
    ref = f"{openpyxl.utils.get_column_letter(column)}{row}"
    letters, digits = ref.rstrip("0123456789"), ref[len(ref.rstrip("0123456789")):]
    before = "<c/>" * (column - 1)
    plain = f'<row r="1">{A1}</row><row r="{row}"><c r="{ref}"><v>1</v></c></row>'
    prefixed = ('<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row r="{row}"><x:c r="{ref}">'
                "<x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>")
    return {
        "plain": handmade(plain),
        "lower case": handmade(plain.replace(ref, ref.lower())),
        "leading zeros": handmade(plain.replace(ref, f"{letters}000{digits}")),
        "a cell without r, after empty ones": handmade(f'<row r="1">{A1}</row><row r="{row}">{before}<c><v>1</v></c>'
                                                       "</row>"),
        "no r at all": handmade("<row><c><v>1</v></c></row>" + "<row/>" * (row - 2) + f"<row>{before}<c><v>1</v></c>"
                                "</row>"),
        "after an empty row element": handmade(f'<row r="1">{A1}</row><row r="{row - 1}"/><row>{before}'
                                               "<c><v>1</v></c></row>"),
        "a second r": handmade(f'<row r="1">{A1}<c r="B1" r="{ref}"><v>1</v></c></row>'),
        "r after a quoted >": handmade(f'<row r="1">{A1}<c x=">" r="{ref}"><v>1</v></c></row>'),
        "spaces and quotes": handmade(f"<row r='1'>{A1}<c r = '{ref}'><v>1</v></c></row>"),
        "a tab": handmade(f'<row r="1">{A1}<c\tr="{ref}"><v>1</v></c></row>'),
        "outside any row": handmade(f'<row r="1">{A1}</row><c r="{ref}"><v>1</v></c>'),
        "a namespace prefix": handmade(sheet=prefixed),
        "a comment opened in an attribute": handmade(f'<row r="1">{A1}</row><i a="<!--"/><row r="{row}">'
                                                     f'<c r="{ref}"><v>1</v></c></row><i a="-->"/>'),
        "a row end in an attribute": handmade(f'<row r="{row}">{before}<i a=">" b="</row>"/><c><v>1</v></c></row>'),
        "a part elsewhere": handmade(plain, part="xl/worksheets/zz.xml", target="/xl/worksheets/zz.xml"),
        "a part in upper case": handmade(plain, part="XL/Worksheets/Sheet1.xml"),
    }


FAR_WRITINGS = odd_writings(300_000, 16384)


@pytest.mark.parametrize("way", list(FAR_WRITINGS))
def test_a_far_cell_is_refused_however_the_sheet_is_written(no_calamine, way):
    assert "表格范围过大（至少 " in str(refusal(FAR_WRITINGS[way]))


def test_a_sheet_in_utf16_is_measured_too(no_calamine):
    """calamine reads no UTF-16 sheet today (it finds no cell); a later version might, so the scan reads it."""
    sheet = SHEET.format(dimension="A1", rows=f'<row r="1">{A1}<c r="XFD1048576"><v>1</v></c></row>')
    assert str(refusal(handmade(sheet=sheet.replace("UTF-8", "UTF-16").encode("utf-16")))).startswith(FAR)


def calamine_extent(data: bytes) -> tuple[int, int]:
    """The last row and column (1-based) of the rectangle calamine allocates for the workbook's sheet."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        end = book.get_sheet_by_name(book.sheet_names[0]).end
        return (end[0] + 1, end[1] + 1) if end else (0, 0)
    finally:
        book.close()


@pytest.mark.parametrize("way", list(odd_writings(3000, 40)))
def test_the_scan_never_counts_less_than_calamine(way):
    data = odd_writings(3000, 40)[way]
    assert calamine_extent(data) == (3000, 40)  # calamine does place the cell there (at this size it can)
    for short in (SheetLimits(rows=2999, columns=60, cells=10**9), SheetLimits(rows=200_000, columns=39, cells=10**9),
                  SheetLimits(rows=200_000, columns=60, cells=3000 * 40 - 1)):
        with pytest.raises(FileError, match="表格范围过大"):
            check_sheets(data, short)


@pytest.mark.parametrize("rows", [
    f'<row r="1">{A1}</row><row r="1048576"><c r="XFD1048576" s="1"/></row>',  # a formatted cell, no value
    f'<row r="1">{A1}' + "<c/>" * 20_000 + "</row>",                       # empty cells without r
], ids=["an empty cell far away", "empty cells without r"])
def test_empty_cells_calamine_skips_are_not_counted(rows):
    assert calamine_extent(handmade(rows)) == (1, 1)
    (sheet,) = read_sheets(handmade(rows), "履职记录.xlsx")
    assert [values for _, values in sheet.rows] == [["对象编号"]]


def test_an_xlsb_is_refused_unread(no_calamine):
    """calamine would read binary sheets (.xlsb) from a zip without an .xlsx workbook; they are not scanned."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
        archive.writestr("xl/_rels/workbook.bin.rels", b"<Relationships/>")
    assert "已损坏" in str(refusal(out.getvalue()))


MUTATIONS = [b"<", b">", b'"', b"'", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<?", b"?>", b"<c", b"<c ", b" r=",
             b'r="', b"</row>", b"<row>", b"<row/>", b"/>", b"XFD9", b"B99", b"\x00", b"<!",
             b'table:number-columns-repeated="9"', b'table:number-rows-repeated="99"']


def mutated(data: bytes, pick: random.Random) -> bytes:
    """`data` with a few tokens inserted, bytes deleted or changed: inside the sheet XML of a zip, anywhere in an
    .xls."""
    def mutate(body: bytes) -> bytes:
        out = bytearray(body)
        for _ in range(pick.randint(1, 6)):
            at, roll = pick.randrange(len(out) + 1), pick.random()
            if roll < 0.4:
                out[at:at] = pick.choice(MUTATIONS)
            elif roll < 0.7:
                del out[at:at + pick.randint(1, 8)]
            else:
                out[at:at + 1] = bytes([pick.randrange(256)])
        return bytes(out)
    if not data.startswith(b"PK"):
        return mutate(data)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            body = source.read(info)
            archive.writestr(info.filename, mutate(body) if info.filename.endswith(("sheet1.xml", "content.xml"))
                             else body)
    return out.getvalue()


def test_mutated_files_either_refused_or_read_by_calamine_within_the_limits():
    """600 files mutated at random (a fixed seed): whatever the check lets through, calamine reads (or refuses)
    without a sheet beyond the limits."""
    small = SheetLimits(rows=50, columns=10, cells=200)
    book = xls(roster_table())
    bases = [book, mini_stream_xls(workbook_stream(book)), ods(roster_table()), xlsx_of(roster_table()),
             *odd_writings(30, 5).values()]
    pick = random.Random(20260615)
    passed = 0
    for _ in range(600):
        data = mutated(pick.choice(bases), pick)
        try:
            check_sheets(data, small)
        except FileError:
            continue
        passed += 1
        try:
            found = CalamineWorkbook.from_filelike(io.BytesIO(data))
            ends = [found.get_sheet_by_name(meta.name).end for meta in found.sheets_metadata]
        except BaseException as error:  # calamine's errors, and its panics
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            continue
        for end in filter(None, ends):
            assert end[0] < small.rows and end[1] < small.columns and (end[0] + 1) * (end[1] + 1) <= small.cells
    assert passed > 200  # most mutations leave a readable file


# --- .ods: repeated rows and cells are counted, never expanded ----------------------------------------------------

TEXT_CELL = '<table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>'


@pytest.mark.parametrize(("table", "expected"), [
    (f'<table:table-row>{TEXT_CELL}<table:table-cell table:number-columns-repeated="16000"/>{ods_cell()}'
     "</table:table-row>", "表格范围过大（至少 1 行 × 16002 列"),
    (f"<table:table-row>{TEXT_CELL}</table:table-row>"
     '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
     f"<table:table-row>{ods_cell()}</table:table-row>", "表格范围过大（至少 1000002 行 × 1 列"),
    (f'<table:table-row table:number-rows-repeated="1048576">{ods_cell(columns=16384)}</table:table-row>',
     "表格范围过大（至少 1048576 行 × 16384 列"),
    (f'<table:table-row>{ods_cell(columns=10**18)}</table:table-row>',
     "表格范围过大（至少 1 行 × 1000000000000000000 列"),
    (f'<table:table-row table:number-rows-repeated="3000">{ods_cell(columns=2001)}</table:table-row>',
     "表格范围过大（至少 3000 行 × 2001 列"),
    (f'<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string">'
     f'<table:table table:name="内"><table:table-row>{ods_cell(columns=16384)}</table:table-row></table:table>'
     "</table:table-cell></table:table-row>", "已损坏"),  # a table in a cell: calamine would read it askew
    ("<table:table-row/>" * 200_001, "表格范围过大（至少 200001 行"),
])
def test_an_ods_repeating_rows_or_cells_beyond_the_limits_is_refused(no_calamine, table, expected):
    data = ods_table(f'<table:table table:name="名单">{table}</table:table>')
    assert len(data) < 250_000
    error = refusal(data, "名单.ods")
    assert expected in str(error) and error.sheet == ("名单" if "范围" in expected else "")


def test_an_ods_as_libreoffice_saves_it_trailing_repeats_and_all_reads():
    """LibreOffice fills each row to column AMJ and the sheet to row 1048576 with repeated empty cells."""
    table = (f'<table:table table:name="名单"><table:table-row>{TEXT_CELL}<table:table-cell '
             'table:number-columns-repeated="1023"/></table:table-row><table:table-row '
             'table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/>'
             "</table:table-row></table:table>")
    (sheet,) = read_sheets(ods_table(table), "名单.ods", ANY_SUFFIXES)
    assert [values for _, values in sheet.rows] == [["姓名"]]


# --- .xls: the cells, and the rectangle each DIMENSIONS record declares (calamine reserves it) --------------------

def test_an_xls_declaring_a_huge_sheet_is_refused_before_calamine_reserves_it(no_calamine):
    book = dimensions(xls(Table("名单", [["姓名", "x"], [1, 2]])), (0, 1048576, 0, 16384))
    error = refusal(book, "名单.xls")
    assert error.sheet == "名单" and str(error).startswith(FAR)
    assert "表格范围过大（至少 4294967295 行 × 1 列" in str(refusal(dimensions(book, (0, 2**32 - 1, 0, 1)), "名单.xls"))


def test_an_xls_with_a_far_cell_and_a_small_dimensions_record_is_refused(no_calamine):
    error = refusal(xls_far(65535, 255), "名单.xls")
    assert str(error).startswith("表格范围过大（至少 65536 行 × 256 列，最多 200000 行 × 60 列）：单元格 IV65536")


def test_an_xls_whose_workbook_is_in_the_mini_stream_is_read_the_same(monkeypatch):
    stream = workbook_stream(xls(roster_table()))
    assert len(stream) < 4096
    assert [s.name for s in read_sheets(mini_stream_xls(stream), "名单.xls", ANY_SUFFIXES)] == ["委员名单"]
    far = workbook_stream(xls_far(65535, 255))
    monkeypatch.setattr(workbook, "CalamineWorkbook", RefusingCalamine)
    assert "IV65536" in str(refusal(mini_stream_xls(far), "名单.xls"))


def test_a_damaged_ole2_file_is_refused_as_damaged(no_calamine):
    book = xls(roster_table())
    for broken in (book[:600], book[:0x4C] + b"\xff" * 436 + book[0x200:], book[:0x30] + b"\x00\x01\x00\x00"
                   + book[0x34:]):
        assert "已损坏或设了打开密码" in str(refusal(broken, "名单.xls"))


# --- .csv: read line by line, a wide or long file stops where it passes the limits --------------------------------

def test_a_csv_beyond_the_limits_is_refused_and_blank_lines_after_the_data_do_not_count():
    with pytest.raises(FileError, match=r"表格范围过大（至少 1 行 × 70 列，最多 200000 行 × 60 列）"):
        read_sheets(("a," * 70).encode(), "名单.csv")
    with pytest.raises(FileError, match=r"表格范围过大（至少 200001 行 × 1 列"):
        read_sheets(b"a\r\n" * 200_001, "名单.csv")
    (sheet,) = read_sheets(b"a,b\r\n1,2\r\n" + b",,,,\r\n" * 250_000, "名单.csv")
    assert sheet.rows[1] == (2, ("1", "2")) and len(sheet.rows) == 200_000


# --- the limits: at the edge a sheet reads, one past it is refused, in every format ------------------------------

SMALL = SheetLimits(rows=100, columns=5, cells=300)


def made(kind: str, rows: int, columns: int) -> bytes:
    cells = [[f"{r}-{c}" for c in range(columns)] for r in range(rows)]
    if kind == "csv":
        return "\r\n".join(",".join(row) for row in cells).encode()
    return {"xlsx": xlsx_of, "ods": ods, "xls": xls}[kind](Table("名单", cells))


@pytest.mark.parametrize("kind", ["xlsx", "ods", "xls", "csv"])
def test_a_sheet_at_the_limits_reads_and_one_past_them_is_refused(kind):
    name = f"名单.{kind}"
    (sheet,) = read_sheets(made(kind, 100, 3), name, ANY_SUFFIXES, SMALL)
    assert sheet.height == 100
    assert re.search(r"至少 101 行 × \d 列，最多 100 行 × 5 列", str(refusal(made(kind, 101, 2), name, SMALL)))
    assert "至少 1 行 × 6 列，最多 100 行 × 5 列" in str(refusal(made(kind, 2, 6), name, SMALL))
    assert re.search(r"个单元格，最多 300 个）", str(refusal(made(kind, 100, 4), name, SMALL)))


def test_a_used_range_within_rows_and_columns_may_still_be_too_many_cells(no_calamine):
    assert "至少 200000 行 × 31 列 = 6200000 个单元格，最多 6000000 个" in str(refusal(openpyxl_book("A1", "AE200000")))
    assert "= 12000000 个单元格" in str(refusal(openpyxl_book("A1", "BH200000")))


@pytest.mark.parametrize(("cells", "height"), [(("A1", "AD2000"), 2000), (("A1", "BH1000"), 1000),
                                               (("A1", "BH1000", "A1001"), None)])
def test_far_cells_within_the_limits_read(cells, height):
    """Within 2,000 rows × 60 columns and 60,000 cells: a narrow sheet of all its rows, a short one of all its
    columns; a sheet both long and wide is too many cells."""
    limits = SheetLimits(rows=2000, columns=60, cells=60_000)
    if height is None:
        assert "= 60060 个单元格，最多 60000 个" in str(refusal(openpyxl_book(*cells), limits=limits))
        return
    (sheet,) = read_sheets(openpyxl_book(*cells), "履职记录.xlsx", limits=limits)
    assert sheet.height == height


def test_cells_written_twice_count_twice():
    rows = '<row r="1">' + '<c r="A1"><v>1</v></c>' * 301 + "</row>"
    assert "单元格过多（至少 301 个，最多 300 个）" in str(refusal(handmade(rows), limits=SMALL))


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        SheetLimits(rows=0)


def test_the_range_regexes_count_like_numbers():
    digits = re.compile(extent._up_to("2340", "0123456789", "123456789") + b"$")
    assert [n for n in range(1, 3000) if digits.match(str(n).encode())] == list(range(1, 2341))
    assert not digits.match(b"0") and not digits.match(b"02")
    letters = re.compile(extent._up_to("BH", extent._LETTERS, extent._LETTERS) + b"$")
    words = ["".join(w) for n in (1, 2, 3) for w in itertools.product(extent._LETTERS, repeat=n)]
    assert [w for w in words if letters.match(w.encode())] == words[:60]


# --- the error workbook: a far cell within the limits is not a rectangle of openpyxl cells ------------------------

def test_marking_a_sheet_with_a_far_cell_makes_no_cell_in_between():
    data = openpyxl_book("A1", "T20000")
    tracemalloc.start()
    try:
        marked = mark_errors(data, "履职记录.xlsx", [Problem("履职记录", 20000, "对象编号", "不是编号")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024  # 400,000 places: 117 MB traced when each became an openpyxl cell
    ws = openpyxl.load_workbook(io.BytesIO(marked))["履职记录"]
    assert ws["U20000"].value.endswith("不是编号") and len(ws._cells) < 10


def test_a_file_too_large_is_not_opened_to_be_marked(monkeypatch):
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: opened.append(args))
    marked = mark_errors(openpyxl_book("A1", "XFD1048576"), "履职记录.xlsx", [Problem("履职记录", None, None, "过大")])
    assert opened == []
    assert openpyxl.reader.excel.load_workbook(io.BytesIO(marked)).sheetnames == ["错误汇总"]
