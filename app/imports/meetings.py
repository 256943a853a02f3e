"""Importing 出勤 (attendance) and 比实绩 (branch half-year results).

Attendance rows are grouped into meetings by type, date, name and organiser: a meeting already in the system is
matched by those four, a new one is created 已提交 with the file's rows as its invitees. A party member attends only
组织生活, a CPPCC member never does. Branch results are grouped by branch and half-year; each indicator is matched
by its name. Either way a row already stored with the same value changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app.activities import services as activities
from app.auth.scope import scoped, unit_ids
from app.branches import results
from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, CHANGED, SAME, STATE_BY_LABEL, CheckThenWrite, Context
from app.meetings import services as meeting_rules
from app.models import (Attendance, AttendanceStatus, BranchIndicator, BranchResult, Meeting, MeetingKind, Member,
                        PartyMember, RecordState, Role, Unit, UnitKind, User)
from app.spreadsheets.columns import ATTENDANCE, INDICATORS, YES
from app.spreadsheets.rows import SheetRow
from app.timeutil import utcnow

STATUS = {s.label: s for s in AttendanceStatus}
CPPCC_UNITS = (UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
_NO_ORGANISER = "找不到组织单位“{name}”（或不在您负责的范围内；组织生活的组织单位是党支部）"
STATE_LABEL = {RecordState.SUBMITTED: "提交", RecordState.VERIFIED: "核实"}  # the file's state, as a verb
_BAD = object()  # a cell whose problem is already reported


def _actor(ctx: Context) -> User:
    """Whom the screens' rules judge: the user; the CLI (no user: the whole county) acts as the office."""
    return ctx.user if ctx.user is not None else User(role=Role.OFFICE)


def _meeting_refusal(meeting: Meeting) -> str:
    """Why `meeting_rules.can_edit` refuses the meeting's attendance to the user."""
    if meeting.locked:
        return f"会议“{meeting.title}”已用于定稿的表彰名单，出勤不能修改"
    if meeting.state not in meeting_rules.EDITABLE:
        return f"会议“{meeting.title}”{meeting.state.label}，出勤不能通过导入修改"
    keeper = "党建工作联络员" if meeting_rules.party_life(meeting) else "政协组织单位的工作人员"
    return f"会议“{meeting.title}”的出勤由{keeper}或办公室录入，您不能修改"


