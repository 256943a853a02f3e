"""Sign in, sign out, change password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import policy, services, sessions
from app.auth.forms import ChangePasswordForm, LoginForm
from app.extensions import db
from app.models import User
from app.security import limit_posts
from app.forms import attach_errors
from app.timeutil import utcnow
from app.web import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limit_posts("LOGIN_RATE_LIMIT")
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data,
                                       request.remote_addr or "", current_app.config)
        db.session.commit()  # the login log and the failure count are kept either way
        if result.user is not None:
            chosen = session.get("lang")  # picked on the sign-in page: it wins, and the account remembers it
            session.clear()
            login_user(result.user)
            sessions.start(result.user)
            session["last_seen"] = utcnow().timestamp()
            if chosen in current_app.config["LANGUAGES"] and chosen != result.user.locale:
                result.user.locale = chosen
                db.session.commit()
            if result.user.locale:
                session["lang"] = result.user.locale
            if result.user.must_change_password:
                flash(_("首次登录或密码已被重置，请先修改密码。"), "warning")
                return redirect(url_for("auth.change_password"))
            if policy.password_expired(result.user):
                return redirect(url_for("auth.change_password"))  # the page says why
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(result.error)
    return render_template("auth/login.html", form=form, demo=current_app.config["DEMO_MODE"])


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    sessions.end_all(db.session.get(User, current_user.id))  # a copy of this session's cookie ends too
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@limit_posts("PASSWORD_RATE_LIMIT")
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = db.session.get(User, current_user.id)  # as stored now, not as this process read it last
        try:
            errors = services.change_password(account, form.current.data, form.new.data, request.remote_addr or "",
                                              current_app.config)
        except services.LockedOut as locked:
            db.session.commit()  # the login log and the failure counts
            logout_user()
            session.clear()
            flash(str(locked), "warning")
            return redirect(url_for("auth.login"))
        db.session.commit()  # with errors too: a wrong current password is counted and logged, nothing else written
        if errors:
            attach_errors(form, errors)
        else:
            sessions.start(account)  # this session goes on; every other one has ended
            flash(_("密码已修改。"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form,
                           expired=policy.password_expired(current_user))
