"""企业年度数据 from a sheet (双比双争 coverage statistics): one enterprise a row, matched by its name (a name not yet
registered registers a new one), linked to a branch by the branch's name or 编号, with its figures for one year
(职工, 党员, 产值, 税收) checked as the figures form checks them (app.coverage.services.figure_errors), and its 企业主
(name, 职务, phone; optional columns) checked as the owner form checks them (app.admin.services.owner_errors).

A row whose figures equal what the year already reads (its own, or an earlier year's carried over) is 不变, so an
export imported again changes nothing. Rows are read once and each leaves a small plan, not the row: a long file
costs the memory of its plan. The office's (and the admin's) import: the township keeps these figures.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.admin.services import OWNER_FIELDS, owner_errors, save_enterprise
from app.auth.scope import unit_ids
from app.coverage import services as coverage
from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, CHANGED, SAME, Context, Dataset
from app.models import BranchForm, Enterprise, Unit, UnitKind, User
from app.spreadsheets.columns import ENTERPRISE_FIGURES, NONE
from app.spreadsheets.rows import SheetRow

FIRST_YEAR = 2000
FIGURES = ("employees", "party_members", "output", "tax")  # the figure columns, in Reading's order


class Planned(NamedTuple):
    """What one checked row does (新增, 修改 or 不变): the enterprise (None: a new one named `name`), its branch,
    industry and 企业主 (name, 职务, phone) after the import, and the year's figures when they change (None: they
    stay as the year reads them)."""

    action: str
    row: int
    name: str
    enterprise: Enterprise | None
    branch: Unit | None
    industry: str
    owner: tuple[str, str, str]  # in OWNER_FIELDS' order
    figures: dict[str, object] | None


class Enterprises(Dataset):
    name = "enterprises"
    label = N_("企业年度数据")
    sheets = (ENTERPRISE_FIGURES,)
    roles = coverage.IMPORTERS
    entity = "enterprise_figures"
    instructions = (N_("每家企业一行，填一个年度的职工、党员、产值和税收；按企业名称识别：已登记的企业更新，没有的新登记。"),
                    N_("所属党支部填支部名称或编号；空白时已登记的企业保持原支部，填“无”为未建党支部。"
                       "单独组建的党支部只能有一家企业。"),
                    N_("企业主、企业主职务、企业主电话三列可不填，没有这三列的旧模板也能导入：空白时保持已登记的内容，"
                       "填“无”为清除；企业主填“无”时职务和电话一并清除。更换企业主时，空白的职务和电话随原企业主清除，"
                       "请同时填写新企业主的。电话只能包含数字、空格、+ 和 -。"),
                    N_("覆盖统计页面可导出某一年度的企业数据（同样格式），改动后再导入；未改动的行不变。"))

    @staticmethod
    def _branches() -> list[Unit]:
        return list(db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH)
                                       .order_by(Unit.sort_order, Unit.id)))

    def choices(self, user: User | None) -> dict[str, list[str]]:
        """The active branches the user sees (an export is the liaison's too: no other branch's name in it)."""
        scope = None if user is None else unit_ids(user)
        return {"branch": [NONE, *(u.name for u in self._branches()
                                   if u.active and (scope is None or u.id in scope))]}

    def run(self, ctx: Context, sheets: dict[str, Iterator[SheetRow]], dry_run: bool) -> None:
        branches = self._branches()
        by_code = {u.code: u for u in branches}
        by_name: dict[str, list[Unit]] = {}
        for unit in branches:
            by_name.setdefault(unit.name, []).append(unit)
        known = {e.name: e for e in db.session.scalars(
            sa.select(Enterprise).options(selectinload(Enterprise.figures), selectinload(Enterprise.branch)))}
        on_roll = coverage.roll_counts(county=True)
        present = ctx.book.columns.get(ENTERPRISE_FIGURES.name, set())
        year: tuple[int, int] | None = None  # the file's year, and the row that set it
        seen: dict[str, int] = {}
        single: dict[int, list[tuple[int, str, bool]]] = {}  # a 单独组建 branch → (row, enterprise, newly linked)
        plan: list[Planned] = []
        for row in sheets[ENTERPRISE_FIGURES.name]:
            name = row["name"]
            if name is None:
                continue  # said by the reader: a required cell is blank
            if name in seen:
                ctx.error(row, "name", f"“{name}”与第 {seen[name]} 行是同一家企业")
                continue
            seen[name] = row.number
            enterprise = known.get(name)
            ok = ctx.check_lengths(row, Enterprise, {"name": name, "industry": row["industry"]},
                                   {"name": "name", "industry": "industry"})
            owner = self._owner(ctx, row, enterprise)
            day = row["year"]
            if day is not None and not FIRST_YEAR <= day <= ctx.today.year:
                ctx.error(row, "year", f"年度应在 {FIRST_YEAR} 到 {ctx.today.year} 之间")
                ok = False
            elif day is not None and year is None:
                year = (day, row.number)
            elif day is not None and year is not None and day != year[0]:
                ctx.error(row, "year", f"一个文件只导入一个年度的数据：第 {year[1]} 行是 {year[0]} 年")
                ok = False
            branch, found = self._branch(ctx, row, enterprise, by_code, by_name)
            ok = ok and found
            values = {key: row[key] for key in FIGURES}
            if "party_members" in present:
                values["party_members"] = values["party_members"] or 0
            for field, messages in coverage.figure_errors(values).items():
                for message in messages:
                    ctx.error(row, field, message.rstrip("。"))
                ok = False
            if not ok or owner is None or row.bad or day is None or values["employees"] is None:
                continue
            if branch is not None and branch.branch_form == BranchForm.SINGLE:
                linked = enterprise is not None and enterprise.branch_id == branch.id
                single.setdefault(branch.id, []).append((row.number, name, not linked))
            industry = row["industry"] if row["industry"] is not None else (enterprise.industry if enterprise else "")
            before = None if enterprise is None else coverage.reading(enterprise, day, on_roll.get(enterprise.id, 0))
            figures = self._figures(before, values, present)
            changed = [] if enterprise is None or before is None else [key for key, differs in (
                ("branch", (branch.id if branch else None) != enterprise.branch_id),
                ("industry", industry != enterprise.industry),
                *((key, owner[key] != getattr(enterprise, key)) for key in OWNER_FIELDS),
                *((key, figures is not None and figures[key] != getattr(before, key)) for key in FIGURES)) if differs]
            action = ADDED if enterprise is None else CHANGED if changed else SAME
            ctx.plan(row, action, f"{name}（{day} 年）", changed)
            kept = (owner["owner_name"], owner["owner_title"], owner["owner_phone"])
            plan.append(Planned(action, row.number, name, enterprise, branch, industry, kept, figures))
        decided = {p.name: p.branch.id if p.branch else None for p in plan}
        self._one_enterprise_each(ctx, single, known, decided, by_code)
        if not ctx.book.has_errors and not dry_run and year is not None:
            self._write(ctx, plan, year[0])

    @staticmethod
    def _owner(ctx: Context, row: SheetRow, enterprise: Enterprise | None) -> dict[str, str] | None:
        """The 企业主 after the import (name, 职务, phone), or None when the row's are refused (each bad cell said):
        a blank cell (or a file without the column) keeps what is registered, “无” clears it; “无” or another
        person's name as the name clears the 职务 and phone left blank too (they were the former owner's, and a new
        owner with the old one's phone is wrong data). Checked as the owner form checks them."""
        given = {key: row[key] for key in OWNER_FIELDS}
        # a line break refused in the name and 职务; in the phone, the owner form's pattern (owner_errors) refuses it
        ok = ctx.check_lengths(row, Enterprise, {k: v for k, v in given.items() if v not in (None, NONE)},
                               {key: key for key in OWNER_FIELDS}, one_line=("owner_name", "owner_title"))
        name = given["owner_name"]
        cleared = name == NONE or (name is not None and enterprise is not None and name != enterprise.owner_name)
        owner: dict[str, str] = {}
        for key, value in given.items():
            if value is None:  # blank: what is registered (nothing for a new enterprise or a cleared owner)
                owner[key] = "" if enterprise is None or cleared else getattr(enterprise, key)
            else:
                owner[key] = "" if value == NONE else value
        for key, messages in owner_errors(owner).items():
            for message in messages:
                ctx.error(row, key, message.rstrip("。"))
            ok = False
        return owner if ok else None

    @staticmethod
    def _branch(ctx: Context, row: SheetRow, enterprise: Enterprise | None, by_code: dict[str, Unit],
                by_name: dict[str, list[Unit]]) -> tuple[Unit | None, bool]:
        """The branch the row links its enterprise to, and whether it could be found: by 编号, else by a name only
        one branch has; blank keeps a registered enterprise's own; “无” is none. A branch no longer active only
        where the enterprise already is (an export of it reads back)."""
        text = row["branch"]
        if text is None:
            return (enterprise.branch if enterprise is not None else None), True
        if text == NONE:
            return None, True
        named = by_name.get(text, [])
        branch = by_code.get(text) or (named[0] if len(named) == 1 else None)
        if branch is None:
            ctx.error(row, "branch", f"有 {len(named)} 个名为“{text}”的党支部，请填写支部编号" if named
                      else f"找不到党支部“{text}”（填支部名称或编号；未建支部的填“{NONE}”）")
            return None, False
        if not branch.active and (enterprise is None or enterprise.branch_id != branch.id):
            ctx.error(row, "branch", f"党支部“{branch.name}”已停用")
            return None, False
        return branch, True

    @staticmethod
    def _figures(before: coverage.Reading | None, values: dict[str, object],
                 present: set[str]) -> dict[str, object] | None:
        """The year's figures to store, or None when they equal what the year reads already (`before`; None for a
        new enterprise). An optional figure column missing from the file keeps what the year reads."""
        after = {key: values[key] if key in present or key == "employees" or before is None
                 else getattr(before, key) for key in FIGURES}
        after["party_members"] = after["party_members"] or 0
        if before is not None and all(after[key] == getattr(before, key) for key in FIGURES):
            return None
        return after

    @staticmethod
    def _one_enterprise_each(ctx: Context, single: dict[int, list[tuple[int, str, bool]]],
                             known: dict[str, Enterprise], decided: dict[str, int | None],
                             by_code: dict[str, Unit]) -> None:
        """A 单独组建 branch keeps one enterprise: counting those that stay in it (the file moves them nowhere else)
        and those the file puts there, each row that newly links a second is reported."""
        units = {u.id: u for u in by_code.values()}
        for branch_id, rows in single.items():
            joining = [name for _row, name, _new in rows]
            staying = [e.name for e in known.values() if e.branch_id == branch_id and e.name not in joining
                       and decided.get(e.name, branch_id) == branch_id]
            names = staying + joining
            if len(names) <= 1:
                continue
            for number, name, new in rows:
                if new:
                    others = "、".join(n for n in names if n != name)
                    ctx.book.error(ENTERPRISE_FIGURES.name, number, ENTERPRISE_FIGURES.column("branch").header,
                                   f"单独组建的党支部“{units[branch_id].name}”只能有一家企业（还有：{others}）；"
                                   "如有多家企业，请先把支部改为联合支部")

    @staticmethod
    def _write(ctx: Context, plan: list[Planned], year: int) -> None:
        """Each enterprise and its figures through the pages' own services (each change audited). The registered
        enterprises first: a new one joining the 单独组建 branch another leaves then finds it free (save_enterprise
        checks a new enterprise's branch)."""
        header = ENTERPRISE_FIGURES.column("name").header
        for item in sorted((p for p in plan if p.action != SAME), key=lambda p: p.enterprise is None):
            enterprise = item.enterprise or Enterprise()
            registered = enterprise.employees if item.enterprise is not None else (item.figures or {})["employees"]
            data = {"name": item.name, "industry": item.industry, "employees": registered,
                    **dict(zip(OWNER_FIELDS, item.owner, strict=True))}  # the owner audited as the owner form's
            errors = save_enterprise(enterprise, item.branch, data, ctx.user)
            if not errors and item.figures is not None:
                errors = coverage.save_figures(enterprise, year, item.figures, ctx.user)
            for messages in errors.values():  # checked above: only a change made meanwhile gets here
                for message in messages:
                    ctx.book.error(ENTERPRISE_FIGURES.name, item.row, header, message.rstrip("。"))
