"""A roster as county offices keep it → rows of member fields. Pure: no database.

Offices keep their 委员名单 their own way: title rows (“XX县政协第十届委员名单”, a date line) above the column names,
序号 instead of member codes, a 界别 written once in a merged cell over its block of rows, a group heading across a
row (“一、中共界(12人)”), two header rows (联系方式 over 手机 | 办公电话), footers (“制表:”). This module finds the
header row (the first row naming 姓名 and at least two other known columns), places each column on a member field by
its usual names or by the office's remembered choice, fills merged cells down their block, and reads each cell.

A blank cell (or a placeholder such as “/”, “—”, “无”) is left out of a row's values: importing it changes nothing.
A cell reading 清空 is `CLEAR`: it erases what is stored.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import get_column_letter

from app.spreadsheets.columns import normalise_header
from app.spreadsheets.rows import cell_text, read_date, read_month
from app.spreadsheets.workbook import RawSheet

SKIP = "skip"        # a column not imported: 序号, or the office's choice (不导入)
CLEAR = "清空"        # the cell erases the stored value
HEADER_SEARCH_ROWS = 30
MAX_HEADER_DEPTH = 3  # rows of a header whose top cells are merged down over the names below them
PLACEHOLDERS = frozenset({"/", "／", "-", "－", "—", "——", "无", "暂无", "空", "\\"})


@dataclass(frozen=True)
class Field:
    """A member field a roster column can fill: its key, its name on screens and the headers that mean it."""

    key: str
    label: str
    names: tuple[str, ...]
    kind: str = "text"  # text, name, gender, party, month, date, mark, phone, code, units, employer_position


FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", ("姓名", "委员姓名", "名字"), "name"),
    Field("code", "委员编号", ("委员编号", "委员证号", "委员证编号"), "code"),
    Field("gender", "性别", ("性别",), "gender"),
    Field("ethnicity", "民族", ("民族",)),
    Field("birth_month", "出生年月", ("出生年月", "出生日期", "出生年月日", "出生时间", "出生年份月份"), "month"),
    Field("party", "党派", ("党派", "政治面貌", "党派团体", "所属党派", "党派或团体"), "party"),
    Field("sector", "界别", ("界别", "所属界别", "所在界别", "界别名称", "界别活动组"), "unit"),
    Field("committee", "专委会", ("专委会", "所属专委会", "所在专委会", "专门委员会", "所属专门委员会"), "unit"),
    Field("liaison", "联络处", ("联络处", "活动组", "乡镇联络处", "所属联络处", "所在联络处", "联络组", "委员活动组",
                               "乡镇政协联络处", "联络处活动组", "联络处/活动组", "联络处（活动组）"), "unit"),
    Field("employer_position", "工作单位及职务", ("工作单位及职务", "单位及职务", "工作单位和职务", "工作单位及职务职称",
                                                   "现工作单位及职务", "工作单位职务", "工作单位及职称"),
          "employer_position"),
    Field("employer", "工作单位", ("工作单位", "现工作单位", "单位", "工作单位名称", "所在单位")),
    Field("position", "职务", ("职务", "职称", "现任职务", "职务职称", "职务或职称")),
    Field("phone", "联系电话", ("联系电话", "手机", "电话", "手机号码", "手机号", "联系方式", "移动电话", "电话号码",
                                "联系电话手机"), "phone"),
    Field("standing", "常委", ("常委", "是否常委", "政协常委"), "mark"),
    Field("chair_council", "主席会议成员", ("主席会议成员", "是否主席会议成员"), "mark"),
    Field("resident_standing", "驻会常委", ("驻会常委", "是否驻会常委"), "mark"),
    Field("joined_on", "任职日期", ("任职日期", "任职时间", "任职起始日期", "起任日期", "增补日期"), "date"),
    Field("left_on", "离任日期", ("离任日期", "离任时间", "免职日期", "辞任日期"), "date"),
    Field("note", "备注", ("备注", "说明")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
IGNORED_NAMES = ("序号", "序", "编号序号", "No", "NO", "no")  # numbering the office's own list: never imported
LABELS = {**{f.key: f.label for f in FIELDS}, SKIP: "不导入"}

# 政治面貌 as rosters write it → the 党派 as the system keeps it (as the demo county and the templates write it)
PARTY_WORDS = {"中共党员": "中共", "中国共产党党员": "中共", "共产党员": "中共", "中共预备党员": "中共",
               "中国共产党": "中共", "民革党员": "民革", "民革会员": "民革", "民盟盟员": "民盟", "民建会员": "民建",
               "民进会员": "民进", "农工党党员": "农工党", "致公党党员": "致公党", "九三学社社员": "九三学社",
               "台盟盟员": "台盟", "无党派": "无党派人士"}
GENDER_WORDS = {"男": "男", "女": "女", "男性": "男", "女性": "女"}
YES_MARKS = frozenset({"是", "√", "✓", "✔", "☑", "★", "Y", "YES", "TRUE", "1", "常委", "是常委"})
NO_MARKS = frozenset({"否", "×", "✗", "✘", "X", "N", "NO", "FALSE", "0", "委员", "不是"})
_ORGANISATION = re.compile(
    r"(?:公司|集团|医院|卫生院|学校|中学|小学|幼儿园|大学|学院|研究所|研究院|事务所|合作社|协会|商会|联合会|委员会|"
    r"村委会|居委会|政府|人大|政协|党委|党组|法院|检察院|局|厅|办公室|中心|银行|支行|分行|厂|店|站|所|社|院|村|镇|乡|"
    r"街道|办事处|部|处|科|馆|团|队|会|联|场|园)$")
_TITLE_WORD = (r"(?:党组|党委|党支部|党总支|村委会|居委会|工会|董事会|监事会|常务|执行|名誉|总)?副?"
               r"(?:书记|主任|主席|董事长|总经理|经理|院长|校长|局长|所长|站长|厂长|社长|行长|会长|部长|处长|科长|镇长|"
               r"乡长|村长|理事长|秘书长|馆长|园长|总裁|总监|工程师|董事|监事长|监事|教师|医师|主任医师|律师|教授|会计师|"
               r"委员|干部|职工|负责人|法定代表人|合伙人|馆员|场长|队长|团长|主编|编辑|记者|医生|护士长|护士|调研员)")
_TITLES = re.compile(rf"{_TITLE_WORD}(?:[、,，/及和兼]{_TITLE_WORD})*")
_NOT_A_NAME = re.compile(r"[0-9:：;；,，。()（）]")
_PHONE_SEPARATORS = re.compile(r"[/／、,，;；\s]+")


def header_key(text: object) -> str:
    """A header as matched and remembered: NFKC, no white space, no trailing *, colon or parenthetical unit."""
    return normalise_header(unicodedata.normalize("NFKC", str(text or "")).rstrip(":：")).rstrip(":：")


_AUTO: dict[str, str] = {header_key(name): f.key for f in FIELDS for name in f.names}
_AUTO.update({header_key(name): SKIP for name in IGNORED_NAMES})


def auto_key(header: str) -> str | None:
    """The field a header means by its usual name (SKIP for 序号), None when it is not a usual name."""
    return _AUTO.get(header_key(header))


def split_employer(text: str) -> tuple[str, str]:
    """工作单位及职务 → (工作单位, 职务): at white space or a line break when there is one (县人民医院 院长); else where an
    organisation's name ends and only usual titles follow (华盛纸业有限公司董事长, 县教育局党组书记、局长); otherwise the
    whole text is the 工作单位 and the 职务 is empty."""
    text = text.strip()
    parts = re.split(r"\s+", text, maxsplit=1)
    if len(parts) == 2:
        return parts[0], re.sub(r"\s+", " ", parts[1])
    for end in range(2, len(text)):
        if _ORGANISATION.search(text[:end]) and _TITLES.fullmatch(text[end:]):
            return text[:end], text[end:]
    return text, ""


def phone_numbers(text: str) -> frozenset[str]:
    """The digits of each number in a phone cell (0571-8888 6666 and 13800000000 → two), to match people by."""
    return frozenset(d for part in _PHONE_SEPARATORS.split(text) if len(d := re.sub(r"\D", "", part)) >= 5)


@dataclass(frozen=True)
class RosterColumn:
    """One column of the file: its header as written, where it goes and how that was decided.

    `how`: "auto" (a usual name), "remembered" (the office chose it for an earlier file), "unplaced" (nobody knows
    yet: the office must choose), "conflict" (another column goes to the same field), "blank" (no header).
    """

    index: int  # 0-based
    header: str
    key: str | None
    how: str
    samples: tuple[str, ...] = ()
    remember_as: str = ""  # the header text the office's choice is remembered under

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def placed(self) -> bool:
        return self.how in ("auto", "remembered") and self.key not in (None, SKIP)


@dataclass
class RosterRow:
    """A member's row: field → value (text, bool, date, CLEAR; employer_position gives employer and position);
    blank cells are absent. `bad`: fields whose cell could not be read (reported)."""

    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)


@dataclass
class RosterSheet:
    """One sheet read as a roster."""

    name: str
    header_row: int | None = None   # the (first) header row; None: no header found
    data_row: int = 0               # the first row below the header
    columns: list[RosterColumn] = field(default_factory=list)
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)  # (row, header, reason)
    notes: list[str] = field(default_factory=list)

    def header_of(self, key: str) -> str | None:
        """The file's header of the column placed on `key` (employer and position: 工作单位及职务, if so placed)."""
        for column in self.columns:
            if column.placed and (column.key == key or (column.key == "employer_position"
                                                          and key in ("employer", "position"))):
                return column.header
        return None

    @property
    def unplaced(self) -> list[RosterColumn]:
        return [c for c in self.columns if c.how in ("unplaced", "conflict")]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never typed into a cell (an old .xls may hold them)


