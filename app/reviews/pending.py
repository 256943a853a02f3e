"""What is still waiting in a period's queues, per unit: records 已提交 not yet verified, meetings whose attendance
is not verified, 比实绩 submitted or returned. Shown before a review freezes, and kept by the frozen review."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Activity, BranchResult, Meeting, RecordState, SubjectKind, Unit, UnitKind

WHAT = {"records": _l("已提交、待核实的履职记录"), "meetings": _l("出勤未核实的会议"),
        "results_submitted": _l("已提交、待核实的比实绩"), "results_returned": _l("退回待重新提交的比实绩")}
PARTY_UNIT_KINDS = (UnitKind.PARTY_COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)
_PARTS = {"H1": (1, 6), "H2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}


def bounds(period: str) -> tuple[dt.date, dt.date]:
    """"2025" → the whole year, "2025H1" → January to June, "2025Q3" → July to September."""
    year = int(period[:4])
    first, last = _PARTS.get(period[4:], (1, 12))
    end = dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, first, 1), end


def _halves(period: str) -> list[str]:
    part = period[4:]
    if part in ("H1", "H2"):
        return [period]
    if part.startswith("Q"):
        return [f"{period[:4]}H{1 if part in ('Q1', 'Q2') else 2}"]
    return [f"{period[:4]}H1", f"{period[:4]}H2"]


def snapshot(period: str, subject_kind: SubjectKind) -> list[dict[str, Any]]:
    """Each (kind of waiting work, unit) with how many, unit by unit: JSON the review can keep as it is. 比实绩
    counts only for the reviews of branches and party members (the members' and units' rules never read it)."""
    start, end = bounds(period)
    party = subject_kind in (SubjectKind.BRANCHES, SubjectKind.PARTY_MEMBERS)
    # the members' and units' reviews read the 政协 side's records, the party side's its own
    side = Unit.kind.in_(PARTY_UNIT_KINDS) if party else Unit.kind.not_in(PARTY_UNIT_KINDS)
    counts = [
        ("records", sa.select(Activity.unit_id, sa.func.count()).join(Unit, Unit.id == Activity.unit_id).where(
            Activity.state == RecordState.SUBMITTED, Activity.occurred_on.between(start, end), side)
         .group_by(Activity.unit_id)),
        ("meetings", sa.select(Meeting.unit_id, sa.func.count()).join(Unit, Unit.id == Meeting.unit_id).where(
            Meeting.state != RecordState.VERIFIED, Meeting.held_on.between(start, end), side)
         .group_by(Meeting.unit_id)),
        ("results_submitted", sa.select(BranchResult.branch_id, sa.func.count()).where(
            BranchResult.state == RecordState.SUBMITTED, BranchResult.period.in_(_halves(period)))
         .group_by(BranchResult.branch_id)),
        ("results_returned", sa.select(BranchResult.branch_id, sa.func.count()).where(
            BranchResult.state == RecordState.RETURNED, BranchResult.period.in_(_halves(period)))
         .group_by(BranchResult.branch_id)),
    ][:None if party else 2]
    found = [(what, unit_id, count) for what, stmt in counts for unit_id, count in db.session.execute(stmt)]
    wanted = {unit_id for _what, unit_id, _count in found}
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all()) if found else {}
    order = list(WHAT)
    return sorted(({"what": what, "unit_id": unit_id, "unit": names.get(unit_id, ""), "count": count}
                   for what, unit_id, count in found), key=lambda p: (p["unit"], order.index(p["what"])))
