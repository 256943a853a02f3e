"""Importing the rolls: 委员 (members), 党支部 (branches) and 党员 (party members), matched by their 编号.

A row whose 编号 is new adds one; a row whose 编号 exists updates the columns that differ (each change audited);
a row equal to what is stored changes nothing.
"""
from __future__ import annotations

import abc
from typing import Any, ClassVar

import sqlalchemy as sa

from app import audit, unit_history
from app.auth.scope import unit_ids
from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, CHANGED, SAME, CheckThenWrite, Context
from app.models import (BranchForm, Enterprise, Gender, Member, PartyMember, PartyStatus, Role, Term, Unit, UnitKind,
                        User)
from app.pinyin import search_key
from app.spreadsheets.columns import BRANCHES, MEMBERS, PARTY_MEMBERS, require
from app.spreadsheets.rows import SheetRow

GENDER = {g.label: g for g in Gender}
PARTY_STATUS = {s.label: s for s in PartyStatus}
BRANCH_FORM = {f.label: f for f in BranchForm}


def _units(*kinds: UnitKind) -> dict[str, Unit]:
    """Active units of `kinds` by name."""
    return {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.kind.in_(kinds), Unit.active)
                                                  .order_by(Unit.sort_order, Unit.id))}


class Roll(CheckThenWrite):
    """A roll keyed by 编号: check each row into the attributes to store, then add or update."""

    model: ClassVar[type[Any]]
    audit_fields: ClassVar[tuple[str, ...]]   # the attributes compared and audited
    field_columns: ClassVar[dict[str, str]]   # attribute → column key, to name a changed column
    audit_names: ClassVar[dict[str, str]] = {}  # attribute → the audit log's field, where the name is taken

    def existing(self, ctx: Context) -> dict[str, Any]:
        return {obj.code: obj for obj in db.session.scalars(sa.select(self.model))}

    @abc.abstractmethod
    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        """The attributes to store for `row`, or None after reporting its problems."""

    def may_change(self, ctx: Context, obj: Any) -> bool:
        return True

    def prepare(self, ctx: Context) -> None:
        """Load what `values` looks rows up in."""

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[tuple[Any, dict[str, Any]]]:
        self.prepare(ctx)
        current = self.existing(ctx)
        seen: dict[str, int] = {}
        plan = []
        for row in sheets[self.sheets[0].name]:
            code = row["code"]
            if code is None:
                continue
            if code in seen:
                ctx.error(row, "code", f"“{code}”与第 {seen[code]} 行重复")
                continue
            seen[code] = row.number
            values = self.values(ctx, row)
            if values is None or row.bad or not ctx.check_lengths(row, self.model, values, self.field_columns):
                continue
            obj = current.get(code)
            what = f"{code} {values['name']}"
            if obj is None:
                ctx.plan(row, ADDED, what)
            elif not self.may_change(ctx, obj):
                ctx.error(row, "code", f"编号“{code}”已被您负责范围以外的{self.label}使用")
                continue
            else:
                changed = [a for a in self.audit_fields
                           if audit.as_text(getattr(obj, a)) != audit.as_text(values.get(a, getattr(obj, a)))]
                if not changed and not self.extra_changes(obj, values):
                    ctx.plan(row, SAME, what)
                    continue
                ctx.plan(row, CHANGED, what, [self.field_columns.get(a, a) for a in changed]
                         + self.extra_changes(obj, values))
            plan.append((obj, values))
        return plan

    def extra_changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        return []

    def write(self, ctx: Context, plan: list[tuple[Any, dict[str, Any]]]) -> None:
        for obj, values in plan:
            before = {} if obj is None else audit.snapshot(obj, self.audit_fields)
            if obj is None:
                obj = self.model()
                self.new(ctx, obj)
                db.session.add(obj)
            self.assign(obj, values)
            db.session.flush()
            if before:
                self.after_update(ctx, obj, before)
            changes = audit.diff(before, audit.snapshot(obj, self.audit_fields))
            audit.record(ctx.user, "create" if not before else "update", self.entity, obj.id,
                         {self.audit_names.get(k, k): v for k, v in changes.items()}, reason=ctx.book.file)

    def new(self, ctx: Context, obj: Any) -> None:
        """Set what only a new row needs."""

    def after_update(self, ctx: Context, obj: Any, before: dict[str, Any]) -> None:
        """What an update of a stored row also does (`before`: its audited fields before)."""

    def assign(self, obj: Any, values: dict[str, Any]) -> None:
        for key, value in values.items():
            setattr(obj, key, value)
        if hasattr(obj, "search_key"):
            obj.search_key = search_key(obj.name)


