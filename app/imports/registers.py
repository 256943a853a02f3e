"""Importing the registers that last across years. 联一户: one pairing a row, matched by its 结对编号, with its
counterpart (对接对象), matched by type and name (a new one is registered, a known one's details updated). 引一企: one
project a row, matched by its 项目编号, with the date of each stage it reached. Exports write the same sheets.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import audit
from app.activities.services import SUBJECT_UNIT_KINDS
from app.auth.scope import scoped
from app.extensions import db
from app.i18n import N_
from app.imports.base import Context
from app.imports.people import Roll
from app.models import (Counterpart, CounterpartKind, Member, Pairing, Project, ProjectProgress, ProjectStage, Role,
                        Unit, User)
from app.pairings import services as pairings
from app.spreadsheets.columns import PAIRINGS, PROJECTS
from app.spreadsheets.rows import SheetRow

COUNTERPART_KIND = {k.label: k for k in CounterpartKind}
DETAILS = ("place", "needs", "contact", "phone")  # a counterpart's details a row carries


class RegisterRoll(Roll):
    """A register keyed by its number whose rows belong to a member or a CPPCC unit, in the importer's scope."""

    roles = (Role.CLERK, Role.OFFICE, Role.ADMIN)

    def prepare(self, ctx: Context) -> None:
        self.user = ctx.user
        self.members = {m.code: m for m in db.session.scalars(sa.select(Member))}
        self.units = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.kind.in_(SUBJECT_UNIT_KINDS)))}
        self.visible = None if ctx.user is None else set(db.session.scalars(
            scoped(self.model, ctx.user).with_only_columns(self.model.id)))

    def may_change(self, ctx: Context, obj: Any) -> bool:
        return self.visible is None or obj.id in self.visible

    def _subject(self, ctx: Context, row: SheetRow) -> tuple[Member | None, Unit | None] | None:
        """The row's member (by 委员编号) or unit (by 单位编号), in the importer's scope; else reported."""
        code = row["subject_code"]
        if row["subject_type"] == "委员":
            member = self.members.get(code)
            if member is None or not ctx.in_scope(*member.unit_ids):
                ctx.error(row, "subject_code", f"找不到委员编号“{code}”（或不是您负责单位的委员）")
                return None
            return (member, None) if ctx.check_name(row, "subject_name", code, member.name) else None
        unit = self.units.get(code)
        if unit is None or not ctx.in_scope(unit.id):
            ctx.error(row, "subject_code", f"找不到专委会、界别或联络处的单位编号“{code}”（或不是您负责的单位）")
            return None
        return (None, unit) if ctx.check_name(row, "subject_name", code, unit.name) else None

    def new(self, ctx: Context, obj: Any) -> None:
        obj.created_by_id = ctx.user.id if ctx.user is not None else None


