"""Importing 履职记录 (四个一 records of members and units, party members' 比贡献 records).

A row is matched to a record already in the system by its 记录编号 (the system's number, as an export writes it),
or else by its natural key: the same subject, type, date and title — the rule the entry form uses to refuse a
duplicate. So importing a file twice adds nothing the second time. New rows are inserted in bulk (a 100,000-row
file is one statement per 5,000 rows), each with an audit row naming the file.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from app import audit, kindfields
from app.activities import services as activities
from app.auth.scope import clause, units_below
from app.extensions import db
from app.i18n import N_
from app.imports.base import (ADDED, CHANGED, SAME, STATE_BY_LABEL, Context, Dataset, Planned, _limits, bulk_insert,
                              chunks, id_in, inserting)
from app.models import (Activity, ActivityParticipant, Category, Member, PartyMember, RecordState, Role,
                        Unit, User)
from app.scoring.rules import KindSpec, RuleSet
from app.scoring.types import ATTENDANCE_KIND, PARTY_LIFE_KIND
from app.spreadsheets.columns import ACTIVITIES, STATES, SUBJECT_TYPES, Column, Sheet, require
from app.spreadsheets.declared import FIELD_KEY, field_name, with_declared
from app.spreadsheets.declared import choices as declared_choices
from app.spreadsheets.rows import Block, SheetRow, TypedRows
from app.timeutil import utcnow

# 对象编号 may stay blank where the 姓名 names one subject in the user's scope (the template's 委员名单 lists them).
# 类别 (optional) narrows the template's 类型 dropdown to its kinds; a 类型 not of that 类别 is an error.
KIND_CATEGORY = Column("类别", "kind_category", note="可不填；选了类别，类型的下拉列表只列这一类的类型")
SHEET = Sheet(ACTIVITIES.name, tuple(itertools.chain.from_iterable(
    (replace(c, required=False, note="委员（或单位、党员）的编号；姓名在您负责的范围内唯一时可不填（见“委员名单”表）"),)
    if c.key == "subject" else (KIND_CATEGORY, c) if c.key == "kind" else (c,)
    for c in require(ACTIVITIES, "title").columns)), ACTIVITIES.note)
MEMBER_LIST = "委员名单"
CATEGORY_BY_LABEL = {c.label: c for c in Category}
RULE_SUBJECT = {"m": "members", "u": "units", "p": "party-members"}
TYPE_TAG = dict(zip(SUBJECT_TYPES, ("m", "u", "p"), strict=True))
MAX_ID = 2**31 - 1  # an integer column's largest value (a phone number typed as 记录编号 is simply unknown)
CHOICE_KEYS = ("outcome", "level", "instruction_level")
NUMBER_KEYS = ("amount", "people_helped")
TEXT_KEYS = ("description", "counterpart", "support", "work_key")
COMPARED = ("category", "kind", "title", "occurred_on", *CHOICE_KEYS, *NUMBER_KEYS, *TEXT_KEYS, "details")


@dataclass(frozen=True)
class Subject:
    tag: str                      # m (member), u (unit), p (party member)
    id: int
    code: str
    name: str
    units: tuple[int | None, ...]  # the units whose scope covers it (a member's liaison, committee, sector)
    active: bool = True

    @property
    def key(self) -> tuple[str, int]:
        return self.tag, self.id

    @property
    def member_id(self) -> int | None:
        return self.id if self.tag == "m" else None

    @property
    def party_member_id(self) -> int | None:
        return self.id if self.tag == "p" else None


@dataclass
class Row:
    """A checked row: the values to store, and the record it updates (None: a new record)."""

    sheet_row: SheetRow
    subject: Subject
    values: dict[str, Any]
    signers: tuple[int, ...]
    state: RecordState
    existing: _Stored | None = None  # the record in the system it names (None: a new record)
    # (column key, why) of each value outside its plausible range: reported for a new record, or for a changed
    # value of a record in the system (one exported and imported again unchanged is not asked about twice)
    odd: list[tuple[str, str]] = field(default_factory=list)

    def warn(self, ctx: Context, changed: Sequence[str] | None = None) -> None:
        for key, why in self.odd:
            if changed is None or key in changed:
                ctx.warn(self.sheet_row, key, why)


@dataclass
class Plan:
    """The rows that change a record already in the system (new records are sent as they are checked)."""

    changed: list[Row] = field(default_factory=list)


def _key(subject: tuple[str, int], kind: str, on: dt.date, title: str) -> tuple[Any, ...]:
    return subject, kind, on, title


def _activity_subject(a: Activity | Any) -> tuple[str, int]:
    if a.member_id is not None:
        return "m", a.member_id
    if a.party_member_id is not None:
        return "p", a.party_member_id
    return "u", a.unit_id


class Records(Dataset):
    name = "records"
    label = N_("履职记录")
    roles = (Role.CLERK, Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "activity"
    instructions = (
        N_("每条记录一行：对象编号填委员编号、单位编号或党员编号，类型和结果、级别等取值须是本年度细则声明的。"),
        N_("记录编号可不填；从本系统导出的文件带有记录编号，修改后再导入即更新这些记录。"),
        N_("同一对象、类型、日期和标题的记录只会有一条：同一文件再导入一次不会重复新增。"),
        N_("已提交、已核实的记录不能通过导入修改；出勤请用“出勤”模板导入。"),
    )

    @property
    def sheets(self) -> tuple[Sheet, ...]:  # type: ignore[override]
        """The 履职记录 sheet with a column for each field the open years' rule files declare beyond its own."""
        return (with_declared(SHEET, activities.record_kinds()),)

    def export_sheets(self) -> tuple[Sheet, ...]:
        """… of every rule file, so a past year's record exports with its declared fields too."""
        return (with_declared(SHEET, activities.record_kinds(every_year=True)),)

    def choices(self, user: User | None) -> dict[str, list[str]]:
        declared = declared_choices(activities.record_kinds(every_year=True))
        kinds: list[str] = []
        values: dict[str, list[str]] = {k: [] for k in CHOICE_KEYS}
        for ruleset in activities.open_rulesets(*RULE_SUBJECT.values()):
            for spec in ruleset.kinds.values():
                if spec.name in (ATTENDANCE_KIND, PARTY_LIFE_KIND) or spec.name in kinds:
                    continue
                kinds.append(spec.name)
                for key in CHOICE_KEYS:
                    fspec = spec.fields.get(key)
                    values[key] += [v for v in (fspec.values if fspec else ()) if v not in values[key]]
        return {"kind": kinds, "kind_category": list(self.dependent(user)["kind"][1]),
                **{k: v for k, v in values.items() if v}, **declared}

    def dependent(self, user: User | None) -> dict[str, tuple[str, dict[str, list[str]]]]:
        """类型 follows 类别: each category of the open years' rule files → its kinds, each named once."""
        by_category: dict[str, list[str]] = {}
        for ruleset in activities.open_rulesets(*RULE_SUBJECT.values()):
            for spec in ruleset.kinds.values():
                if spec.name not in (ATTENDANCE_KIND, PARTY_LIFE_KIND):
                    kinds = by_category.setdefault(spec.category, [])
                    if spec.name not in kinds:
                        kinds.append(spec.name)
        return {"kind": ("kind_category", by_category)}

    def lookups(self, user: User | None) -> dict[str, tuple[list[str], list[list[object]]]]:
        """委员名单: the active members in the user's scope (编号, 姓名, 界别, 联络处), for 对象编号 and 姓名."""
        if user is not None and user.role == Role.LIAISON:
            return {}  # a party liaison records party members only
        sector, liaison = aliased(Unit), aliased(Unit)
        rows = db.session.execute(
            sa.select(Member.code, Member.name, sector.name, liaison.name)
            .join(sector, sector.id == Member.sector_id).outerjoin(liaison, liaison.id == Member.liaison_id)
            .where(Member.active, clause(Member, user)).order_by(Member.code))
        return {MEMBER_LIST: (["编号", "姓名", "界别", "联络处"], [list(r) for r in rows])}

    # --- checking --------------------------------------------------------------------------------------------

    def run(self, ctx: Context, sheets: dict[str, TypedRows], dry_run: bool) -> None:
        """Check the rows as they are read; a new record goes to the database at once (its checks passed, and no
        row before it had a problem), so the server stores the file while the rest is being checked. A record
        already in the system waits for the end, to be compared. On any problem the caller rolls it all back.

        The rows come a block at a time, checked column by column (`_Quick`); a row that is not plainly a new,
        correct record (a problem, a 记录编号, a known natural key, 联名 …) takes the row-by-row path, which
        reports its problems or matches it."""
        lookup = _Subjects(ctx)
        lookup.load_rulesets(ctx.open_years)  # nothing may query the database while the rows stream in
        by_key = _existing_keys(ctx.open_years)
        writing = not dry_run
        user_id = ctx.user.id if ctx.user is not None else None
        now = ctx.now  # every record of this import is created at this instant: how the ids are found afterwards
        joint: list[Row] = []  # new records with 联名, whose ids are looked up afterwards
        later: list[tuple[Row, tuple[Any, ...]]] = []
        seen: dict[tuple[Any, ...], int] = {}
        check_row, planned, book = self._check_row, ctx.planned, ctx.book
        verified = STATES[2]
        with inserting(Activity.__table__, INSERT_COLUMNS) if writing else contextlib.nullcontext() as send:
            entering = _Entering(ctx.user)
            columns = _Columns(user_id, now, ctx.scope, entering)

            def take(row: SheetRow) -> None:
                """The row-by-row path: every check, with its reasons."""
                found = check_row(ctx, lookup, row)
                if found is None:
                    return
                values, subject = found.values, found.subject
                key = _key(subject.key, values["kind"], values["occurred_on"], values["title"])
                if key in seen:
                    ctx.error(row, "title", f"与第 {seen[key]} 行是同一条记录（同一对象、类型、日期和标题）")
                    return
                seen[key] = row.number
                if key in by_key or row.values.get("record_no"):
                    later.append((found, key))
                    return
                if row.values.get("state") == verified and not ctx.may_verify(row, False):
                    return
                found.warn(ctx)  # before it is sent: an unconfirmed value stops the writing
                planned.append(Planned(row.sheet, row.number, ADDED, _what(found)))  # ctx.plan, faster
                if send is not None and not book.has_errors:
                    send(columns.of(found.subject, found.state, found.values))  # the database numbers it
                    if found.signers:
                        joint.append(found)
                else:
                    columns.who(found.subject)

            quick = _Quick(ctx, lookup, by_key, seen)
            declared = [c.key for c in ctx.specs[SHEET.name].columns if field_name(c.key) is not None]
            quick.declared = declared
            for block in sheets[SHEET.name].blocks():
                name, numbers, of = block.sheet, block.numbers, columns.of
                for i, new in quick.check(block):
                    if new is None:
                        row = block.row(i)
                        if row is not None:
                            take(row)
                        continue
                    subject, state, values, what = new
                    planned.append(Planned(name, numbers[i], ADDED, what))
                    if send is not None and not book.has_errors:
                        send(of(subject, state, values))
                    else:
                        columns.who(subject)
        entering.note(ctx)
        plan = self._match(ctx, later, by_key)
        if writing and not book.has_errors:
            self.write(ctx, plan, joint, now)

    def _check_row(self, ctx: Context, lookup: _Subjects, row: SheetRow) -> Row | None:
        get = row.values.get  # row[key], without a method call per cell
        ok = not row.bad
        subject = lookup.find(row) if "subject" not in row.bad else None
        on = get("occurred_on")
        if on is None or on > ctx.today or on.year not in ctx.open_years:  # the happy path needs no call
            ok = ctx.check_date(row, "occurred_on", on) and ok
        state = ctx.check_state(row)
        if subject is None or not ok:
            return None
        kind_name = get("kind")
        ruleset = lookup.ruleset(on.year, RULE_SUBJECT[subject.tag])
        if kind_name in (ATTENDANCE_KIND, PARTY_LIFE_KIND):
            ctx.error(row, "kind", "出勤请用“出勤”模板导入")
            return None
        spec = ruleset.kinds.get(kind_name) if ruleset else None
        if spec is None:
            declared = "、".join(k for k in (ruleset.kinds if ruleset else ()) if k not in
                                (ATTENDANCE_KIND, PARTY_LIFE_KIND))
            ctx.error(row, "kind", f"“{kind_name}”不是 {on.year} 年细则为{_subject_word(subject.tag)}声明的记录类型"
                      + (f"（可选：{declared}）" if declared else "（该年度没有相应的细则文件）"))
            return None
        if get("kind_category") and get("kind_category") != spec.category:
            ctx.error(row, "kind_category", f"“{spec.name}”属于“{spec.category}”，不是“{get('kind_category')}”"
                      f"（类别可不填，或改为{spec.category}）")
            return None
        values = {"kind": spec.name, "category": CATEGORY_BY_LABEL.get(spec.category, Category.OTHER),
                  "title": (get("title") or "").strip(), "occurred_on": on}
        odd: list[tuple[str, str]] = []
        if not self._check_values(ctx, row, spec, values, odd):
            return None
        if get("signers"):
            signers = self._signers(ctx, lookup, row, subject, values["category"])
            if signers is None:
                return None
        else:
            signers = ()
        return Row(row, subject, values, signers, STATE_BY_LABEL[state], odd=odd)

    @staticmethod
    def _check_values(ctx: Context, row: SheetRow, spec: KindSpec, values: dict[str, Any],
                      odd: list[tuple[str, str]]) -> bool:
        """The row's field values into `values` (problems reported); the implausible ones into `odd`."""
        ok = True
        get = row.values.get
        fields = spec.fields
        for key in CHOICE_KEYS:
            value = get(key) or ""
            if not value:
                values[key] = value
                continue
            fspec = fields.get(key)
            if fspec is None or value not in fspec.values:
                allowed = f"（可选：{'、'.join(fspec.values)}）" if fspec and fspec.values else "（该类型不填这一项）"
                ctx.error(row, key, f"“{value}”不是细则为“{spec.name}”规定的取值{allowed}")
                ok = False
            values[key] = value
        for key in NUMBER_KEYS:
            value = get(key)
            if value is None:
                values[key] = None
                continue
            if value < 0:
                ctx.error(row, key, "不能为负数")
                ok = False
            elif key not in fields:
                ctx.error(row, key, f"细则没有为“{spec.name}”规定这一项，请留空")
                ok = False
            values[key] = Decimal(value) if key == "amount" else value
        amount = values["amount"]
        if amount is not None and amount >= 0 and "amount" in fields and (why := kindfields.implausible(
                fields["amount"], amount, ctx.specs[row.sheet].column("amount").header)):
            odd.append(("amount", why))
        for key in TEXT_KEYS:
            values[key] = (get(key) or "").strip()
        details = _details(ctx, row, spec, odd)
        if details is None:
            ok = False
        values["details"] = details or {}
        for key, limit in _text_limits():  # only a text too long needs check_lengths (which reports it)
            value = values[key]
            if isinstance(value, str) and len(value) > limit:
                return ctx.check_lengths(row, Activity, {k: values[k] for k in ("title", *TEXT_KEYS)}, {}) and ok
        return ok

    @staticmethod
    def _signers(ctx: Context, lookup: _Subjects, row: SheetRow, subject: Subject,
                 category: Category) -> tuple[int, ...] | None:
        codes = row["signers"] or ()
        if not codes:
            return ()
        if subject.tag != "m" or category != Category.IDEA:
            ctx.error(row, "signers", "只有委员的献一智记录可以联名")
            return None
        people = [subject.id]
        for code in codes:
            other = lookup.members.get(code)
            if other is None or not ctx.in_scope(*other.units):
                ctx.error(row, "signers", f"找不到编号为“{code}”的委员")
                return None
            if other.id in people:
                ctx.error(row, "signers", f"“{code}”重复（对象编号本人是第一提案人，不必再写）"
                          if other.id == subject.id else f"“{code}”重复")
                return None
            people.append(other.id)
        return tuple(people)

    # --- matching rows with records in the system ------------------------------------------------------------

    def _match(self, ctx: Context, checked: list[tuple[Row, tuple[Any, ...]]],
               by_key: dict[tuple[Any, ...], int]) -> Plan:
        """Rows naming a record in the system (by 记录编号 or by their natural key): 修改, 不变, or a problem."""
        plan = Plan()
        if not checked:
            return plan
        numbered = [r for r, _ in checked if r.sheet_row.values.get("record_no")]
        by_number = _by_number(ctx, numbered)
        targets: list[tuple[Row, int]] = []
        numbers_seen: dict[str, int] = {}
        for found, key in checked:
            number = found.sheet_row.values.get("record_no")
            if number:
                if number in numbers_seen:
                    ctx.error(found.sheet_row, "record_no", f"与第 {numbers_seen[number]} 行的记录编号相同")
                    continue
                numbers_seen[number] = found.sheet_row.number
                if number not in by_number:
                    ctx.error(found.sheet_row, "record_no", f"系统中没有编号为“{number}”的记录（新记录请留空）")
                    continue
                target = by_number[number]
                other = by_key.get(key)
                if other is not None and other != target:
                    ctx.error(found.sheet_row, "title", f"已有同一对象、类型、日期和标题的记录（编号 {other}）")
                    continue
            else:
                target = by_key[key]  # only rows with a number or a known key come here
            targets.append((found, target))
        loaded = _load({target for _found, target in targets})
        for found, target in targets:
            activity = found.existing = loaded[target]
            if not ctx.may_verify(found.sheet_row, activity.state == RecordState.VERIFIED):
                continue
            changed = _changes(activity, found)
            content = [c for c in changed if c != "state"]
            may_edit = (activity.state in activities.EDITABLE
                        or ctx.is_office and activity.state == RecordState.SUBMITTED)
            if not changed:
                ctx.plan(found.sheet_row, SAME, _what(found))
            elif not _owns(ctx, activity):
                ctx.error(found.sheet_row, None, f"编号 {activity.id} 的记录由“{_entered_by_name(activity)}”录入，"
                          "只有该单位的录入员可以修改")
            elif activity.locked or content and not may_edit:
                ctx.error(found.sheet_row, None, f"编号 {activity.id} 的记录{activity.state.label}，不能通过导入修改"
                          f"（改动了：{'、'.join(_header(c, ctx) for c in content)}）")
            else:
                found.warn(ctx, changed)
                plan.changed.append(found)
                ctx.plan(found.sheet_row, CHANGED, _what(found), [c for c in changed if c != "category"])
        return plan

    # --- writing ---------------------------------------------------------------------------------------------

    def write(self, ctx: Context, plan: Plan, joint: Sequence[Row], created: dt.datetime) -> None:
        """What follows the new records (already sent, all created at `created`): their 联名, then the changed
        records. The new records' audit is the import's own row, at the same instant (see `audit.history`)."""
        user_id = ctx.user.id if ctx.user is not None else None
        ours = sa.and_(Activity.created_at == created, Activity.created_by_id.is_(None) if user_id is None
                       else Activity.created_by_id == user_id)
        if joint:
            ids = {_key(_activity_subject(r), r.kind, r.occurred_on, r.title): r.id for r in db.session.execute(
                sa.select(Activity.id, Activity.member_id, Activity.party_member_id, Activity.unit_id,
                          Activity.kind, Activity.occurred_on, Activity.title).where(ours))}
            bulk_insert(ActivityParticipant.__table__, (
                {"activity_id": ids[_key(f.subject.key, f.values["kind"], f.values["occurred_on"],
                                         f.values["title"])], "position": n, "member_id": m}
                for f in joint for n, m in enumerate(f.signers, start=1)))
        for found in plan.changed:
            _update(found, ctx)
        db.session.flush()