def _text(value: object) -> str:
    return _CONTROL.sub("", cell_text(value))


def _display(value: object) -> str:
    """A cell on one line: white space folded."""
    return re.sub(r"\s+", " ", _text(value)).strip()


def _header_text(value: object) -> str:
    """A header on one line, with no white space beside Chinese (出生\n年月 is 出生年月)."""
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", _display(value))


class _Grid:
    """A sheet's cells by (row, column), 1-based, with merged cells filled from their top-left cell on request."""

    def __init__(self, raw: RawSheet) -> None:
        self.rows: dict[int, tuple[object, ...]] = {number: tuple(cells) for number, cells in raw.rows}
        self.last = max(self.rows, default=0)
        self.width = max((len(c) for c in self.rows.values()), default=0)
        self.merged = raw.merged

    def get(self, row: int, col: int) -> object:
        cells = self.rows.get(row, ())
        return cells[col - 1] if 0 < col <= len(cells) else ""


def _candidates(grid: _Grid, remembered: Mapping[str, str]) -> Iterable[int]:
    """Rows that look like a header: a 姓名 and at least two other known (or remembered) column names."""
    for number in sorted(grid.rows)[:HEADER_SEARCH_ROWS]:
        cells = [v for v in grid.rows[number] if not _blank(v)]
        keys = [remembered.get(header_key(v)) or auto_key(str(v)) for v in cells]
        # 姓名 by its usual name too: a header the office once set to 不导入 still marks the header row
        if ("name" in keys or "name" in map(auto_key, map(str, cells))) and sum(1 for k in keys if k) >= 3:
            yield number


