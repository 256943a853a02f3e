"""A spreadsheet in the import format → the engine's inputs (Subject, Record), as app/reviews/facts.py makes them
from the database. Pure: no database, no Flask; the rule file says which sheets are read and which kinds exist.

Ids: the engine needs whole numbers. Subjects keep their 编号 when every 编号 of the sheet is a whole number, else
they are numbered 1, 2, 3 … in sheet order (a CSV: in order of first appearance); records keep their 记录编号 on
the same condition, else take their row number; attendance ids are negative, as in the database. So a workbook
written from the database (编号 = the system's numbers) gives the very same facts, and the same content hash.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app import kindfields, scoring
from app.scoring.exact import whole_as_int
from app.scoring.rules import KindSpec
from app.scoring.spelling import suggest
from app.scoring.types import ATTENDANCE_KIND, COLUMN_FIELDS, PARTY_LIFE_KIND, half_end
from app.spreadsheets.columns import (ACTIVITIES, ATTENDANCE, CSV_SHEETS, INDICATORS, MEETING_KINDS, PARTY_LIFE,
                                      RECORD_SHEETS, STATES, SUBJECT_SHEETS, UNIT_SHEETS, Sheet)
from app.spreadsheets.declared import field_name, with_declared
from app.spreadsheets.extent import SheetLimits
from app.spreadsheets.rows import Book, SheetRow, read_book, whole_number_ids
from app.spreadsheets.workbook import LIMITS

#: The member sheet's unit columns and the 单位 类型 each must name.
MEMBER_UNITS = (("sector", "界别活动组"), ("committee", "专门委员会"), ("liaison", "乡镇政协联络处"))
#: Subject attributes when a CSV file gives nothing but 编号 and 姓名.
CSV_DEFAULTS: dict[str, dict[str, scoring.types.AttrValue]] = {
    "members": {"standing": False, "active": True, "sector": "", "party": "", "committee": "", "liaison": "",
                "chair_council": False, "resident_standing": False},
    "units": {"unit_kind": "", "active": True},
    "branches": {"branch_form": "", "active": True},
    "party-members": {"party_status": "正式党员", "branch": "", "active": True},
}
#: The only 状态 that counts, as in the database (only 已核实 records count in an official review).
VERIFIED = STATES[2]
#: Record field ← column key (the same word, except where the engine's field is named otherwise).
FIELD_COLUMNS = {"outcome": "outcome", "level": "level", "instruction_level": "instruction_level",
                 "amount": "amount", "people_helped": "people_helped"}


class SheetError(Exception):
    """The file cannot be scored: `errors` lists every problem as FILE:sheet:row:column: 原因."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class FileFacts:
    """What the engine sees, with the name shown beside each subject (as `Facts`), and notes for the user."""

    subjects: list[scoring.Subject]
    records: list[scoring.Record]
    units: dict[int, str]
    notes: list[str] = field(default_factory=list)


def sheets_for(subject: str, ruleset: scoring.RuleSet | None = None) -> tuple[Sheet, ...]:
    """The sheets read for a rule file's `subject:` (subjects first); the 履职记录 sheet with a column for each
    field `ruleset`'s kinds declare beyond its own."""
    extra = (UNIT_SHEETS[subject],) if subject in UNIT_SHEETS else ()
    records = tuple(_declared(s, ruleset) for s in RECORD_SHEETS[subject])
    return (SUBJECT_SHEETS[subject], *records, *extra)


def csv_sheet_for(ruleset: scoring.RuleSet) -> Sheet:
    """The one sheet a CSV file is read as, for `ruleset`."""
    return _declared(CSV_SHEETS[ruleset.subject], ruleset)


def meeting_types(ruleset: scoring.RuleSet) -> tuple[str, ...]:
    """The meeting types an 出勤 row may name: those the rule file's attendance kind declares (the built-in ones when
    it declares none), and 组织生活."""
    spec = ruleset.kinds.get(ATTENDANCE_KIND)
    field = spec.fields.get("meeting") if spec is not None else None
    declared = field.values if field is not None and field.type == "enum" else MEETING_KINDS
    return tuple(dict.fromkeys((*declared, PARTY_LIFE)))


