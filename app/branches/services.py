"""Branch and party-member queries, always within the signed-in user's data scope. Read only."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.scope import clause, scoped
from app.extensions import db
from app.models import BranchForm, Enterprise, PartyMember, PartyStatus, Unit, UnitKind
from app.web import name_search


@dataclass
class BranchRow:
    """A branch with its enterprises and its active party members counted by status."""

    branch: Unit
    full: int = 0
    probationary: int = 0
    enterprises: list[Enterprise] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.full + self.probationary


def status_counts(*where: sa.ColumnElement[bool]) -> dict[int, dict[PartyStatus, int]]:
    """Active party members in scope, counted by branch and status."""
    counts: dict[int, dict[PartyStatus, int]] = {}
    for branch_id, status, n in db.session.execute(
            sa.select(PartyMember.branch_id, PartyMember.status, sa.func.count())
            .where(clause(PartyMember), PartyMember.active, *where)
            .group_by(PartyMember.branch_id, PartyMember.status)):
        counts.setdefault(branch_id, {})[status] = n
    return counts


def branch_query() -> sa.Select[tuple[Unit]]:
    """The 党支部 the signed-in user may see: active ones first, then in tree order."""
    return (scoped(Unit).where(Unit.kind == UnitKind.BRANCH)
            .order_by(Unit.active.desc(), Unit.sort_order, Unit.id))


def filtered_branches(q: str = "", parent_id: int | None = None,
                      form: BranchForm | None = None) -> sa.Select[tuple[Unit]]:
    """The 党支部 in scope whose name, code or one of whose enterprises matches `q`, under one 镇党委 / 党总支,
    of one 组建方式; in `branch_query`'s order."""
    stmt = branch_query()
    text = q.strip()[:40]
    if text:
        stmt = stmt.where(sa.or_(Unit.name.contains(text, autoescape=True), Unit.code.contains(text, autoescape=True),
                                 Unit.enterprises.any(Enterprise.name.contains(text, autoescape=True))))
    if parent_id:
        stmt = stmt.where(Unit.parent_id == parent_id)
    if form is not None:
        stmt = stmt.where(Unit.branch_form == form)
    return stmt


def branch_rows(stmt: sa.Select[tuple[Unit]] | None = None) -> list[BranchRow]:
    """The branches `stmt` selects (all in scope by default), each with its enterprises and counts."""
    branches = db.session.scalars((branch_query() if stmt is None else stmt).options(
        selectinload(Unit.enterprises), selectinload(Unit.parent))).all()
    counts = status_counts()
    return [BranchRow(b, counts.get(b.id, {}).get(PartyStatus.FULL, 0),
                      counts.get(b.id, {}).get(PartyStatus.PROBATIONARY, 0), list(b.enterprises))
            for b in branches]


FORM_ORDER = {form: i for i, form in enumerate(BranchForm)}
# The branch list's sortable columns (`?sort=`), over rows in memory: their counts come from a query of their own.
BRANCH_SORTS: dict[str, Callable[[BranchRow], Any]] = {
    "name": lambda r: r.branch.name, "parent": lambda r: r.branch.parent.name if r.branch.parent else "",
    "form": lambda r: FORM_ORDER.get(r.branch.branch_form, -1),  # type: ignore[arg-type]  # None: not set
    "enterprises": lambda r: len(r.enterprises), "full": lambda r: r.full, "probationary": lambda r: r.probationary,
    "total": lambda r: r.total,
}


def enterprise_counts(branch_id: int) -> dict[int | None, int]:
    """Active party members of a branch by enterprise (None: not tied to one)."""
    return dict(db.session.execute(
        sa.select(PartyMember.enterprise_id, sa.func.count())
        .where(clause(PartyMember), PartyMember.active, PartyMember.branch_id == branch_id)
        .group_by(PartyMember.enterprise_id)).all())


def branch_members(branch_id: int) -> list[PartyMember]:
    """A branch's party members in scope: active ones first, 正式 before 预备, then by code."""
    return list(db.session.scalars(
        scoped(PartyMember).options(selectinload(PartyMember.enterprise))
        .where(PartyMember.branch_id == branch_id)
        .order_by(PartyMember.active.desc(), PartyMember.status, PartyMember.code)))


def party_member_query(q: str = "", branch_id: int | None = None, status: PartyStatus | None = None,
                       include_inactive: bool = False) -> sa.Select[tuple[PartyMember]]:
    """Party members in scope by name or pinyin initials, branch and status; by branch, then code."""
    stmt = scoped(PartyMember).options(selectinload(PartyMember.branch), selectinload(PartyMember.enterprise))
    if q.strip():
        stmt = stmt.where(name_search(PartyMember.name, PartyMember.search_key, q))
    if branch_id:
        stmt = stmt.where(PartyMember.branch_id == branch_id)
    if status is not None:
        stmt = stmt.where(PartyMember.status == status)
    if not include_inactive:
        stmt = stmt.where(PartyMember.active)
    return stmt.order_by(PartyMember.branch_id, PartyMember.code)