def find_header(raw: RawSheet, remembered: Mapping[str, str] | None = None) -> int | None:
    """The header row of a sheet (its first row naming 姓名 and two other known columns), or None. Reads the rows."""
    return next(_candidates(_Grid(raw), remembered or {}), None)


def read_roster(raw: RawSheet, remembered: Mapping[str, str] | None = None,
                today: dt.date | None = None) -> RosterSheet:
    """Read a sheet as a roster: find its header, place its columns, read its rows (every problem reported).

    `remembered`: header_key → field key or SKIP, the office's earlier choices (they win over the usual names).
    """
    remembered = dict(remembered or {})
    grid = _Grid(raw)
    sheet = RosterSheet(raw.name)
    header_row = next(_candidates(grid, remembered), None)
    if header_row is None:
        if grid.rows:
            sheet.problems.append((None, None, f"找不到列名行：前 {HEADER_SEARCH_ROWS} 行中没有一行同时写有“姓名”和"
                                               f"“性别”“界别”“工作单位及职务”等列名"))
        return sheet
    last_header = _header_depth(grid, header_row)
    sheet.header_row, sheet.data_row = header_row, last_header + 1
    texts = _header_texts(grid, header_row, last_header, remembered)
    sheet.columns = _place(grid, texts, remembered, sheet.data_row)
    for column in sheet.columns:
        if column.how == "blank":
            sheet.notes.append(f"第 {column.letter} 列没有列名，其中的内容未导入")
    _read_rows(grid, sheet, today)
    return sheet


def _header_depth(grid: _Grid, header_row: int) -> int:
    """The header's last row: below the first when some of its cells are merged down over names below them."""
    last = header_row
    for m in grid.merged:
        if m.min_row == header_row and m.max_row > header_row:
            last = max(last, min(m.max_row, header_row + MAX_HEADER_DEPTH - 1))
    return last


