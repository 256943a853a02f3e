"""A file that failed to import → the same workbook with every problem marked on it, for the user to fix. Pure.

Each bad cell gets a red fill and a comment with the reason, each sheet with problems a 错误原因 column listing a
row's reasons, and a leading 错误汇总 sheet lists every problem in order. An .xlsx keeps the user's data and
formatting (as far as openpyxl keeps them: charts and images are not carried over); a CSV becomes a workbook of
one sheet holding its cells as text, and an old .xls or an .ods a workbook of its sheets' values and merged cells
(their formatting is not carried over). Marking a file marked before replaces the old marks.
"""
from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from app.spreadsheets.columns import normalise_header
from app.spreadsheets.extent import SheetLimits
from app.spreadsheets.rows import HEADER_SEARCH_ROWS
from app.spreadsheets.workbook import (ANY_SUFFIXES, LIMITS, OLE2_MAGIC, FileError, check_archive, check_sheets,
                                       read_sheets)
from reports import cells

SUMMARY = "错误汇总"
REASONS = "错误原因"
AUTHOR = "导入检查"        # the comments' author: how a later marking finds and replaces the old marks
WHOLE_FILE = "（整个文件）"
SEPARATOR = " ;"
BAD_FILL = PatternFill("solid", fgColor="FFFFC7CE")
_REASON_FONT = Font(color="FF9C0006")
_REASONS_HEADER_FONT = Font(bold=True, color="FFFFFFFF")
_REASONS_HEADER_FILL = PatternFill("solid", fgColor="FFC00000")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
_NO_FILL = PatternFill()
_WRAP = Alignment(wrap_text=True, vertical="top")
_TAB_COLOR = "FFC00000"


@dataclass(frozen=True)
class Problem:
    """One problem of an uploaded file.

    sheet: the tab name as in the file ("" for a CSV file, or a problem with the whole file); row: the spreadsheet
    row number (None for the whole sheet); header: the column header as columns.py names it (None for the whole
    row); reason: Chinese text for the user.
    """

    sheet: str
    row: int | None
    header: str | None
    reason: str


def mark_errors(data: bytes, filename: str, problems: Sequence[Problem], *, summary_only: bool = False,
                limits: SheetLimits = LIMITS) -> bytes:
    """The uploaded file as an .xlsx with `problems` marked; a file that cannot be opened gives the summary alone.

    `summary_only`: give the summary alone anyway (a very large file takes minutes to load and save in openpyxl).
    `limits`: what one sheet may hold; a file with a larger sheet is not opened (the summary says why).
    """
    book, csv_title = _open(b"", ".xlsx", limits) if summary_only else _open(data, filename, limits)
    sheets = {ws.title.strip(): ws for ws in book.worksheets}
    placed: dict[Worksheet, list[Problem]] = {}
    for problem in problems:
        ws = _sheet_of(problem, sheets, csv_title)
        if ws is not None:
            ws.sheet_properties.tabColor = _TAB_COLOR
            if problem.row:
                placed.setdefault(ws, []).append(problem)
    columns: dict[tuple[Worksheet, str], int | None] = {}  # where each problem's header was found
    for ws, found in placed.items():
        columns.update({(ws, header): column for header, column in _mark_sheet(ws, found).items()})
    _write_summary(book, problems, sheets, csv_title, columns)
    for ws in book.worksheets:  # the reasons column widened the user's sheets: they print one page wide again
        cells.print_setup(ws)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _open(data: bytes, filename: str, limits: SheetLimits) -> tuple[Workbook, str | None]:
    """The workbook to mark (without sheets if the file cannot be opened), and for a CSV the title of its sheet."""
    book = Workbook()
    if PurePath(filename).suffix.lower() == ".csv":
        try:
            rows = read_sheets(data, filename, limits=limits)[0].rows
        except FileError:  # the problems say why
            book.remove(book.active)
            return book, None
        ws = book.active
        ws.title = _csv_title(filename)
        for number, values in rows:
            for index, value in enumerate(values, start=1):
                if value != "":
                    # as text: 0012 stays 0012, and =… is never a formula
                    cells.put(ws, number, index, str(value)).number_format = "@"
        return book, ws.title
    if PurePath(filename).suffix.lower() in (".xls", ".ods") or data.startswith(OLE2_MAGIC):
        return _rebuilt(data, filename, limits), None
    # openpyxl warns about parts it drops (data-validation extensions …); the cells are unaffected
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            check_archive(data)  # openpyxl would inflate a zip bomb in memory …
            check_sheets(data, limits)  # … and a sheet's cells are Python objects in it
            return openpyxl.load_workbook(io.BytesIO(data)), None
        except Exception:  # openpyxl raises many kinds (KeyError, BadZipFile …); the problems say why
            book.remove(book.active)
            return book, None