class AttendanceImport(CheckThenWrite):
    name = "attendance"
    label = N_("出勤")
    sheets = (ATTENDANCE,)
    roles = (Role.CLERK, Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "meeting"
    instructions = (N_("每人每次会议一行：会议类型、日期、会议名称相同的行是同一次会议。"),
                    N_("委员的会议填委员编号；组织生活填党员编号。组织单位空白时，委员会议记在您负责的第一个单位，"
                       "组织生活记在党员所在支部。"),
                    N_("系统中已有的会议（类型、日期、名称、组织单位相同）会更新其出勤，规则与出勤录入页面相同："
                       "只有组织单位（或办公室）可以增加受邀人员；已提交、已核实的会议只有办公室可以修改。"))

    def choices(self, user: User | None) -> dict[str, list[str]]:
        scope = None if user is None else unit_ids(user)
        units = db.session.scalars(sa.select(Unit).where(Unit.kind.in_((*CPPCC_UNITS, UnitKind.BRANCH)), Unit.active)
                                   .order_by(Unit.kind, Unit.sort_order, Unit.id))
        return {"organiser": [u.name for u in units if scope is None or u.id in scope],
                "meeting": [t.name for t in meeting_rules.meeting_types(active_only=True)]}

    @staticmethod
    def _kind(ctx: Context, row: SheetRow, types: dict[str, meeting_rules.TypeView],
              declared: dict[int, str | None]) -> meeting_rules.TypeView | None:
        """The row's meeting type: one the system has (停用 only hides a type from the new-meeting form) that the
        year's rule file scores; else reported at its cell."""
        name = row["meeting"]
        found = types.get(name or "")
        if found is None:
            ctx.error(row, "meeting", f"“{name}”不是系统中的会议类型（可选：{'、'.join(t for t in types)}）")
            return None
        on = row["occurred_on"]
        if on is not None:
            key = (found.name, on.year)
            if key not in declared:
                declared[key] = meeting_rules.undeclared(found.name, on.year)  # type: ignore[index]
            if declared[key]:  # type: ignore[index]
                ctx.error(row, "meeting", declared[key])  # type: ignore[index,arg-type]
                return None
        return found

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> dict[str, Any]:
        units = {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.active))}
        members = {m.code: m for m in db.session.scalars(sa.select(Member))}
        party = {p.code: p for p in db.session.scalars(sa.select(PartyMember))}
        default_unit = self._default_unit(ctx)
        meetings: dict[tuple[Any, ...], dict[str, Any]] = {}
        types = {t.name: t for t in meeting_rules.meeting_types()}
        declared: dict[Any, str | None] = {}
        for row in sheets[ATTENDANCE.name]:
            on, code, status = row["occurred_on"], row["subject"], STATUS.get(row["status"] or "")
            if row.bad or code is None or status is None or not ctx.check_date(row, "occurred_on", on):
                continue
            found = self._kind(ctx, row, types, declared)
            if found is None:
                continue
            kind, party_life = found.name, found.party_life
            person = (party if party_life else members).get(code)
            scope_units = (person.branch_id,) if party_life and person else \
                tuple(person.unit_ids) if person is not None else ()
            if person is None or not ctx.in_scope(*scope_units):
                other = "委员" if party_life else "党员"
                hint = f"（{code} 是{other}的编号：{'委员不参加组织生活' if party_life else '党员只记组织生活'}）" \
                    if code in (members if party_life else party) else "（或不在您负责的范围内）"
                ctx.error(row, "subject", f"找不到编号为“{code}”的{'党员' if party_life else '委员'}{hint}")
                continue
            if not ctx.check_name(row, "name", code, person.name):
                continue
            organiser = self._organiser(ctx, row, units, default_unit, person if party_life else None)
            if organiser is None:
                continue
            title = (row["meeting_title"] or "").strip() or f"{organiser.name}{kind}"
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
            have = {meeting_rules.attendee_id(meeting, a): a for a in meeting.attendance}
            # the attendance screen's rules: marks where the user may edit, invitees only where they organise
            may_edit = meeting_rules.can_edit(meeting, _actor(ctx))
            may_invite = meeting_rules.can_manage_invitees(meeting, _actor(ctx))
            updates = []
            for row, status, person in group["rows"].values():
                what = f"{key[1].isoformat()} {key[2]}:{person.code} {person.name} {status.label}"
                current = have.get(person.id)
                if current is not None and current.status == status:
                    ctx.plan(row, SAME, what)
                    continue
                if not may_edit:
                    ctx.error(row, "status", _meeting_refusal(meeting))
                    continue
                if current is None and not may_invite:
                    ctx.error(row, "subject", f"{person.code} {person.name} 不在会议“{meeting.title}”的受邀名单中；"
                              f"只有组织单位{meeting.unit.name}（或办公室）可以增加受邀人员")
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
            version = meeting.version
            party_life = meeting.kind == MeetingKind.PARTY_LIFE
            for person, status, current in updates:
                before = f"{person.name} {current.status.label}" if current is not None else None
                if current is None:
                    meeting.attendance.append(Attendance(status=status, **{
                        "party_member_id" if party_life else "member_id": person.id}))
                else:
                    current.status = status
                audit.record(ctx.user, "update", "meeting", meeting.id,
                             {"status": (before, f"{person.name} {status.label}")}, reason=ctx.book.file)
            meeting_rules.touch(meeting, version)  # as a screen save: a form shown before the import is now stale


