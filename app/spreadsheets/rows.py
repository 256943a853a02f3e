"""Raw sheets → typed rows; every bad cell is reported as `FILE:sheet:row:column: 原因`. Pure: no database.

A sheet's header row is the first row (of the first ten) that names its key column; columns are matched by
header text in any order, unknown columns are ignored with a note. Empty rows are skipped; merged cells over the
data are reported. Numbers are read exactly: text as written, an Excel number as the 15 significant digits Excel
shows, never through binary arithmetic.
"""
from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from openpyxl.utils.cell import get_column_letter

from app.scoring.spelling import suggest
from app.spreadsheets.columns import (CHOICE, CODE, CODES, DATE, DECIMAL, INTEGER, MONTH, NO, PERIOD, TEXT, YES,
                                      YES_NO, Column, Sheet, normalise_header)
from app.spreadsheets.extent import SheetLimits
from app.spreadsheets.workbook import LIMITS, FileError, MergedRange, RawSheet, read_sheets

HEADER_SEARCH_ROWS = 10
MAX_PLACES = 4            # decimal places the database keeps (ScaledDecimal)
MAX_WHOLE_DIGITS = 14     # … and whole digits, so a file scores exactly what an import would store
MAX_INTEGER = 2**31 - 1

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?")
_DATE8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?|(\d{2}))")
_PERIOD = re.compile(r"(\d{4})\s*(?:H([12])|年?([上下])半年)")
_SPLIT = re.compile(r"[、,，;；\s]+")


def where(file: str, sheet: str, row: int | None = None, header: str | None = None) -> str:
    """The position prefix of a message: FILE:sheet:row:column."""
    return ":".join(str(part) for part in (file, sheet, row, header) if part not in (None, ""))


class SheetRow(NamedTuple):
    """One data row: column key → typed value (None when blank); `bad` keys could not be read (reported).

    A named tuple, not a dataclass: a 100,000-row file makes 100,000 of them.
    """

    sheet: str
    number: int
    values: Mapping[str, Any]
    bad: frozenset[str] = frozenset()

    def __getitem__(self, key: str) -> Any:  # type: ignore[override]  # by column key, not by position
        return self.values.get(key)


@dataclass
class Book:
    """A file read against the format: rows per sheet found, every error and note so far."""

    file: str  # the file name errors start with
    is_csv: bool = False
    sheets: dict[str, list[SheetRow]] = field(default_factory=dict)  # sheet name (as in columns.py) → rows
    columns: dict[str, set[str]] = field(default_factory=dict)       # sheet name → keys of the columns present
    found: list[str] = field(default_factory=list)                   # the file's own sheet names, in order
    heights: dict[str, int] = field(default_factory=dict)            # sheet name → its last row's number
    notes: list[str] = field(default_factory=list)
    _problems: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    # A value outside its plausible range (金额 2 元: meant 2 万元?): it stops the import like a problem unless the
    # user confirmed the file (`confirmed`), and is listed apart from the problems.
    warnings: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    confirmed: bool = False

    def error(self, sheet: str, row: int | None, header: str | None, reason: str) -> None:
        """Report a problem at FILE:sheet:row:column (sheet "" for the whole file; row None for a whole sheet)."""
        self._problems.append((sheet, row, header, reason))

    def warn(self, sheet: str, row: int | None, header: str | None, reason: str) -> None:
        """Report a value that needs the user's confirmation at FILE:sheet:row:column."""
        self.warnings.append((sheet, row, header, reason))

    @property
    def has_errors(self) -> bool:
        """Whether nothing may be written: a problem, or a value to confirm in a file not confirmed."""
        return bool(self._problems) or bool(self.warnings) and not self.confirmed

    @property
    def problems(self) -> list[tuple[str, int | None, str | None, str]]:
        """(sheet, row, column header, reason) of every problem, in reading order: the file, then sheet by sheet
        (as in the file) and row by row. `sheet` is the format's sheet name (a CSV file's too)."""
        rank = {name: i for i, name in enumerate(self.found)}
        return sorted(self._problems, key=lambda p: (rank.get(p[0], -1) if p[0] else -2, p[1] or 0))

    @property
    def errors(self) -> list[str]:
        """Every problem as `FILE:sheet:row:column: 原因`, in reading order."""
        return [f"{where(self.file, sheet, row, header)}: {reason}" for sheet, row, header, reason in self.problems]

    def note(self, sheet: str, text: str) -> None:
        self.notes.append(f"{where(self.file, sheet)}: {text}")