# --- helpers -----------------------------------------------------------------------------------------------------

def _details(ctx: Context, row: SheetRow, spec: KindSpec, odd: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The row's declared fields (培训天数 …) read by its kind's declaration; None when a cell is wrong (reported
    there): a value the type refuses, a required one left blank, or one the kind does not declare."""
    wanted = {f.name: f for f in kindfields.detail_fields(spec)}
    details: dict[str, Any] = {}
    ok = True
    for key, raw in row.values.items():
        name = field_name(key)
        if name is None or raw is None:
            continue
        fspec = wanted.get(name)
        if fspec is None:
            ctx.error(row, key, f"细则没有为“{spec.name}”规定这一项，请留空")
            ok = False
            continue
        try:
            value = kindfields.parse(fspec, raw)
        except ValueError as problem:
            ctx.error(row, key, str(problem))
            ok = False
            continue
        if value is not None:
            details[name] = value
            number = kindfields.value(value)
            if fspec.type in ("number", "integer") and (why := kindfields.implausible(fspec, number)):
                odd.append((key, why))
    for name, fspec in wanted.items():
        key = FIELD_KEY + name
        if fspec.required and name not in details and key not in row.bad and key in ctx.specs[row.sheet].keys():
            ctx.error(row, key, f"“{spec.name}”必须填写{kindfields.label(fspec)}")
            ok = False
    return details if ok else None


class _Subjects:
    """Every member, CPPCC unit and party member by code; a row's subject found and checked against the scope."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.members = {code: Subject("m", i, code, name, (liaison, committee, sector), active)
                        for i, code, name, sector, committee, liaison, active in db.session.execute(
                            sa.select(Member.id, Member.code, Member.name, Member.sector_id, Member.committee_id,
                                      Member.liaison_id, Member.active))}
        self.units = {code: Subject("u", i, code, name, (i,), active) for i, code, name, active in db.session.execute(
            sa.select(Unit.id, Unit.code, Unit.name, Unit.active).where(Unit.kind.in_(activities.SUBJECT_UNIT_KINDS)))}
        self.party = {code: Subject("p", i, code, name, (branch,), active)
                      for i, code, name, branch, active in db.session.execute(
                          sa.select(PartyMember.id, PartyMember.code, PartyMember.name, PartyMember.branch_id,
                                    PartyMember.active))}
        self.tables = {"m": self.members, "u": self.units, "p": self.party}
        self.rulesets: dict[tuple[int, str], RuleSet | None] = {}
        self.searched = [(t, self.tables[t]) for t in ("m", "u", "p") if self.allowed(t)]  # no subject type given
        self.by_name: dict[str, list[Subject]] | None = None  # name → active subjects in scope, made when asked

    def load_rulesets(self, years: set[int]) -> None:
        """Read the rule files of `years` now, for every kind of subject."""
        for year in years:
            for subject in RULE_SUBJECT.values():
                self.ruleset(year, subject)

    def ruleset(self, year: int, subject: str) -> RuleSet | None:
        """The rule file of `year` for `subject`, looked up once per import."""
        if (year, subject) not in self.rulesets:
            self.rulesets[year, subject] = activities.ruleset_for(year, subject)
        return self.rulesets[year, subject]

    def unambiguous(self) -> dict[str, Subject]:
        """Code → subject, for the codes that `find` takes, without an 对象类别, to one active subject in scope."""
        found: dict[str, list[Subject]] = {}
        for _tag, table in self.searched:
            for code, subject in table.items():
                if self.ctx.in_scope(*subject.units):
                    found.setdefault(code, []).append(subject)
        return {code: subjects[0] for code, subjects in found.items() if len(subjects) == 1 and subjects[0].active}

    def allowed(self, tag: str) -> bool:
        """Clerks record members and units; party liaisons party members; the office all three."""
        role = self.ctx.user.role if self.ctx.user is not None else None
        return role in (None, Role.OFFICE, Role.ADMIN) or (tag == "p") == (role == Role.LIAISON)

    def named(self, name: str, tags: Iterable[str]) -> list[Subject]:
        """The active subjects in scope called `name` (of the kinds `tags` the user may record)."""
        if self.by_name is None:
            self.by_name = {}
            for tag, table in self.searched:
                for subject in table.values():
                    if subject.active and self.ctx.in_scope(*subject.units):
                        self.by_name.setdefault(subject.name, []).append(subject)
        return [s for s in self.by_name.get(name, ()) if s.tag in tags]

    def _by_name(self, row: SheetRow, name: str | None, tags: list[str]) -> Subject | None:
        words = "或".join(_subject_word(t) for t in tags)
        if not name:
            self.ctx.error(row, "subject", "请填写对象编号，或填写姓名（在您负责的范围内唯一时可不填编号）")
            return None
        found = self.named(name, tags)
        if not found:
            self.ctx.error(row, "name", f"您负责的范围内没有姓名为“{name}”的{words}，请核对姓名，或填写对象编号"
                           "（见模板的“委员名单”表）")
            return None
        if len(found) > 1:
            codes = "、".join(s.code for s in found)
            self.ctx.error(row, "subject", f"姓名为“{name}”的有 {len(found)} 位（编号 {codes}），请填写对象编号")
            return None
        return found[0]

    def find(self, row: SheetRow) -> Subject | None:
        ctx, get = self.ctx, row.values.get
        code, subject_type = get("subject"), get("subject_type")
        if not code:
            return self._by_name(row, get("name"), [TYPE_TAG[subject_type]] if subject_type
                                 else [t for t, _table in self.searched])
        if subject_type:
            tags = [TYPE_TAG[subject_type]]
            found = [self.tables[t][code] for t in tags if code in self.tables[t]]
            found = [s for s in found if self.allowed(s.tag) and ctx.in_scope(*s.units)]
        else:
            tags = ["m", "u", "p"]
            scope = ctx.scope
            found = [s for _t, table in self.searched if (s := table.get(code)) is not None
                     and (scope is None or ctx.in_scope(*s.units))]
        if not found:
            ctx.error(row, "subject", f"找不到编号为“{code}”的{'或'.join(_subject_word(t) for t in tags)}"
                      "（或不在您负责的范围内）")
            return None
        if len(found) > 1:
            ctx.error(row, "subject", f"编号“{code}”同时是{'和'.join(_subject_word(s.tag) for s in found)}的编号，"
                      "请在“对象类别”列注明")
            return None
        subject = found[0]
        if not subject.active:
            ctx.error(row, "subject", f"{subject.code} {subject.name} 已不在职（或已停用），不能新增记录")
            return None
        name = get("name")
        if name and name != subject.name:
            right = self.named(name, [subject.tag])
            hint = f"；姓名为{name}，编号应为 {right[0].code}" if len(right) == 1 else ""
            ctx.error(row, "name", f"{code} 是{subject.name}，不是{row['name']}{hint}")
            return None
        return subject


