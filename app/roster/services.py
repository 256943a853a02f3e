"""Importing the office's own roster into the current 届: read it (app/spreadsheets/roster.py), tell who each row is
(app/roster/matching.py), plan 新增 / 修改 / 不变 with every change, and unless a dry run, a problem, an unplaced
column or an open question: write the units the office agreed to create, the members, an audit entry per member
and one for the import. All or nothing. Flush, never commit.

What a row may change: a filled cell sets its field; a blank cell (or “/”, “—”, “无”) leaves the stored value as it
is; 清空 erases it (not 姓名, 性别 or 界别, which every member has). A new member needs 姓名, 性别 and 界别, and gets
the next member code unless the file gives one.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit, unit_history
from app.extensions import db
from app.imports.base import ADDED, CHANGED, SAME, Outcome, Planned, Progress, one_at_a_time
from app.imports.datasets import DATASETS
from app.models import Gender, Member, Term, Unit, UnitKind, User
from app.pinyin import search_key
from app.roster import mapping as remembered_mapping
from app.roster.matching import ANSWER_LABELS, NEW, SKIP_ROW, Decision, Person, Row, decide, next_codes
from app.sheetlimits import sheet_limits
from app.spreadsheets.roster import (CLEAR, FIELD_BY_KEY, SKIP, RosterColumn, RosterRow, RosterSheet, header_key,
                                     phone_numbers, read_roster, roster_sheets)
from app.spreadsheets.rows import Book
from app.spreadsheets.workbook import ANY_SUFFIXES, FileError, RawSheet, read_sheets
from app.timeutil import beijing_today, utcnow

CSV_SHEET = "名册"  # a CSV file's one sheet, in positions and the error workbook
UNIT_FIELDS = {"sector": UnitKind.SECTOR_GROUP, "committee": UnitKind.COMMITTEE, "liaison": UnitKind.LIAISON_OFFICE}
UNIT_CODES = {UnitKind.SECTOR_GROUP: ("JB", 2), UnitKind.COMMITTEE: ("ZW", 2), UnitKind.LIAISON_OFFICE: ("LL", 2)}
# endings a roster may leave off (or add) a unit's name: 城关镇 is 城关镇联络处, 提案委 is 提案委员会
UNIT_ENDINGS = {UnitKind.COMMITTEE: ("专门委员会", "委员会", "专委会", "委"),
                UnitKind.SECTOR_GROUP: ("界别活动组", "活动组", "界别"),
                UnitKind.LIAISON_OFFICE: ("政协工作联络处", "政协联络处", "工作联络处", "联络处", "联络组", "活动组")}
ATTRS = {"sector": "sector_id", "committee": "committee_id", "liaison": "liaison_id", "standing": "is_standing",
         "chair_council": "is_chair_council", "resident_standing": "is_resident_standing"}
KEYS = {attr: key for key, attr in ATTRS.items()}
AUDITED = ("name", "gender", "ethnicity", "birth_month", "party", "sector_id", "committee_id", "liaison_id",
           "employer", "position", "phone", "is_standing", "is_chair_council", "is_resident_standing", "joined_on",
           "left_on", "note")
REQUIRED = ("name", "gender", "sector")  # every member has them: a new one needs them, 清空 may not erase them
CLEARED: dict[str, Any] = {"joined_on": None, "left_on": None, "committee_id": None, "liaison_id": None,
                           "is_standing": False, "is_chair_council": False, "is_resident_standing": False}
GENDER = {g.label: g for g in Gender}
PROGRESS_ROWS = 200


@dataclass
class Options:
    """What the office decided for one file: the sheet (None: the first that looks like a roster), column choices
    over the remembered ones (header → field key or SKIP), answers to questions (row → member code, NEW or
    SKIP_ROW), and whether to create the units the file names that the system lacks."""

    sheet: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)
    create_units: bool = False


@dataclass
class Question:
    """A row the office must settle: which existing member it is, a new one, or not imported."""

    row: int
    name: str
    about: str                          # what the row says of the person
    reason: str
    candidates: list[tuple[str, str]]   # (member code, how the office recognises them)
    answer: str | None = None           # the code, NEW or SKIP_ROW; None: still open

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [*self.candidates, (NEW, ANSWER_LABELS[NEW]), (SKIP_ROW, ANSWER_LABELS[SKIP_ROW])]


@dataclass
class NewUnit:
    """A 界别, 专委会 or 联络处 the file names and the system lacks (created only when the office agrees)."""

    kind: UnitKind
    name: str
    rows: list[int] = field(default_factory=list)
    code: str = ""


@dataclass
class RosterOutcome(Outcome):
    """The result of reading, checking and (unless a dry run or a problem) writing one roster."""

    sheet: str = ""                     # the sheet read (as named in the file; CSV_SHEET for a CSV file)
    sheets: list[str] = field(default_factory=list)  # the file's sheets that look like a roster
    header_row: int | None = None
    columns: list[RosterColumn] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    new_units: list[NewUnit] = field(default_factory=list)
    changes: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)  # row → (列, 原值, 新值)
    term: str = ""
    mapping: dict[str, str] = field(default_factory=dict)  # the column choices in force (remembered and given)
    is_csv: bool = False

    @property
    def unplaced(self) -> list[RosterColumn]:
        return [c for c in self.columns if c.how in ("unplaced", "conflict")]

    @property
    def open_questions(self) -> list[Question]:
        return [q for q in self.questions if q.answer is None]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unplaced and not self.open_questions

    def summary(self) -> str:
        if self.unplaced and not self.problems:
            return f"{len(self.unplaced)} 列无法识别，整个文件未导入"
        if self.open_questions and not self.problems:
            return f"{len(self.open_questions)} 行需要确认是哪一位委员，整个文件未导入"
        text = super().summary()
        if self.ok and self.new_units:
            text += f";{'将' if self.dry_run else ''}新建单位 {len(self.new_units)} 个"
        return text


def fingerprint(token: str, sheet: str | None, choices: Mapping[str, str], answers: Mapping[int, str]) -> str:
    """What a dry run was made of (the file, the sheet asked for, the column choices, the answers): a confirmation
    that differs was not looked at, and is shown again instead of written."""
    made = [token, sheet or "", sorted(choices.items()), sorted((str(k), v) for k, v in answers.items())]
    return hashlib.sha256(json.dumps(made, ensure_ascii=False).encode()).hexdigest()[:32]


def current_term() -> Term | None:
    """The current 届: the latest one not closed (换届 closes a 届)."""
    return db.session.scalar(sa.select(Term).where(Term.closed_at.is_(None)).order_by(Term.number.desc()).limit(1))


def read_file(data: bytes, filename: str) -> tuple[list[RawSheet], FileError | None]:
    """The file's sheets, each read once into memory (a roster is small), or why it cannot be read."""
    try:
        raws = read_sheets(data, filename, ANY_SUFFIXES, sheet_limits())
    except FileError as error:
        return [], error
    if len(raws) == 1 and raws[0].name == "":
        raw = raws[0]
        return [RawSheet(CSV_SHEET, list(raw.rows), raw.merged, raw.height)], None
    return [RawSheet(s.name, list(s.rows), s.merged, s.height) for s in raws], None