def read_book(data: bytes, filename: str, sheets: Iterable[Sheet], csv_sheet: Sheet, lazy: bool = False,
              limits: SheetLimits = LIMITS) -> Book:
    """Read `sheets` of a workbook (those present), or a CSV file as the one sheet `csv_sheet`.

    `lazy`: each sheet's rows are an iterator, typed (and their cells' problems reported) as it is read, once.
    `limits`: what one sheet may hold (a file with a larger sheet is not read at all).
    """
    file = filename.replace("\\", "/").rsplit("/", 1)[-1]
    book = Book(file)
    try:
        raw = read_sheets(data, filename, limits=limits)
    except FileError as error:
        book.error(error.sheet, None, None, str(error))
        return book
    if len(raw) == 1 and raw[0].name == "":
        book.is_csv = True
        book.found = [csv_sheet.name]
        (read if not lazy else _lazily)(book, RawSheet(csv_sheet.name, raw[0].rows, height=raw[0].height), csv_sheet)
        return book
    book.found = [s.name for s in raw]
    by_name = {s.name: s for s in raw}
    for spec in sheets:
        if spec.name in by_name and spec.name not in book.sheets:
            (read if not lazy else _lazily)(book, by_name[spec.name], spec)
    return book


def _lazily(book: Book, raw: RawSheet, spec: Sheet) -> None:
    book.heights[spec.name] = raw.height
    book.sheets[spec.name] = open_sheet(book, raw, spec)  # type: ignore[assignment]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read(book: Book, raw: RawSheet, spec: Sheet) -> None:
    """Add the typed rows of `raw` to `book.sheets[spec.name]`, and its errors and notes to the book."""
    book.sheets.setdefault(spec.name, []).extend(open_sheet(book, raw, spec))


def open_sheet(book: Book, raw: RawSheet, spec: Sheet) -> TypedRows:
    """Find the header and report its problems now; the typed rows come as they are iterated (once).

    Each row's problems are reported to the book as the row is reached.
    """
    lookup = spec.lookup()
    key_column = next(c for c in spec.columns if c.required)
    key_names = {normalise_header(t) for t in (key_column.header, *key_column.aliases)}
    source = iter(raw.rows)
    head = list(itertools.islice(source, HEADER_SEARCH_ROWS))
    header_at = next((i for i, (_, values) in enumerate(head)
                      if key_names & {normalise_header(v) for v in values if not _blank(v)}), None)
    if header_at is None:
        first = next((number for number, values in itertools.chain(head, source)
                      if not all(_blank(v) for v in values)), None)
        if first is not None:
            book.error(spec.name, first, key_column.header,
                       f"找不到“{key_column.header}”列：数据上面应有一行列名，如 "
                       + "、".join(c.header for c in spec.columns if c.required))
        book.columns[spec.name] = set()
        return TypedRows(book, spec.name, iter(()), [], {}, {})
    header_row, header = head[header_at]
    positions: dict[str, int] = {}  # column key → 0-based index
    for index, text in enumerate(header):
        if _blank(text):
            continue
        column = lookup.get(normalise_header(text))
        if column is None:
            guess = suggest(normalise_header(text), [c.header for c in spec.columns])
            hint = f"（是否想写“{guess[0]}”？）" if guess else ""
            book.note(spec.name, f"第 {get_column_letter(index + 1)} 列“{str(text).strip()}”不是本表的列，已忽略{hint}")
        elif column.key in positions:
            book.error(spec.name, header_row, column.header,
                       f"列名重复（第 {get_column_letter(positions[column.key] + 1)} 列和第 "
                       f"{get_column_letter(index + 1)} 列）")
        else:
            positions[column.key] = index
    book.columns[spec.name] = set(positions)
    for column in spec.columns:
        if column.required and column.key not in positions:
            book.error(spec.name, header_row, column.header, "缺少这一必填列")
    by_index = {index: spec.column(key) for key, index in positions.items()}
    merged = [m for m in raw.merged if m.max_row >= header_row
              and any(m.min_col <= i + 1 <= m.max_col for i in by_index)]
    for m in merged:
        column = by_index.get(m.min_col - 1) or next(c for i, c in sorted(by_index.items())
                                                      if m.min_col <= i + 1 <= m.max_col)
        book.error(spec.name, max(m.min_row, header_row), column.header,
                   f"有合并单元格 {m.ref}：请取消合并，每一行、每一格分别填写")
    merged_rows: dict[int, list[MergedRange]] = {}
    last_row = raw.height or head[-1][0]
    for m in merged:
        for number in range(max(m.min_row, header_row), min(m.max_row, last_row) + 1):
            merged_rows.setdefault(number, []).append(m)
    present = [(column.key, positions[column.key], _READERS[column.type], column, column.default, column.required,
                column.header) for column in spec.columns if column.key in positions]
    absent = {column.key: column.default for column in spec.columns if column.key not in positions}
    return TypedRows(book, spec.name, itertools.chain(head[header_at + 1:], source), present, absent, merged_rows)