class Members(Roll):
    name = "members"
    label = N_("委员名册")
    sheets = (require(MEMBERS, "gender", "sector"),)
    roles = (Role.OFFICE, Role.ADMIN)
    entity = "member"
    model = Member
    audit_fields = ("name", "gender", "party", "sector_id", "committee_id", "liaison_id", "is_standing",
                    "is_chair_council", "is_resident_standing", "active", "employer", "position", "phone",
                    "ethnicity", "birth_month", "joined_on", "left_on", "note")
    # columns a file made from an older template lacks: absent, they leave what is stored as it is
    LATER_COLUMNS = ("ethnicity", "birth_month", "joined_on", "left_on", "note")
    field_columns = {"sector_id": "sector", "committee_id": "committee", "liaison_id": "liaison",
                     "is_standing": "standing", "is_chair_council": "chair_council",
                     "is_resident_standing": "resident_standing"}
    instructions = (N_("每位委员一行，以委员编号区分：编号已有的更新，没有的新增。"),
                    N_("界别、专委会、联络处须填写系统中已有的名称（见下拉列表）。"))

    def after_update(self, ctx: Context, obj: Any, before: dict[str, Any]) -> None:
        unit_history.record(obj, before, ctx.today, ctx.user)  # a move the file shows takes effect today

    def choices(self, user: User | None) -> dict[str, list[str]]:
        return {"sector": list(_units(UnitKind.SECTOR_GROUP)), "committee": list(_units(UnitKind.COMMITTEE)),
                "liaison": list(_units(UnitKind.LIAISON_OFFICE))}

    def prepare(self, ctx: Context) -> None:
        self.lookup = {"sector": _units(UnitKind.SECTOR_GROUP), "committee": _units(UnitKind.COMMITTEE),
                       "liaison": _units(UnitKind.LIAISON_OFFICE)}
        self.term = db.session.scalar(sa.select(Term).order_by(Term.number.desc()).limit(1))

    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        ok = True
        units: dict[str, int | None] = {}
        for key, word in (("sector", "界别活动组"), ("committee", "专门委员会"), ("liaison", "乡镇政协联络处")):
            name = row[key]
            unit = self.lookup[key].get(name) if name else None
            if name and unit is None:
                ctx.error(row, key, f"系统中没有名为“{name}”的{word}")
                ok = False
            units[f"{key}_id"] = unit.id if unit else None
        if self.term is None:
            ctx.error(row, "code", "系统中还没有届次，请先由管理员设置")
            ok = False
        if row["joined_on"] is not None and row["left_on"] is not None and row["left_on"] < row["joined_on"]:
            ctx.error(row, "left_on", "离任日期早于任职日期")
            ok = False
        if not ok or row["gender"] is None:
            return None
        present = ctx.book.columns.get(row.sheet, set())
        later = {key: (row[key] if key in ("joined_on", "left_on") else row[key] or "")
                 for key in self.LATER_COLUMNS if key in present}
        return {"code": row["code"], "name": row["name"], "gender": GENDER[row["gender"]],
                "party": row["party"] or "", **units, "is_standing": bool(row["standing"]),
                "is_chair_council": bool(row["chair_council"]), "is_resident_standing": bool(row["resident_standing"]),
                "active": row["active"] is not False, "employer": row["employer"] or "",
                "position": row["position"] or "", "phone": row["phone"] or "", **later}

    def new(self, ctx: Context, obj: Any) -> None:
        obj.term_id = self.term.id