class _Quick:
    """The column-by-column check of a block of rows: a row is passed only when it is plainly a new, correct
    record — every check the row-by-row path makes passes, it names no 记录编号, 联名 or 对象类别, and its natural
    key is in neither the system nor an earlier row. Its values are then exactly those `_check_row` gives. Any
    other row is left to the row-by-row path, which says what is wrong (or matches it with its record)."""

    def __init__(self, ctx: Context, lookup: _Subjects, by_key: dict[tuple[Any, ...], int],
                 seen: dict[tuple[Any, ...], int]) -> None:
        self.ctx, self.by_key, self.seen = ctx, by_key, seen
        self.subjects = lookup.unambiguous()
        self.kinds: dict[tuple[int, str, str], _QuickKind] = {}
        for (year, rule_subject), ruleset in lookup.rulesets.items():
            if ruleset is None:
                continue
            tag = next(t for t, s in RULE_SUBJECT.items() if s == rule_subject)
            for spec in ruleset.kinds.values():
                if spec.name not in (ATTENDANCE_KIND, PARTY_LIFE_KIND):
                    self.kinds[year, tag, spec.name] = _QuickKind.of(spec)
        self.limits = dict(_text_limits())
        self.declared: list[str] = []  # the declared fields' column keys: a row with any value takes the slow path
        self.states = {label: STATE_BY_LABEL[label] for label in STATES
                       if label != STATES[2] or ctx.is_office}  # 已核实: the office's to give

    def check(self, block: Block) -> Iterator[tuple[int, tuple[Subject, RecordState, tuple[Any, ...], str] | None]]:
        """(position, (subject, state, the values of INSERT_COLUMNS up to unit_id, what)) of each row of `block`
        that passes, in order; (position, None) for each row the row-by-row path must take. A generator: the caller
        takes each (position, None) row before the next is checked, so that a natural key is claimed by the first
        row that has it, whichever path that row takes."""
        ctx, kinds, by_key, seen = self.ctx, self.kinds, self.by_key, self.seen
        today, years, states = ctx.today, ctx.open_years, self.states
        columns, numbers, size = block.columns, block.numbers, len(block)
        nothing = [None] * size

        def column(key: str) -> list[Any]:
            return columns.get(key) or nothing

        # What sends a row the row-by-row way, found a column at a time (most columns have none of it).
        other = bytearray(block.slow)
        for key in ("subject_type", "signers", "record_no", "kind_category", *self.declared):
            if any(column(key)):
                for i, value in enumerate(column(key)):
                    if value:
                        other[i] = 1
        subjects = list(map(self.subjects.get, column("subject")))
        if any(column("name")):
            for i, (name, subject) in enumerate(zip(column("name"), subjects)):
                if name and subject is not None and name != subject.name:
                    other[i] = 1
        texts = {}
        for key in ("title", *TEXT_KEYS):
            values = column(key)
            limit = self.limits.get(key)
            if limit is not None and max(map(len, filter(None, values)), default=0) > limit:
                for i, value in enumerate(values):
                    if value and len(value) > limit:
                        other[i] = 1
            texts[key] = values if key == "title" or all(values) else [v or "" for v in values]
        choices = [column(key) if all(column(key)) else [v or "" for v in column(key)] for key in CHOICE_KEYS]

        for i, (subject, kind, on, title, outcome, level, instruction_level, amount, people, description,
                counterpart, support, work_key, label, number, odd) in enumerate(zip(
                subjects, column("kind"), column("occurred_on"), texts["title"], *choices, column("amount"),
                column("people_helped"), *(texts[k] for k in TEXT_KEYS), column("state"), numbers, other)):
            if odd or subject is None or on is None or on > today or on.year not in years or not title:
                yield i, None
                continue
            quick = kinds.get((on.year, subject.tag, kind))
            state = states.get(label or STATES[1])
            if quick is None or state is None or quick.required:
                yield i, None
                continue
            allowed = quick.choices
            if (outcome and outcome not in allowed[0] or level and level not in allowed[1]
                    or instruction_level and instruction_level not in allowed[2]
                    or amount is not None and (amount < 0 or not quick.amount or quick.odd_amount(amount))
                    or people is not None and (people < 0 or not quick.people)):
                yield i, None
                continue
            key = (subject.key, kind, on, title)
            if key in seen or key in by_key:
                yield i, None
                continue
            seen[key] = number
            yield i, (subject, state, (kind, quick.category, title, on, outcome, level, instruction_level, amount,
                                       people, description, counterpart, support, work_key, {}),
                      _describe(subject, kind, on, title))