class TypedRows:
    """A sheet's data rows, read once: one at a time (iterate: typed `SheetRow`s) or a block at a time (`blocks`:
    typed columns, for a dataset that checks a large sheet column by column). `count`: the rows read so far that
    were not empty."""

    def __init__(self, book: Book, name: str, source: Iterator[tuple[int, tuple[object, ...]]], present: list[Any],
                 absent: dict[str, Any], merged_rows: dict[int, list[MergedRange]]) -> None:
        self.book, self.name, self.source = book, name, source
        self.present, self.absent, self.merged_rows = present, absent, merged_rows
        self.indexes = [index for _key, index, *_rest in present]
        self.count = 0

    def __iter__(self) -> Iterator[SheetRow]:
        for row in _typed_rows(self.book, self.name, self.source, self.present, self.absent, self.indexes,
                               self.merged_rows):
            self.count += 1
            yield row

    def typed(self, number: int, cells: tuple[object, ...]) -> SheetRow | None:
        """One raw row typed as iterating would (its cells' problems reported); None for an empty row."""
        row = next(_typed_rows(self.book, self.name, ((number, cells),), self.present, self.absent, self.indexes,
                               self.merged_rows), None)
        if row is not None:
            self.count += 1
        return row

    def blocks(self, size: int = 5000) -> Iterator[Block]:
        """The rows `size` at a time as typed columns. A cell is typed here only when it is of the usual kind
        (text in a text column, a date cell in a date column …); a row with any other cell, a blank required cell,
        or a merged cell is marked `slow` and left to `Block.row`, which types it exactly as iterating would."""
        source = self.source
        while True:
            part = list(itertools.islice(source, size))
            if not part:
                return
            yield Block(self, part)


class Block:
    """Up to a few thousand consecutive rows of a sheet, typed column by column (see `TypedRows.blocks`)."""

    def __init__(self, rows: TypedRows, part: list[tuple[int, tuple[object, ...]]]) -> None:
        self.rows = rows
        self.sheet = rows.name
        self.raw = part
        self.numbers = [number for number, _cells in part]
        size = len(part)
        slow = bytearray(size)
        cells = [c for _number, c in part]
        width = min(len(c) for c in cells)
        self.columns: dict[str, list[Any]] = {key: [default] * size for key, default in rows.absent.items()}
        for key, index, reader, column, default, required, _header in rows.present:
            raw = [c[index] for c in cells] if index < width else [c[index] if index < len(c) else None
                                                                   for c in cells]
            self.columns[key] = _FAST.get(reader, _fast_other)(reader, column, raw, default, required, slow)
        merged = rows.merged_rows
        if merged:
            for i, number in enumerate(self.numbers):
                if number in merged:
                    slow[i] = 1
        self.slow = slow
        self.fast = size - sum(slow)
        rows.count += self.fast
        self._typed: dict[int, SheetRow | None] = {}

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> SheetRow | None:
        """The row at position `i` as a `SheetRow` (None: an empty row). A slow row is typed (and its problems
        reported) on the first call only."""
        if not self.slow[i]:
            return SheetRow(self.sheet, self.numbers[i], {key: values[i] for key, values in self.columns.items()})
        if i not in self._typed:
            self._typed[i] = self.rows.typed(*self.raw[i])
        return self._typed[i]


# --- a column of a block: the usual cells typed, the rest marked slow ------------------------------------------
# A column whose cells are all of the usual kind is typed with C-level map/set calls; any other goes cell by cell.

_NONE = type(None)
_QUOTED = operator.methodcaller("startswith", "'")


