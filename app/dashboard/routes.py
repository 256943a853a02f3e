"""The dashboard (数据看板) and the early-warning list (预警), for the county roles and, within their units, clerks."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.dashboard import services
from app.extensions import db
from app.imports import export
from app.jobs.services import clean_token, new_token
from app.models import AnnouncementKind, Category, Member, Role
from app.web import db_id

bp = Blueprint("dashboard", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)


def _year() -> int | None:
    return services.pick_year(request.args.get("year", None, type=db_id))


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> str:
    year = _year()
    board = services.dashboard(year) if year is not None else None
    return render_template("dashboard/index.html", board=board, years=services.years(), year=year,
                           categories=services.FOUR_ONES,
                           chart=services.chart_data(board) if board is not None else None)


def _problem_labels() -> dict[str, str]:
    labels = {"missing": _("未完成任一项“四个一”")}
    labels |= {c.name: _("未完成%(item)s", item=_(c.label)) for c in services.FOUR_ONES}
    labels |= {"absent": _("有缺席"), "below": _("低于合格线")}
    return labels


def _export_rows(items: list[services.Warning]) -> tuple[list[str], list[list[Any]]]:
    headers = [_("编号"), _("姓名"), _("界别"), _("专委会"), _("联络处")]
    for c in services.FOUR_ONES:
        headers += [_("%(item)s已核实", item=_(c.label)), _("%(item)s待核实", item=_(c.label))]
    headers += [_("未完成"), _("缺席"), _("请假"), _("当前得分"), _("当前等次"), _("低于合格线")]
    rows = []
    for w in items:
        p = w.person
        row: list[Any] = [p.code, p.name, p.sector, p.committee, p.liaison]
        for c in services.FOUR_ONES:
            row += [p.verified[c], p.waiting[c]]
        row += ["、".join(_(c.label) for c in p.missing), p.absent, p.leave,
                w.score.total if w.score else None, w.score.grade if w.score else "", _("是") if w.below else ""]
        rows.append(row)
    return headers, rows


@bp.route("/warnings")
@roles_required(*VIEWERS)
def warnings() -> str | Response:
    from app.notices.forms import RemindForm

    year = _year()
    units = services.visible_units()
    unit_id = request.args.get("unit", None, type=db_id)
    if unit_id is not None and unit_id not in {u.id for u in units}:
        abort(404)
    problem = request.args.get("problem", "")
    if problem not in services.PROBLEMS:
        problem = ""
    q = request.args.get("q", "").strip()
    filters = {"year": year or "", "unit": unit_id or "", "problem": problem, "q": q}
    if year is None:
        return render_template("dashboard/warnings.html", year=None, years=[], filters=filters, units=units,
                               problems=_problem_labels(), items=[], summary=[], live=None, live_problem="",
                               categories=services.FOUR_ONES, total=0)
    everyone, live, live_problem = services.warnings(year)
    items = services.filter_warnings(everyone, unit_id, problem, q)
    if fmt := export.wanted():
        headers, rows = _export_rows(items)
        return export.send_table(headers, rows, fmt, _("%(year)s年预警名单", year=year))
    return render_template("dashboard/warnings.html", year=year, years=services.years(), filters=filters,
                           units=units, problems=_problem_labels(), items=items,
                           summary=services.unit_warnings(units, everyone), live=live, live_problem=live_problem,
                           categories=services.FOUR_ONES, total=len(everyone), Category=Category,
                           may_remind=current_user.role in REMINDERS, remind_form=RemindForm())


REMINDERS = (Role.OFFICE, Role.CLERK)


@bp.route("/warnings/remind", methods=["POST"])
@roles_required(*REMINDERS)
def remind() -> str | Response:
    """发送提醒: each member the 预警名单 lists (as filtered) gets their own reminder, after a confirm step; the
    confirmed form posted twice sends once."""
    from app.notices import announcements
    from app.notices.forms import RemindForm

    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    year = services.pick_year(request.form.get("year", None, type=db_id))
    units = services.visible_units()
    unit_id = request.form.get("unit", None, type=db_id)
    if unit_id is not None and unit_id not in {u.id for u in units}:
        abort(404)
    problem = request.form.get("problem", "")
    problem = problem if problem in services.PROBLEMS else ""
    q = request.form.get("q", "").strip()[:50]
    filters = {"year": year or "", "unit": unit_id or "", "problem": problem, "q": q}
    back = url_for("dashboard.warnings", **{k: v for k, v in filters.items() if v})
    if year is None:
        return redirect(back)
    items = [w for w in services.filter_warnings(services.warnings(year)[0], unit_id, problem, q) if w.problems]
    members = list(db.session.scalars(sa.select(Member).where(Member.id.in_([w.person.id for w in items] or [-1]))
                                      .order_by(Member.code)))
    unit = next((u for u in units if u.id == unit_id), None)
    described = _("%(year)s年预警名单", year=year) + "".join(
        f"·{part}" for part in (unit.name if unit else "", _problem_labels().get(problem, ""), q) if part)
    found = announcements.Audience(described[:200], members, announcements._accounts(m.id for m in members))
    texts = {w.person.id: announcements.reminder_text(year, w.person.missing, w.person.absent) for w in items}
    if request.form.get("confirm") != "1" or not members:
        return render_template("dashboard/remind.html", form=RemindForm(request_token=new_token()), filters=filters,
                               found=found, texts=texts, year=year, back=back)
    announcement, made = announcements.send(
        current_user, AnnouncementKind.WARNING, _("%(year)s年度履职提醒", year=year),
        _("请登录系统查看您本年度的履职记录；已完成但还没有录入的，请联系本单位录入员。"), found,
        token=clean_token(form.request_token.data), texts=texts, ip=request.remote_addr or "")
    db.session.commit()
    if made:
        flash(_("已向 %(n)s 名委员发送提醒。", n=len(found.accounts)) + (
            _("另有 %(n)s 名委员没有账号，未能送达。", n=len(found.unreached)) if found.unreached else ""), "success")
    else:
        flash(_("这份提醒已经发送过了。"), "info")
    return redirect(url_for("notices.sent_detail", announcement_id=announcement.id))