@dataclass(frozen=True)
class _QuickKind:
    """What the column-by-column check needs of one record type of a rule file."""

    category: Category
    choices: tuple[frozenset[str], frozenset[str], frozenset[str]]  # outcome, level, instruction_level
    amount: bool                                                   # the type declares 金额
    people: bool                                                   # … 受益人数
    required: bool = False                                         # … a declared field that must be filled
    plausible: tuple[Decimal | None, Decimal | None] = (None, None)  # 金额 outside it: the row-by-row path warns

    @classmethod
    def of(cls, spec: KindSpec) -> _QuickKind:
        fields = spec.fields
        return cls(CATEGORY_BY_LABEL.get(spec.category, Category.OTHER),
                   tuple(frozenset(fields[k].values) if k in fields else frozenset()  # type: ignore[arg-type]
                         for k in CHOICE_KEYS),
                   "amount" in fields, "people_helped" in fields, any(f.required for f in kindfields.detail_fields(spec)),
                   kindfields.plausible_range(fields["amount"]) if "amount" in fields else (None, None))

    def odd_amount(self, amount: Decimal) -> bool:
        low, high = self.plausible
        return low is not None and amount < low or high is not None and amount > high


@functools.cache
def _text_limits() -> tuple[tuple[str, int], ...]:
    """(key, length) of the checked texts that have a length limit (what check_lengths tests)."""
    limits = _limits(Activity)
    return tuple((k, limits[k]) for k in ("title", *TEXT_KEYS) if limits.get(k) is not None)