class Branches(Roll):
    name = "branches"
    label = N_("党支部")
    sheets = (BRANCHES,)
    roles = (Role.OFFICE, Role.ADMIN)
    entity = "unit"
    model = Unit
    audit_fields = ("name", "branch_form", "parent_id")
    field_columns = {"parent_id": "parent"}
    instructions = (N_("每个非公企业党支部一行，以支部编号区分。"),
                    N_("上级组织填镇党委或党总支的名称，空白为镇党委；所属企业用 、 隔开，系统中没有的企业会新建。"))

    def existing(self, ctx: Context) -> dict[str, Any]:
        return {u.code: u for u in db.session.scalars(sa.select(Unit))}

    def choices(self, user: User | None) -> dict[str, list[str]]:
        return {"parent": list(_units(UnitKind.PARTY_COMMITTEE, UnitKind.GENERAL_BRANCH))}

    def prepare(self, ctx: Context) -> None:
        self.parents = _units(UnitKind.PARTY_COMMITTEE, UnitKind.GENERAL_BRANCH)
        tops = [u for u in self.parents.values() if u.kind == UnitKind.PARTY_COMMITTEE]
        self.default_parent = tops[0] if len(tops) == 1 else None
        self.enterprises = {e.name: e for e in db.session.scalars(sa.select(Enterprise))}
        self.claimed: dict[str, str] = {}

    def may_change(self, ctx: Context, obj: Any) -> bool:
        return obj.kind == UnitKind.BRANCH

    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        parent = self.parents.get(row["parent"]) if row["parent"] else self.default_parent
        if parent is None:
            ctx.error(row, "parent", f"系统中没有名为“{row['parent']}”的镇党委或党总支" if row["parent"]
                      else "请填写上级组织（镇党委或党总支的名称）")
            return None
        names = list(row["enterprises"] or ())
        limit = sa.inspect(Enterprise).columns["name"].type.length
        for name in names:
            if len(name) > limit:
                ctx.error(row, "enterprises", f"企业名称“{name[:20]}…”太长（至多 {limit} 字）")
                return None
            owner = self.enterprises.get(name)
            if owner is not None and owner.branch is not None and owner.branch.code != row["code"] or \
                    self.claimed.get(name, row["code"]) != row["code"]:
                ctx.error(row, "enterprises", f"企业“{name}”已属于其他党支部")
                return None
            self.claimed[name] = row["code"]
        if row["branch_form"] == BranchForm.SINGLE.label and len(names) > 1:
            ctx.error(row, "enterprises", "单独组建的支部只能有一个企业")
            return None
        return {"code": row["code"], "name": row["name"], "kind": UnitKind.BRANCH,
                "branch_form": BRANCH_FORM[row["branch_form"]] if row["branch_form"] else None,
                "parent_id": parent.id, "enterprise_names": names}

    def extra_changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        have = {e.name for e in obj.enterprises}
        return ["enterprises"] if values["enterprise_names"] and set(values["enterprise_names"]) != have else []

    def assign(self, obj: Any, values: dict[str, Any]) -> None:
        names = values.pop("enterprise_names")
        super().assign(obj, values)
        if names:
            db.session.flush()
            for name in names:
                enterprise = self.enterprises.get(name) or Enterprise(name=name)
                enterprise.branch_id = obj.id
                self.enterprises[name] = enterprise
                db.session.add(enterprise)


class PartyMembers(Roll):
    name = "party-members"
    label = N_("党员")
    sheets = (require(PARTY_MEMBERS, "gender", "branch"),)
    roles = (Role.LIAISON, Role.OFFICE, Role.ADMIN)
    entity = "party_member"
    model = PartyMember
    audit_fields = ("name", "gender", "branch_id", "status", "active", "joined_on", "enterprise_id", "post", "phone")
    field_columns = {"branch_id": "branch", "status": "party_status", "enterprise_id": "enterprise"}
    audit_names = {"status": "party_status"}  # "status" is attendance's
    instructions = (N_("每名党员一行，以党员编号区分；党员类别填 正式党员 或 预备党员。"),
                    N_("支部填党支部的名称或编号；联络员只能导入所联系支部的党员。"))

    @staticmethod
    def _branches(scope: set[int] | None) -> list[Unit]:
        """Active branches within `scope` (None: all)."""
        return [u for u in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH, Unit.active)
                                              .order_by(Unit.sort_order, Unit.id)) if scope is None or u.id in scope]

    def choices(self, user: User | None) -> dict[str, list[str]]:
        return {"branch": [u.name for u in self._branches(None if user is None else unit_ids(user))]}

    def prepare(self, ctx: Context) -> None:
        branches = self._branches(ctx.scope)
        self.branches = {**{u.code: u for u in branches}, **{u.name: u for u in branches}}
        self.enterprises = {(e.branch_id, e.name): e for e in db.session.scalars(sa.select(Enterprise))}

    def may_change(self, ctx: Context, obj: Any) -> bool:
        return ctx.in_scope(obj.branch_id)

    def values(self, ctx: Context, row: SheetRow) -> dict[str, Any] | None:
        branch = self.branches.get(row["branch"]) if row["branch"] else None
        if branch is None:
            if row["branch"]:
                ctx.error(row, "branch", f"找不到党支部“{row['branch']}”（或不是您联系的支部）")
            return None
        enterprise = None
        if row["enterprise"]:
            enterprise = self.enterprises.get((branch.id, row["enterprise"]))
            if enterprise is None:
                ctx.error(row, "enterprise", f"“{row['enterprise']}”不是{branch.name}的企业")
                return None
        if row["joined_on"] is not None and row["joined_on"] > ctx.today:
            ctx.error(row, "joined_on", "入党日期不能晚于今天")
            return None
        if row["gender"] is None or row["party_status"] is None:
            return None
        return {"code": row["code"], "name": row["name"], "gender": GENDER[row["gender"]], "branch_id": branch.id,
                "status": PARTY_STATUS[row["party_status"]], "active": row["active"] is not False,
                "joined_on": row["joined_on"], "enterprise_id": enterprise.id if enterprise else None,
                "post": row["post"] or "", "phone": row["phone"] or ""}