class Pairings(RegisterRoll):
    name = "pairings"
    label = N_("联一户结对登记")
    sheets = (PAIRINGS,)
    entity = "pairing"
    model = Pairing
    audit_fields = ("member_id", "unit_id", "kind", "counterpart_id", "starts_on", "ends_on", "note")
    field_columns = {"member_id": "subject_code", "unit_id": "subject_code", "counterpart_id": "counterpart",
                     "starts_on": "starts_on", "ends_on": "ends_on"}
    instructions = (N_("每个结对一行，以结对编号区分：编号已有的更新，没有的新增；结对跨年度持续，不必每年重新登记。"),
                    N_("结对方为委员的填委员编号，为专委会、界别、联络处的填单位编号；录入员只能导入本单位委员和本单位的结对。"),
                    N_("对接对象按类型和名称识别：已登记的更新所在地、需求、联系人和电话，没有的新登记。"))

    def choices(self, user: User | None) -> dict[str, list[str]]:
        return {"kind": pairings.pairing_kinds()}

    def prepare(self, ctx: Context) -> None:
        super().prepare(ctx)
        self.kinds = {"members": set(pairings.pairing_kinds("members")), "units": set(pairings.pairing_kinds("units"))}
        self.counterparts = {(c.kind, c.name): c for c in db.session.scalars(sa.select(Counterpart))}
        self.seen: dict[tuple[CounterpartKind, str], tuple[int, dict[str, str]]] = {}

    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        subject = self._subject(ctx, row)
        if subject is None or row["counterpart_kind"] is None or row["subject_type"] is None:
            return None
        member, unit = subject
        if row["kind"] not in self.kinds[pairings.subject_rules(member)]:
            ctx.error(row, "kind", f"本年度细则没有为{row['subject_type']}规定联一户类型“{row['kind']}”")
            return None
        if row["ends_on"] is not None and row["ends_on"] < row["starts_on"]:
            ctx.error(row, "ends_on", "结束日期早于开始日期")
            return None
        if row["starts_on"] > ctx.today:
            ctx.error(row, "starts_on", "开始日期晚于今天")
            return None
        kind = COUNTERPART_KIND[row["counterpart_kind"]]
        details = {key: row[key] or "" for key in DETAILS}
        if not ctx.check_lengths(row, Counterpart, {"name": row["counterpart"], **details},
                                 {"name": "counterpart"}):
            return None
        if details["phone"] and not pairings.PHONE.match(details["phone"]):
            ctx.error(row, "phone", "电话号码无效")
            return None
        key = (kind, row["counterpart"])
        earlier = self.seen.get(key)
        if earlier is not None and earlier[1] != details:
            ctx.error(row, "counterpart", f"与第 {earlier[0]} 行是同一对接对象，但所在地、需求、联系人或电话不同")
            return None
        self.seen.setdefault(key, (row.number, details))
        known = self.counterparts.get(key)
        return {"code": row["code"], "name": row["counterpart"], "member_id": member.id if member else None,
                "unit_id": unit.id if unit else None, "kind": row["kind"],
                "counterpart_id": known.id if known else None, "starts_on": row["starts_on"],
                "ends_on": row["ends_on"], "note": row["note"] or "", "counterpart_key": key, "details": details}

    def extra_changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        known = self.counterparts.get(values["counterpart_key"])
        if known is None:
            return []
        return [PAIRINGS.column(k).header for k in DETAILS if getattr(known, k) != values["details"][k]]

    def assign(self, obj: Any, values: dict[str, Any]) -> None:
        """The pairing's columns and its counterpart (found by type and name, or registered), flushed together: the
        new pairing is not written before it has all its columns."""
        kind, name = values.pop("counterpart_key")
        details = values.pop("details")
        values.pop("name")
        values.pop("counterpart_id")
        counterpart = self.counterparts.get((kind, name))
        before = {} if counterpart is None else audit.snapshot(counterpart, pairings.COUNTERPART_FIELDS)
        with db.session.no_autoflush:
            if counterpart is None:
                counterpart = Counterpart(kind=kind, name=name, created_by_id=self.user.id if self.user else None)
                db.session.add(counterpart)
                self.counterparts[(kind, name)] = counterpart
            for key, value in details.items():
                setattr(counterpart, key, value)
            super().assign(obj, values)
            obj.counterpart = counterpart
        db.session.flush()
        changes = audit.diff(before, audit.snapshot(counterpart, pairings.COUNTERPART_FIELDS))
        if changes:
            audit.record(self.user, "create" if not before else "update", "counterpart", counterpart.id, changes)


class Projects(RegisterRoll):
    name = "projects"
    label = N_("引一企项目登记")
    sheets = (PROJECTS,)
    entity = "project"
    model = Project
    audit_fields = ("name", "investor", "industry", "amount", "member_id", "unit_id", "others", "note")
    field_columns = {"member_id": "subject_code", "unit_id": "subject_code"}
    instructions = (N_("每个项目一行，以项目编号区分：编号已有的更新，没有的新增。"),
                    N_("各阶段填达到的日期，未达到的留空；已报送为履职记录的阶段不能再改日期。"))

    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        subject = self._subject(ctx, row)
        if subject is None or row["subject_type"] is None:
            return None
        stages = {stage: row[f"stage_{stage.name.lower()}"] for stage in ProjectStage}
        late = [s for s, day in stages.items() if day is not None and day > ctx.today]
        if late:
            ctx.error(row, f"stage_{late[0].name.lower()}", "日期晚于今天")
            return None
        member, unit = subject
        return {"code": row["code"], "name": row["name"], "investor": row["investor"] or "",
                "industry": row["industry"] or "", "amount": row["amount"],
                "member_id": member.id if member else None, "unit_id": unit.id if unit else None,
                "others": row["others"] or "", "note": row["note"] or "",
                "stages": {s: day for s, day in stages.items() if day is not None}}

    def extra_changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        have = {s.stage: s.reached_on for s in obj.stages}
        return [PROJECTS.column(f"stage_{s.name.lower()}").header for s, day in values["stages"].items()
                if have.get(s) != day]

    def assign(self, obj: Any, values: dict[str, Any]) -> None:
        """The project's columns, and a stage's date where the row gives one (never one already reported)."""
        stages = values.pop("stages")
        with db.session.no_autoflush:
            super().assign(obj, values)
            have = {s.stage: s for s in obj.stages}
            for stage, day in stages.items():
                row = have.get(stage)
                if row is None:
                    obj.stages.append(ProjectProgress(stage=stage, reached_on=day, created_by_id=obj.created_by_id))
                elif row.activity_id is None:
                    row.reached_on = day
