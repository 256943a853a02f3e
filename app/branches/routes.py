"""非公企业党支部 and their party members: lists and a branch's page, read only, within the data scope."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.branches import services
from app.extensions import db
from app.models import PartyMember, PartyStatus, Role, Unit, UnitKind
from app.web import page_args

bp = Blueprint("branches", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)


def _branch_or_404(unit_id: int) -> Unit:
    """A 党支部 in the user's scope. :raises 404: outside the scope, or for another kind of unit."""
    unit = get_or_404(Unit, unit_id)
    if unit.kind != UnitKind.BRANCH:
        abort(404)
    return unit


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> str:
    rows = services.branch_rows()
    totals = {"full": sum(r.full for r in rows), "probationary": sum(r.probationary for r in rows),
              "enterprises": sum(len(r.enterprises) for r in rows)}
    return render_template("branches/index.html", rows=rows, totals=totals)


@bp.route("/<int:unit_id>")
@roles_required(*VIEWERS)
def detail(unit_id: int) -> str:
    branch = _branch_or_404(unit_id)
    counts = services.status_counts(PartyMember.branch_id == branch.id).get(branch.id, {})
    full, probationary = counts.get(PartyStatus.FULL, 0), counts.get(PartyStatus.PROBATIONARY, 0)
    return render_template("branches/detail.html", branch=branch, members=services.branch_members(branch.id),
                           by_enterprise=services.enterprise_counts(branch.id), full=full,
                           probationary=probationary, can_edit=current_user.role == Role.ADMIN)


@bp.route("/party-members")
@roles_required(*VIEWERS)
def party_members() -> str:
    q = request.args.get("q", "")
    branch_id = request.args.get("branch", 0, type=int)
    if branch_id:
        _branch_or_404(branch_id)
    status_name = request.args.get("status", "")
    status = PartyStatus[status_name] if status_name in PartyStatus.__members__ else None
    include_inactive = request.args.get("inactive") == "1"
    pagination = db.paginate(services.party_member_query(q, branch_id, status, include_inactive), **page_args())
    branches = db.session.scalars(services.branch_query()).all()
    filters = {"q": q, "branch": branch_id or "", "status": status.name if status else "",
               "inactive": "1" if include_inactive else ""}
    return render_template("branches/party_members.html", pagination=pagination, branches=branches,
                           filters=filters, statuses=list(PartyStatus))