def _subject_word(tag: str) -> str:
    return {"m": "委员", "u": "单位", "p": "党员"}[tag]


def _header(key: str, ctx: Context) -> str:
    sheet = ctx.specs[SHEET.name]
    return "联名" if key == "signers" else "状态" if key == "state" else sheet.column(key).header \
        if key in sheet.keys() else field_name(key) or key


def _what(found: Row) -> str:
    v = found.values
    return _describe(found.subject, v["kind"], v["occurred_on"], v["title"])


def _describe(subject: Subject, kind: str, on: dt.date, title: str) -> str:
    """A row as the plan lists it: "1001 张三 提案 2025-03-02 关于…"."""
    return f"{subject.code} {subject.name} {kind} {on.isoformat()} {title}"


def _existing_keys(years: set[int]) -> dict[tuple[Any, ...], int]:
    """Natural key → id of every record of the open years, the only ones a file may add to (whatever the scope:
    a duplicate is one)."""
    if not years:
        return {}
    rows = db.session.execute(sa.select(Activity.id, Activity.member_id, Activity.party_member_id, Activity.unit_id,
                                        Activity.kind, Activity.occurred_on, Activity.title)
                              .where(Activity.occurred_on.between(dt.date(min(years), 1, 1),
                                                                  dt.date(max(years), 12, 31))))
    return {_key(_activity_subject(r), r.kind, r.occurred_on, r.title): r.id for r in rows}


