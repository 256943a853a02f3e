"""Record list with filters, and one record's page."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import login_required

from app.activities import services
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, scoped
from app.extensions import db
from app.models import Activity, Category, RecordState, Role, Unit
from app.web import page_args

bp = Blueprint("activities", __name__)


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON, Role.MEMBER)
def index() -> str:
    filters = {"q": request.args.get("q", ""), "unit": request.args.get("unit", 0, type=int) or "",
               "category": request.args.get("category", ""), "state": request.args.get("state", ""),
               "start": request.args.get("start", ""), "end": request.args.get("end", "")}
    stmt = services.activity_query(filters["q"], filters["unit"] or None, filters["category"], filters["state"],
                                   _date_arg("start"), _date_arg("end"))
    pagination = db.paginate(stmt, **page_args())
    units = db.session.scalars(scoped(Unit).order_by(Unit.kind, Unit.sort_order, Unit.id)).all()
    return render_template("activities/index.html", pagination=pagination, filters=filters, units=units,
                           categories=list(Category), states=list(RecordState))


@bp.route("/<int:activity_id>")
@login_required
def detail(activity_id: int) -> str:
    return render_template("activities/detail.html", activity=get_or_404(Activity, activity_id))