class BranchResults(CheckThenWrite):
    name = "branch-results"
    label = N_("比实绩")
    sheets = (INDICATORS,)
    roles = (Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "branch_result"
    instructions = (N_("每个支部每半年每个指标一行；期间填 2025H1（上半年）或 2025H2（下半年）。"),
                    N_("数值指标填“数值”列；等级指标（如 劳资关系）填“等级”列；无数值的否决事项（如 重大事故）在“等级”列填“是”。"),
                    N_("状态空白为已提交：提交时，除否决事项外的每个指标都须已填写（文件中或系统中）；暂不提交请填“草稿”。"),
                    N_("规则与比实绩录入页面相同：已提交、已核实的比实绩不能通过导入修改。"))

    def choices(self, user: User | None) -> dict[str, list[str]]:
        scope = None if user is None else unit_ids(user)
        kinds: list[str] = []
        grades: list[str] = [YES]
        for ruleset in activities.open_rulesets("branches"):  # the open years read once, not once a rule file
            for spec in ruleset.kinds.values():
                kinds += [spec.name] if spec.name not in kinds else []
                field = spec.fields.get("value")
                grades += [v for v in (field.values if field else ()) if v not in grades]
        stmt = sa.select(Unit.code).where(Unit.kind == UnitKind.BRANCH, Unit.active)
        if scope is not None:
            stmt = stmt.where(Unit.id.in_(scope))
        branches = db.session.scalars(stmt.order_by(Unit.sort_order, Unit.id))
        return {"kind": kinds, "grade": grades, "subject": list(branches)}

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[tuple[Any, ...]]:
        branches = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH))}
        stored = {(r.branch_id, r.period): r for r in db.session.scalars(
            sa.select(BranchResult).options(selectinload(BranchResult.indicators)))}
        by_year: dict[int, dict[str, results.Indicator]] = {}
        seen: dict[tuple[int, str, str], int] = {}
        groups: dict[tuple[int, str], dict[str, Any]] = {}
        for row in sheets[INDICATORS.name]:
            branch, period, kind = branches.get(row["subject"] or ""), row["period"], row["kind"]
            if row.bad or period is None or kind is None:
                continue
            if branch is None or not ctx.in_scope(branch.id):
                ctx.error(row, "subject", f"找不到编号为“{row['subject']}”的党支部（或不是您联系的支部）")
                continue
            if not ctx.check_name(row, "name", branch.code, branch.name):
                continue
            if problem := results.period_problem(period, ctx.today):
                ctx.error(row, "period", problem)
                continue
            group = groups.setdefault((branch.id, period), {
                "branch": branch, "state": STATE_BY_LABEL[ctx.check_state(row)], "rows": [], "tried": set()})
            group["tried"].add(kind)
            year = int(period[:4])
            if year not in by_year:
                by_year[year] = {ind.key: ind for ind in results.indicators(year)}
            ind = by_year[year].get(kind)
            if ind is None:
                ctx.error(row, "kind", f"“{kind}”不是 {year} 年比实绩细则声明的指标（可选：{'、'.join(by_year[year])}）")
                continue
            value = self._value(ctx, row, ind)
            current = stored.get((branch.id, period))
            if value is _BAD or not ctx.may_verify(row, current is not None and current.state == RecordState.VERIFIED):
                continue
            key = (branch.id, period, kind)
            if key in seen:
                ctx.error(row, "kind", f"第 {seen[key]} 行已填过 {branch.code} {period} 的“{kind}”")
                continue
            seen[key] = row.number
            group["rows"].append((row, ind, value))
        plan = []
        for (branch_id, period), group in groups.items():
            if group["rows"]:
                planned = self._plan(ctx, group, period, stored.get((branch_id, period)),
                                     by_year[int(period[:4])].values())
                plan += [planned] if planned is not None else []
        return plan

    @staticmethod
    def _value(ctx: Context, row: SheetRow, ind: results.Indicator) -> Any:
        """The row's value as the entry form holds it (a number, a grade, True for a flag), or _BAD after
        reporting a problem. Which cell holds what is the sheet's; what a value may be is results.check_value's."""
        number, grade = row["number"], row["grade"]
        if number is not None and grade is not None:
            ctx.error(row, "grade", "数值和等级只填一项")
            return _BAD
        if ind.type == "flag":
            if number is not None or grade not in (YES, None):
                ctx.error(row, "grade", f"“{ind.key}”没有数值，发生时在“等级”列填“是”")
                return _BAD
            return True
        if ind.type == "enum":
            if grade is None:
                ctx.error(row, "grade", f"“{ind.key}”是等级指标，请在“等级”列填写（可选：{'、'.join(ind.values)}）")
                return _BAD
            value, key = grade, "grade"
        else:
            if number is None:
                ctx.error(row, "number", f"“{ind.key}”是数值指标，请在“数值”列填写")
                return _BAD
            value, key = Decimal(number), "number"
        if message := results.check_value(ind, value, submit=False):
            ctx.error(row, key, f"“{ind.key}”：{message}")
            return _BAD
        return value

    @staticmethod
    def _plan(ctx: Context, group: dict[str, Any], period: str, result: BranchResult | None,
              items: Iterable[results.Indicator]) -> tuple[Any, ...] | None:
        """Plan one branch's half-year by the entry form's rules; None after reporting a problem."""
        branch, state = group["branch"], group["state"]
        # a draft or returned result moves forward to the file's 已提交 (已核实), as the form's 提交 does
        moves = result is not None and result.state in results.EDITABLE and state != RecordState.DRAFT
        have = {i.key: i for i in result.indicators} if result is not None else {}
        changes, unchanged = [], []
        for row, ind, value in group["rows"]:
            current = have.get(ind.key)
            if current is not None and results.text_of(results.value_of(ind, current)) == results.text_of(value):
                unchanged.append(row)
            else:
                changes.append((row, ind, value, current))
        what = f"{branch.code} {branch.name} {period}"
        if not changes and not moves:
            for row, ind, _value in group["rows"]:
                ctx.plan(row, SAME, f"{what} {ind.key}")
            return None
        if result is not None and not results.can_edit(result, _actor(ctx)):
            reason = "已用于定稿的表彰名单" if result.locked else result.state.label
            for row in [c[0] for c in changes] or unchanged:
                ctx.error(row, "kind", f"{branch.name} {period} 的比实绩{reason}，不能通过导入修改")
            return None
        if state != RecordState.DRAFT and (result is None or moves):
            filed = {ind.key for _row, ind, _value in group["rows"]} | set(have) | group["tried"]
            missing = [ind.key for ind in items
                       if ind.key not in filed and results.check_value(ind, None, submit=True)]
            if missing:
                ctx.error(group["rows"][0][0], "state",
                          f"{branch.code} {period} 的比实绩{STATE_LABEL[state]}前须填写全部指标，还缺：{'、'.join(missing)}"
                          "（文件中或系统中）；暂不提交请在“状态”列填“草稿”")
                return None
        moved = ("state",) if moves else ()
        for row in unchanged:
            ctx.plan(row, CHANGED, f"{what} {row['kind']}", moved)
        for row, ind, value, current in changes:
            ctx.plan(row, ADDED if current is None else CHANGED, f"{what} {ind.key}",
                     (() if current is None else ("grade" if ind.type in ("enum", "flag") else "number",)) + moved)
        return branch, period, state, result, moves, [c[1:] for c in changes]

    def write(self, ctx: Context, plan: list[tuple[Any, ...]]) -> None:
        now = utcnow()
        user_id = ctx.user.id if ctx.user is not None else None
        for branch, period, state, result, moves, changes in plan:
            before_state = result.state if result is not None else None
            if result is None:
                result = BranchResult(branch_id=branch.id, period=period, state=RecordState.DRAFT,
                                      created_by_id=user_id)
                db.session.add(result)
            if result.state != state and (before_state is None or moves):
                result.state = state
                result.submitted_at = now
                if state == RecordState.VERIFIED:
                    result.verified_at, result.verified_by_id, result.return_reason = now, user_id, ""
            values: dict[str, tuple[str | None, str | None]] = {}
            for ind, value, current in changes:
                before = results.text_of(results.value_of(ind, current))
                if current is None:
                    current = BranchIndicator(key=ind.key)
                    result.indicators.append(current)
                results.store_value(ind, current, value)
                values[ind.key] = (before, results.text_of(value))
            result.updated_at = now  # always an UPDATE of the result, as results.save: its version guards the form
            db.session.flush()
            if moves:
                values["state"] = (before_state, result.state)
            audit.record(ctx.user, "import", "branch_result", result.id, values, reason=ctx.book.file)
        db.session.flush()