def _by_number(ctx: Context, rows: list[Row]) -> dict[str, int]:
    """记录编号 → id, for the numbers that are records in the user's scope."""
    numbers = {r.sheet_row["record_no"] for r in rows}
    ids = [int(n) for n in numbers if n.isdigit() and 0 < int(n) <= MAX_ID]
    found: dict[str, int] = {}
    for part in chunks(ids):
        stmt = sa.select(Activity.id).where(Activity.id.in_(part))
        if ctx.user is not None:
            stmt = stmt.where(clause(Activity, ctx.user))
        found.update((str(i), i) for i in db.session.scalars(stmt))
    return found


@dataclass(frozen=True)
class _Stored:
    """What a matched record holds, as plain values: comparing 100,000 of them needs no ORM object."""

    id: int
    member_id: int | None
    party_member_id: int | None
    unit_id: int
    state: RecordState
    locked: bool
    values: dict[str, Any]
    signers: tuple[int, ...]
    entered_by_unit_id: int | None = None  # whose record it is (None: the office's)
    self_reported: bool = False


def _load(ids: set[int]) -> dict[int, _Stored]:
    """The records `ids`, with their 联名 in order."""
    found: dict[int, _Stored] = {}
    columns = [getattr(Activity, k) for k in COMPARED]
    for part in chunks(sorted(ids), 30_000):
        signers: dict[int, list[int]] = {}
        for activity_id, member_id in db.session.execute(
                sa.select(ActivityParticipant.activity_id, ActivityParticipant.member_id)
                .where(id_in(ActivityParticipant.activity_id, part))
                .order_by(ActivityParticipant.activity_id, ActivityParticipant.position)):
            signers.setdefault(activity_id, []).append(member_id)
        for row in db.session.execute(sa.select(Activity.id, Activity.member_id, Activity.party_member_id,
                                                Activity.unit_id, Activity.state, Activity.locked,
                                                Activity.entered_by_unit_id, Activity.self_reported, *columns)
                                      .where(id_in(Activity.id, part))):
            found[row.id] = _Stored(row.id, row.member_id, row.party_member_id, row.unit_id, row.state, row.locked,
                                    dict(zip(COMPARED, row[8:], strict=True)), tuple(signers.get(row.id, ())),
                                    row.entered_by_unit_id, row.self_reported)
    return found