def _header_texts(grid: _Grid, first: int, last: int, remembered: Mapping[str, str]) -> list[str]:
    """Each column's header; of a two-row header, the lower name (手机) when it is known, else upper/lower."""
    width = max(len(grid.rows.get(r, ())) for r in range(first, last + 1))
    block = {(r, c): grid.get(r, c) for r in range(first, last + 1) for c in range(1, width + 1)}
    for m in grid.merged:
        if first <= m.min_row <= last and (last > first or m.max_row > m.min_row):
            top = grid.get(m.min_row, m.min_col)
            for r in range(m.min_row, min(m.max_row, last) + 1):
                for c in range(m.min_col, min(m.max_col, width) + 1):
                    block[(r, c)] = top
    texts = []
    for c in range(1, width + 1):
        found: list[str] = []
        for r in range(first, last + 1):
            text = _header_text(block[(r, c)])
            if text and (not found or found[-1] != text):
                found.append(text)
        if len(found) <= 1:
            texts.append(found[0] if found else "")
            continue
        lower = found[-1]
        known = remembered.get(header_key(lower)) or auto_key(lower)
        texts.append(lower if known else "/".join(found))
    return texts


def _place(grid: _Grid, texts: list[str], remembered: Mapping[str, str], data_row: int) -> list[RosterColumn]:
    """Each column's field: the office's remembered choice, else its usual name; a second column with the same
    header is remembered as “header#2”; two columns on one field are a conflict for the office to settle."""
    seen: dict[str, int] = {}
    columns: list[RosterColumn] = []
    for index, text in enumerate(texts):
        key_text = header_key(text)
        samples = _samples(grid, index + 1, data_row)
        if not key_text:
            columns.append(RosterColumn(index, "", None, "blank" if samples else "empty", samples))
            continue
        seen[key_text] = seen.get(key_text, 0) + 1
        remember_as = key_text if seen[key_text] == 1 else f"{key_text}#{seen[key_text]}"
        shown = text if seen[key_text] == 1 else f"{text}（第 {seen[key_text]} 个）"
        if remember_as in remembered:
            columns.append(RosterColumn(index, shown, remembered[remember_as], "remembered", samples, remember_as))
        elif seen[key_text] == 1 and (key := auto_key(text)) is not None:
            columns.append(RosterColumn(index, shown, key, "auto", samples, remember_as))
        else:
            columns.append(RosterColumn(index, shown, None, "unplaced", samples, remember_as))
    taken: dict[str, list[int]] = {}
    for column in columns:
        if column.placed:
            taken.setdefault(column.key, []).append(column.index)  # type: ignore[arg-type]
    if "employer_position" in taken:  # 工作单位及职务 fills both
        for key in ("employer", "position"):
            if key in taken:
                taken.setdefault("employer_position", []).extend(taken.pop(key))
    clashing = {i for indexes in taken.values() if len(indexes) > 1 for i in indexes}
    return [RosterColumn(c.index, c.header, c.key, "conflict", c.samples, c.remember_as) if c.index in clashing else c
            for c in columns if c.how != "empty"]


def _samples(grid: _Grid, col: int, data_row: int, count: int = 3) -> tuple[str, ...]:
    """The first few distinct values of a column, group headings across the row left out."""
    across = {r for m in grid.merged if m.max_col - m.min_col >= 2 for r in range(m.min_row, m.max_row + 1)}
    found: list[str] = []
    for number in sorted(r for r in grid.rows if r >= data_row and r not in across):
        text = _display(grid.get(number, col))
        if text and text not in found:
            found.append(text[:30])
            if len(found) == count:
                break
    return tuple(found)