def choose_sheet(raws: list[RawSheet], wanted: str | None,
                 choices: Mapping[str, str]) -> tuple[RawSheet | None, list[str]]:
    """The sheet to read (the one asked for, else the first that looks like a roster, else the first), and the names
    of those that look like a roster."""
    looking = roster_sheets(raws, choices)
    if wanted:
        return next((r for r in raws if r.name == wanted.strip()), None), looking
    return next((r for r in raws if r.name in looking), raws[0] if raws else None), looking


def row_count(data: bytes, filename: str) -> int:
    """The rows of a file, as its sheets' last row numbers say (0 if it cannot be read: the import says why)."""
    try:
        return sum(sheet.height for sheet in read_sheets(data, filename, ANY_SUFFIXES, sheet_limits()))
    except FileError:
        return 0


def columns_of(data: bytes, filename: str,
               wanted: str | None) -> tuple[RosterSheet | None, list[str], FileError | None]:
    """The sheet the columns screen shows (read with the remembered choices), the sheets that look like a roster,
    and why the file cannot be read (None when it can)."""
    raws, unreadable = read_file(data, filename)
    if unreadable:
        return None, [], unreadable
    choices = remembered_mapping.remembered()
    raw, looking = choose_sheet(raws, wanted, choices)
    if raw is None:
        return None, looking, None
    return read_roster(raw, choices, beijing_today()), looking, None