def _declared(sheet: Sheet, ruleset: scoring.RuleSet | None) -> Sheet:
    if ruleset is None or sheet.name != ACTIVITIES.name:
        return sheet
    return with_declared(sheet, ruleset.kinds.values())


def read_facts(data: bytes, filename: str, ruleset: scoring.RuleSet,
               term: scoring.TermSpan | None = None, limits: SheetLimits = LIMITS) -> FileFacts:
    """Read a workbook or CSV file and turn it into the facts `ruleset` scores: the rows of the rule file's year, and
    with `term` (the 届 the period is in) the rows of the 届's earlier years that a `window: term` count needs.

    :raises SheetError: listing every bad row of every sheet (nothing is scored then), or why the file cannot be
        read (a sheet beyond `limits` …).
    """
    book = read_book(data, filename, sheets_for(ruleset.subject, ruleset), csv_sheet_for(ruleset), limits=limits)
    if not book.found:  # the file itself could not be read
        raise SheetError(book.errors)
    facts = _Builder(book, ruleset, term).build()
    if book.errors:
        raise SheetError(book.errors)
    return facts


@dataclass
class _Entry:
    code: str
    id: int
    name: str
    row: int | None  # its row in the subjects sheet (None: a CSV's subject)
    active: bool = True
    unit_ids: tuple[int, ...] = ()
    attrs: dict[str, scoring.types.AttrValue] = field(default_factory=dict)
    shown_unit: str = ""
    service: dict[str, Any] = field(default_factory=dict)  # a member's joined_on, left_on, left


