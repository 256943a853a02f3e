"""File bytes → raw sheets: .xlsx through python-calamine (cached values), .csv in UTF-8 or GBK; for the office's
own roster also old Excel (.xls) and OpenDocument (.ods, what WPS and LibreOffice save). Pure: no database.

Cells come back as calamine gives them (str, float, date, datetime, time, bool; "" for an empty cell); the typed
reading is in rows.py (the import format) and roster.py (a roster as offices keep it).
Anything that is not a readable workbook or .csv raises FileError with the reason in Chinese. Before calamine opens a
workbook, its zip is checked for bombs (check_archive) and its sheets are measured (check_sheets, extent.py).
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree  # nosec B405  # only an .ods's content.xml, whose size is checked first
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl.utils.cell import get_column_letter
from python_calamine import CalamineWorkbook, SheetTypeEnum

from app.spreadsheets.extent import Damaged, SheetLimits, SheetTooLarge, Used, check_workbook

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
STANDARD_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")  # the import format's files
ANY_SUFFIXES = (*STANDARD_SUFFIXES, ".xls", ".ods")  # a roster as the office keeps it
ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SAVE_AS = "请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）或 CSV 后再试"
XLS_BROKEN = "旧版 Excel（.xls）文件已损坏或设了打开密码"
# An .xls is not compressed: calamine reads what the file holds, so its size is its bound.
MAX_XLS_BYTES = 20 * 1024 * 1024
# Zip bombs: what the archive's directory declares is checked before any part is inflated (calamine stops at a part
# larger than it declared). A 100,000-row export is 56 MB unzipped at 16:1, so these leave real files alone.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # all parts together
MAX_RATIO = 100                         # a part this many times its compressed size …
MAX_RATIO_FROM = 16 * 1024 * 1024       # … is refused once it unzips to more than this
MAX_PARTS = 10_000
# A sheet's size: checked before calamine opens a workbook (it allocates each sheet's used range whole)
LIMITS = SheetLimits()


class FileError(Exception):
    """The file cannot be read (wrong type, damaged, unknown encoding, a sheet too large); `sheet` names the sheet
    when the reason is one sheet's ("" otherwise)."""

    def __init__(self, message: str, sheet: str = "") -> None:
        super().__init__(message)
        self.sheet = sheet