def check_columns(sheet: RosterSheet, chosen: Mapping[int, str]) -> dict[int, str]:
    """The office's choice for each column (column index → field key or SKIP; "" not chosen): column → what is
    wrong with it. Every column is chosen, no field twice (工作单位及职务 fills 工作单位 and 职务), 姓名 once."""
    errors: dict[int, str] = {}
    taken: dict[str, list[int]] = {}
    for index, key in chosen.items():
        if key not in remembered_mapping.CHOICES:
            errors[index] = "请选择这一列对应的字段，或选“不导入”"
        elif key != SKIP:
            taken.setdefault(key, []).append(index)
    if "employer_position" in taken:
        for key in ("employer", "position"):
            taken["employer_position"] += taken.pop(key, [])
    labels = {c.index: c.header for c in sheet.columns}
    for indexes in taken.values():
        if len(indexes) > 1:
            for index in indexes:
                others = "、".join(f"“{labels[i]}”" for i in indexes if i != index)
                errors[index] = f"与{others}对应到同一字段：只能保留一列，其余选“不导入”"
    if "name" not in taken and not errors:
        for index in chosen:
            errors[index] = "须有一列对应“姓名”"
            break
    return errors


def run_roster(data: bytes, filename: str, user: User | None, dry_run: bool, options: Options | None = None,
               progress: Progress | None = None) -> RosterOutcome:
    """Read, check and, unless a dry run or anything unsettled, write one roster. The caller commits or rolls back."""
    options = options or Options()
    file = filename.replace("\\", "/").rsplit("/", 1)[-1]
    book = Book(file)
    outcome = RosterOutcome("roster", file, dry_run)
    choices = remembered_mapping.remembered() | {header_key(k): v for k, v in options.mapping.items()}
    outcome.mapping = choices
    raws, unreadable = read_file(data, filename)
    if unreadable:
        book.error(unreadable.sheet, None, None, str(unreadable))
        return _finish(outcome, book)
    outcome.is_csv = raws[0].name == CSV_SHEET and filename.lower().endswith(".csv")
    book.found = [r.name for r in raws]
    raw, outcome.sheets = choose_sheet(raws, options.sheet, choices)
    if raw is None:
        book.error("", None, None, f"工作簿中没有“{options.sheet}”表（现有：{'、'.join(book.found) or '无'}）")
        return _finish(outcome, book)
    outcome.sheet = raw.name
    others = [name for name in outcome.sheets if name != raw.name]
    if others:
        book.note(raw.name, f"工作表“{'、'.join(others)}”也像名册，这次只读了“{raw.name}”；另外的表请另行导入（选择工作表）")
    sheet = read_roster(raw, choices, beijing_today())
    outcome.header_row, outcome.columns = sheet.header_row, sheet.columns
    for row, header, reason in sheet.problems:
        book.error(raw.name, row, header, reason)
    for text in sheet.notes:
        book.note(raw.name, text)
    term = current_term()
    if term is None:
        book.error("", None, None, "系统中还没有当前的届：请先由系统管理员建立本届（届次、起止日期），再导入名册")
    else:
        outcome.term = term.name
    if sheet.header_row is not None and sheet.header_of("name") is None and not outcome.unplaced:
        book.error(raw.name, sheet.header_row, None, "没有导入“姓名”列：请在列的对应中把姓名所在的列设为“姓名”")
    if not dry_run:
        one_at_a_time(DATASETS["members"])  # a roster and a members import never run at once
    _Planner(book, sheet, term, user, options, outcome, progress).run(dry_run)
    return _finish(outcome, book)


