"""Units, users and the login log (admin only)."""
from __future__ import annotations

from flask import Blueprint

from app.auth.decorators import roles_required
from app.models import Role

bp = Blueprint("admin", __name__)


@bp.route("/units")
@roles_required(Role.ADMIN)
def units() -> str:
    return "units"


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    return "users"


@bp.route("/login-log")
@roles_required(Role.ADMIN)
def login_log() -> str:
    return "log"
