"""Importing 出勤 (attendance) and 比实绩 (branch half-year results).

Attendance rows are grouped into meetings by type, date, name and organiser: a meeting already in the system is
matched by those four, a new one is created 已提交 with the file's rows as its invitees. A party member attends only
组织生活, a CPPCC member never does. Branch results are grouped by branch and half-year; each indicator is matched
by its name. Either way a row already stored with the same value changes nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app.activities import entry
from app.auth.scope import scoped, unit_ids
from app.extensions import db
from app.imports.base import ADDED, CHANGED, SAME, Context, Dataset
from app.models import (Attendance, AttendanceStatus, BranchIndicator, BranchResult, Meeting, MeetingKind, Member,
                        PartyMember, RecordState, Role, Unit, UnitKind, User)
from app.spreadsheets.columns import ATTENDANCE, INDICATORS, STATES, YES
from app.spreadsheets.rows import SheetRow
from app.timeutil import utcnow

MEETING_KIND = {k.label: k for k in MeetingKind}
STATUS = {s.label: s for s in AttendanceStatus}
CPPCC_UNITS = (UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
_NO_ORGANISER = "找不到组织单位“{name}”(或不在您负责的范围内;组织生活的组织单位是党支部)"
STATE_BY_LABEL = {STATES[0]: RecordState.DRAFT, STATES[1]: RecordState.SUBMITTED, STATES[2]: RecordState.VERIFIED}


def _editable(ctx: Context, state: RecordState, locked: bool) -> bool:
    """Clerks change only 草稿 / 退回; the office also what is 已提交; nobody what is locked."""
    return not locked and (state in entry.EDITABLE or ctx.is_office and state == RecordState.SUBMITTED)


class AttendanceImport(Dataset):
    name = "attendance"
    label = "出勤"
    sheets = (ATTENDANCE,)
    roles = (Role.CLERK, Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "meeting"
    instructions = ("每人每次会议一行:会议类型、日期、会议名称相同的行是同一次会议。",
                    "委员的会议填委员编号;组织生活填党员编号。组织单位空白时,委员会议记在您负责的第一个单位,"
                    "组织生活记在党员所在支部。",
                    "系统中已有的会议(类型、日期、名称、组织单位相同)会更新其出勤;已核实的会议不能修改。")

    def choices(self, user: User | None) -> dict[str, list[str]]:
        scope = None if user is None else unit_ids(user)
        units = db.session.scalars(sa.select(Unit).where(Unit.kind.in_((*CPPCC_UNITS, UnitKind.BRANCH)), Unit.active)
                                   .order_by(Unit.kind, Unit.sort_order, Unit.id))
        return {"organiser": [u.name for u in units if scope is None or u.id in scope]}

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> dict[str, Any]:
        units = {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.active))}
        members = {m.code: m for m in db.session.scalars(sa.select(Member))}
        party = {p.code: p for p in db.session.scalars(sa.select(PartyMember))}
        default_unit = self._default_unit(ctx)
        meetings: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in sheets[ATTENDANCE.name]:
            kind, on, code, status = (MEETING_KIND.get(row["meeting"] or ""), row["occurred_on"], row["subject"],
                                      STATUS.get(row["status"] or ""))
            if row.bad or kind is None or code is None or status is None or not ctx.check_date(row, "occurred_on", on):
                continue
            party_life = kind == MeetingKind.PARTY_LIFE
            person = (party if party_life else members).get(code)
            scope_units = (person.branch_id,) if party_life and person else \
                tuple(person.unit_ids) if person is not None else ()
            if person is None or not ctx.in_scope(*scope_units):
                other = "委员" if party_life else "党员"
                hint = f"({code} 是{other}的编号:{'委员不参加组织生活' if party_life else '党员只记组织生活'})" \
                    if code in (members if party_life else party) else "(或不在您负责的范围内)"
                ctx.error(row, "subject", f"找不到编号为“{code}”的{'党员' if party_life else '委员'}{hint}")
                continue
            if row["name"] and row["name"] != person.name:
                ctx.error(row, "name", f"{code} 是{person.name},不是{row['name']}")
                continue
            organiser = self._organiser(ctx, row, units, default_unit, person if party_life else None)
            if organiser is None:
                continue
            title = (row["meeting_title"] or "").strip() or f"{organiser.name}{kind.label}"
            if not ctx.check_lengths(row, Meeting, {"title": title}, {"title": "meeting_title"}):
                continue
            key = (kind, on, title, organiser.id)
            group = meetings.setdefault(key, {"rows": {}, "first": row.number})
            if person.id in group["rows"]:
                ctx.error(row, "subject", f"与第 {group['rows'][person.id][0].number} 行是同一人同一次会议")
                continue
            group["rows"][person.id] = (row, status, person)
        return self._match(ctx, meetings)

    @staticmethod
    def _default_unit(ctx: Context) -> Unit | None:
        if ctx.user is None or ctx.is_office:
            return db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.CPPCC).order_by(Unit.id).limit(1))
        return next((u for u in sorted(ctx.user.units, key=lambda u: (u.sort_order, u.id))
                     if u.kind in CPPCC_UNITS), None)

    @staticmethod
    def _organiser(ctx: Context, row: SheetRow, units: dict[str, Unit], default: Unit | None,
                   party_member: PartyMember | None) -> Unit | None:
        name = row["organiser"]
        if name:
            unit = units.get(name)
            wanted = (UnitKind.BRANCH,) if party_member is not None else CPPCC_UNITS
            if unit is None or unit.kind not in wanted:
                ctx.error(row, "organiser", _NO_ORGANISER.format(name=name))
                return None
            return unit  # outside the scope only for a meeting the user already sees: checked in _match
        if party_member is not None:
            return party_member.branch
        if default is None:
            ctx.error(row, "organiser", "请填写组织单位")
        return default

    def _match(self, ctx: Context, meetings: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
        plan: dict[str, Any] = {"new": [], "changed": []}
        if not meetings:
            return plan
        dates = [key[1] for key in meetings]
        existing = {(m.kind, m.held_on, m.title, m.unit_id): m for m in db.session.scalars(
            sa.select(Meeting).options(selectinload(Meeting.attendance))
            .where(Meeting.held_on.between(min(dates), max(dates))))}
        foreign = [m.id for key, m in existing.items() if key in meetings and not ctx.in_scope(key[3])]
        seen = set(db.session.scalars(scoped(Meeting, ctx.user).with_only_columns(Meeting.id)
                                      .where(Meeting.id.in_(foreign)))) if foreign and ctx.user else set()
        for key, group in meetings.items():
            meeting = existing.get(key)
            if not ctx.in_scope(key[3]) and (meeting is None or meeting.id not in seen):
                # Another unit's meeting: a clerk marks their members at one they see (as on the attendance
                # screen: a county plenary their members were invited to), but never creates one.
                for row, _status, _person in group["rows"].values():
                    ctx.error(row, "organiser", _NO_ORGANISER.format(name=row["organiser"]))
                continue
            if meeting is None:
                plan["new"].append((key, group))
                for row, status, person in group["rows"].values():
                    ctx.plan(row, ADDED, f"{key[1].isoformat()} {key[2]}:{person.code} {person.name} {status.label}")
                continue
            party_life = key[0] == MeetingKind.PARTY_LIFE
            have = {(a.party_member_id if party_life else a.member_id): a for a in meeting.attendance}
            updates = []
            for row, status, person in group["rows"].values():
                what = f"{key[1].isoformat()} {key[2]}:{person.code} {person.name} {status.label}"
                current = have.get(person.id)
                if current is not None and current.status == status:
                    ctx.plan(row, SAME, what)
                    continue
                if not _editable(ctx, meeting.state, meeting.locked):
                    ctx.error(row, "status", f"会议“{meeting.title}”{meeting.state.label},出勤不能通过导入修改")
                    continue
                ctx.plan(row, ADDED if current is None else CHANGED, what, () if current is None else ("status",))
                updates.append((person, status, current))
            if updates:
                plan["changed"].append((meeting, updates))
        return plan

    def write(self, ctx: Context, plan: dict[str, Any]) -> None:
        now = utcnow()
        user_id = ctx.user.id if ctx.user is not None else None
        for (kind, on, title, unit_id), group in plan["new"]:
            meeting = Meeting(kind=kind, title=title, held_on=on, unit_id=unit_id, state=RecordState.SUBMITTED,
                              submitted_at=now, created_by_id=user_id)
            party_life = kind == MeetingKind.PARTY_LIFE
            for _row, status, person in group["rows"].values():
                meeting.attendance.append(Attendance(status=status, **{
                    "party_member_id" if party_life else "member_id": person.id}))
            db.session.add(meeting)
            db.session.flush()
            audit.record(ctx.user, "import", "meeting", meeting.id, {"invited": (None, len(meeting.attendance))},
                         reason=ctx.book.file)
        for meeting, updates in plan["changed"]:
            party_life = meeting.kind == MeetingKind.PARTY_LIFE
            for person, status, current in updates:
                if current is None:
                    meeting.attendance.append(Attendance(status=status, **{
                        "party_member_id" if party_life else "member_id": person.id}))
                else:
                    current.status = status
                audit.record(ctx.user, "update", "meeting", meeting.id,
                             {"status": (current.status if current else None, f"{person.name} {status.label}")},
                             reason=ctx.book.file)
            db.session.flush()


class BranchResults(Dataset):
    name = "branch-results"
    label = "比实绩"
    sheets = (INDICATORS,)
    roles = (Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "branch_result"
    instructions = ("每个支部每半年每个指标一行;期间填 2025H1(上半年)或 2025H2(下半年)。",
                    "数值指标填“数值”列;等级指标(如 劳资关系)填“等级”列;无数值的否决事项(如 重大事故)在“等级”列填“是”。",
                    "已核实的比实绩不能通过导入修改。")

    def choices(self, user: User | None) -> dict[str, list[str]]:
        scope = None if user is None else unit_ids(user)
        kinds: list[str] = []
        grades: list[str] = [YES]
        for ruleset in entry.rulesets():
            if ruleset.subject == "branches" and ruleset.year in entry.open_years():
                for spec in ruleset.kinds.values():
                    kinds += [spec.name] if spec.name not in kinds else []
                    field = spec.fields.get("value")
                    grades += [v for v in (field.values if field else ()) if v not in grades]
        branches = db.session.scalars(sa.select(Unit.code).where(Unit.kind == UnitKind.BRANCH, Unit.active)
                                      .order_by(Unit.sort_order, Unit.id) if scope is None else
                                      sa.select(Unit.code).where(Unit.kind == UnitKind.BRANCH, Unit.id.in_(scope)))
        return {"kind": kinds, "grade": grades, "subject": list(branches)}

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[tuple[Any, ...]]:
        branches = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH))}
        results = {(r.branch_id, r.period): r for r in db.session.scalars(
            sa.select(BranchResult).options(selectinload(BranchResult.indicators)))}
        seen: dict[tuple[int, str, str], int] = {}
        groups: dict[tuple[int, str], dict[str, Any]] = {}
        for row in sheets[INDICATORS.name]:
            branch, period, kind = branches.get(row["subject"] or ""), row["period"], row["kind"]
            if row.bad or period is None or kind is None:
                continue
            if branch is None or not ctx.in_scope(branch.id):
                ctx.error(row, "subject", f"找不到编号为“{row['subject']}”的党支部(或不是您联系的支部)")
                continue
            if row["name"] and row["name"] != branch.name:
                ctx.error(row, "name", f"{branch.code} 是{branch.name},不是{row['name']}")
                continue
            if not self._period_open(ctx, row, period):
                continue
            state = ctx.check_state(row)
            value = self._value(ctx, row, int(period[:4]), kind)
            current = results.get((branch.id, period))
            if value is False or not ctx.may_verify(row, current is not None and
                                                    current.state == RecordState.VERIFIED):
                continue
            key = (branch.id, period, kind)
            if key in seen:
                ctx.error(row, "kind", f"第 {seen[key]} 行已填过 {branch.code} {period} 的“{kind}”")
                continue
            seen[key] = row.number
            group = groups.setdefault((branch.id, period), {"branch": branch, "state": STATE_BY_LABEL[state],
                                                            "rows": []})
            group["rows"].append((row, kind, value))
        plan = []
        for (branch_id, period), group in groups.items():
            result = results.get((branch_id, period))
            have = {i.key: i for i in result.indicators} if result is not None else {}
            changes = []
            for row, kind, value in group["rows"]:
                what = f"{group['branch'].code} {group['branch'].name} {period} {kind}"
                current = have.get(kind)
                if current is not None and _stored(current) == value:
                    ctx.plan(row, SAME, what)
                    continue
                if result is not None and not _editable(ctx, result.state, result.locked):
                    ctx.error(row, "kind", f"{group['branch'].name} {period} 的比实绩{result.state.label},不能通过导入修改")
                    continue
                ctx.plan(row, ADDED if current is None else CHANGED, what,
                         () if current is None else ("number" if isinstance(value, Decimal) else "grade",))
                changes.append((kind, value, current))
            if changes:
                plan.append((branch_id, period, group["state"], result, changes))
        return plan

    @staticmethod
    def _period_open(ctx: Context, row: SheetRow, period: str) -> bool:
        year, starts = int(period[:4]), dt.date(int(period[:4]), 1 if period.endswith("H1") else 7, 1)
        if starts > ctx.today:
            ctx.error(row, "period", f"{period} 还没有开始")
            return False
        if year not in ctx.open_years:
            ctx.error(row, "period", f"{year} 年不是开放录入的考评年度")
            return False
        return True

    @staticmethod
    def _value(ctx: Context, row: SheetRow, year: int, kind: str) -> Decimal | str | None | bool:
        """The indicator's value (a number, a grade, or None for a flag), or False after reporting a problem."""
        ruleset = entry.ruleset_for(year, "branches")
        spec = ruleset.kinds.get(kind) if ruleset else None
        if spec is None:
            names = "、".join(ruleset.kinds) if ruleset else ""
            ctx.error(row, "kind", f"“{kind}”不是 {year} 年比实绩细则声明的指标" + (f"(可选:{names})" if names else ""))
            return False
        number, grade, field = row["number"], row["grade"], spec.fields.get("value")
        if number is not None and grade is not None:
            ctx.error(row, "grade", "数值和等级只填一项")
            return False
        if field is None:  # a flag: present or not
            if number is not None or grade not in (YES, None):
                ctx.error(row, "grade", f"“{kind}”没有数值,发生时在“等级”列填“是”")
                return False
            return None
        if field.type == "enum":
            if grade not in field.values:
                ctx.error(row, "grade", f"“{kind}”是等级指标,请在“等级”列填写(可选:{'、'.join(field.values)})")
                return False
            return grade
        if number is None:
            ctx.error(row, "number", f"“{kind}”是数值指标,请在“数值”列填写")
            return False
        # a growth rate may fall below zero; a count or an amount may not
        if number < 0 and "增长" not in kind:
            ctx.error(row, "number", "不能为负数")
            return False
        if field.type == "integer" and number != number.to_integral_value():
            ctx.error(row, "number", f"“{kind}”应为整数")
            return False
        return Decimal(number)

    def write(self, ctx: Context, plan: list[tuple[Any, ...]]) -> None:
        now = utcnow()
        user_id = ctx.user.id if ctx.user is not None else None
        for branch_id, period, state, result, changes in plan:
            if result is None:
                result = BranchResult(branch_id=branch_id, period=period, state=state, created_by_id=user_id,
                                      submitted_at=now if state != RecordState.DRAFT else None)
                if state == RecordState.VERIFIED:
                    result.verified_at, result.verified_by_id = now, user_id
                db.session.add(result)
            for kind, value, current in changes:
                before = _stored(current) if current is not None else None
                if current is None:
                    current = BranchIndicator(key=kind)
                    result.indicators.append(current)
                current.value = value if isinstance(value, Decimal) else None
                current.choice = value if isinstance(value, str) else ""
                db.session.flush()
                audit.record(ctx.user, "import", "branch_result", result.id,
                             {kind: (before, "是" if value is None else value)}, reason=ctx.book.file)
        db.session.flush()


def _stored(indicator: BranchIndicator) -> Decimal | str | None:
    if indicator.choice:
        return indicator.choice
    return indicator.value.normalize() if indicator.value is not None else None