def _changes(stored: _Stored, found: Row) -> list[str]:
    """The columns whose values differ from the record's (a state only counts when it moves forward)."""
    values = found.values
    if all(stored.values[k] == values[k] for k in COMPARED):  # the usual case, at a glance (Decimals by value)
        changed = []
    else:
        changed = [k for k in COMPARED if _same_text(stored.values[k]) != _same_text(values[k])]
    if "details" in changed:  # named by the declared fields that differ
        before, after = stored.values["details"] or {}, values["details"]
        changed.remove("details")
        changed += [FIELD_KEY + n for n in sorted(before.keys() | after.keys()) if before.get(n) != after.get(n)]
    if _activity_subject(stored) != found.subject.key:
        changed.insert(0, "subject")
    if stored.signers != found.signers:
        changed.append("signers")
    if _forward(stored.state, found.state):
        changed.append("state")
    return changed


def _same_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    return value if value is not None else ""


def _forward(current: RecordState, wanted: RecordState) -> bool:
    order = [RecordState.DRAFT, RecordState.RETURNED, RecordState.SUBMITTED, RecordState.VERIFIED]
    return order.index(wanted) > order.index(current) and wanted != RecordState.RETURNED


def _owns(ctx: Context, stored: _Stored) -> bool:
    """A record belongs to the unit that entered it (see activities.owns): an importer who is not the office changes
    only their own units' records, and members' own reports in their scope."""
    return ctx.is_office or stored.self_reported or (ctx.scope is not None
                                                     and stored.entered_by_unit_id in ctx.scope)


def _entered_by_name(stored: _Stored) -> str:
    if stored.entered_by_unit_id is None:
        return "活动领导小组办公室"
    return db.session.scalar(sa.select(Unit.name).where(Unit.id == stored.entered_by_unit_id)) or ""