class _Builder:
    def __init__(self, book: Book, ruleset: scoring.RuleSet, term: scoring.TermSpan | None = None) -> None:
        self.book, self.ruleset, self.subject = book, ruleset, ruleset.subject
        #: the days before the rule file's year whose rows of `term_kinds` are kept (a `window: term` count's)
        self.earlier: tuple[dt.date, dt.date] | None = None
        self.term_kinds = ruleset.term_kinds
        if term is not None and self.term_kinds and term.starts_on.year < ruleset.year:
            self.earlier = (term.starts_on, dt.date(ruleset.year - 1, 12, 31))
        self.subject_sheet = SUBJECT_SHEETS[self.subject]
        self.roster: dict[str, _Entry] = {}
        self.skipped: dict[str, list[int]] = {}
        self.unverified: dict[str, list[int]] = {}
        self.missing_kind: set[tuple[str, str]] = set()
        self.specs = {s.name: s for s in sheets_for(self.subject, ruleset)}
        self.csv_sheet = csv_sheet_for(ruleset)
        self.meetings = meeting_types(ruleset)
        if book.is_csv:
            self.specs[self.csv_sheet.name] = self.csv_sheet

    def error(self, row: SheetRow, key: str, reason: str) -> None:
        """Report `reason` at the row's cell of column `key`."""
        self.book.error(row.sheet, row.number, self.specs[row.sheet].column(key).header, reason)

    # --- subjects ---------------------------------------------------------------------------------------

    def build(self) -> FileFacts:
        if self.book.is_csv:
            self._csv_roster()
        else:
            if self.subject_sheet.name not in self.book.sheets:
                self.book.error(self.subject_sheet.name, None, None, f"工作簿中没有“{self.subject_sheet.name}”表"
                                f"（现有：{'、'.join(self.book.found) or '无'}）")
            self._roster()
        records = self._records()
        for sheet, numbers in self.skipped.items():
            also = "、也不是按届统计要用的本届记录" if self.earlier is not None else ""
            self.book.note(sheet, f"{len(numbers)} 行不在 {self.ruleset.year} 年{also}（第 {_rows(numbers)} 行），未计入")
        for sheet, numbers in self.unverified.items():
            self.book.note(sheet, f"{len(numbers)} 行的状态不是“{VERIFIED}”（第 {_rows(numbers)} 行），未计入")
        entries = sorted(self.roster.values(), key=lambda e: e.id)
        subjects = [scoring.Subject(id=e.id, name=e.name, unit_ids=e.unit_ids, attrs=e.attrs, **e.service)
                    for e in entries if e.active]
        return FileFacts(subjects, sorted(records, key=lambda r: r.id),
                         {e.id: e.shown_unit for e in entries if e.active}, self.book.notes)

    def _unique(self, rows: list[SheetRow], key: str) -> list[SheetRow]:
        """The rows whose `key` is readable and not a repeat of an earlier row's (repeats are errors)."""
        seen: dict[str, int] = {}
        kept = []
        for row in rows:
            value = row[key]
            if value is None:
                continue
            if value in seen:
                self.error(row, key, f"“{value}”与第 {seen[value]} 行重复")
                continue
            seen[value] = row.number
            kept.append(row)
        return kept

    def _numbered(self, rows: list[SheetRow]) -> list[tuple[SheetRow, int]]:
        """A subjects (or units) sheet's rows with their ids: the 编号 if all are whole numbers, else 1, 2, 3 …"""
        rows = self._unique(rows, "code")
        ids = whole_number_ids([r["code"] for r in rows], range(1, len(rows) + 1))
        return list(zip(rows, ids, strict=True))

    def _unit_lookup(self) -> Callable[[SheetRow, str, str | None], int | None]:
        """name → unit id, from the 单位 / 党支部 sheet when the workbook has one, else numbered as they come."""
        sheet = UNIT_SHEETS[self.subject]
        known: dict[str, tuple[int, str]] = {}
        if sheet.name in self.book.sheets:
            for row, unit_id in self._numbered(self.book.sheets[sheet.name]):
                if row["name"] in known:
                    self.error(row, "name", f"名称“{row['name']}”重复")
                elif row["name"] is not None:
                    known[row["name"]] = (unit_id, row["unit_kind"] if "unit_kind" in row.values else "")
            listed = True
        else:
            listed = False

        def lookup(row: SheetRow, key: str, kind: str | None) -> int | None:
            name = row[key]
            if name not in known:
                if listed:
                    self.error(row, key, f"“{name}”不在“{sheet.name}”表中")
                    return None
                known[name] = (len(known) + 1, kind or "")
            unit_id, unit_kind = known[name]
            if listed and kind and unit_kind and unit_kind != kind:
                self.error(row, key, f"“{name}”在“{sheet.name}”表中是{unit_kind}，不是{kind}")
            return unit_id
        return lookup

    def _roster(self) -> None:
        sheet = self.subject_sheet
        rows = self._numbered(self.book.sheets.get(sheet.name, []))
        lookup = self._unit_lookup() if self.subject in UNIT_SHEETS else None
        for row, subject_id in rows:
            v = row.values
            entry = _Entry(v["code"], subject_id, v["name"] or "", row.number)
            if self.subject == "members":
                units = {lookup(row, key, kind) for key, kind in MEMBER_UNITS if v[key]}  # type: ignore[misc]
                entry.unit_ids = tuple(sorted(u for u in units if u is not None))
                serving = v["active"] is not False  # 在职: 否 is one who left, kept (as in the system)
                joined, left_on = v.get("joined_on"), v.get("left_on")
                if joined is not None and left_on is not None and left_on < joined:
                    self.error(row, "left_on", "离任日期早于任职日期")
                entry.service = {"joined_on": joined, "left_on": left_on, "left": not serving or left_on is not None}
                entry.attrs = {"standing": bool(v["standing"]), "active": serving, "sector": v["sector"] or "",
                               "party": v["party"] or "", "committee": v["committee"] or "",
                               "liaison": v["liaison"] or "", "chair_council": bool(v["chair_council"]),
                               "resident_standing": bool(v["resident_standing"])}
                entry.shown_unit = v["sector"] or ""
            elif self.subject == "party-members":
                branch = lookup(row, "branch", None) if v["branch"] else None  # type: ignore[misc]
                entry.unit_ids = (branch,) if branch is not None else ()
                entry.active = v["active"] is not False
                entry.attrs = {"party_status": v["party_status"] or "正式党员", "branch": v["branch"] or "",
                               "active": True}
                entry.shown_unit = v["branch"] or ""
            elif self.subject == "units":
                entry.unit_ids = (subject_id,)
                entry.attrs = {"unit_kind": v["unit_kind"] or "", "active": True}
                entry.shown_unit = v["unit_kind"] or ""
            else:
                entry.unit_ids = (subject_id,)
                entry.attrs = {"branch_form": v["branch_form"] or "", "active": True}
                entry.shown_unit = v["branch_form"] or ""
            self.roster[entry.code] = entry

    def _csv_roster(self) -> None:
        """A CSV's subjects: every 编号 named (对象编号, then 联名), with the 姓名 given; attributes default."""
        sheet = self.csv_sheet
        codes: dict[str, None] = {}  # in order of first appearance
        names: dict[str, tuple[str, int]] = {}
        for row in self.book.sheets.get(sheet.name, []):
            for code in ((row["subject"],) if row["subject"] else ()) + tuple(row["signers"] or ()):
                codes.setdefault(code)
            name, code = row["name"], row["subject"]
            if name and code:
                if code in names and names[code][0] != name:
                    self.error(row, "name", f"与第 {names[code][1]} 行的“{names[code][0]}”不一致")
                else:
                    names.setdefault(code, (name, row.number))
        ids = whole_number_ids(list(codes), range(1, len(codes) + 1))
        for code, subject_id in zip(codes, ids, strict=True):
            own = self.subject in ("units", "branches")
            self.roster[code] = _Entry(code, subject_id, names.get(code, (code, 0))[0], None,
                                       unit_ids=(subject_id,) if own else (), attrs=dict(CSV_DEFAULTS[self.subject]))

    def _entry(self, row: SheetRow) -> _Entry | None:
        code = row["subject"]
        if code is None:
            return None
        entry = self.roster.get(code)
        if entry is None:
            self.error(row, "subject", f"“{code}”不在“{self.subject_sheet.name}”表中")
            return None
        name = row["name"]
        if name and entry.row is not None and entry.name and name != entry.name:
            self.error(row, "name", f"{code} 在“{self.subject_sheet.name}”表中是{entry.name}，不是{name}")
        return entry

    # --- records ----------------------------------------------------------------------------------------

    def _records(self) -> list[scoring.Record]:
        records: list[scoring.Record] = []
        sheets = (self.csv_sheet,) if self.book.is_csv else RECORD_SHEETS[self.subject]
        for sheet in sheets:
            rows = self.book.sheets.get(sheet.name, [])
            if sheet is INDICATORS:
                records += self._indicators(rows)
                continue
            attendance = [r for r in rows if sheet is ATTENDANCE or self._is_attendance(r)]
            marked = {id(r) for r in attendance}
            activities = [r for r in rows if id(r) not in marked]
            for part, sign, make in ((activities, 1, self._activity), (attendance, -1, self._attendance)):
                for row, record_id in self._record_ids(part):
                    record = make(row, sign * record_id)
                    if record is not None:
                        records.append(record)
        return records

    @staticmethod
    def _is_attendance(row: SheetRow) -> bool:
        return any(row[k] is not None or k in row.bad for k in ("meeting", "status"))

    def _record_ids(self, rows: list[SheetRow]) -> list[tuple[SheetRow, int]]:
        """Rows with their record ids: the 记录编号 if all are whole numbers, else the row numbers."""
        seen: dict[str, int] = {}
        for row in rows:
            key = row["record_no"]
            if key is not None:
                if key in seen:
                    self.error(row, "record_no", f"“{key}”与第 {seen[key]} 行重复")
                seen.setdefault(key, row.number)
        ids = whole_number_ids([r["record_no"] for r in rows], [r.number for r in rows])
        return list(zip(rows, ids, strict=True))

    def _in_year(self, row: SheetRow, day: dt.date, kind: str) -> bool:
        """A row of the rule file's year; or of the 届's earlier years, of a kind a `window: term` count needs."""
        if day.year == self.ruleset.year or (self.earlier is not None and self.earlier[0] <= day <= self.earlier[1]
                                             and kind in self.term_kinds):
            return True
        self.skipped.setdefault(row.sheet, []).append(row.number)
        return False

    def _verified(self, row: SheetRow) -> bool:
        """Only 已核实 rows count, as only verified records count in the system; a sheet without a 状态 column is
        taken as verified throughout (a blank 状态 cell is 已提交, as the import reads it)."""
        if "state" not in self.book.columns.get(row.sheet, ()) or row["state"] == VERIFIED:
            return True
        self.unverified.setdefault(row.sheet, []).append(row.number)
        return False

    def _kind(self, row: SheetRow, kind: str) -> KindSpec | None:
        spec = self.ruleset.kinds.get(kind)
        if spec is None:
            guess = suggest(kind, list(self.ruleset.kinds))
            hint = f"，是否想写“{guess[0]}”？" if guess else ""
            self.error(row, "kind", f"“{kind}”不是细则 {self.ruleset.source_name or self.ruleset.name} "
                                    f"声明的记录类型{hint}")
        return spec

    def _check_fields(self, row: SheetRow, spec: KindSpec, fields: dict[str, Any], columns: dict[str, str]) -> bool:
        """Each value the kind declares must be one it allows; as the engine checks, with the cell's position."""
        ok = True
        for name, value in fields.items():
            fspec = spec.fields.get(name)
            if fspec is None:
                continue
            key = columns[name]
            header = self.specs[row.sheet].column(key).header
            if fspec.type == "enum" and value not in fspec.values:
                self.error(row, key, f"“{value}”不是细则为“{spec.name}”声明的取值（可选：{'、'.join(fspec.values)}）")
            elif fspec.type == "number" and not isinstance(value, (Decimal, int)):
                self.error(row, key, f"“{spec.name}”的{header}应为数字")
            elif fspec.type == "integer" and not isinstance(value, int):
                self.error(row, key, f"“{spec.name}”的{header}应为整数")
            else:
                continue
            ok = False
        return ok

    def _activity(self, row: SheetRow, record_id: int) -> scoring.Record | None:
        entry, on, kind = self._entry(row), row["occurred_on"], row["kind"]
        if self.book.is_csv and kind is None and "kind" not in row.bad:
            self.error(row, "kind", "必填，不能为空")
        if entry is None or on is None or kind is None or not self._in_year(row, on, kind) or not self._verified(row):
            return None
        if kind in (ATTENDANCE_KIND, PARTY_LIFE_KIND) and self.subject in ("members", "party-members"):
            where = "填写会议类型和出席情况" if self.book.is_csv else f"填在“{ATTENDANCE.name}”表"
            self.error(row, "kind", f"出勤请{where}")
            return None
        spec = self._kind(row, kind)
        participants: tuple[int, ...] = ()
        if row["signers"]:
            participants = self._signers(row, entry)
        fields = {name: row[key] for name, key in FIELD_COLUMNS.items() if row[key] is not None}
        if "amount" in fields:
            fields["amount"] = whole_as_int(fields["amount"])
        if spec is None or not self._check_fields(row, spec, fields, FIELD_COLUMNS):
            return None
        declared = self._declared_fields(row, spec)
        if declared is None:
            return None
        fields.update(declared)
        return scoring.Record(id=record_id, subject_id=entry.id, kind=kind, occurred_on=on, fields=fields,
                              participants=participants, work_id=row["work_key"] or None)

    def _declared_fields(self, row: SheetRow, spec: KindSpec) -> dict[str, Any] | None:
        """The row's values in the declared fields' columns, read by the kind's own declaration (None: a problem,
        reported at its cell). A value in a column the kind does not declare is a problem too."""
        fields: dict[str, Any] = {}
        ok = True
        for key, raw in row.values.items():
            name = field_name(key)
            if name is None or raw is None:
                continue
            fspec = spec.fields.get(name)
            if fspec is None or name in COLUMN_FIELDS:
                self.error(row, key, f"细则没有为“{spec.name}”声明这一项，请留空")
                ok = False
                continue
            try:
                value = kindfields.value(kindfields.parse(fspec, raw))
            except ValueError as problem:
                self.error(row, key, str(problem))
                ok = False
                continue
            if value is not None and value != "":
                fields[name] = value
        return fields if ok else None

    def _signers(self, row: SheetRow, entry: _Entry) -> tuple[int, ...]:
        """The first proposer (the row's subject), then the other signers in the order written."""
        if self.subject != "members":
            self.error(row, "signers", "只有委员的履职记录可以联名")
            return ()
        people = [entry.id]
        for code in row["signers"]:
            other = self.roster.get(code)
            if other is None:
                self.error(row, "signers", f"“{code}”不在“{self.subject_sheet.name}”表中")
            elif other.id in people:
                self.error(row, "signers", f"“{code}”重复（对象编号本人是第一提案人，不必再写）"
                           if other is entry else f"“{code}”重复")
            else:
                people.append(other.id)
        return tuple(people)

    def _attendance(self, row: SheetRow, record_id: int) -> scoring.Record | None:
        if self.book.is_csv:
            for key in ("meeting", "status"):
                if row[key] is None and key not in row.bad:
                    self.error(row, key, "出勤行必须填写")
            if row["kind"] not in (None, ATTENDANCE_KIND, PARTY_LIFE_KIND):
                self.error(row, "kind", "出勤行的类型应空着（填了会议类型或出席情况的行是出勤）")
                return None
        entry, on, meeting, status = self._entry(row), row["occurred_on"], row["meeting"], row["status"]
        if meeting is not None and meeting not in self.meetings:
            self.error(row, "meeting", f"“{meeting}”不是可选的值（可选：{'、'.join(self.meetings)}）")
            return None
        kind = PARTY_LIFE_KIND if self.subject == "party-members" else ATTENDANCE_KIND
        if entry is None or on is None or meeting is None or status is None or not self._in_year(row, on, kind):
            return None
        if self.subject == "party-members":
            if meeting != PARTY_LIFE:
                self.error(row, "meeting", f"党员只记{PARTY_LIFE}的出勤，不记“{meeting}”")
                return None
        else:
            if meeting == PARTY_LIFE:
                self.error(row, "meeting", f"{PARTY_LIFE}是党员的出勤，委员的出勤不记{PARTY_LIFE}")
                return None
        spec = self.ruleset.kinds.get(kind)
        if spec is None:
            if (row.sheet, kind) not in self.missing_kind:
                self.missing_kind.add((row.sheet, kind))
                self.error(row, "meeting", f"细则没有声明“{kind}”类型，出勤无法计分")
            return None
        fields = {"meeting": meeting, "status": status}
        if not self._check_fields(row, spec, fields, {"meeting": "meeting", "status": "status"}):
            return None
        return scoring.Record(id=record_id, subject_id=entry.id, kind=kind, occurred_on=on, fields=fields)

    def _indicators(self, rows: list[SheetRow]) -> list[scoring.Record]:
        """A branch's 比实绩 indicators, one record each, dated at the end of their half-year."""
        records = []
        seen: dict[tuple[str, str, str], int] = {}
        for row, record_id in self._record_ids(rows):
            entry, period, kind = self._entry(row), row["period"], row["kind"]
            if entry is None or period is None or kind is None or not self._in_year(row, half_end(period), kind) \
                    or not self._verified(row):
                continue
            key = (entry.code, period, kind)
            if key in seen:
                self.error(row, "kind", f"第 {seen[key]} 行已填过 {entry.code} {period} 的“{kind}”")
                continue
            seen[key] = row.number
            spec = self._kind(row, kind)
            number, grade = row["number"], row["grade"]
            if spec is None or "number" in row.bad:
                continue
            if number is not None and grade is not None:
                self.error(row, "grade", "数值和等级只填一项")
                continue
            fspec = spec.fields.get("value")
            if fspec is not None and fspec.type == "enum" and number is not None:
                self.error(row, "number", f"“{kind}”是等级指标，请在“等级”列填写（可选：{'、'.join(fspec.values)}）")
                continue
            if fspec is not None and fspec.type != "enum" and grade is not None:
                self.error(row, "grade", f"“{kind}”是数值指标，请在“数值”列填写")
                continue
            value: Any = grade if grade is not None else whole_as_int(number)
            fields = {} if value is None else {"value": value}
            if not self._check_fields(row, spec, fields, {"value": "grade" if grade is not None else "number"}):
                continue
            records.append(scoring.Record(id=record_id, subject_id=entry.id, kind=kind,
                                          occurred_on=half_end(period), fields=fields))
        return records


def _rows(numbers: list[int]) -> str:
    """Row numbers as a note shows them: the first ten, then 等."""
    return "、".join(map(str, numbers[:10])) + (" 等" if len(numbers) > 10 else "")
