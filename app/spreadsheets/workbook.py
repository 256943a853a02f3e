"""File bytes → raw sheets: .xlsx through python-calamine (cached values), .csv in UTF-8 or GBK. Pure: no database.

Cells come back as calamine gives them (str, float, date, datetime, time, bool; "" for an empty cell); the typed
reading is in rows.py.
Anything that is not a readable .xlsx or .csv raises FileError with the reason in Chinese.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl.utils.cell import get_column_letter
from python_calamine import CalamineWorkbook, SheetTypeEnum

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SAVE_AS = "请在 Excel 或 WPS 中“另存为” Excel 工作簿(.xlsx)或 CSV 后再试"
# Zip bombs: what the archive's directory declares is checked before any part is inflated (calamine stops at a part
# larger than it declared). A 100,000-row export is 56 MB unzipped at 16:1, so these leave real files alone.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # all parts together
MAX_RATIO = 100                         # a part this many times its compressed size …
MAX_RATIO_FROM = 16 * 1024 * 1024       # … is refused once it unzips to more than this
MAX_PARTS = 10_000


class FileError(Exception):
    """The file as a whole cannot be read (wrong type, damaged, unknown encoding)."""


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


def read_sheets(data: bytes, filename: str) -> list[RawSheet]:
    """Every worksheet of an .xlsx file, or the one sheet of a .csv file.

    :raises FileError: an old .xls, an encrypted workbook, a file renamed to .xlsx, an unknown suffix or encoding.
    """
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(OLE2_MAGIC):
        raise FileError(f"这是旧版 Excel(.xls)文件或加密的工作簿,系统无法读取:{SAVE_AS}")
    if suffix == ".xls":
        raise FileError(f"不支持旧版 Excel(.xls)文件:{SAVE_AS}")
    if suffix in WORKBOOK_SUFFIXES:
        if not data.startswith(ZIP_MAGIC):
            raise FileError(f"不是有效的 Excel 工作簿(.xlsx),可能是改了扩展名的其他文件:{SAVE_AS}")
        check_archive(data)
        return _read_workbook(data)
    if suffix == ".csv":
        if data.startswith(ZIP_MAGIC):
            raise FileError("这是 Excel 工作簿,不是 CSV 文件:请把扩展名改为 .xlsx")
        rows = _read_csv(data)
        return [RawSheet("", rows, height=rows[-1][0] if rows else 0)]
    raise FileError(f"不支持的文件类型“{suffix or '无扩展名'}”:请使用 .xlsx 或 .csv 文件")


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose zip would inflate far beyond its size (a zip bomb) before anything reads it.

    :raises FileError: not a zip archive, too many parts, or parts declaring too much or too compressed content.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileError(f"不是有效的 Excel 工作簿(.xlsx),文件可能已损坏或改了扩展名:{SAVE_AS}") from None
    total = sum(part.file_size for part in parts)
    bombs = [p for p in parts if p.file_size > MAX_RATIO_FROM and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or total > MAX_UNZIPPED_BYTES or bombs:
        raise FileError(f"工作簿解压后过大(共 {total // (1024 * 1024)} MB)或压缩比异常,疑为“压缩炸弹”,系统拒绝读取:"
                        f"{SAVE_AS}")


def _read_workbook(data: bytes) -> list[RawSheet]:
    """Every worksheet's cached values, read with calamine (Rust: a 100,000-row sheet in about a second)."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # calamine raises its own errors for a broken archive or missing parts
        raise FileError(f"不是有效的 Excel 工作簿(.xlsx),文件可能已损坏或改了扩展名:{SAVE_AS}") from error
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
    except Exception as error:  # a damaged sheet part: XML errors, bad numbers, missing shared strings …
        raise FileError(f"工作簿内容已损坏,无法读取:{SAVE_AS}") from error
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
    raise FileError("无法识别 CSV 文件的编码:请保存为“CSV UTF-8(逗号分隔)”或 GBK 编码的 CSV")


def _read_csv(data: bytes) -> list[tuple[int, tuple[object, ...]]]:
    text = decode_csv(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","  # Excel's “Unicode 文本” is tab-separated
    try:
        return [(number, tuple(row))
                for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)]
    except csv.Error as error:
        raise FileError(f"CSV 文件格式有误:{error}") from None
