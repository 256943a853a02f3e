"""Sign in, sign out, change password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import policy, services
from app.auth.forms import ChangePasswordForm, LoginForm
from app.extensions import db
from app.models import User
from app.security import limit_posts
from app.forms import commit_or_attach
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
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = db.session.get(User, current_user.id)  # as stored now, not as this process read it last
        errors = services.change_password(account, form.current.data, form.new.data, current_app.config)
        if commit_or_attach(form, errors):
            flash(_("密码已修改。"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form,
                           expired=policy.password_expired(current_user))
