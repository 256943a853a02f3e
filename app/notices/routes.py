"""The notices page (通知), marking notices read, and the unread count the top bar shows."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Notice
from app.notices import services
from app.web import safe_next

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def unread() -> dict[str, object]:
    def unread_notices() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0
    return {"unread_notices": unread_notices}


@bp.route("/")
@login_required
def index() -> str:
    return render_template("notices/index.html", notices=services.recent(current_user))


@bp.route("/<int:notice_id>/open", methods=["POST"])
@login_required
def open_notice(notice_id: int) -> Response:
    """Mark the notice read and go where it points (the notices page when it points nowhere).

    :raises 404: not one of the user's notices.
    """
    notice = _mark_read_or_404(notice_id)
    return redirect(safe_next(notice.link) if notice.link else url_for("notices.index"))


@bp.route("/<int:notice_id>/read", methods=["POST"])
@login_required
def read(notice_id: int) -> Response:
    """:raises 404: not one of the user's notices."""
    _mark_read_or_404(notice_id)
    return redirect(url_for("notices.index"))


def _mark_read_or_404(notice_id: int) -> Notice:
    notice = services.mark_read(current_user, notice_id)
    if notice is None:
        abort(404)
    db.session.commit()
    return notice


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    services.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notices.index"))
