"""A workbook's used range, measured from its bytes before python-calamine reads them. Pure: no database.

calamine holds a sheet as the whole rectangle from its first used cell to its last (32 bytes a cell), and on opening
an old .xls it reads every sheet and reserves the rectangle each DIMENSIONS record declares: a 1.6 KB workbook with
cells at A1 and XFD1048576 asks for 512 GiB and aborts the process. So every part calamine could read as a sheet is
scanned first, as a stream, counting what calamine would count: the last row and column holding a value (positions
implied by order too) and the cells written (a repeated .ods cell counts as often as it repeats). Nothing is expanded
and nothing kept but a few counters, so memory stays at one chunk whatever the file declares. The scan stops at the
first cell beyond the limits.

- .xlsx: every part of the archive, whatever its name (calamine finds parts by any case, and a relationship may
  point anywhere). A fast search passes a part whose every cell tag starts with its place, `r="A1"`, inside the
  limits, as Excel, WPS, LibreOffice and openpyxl write them; any other part is followed tag by tag as calamine's
  XML parser reads it (quoted attributes, comments, CDATA, cells without `r`).
- .ods: content.xml, its repeated rows and cells counted, never expanded.
- .xls: the Workbook stream of the OLE2 file, record by record: the cells and each sheet's DIMENSIONS record.
"""
from __future__ import annotations

import array
import codecs
import html
import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

CHUNK = 1 << 20
MAX_TAG = 1 << 20  # a tag (or an unclosed construct) longer than this is not a spreadsheet


@dataclass(frozen=True)
class SheetLimits:
    """What one sheet may hold.

    rows, columns: the used range, counted from A1. cells: both the used range's area (rows × columns: the rectangle
    calamine allocates, 32 bytes a cell, so 6,000,000 is 192 MB) and the cells written. The largest import kind, the
    履职记录 sheet, has 21 columns: 200,000 of its rows fit.
    """

    rows: int = 200_000
    columns: int = 60
    cells: int = 6_000_000

    def __post_init__(self) -> None:
        if min(self.rows, self.columns, self.cells) < 1:
            raise ValueError(f"sheet limits must be at least 1: {self}")


class SheetTooLarge(Exception):
    """A sheet beyond the limits, as far as the scan went (it stops at the first excess)."""

    def __init__(self, sheet: str, rows: int, columns: int, cells: int, cell: str = "") -> None:
        super().__init__(sheet, rows, columns, cells, cell)
        self.sheet, self.rows, self.columns, self.cells, self.cell = sheet, rows, columns, cells, cell

    def reason(self, limits: SheetLimits) -> str:
        """The reason in Chinese, without the sheet (the caller places it). The scan stopped at the first excess:
        the sheet is at least this large."""
        if self.rows > limits.rows or self.columns > limits.columns:
            found = f"单元格 {self.cell} 超出范围，" if self.cell else ""
            return (f"表格范围过大（至少 {self.rows} 行 × {self.columns} 列，最多 {limits.rows} 行 × {limits.columns} 列）"
                    f"：{found}请删去多余的行和列后再试")
        if self.rows * self.columns > limits.cells:
            return (f"表格范围过大（至少 {self.rows} 行 × {self.columns} 列 = {self.rows * self.columns} 个单元格，"
                    f"最多 {limits.cells} 个）：请删去多余的行和列，或分成几个文件导入")
        return f"单元格过多（至少 {self.cells} 个，最多 {limits.cells} 个）：请分成几个文件导入"


class Damaged(ValueError):
    """The bytes cannot be a sheet calamine reads (a tag without end, a cell reference that is not one …)."""


class Used:
    """One sheet's used range (1-based last row and column holding a value) and cells written, counted as they are
    found; the count stops at the first excess."""

    def __init__(self, sheet: str, limits: SheetLimits) -> None:
        self.sheet, self.limits = sheet, limits
        self.rows = self.columns = self.cells = 0

    def add(self, row: int, column: int, rows: int = 1, columns: int = 1) -> None:
        """Values at rows row … row+rows-1 and columns column … column+columns-1 (1-based).

        :raises SheetTooLarge: the sheet is now beyond the limits."""
        last_row, last_column = row + rows - 1, column + columns - 1
        self.rows, self.columns = max(self.rows, last_row), max(self.columns, last_column)
        self.cells += rows * columns
        limits = self.limits
        if self.rows > limits.rows or self.columns > limits.columns:
            raise SheetTooLarge(self.sheet, self.rows, self.columns, self.cells, _ref(last_row, last_column))
        if self.rows * self.columns > limits.cells or self.cells > limits.cells:
            raise SheetTooLarge(self.sheet, self.rows, self.columns, self.cells)


