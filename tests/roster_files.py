"""Rosters as county offices keep them, made in the test: .xlsx (openpyxl), .ods (a zip with content.xml), .xls
(BIFF8 records in an OLE2 compound file) and .csv in GBK, from one table. Every name in them is made up.

The .ods and .xls writers are minimal: enough for a spreadsheet reader (calamine reads both, merged cells included),
not a full implementation of either format (no styles, no fonts).
"""
from __future__ import annotations

import csv
import io
import struct
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import openpyxl

HEADER = ["序号", "姓名", "性别", "民族", "出生年月", "党派", "界别", "专委会", "联络处", "工作单位及职务", "联系电话",
          "常委", "备注"]
# 界别, then its members: (姓名, 性别, 民族, 出生年月, 党派, 专委会, 联络处, 工作单位及职务, 联系电话, 常委, 备注)
BLOCKS = [
    ("中共", [
        ("柯望舒", "男", "汉族", "1968.03", "中共党员", "提案委员会", "城关镇", "青溪县教育局党组书记、局长", "13900000101", "√", ""),
        ("贝若溪", "女", "汉族", "1975年8月", "中共党员", "", "大源镇", "青溪县人民医院 院长", "13900000102", "", "女"),
        ("岑远山", "男", "畲族", "1970-11-02", "中共党员", "经济委员会", "城关镇", "青溪县政协", "13900000103", "√", ""),
    ]),
    ("经济界", [
        ("蓝启明", "男", "汉族", "1966.12", "民建会员", "经济委员会", "城关镇", "恒川纸业有限公司董事长", "13900000201", "", ""),
        ("聂晚晴", "女", "汉族", "1980.05", "群众", "经济委员会", "大源镇", "青溪县晴川商贸有限公司总经理", "13900000202", "", ""),
        ("童嘉树", "男", "汉族", "1972.07", "无党派", "", "青山镇", "个体工商户", "13900000203", "", "新增补"),
    ]),
    ("农业界", [
        ("詹秋禾", "女", "汉族", "1978.09", "群众", "", "青山镇", "青溪县禾丰种养专业合作社理事长", "13900000301", "", ""),
        ("卜田野", "男", "汉族", "1969.04", "中共党员", "提案委员会", "大源镇", "大源镇石门村党支部书记、村委会主任", "13900000302", "√", ""),
    ]),
]
TITLE = "青溪县政协第十届委员名单"
DATE_LINE = "(截至2025年1月)"


