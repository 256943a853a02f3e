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


def add_visit(branch: Unit, data: Mapping[str, Any], actor: User, ip: str = "") -> dict[str, list[str]]:
    """Log one visit; a date after today is refused (a visit is logged once it happened)."""
    if data["visited_on"] > beijing_today():
        return {"visited_on": [_("走访日期不能晚于今天。")]}
    visit = BranchVisit(branch_id=branch.id, visited_on=data["visited_on"], form=VisitForm[data["form"]],
                        content=data["content"].strip(), visitor=data["visitor"].strip(), created_by_id=actor.id,
                        created_at=utcnow())
    db.session.add(visit)
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(visit, FIELDS))
    changes["branch_id"] = (None, branch.id)
    audit.record(actor, "create", "branch_visit", visit.id, changes, ip=ip)
    return {}