def _rebuilt(data: bytes, filename: str, limits: SheetLimits) -> Workbook:
    """An .xls or .ods (which openpyxl cannot open) as a workbook of its sheets' values and merged cells; text stays
    text (an =… is never a formula)."""
    book = Workbook()
    book.remove(book.active)
    try:
        sheets = read_sheets(data, filename, ANY_SUFFIXES, limits)
    except FileError:  # the problems say why
        return book
    for raw in sheets:
        ws = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "", raw.name)[:31] or f"Sheet{len(book.worksheets) + 1}")
        for number, values in raw.rows:
            for index, value in enumerate(values, start=1):
                if value is None or value == "":
                    continue
                cells.put(ws, number, index, value)
        for merged in raw.merged:
            ws.merge_cells(merged.ref)
    return book


def _csv_title(filename: str) -> str:
    stem = re.sub(r"[\[\]:*?/\\']", "", PurePath(filename.replace("\\", "/")).stem).strip()
    return stem[:31] or "数据"


def _sheet_of(problem: Problem, sheets: dict[str, Worksheet], csv_title: str | None) -> Worksheet | None:
    if csv_title is not None:  # a CSV file has one sheet, whatever name the reader gave it
        return sheets[csv_title] if problem.sheet or problem.row else None
    return sheets.get(problem.sheet.strip()) if problem.sheet else None


def _mark_sheet(ws: Worksheet, problems: Sequence[Problem]) -> dict[str, int | None]:
    """Fill and comment the bad cells, write the 错误原因 column; returns header → column number (None: absent)."""
    headers = _header_cells(ws)
    wanted = {p.header: headers.get(normalise_header(p.header)) for p in problems if p.header}
    header_row = min((row for row, _ in filter(None, wanted.values())), default=1)
    reasons_column = _clear_old_marks(ws, header_row)
    comments: dict[tuple[int, int], list[str]] = {}
    by_row: dict[int, list[str]] = {}
    for problem in problems:
        row = problem.row or header_row
        place = wanted.get(problem.header) if problem.header else None
        text = problem.reason
        if place is not None:
            comments.setdefault(_anchor(ws, row, place[1]), []).append(problem.reason)
            text = f"第 {get_column_letter(place[1])} 列 {problem.header}:{problem.reason}"
        elif problem.header:
            text = f"{problem.header}:{problem.reason}"
        by_row.setdefault(row, []).append(text)
    for (row, column), reasons in comments.items():
        cell = ws.cell(row=row, column=column)
        cell.fill = BAD_FILL
        old = cell.comment.text if cell.comment is not None and cell.comment.author != AUTHOR else ""
        text = "\n".join(reasons) + (f"\n——原批注：{old}" if old else "")
        cell.comment = Comment(text, AUTHOR, height=120, width=300)
    label = cells.put(ws, header_row, reasons_column, REASONS)
    label.font, label.fill = _REASONS_HEADER_FONT, _REASONS_HEADER_FILL
    ws.column_dimensions[get_column_letter(reasons_column)].width = 60
    for row, texts in by_row.items():
        joined = SEPARATOR.join(texts)
        cell = cells.put(ws, row, reasons_column, f"{REASONS}:{joined}" if row == header_row else joined)
        cell.font = _REASONS_HEADER_FONT if row == header_row else _REASON_FONT
        cell.alignment = _WRAP
    return {h: (place[1] if place else None) for h, place in wanted.items()}


