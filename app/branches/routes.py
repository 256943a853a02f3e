"""Branches and party members."""
from __future__ import annotations

from flask import Blueprint

from app.auth.decorators import roles_required
from app.models import Role

bp = Blueprint("branches", __name__)


@bp.route("/")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
def index() -> str:
    return "branches"
