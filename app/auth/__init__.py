"""Sign-in, sessions, roles and data scope."""
from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from app.auth.routes import bp
from app.extensions import db, login_manager
from app.models import User
from app.timeutil import utcnow

__all__ = ["bp", "init_app"]

EXEMPT_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.change_password", "main.health",
                    "main.set_language"}


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    @app.before_request
    def enforce_session_policy() -> Response | None:
        if not current_user.is_authenticated:
            return None
        now = utcnow().timestamp()
        last_seen = session.get("last_seen", now)
        if now - last_seen > app.config["IDLE_TIMEOUT_MINUTES"] * 60:
            logout_user()
            session.clear()
            flash(_l("由于长时间未操作，您已自动退出，请重新登录。"), "warning")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        session["last_seen"] = now
        if current_user.must_change_password and request.endpoint not in EXEMPT_ENDPOINTS:
            return redirect(url_for("auth.change_password"))
        return None