def _cells(ws: Worksheet) -> list[Any]:
    """The cells the sheet holds, row by row: never the empty ones between (ws.iter_rows() would make a cell for
    each place of the used range, and two cells far apart are millions of places)."""
    return [cell for _, cell in sorted(ws._cells.items())]  # noqa: SLF001  # openpyxl has no public sparse view


def _header_cells(ws: Worksheet) -> dict[str, tuple[int, int]]:
    """Normalised header text → (row, column) of its first cell in the first rows, as the reader finds headers."""
    found: dict[str, tuple[int, int]] = {}
    for cell in _cells(ws):
        if cell.row <= HEADER_SEARCH_ROWS and cell.value is not None and not isinstance(cell, MergedCell):
            found.setdefault(normalise_header(cell.value), (cell.row, cell.column))
    found.pop("", None)
    return found


def _clear_old_marks(ws: Worksheet, header_row: int) -> int:
    """Remove the marks of an earlier marking (the file came back fixed); returns the column for the reasons."""
    last = 0
    reasons_column = None
    held = _cells(ws)
    for cell in held:
        if isinstance(cell, MergedCell):
            continue
        if cell.comment is not None and cell.comment.author == AUTHOR:
            cell.comment = None
            if cell.fill == BAD_FILL:
                cell.fill = _NO_FILL
        if cell.value is None:
            continue
        if reasons_column is None and isinstance(cell.value, str) and cell.value.startswith(REASONS) \
                and cell.row <= HEADER_SEARCH_ROWS:
            reasons_column = cell.column
        last = max(last, cell.column)
    if reasons_column is not None:
        for cell in held:
            if cell.column == reasons_column and not isinstance(cell, MergedCell):
                cells.put(ws, cell.row, cell.column, None)
        return reasons_column
    return min(last + 1, 16384)  # 16384: Excel's last column


def _anchor(ws: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The cell carrying a mark: a merged cell's top-left cell, as only that one holds a value and a comment."""
    if isinstance(ws.cell(row=row, column=column), MergedCell):
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
                return merged.min_row, merged.min_col
    return row, column


def _write_summary(book: Workbook, problems: Sequence[Problem], sheets: dict[str, Worksheet],
                   csv_title: str | None, columns: dict[tuple[Worksheet, str], int | None]) -> None:
    if SUMMARY in book.sheetnames:  # from an earlier marking
        del book[SUMMARY]
    ws = book.create_sheet(SUMMARY, 0)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws  # else Excel opens the sheets grouped
    book.active = 0
    for cell in cells.append(ws, ["工作表", "行", "列", "原因"]):
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCD", (16, 8, 20, 80)):
        ws.column_dimensions[letter].width = width
    for number, problem in enumerate(problems, start=2):
        target = _sheet_of(problem, sheets, csv_title)
        column = columns.get((target, problem.header)) if target is not None and problem.header else None
        where = problem.header or ""
        if column is not None:
            where = f"第 {get_column_letter(column)} 列 {problem.header}"
        sheet_name = target.title if target is not None else problem.sheet or WHOLE_FILE
        cells.append(ws, [sheet_name, problem.row or None, where, problem.reason])
        for cell in ws[number]:
            cell.alignment = _WRAP
        if target is not None and problem.row:
            link = ws.cell(row=number, column=2)
            place = f"'{target.title}'!{get_column_letter(column or 1)}{problem.row}"
            link.hyperlink = Hyperlink(ref=link.coordinate, location=place)  # a click goes to the cell
            link.font = Font(color="FF0563C1", underline="single")