def _finish(outcome: RosterOutcome, book: Book) -> RosterOutcome:
    outcome.problems = book.problems
    outcome.notes = list(book.notes)
    return outcome


@dataclass
class _Plan:
    """One row's outcome: the member (None: new) and the attribute values to store."""

    row: RosterRow
    member: Member | None
    code: str
    values: dict[str, Any]
    changed: list[str]


class _Units:
    """The 界别, 专委会 and 联络处 a file names, found by name (or by name without its usual ending, when that names
    exactly one), or listed to be created."""

    def __init__(self, book: Book, sheet: RosterSheet, create: bool) -> None:
        self.book, self.sheet, self.create = book, sheet, create
        units = db.session.scalars(sa.select(Unit).where(Unit.kind.in_(list(UNIT_FIELDS.values())))
                                   .order_by(Unit.sort_order, Unit.id)).all()
        self.active = {(u.kind, u.name): u for u in units if u.active}
        self.inactive = {(u.kind, u.name) for u in units if not u.active}
        self.kind_of: dict[str, UnitKind] = {}
        for u in units:
            if u.active:
                self.kind_of.setdefault(u.name, u.kind)
        self.cores: dict[tuple[UnitKind, str], list[Unit]] = {}
        for u in units:
            if u.active:
                self.cores.setdefault((u.kind, self.core(u.kind, u.name)), []).append(u)
        self.endings = {kind: self.shared_ending(kind, [u.name for u in units if u.kind == kind and u.active])
                        for kind in UNIT_FIELDS.values()}
        self.new: dict[tuple[UnitKind, str], NewUnit] = {}  # (kind, the name it gets) → the unit to create
        self.renamed: set[tuple[UnitKind, str]] = set()
        self.matched: dict[tuple[UnitKind, str], Unit] = {}
        self.limit = sa.inspect(Unit).columns["name"].type.length

    @staticmethod
    def shared_ending(kind: UnitKind, names: list[str]) -> str:
        """The usual ending every unit of a kind has (城关镇联络处, 大源镇联络处: 联络处), "" when they differ."""
        return next((e for e in UNIT_ENDINGS[kind] if names and all(n.endswith(e) for n in names)), "")

    @staticmethod
    def core(kind: UnitKind, name: str) -> str:
        name = name.removeprefix("县政协").removeprefix("政协")
        for ending in UNIT_ENDINGS[kind]:
            if name.endswith(ending) and len(name) > len(ending):
                return name[: -len(ending)]
        return name

    def find(self, key: str, name: str, row: int) -> Unit | NewUnit | None:
        """The unit `name` in the column `key`; None after reporting a problem."""
        kind = UNIT_FIELDS[key]
        header = self.sheet.header_of(key)
        found = self.active.get((kind, name))
        if found is not None:
            return found
        cores = self.cores.get((kind, self.core(kind, name)), [])
        if len(cores) == 1:
            self.matched.setdefault((kind, name), cores[0])
            return cores[0]
        if (kind, name) in self.inactive:
            self.book.error(self.sheet.name, row, header, f"{kind.label}“{name}”已停用：请先在单位管理中启用，或改填其他单位")
            return None
        if self.kind_of.get(name) not in (None, kind):
            self.book.error(self.sheet.name, row, header,
                            f"“{name}”是{self.kind_of[name].label}，不是{kind.label}：是否填错了列？")
            return None
        ending = self.endings[kind]
        full = name if not ending or any(name.endswith(e) for e in UNIT_ENDINGS[kind]) else name + ending
        if len(full) > self.limit:
            self.book.error(self.sheet.name, row, header, f"“{name[:20]}…”太长（单位名称至多 {self.limit} 字）")
            return None
        unit = self.new.get((kind, full))
        if unit is None:
            unit = self.new[(kind, full)] = NewUnit(kind, full)
        if full != name and (kind, name) not in self.renamed:
            self.renamed.add((kind, name))
            self.book.note(self.sheet.name, f"{kind.label}“{name}”将新建为“{full}”（与系统中其他{kind.label}的名称一致）")
        unit.rows.append(row)
        return unit

    def report_unknown(self) -> None:
        """Without the office's consent to create them, each unknown unit is a problem (at its first row)."""
        for unit in self.new.values():
            rows = "、".join(map(str, unit.rows[:10])) + ("……" if len(unit.rows) > 10 else "")
            self.book.error(self.sheet.name, unit.rows[0], self.sheet.header_of(_key_of(unit.kind)),
                            f"系统中没有{unit.kind.label}“{unit.name}”（第 {rows} 行）：确认新建这个单位，"
                            f"或改为系统中已有的名称")