def _strings(cells: list[object], default: Any, required: bool, slow: bytearray) -> list[Any] | None:
    """The cells stripped, when every one is text or blank (a blank: the default; in a required column, the row's
    way, which reports it); None when the column must be typed cell by cell."""
    if _all_blank(cells):
        return _blank_column(default, required, slow)
    kinds = set(map(type, cells))
    if kinds == {str}:
        out: list[Any] = list(map(str.strip, cells))  # type: ignore[arg-type]
        if "" not in out:
            return out
    elif kinds == {str, _NONE}:
        out = [None if c is None else c.strip() for c in cells]  # type: ignore[union-attr]
    else:
        return None
    if required:  # a blank cell: the row's way, which reports it
        return None
    return [v or default for v in out]  # blank ("" or None): the default


def _all_blank(cells: list[object]) -> bool:
    """A column left blank: every cell "" or None (a 0 or a FALSE is not blank)."""
    return cells.count("") + cells.count(None) == len(cells)


def _blank_column(default: Any, required: bool, slow: bytearray) -> list[Any]:
    if required:
        slow[:] = b"\x01" * len(slow)
    return [default] * len(slow)


def _fast_text(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
               slow: bytearray) -> list[Any]:
    out = _strings(cells, default, required, slow)
    if out is not None and not any(map(_QUOTED, filter(None, out))):
        return out
    return _by_cell(lambda cell, text: text if text[0] != "'" else None, cells, default, required, slow)


def _fast_code(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
               slow: bytearray) -> list[Any]:
    out = _strings(cells, default, required, slow)
    if out is not None and all(map(str.isascii, filter(None, cells))):  # type: ignore[arg-type]
        return out  # as _code reads it: NFKC changes nothing in ASCII
    return _by_cell(lambda cell, text: text if cell.isascii() else None, cells, default, required, slow)


def _fast_choice(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
                 slow: bytearray) -> list[Any]:
    choices = set(column.choices)
    out = _strings(cells, default, required, slow)
    if out is not None and set(out) - {default} <= choices:
        return out
    return _by_cell(lambda cell, text: text if text in choices else None, cells, default, required, slow)


def _by_cell(accept: Callable[[str, str], str | None], cells: list[object], default: Any, required: bool,
             slow: bytearray) -> list[Any]:
    """A text-like column cell by cell: blank is the default; a text cell is what `accept(cell, stripped)` gives,
    None for the row's way; any other cell goes the row's way."""
    out: list[Any] = []
    append = out.append
    for i, cell in enumerate(cells):
        if cell.__class__ is str:
            text = cell.strip()
            if not text:
                append(default)
                if required:
                    slow[i] = 1
                continue
            value = accept(cell, text)
            if value is not None:
                append(value)
                continue
        elif cell is None:
            append(default)
            if required:
                slow[i] = 1
            continue
        append(None)
        slow[i] = 1
    return out


def _fast_date(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
               slow: bytearray) -> list[Any]:
    if _all_blank(cells):
        return _blank_column(default, required, slow)
    if set(map(type, cells)) == {dt.date}:
        return list(cells)
    return _only(dt.date, cells, default, required, slow)


def _only(kind: type | None, cells: list[object], default: Any, required: bool, slow: bytearray) -> list[Any]:
    """A column cell by cell: a cell of exactly `kind` is kept, a blank is the default; the rest is slow."""
    out: list[Any] = []
    append = out.append
    for i, cell in enumerate(cells):
        if cell.__class__ is kind:
            append(cell)
        elif cell is None or cell.__class__ is str and not cell.strip():
            append(default)
            if required:
                slow[i] = 1
        else:
            append(None)
            slow[i] = 1
    return out


def _fast_other(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
                slow: bytearray) -> list[Any]:
    """Any other type: a blank is the default, a filled cell goes through the column's reader (once a value: the
    readers are pure, and a column repeats its values)."""
    if _all_blank(cells):
        return _blank_column(default, required, slow)
    out: list[Any] = []
    append = out.append
    known: dict[tuple[type, object], Any] = {}
    for i, cell in enumerate(cells):
        if cell is None or cell.__class__ is str and not cell.strip():
            append(default)
            if required:
                slow[i] = 1
            continue
        # the type too (1 == 1.0 == True); a zero is read each time (-0.0 == 0.0, but Decimal keeps the sign)
        key = (cell.__class__, cell) if cell else None
        value = known.get(key, known)
        if value is known:
            try:
                value = reader(column, cell)
            except ValueError:
                value = None
            if key is not None:
                known[key] = value
        if value is None:
            slow[i] = 1
        append(value)
    return out


