"""Coverage facts from the database, within the signed-in user's data scope (a liaison: their branches and their
enterprises), and the yearly figures of an enterprise: saved with an audit row, flushed, never committed."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import clause
from app.extensions import db
from app.models import (AppraisalYear, BranchForm, Enterprise, EnterpriseFigures, PartyMember, Unit, UnitKind,
                        User)
from app.timeutil import beijing_today
from reports.coverage import JOINT, SINGLE, BranchFact, Coverage, EnterpriseFact, tally

CENT = Decimal("0.01")
FIGURE_FIELDS = ("employees", "party_members", "output", "tax")
Errors = dict[str, list[str]]


def years() -> list[int]:
    """Years worth offering, newest first: appraisal years, years with figures, this year."""
    found = set(db.session.scalars(sa.select(AppraisalYear.year)))
    found |= set(db.session.scalars(sa.select(EnterpriseFigures.year).distinct()))
    return sorted(found | {beijing_today().year}, reverse=True)


def figures_for(enterprise: Enterprise, year: int) -> EnterpriseFigures | None:
    """The figures `year` reads: its own row, else the latest earlier one (carried over)."""
    earlier = [f for f in enterprise.figures if f.year <= year]
    return earlier[-1] if earlier else None


def _in_scope(model: type, county: bool) -> sa.ColumnElement[bool]:
    return sa.true() if county else clause(model)


def _roll_counts(column: sa.ColumnElement[Any], county: bool) -> dict[int, int]:
    return dict(db.session.execute(  # type: ignore[arg-type]
        sa.select(column, sa.func.count())
        .where(_in_scope(PartyMember, county), PartyMember.active, column.is_not(None))
        .group_by(column)).all())


def coverage(year: int, county: bool = False) -> Coverage:
    """The year's coverage of what the signed-in user may see (`county`: all of it, for the command line): four
    queries, then pure code (reports.coverage.tally)."""
    branches = db.session.scalars(
        sa.select(Unit).where(_in_scope(Unit, county)).options(selectinload(Unit.parent))
        .where(Unit.kind == UnitKind.BRANCH, Unit.active).order_by(Unit.sort_order, Unit.id)).all()
    enterprises = db.session.scalars(
        sa.select(Enterprise).where(_in_scope(Enterprise, county))
        .options(selectinload(Enterprise.figures), selectinload(Enterprise.branch)).order_by(Enterprise.name)).all()
    on_branch = _roll_counts(PartyMember.branch_id, county)
    in_enterprise = _roll_counts(PartyMember.enterprise_id, county)
    branch_facts = [BranchFact(b.name, JOINT if b.branch_form == BranchForm.JOINT else SINGLE,
                               b.parent.name if b.parent else "", b.founded_on, on_branch.get(b.id, 0),
                               b.parent is not None and b.parent.kind == UnitKind.GENERAL_BRANCH)
                    for b in branches]
    facts = []
    for e in enterprises:
        f = figures_for(e, year)
        branch = e.branch.name if e.branch is not None and e.branch.active else ""
        owner = f"{e.owner_name}（{e.owner_title}）" if e.owner_name and e.owner_title else e.owner_name
        if f is None:
            facts.append(EnterpriseFact(e.name, branch, e.employees, in_enterprise.get(e.id, 0), key=e.id,
                                        owner=owner))
        else:
            facts.append(EnterpriseFact(e.name, branch, f.employees, f.party_members, f.output, f.tax, f.year, e.id,
                                        owner=owner))
    return tally(year, branch_facts, facts)


def save_figures(enterprise: Enterprise, year: int, data: Mapping[str, Any], actor: User, ip: str = "") -> Errors:
    """Set the enterprise's figures for `year` (its own row, made if missing), with an audit row per change.

    A party member count above the headcount is refused: both are people on the enterprise's payroll."""
    employees, party_members = data.get("employees") or 0, data.get("party_members") or 0
    errors: Errors = {}
    if party_members > employees:
        errors["party_members"] = [_("党员人数（%(p)s）不能多于职工人数（%(e)s）。", p=party_members, e=employees)]
    for name in ("output", "tax"):
        value = data.get(name)
        if value is not None and value != value.quantize(CENT):
            errors[name] = [_("金额以万元为单位，至多两位小数。")]
    if errors:
        return errors
    row = next((f for f in enterprise.figures if f.year == year), None)
    before = audit.snapshot(row, FIGURE_FIELDS) if row is not None else {}
    if row is None:
        row = EnterpriseFigures(enterprise=enterprise, year=year)
        db.session.add(row)
    row.employees, row.party_members = employees, party_members
    row.output, row.tax = data.get("output"), data.get("tax")
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(row, FIGURE_FIELDS))
    if changes:
        audit.record(actor, "update" if before else "create", "enterprise_figures", row.id,
                     {**changes, "enterprise": (None, f"{enterprise.name}（{year}年）")} if not before else changes,
                     ip=ip)
    return {}
