"""Coverage facts from the database, within the signed-in user's data scope (a liaison: their branches and their
enterprises), and the yearly figures of an enterprise: saved with an audit row, flushed, never committed."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import clause
from app.extensions import db
from app.models import (AppraisalYear, BranchForm, Enterprise, EnterpriseFigures, PartyMember, Role, Unit,
                        UnitKind, User)
from app.timeutil import beijing_today
from reports.coverage import JOINT, SINGLE, BranchFact, Coverage, EnterpriseFact, tally

CENT = Decimal("0.01")
IMPORTERS = (Role.OFFICE, Role.ADMIN)  # the township's office keeps the figures in its spreadsheet and imports it
FIGURE_FIELDS = ("employees", "party_members", "output", "tax")
MAX_PEOPLE = 10_000_000  # 职工, 党员
MAX_MONEY = Decimal(100_000_000)  # 产值, 税收 in 万元
PEOPLE_RANGE = _l("请输入 0 到 10000000 之间的整数。")
MONEY_RANGE = _l("请输入 0 到 100000000 之间、至多两位小数的金额。")
Errors = dict[str, list[str]]


class Reading(NamedTuple):
    """An enterprise's figures as a year reads them: `year` is the year they were entered for (an earlier one
    carried over), None when none were ever entered (the registered headcount, the party members on the roll)."""

    employees: int
    party_members: int
    output: Decimal | None
    tax: Decimal | None
    year: int | None


def reading(enterprise: Enterprise, year: int, on_roll: int) -> Reading:
    """The figures `year` reads for `enterprise` (`on_roll`: its active party members on the roll, read when it
    never entered figures): the one reading the report, the export and the import share."""
    found = figures_for(enterprise, year)
    if found is None:
        return Reading(enterprise.employees, on_roll, None, None, None)
    return Reading(found.employees, found.party_members, found.output, found.tax, found.year)


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
    enterprises = db.session.scalars(enterprises_query(county)).all()
    on_branch = _roll_counts(PartyMember.branch_id, county)
    in_enterprise = roll_counts(county)
    branch_facts = [BranchFact(b.name, JOINT if b.branch_form == BranchForm.JOINT else SINGLE,
                               b.parent.name if b.parent else "", b.founded_on, on_branch.get(b.id, 0),
                               b.parent is not None and b.parent.kind == UnitKind.GENERAL_BRANCH)
                    for b in branches]
    facts = []
    for e in enterprises:
        branch = e.branch.name if e.branch is not None and e.branch.active else ""
        owner = f"{e.owner_name}（{e.owner_title}）" if e.owner_name and e.owner_title else e.owner_name
        r = reading(e, year, in_enterprise.get(e.id, 0))
        facts.append(EnterpriseFact(e.name, branch, r.employees, r.party_members, r.output, r.tax, r.year, e.id,
                                    owner=owner))
    return tally(year, branch_facts, facts)


def roll_counts(county: bool = False) -> dict[int, int]:
    """Active party members on the roll by enterprise, within the user's scope (`county`: all)."""
    return _roll_counts(PartyMember.enterprise_id, county)


def enterprises_query(county: bool = False) -> sa.Select[tuple[Enterprise]]:
    """The enterprises in the user's scope (`county`: all), by name, their figures and branch loaded."""
    return (sa.select(Enterprise).where(_in_scope(Enterprise, county))
            .options(selectinload(Enterprise.figures), selectinload(Enterprise.branch)).order_by(Enterprise.name))


def export_rows(enterprises: Iterable[Enterprise], year: int, on_roll: Mapping[int, int],
                phone: bool) -> Iterator[list[Any]]:
    """The enterprises, the figures `year` reads for them and their 企业主, in the import's columns
    (app.spreadsheets.columns.ENTERPRISE_FIGURES): an export imported again changes nothing. Without the owner's
    phone (the last column) unless `phone`: the sheet is then written without that column."""
    for e in enterprises:
        r = reading(e, year, on_roll.get(e.id, 0))
        yield [e.name, e.branch.name if e.branch is not None else "", e.industry, year, r.employees,
               r.party_members, r.output, r.tax, e.owner_name, e.owner_title, *((e.owner_phone,) if phone else ())]


def figure_errors(data: Mapping[str, Any]) -> Errors:
    """What is wrong with one year's figures (职工, 党员, 产值, 税收): the form's and the import's one check. A party
    member count above the headcount is refused: both are people on the enterprise's payroll."""
    employees, party_members = data.get("employees") or 0, data.get("party_members") or 0
    errors: Errors = {}
    for name, value in (("employees", employees), ("party_members", party_members)):
        if not 0 <= value <= MAX_PEOPLE:
            errors[name] = [str(PEOPLE_RANGE)]
    if party_members > employees and not errors:
        errors["party_members"] = [_("党员人数（%(p)s）不能多于职工人数（%(e)s）。", p=party_members, e=employees)]
    for name in ("output", "tax"):
        value = data.get(name)
        if value is not None and not 0 <= value <= MAX_MONEY:
            errors[name] = [str(MONEY_RANGE)]
        elif value is not None and value != value.quantize(CENT):
            errors[name] = [_("金额以万元为单位，至多两位小数。")]
    return errors


def save_figures(enterprise: Enterprise, year: int, data: Mapping[str, Any], actor: User, ip: str = "") -> Errors:
    """Set the enterprise's figures for `year` (its own row, made if missing), with an audit row per change;
    checked by `figure_errors`."""
    errors = figure_errors(data)
    if errors:
        return errors
    employees, party_members = data.get("employees") or 0, data.get("party_members") or 0
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