def _key_of(kind: UnitKind) -> str:
    return next(k for k, v in UNIT_FIELDS.items() if v == kind)


class _Planner:
    """Checks every row of one roster and plans it; writes the plan when nothing is unsettled."""

    def __init__(self, book: Book, sheet: RosterSheet, term: Term | None, user: User | None, options: Options,
                 outcome: RosterOutcome, progress: Progress | None) -> None:
        self.book, self.sheet, self.term, self.user = book, sheet, term, user
        self.options, self.outcome, self.progress = options, outcome, progress
        self.units = _Units(book, sheet, options.create_units)
        self.limits = {c.key: c.type.length for c in sa.inspect(Member).columns if getattr(c.type, "length", None)}
        self.now = utcnow()

    def error(self, row: int, key: str | None, reason: str) -> None:
        self.book.error(self.sheet.name, row, self.sheet.header_of(key) if key else None, reason)

    # --- checking ---------------------------------------------------------------------------------------------

    def run(self, dry_run: bool) -> None:
        rows = self.sheet.rows
        if self.progress is not None:
            self.progress(0, len(rows), "正在检查")
        members = list(db.session.scalars(sa.select(Member).options(
            selectinload(Member.sector), selectinload(Member.committee), selectinload(Member.liaison),
            selectinload(Member.term)).order_by(Member.id)))
        by_code = {m.code: m for m in members}
        current = [m for m in members if self.term is not None and m.term_id == self.term.id]
        who = self.identify(rows, by_code, current)
        plans: list[_Plan] = []
        new_rows: list[RosterRow] = []
        for i, row in enumerate(rows, start=1):
            if self.progress is not None and i % PROGRESS_ROWS == 0:
                self.progress(i, len(rows), "正在检查")
            found = who.get(row.number)
            if found is None or row.bad:
                continue
            member, code = found
            values = self.values(row, member)
            if values is None:
                continue
            plans.append(_Plan(row, member, code, values, []))
            if member is None and not code:
                new_rows.append(row)
        codes = iter(next_codes(by_code, len(new_rows),
                                taken=[r.values["code"] for r in rows if isinstance(r.values.get("code"), str)]))
        for plan in plans:
            if plan.member is None and not plan.code:
                plan.code = next(codes)
            self.plan(plan)
        self.outcome.new_units = list(self.units.new.values())
        if self.units.new and not self.options.create_units:
            self.units.report_unknown()
        if self.units.new and self.options.create_units and self.cppcc() is None:
            self.book.error("", None, None, "系统中还没有“政协委员会”单位，无法新建界别、专委会、联络处："
                                            "请先由系统管理员在单位管理中添加本县政协")
        for (kind, name), unit in sorted(self.units.matched.items(), key=lambda kv: kv[1].id):
            self.book.note(self.sheet.name, f"{kind.label}“{name}”即系统中的“{unit.name}”")
        if not self.outcome.ok or dry_run or self.book.has_errors:
            return
        self.write(plans)
        if self.progress is not None:
            self.progress(len(rows), len(rows), "正在保存")

    def identify(self, rows: list[RosterRow], by_code: dict[str, Member],
                 current: list[Member]) -> dict[int, tuple[Member | None, str]]:
        """Row → (the member it is, or None for a new one; the code the file gives it). Rows with a problem, a
        question or the office's 不导入 are left out."""
        found: dict[int, tuple[Member | None, str]] = {}
        people = {m.id: _person(m) for m in current}
        seen_codes: dict[str, int] = {}
        claimed: dict[int, int] = {}  # member id → the row that is them
        plain: list[RosterRow] = []
        for row in rows:
            code = row.values.get("code")
            if "name" not in row.values or row.values["name"] == CLEAR:
                if row.values.get("name") == CLEAR:
                    self.error(row.number, "name", "姓名不能清空")
                continue
            if code is None:
                plain.append(row)
                continue
            if code == CLEAR:
                self.error(row.number, "code", "委员编号不能清空")
                continue
            if len(code) > self.limits["code"]:
                self.error(row.number, "code", f"编号“{code[:20]}…”太长（至多 {self.limits['code']} 个字符）")
                continue
            if code in seen_codes:
                self.error(row.number, "code", f"编号“{code}”与第 {seen_codes[code]} 行重复")
                continue
            seen_codes[code] = row.number
            member = by_code.get(code)
            if member is not None and (self.term is None or member.term_id != self.term.id):
                self.error(row.number, "code", f"编号“{code}”是{member.term.name}的委员 {member.name}，不在当前的届")
                continue
            if member is None:
                twin = self.twin(row, people.values())
                if twin is not None:
                    self.error(row.number, "code", f"编号“{code}”在系统中没有，但系统中的 {twin.label} 电话或出生年月与"
                                                   f"这一行相同：如果是同一人，请填 {twin.code}；如果文件的编号是另一套"
                                                   f"编号，请把这一列设为“不导入”")
                    continue
            else:
                claimed[member.id] = row.number
            found[row.number] = (member, code)
        decisions = decide([_row(r) for r in plain], people.values(), self.options.answers)
        members = {m.id: m for m in current}
        by_number = {r.number: r for r in plain}
        for decision in decisions:
            number = decision.row.number
            if decision.question:
                self.ask(decision, by_number[number])
            if decision.is_question:
                continue
            if decision.choice == SKIP_ROW:
                self.book.note(self.sheet.name, f"第 {number} 行“{decision.row.name}”按您的选择不导入")
                continue
            person = decision.person
            if person is not None:
                if person.id in claimed:
                    self.error(number, "name", f"这一行和第 {claimed[person.id]} 行都是 {person.code} {person.name}："
                                               f"同一位委员只能有一行")
                    continue
                claimed[person.id] = number
            found[number] = (members[person.id] if person is not None else None, "")
        return found

    @staticmethod
    def twin(row: RosterRow, people: Iterable[Person]) -> Person | None:
        """The one member of the row's name whose phone or birth month is the row's, if there is exactly one."""
        mine = _row(row)
        same = [p for p in people if p.name == mine.name and (
            (mine.phones and mine.phones & p.phones) or (mine.birth_month and mine.birth_month == p.birth_month))]
        return same[0] if len(same) == 1 else None

    def ask(self, decision: Decision, row: RosterRow) -> None:
        values = row.values
        about = [f"{FIELD_BY_KEY[k].label} {values[k]}" for k in ("birth_month", "phone", "sector", "employer")
                 if isinstance(values.get(k), str) and values[k] != CLEAR]
        answer = None
        if decision.answered:
            answer = decision.person.code if decision.person is not None else decision.choice
        self.outcome.questions.append(Question(
            row.number, decision.row.name, "；".join(about) or "（只有姓名）", decision.question,
            [(p.code, p.label) for p in decision.candidates], answer))

    def values(self, row: RosterRow, member: Member | None) -> dict[str, Any] | None:
        """The attributes the row stores (only those it fills or clears); None after reporting its problems."""
        out: dict[str, Any] = {}
        ok = True
        for key, value in row.values.items():
            if key == "code":
                continue
            attr = ATTRS.get(key, key)
            if value == CLEAR:
                if key in REQUIRED:
                    self.error(row.number, key, f"{FIELD_BY_KEY[key].label}不能清空")
                    ok = False
                else:
                    out[attr] = CLEARED.get(attr, "")
                continue
            if key in UNIT_FIELDS:
                unit = self.units.find(key, value, row.number)
                ok = ok and unit is not None
                out[attr] = unit
            elif key == "gender":
                out[attr] = GENDER[value]
            else:
                out[attr] = value
        if member is None:
            for key in REQUIRED:
                if ATTRS.get(key, key) not in out:
                    header = self.sheet.header_of(key)
                    label = FIELD_BY_KEY[key].label
                    self.error(row.number, key if header else None,
                               f"新委员须填写{label}" if header else f"新委员须有{label}：文件中没有“{label}”列")
                    ok = False
        joined = out.get("joined_on", member.joined_on if member is not None else None)
        left = out.get("left_on", member.left_on if member is not None else None)
        if joined is not None and left is not None and left < joined:
            self.error(row.number, "left_on" if "left_on" in out else "joined_on",
                       f"离任日期 {left.isoformat()} 早于任职日期 {joined.isoformat()}")
            ok = False
        for attr, value in out.items():
            limit = self.limits.get(attr)
            if limit is not None and isinstance(value, str) and len(value) > limit:
                self.error(row.number, KEYS.get(attr, attr), f"“{value[:20]}…”太长（至多 {limit} 字）")
                ok = False
        return out if ok else None

    def plan(self, plan: _Plan) -> None:
        if plan.member is None:
            details = [(self.label(attr), "", _text(value)) for attr, value in plan.values.items()
                       if _text(value) != ""]
            self.outcome.planned.append(Planned(self.sheet.name, plan.row.number, ADDED,
                                                f"{plan.code} {plan.values['name']}"))
            self.outcome.changes[plan.row.number] = details
            return
        what = f"{plan.member.code} {plan.values.get('name') or plan.member.name}"
        details = []
        for attr, value in plan.values.items():
            before, after = _text(getattr(plan.member, attr.removesuffix("_id") if attr.endswith("_id") else attr)), \
                _text(value)
            if before != after:
                details.append((self.label(attr), before, after))
                plan.changed.append(attr)
        if not details:
            self.outcome.planned.append(Planned(self.sheet.name, plan.row.number, SAME, what))
            return
        self.outcome.planned.append(Planned(self.sheet.name, plan.row.number, CHANGED, what,
                                            tuple(label for label, _b, _a in details)))
        self.outcome.changes[plan.row.number] = details

    @staticmethod
    def label(attr: str) -> str:
        return FIELD_BY_KEY[KEYS.get(attr, attr)].label

    # --- writing ------------------------------------------------------------------------------------------------

    def cppcc(self) -> Unit | None:
        return db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.CPPCC, Unit.active)
                                 .order_by(Unit.sort_order, Unit.id).limit(1))

    def write(self, plans: list[_Plan]) -> None:
        created = self.create_units()
        written: list[tuple[Member, dict[str, Any], bool]] = []
        moved: list[tuple[Member, dict[str, int | None]]] = []
        for plan in plans:
            if plan.member is not None and not plan.changed:
                continue
            member = plan.member
            before = {} if member is None else audit.snapshot(member, AUDITED)
            units_before = None if member is None else unit_history.units_of(member)
            if member is None:
                assert self.term is not None  # no current 届 is a problem: nothing is written
                member = Member(code=plan.code, term_id=self.term.id, party="", employer="", position="", phone="",
                                ethnicity="", birth_month="", note="", is_standing=False, is_chair_council=False,
                                is_resident_standing=False, active=True)
                db.session.add(member)
            for attr, value in plan.values.items():
                if isinstance(value, NewUnit):
                    value = created[id(value)]
                setattr(member, attr, value.id if isinstance(value, Unit) else value)
            member.search_key = search_key(member.name)
            written.append((member, before, plan.member is None))
            if units_before is not None:
                moved.append((member, units_before))
        db.session.flush()
        for member, units_before in moved:  # a move the file shows takes effect the day it is imported
            unit_history.record(member, units_before, beijing_today(), self.user)
        for member, before, is_new in written:
            changes = audit.diff(before, audit.snapshot(member, AUDITED))
            audit.record(self.user, "create" if is_new else "update", "member", member.id, changes,
                         reason=self.book.file, at=self.now)
        counts = self.outcome.counts
        audit.record(self.user, "import", "member", None,
                     {"file": (None, self.book.file), "added": (None, counts[ADDED]),
                      "changed": (None, counts[CHANGED]), "units": (None, len(created))}, at=self.now)
        db.session.flush()
        self.outcome.written = True

    def create_units(self) -> dict[int, Unit]:
        """The new units, under the 政协, each kind's codes continuing its own (JB13 after JB12)."""
        if not self.units.new:
            return {}
        parent = self.cppcc()
        codes = list(db.session.scalars(sa.select(Unit.code)))
        created: dict[int, Unit] = {}  # id of its NewUnit → the unit
        for kind in UNIT_CODES:
            wanted = [u for u in self.units.new.values() if u.kind == kind]
            if not wanted:
                continue
            own = db.session.scalars(sa.select(Unit.code).where(Unit.kind == kind)).all()
            order = db.session.scalar(sa.select(sa.func.max(Unit.sort_order)).where(Unit.kind == kind)) or 0
            for new, code in zip(wanted, next_codes(own, len(wanted), taken=codes, default=UNIT_CODES[kind]),
                                 strict=True):
                codes.append(code)
                order += 1
                unit = Unit(code=code, name=new.name, kind=kind, parent_id=parent.id if parent else None,
                            sort_order=order, active=True)
                new.code = code
                db.session.add(unit)
                created[id(new)] = unit
        db.session.flush()
        for unit in created.values():
            audit.record(self.user, "create", "unit", unit.id,
                         {"code": (None, unit.code), "name": (None, unit.name), "kind": (None, unit.kind)},
                         reason=self.book.file, at=self.now)
        return created


def _text(value: Any) -> str:
    if isinstance(value, (Unit, NewUnit)):
        return value.name
    return audit.as_text(value)


def _person(member: Member) -> Person:
    parts = [member.sector.name if member.sector else "", member.birth_month, member.phone, member.employer]
    return Person(member.id, member.code, member.name, phone_numbers(member.phone or ""), member.birth_month or "",
                  " · ".join([f"{member.code} {member.name}", *(p for p in parts if p)]))


def _row(row: RosterRow) -> Row:
    phone = row.values.get("phone")
    birth = row.values.get("birth_month")
    return Row(row.number, row.values["name"], phone_numbers(phone) if phone and phone != CLEAR else frozenset(),
               birth if birth and birth != CLEAR else "")


__all__ = ["CSV_SHEET", "NEW", "SKIP", "SKIP_ROW", "NewUnit", "Options", "Question", "RosterOutcome", "current_term",
           "fingerprint", "run_roster"]