def _read_rows(grid: _Grid, sheet: RosterSheet, today: dt.date | None) -> None:
    placed = [c for c in sheet.columns if c.placed]
    name_col = next((c for c in placed if c.key == "name"), None)
    if name_col is None:
        return
    name_at = name_col.index + 1
    filled: dict[tuple[int, int], object] = {}
    headings: dict[int, str] = {}  # row → its heading's text ("" for rows refused as a whole)
    for m in grid.merged:
        if m.max_row < sheet.data_row:
            continue
        if m.min_col <= name_at <= m.max_col and m.max_col - m.min_col >= 2:  # a group heading across the row
            for r in range(max(m.min_row, sheet.data_row), m.max_row + 1):
                headings[r] = _display(grid.get(m.min_row, m.min_col))
            continue
        if m.min_col <= name_at <= m.max_col and m.max_row > m.min_row:
            sheet.problems.append((max(m.min_row, sheet.data_row), name_col.header,
                                   f"姓名所在列有合并单元格 {m.ref}：每位委员一行，请取消合并"))
            headings.update(dict.fromkeys(range(max(m.min_row, sheet.data_row), m.max_row + 1), ""))
            continue
        top = grid.get(m.min_row, m.min_col)
        for r in range(max(m.min_row, sheet.data_row), m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                if (r, c) != (m.min_row, m.min_col):
                    filled[(r, c)] = top
    for number in sorted(r for r in grid.rows if r >= sheet.data_row):
        if number in headings:
            if headings[number]:
                sheet.notes.append(f"第 {number} 行“{headings[number][:30]}”是分组标题，已跳过")
            continue
        cells = {c.index: filled.get((number, c.index + 1), grid.get(number, c.index + 1)) for c in placed}
        own = [c for c in placed if not _blank(grid.get(number, c.index + 1))
               and (number, c.index + 1) not in filled and _display(grid.get(number, c.index + 1)) not in PLACEHOLDERS]
        if _blank(cells[name_col.index]) or _display(cells[name_col.index]) in PLACEHOLDERS:
            if len(own) >= 2:
                sheet.problems.append((number, name_col.header, "缺少姓名"))
            elif own:
                sheet.notes.append(f"第 {number} 行只有“{_display(grid.get(number, own[0].index + 1))[:30]}”，"
                                   f"不是委员的一行，已跳过")
            continue
        if len(own) == 1 and own[0] is name_col and _NOT_A_NAME.search(_display(cells[name_col.index])):
            sheet.notes.append(f"第 {number} 行只有“{_display(cells[name_col.index])[:30]}”，不是委员的一行，已跳过")
            continue  # a footer in the name column: 制表:县政协办公室
        row = RosterRow(number, {})
        for column in placed:
            value = cells[column.index]
            if _blank(value):
                continue
            text = _display(value)
            if text in PLACEHOLDERS:
                continue
            if text == CLEAR:
                if column.key == "employer_position":
                    row.values["employer"] = row.values["position"] = CLEAR
                else:
                    row.values[column.key] = CLEAR  # type: ignore[index]
                continue
            try:
                _read_cell(row, column.key, value, today)  # type: ignore[arg-type]
            except ValueError as error:
                row.bad.add(column.key)  # type: ignore[arg-type]
                sheet.problems.append((number, column.header, str(error)))
        sheet.rows.append(row)


def _read_cell(row: RosterRow, key: str, value: object, today: dt.date | None) -> None:
    kind = FIELD_BY_KEY[key].kind
    text = _display(value)
    if kind == "name":
        name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        if _NOT_A_NAME.search(name):
            raise ValueError(f"“{text[:20]}”不像姓名")
        row.values[key] = name
    elif kind == "gender":
        if text not in GENDER_WORDS:
            raise ValueError(f"“{text}”应填 男 或 女")
        row.values[key] = GENDER_WORDS[text]
    elif kind == "party":
        row.values[key] = PARTY_WORDS.get(text, text)
    elif kind == "month":
        row.values[key] = read_month(value, today)
    elif kind == "date":
        row.values[key] = read_date(value)
    elif kind == "mark":
        mark = unicodedata.normalize("NFKC", text).upper()
        if mark in YES_MARKS or text == FIELD_BY_KEY[key].label:
            row.values[key] = True
        elif mark in NO_MARKS:
            row.values[key] = False
        else:
            raise ValueError(f"“{text}”应填 是（或 √）或 否；空白表示不改动")
    elif kind == "phone":
        row.values[key] = _phone(value)
    elif kind == "code":
        code = unicodedata.normalize("NFKC", text).replace(" ", "")
        if not re.fullmatch(r"[A-Za-z0-9-]+", code):
            raise ValueError(f"“{text}”不是编号（编号只能包含字母、数字和连字符）")
        row.values[key] = code
    elif kind == "unit":
        row.values[key] = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    elif kind == "employer_position":
        row.values["employer"], row.values["position"] = split_employer(_text(value))
    else:
        row.values[key] = text


def _phone(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a number typed into Excel: 13800000000.0
    else:
        text = unicodedata.normalize("NFKC", _text(value))
    text = _PHONE_SEPARATORS.sub(" ", text).strip()
    if not re.fullmatch(r"[0-9+\- ]+", text):
        raise ValueError(f"“{text[:30]}”不是电话号码（只能包含数字、空格、+ 和 -，几个号码用 / 或 、 隔开）")
    return text


def roster_sheets(raws: Iterable[RawSheet], remembered: Mapping[str, str] | None = None) -> list[str]:
    """The names of the sheets that look like a roster (a header row is found), in the file's order."""
    return [raw.name for raw in raws if find_header(raw, remembered) is not None]