class _Entering:
    """The 录入单位 of an importer's new records: of the units the importer acts for, the one that covers the subject
    (it is, or lies above, one of the subject's units); of several, the one above the unit the record is filed
    under, the nearest first. None for the office. Subjects where the importer had several to choose from are
    named in a note, so the choice is never silent."""

    def __init__(self, user: User | None) -> None:
        office = user is None or user.role in (Role.OFFICE, Role.ADMIN)
        self.below = {} if office else {u.id: units_below([u.id]) for u in user.units}  # type: ignore[union-attr]
        self.names = {} if office else {u.id: u.name for u in user.units}  # type: ignore[union-attr]
        self.several: list[str] = []

    def of(self, subject: Subject, unit_id: int) -> int | None:
        if not self.below:
            return None
        covering = [u for u, below in self.below.items() if any(s in below for s in subject.units if s is not None)]
        if not covering:
            return None
        chosen = min(covering, key=lambda u: (unit_id not in self.below[u], len(self.below[u])))
        if len(covering) > 1:
            self.several.append(f"{subject.name}（{self.names[chosen]}）")
        return chosen

    def note(self, ctx: Context) -> None:
        if self.several:
            shown = "、".join(self.several[:5]) + ("……" if len(self.several) > 5 else "")
            ctx.book.note(SHEET.name, f"{len(self.several)} 个对象同时属于您负责的几个单位，新记录的录入单位记为其所在的第一个"
                          f"（按联络处、专委会、界别的顺序）：{shown}")


def _recording_unit(subject: Subject, scope: set[int] | None) -> int:
    """The unit a record is filed under: a member's first unit in the importer's scope; a unit or branch itself."""
    if subject.tag != "m":
        return subject.units[0]  # type: ignore[return-value]
    units = [u for u in subject.units if u is not None]
    return next((u for u in units if scope is None or u in scope), units[-1])


def _state_columns(state: RecordState, user_id: int | None, now: dt.datetime) -> dict[str, Any]:
    """The columns of a new record that follow from its state and the import alone."""
    return {"state": state, "return_reason": "", "self_reported": False, "published": False, "locked": False,
            "created_by_id": user_id, "created_at": now, "updated_at": now, "version": 1,
            "submitted_at": now if state != RecordState.DRAFT else None,
            "verified_at": now if state == RecordState.VERIFIED else None,
            "verified_by_id": user_id if state == RecordState.VERIFIED else None}


INSERT_COLUMNS = ("kind", "category", "title", "occurred_on", *CHOICE_KEYS, *NUMBER_KEYS, *TEXT_KEYS, "details",
                  "unit_id", "member_id", "party_member_id", "entered_by_unit_id", "state", "return_reason",
                  "self_reported", "published", "locked", "created_by_id", "created_at", "updated_at", "version",
                  "submitted_at", "verified_at", "verified_by_id")


class _Columns:
    """A new record's values in the order of INSERT_COLUMNS; what depends only on the state or the subject is
    worked out once."""

    def __init__(self, user_id: int | None, now: dt.datetime, scope: set[int] | None, entering: _Entering) -> None:
        self.user_id, self.now, self.scope, self.entering = user_id, now, scope, entering
        self.tails: dict[RecordState, tuple[Any, ...]] = {}
        self.subjects: dict[tuple[str, int], tuple[Any, ...]] = {}
        self.values = INSERT_COLUMNS[:INSERT_COLUMNS.index("unit_id")]

    def who(self, subject: Subject) -> tuple[Any, ...]:
        """unit_id, member_id, party_member_id and entered_by_unit_id of a new record about `subject` (a dry run
        works them out too: its notes say which 录入单位 a record would get when there was a choice)."""
        who = self.subjects.get(subject.key)
        if who is None:
            unit_id = _recording_unit(subject, self.scope)
            who = self.subjects[subject.key] = (unit_id, subject.member_id, subject.party_member_id,
                                                self.entering.of(subject, unit_id))
        return who

    def of(self, subject: Subject, state: RecordState, values: dict[str, Any] | Sequence[Any]) -> tuple[Any, ...]:
        """The row to insert: `values` by key, or already in the order of INSERT_COLUMNS up to unit_id."""
        tail = self.tails.get(state)
        if tail is None:
            columns = _state_columns(state, self.user_id, self.now)
            tail = self.tails[state] = tuple(columns[k] for k in INSERT_COLUMNS[INSERT_COLUMNS.index("state"):])
        who = self.subjects.get(subject.key) or self.who(subject)
        if isinstance(values, dict):
            values = [values[k] for k in self.values]
        return (*values, *who, *tail)


def _update(found: Row, ctx: Context) -> None:
    assert found.existing is not None
    activity = db.session.scalar(sa.select(Activity).options(selectinload(Activity.participants))
                                 .where(Activity.id == found.existing.id))
    fields = [f for f in activities.AUDITED if f != "signers"]
    before = audit.snapshot(activity, fields)
    before["signers"] = [p.member_id for p in activity.participants]
    before["details"] = activities.details_text(activity.details)
    for key, value in found.values.items():
        setattr(activity, key, value)
    subject = found.subject
    activity.member_id, activity.party_member_id = subject.member_id, subject.party_member_id
    activity.unit_id = _recording_unit(subject, ctx.scope)
    if [p.member_id for p in activity.participants] != list(found.signers):
        activity.participants = [ActivityParticipant(position=n, member_id=m)
                                 for n, m in enumerate(found.signers, start=1)]
    if _forward(activity.state, found.state):
        activity.state = found.state
        activity.submitted_at = activity.submitted_at or utcnow()
        if found.state == RecordState.VERIFIED:
            activity.verified_at, activity.verified_by_id = utcnow(), ctx.user.id if ctx.user else None
    db.session.flush()
    after = audit.snapshot(activity, fields)
    after["signers"] = list(found.signers)
    after["details"] = activities.details_text(activity.details)
    audit.record(ctx.user, "update", "activity", activity.id, audit.diff(before, after), reason=ctx.book.file)