def _fast_codes(reader: Any, column: Column, cells: list[object], default: Any, required: bool,
                slow: bytearray) -> list[Any]:
    """Several codes: a blank is the default; a filled cell is rare enough to go the row's way."""
    if _all_blank(cells):
        return _blank_column(default, required, slow)
    return _only(None, cells, default, required, slow)  # None: no cell is kept as it is


def _typed_rows(book: Book, name: str, source: Iterable[tuple[int, tuple[object, ...]]], present: list[Any],
                absent: dict[str, Any], indexes: list[int],
                merged_rows: dict[int, list[MergedRange]]) -> Iterator[SheetRow]:
    no_bad: frozenset[str] = frozenset()
    error = book.error
    for number, cells in source:
        width = len(cells)
        for i in indexes:  # an empty row (every cell read blank) is skipped
            if i < width:
                cell = cells[i]
                if cell.__class__ is str:
                    if cell.strip():
                        break
                elif cell is not None:
                    break
        else:
            continue
        values: dict[str, Any] = dict(absent)
        bad: set[str] | None = None
        covering = merged_rows.get(number)
        for key, index, reader, column, default, required, header in present:
            cell = cells[index] if index < width else None
            if cell.__class__ is str:
                text = cell.strip()
                if text and reader is _text and text[0] != "'":  # what _text reads from text, without the call
                    values[key] = text
                    continue
            else:
                text = cell
            if text is None or text == "":  # blank: None, "" or only spaces
                values[key] = default
                if required and not (covering and any(m.covers(number, index + 1) for m in covering)):
                    error(name, number, header, "必填，不能为空")
                    bad = (bad or set()) | {key}
                continue
            try:
                values[key] = reader(column, cell)
            except ValueError as exc:
                values[key] = None
                bad = (bad or set()) | {key}
                if not (covering and any(m.covers(number, index + 1) for m in covering)):  # the merge is reported
                    error(name, number, header, str(exc))
        yield SheetRow(name, number, values, frozenset(bad) if bad else no_bad)


# --- one cell ---------------------------------------------------------------------------------------------

def _shown(value: object) -> str:
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


TEXT_COLUMN = Column("", "")


def _text(column: Column, value: object) -> str:
    if type(value) is str:
        return _unquoted(value.strip())
    return _shown(value)


def cell_text(value: object) -> str:
    """A cell as text, as a text column reads it: stripped; a number as Excel shows it; a date as 2025-03-02."""
    return _text(TEXT_COLUMN, value)


def _unquoted(text: str) -> str:
    """Text without the ' an export puts before =, +, - or @ so that Excel shows it instead of running it."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _code(column: Column, value: object) -> str:
    if type(value) is str and value.isascii():
        return _unquoted(value.strip())  # NFKC changes nothing in ASCII; a CSV export quotes +86 139… as '+86 139…'
    if isinstance(value, (bool, dt.date, dt.time)):
        raise ValueError(f"“{_shown(value)}”不是编号")
    return unicodedata.normalize("NFKC", _shown(value)).strip()


def _codes(column: Column, value: object) -> tuple[str, ...]:
    return tuple(part for part in _SPLIT.split(_code(column, value)) if part)


def _choice(column: Column, value: object) -> str:
    text = value.strip() if type(value) is str else _shown(value)
    if text not in column.choices:
        raise ValueError(f"“{text}”不是可选的值（可选：{'、'.join(column.choices)}）")
    return text


def _yes_no(column: Column, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _shown(value)
    if text not in (YES, NO):
        raise ValueError(f"“{text}”应填 是 或 否")
    return text == YES


def read_decimal(value: object) -> Decimal:
    """An exact Decimal from a cell: text as written; an Excel number as its 15 significant digits.

    :raises ValueError: text that is not a plain number, too many digits.
    """
    if isinstance(value, (bool, dt.date, dt.time)):
        raise ValueError(f"“{_shown(value)}”不是数字")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):  # Excel keeps numbers as binary doubles: take the 15 digits Excel shows
        number = Decimal(format(value, ".15g"))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")  # 1,234.56
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"“{str(value).strip()}”不是数字")
        number = Decimal(text)
    if not number.is_finite():
        raise ValueError(f"“{_shown(value)}”不是数字")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES:
        raise ValueError(f"“{_shown(value)}”小数位数过多（至多 {MAX_PLACES} 位）")
    if number and number.adjusted() >= MAX_WHOLE_DIGITS:
        raise ValueError(f"“{_shown(value)}”太大")
    return number


def _decimal(column: Column, value: object) -> Decimal:
    return read_decimal(value)


def _integer(column: Column, value: object) -> int:
    try:
        number = read_decimal(value)
    except ValueError:
        raise ValueError(f"“{_shown(value)}”不是整数") from None
    if number != number.to_integral_value() or abs(number) > MAX_INTEGER:
        raise ValueError(f"“{_shown(value)}”不是整数")
    return int(number)


def read_date(value: object) -> dt.date:
    """A date from an Excel date cell or text 2025-03-02, 2025/3/2, 2025.3.2, 2025年3月2日, 20250302.

    :raises ValueError: anything else (an Excel serial number without a date format, too).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"“{_shown(value)}”不是日期（请写作 2025-03-02）")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE.fullmatch(text) or _DATE8.fullmatch(text)
    if not match:
        raise ValueError(f"“{text}”不是日期（请写作 2025-03-02）")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueError(f"“{text}”不是有效的日期") from None