def _ref(row: int, column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _column(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


# --- XML, tag by tag, as calamine's parser (quick-xml) reads it ---------------------------------------------------
# A start tag ends at the first ">" outside quotes, an end tag at the first ">"; comments, CDATA, processing
# instructions and declarations hide what they hold. An empty element is a start and an end.

_ATTRS = rb"""[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+"""
_TAG = re.compile(b"<" + _ATTRS + b">")
_TAG_MARK = re.compile(rb"""[>"']""")
_TERMINATORS = {b"!--": b"-->", b"![CDATA[": b"]]>", b"?": b"?>", b"!": b">"}


def _tokenizer(opens: bytes, closes: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """(skip, found, wanted): `found` matches from a position through the next start tag named by `opens`, end tag
    named by `closes`, comment, CDATA, processing instruction or declaration; `skip` what comes before it; `wanted`
    the beginning of a start tag named by `opens`."""
    skip = (rb"(?:[^<]++|<(?![!?]|(?:" + opens + rb")[\s/>]|/(?:" + closes + rb")\s*>)(?:/[^>]*+|" + _ATTRS
            + rb")>)*+")
    found = (rb"<(?:(!--|!\[CDATA\[|\?)|(!)|/(" + closes + rb")\s*>|(" + opens + rb")(?=[\s/>])(" + _ATTRS
             + rb")>)")
    return re.compile(skip), re.compile(skip + found), re.compile(b"<(?:" + opens + rb")[\s/>]")


def _tag_end(buffer: bytes, at: int, quote: bytes) -> tuple[int, bytes, bool]:
    """Where a start tag's ">" is, from `at` (inside the quote `quote` if not b""): (position after what was read,
    the quote still open, whether the ">" was found)."""
    while True:
        if quote:
            end = buffer.find(quote, at)
            if end < 0:
                return len(buffer), quote, False
            at, quote = end + 1, b""
        mark = _TAG_MARK.search(buffer, at)
        if mark is None:
            return len(buffer), b"", False
        at = mark.end()
        if buffer[mark.start()] == ord(">"):
            return at, b"", True
        quote = buffer[mark.start():at]


def _tags(stream: Iterator[bytes], names: tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]
          ) -> Iterator[tuple[bytes | None, bytes | None, bytes, bool]]:
    """(start name, end name, attributes, empty) of each tag the tokenizer `names` finds, in order; one of the two
    names is None.

    :raises Damaged: a start tag of a wanted name longer than MAX_TAG."""
    skip, found, wanted = names
    buffer = b""
    until = b""       # the end of the comment (CDATA, PI, declaration, end tag) being skipped
    in_tag = False    # skipping a long start tag of no interest …
    quote = b""       # … inside this quote
    for chunk in stream:
        final = not chunk
        buffer += chunk
        at = 0
        while True:
            if in_tag:
                at, quote, done = _tag_end(buffer, at, quote)
                if not done:
                    break
                in_tag = False
            if until:
                end = buffer.find(until, at)
                if end < 0:
                    at = max(at, len(buffer) - len(until) + 1)
                    break
                at, until = end + len(until), b""
                continue
            match = found.match(buffer, at)
            # "<!" may still become "<!--" or "<![CDATA[" once the next chunk comes
            if match is None or (match[2] and len(buffer) - match.start(2) < 9 and not final):
                at = skip.match(buffer, at).end()  # type: ignore[union-attr]  # it matches the empty string
                if len(buffer) - at > MAX_TAG:  # one construct this long: skip it without keeping it
                    if wanted.match(buffer, at):
                        raise Damaged("a cell tag without end")
                    if buffer.startswith((b"</", b"<!", b"<?"), at):
                        until = b">" if buffer[at + 1] != ord("?") else b"?>"
                    else:
                        in_tag = True
                    at += 1
                    continue
                break
            at = match.end()
            if match[1] or match[2]:
                until = _TERMINATORS[match[1] or match[2]]
            elif match[3]:
                yield None, match[3], b"", False
            else:
                attrs = match[5]
                yield match[4], None, attrs, attrs.endswith(b"/")
        buffer = buffer[at:]
        if final:
            return


_ATTRIBUTE = re.compile(rb"""(?<![^\s"'])([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


def _attributes(attrs: bytes, *names: bytes) -> dict[bytes, list[bytes]]:
    """The values of the attributes `names` in a tag's text (each value, when one is written twice)."""
    out: dict[bytes, list[bytes]] = {}
    for name, double, single, bare in _ATTRIBUTE.findall(attrs):
        if name in names:
            out.setdefault(name, []).append(double or single or bare)
    return out


def _utf16(head: bytes) -> str | None:
    """The UTF-16 a part is written in, told by its byte-order mark or by a zero byte beside its first character."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
        return "utf-16-be" if head[0] == 0 else "utf-16-le"
    return None


def _chunks(raw: IO[bytes]) -> Iterator[bytes]:
    """A part's bytes in chunks, UTF-16 turned into UTF-8 (calamine reads no UTF-16 today; a later one might);
    b"" last."""
    chunk = raw.read(CHUNK)
    encoding = _utf16(chunk)
    decoder = codecs.getincrementaldecoder(encoding)("replace") if encoding else None
    while chunk:
        yield decoder.decode(chunk).encode() if decoder else chunk
        chunk = raw.read(CHUNK)
    yield b""


# --- .xlsx ----------------------------------------------------------------------------------------------------

_PREFIX = rb"""(?:[^\s<>/!?"':]*:)?"""
_XLSX = _tokenizer(_PREFIX + rb"(?:c|row)", _PREFIX + rb"row")
_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _up_to(top: str, alphabet: str, first: str) -> bytes:
    """A regex for the words of `alphabet` (their first character from `first`) that come at or before `top` in
    counting order, shorter words first: 1 … 200000 (no leading zero), or A … BH."""
    def span(chars: str) -> str:
        return f"[{chars[0]}-{chars[-1]}]"
    parts = [f"{span(first)}{span(alphabet)}{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for i, ch in enumerate(top):
        below = (first if i == 0 else alphabet)[:(first if i == 0 else alphabet).index(ch)]
        if below:
            parts.append(f"{top[:i]}{span(below)}{span(alphabet)}{{{len(top) - i - 1}}}")
    parts.append(top)
    return ("(?:" + "|".join(parts) + ")").encode()


def _fast_suspect(rows: int, columns: int) -> re.Pattern[bytes]:
    """A cell tag that does not start with its place (`r="A1"`, then lower-case attributes such as `s="1"`, values
    free of < > ", no second `r`) within `rows` × `columns`."""
    place = _up_to(_ref(1, columns)[:-1], _LETTERS, _LETTERS) + _up_to(str(rows), "0123456789", "123456789")
    return re.compile(rb'<c(?=[\s/>])(?! r="' + place + rb'"(?: (?!r=)[a-z]+="[^"<>]*")*/?>)')


_PREFIXED = re.compile(rb":c[\s/>]")  # a cell tag with a prefix, x:c (or text that reads so: the exact scan tells)
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]+[0-9]+"[^<>]*/>')


def _regions(part: IO[bytes]) -> Iterator[bytes]:
    """A part's bytes in pieces that each end before a "<", so that no tag is cut; a long text after a tag is left
    out. Nothing for UTF-16 (the exact scan reads it).

    :raises _NotPlain: UTF-16, or a tag longer than MAX_TAG."""
    carry = b""
    chunk = part.read(CHUNK)
    if _utf16(chunk):
        raise _NotPlain
    while chunk:
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut == -1:
            buffer, cut = b"", 0  # text alone
        elif cut == 0 and len(buffer) > MAX_TAG:  # one tag, then text: keep the tag
            tag = _TAG.match(buffer)
            if tag is None:
                raise _NotPlain
            buffer, cut = buffer[:tag.end()], tag.end()
        yield buffer[:cut]
        carry = buffer[cut:]
        chunk = part.read(CHUNK)
    yield carry


class _NotPlain(Exception):
    """The part is not written as the fast search expects: the exact scan decides."""


def _fast_xlsx(open_part: Callable[[], IO[bytes]], sheet: Callable[[], str], limits: SheetLimits) -> bool:
    """Whether the part is within the limits, told from its cell tags written as Excel writes them (see
    `_fast_suspect`): True within; False when another form of tag needs the exact scan.

    A used range within rows × columns may still be more cells than limits.cells: a part whose cells all lie within
    the first limits.cells // rows columns passes in one search; any other has its last row and column found.

    :raises SheetTooLarge: a cell written plainly beyond the limits, or too many cells."""
    def search(pattern: re.Pattern[bytes]) -> tuple[bytes | None, int]:
        cells = 0
        with open_part() as part:
            for region in _regions(part):
                found = pattern.search(region) or _PREFIXED.search(region)
                if found:
                    return region[found.start():found.start() + 256], cells
                cells += region.count(b'<c r="')
        return None, cells

    def refuse_plain(tag: bytes) -> None:
        """Refuse at once a cell written plainly (and with a value: calamine skips empty ones) beyond the limits."""
        plain = _PLAIN_CELL.match(tag)
        if plain and not _EMPTY_CELL.match(tag):
            row, column = int(plain[2]), _column(plain[1])
            if row > limits.rows or column > limits.columns:
                raise SheetTooLarge(sheet(), row, column, 0, (plain[1] + plain[2]).decode())

    try:
        odd, cells = search(_fast_suspect(limits.rows, max(1, min(limits.columns, limits.cells // limits.rows))))
        if odd is None:
            if cells > limits.cells:
                raise SheetTooLarge(sheet(), 0, 0, cells)
            return True
        refuse_plain(odd)
        odd, cells = search(_fast_suspect(limits.rows, limits.columns))
        if odd is not None:
            refuse_plain(odd)
            return False
        rows = columns = 0
        with open_part() as part:
            for region in _regions(part):
                refs = _PLAIN_CELL.findall(region)
                if refs:
                    letters, numbers = zip(*refs)
                    columns = max(columns, max(_column(word) for word in set(letters)))
                    rows = max(rows, max(map(int, numbers)))
        if rows * columns > limits.cells or cells > limits.cells:
            raise SheetTooLarge(sheet(), rows, columns, cells)
        return True
    except _NotPlain:
        return False


_R = re.compile(rb"""(?<![^\s"'])r\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_FIRST_R = re.compile(rb'\s+r="([A-Za-z]+)([0-9]+)"')


def _exact_xlsx(stream: Iterator[bytes], used: Used) -> None:
    """Follow the part as calamine does: a cell is placed by its `r`, else after the cell before it in the row; a
    row by its `r`, else after the row before it. A cell with a value (any cell but an empty element) counts.

    :raises SheetTooLarge: see Used.add.
    :raises Damaged: a reference calamine cannot read (it would refuse the file)."""
    row = column = 0  # calamine's next place (0-based) for a row or cell without `r`
    numbers: dict[bytes, int] = {}  # column letters → number

    def number(letters: bytes) -> int:
        found = numbers.get(letters)
        if found is None:
            found = numbers[letters] = _column(letters)
        return found
    for start, _end, attrs, empty in _tags(stream, _XLSX):
        if start is None:
            row, column = row + 1, 0
            continue
        if start == b"row" or start.endswith(b":row"):
            refs = [a or b or c for a, b, c in _R.findall(attrs)]
            if not all(value.isdigit() and int(value) > 0 for value in refs):
                raise Damaged("row reference")
            if refs:
                row = max(int(value) for value in refs) - 1
            if empty:
                row, column = row + 1, 0
            continue
        first = _FIRST_R.match(attrs)
        if first and not _R.search(attrs, first.end()):  # r written once, first: as nearly every cell is
            place = (int(first[2]) - 1, number(first[1]) - 1)
        else:
            refs = [a or b or c for a, b, c in _R.findall(attrs)]
            parsed = [_REF.fullmatch(value) for value in refs]
            if not all(parsed):
                raise Damaged("cell reference")
            place = (row, column)
            if parsed:  # a cell written with r twice: calamine keeps the last; the larger is counted
                place = (max(int(m[2]) for m in parsed if m) - 1, max(number(m[1]) for m in parsed if m) - 1)
        column = place[1] + 1
        if not empty:
            used.add(place[0] + 1, place[1] + 1)


def _xlsx_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name (lower case) → sheet name, from xl/workbook.xml and its relationships as calamine reads them; best
    effort, for messages only."""
    import xml.etree.ElementTree as ElementTree  # nosec B405  # two small parts, their size checked first

    def small(name: str) -> bytes | None:
        info = next((i for i in archive.infolist() if i.filename.lower() == name), None)
        return archive.read(info) if info is not None and info.file_size < CHUNK else None
    try:
        book, rels = small("xl/workbook.xml"), small("xl/_rels/workbook.xml.rels")
        if book is None or rels is None:
            return {}
        targets = {rel.get("Id"): rel.get("Target") or "" for rel in ElementTree.fromstring(rels)}  # nosec B314
        names = {}
        for sheet in ElementTree.fromstring(book).iter():  # nosec B314
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if sheet.tag.endswith("}sheet") and rid in targets:
                target = targets[rid]
                path = target[1:] if target.startswith("/") else target if target.startswith("xl/") else f"xl/{target}"
                names[path.lower()] = (sheet.get("name") or "").strip()
        return names
    except (ElementTree.ParseError, KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        return {}


def check_xlsx(archive: zipfile.ZipFile, limits: SheetLimits) -> None:
    """Every part of a zip archive checked as a worksheet calamine might read: a workbook's relationships may point
    at any part, in any case.

    :raises SheetTooLarge: a part's cells beyond the limits.
    :raises Damaged: a part calamine could not read as a sheet, or an .xlsb (binary sheets: not read here).
    :raises zipfile.BadZipFile, OSError, EOFError: a part that cannot be inflated.
    """
    if any(i.filename.lower().endswith(("workbook.bin", "workbook.bin.rels")) for i in archive.infolist()):
        raise Damaged("xlsb")
    names: dict[str, str] | None = None

    def sheet(info: zipfile.ZipInfo) -> str:
        """The part's sheet name for a message (its path when no sheet of the workbook names it)."""
        nonlocal names
        if names is None:
            names = _xlsx_names(archive)
        return names.get(info.filename.lower()) or info.filename
    for info in archive.infolist():
        if info.is_dir():
            continue
        if not _fast_xlsx(lambda info=info: archive.open(info), lambda info=info: sheet(info), limits):
            with archive.open(info) as part:
                _exact_xlsx(_chunks(part), Used(sheet(info), limits))


# --- .ods -----------------------------------------------------------------------------------------------------

_ODS_ELEMENTS = rb"table:(?:table|table-row|table-cell|covered-table-cell)"
_ODS = _tokenizer(_ODS_ELEMENTS, _ODS_ELEMENTS)
_ODS_VALUES = (b"office:value-type", b"office:value", b"office:string-value", b"office:date-value",
               b"office:time-value", b"office:boolean-value", b"table:formula")


def _repeats(attrs: bytes, name: bytes) -> int:
    values = _attributes(attrs, name).get(name, [b"1"])
    if not all(v.isdigit() for v in values):
        raise Damaged("repeat")
    return max(int(v) for v in values)


def check_ods(content: IO[bytes], limits: SheetLimits) -> None:
    """content.xml checked as calamine reads it: tables of rows of cells, each row and cell standing for as many as
    it repeats, never expanded here; a cell with a value, a type or a formula counts. A table, row or cell inside
    another (no spreadsheet writes one, and calamine would read it askew) is refused.

    :raises SheetTooLarge: a table beyond the limits, or with more row elements than limits.rows.
    :raises Damaged: elements inside one another, a repeat that is not a number.
    """
    used: Used | None = None
    row = elements = 0  # the next row's place (0-based) in the table; its row elements so far
    first = repeat = 0  # the open row's place and repeat (repeat 0: no row open)
    column = 0          # the next cell's place (0-based) in the open row
    in_cell = False
    for start, end, attrs, empty in _tags(_chunks(content), _ODS):
        if start is None:
            if end == b"table:table":
                used, repeat, in_cell = None, 0, False
            elif end == b"table:table-row":
                repeat, in_cell = 0, False
            else:
                in_cell = False
            continue
        if start == b"table:table":
            if used is not None:
                raise Damaged("a table inside a table")
            name = _attributes(attrs, b"table:name").get(b"table:name", [b""])[-1]
            used = None if empty else Used(html.unescape(name.decode(errors="replace")).strip(), limits)
            row = elements = 0
        elif used is None:  # outside a table: calamine does not look
            continue
        elif start == b"table:table-row":
            if repeat or in_cell:
                raise Damaged("a row inside a row")
            elements += 1
            if elements > limits.rows:
                raise SheetTooLarge(used.sheet, elements, used.columns, used.cells)
            count = _repeats(attrs, b"table:number-rows-repeated")
            first, row, column = row, row + count, 0
            repeat = 0 if empty else count
        elif repeat:  # a cell of the open row (outside a row, calamine does not look)
            if in_cell:
                raise Damaged("a cell inside a cell")
            count = _repeats(attrs, b"table:number-columns-repeated")
            if _attributes(attrs, *_ODS_VALUES):
                used.add(first + 1, column + 1, rows=repeat, columns=count)
            column += count
            in_cell = not empty


# --- .xls -----------------------------------------------------------------------------------------------------

_FREE = 0xFFFFFFFA  # sector numbers from here on are markers (end of chain, free, FAT, DIFAT)


def _ole_streams(data: bytes, names: tuple[str, ...]) -> list[bytes]:
    """The streams named `names` (any case) of an OLE2 compound file, as calamine finds the workbook in it.

    :raises Damaged: sectors out of the file, chains that loop."""
    if len(data) < 1024:  # a header and one sector at least
        raise Damaged("header")
    try:
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        dir_start, = struct.unpack_from("<I", data, 0x30)
        cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<IIIII", data, 0x38)
    except struct.error:
        raise Damaged("header") from None
    if shift not in (9, 12) or mini_shift != 6:
        raise Damaged("sector size")
    size = 1 << shift
    sectors = max(0, (len(data) - size) // size)

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise Damaged("sector")
        return data[(number + 1) * size:(number + 2) * size]

    def numbers(raw: bytes) -> array.array[int]:
        out = array.array("I", raw)
        if sys.byteorder == "big":
            out.byteswap()
        return out

    fat_sectors = list(numbers(data[0x4C:0x200]))
    seen: set[int] = set()
    number = difat_start
    while number < _FREE and len(seen) <= min(difat_count, sectors):
        if number in seen:
            raise Damaged("loop")
        seen.add(number)
        entries = numbers(sector(number))
        fat_sectors += entries[:-1]
        number = entries[-1]
    needed = -(-sectors // (size // 4))  # the FAT never needs more sectors than this
    fat = numbers(b"".join(sector(n) for n in [n for n in fat_sectors if n < _FREE][:needed]))

    def chain(start: int, table: array.array[int], limit: int) -> list[int]:
        out: list[int] = []
        number = start
        while number < _FREE:
            if number >= len(table) or len(out) > limit:
                raise Damaged("chain")
            out.append(number)
            number = table[number]
        if len(set(out)) != len(out):
            raise Damaged("loop")
        return out

    directory = b"".join(sector(n) for n in chain(dir_start, fat, sectors))
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise Damaged("directory")
    mini: tuple[bytes, array.array[int]] | None = None
    found = []
    for entry in entries:
        length, kind = struct.unpack_from("<HB", entry, 64)
        name = entry[:max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
        if kind != 2 or name.lower() not in names:
            continue
        start, stream_size = struct.unpack_from("<IQ", entry, 116)
        stream_size = min(stream_size, len(data))
        if stream_size >= cutoff:
            found.append(b"".join(sector(n) for n in chain(start, fat, sectors))[:stream_size])
            continue
        if mini is None:
            root_start, root_size = struct.unpack_from("<IQ", entries[0], 116)
            container = b"".join(sector(n) for n in chain(root_start, fat, sectors))[:min(root_size, len(data))]
            mini = container, numbers(b"".join(sector(n) for n in chain(mini_fat_start, fat, sectors)))
        container, mini_fat = mini
        pieces = chain(start, mini_fat, len(container) // 64 + 1)
        found.append(b"".join(container[n * 64:n * 64 + 64] for n in pieces)[:stream_size])
    return found


_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E,  # FORMULA, RSTRING, LABELSST, NUMBER, LABEL …
          0x0002, 0x0003, 0x0004, 0x0005}                          # … and BIFF2's INTEGER, NUMBER, LABEL, BOOLERR
_MULRK, _DIMENSIONS, _BOUNDSHEET, _EOF = 0x00BD, 0x0200, 0x0085, 0x000A  # BLANK and MULBLANK: calamine skips them


def _records(stream: bytes, at: int) -> Iterator[tuple[int, bytes]]:
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4:at + 4 + length]
        if kind == _EOF:
            return
        at += 4 + length


def _sheet_name(record: bytes) -> str:
    if len(record) < 8:
        return ""
    length, wide = record[6], record[7]
    if wide in (0, 1) and len(record) >= 8 + length * (wide + 1):
        return record[8:8 + length * (wide + 1)].decode("utf-16-le" if wide else "latin-1", "replace")
    return record[7:7 + length].decode("latin-1", "replace")  # BIFF5: no flags byte


def check_xls(data: bytes, limits: SheetLimits) -> None:
    """Every sheet of an old .xls as calamine reads it on opening: the rectangle each DIMENSIONS record declares (it
    reserves that much), and the cells (BLANK and MULBLANK aside, as calamine skips them).

    :raises SheetTooLarge: a sheet declared or written beyond the limits.
    :raises Damaged: not an OLE2 file calamine could read.
    """
    for stream in _ole_streams(data, ("workbook", "book")):
        sheets = {struct.unpack_from("<I", record)[0]: _sheet_name(record)
                  for kind, record in _records(stream, 0) if kind == _BOUNDSHEET and len(record) >= 4}
        budget = len(stream) // 4 + 1  # records: sheets that overlap (no workbook has them) are not read twice over
        for offset, name in sheets.items():
            used = Used(name.strip(), limits)
            for kind, record in _records(stream, offset):
                budget -= 1
                if budget < 0:
                    raise Damaged("sheets overlap")
                if kind in _CELLS and len(record) >= 4:
                    row, column = struct.unpack_from("<HH", record)
                    used.add(row + 1, column + 1)
                elif kind == _MULRK and len(record) >= 6:
                    row, first = struct.unpack_from("<HH", record)
                    count = max(1, (len(record) - 6) // 6)
                    last = max(first + count - 1, struct.unpack_from("<H", record, len(record) - 2)[0])
                    used.add(row + 1, first + 1, columns=last - first + 1)
                elif kind == _DIMENSIONS and len(record) >= 10:
                    if len(record) >= 14:
                        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", record)
                    else:
                        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", record)
                    rows, columns = max(0, last_row - first_row), max(0, last_column - first_column)
                    if rows * columns > limits.cells:  # calamine reserves rows × columns cells (40 bytes each)
                        raise SheetTooLarge(used.sheet, last_row, last_column, used.cells)


# --- any workbook ---------------------------------------------------------------------------------------------

def check_workbook(data: bytes, limits: SheetLimits) -> str:
    """Check a workbook's sheets before calamine opens it; the kind checked ("xls" or "zip").

    :raises SheetTooLarge, Damaged: see check_xlsx, check_ods and check_xls.
    :raises zipfile.BadZipFile, OSError, EOFError: a part that cannot be inflated.
    """
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        check_xls(data, limits)
        return "xls"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_xlsx(archive, limits)  # calamine tells an .xlsx from an .ods by trying: both are checked
        for info in archive.infolist():
            if info.filename.lower() == "content.xml":
                with archive.open(info) as content:
                    check_ods(content, limits)
    return "zip"