@dataclass
class Table:
    """A sheet: its rows (None for an empty cell) and merged ranges (first row, first col, last row, last col;
    1-based, inclusive)."""

    name: str
    rows: list[list[object]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def roster_table(blocks=None, header=None, *, sheet: str = "委员名单", titles: bool = True) -> Table:
    """The roster as offices keep it: a title row and a date row (merged across), the header, then each 界别's
    members with the 界别 written once in a cell merged down its block; 序号 numbers the rows."""
    blocks = BLOCKS if blocks is None else blocks
    header = HEADER if header is None else header
    width = len(header)
    rows: list[list[object]] = []
    merges = []
    if titles:
        rows += [[TITLE] + [None] * (width - 1), [DATE_LINE] + [None] * (width - 1)]
        merges += [(1, 1, 1, width), (2, 1, 2, width)]
    rows.append(list(header))
    sector_col = header.index("界别") + 1 if "界别" in header else None
    number = 0
    for sector, people in blocks:
        first = len(rows) + 1
        for i, person in enumerate(people):
            number += 1
            name, gender, ethnicity, born, party, committee, liaison, job, phone, standing, note = person
            values = {"序号": number, "姓名": name, "性别": gender, "民族": ethnicity, "出生年月": born, "党派": party,
                      "界别": sector if i == 0 else None, "专委会": committee, "联络处": liaison,
                      "工作单位及职务": job, "联系电话": phone, "常委": standing, "备注": note}
            rows.append([values.get(h, None) if values.get(h, None) != "" else None for h in header])
        if sector_col and len(people) > 1:
            merges.append((first, sector_col, len(rows), sector_col))
    return Table(sheet, rows, merges)


def xlsx(*tables: Table) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        ws = book.create_sheet(table.name)
        for row in table.rows:
            ws.append(row)
        for r1, c1, r2, c2 in table.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(table: Table, encoding: str = "gbk") -> bytes:
    """A CSV file as Excel in China saves it (GBK); merged cells do not exist in CSV: the 界别 is on its first row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


# --- .ods: a zip holding content.xml --------------------------------------------------------------------------

_OFFICE = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods(*tables: Table) -> bytes:
    parts = []
    for table in tables:
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in table.merges}
        covered = {(r, c) for r1, c1, r2, c2 in table.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                   if (r, c) != (r1, c1)}
        width = max(len(r) for r in table.rows)
        xml = [f'<table:table table:name="{escape(table.name)}">']
        for r, row in enumerate(table.rows, start=1):
            xml.append("<table:table-row>")
            for c in range(1, width + 1):
                if (r, c) in covered:
                    xml.append("<table:covered-table-cell/>")
                    continue
                value = row[c - 1] if c <= len(row) else None
                span = ""
                if (r, c) in spans:
                    span = (f' table:number-rows-spanned="{spans[(r, c)][0]}"'
                            f' table:number-columns-spanned="{spans[(r, c)][1]}"')
                if value is None:
                    xml.append(f"<table:table-cell{span}/>")
                elif isinstance(value, (int, float)):
                    xml.append(f'<table:table-cell{span} office:value-type="float" office:value="{value}">'
                               f"<text:p>{value}</text:p></table:table-cell>")
                else:
                    xml.append(f'<table:table-cell{span} office:value-type="string">'
                               f"<text:p>{escape(str(value))}</text:p></table:table-cell>")
            xml.append("</table:table-row>")
        xml.append("</table:table>")
        parts.append("".join(xml))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_OFFICE} office:version="1.2">'
               f"<office:body><office:spreadsheet>{''.join(parts)}</office:spreadsheet></office:body>"
               f"</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)  # first and stored, as the format requires
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- .xls: BIFF8 records in an OLE2 compound file ----------------------------------------------------------------

def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def xls(*tables: Table) -> bytes:
    """Strings in a shared string table (UTF-16), numbers as NUMBER records, merged cells as MERGEDCELLS."""
    strings: list[str] = []
    index: dict[str, int] = {}
    total = 0
    for table in tables:
        for row in table.rows:
            for value in row:
                if isinstance(value, str) and value:
                    total += 1
                    if value not in index:
                        index[value] = len(strings)
                        strings.append(value)
    sst = _record(0x00FC, struct.pack("<II", total, len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings))
    assert len(sst) < 8224, "a longer string table needs CONTINUE records"
    sheets = []
    for table in tables:
        width = max(len(r) for r in table.rows)
        body = [_bof(0x0010), _record(0x0200, struct.pack("<IIHHH", 0, len(table.rows), 0, width, 0))]
        for r, row in enumerate(table.rows):
            for c, value in enumerate(row):
                if isinstance(value, str) and value:
                    body.append(_record(0x00FD, struct.pack("<HHHI", r, c, 0, index[value])))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    body.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
        if table.merges:
            body.append(_record(0x00E5, struct.pack("<H", len(table.merges)) + b"".join(
                struct.pack("<HHHH", r1 - 1, r2 - 1, c1 - 1, c2 - 1) for r1, c1, r2, c2 in table.merges)))
        body.append(_record(0x000A))
        sheets.append(b"".join(body))

    def book_globals(offsets: list[int]) -> bytes:
        parts = [_bof(0x0005), _record(0x0042, struct.pack("<H", 1200))]  # code page 1200: UTF-16
        for table, offset in zip(tables, offsets, strict=True):
            parts.append(_record(0x0085, struct.pack("<IBB", offset, 0, 0) + struct.pack("<BB", len(table.name), 1)
                                 + table.name.encode("utf-16-le")))
        return b"".join([*parts, sst, _record(0x000A)])

    offsets, position = [], len(book_globals([0] * len(tables)))
    for body in sheets:
        offsets.append(position)
        position += len(body)
    return _compound(book_globals(offsets) + b"".join(sheets))


def _compound(stream: bytes) -> bytes:
    """An OLE2 compound file of one stream, Workbook, padded to 4096 bytes so that it lives in ordinary sectors."""
    sector, end, free, fat_mark = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    data = stream.ljust(max(4096, -(-len(stream) // sector) * sector), b"\0")
    count = len(data) // sector
    fat = [i + 1 for i in range(count - 1)] + [end, end, fat_mark]  # the stream, the directory, the FAT itself
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, free, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 0, len(data))).ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, count, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", count + 1, *([free] * 108)))
    return header + data + directory + struct.pack("<128I", *fat)
