"""Sign-in, sessions, roles and data scope."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, current_app, flash, has_app_context, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.auth import policy, sessions
from app.auth.routes import bp
from app.extensions import db, login_manager
from app.models import User
from app.timeutil import utcnow

__all__ = ["bp", "init_app"]

EXEMPT_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.change_password", "main.health",
                    "main.set_language"}
SIGNED_OUT_ENDPOINTS = {"static", "auth.login", "main.health"}  # served as they are to a session just ended


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"

    app.config.setdefault("USER_RECHECK_SECONDS", 10)
    app.extensions["signed_in_users"] = {}
    app.context_processor(lambda: {"account_policy": policy.current})  # a function: read only where shown

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return _signed_in_user(int(user_id))

    @app.before_request
    def enforce_session_policy() -> Response | None:
        if not current_user.is_authenticated:
            return None
        if not sessions.is_current(current_user):  # signed out elsewhere, password changed, account changed …
            return _sign_out(_l("您的登录已失效，请重新登录。"))
        rules = policy.current()
        now = utcnow().timestamp()
        last_seen = session.get("last_seen", now)
        if now - last_seen > rules.idle_timeout_minutes * 60:
            return _sign_out(_l("由于长时间未操作，您已自动退出，请重新登录。"))
        if now - last_seen >= 30 or "last_seen" not in session:  # not on every request: an unchanged session
            session["last_seen"] = now                              # is not signed and sent again
        if request.endpoint not in EXEMPT_ENDPOINTS and (
                current_user.must_change_password or policy.password_expired(current_user, rules)):
            return redirect(url_for("auth.change_password"))
        return None


def _sign_out(message: str) -> Response | None:
    """End this request's session and say why; then the sign-in page (the request itself, if it needs no sign-in
    and would only come back here)."""
    logout_user()
    session.clear()
    flash(message, "warning")
    if request.endpoint in SIGNED_OUT_ENDPOINTS:
        return None
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _signed_in_user(user_id: int) -> User | SignedInUser | None:
    """The signed-in user of this request. Read from the database at most every `USER_RECHECK_SECONDS` per process
    (and at once after any change to the account made in this process: see `_forget_changed_users`); in between,
    a `SignedInUser` holds the columns read last time. So an account disabled, locked or given another role by an
    administrator working in another server process takes effect within those seconds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = app.config["USER_RECHECK_SECONDS"]
    known: dict[int, tuple[float, dict[str, object]]] = app.extensions["signed_in_users"]
    now = time.monotonic()
    found = known.get(user_id)
    if seconds > 0 and found is not None and found[0] > now:
        return SignedInUser(dict(found[1]))
    user = db.session.get(User, user_id)
    if user is None:
        known.pop(user_id, None)
    elif seconds > 0:
        known[user_id] = (now + seconds, {c.key: getattr(user, c.key) for c in sa.inspect(User).column_attrs})
    return user


class SignedInUser:
    """The signed-in account as read a few seconds ago: its columns without a query; anything else (its units, its
    member, a change to it) is the account itself, read from the database on first use in the request."""

    __slots__ = ("_columns", "_account")
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:  # as Flask-Login's UserMixin: a disabled account is not signed in
        return self.is_active

    def __init__(self, columns: dict[str, object]) -> None:
        object.__setattr__(self, "_columns", columns)
        object.__setattr__(self, "_account", None)

    @property
    def is_active(self) -> bool:
        return bool(self._columns["active"])

    def get_id(self) -> str:
        return str(self._columns["id"])

    def account(self) -> User:
        """The User row itself, in this request's session."""
        if self._account is None:
            object.__setattr__(self, "_account", db.session.get(User, self._columns["id"]))
        return self._account  # type: ignore[return-value]

    def __getattr__(self, name: str) -> object:  # only what the slots and the class do not have
        columns = object.__getattribute__(self, "_columns")
        if name in columns and object.__getattribute__(self, "_account") is None:
            return columns[name]
        return getattr(self.account(), name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(self.account(), name, value)

    def __repr__(self) -> str:
        return f"<SignedInUser {self._columns['username']} {self._columns['role']}>"


@sa.event.listens_for(Session, "after_flush")
def _forget_changed_users(session: Session, _context: object) -> None:
    """Any account changed, added or deleted in this process is read from the database on its next request."""
    if not has_app_context():
        return
    known = current_app.extensions.get("signed_in_users")
    if known is None:
        return
    for obj in (*session.dirty, *session.deleted, *session.new):
        if isinstance(obj, User) and obj.id is not None:
            known.pop(obj.id, None)

