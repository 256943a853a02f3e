"""Sheets → a fillable .xlsx in the import format: instructions sheet, dropdowns, and optionally data rows. Pure.

The same builder makes the empty template and exports of filtered lists, so a file exported, edited and imported
again reads back to the same values. openpyxl (write-only mode) writes the workbook: styles, header rows, frozen
panes, widths, validations, the hidden 选项 sheet. In that mode the worksheet has no add_data_validation(), so
validations go to `ws.data_validations`, and widths, column styles and the frozen header must be set before the
first row, since they precede the rows in the file. The data rows themselves are written here as sheet XML and
inserted into the saved file: without lxml (not a dependency) openpyxl serialises a cell in ~40 µs, 54 s for
100,000 rows × 13 columns, against ~4 s this way.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import math
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from app.spreadsheets.columns import (CHOICE, CODE, CODES, DATE, DECIMAL, INTEGER, MONTH, NO, PERIOD, TEXT, YES,
                                      YES_NO, Column, Sheet)
from reports import cells

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

INSTRUCTIONS = "填写说明"
OPTIONS = "选项"             # the hidden sheet holding dropdown lists too long (or too odd) to write inline
DEPENDENT = "级联选项"       # the hidden sheet of the lists that follow another column's choice (类别 → 类型)
EXTRA_ROWS = 1000            # validated empty rows below the data, for the user to fill
INLINE_LIMIT = 255           # Excel refuses a list validation whose inline formula is longer
SHOWN_CHOICES = 80           # characters of choices shown in the instructions before 见下拉列表 replaces them
WIDTH_SAMPLE = 200           # data rows looked at for column widths
MIN_WIDTH, MAX_WIDTH = 8, 50
MAX_SIGNIFICANT = 15         # digits a number keeps in Excel
FIRST_YEAR = 1900           # Excel has no dates before 1900: earlier ones are written as text
MAX_PLACES = 4               # decimal places the import keeps (rows.MAX_PLACES)
SPOOL_BYTES = 16 * 2**20   # row XML kept in memory up to this size, then in a temporary file
INSTRUCTION_WIDTHS = (18, 10, 60, 40)  # 列名, 是否必填, 填写要求, 可选值 of the 填写说明 sheet
LINE_HEIGHT = 15             # points a line of 11-point text takes
LIST_ERROR = "请从下拉列表中选择"
DATE_HINT = "请填写日期，如 2025-03-02"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
#: Columns kept as text in Excel, so 编号 0012 stays 0012 and 2025H1 is not mangled.
TEXT_TYPES = frozenset({TEXT, CODE, CODES, CHOICE, YES_NO, PERIOD, MONTH})

GENERAL_NOTES = ("列名带 * 的为必填列，不能空白。",
                 "第 1 行是列名，请不要修改列名和工作表名称；数据从第 2 行起填写，一行一条。",
                 "有下拉箭头的列请从下拉列表中选择。")

_REQUIREMENT = {
    TEXT: "文字",
    CODE: "编号，按文字填写（开头的 0 会保留）",
    CODES: "编号，可填多个，按顺序用 、 隔开",
    DATE: "日期 2025-03-02",
    DECIMAL: "数字（精确小数，至多 4 位小数）",
    INTEGER: "整数",
    CHOICE: "从下拉列表选择",
    YES_NO: "是/否",
    PERIOD: "半年期间 2025H1/2025H2",
    MONTH: "年月 1968-03",
}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_REQUIRED_FONT = Font(bold=True, color="FFC00000")
_REQUIRED_FILL = PatternFill("solid", fgColor="FFFCE4D6")
_HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")  # beside a wrapped text, so a row's cells start on the same line


def build_template(sheets: Sequence[Sheet], *, title: str, choices: Mapping[str, Sequence[str]] | None = None,
                   rows: Mapping[str, Iterable[Sequence[object]]] | None = None,
                   instructions: Sequence[str] = (),
                   lookups: Mapping[str, tuple[Sequence[str], Sequence[Sequence[object]]]] | None = None,
                   dependent: Mapping[str, tuple[str, Mapping[str, Sequence[str]]]] | None = None) -> bytes:
    """An .xlsx file: 填写说明, then one sheet per `sheets` (header, dropdowns, `rows` under it), hidden 选项.

    `choices`: column key → the values allowed there, known only at run time (units, kinds of a rule file …); it
    adds a dropdown to a column of any type, and replaces a CHOICE column's own list. `rows`: sheet name → rows
    of values in column order (dates, Decimal, bool as 是/否, tuples of 编号 for CODES). `lookups`: sheet name →
    (headers, rows) of a sheet to look things up in (the 委员名单 of the user's scope), after the data sheets; the
    import reads only the format's sheets, so it ignores them. `dependent`: column key → (the key of the column it
    depends on, that column's value → the values allowed): a dropdown that lists only the values of the choice
    made to its left (类别 → 类型), through named ranges on the hidden 级联选项 sheet and INDIRECT; with the left
    cell blank it lists them all.

    :raises ValueError: `rows` names a sheet not in `sheets`, two sheets share a name, or a row is too long.
    """
    names = [sheet.name for sheet in sheets]
    if len(set(names)) != len(names) or {INSTRUCTIONS, OPTIONS, DEPENDENT, *(lookups or {})} & set(names):
        raise ValueError(f"sheet names must be distinct and not {INSTRUCTIONS} or {OPTIONS}: {names}")
    unknown = set(rows or {}) - set(names)
    if unknown:
        raise ValueError(f"rows for unknown sheets: {sorted(unknown)}")
    lists = {(sheet.name, column.key): values for sheet in sheets for column in sheet.columns
             if (values := _choices(column, choices or {}))}
    option_columns: dict[tuple[str, ...], int] = {}  # a list kept in 选项 → its column there
    option_names: list[str] = []                       # … and the header over it: the first column using it
    for (sheet_name, key), values in lists.items():
        if _inline(values) is None and values not in option_columns:
            option_columns[values] = len(option_columns) + 1
            option_names.append(next(s for s in sheets if s.name == sheet_name).column(key).header)
    book = Workbook(write_only=True)
    book.properties.title = title
    instructions_sheet = book.create_sheet(INSTRUCTIONS)
    with contextlib.ExitStack() as stack:
        written: list[tuple[WriteOnlyWorksheet, Sheet, IO[bytes], int]] = []
        for sheet in sheets:
            ws = book.create_sheet(sheet.name)
            given = iter((rows or {}).get(sheet.name, ()))
            sample = list(itertools.islice(given, WIDTH_SAMPLE))  # widths come before the rows in the file
            styles = _format_columns(ws, sheet, lists, sample)
            target = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))
            written.append((ws, sheet, target, _write_rows(target, sheet, styles, itertools.chain(sample, given))))
        # only now does openpyxl start streaming: a bad row above leaves no half-written sheet behind
        _write_instructions(instructions_sheet, sheets, title, instructions, lists)
        for ws, sheet, _, count in written:
            cells.append(ws, [cells.cell(ws, _header(column), font=_REQUIRED_FONT if column.required else _BOLD,
                                         fill=_REQUIRED_FILL if column.required else _HEADER_FILL)
                              for column in sheet.columns])
            _add_validations(ws, sheet, lists, option_columns, count + 1 + EXTRA_ROWS, dependent or {})
        for name, (headers, values) in (lookups or {}).items():
            _write_lookup(book.create_sheet(name), headers, values)
        if option_columns:
            _write_options(book.create_sheet(OPTIONS), option_columns, option_names)
        if dependent:
            _write_dependent(book, dependent)
        buffer = io.BytesIO()
        book.save(buffer)
        # a worksheet's part name is known once saved
        return _splice(buffer.getvalue(), {ws.path.lstrip("/"): target for ws, _, target, _ in written})


def _choices(column: Column, given: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if column.type == CODES:
        return ()  # several 编号 in one cell: a list validation would refuse them
    if column.key in given:
        values: Iterable[object] = given[column.key]
    elif column.type == YES_NO:
        values = column.choices or (YES, NO)
    elif column.type == CHOICE:
        values = column.choices
    else:
        return ()
    return tuple(dict.fromkeys(text for v in values if (text := cells.clean(str(v)).strip())))


def _inline(values: Sequence[str]) -> str | None:
    """The inline list formula `"a,b"`, or None when Excel cannot take it inline."""
    if any("," in v or '"' in v for v in values):
        return None
    formula = '"' + ",".join(values) + '"'
    return formula if len(formula) <= INLINE_LIMIT else None


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK (wide and full-width) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def requirement(column: Column, has_list: bool) -> str:
    """The 填写要求 of a column: its type in Chinese, then its note."""
    kind = "从下拉列表选择" if has_list and column.type not in (CHOICE, YES_NO) else _REQUIREMENT[column.type]
    return f"{kind}；{column.note}" if column.note else kind


def _header(column: Column) -> str:
    return f"{column.written}*" if column.required else column.written


def _write_instructions(ws: WriteOnlyWorksheet, sheets: Sequence[Sheet], title: str, instructions: Sequence[str],
                        lists: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
    """The 填写说明 sheet; its text wraps within the page, each row as tall as its lines (a row's height is written
    ahead of it, and LibreOffice and WPS print a stored file's rows at the height they find)."""
    for letter, width in zip("ABCD", INSTRUCTION_WIDTHS):
        ws.column_dimensions[letter].width = width
    cells.print_setup(ws, INSTRUCTION_WIDTHS, title_rows=0)
    rows = itertools.count(1)

    def add(values: list, *texts: tuple[str, int], merged: bool = False) -> None:
        """Append `values`; `texts`: each wrapped text with the width (in characters) it wraps in; `merged`: the
        row's one text across the four columns (as wide as the table below, so it wraps there)."""
        number = next(rows)
        if merged:
            ws.merged_cells.add(f"A{number}:D{number}")
        lines = max((math.ceil(display_width(text) / (width - 2)) for text, width in texts), default=1)
        if lines > 1:
            ws.row_dimensions[number].height = LINE_HEIGHT * lines + 3
        cells.append(ws, values)

    add([cells.cell(ws, title, font=_TITLE)])
    add([])
    whole = sum(INSTRUCTION_WIDTHS) - 6  # a merged row is a little narrower than its columns' sum
    for line in (*instructions, *GENERAL_NOTES):
        add([cells.cell(ws, line, alignment=_WRAP)], (line, whole), merged=True)
    for sheet in sheets:
        add([])
        heading = f"工作表“{sheet.name}”" + (f"：{sheet.note}" if sheet.note else "")
        add([cells.cell(ws, heading, font=_BOLD)])
        add([cells.cell(ws, text, font=_BOLD, fill=_HEADER_FILL) for text in ("列名", "是否必填", "填写要求", "可选值")])
        for column in sheet.columns:
            values = lists.get((sheet.name, column.key), ())
            shown = "、".join(values)
            if len(shown) > SHOWN_CHOICES:
                shown = "见下拉列表"
            need = requirement(column, bool(values))
            add([cells.cell(ws, _header(column), font=_REQUIRED_FONT if column.required else None, alignment=_TOP),
                 cells.cell(ws, "必填" if column.required else "选填", alignment=_TOP),
                 cells.cell(ws, need, alignment=_WRAP),
                 cells.cell(ws, shown, alignment=_WRAP) if shown else None],
                (need, INSTRUCTION_WIDTHS[2]), (shown, INSTRUCTION_WIDTHS[3]))


def _write_lookup(ws: WriteOnlyWorksheet, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    widths = []
    for index, header in enumerate(headers):
        widest = max([display_width(header), *(display_width(str(r[index] or "")) for r in rows[:WIDTH_SAMPLE])])
        widths.append(min(widest + 4, MAX_WIDTH))
        ws.column_dimensions[get_column_letter(index + 1)].width = widths[-1]
    ws.freeze_panes = "A2"
    cells.print_setup(ws, widths)  # it prints like the others: one page wide, its header on every page
    cells.append(ws, [cells.cell(ws, h, font=_BOLD, fill=_HEADER_FILL) for h in headers])
    for row in rows:
        cells.append(ws, row)


def _write_options(ws: WriteOnlyWorksheet, option_columns: Mapping[tuple[str, ...], int],
                   names: Sequence[str]) -> None:
    ws.sheet_state = "hidden"
    columns = list(option_columns)  # in column order
    cells.append(ws, [cells.cell(ws, name, font=_BOLD) for name in names])
    for index in range(max(len(values) for values in columns)):
        cells.append(ws, [values[index] if index < len(values) else None for values in columns])


def _format_columns(ws: WriteOnlyWorksheet, sheet: Sheet, lists: Mapping[tuple[str, str], tuple[str, ...]],
                    sample: Sequence[Sequence[object]]) -> list[str]:
    """Widths, column formats, the frozen header and how the sheet prints; returns each column's ` s="…"` style for
    the data cells."""
    styles = []
    widths: list[float] = []
    for index, column in enumerate(sheet.columns):
        dimension = ws.column_dimensions[get_column_letter(index + 1)]
        seen = [display_width(_header(column)) + 2, 12 if column.type == DATE else MIN_WIDTH,
                *(display_width(v) for v in lists.get((sheet.name, column.key), ())),
                *(display_width(_text_of(row[index])) for row in sample if index < len(row)
                  and row[index] is not None)]
        dimension.width = min(max(seen) + 2, MAX_WIDTH)
        widths.append(dimension.width)
        if column.type in TEXT_TYPES:
            dimension.number_format = TEXT_FORMAT
        elif column.type == DATE:
            dimension.number_format = DATE_FORMAT
        styles.append(f' s="{dimension.style_id}"' if dimension.has_style else "")
    ws.freeze_panes = "A2"
    cells.print_setup(ws, widths)
    return styles


def _dependent_names(number: int) -> tuple[str, str, str]:
    """The defined names of the `number`th dependent list: its parent values, all its values, one per parent."""
    return f"DEP{number}_KEYS", f"DEP{number}_ALL", f"DEP{number}_"


def _write_dependent(book: Workbook, dependent: Mapping[str, tuple[str, Mapping[str, Sequence[str]]]]) -> None:
    """The hidden 级联选项 sheet: per dependent column, its parent's values, all its values, then one column per
    parent value; each a defined name the validations point at."""
    ws = book.create_sheet(DEPENDENT)
    ws.sheet_state = "hidden"
    columns: list[tuple[str, list[str]]] = []
    for number, (_key, (_parent, mapping)) in enumerate(dependent.items()):
        keys_name, all_name, each = _dependent_names(number)
        columns.append((keys_name, list(mapping)))
        columns.append((all_name, list(dict.fromkeys(v for values in mapping.values() for v in values))))
        columns += [(f"{each}{i}", list(dict.fromkeys(values))) for i, values in enumerate(mapping.values(), 1)]
    cells.append(ws, [cells.cell(ws, name, font=_BOLD) for name, _values in columns])
    for index in range(max(len(values) for _name, values in columns)):
        cells.append(ws, [values[index] if index < len(values) else None for _name, values in columns])
    for position, (name, values) in enumerate(columns, start=1):
        letter = get_column_letter(position)
        where = f"'{DEPENDENT}'!${letter}$2:${letter}${max(len(values), 1) + 1}"
        book.defined_names[name] = DefinedName(name, attr_text=where)


def _add_validations(ws: WriteOnlyWorksheet, sheet: Sheet, lists: Mapping[tuple[str, str], tuple[str, ...]],
                     option_columns: Mapping[tuple[str, ...], int], last: int,
                     dependent: Mapping[str, tuple[str, Mapping[str, Sequence[str]]]]) -> None:
    letters = {column.key: get_column_letter(i) for i, column in enumerate(sheet.columns, start=1)}
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        validation = _validation(column, lists.get((sheet.name, column.key), ()), option_columns)
        if column.key in dependent and dependent[column.key][0] in letters:
            number = list(dependent).index(column.key)
            keys_name, all_name, each = _dependent_names(number)
            left = f"${letters[dependent[column.key][0]]}2"
            validation = DataValidation(
                type="list", formula1=f'IF({left}="",{all_name},INDIRECT("{each}"&MATCH({left},{keys_name},0)))',
                allow_blank=True, showErrorMessage=True, errorTitle="输入有误", error=LIST_ERROR)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last}")
            ws.data_validations.append(validation)  # WriteOnlyWorksheet has no add_data_validation()


def _validation(column: Column, values: tuple[str, ...], option_columns: Mapping[tuple[str, ...], int],
                ) -> DataValidation | None:
    if values:
        formula = _inline(values)
        if formula is None:
            letter = get_column_letter(option_columns[values])
            formula = f"'{OPTIONS}'!${letter}$2:${letter}${len(values) + 1}"
        return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                              errorTitle="输入有误", error=LIST_ERROR)
    if column.type == DATE:  # 1 … 2958465: the serial numbers of 1900-01-01 … 9999-12-31
        return DataValidation(type="date", operator="between", formula1="1", formula2="2958465", allow_blank=True,
                              showErrorMessage=True, errorTitle="输入有误", error=DATE_HINT,
                              showInputMessage=True, promptTitle=column.header, prompt=DATE_HINT)
    if column.type == INTEGER:
        return DataValidation(type="whole", operator="between", formula1="-2147483647", formula2="2147483647",
                              allow_blank=True, showErrorMessage=True, errorTitle="输入有误", error="请填写整数")
    if column.type == DECIMAL:
        return DataValidation(type="decimal", operator="between", formula1="-99999999999999",
                              formula2="99999999999999", allow_blank=True, showErrorMessage=True,
                              errorTitle="输入有误", error="请填写数字，如 12.5")
    return None


# --- values → cells: sheet XML written by reports.cells, since openpyxl without lxml serialises ~40 µs per cell ----

def _text_of(value: object) -> str:
    """A value as text: bool as 是/否, 编号 tuples joined with 、, dates as 2025-03-02, Decimal in plain digits."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (tuple, list)):
        return "、".join(_text_of(v) for v in value)
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return cells.clean(str(value))


def excel_number(value: Decimal) -> str | None:
    """A Decimal as the digits of an Excel number, or None when a number would change it (or the import refuse it).

    Excel keeps 15 significant digits, and the import reads a number back as those digits, so within 15 digits and
    4 places (rows.MAX_PLACES) the value returns exactly.
    """
    if not value.is_finite():
        return None
    exact = value.normalize()
    sign, digits, exponent = exact.as_tuple()
    if not isinstance(exponent, int) or -exponent > MAX_PLACES or len(digits) > MAX_SIGNIFICANT:
        return None
    return format(exact, "f") if value else "0"  # plain digits: no 1E+3, no -0


CellXml = Callable[[str, object], str]


def _cell_xml(column: Column, style: str) -> CellXml:
    """The function writing one value of `column` as a <c> element at a reference ("" for a blank)."""
    if column.type in TEXT_TYPES:
        return lambda ref, value: cells.text_xml(ref, style, _text_of(value))

    def other(ref: str, value: object) -> str:
        if isinstance(value, dt.date) and column.type == DATE and value.year >= FIRST_YEAR:
            day = value.date() if isinstance(value, dt.datetime) else value
            return cells.number_xml(ref, style, str(int(to_excel(day))))
        if isinstance(value, int) and not isinstance(value, bool):
            return cells.number_xml(ref, style, str(value))
        if isinstance(value, float) and math.isfinite(value):
            return cells.number_xml(ref, style, repr(value))
        if isinstance(value, Decimal) and (digits := excel_number(value)) is not None:
            return cells.number_xml(ref, style, digits)
        return cells.text_xml(ref, style, _text_of(value))
    return other


def _write_rows(target: IO[bytes], sheet: Sheet, styles: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Rows 2, 3 … as sheet XML into `target`; returns how many rows there were."""
    columns = sheet.columns
    writers = [(get_column_letter(i + 1), _cell_xml(c, style)) for i, (c, style) in enumerate(zip(columns, styles))]
    count = 0
    chunk: list[str] = []
    for count, row in enumerate(rows, start=1):
        if len(row) > len(columns):
            raise ValueError(f"{sheet.name}: a row has {len(row)} values for {len(columns)} columns")
        number = count + 1
        written = "".join(write(f"{letter}{number}", value) for (letter, write), value in zip(writers, row)
                          if value is not None and value != "")
        if written:
            chunk.append(f'<row r="{number}">{written}</row>')
        if len(chunk) >= 1000:
            target.write("".join(chunk).encode())
            chunk.clear()
    target.write("".join(chunk).encode())
    return count


def _splice(data: bytes, rows_xml: Mapping[str, IO[bytes]]) -> bytes:
    """The saved workbook with each part's data rows inserted after its header row (before </sheetData>)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename not in rows_xml:
                target.writestr(item, content)
                continue
            head, end, tail = content.partition(b"</sheetData>")
            if not end:
                raise RuntimeError(f"{item.filename}: no </sheetData> to insert rows before")
            with target.open(item.filename, "w") as part:
                part.write(head)
                rows = rows_xml[item.filename]
                rows.seek(0)
                shutil.copyfileobj(rows, part)
                part.write(end + tail)
    return output.getvalue()
