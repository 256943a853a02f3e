"""Units, enterprises, users, the login log, the audit log and the settings (admin only)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit
from app.admin import services
from app.admin.forms import (NONE, AccountPolicyForm, AwardSettingsForm, EnterpriseForm, NewUserForm,
                             ResetPasswordForm, UnitForm, UserForm)
from app.auth import policy, sessions
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.extensions import db
from app.forms import commit_or_attach
from app.imports import export
from app.models import AuditLog, Enterprise, LoginEvent, Role, Unit, UnitKind, User
from app.settings import save_settings, setting
from app.timeutil import utcnow
from app.listing import remembered, sorted_by
from app.web import date_arg, db_id, page_args

bp = Blueprint("admin", __name__)


@bp.context_processor
def audit_words() -> dict[str, object]:
    return {"audit_actions": audit.ACTION_LABELS, "audit_entities": audit.ENTITY_LABELS,
            "audit_fields": audit.FIELD_LABELS}


def _ip() -> str:
    return request.remote_addr or ""


# Units ---------------------------------------------------------------------------------------------------------

@bp.route("/units")
@roles_required(Role.ADMIN)
def units() -> str:
    nodes = services.flatten(services.unit_tree())
    return render_template("admin/units.html", nodes=nodes, parent_capable=services.PARENT_CAPABLE)


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit_new() -> str | Response:
    form = UnitForm(services.parent_choices())
    if request.method == "GET" and (parent_id := request.args.get("parent", 0, type=db_id)):
        parent = get_or_404(Unit, parent_id)
        form.parent_id.data = parent.id
        form.kind.data = next((k.name for k, fits in services.PARENT_KINDS.items() if parent.kind in fits), None)
    if form.validate_on_submit():
        unit = Unit()
        if commit_or_attach(form, services.save_unit(unit, form.data, current_user, _ip())):
            flash(_("已添加单位 %(name)s。", name=unit.name), "success")
            return redirect(url_for("admin.unit_edit", unit_id=unit.id) if unit.kind == UnitKind.BRANCH
                            else url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit_edit(unit_id: int) -> str | Response:
    unit = get_or_404(Unit, unit_id)
    form = UnitForm(services.parent_choices(), obj=unit)
    if request.method == "GET":
        form.kind.data = unit.kind.name
        form.parent_id.data = unit.parent_id or NONE
        form.branch_form.data = unit.branch_form.name if unit.branch_form else ""
    if form.validate_on_submit() and commit_or_attach(form, services.save_unit(unit, form.data, current_user, _ip())):
        flash(_("已保存单位 %(name)s。", name=unit.name), "success")
        return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit, history=audit.history("unit", unit.id))


@bp.route("/units/<int:unit_id>/enterprises/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def enterprise_new(unit_id: int) -> str | Response:
    branch = get_or_404(Unit, unit_id)
    if branch.kind != UnitKind.BRANCH:
        flash(_("只有党支部可以登记企业。"), "warning")
        return redirect(url_for("admin.unit_edit", unit_id=branch.id))
    form = EnterpriseForm()
    if form.validate_on_submit():
        enterprise = Enterprise()
        if commit_or_attach(form, services.save_enterprise(enterprise, branch, form.data, current_user, _ip())):
            flash(_("已为 %(branch)s 登记企业 %(name)s。", branch=branch.name, name=enterprise.name), "success")
            return redirect(url_for("admin.unit_edit", unit_id=branch.id))
    return render_template("admin/enterprise_form.html", form=form, branch=branch, enterprise=None)


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def enterprise_edit(enterprise_id: int) -> str | Response:
    enterprise = get_or_404(Enterprise, enterprise_id)
    branch = get_or_404(Unit, enterprise.branch_id)
    form = EnterpriseForm(obj=enterprise)
    if form.validate_on_submit() and commit_or_attach(
            form, services.save_enterprise(enterprise, branch, form.data, current_user, _ip())):
        flash(_("已保存企业 %(name)s。", name=enterprise.name), "success")
        return redirect(url_for("admin.unit_edit", unit_id=branch.id))
    return render_template("admin/enterprise_form.html", form=form, branch=branch, enterprise=enterprise,
                           history=audit.history("enterprise", enterprise.id))


# Users ---------------------------------------------------------------------------------------------------------

@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> str | Response:
    if back := remembered():
        return back
    q = request.args.get("q", "")
    role_name = request.args.get("role", "")
    role = Role[role_name] if role_name in Role.__members__ else None
    if fmt := export.wanted():
        return _export_users(db.session.scalars(services.user_query(q, role)).all(), fmt)
    stmt = sorted_by(services.user_query(q, role), {"username": User.username, "name": User.display_name,
                                                    "role": User.role, "active": User.active}, User.id)
    pagination = db.paginate(stmt, **page_args())
    filters = {"q": q, "role": role.name if role else ""}
    return render_template("admin/users.html", pagination=pagination, filters=filters, roles=list(Role),
                           now=utcnow())


def _export_users(users: list[User], fmt: str) -> Response:
    """The accounts as a table; never a password hash, only whether a change is due."""
    now = utcnow()

    def state(user: User) -> str:
        if not user.active:
            return _("已停用")
        return _("已锁定") if services.is_locked(user, now) else _("正常")
    headers = [_("用户名"), _("姓名"), _("角色"), _("负责单位"), _("对应委员"), _("状态"), _("待改密码"),
               _("最近登录")]
    rows = ([u.username, u.display_name, _(u.role.label), tuple(unit.name for unit in u.units),
             f"{u.member.name}（{u.member.code}）" if u.member else None, state(u), u.must_change_password,
             _local(u.last_login_at)] for u in users)
    return export.send_table(headers, rows, fmt, export.export_title(_("用户")))


def _local(at: dt.datetime | None) -> str | None:
    """A stored naive-UTC time as the site's local time, as the pages show it."""
    return format_datetime(at, "yyyy-MM-dd HH:mm:ss") if at else None


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new() -> str | Response:
    form = NewUserForm(services.unit_choices(), services.member_choices())
    if form.validate_on_submit():
        user = User()
        if commit_or_attach(form, services.save_user(user, form.data, current_user, current_app.config, _ip())):
            flash(_("已创建用户 %(name)s，首次登录时须修改密码。", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


def _user_form(user: User) -> UserForm:
    form = UserForm(services.unit_choices(user.units), services.member_choices(user.member_id), obj=user)
    if request.method == "GET":
        form.role.data = user.role.name
        form.unit_ids.data = [u.id for u in user.units]
        form.member_id.data = user.member_id or NONE
    return form


def _render_user(user: User, form: UserForm, reset_form: ResetPasswordForm) -> str:
    return render_template("admin/user_form.html", form=form, user=user, reset_form=reset_form,
                           locked=services.is_locked(user), locked_addresses=services.locked_addresses(user),
                           history=audit.history("user", user.id))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)  # accounts have no data scope: only admins reach this page
    form = _user_form(user)
    if form.validate_on_submit() and commit_or_attach(
            form, services.save_user(user, form.data, current_user, current_app.config, _ip())):
        flash(_("已保存用户 %(name)s。", name=user.username), "success")
        return redirect(url_for("admin.users"))
    return _render_user(user, form, ResetPasswordForm(formdata=None))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        errors = services.reset_password(user, reset_form.password.data, current_user, current_app.config, _ip())
        if commit_or_attach(reset_form, errors):
            if user.id == current_user.id:
                sessions.start(user)  # the admin's own session goes on; every other one of the account has ended
            flash(_("已重置 %(name)s 的密码，并解除锁定；该用户下次登录时须修改密码。", name=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _render_user(user, _user_form(user), reset_form)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def user_unlock(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    services.unlock(user, current_user, _ip())
    db.session.commit()
    flash(_("已解除 %(name)s 的登录锁定。", name=user.username), "success")
    if request.form.get("next") == "list":
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.user_edit", user_id=user.id))


# Logs ----------------------------------------------------------------------------------------------------------

def _local_day_start(day: dt.date | None) -> dt.datetime | None:
    """Midnight of `day` in the site's time zone, as the naive UTC the database keeps."""
    if day is None:
        return None
    local = dt.datetime.combine(day, dt.time.min, tzinfo=get_timezone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _day_range() -> tuple[dict[str, str], dt.datetime | None, dt.datetime | None]:
    """`?start=` and `?end=` (local days, both included): their text for the filter form, and the naive UTC
    bounds (start inclusive, end exclusive) for the query."""
    start, end = date_arg("start"), date_arg("end")
    text = {"start": start.isoformat() if start else "", "end": end.isoformat() if end else ""}
    return text, _local_day_start(start), _local_day_start(end + dt.timedelta(days=1)) if end else None


@bp.route("/login-log")
@roles_required(Role.ADMIN)
def login_log() -> str | Response:
    if back := remembered():
        return back
    username = request.args.get("username", "")
    result = request.args.get("result", "")
    result = result if result in services.LOGIN_RESULTS else ""
    days, start, end = _day_range()
    stmt = services.login_events(username, result, start, end)
    if fmt := export.wanted():
        rows = ([_local(e.at), e.username, str(services.LOGIN_RESULTS.get(e.result, e.result)), e.ip]
                for e in db.session.scalars(stmt))
        return export.send_table([_("时间"), _("用户名"), _("结果"), _("IP 地址")], rows, fmt,
                                 export.export_title(_("登录日志")))
    stmt = sorted_by(stmt, {"at": LoginEvent.at, "username": LoginEvent.username, "result": LoginEvent.result,
                            "ip": LoginEvent.ip}, LoginEvent.id.desc())
    pagination = db.paginate(stmt, **page_args())
    filters = {"username": username, "result": result, **days}
    return render_template("admin/login_log.html", pagination=pagination, filters=filters,
                           results=services.LOGIN_RESULTS)


@bp.route("/audit-log")
@roles_required(Role.ADMIN)
def audit_log() -> str | Response:
    if back := remembered():
        return back
    entity = request.args.get("entity", "")
    entity = entity if entity in audit.ENTITY_LABELS else ""
    action = request.args.get("action", "")
    action = action if action in audit.ACTION_LABELS else ""
    actor = request.args.get("actor", "")
    days, start, end = _day_range()
    stmt = services.audit_entries(entity, action, actor, start, end)
    if fmt := export.wanted():
        return _export_audit(db.session.scalars(stmt).all(), fmt)
    stmt = sorted_by(stmt, {"at": AuditLog.at, "action": AuditLog.action, "entity": AuditLog.entity,
                            "field": AuditLog.field}, AuditLog.id.desc())
    pagination = db.paginate(stmt, **page_args())
    filters = {"entity": entity, "action": action, "actor": actor, **days}
    return render_template("admin/audit_log.html", pagination=pagination, filters=filters,
                           usernames=audit.actor_names(pagination.items), names=audit.names(pagination.items))


def _export_audit(entries: list[AuditLog], fmt: str) -> Response:
    names = audit.actor_names(entries)
    shown = audit.names(entries)
    headers = [_("时间"), _("操作人"), _("操作"), _("对象"), _("对象编号"), _("项目"), _("原值"), _("新值"),
               _("原因"), _("IP 地址")]
    rows = ([_local(r.at), names.get(r.user_id) if r.user_id is not None else None,
             str(audit.ACTION_LABELS.get(r.action, r.action)), str(audit.ENTITY_LABELS.get(r.entity, r.entity)),
             r.entity_id, str(audit.FIELD_LABELS.get(r.field, r.field)) if r.field else None,
             shown.value(r.field, r.before), shown.value(r.field, r.after),
             r.reason or None, r.ip] for r in entries)
    return export.send_table(headers, rows, fmt, export.export_title(_("操作日志")))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings() -> str | Response:
    """Site settings: the award decision's defaults (the approving body, the days of 公示)."""
    current = {key: setting(key, default) for key, default in services.AWARD_DEFAULTS.items()}
    form = AwardSettingsForm(data={"approving_body": current["approving_body"],
                                   "publicity_days": int(current["publicity_days"])})
    if form.validate_on_submit():
        save_settings({"approving_body": form.approving_body.data, "publicity_days": str(form.publicity_days.data)},
                      current_user, defaults=services.AWARD_DEFAULTS)
        db.session.commit()
        flash(_("设置已保存"), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)



@bp.route("/account-policy", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def account_policy() -> str | Response:
    """账号安全策略: password rules and expiry, lockout, idle sign-out; each change in the audit log."""
    form = AccountPolicyForm(data=dataclasses.asdict(policy.current()))
    if form.validate_on_submit():
        policy.save({key: form[key].data for key in policy.ITEMS}, current_user, _ip())
        db.session.commit()
        flash(_("账号安全策略已保存。"), "success")
        return redirect(url_for("admin.account_policy"))
    return render_template("admin/account_policy.html", form=form, defaults=policy.defaults(),
                           items=policy.ITEMS)