def _date(column: Column, value: object) -> dt.date:
    if type(value) is dt.date:
        return value
    return read_date(value)


def read_month(value: object, today: dt.date | None = None) -> str:
    """A year and month as "1968-03", from an Excel date cell or text 1968-03, 1968.3, 1968年3月, 1968-03-05,
    196803; an Excel number 1968.03 reads as its text.

    :raises ValueError: anything else; an Excel number 1968.1, which may have been typed 1968.10 (Excel drops the
        trailing zero, so January and October look alike); a year before 1900 or after `today`.
    """
    if isinstance(value, (dt.datetime, dt.date)):
        year, month = value.year, value.month
    elif isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"“{_shown(value)}”不是年月（请写作 1968-03）")
    else:
        if isinstance(value, float) and format(value, ".15g").endswith(".1"):
            raise ValueError(f"“{_shown(value)}”可能是 1 月也可能是 10 月（Excel 把 .10 显示为 .1）："
                             f"请写作 {format(value, '.15g')[:4]}-01 或 {format(value, '.15g')[:4]}-10")
        text = unicodedata.normalize("NFKC", _shown(value)).strip()
        match = _MONTH.fullmatch(text)
        if not match:
            raise ValueError(f"“{text}”不是年月（请写作 1968-03）")
        year, month = int(match.group(1)), int(match.group(2) or match.group(3))
    if not 1 <= month <= 12:
        raise ValueError(f"“{_shown(value)}”不是有效的年月（月份应为 1–12）")
    if year < 1900 or (today is not None and (year, month) > (today.year, today.month)):
        raise ValueError(f"“{_shown(value)}”不是可能的出生年月")
    return f"{year:04d}-{month:02d}"


def _month(column: Column, value: object) -> str:
    return read_month(value)


def _period(column: Column, value: object) -> str:
    text = unicodedata.normalize("NFKC", _shown(value)).strip().upper()
    match = _PERIOD.fullmatch(text)
    if not match:
        raise ValueError(f"“{_shown(value)}”不是半年期间（请写作 2025H1 或 2025H2）")
    half = match.group(2) or ("1" if match.group(3) == "上" else "2")
    return f"{match.group(1)}H{half}"


_READERS = {TEXT: _text, CODE: _code, CODES: _codes, CHOICE: _choice, YES_NO: _yes_no, DECIMAL: _decimal,
            INTEGER: _integer, DATE: _date, PERIOD: _period, MONTH: _month}
_FAST = {_text: _fast_text, _code: _fast_code, _codes: _fast_codes, _choice: _fast_choice, _date: _fast_date}


def whole_number_ids(keys: Sequence[str | None], fallback: Sequence[int]) -> list[int]:
    """The ids for a sheet's rows: its 编号 when every one is a whole number (1001, not 01001), else `fallback`."""
    if keys and all(k is not None and re.fullmatch(r"[1-9][0-9]{0,17}", k) for k in keys):
        return [int(k) for k in keys]  # type: ignore[arg-type]
    return list(fallback)