@dataclass(frozen=True)
class MergedRange:
    ref: str  # as Excel writes it: "A3:A5"
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def covers(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass(frozen=True)
class RawSheet:
    """One sheet's cells: (spreadsheet row number, values from column A on); rows may differ in length.

    A workbook's rows are made as they are read (once): a 100,000-row sheet is never all Python objects at once.
    """

    name: str  # the sheet's tab name, stripped; "" for a CSV file
    rows: Iterable[tuple[int, tuple[object, ...]]]
    merged: tuple[MergedRange, ...] = field(default=())
    height: int = 0  # the last row's number


def read_sheets(data: bytes, filename: str, suffixes: tuple[str, ...] = STANDARD_SUFFIXES,
                limits: SheetLimits = LIMITS) -> list[RawSheet]:
    """Every worksheet of a workbook, or the one sheet of a .csv file.

    `suffixes`: the kinds of file accepted; with `ANY_SUFFIXES` an old .xls and an .ods are read too, each told by
    its content rather than its name (offices rename files freely). `limits`: what one sheet may hold, checked
    before the sheet is read.

    :raises FileError: an old .xls (unless accepted), an encrypted workbook, a file renamed to .xlsx, an unknown
        suffix or encoding, a sheet beyond `limits`.
    """
    suffix = PurePath(filename).suffix.lower()
    any_kind = ".xls" in suffixes
    if any_kind and suffix in (".xls", ".xlsx", ".xlsm", ".ods"):
        return _read_any_workbook(data, suffix, limits)
    if data.startswith(OLE2_MAGIC):
        raise FileError(f"这是旧版 Excel（.xls）文件或加密的工作簿，系统无法读取：{SAVE_AS}")
    if suffix == ".xls":
        raise FileError(f"不支持旧版 Excel（.xls）文件：{SAVE_AS}")
    if suffix in WORKBOOK_SUFFIXES:
        if not data.startswith(ZIP_MAGIC):
            raise FileError(f"不是有效的 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件：{SAVE_AS}")
        check_archive(data)
        check_sheets(data, limits)
        return _read_workbook(data)
    if suffix == ".csv":
        if data.startswith(ZIP_MAGIC):
            raise FileError("这是 Excel 工作簿，不是 CSV 文件：请把扩展名改为 .xlsx")
        rows = _read_csv(data, limits)
        return [RawSheet("", rows, height=rows[-1][0] if rows else 0)]
    kinds = "、".join(suffixes)
    raise FileError(f"不支持的文件类型“{suffix or '无扩展名'}”：请使用 {kinds} 文件")


def _read_any_workbook(data: bytes, suffix: str, limits: SheetLimits) -> list[RawSheet]:
    """An .xlsx, .xls or .ods, told by its first bytes whatever its name says."""
    if data.startswith(OLE2_MAGIC):
        if len(data) > MAX_XLS_BYTES:
            raise FileError(f"旧版 Excel（.xls）文件超过 {MAX_XLS_BYTES // (1024 * 1024)} MB：{SAVE_AS}")
        check_sheets(data, limits, XLS_BROKEN)
        return _read_workbook(data, XLS_BROKEN)
    if data.startswith(ZIP_MAGIC):
        check_archive(data)
        check_sheets(data, limits)
        if _is_ods(data):
            sheets = _read_workbook(data, "OpenDocument 表格（.ods）文件已损坏")
            merged = _ods_merges(data)
            return [RawSheet(s.name, s.rows, merged.get(s.name, ()), s.height) for s in sheets]
        return _read_workbook(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise FileError(f"这个{suffix}文件其实是网页或 XML 格式（常见于从其他系统导出的名单）：请用 Excel 或 WPS 打开，"
                        f"“另存为” Excel 工作簿（.xlsx）后再试")
    raise FileError(f"不是有效的 Excel 或 WPS 表格文件，可能是改了扩展名的其他文件：{SAVE_AS}")


def _is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet: its first part is `mimetype`, naming the type (checked by the archive too)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            return "content.xml" in names and "mimetype" in names and archive.read("mimetype").strip() == ODS_TYPE
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError):
        return False


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merges(data: bytes) -> dict[str, tuple[MergedRange, ...]]:
    """The merged cells of each sheet of an .ods (calamine gives none for this format), read from content.xml.

    Rows and cells may stand for many (number-rows-repeated, number-columns-repeated): counted, never expanded."""
    found: dict[str, list[MergedRange]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as content:
            depth = 0  # tables inside a cell (rare) are not sheets
            name, row, col = "", 0, 0
            for event, element in ElementTree.iterparse(content, events=("start", "end")):  # nosec B314
                tag = element.tag
                if tag == f"{_ODS_TABLE}table":
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            name, row = (element.get(f"{_ODS_TABLE}name") or "").strip(), 0
                    else:
                        depth -= 1
                        element.clear()
                    continue
                if depth != 1:
                    continue
                if tag == f"{_ODS_TABLE}table-row":
                    if event == "start":
                        col = 0
                    else:
                        row += int(element.get(f"{_ODS_TABLE}number-rows-repeated") or 1)
                        element.clear()
                elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell") and event == "start":
                    rows = int(element.get(f"{_ODS_TABLE}number-rows-spanned") or 1)
                    cols = int(element.get(f"{_ODS_TABLE}number-columns-spanned") or 1)
                    if rows > 1 or cols > 1:
                        found.setdefault(name, []).append(MergedRange(
                            f"{get_column_letter(col + 1)}{row + 1}:{get_column_letter(col + cols)}{row + rows}",
                            row + 1, col + 1, row + rows, col + cols))
                    col += int(element.get(f"{_ODS_TABLE}number-columns-repeated") or 1)
    except (ElementTree.ParseError, KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        raise FileError("OpenDocument 表格（.ods）文件已损坏，无法读取：请在 WPS 或 LibreOffice 中另存为 .xlsx 后再试") from None
    return {name: tuple(ranges) for name, ranges in found.items()}


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose zip would inflate far beyond its size (a zip bomb) before anything reads it.

    :raises FileError: not a zip archive, too many parts, or parts declaring too much or too compressed content.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileError(f"不是有效的 Excel 工作簿（.xlsx），文件可能已损坏或改了扩展名：{SAVE_AS}") from None
    total = sum(part.file_size for part in parts)
    bombs = [p for p in parts if p.file_size > MAX_RATIO_FROM and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or total > MAX_UNZIPPED_BYTES or bombs:
        raise FileError(f"工作簿解压后过大（共 {total // (1024 * 1024)} MB）或压缩比异常，疑为“压缩炸弹”，系统拒绝读取："
                        f"{SAVE_AS}")


def check_sheets(data: bytes, limits: SheetLimits = LIMITS, broken: str = "工作簿内容已损坏，无法读取") -> None:
    """Refuse a workbook (.xlsx, .ods or .xls) with a sheet beyond `limits`, before any reader opens it: calamine
    would allocate the sheet's whole used range, and an .xls's declared one (extent.py). Call check_archive first.

    :raises FileError: naming the sheet too large; or `broken` when a part cannot be read as calamine would.
    """
    try:
        check_workbook(data, limits)
    except SheetTooLarge as error:
        raise FileError(error.reason(limits), error.sheet) from None
    except (Damaged, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            RuntimeError):  # RuntimeError, NotImplementedError: an encrypted part, an unknown compression
        raise FileError(f"{broken}:{SAVE_AS}") from None


def _read_workbook(data: bytes, broken: str = "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏或改了扩展名") -> list[RawSheet]:
    """Every worksheet's cached values, read with calamine (Rust: a 100,000-row sheet in about a second)."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as error:  # calamine's own errors; a damaged file can make it panic (a BaseException)
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise FileError(f"{broken}:{SAVE_AS}") from error
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:  # chart sheets, macro sheets
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = _rows(sheet.iter_rows(), sheet.start[1] if sheet.start else 0)
            merged = tuple(MergedRange(f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}",
                                       r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                           for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or ()))
            sheets.append(RawSheet(meta.name.strip(), rows, merged, sheet.end[0] + 1 if sheet.end else 0))
    except BaseException as error:  # a damaged sheet part: XML errors, bad numbers, missing shared strings …
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise FileError(f"工作簿内容已损坏，无法读取：{SAVE_AS}") from error
    finally:
        book.close()
    return sheets


def _rows(cells: Iterator[list[object]], left: int) -> Iterator[tuple[int, tuple[object, ...]]]:
    """calamine's rows numbered from 1; padded when the used area starts right of column A, to keep positions."""
    pad = ("",) * left
    for number, values in enumerate(cells, start=1):
        yield number, pad + tuple(values) if left else values  # type: ignore[misc]  # a list: read, never changed


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK: what Excel in China saves), or UTF-16 by BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError("无法识别 CSV 文件的编码：请保存为“CSV UTF-8（逗号分隔）”或 GBK 编码的 CSV")


def _read_csv(data: bytes, limits: SheetLimits = LIMITS) -> list[tuple[int, tuple[object, ...]]]:
    """The rows of a CSV file, its size checked as it is read: blank lines past `limits.rows` are not kept."""
    text = decode_csv(data)
    if "\x00" in text:  # no spreadsheet writes it into a CSV; and PostgreSQL cannot keep it in text
        raise FileError("CSV 文件中有空字符（NUL），可能不是文本文件，或编码有误：请在 Excel 或 WPS 中另存为"
                        "“CSV UTF-8（逗号分隔）”后再试")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","  # Excel's “Unicode 文本” is tab-separated
    rows: list[tuple[int, tuple[object, ...]]] = []
    used = Used("", limits)
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            width = len(row)
            while width and not row[width - 1]:
                width -= 1
            if width:
                used.add(number, 1, columns=width)
            if number <= limits.rows:
                rows.append((number, tuple(row) if len(row) <= limits.columns else tuple(row[:width])))
    except csv.Error as error:
        raise FileError(f"CSV 文件格式有误：{error}") from None
    except SheetTooLarge as error:
        raise FileError(error.reason(limits)) from None
    return rows
