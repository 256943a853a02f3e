"""党建工作联络员's visits to and guidance of a branch: logged with an audit row, flushed, never committed."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import BranchVisit, Unit, User, VisitForm
from app.timeutil import beijing_today, utcnow

FIELDS = ("visited_on", "form", "content", "visitor")


def branch_visits(branch_id: int) -> list[BranchVisit]:
    """A branch's visits, latest first."""
    return list(db.session.scalars(sa.select(BranchVisit).where(BranchVisit.branch_id == branch_id)
                                   .order_by(BranchVisit.visited_on.desc(), BranchVisit.id.desc())))


def _refused(data: Mapping[str, Any]) -> dict[str, list[str]]:
    if data["visited_on"] > beijing_today():
        return {"visited_on": [_("走访日期不能晚于今天。")]}
    return {}


def _fill(visit: BranchVisit, data: Mapping[str, Any]) -> None:
    visit.visited_on, visit.form = data["visited_on"], VisitForm[data["form"]]
    visit.content, visit.visitor = data["content"].strip(), data["visitor"].strip()


def add_visit(branch: Unit, data: Mapping[str, Any], actor: User, ip: str = "") -> dict[str, list[str]]:
    """Log one visit; a date after today is refused (a visit is logged once it happened)."""
    if errors := _refused(data):
        return errors
    visit = BranchVisit(branch_id=branch.id, created_by_id=actor.id, created_at=utcnow())
    _fill(visit, data)
    db.session.add(visit)
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(visit, FIELDS))
    changes["branch_id"] = (None, branch.id)
    audit.record(actor, "create", "branch_visit", visit.id, changes, ip=ip)
    return {}


def update_visit(visit: BranchVisit, data: Mapping[str, Any], actor: User, ip: str = "") -> dict[str, list[str]]:
    """Correct a visit (it files no record); checked as a new one is."""
    if errors := _refused(data):
        return errors
    before = audit.snapshot(visit, FIELDS)
    _fill(visit, data)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(visit, FIELDS))
    if changes:
        audit.record(actor, "update", "branch_visit", visit.id, changes, ip=ip)
    return {}


def delete_visit(visit: BranchVisit, actor: User, ip: str = "") -> None:
    """Remove a visit; the audit keeps what it said."""
    gone = {name: (value, None) for name, value in audit.snapshot(visit, FIELDS).items()}
    gone["branch_id"] = (visit.branch_id, None)
    audit.record(actor, "delete", "branch_visit", visit.id, gone, ip=ip)
    db.session.delete(visit)
    db.session.flush()
