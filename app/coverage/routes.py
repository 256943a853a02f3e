"""The year's 双比双争 coverage (page, PDF, .xlsx), each enterprise's yearly figures and their export in the import's
layout (app/imports/enterprises.py), within the data scope: a liaison sees and keeps their own branches'
enterprises."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit
from app.admin.forms import EnterpriseForm, OwnerForm
from app.admin.services import OWNER_FIELDS, save_enterprise, save_owner
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.coverage import services
from app.coverage.forms import FiguresForm
from app.evidence import XLSX
from app.extensions import db
from app.forms import commit_or_attach
from app.imports import export
from app.models import Enterprise, Role
from app.timetable import newest_year
from app.web import send_download
from reports.coverage import LARGE, MEDIUM, coverage_pdf, coverage_workbook

bp = Blueprint("coverage", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
ENTRY = (Role.LIAISON, Role.OFFICE, Role.ADMIN)
FIRST_YEAR, LAST_YEAR = 2000, 2100


@bp.context_processor
def audit_words() -> dict[str, object]:
    """The words of the 变更记录 under the figures' and the owner's forms (admin/_history.html)."""
    return {"audit_actions": audit.ACTION_LABELS, "audit_fields": audit.FIELD_LABELS}


def _year(value: int | None) -> int:
    """:raises 404: a year nobody keeps figures for."""
    year = value if value is not None else newest_year()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> str | Response:
    year = _year(request.args.get("year", None, type=int))
    if kind := export.wanted():  # the enterprises and their figures in the import's layout, to edit and import again
        phone = current_user.role in ENTRY  # the owner's phone: only to those the owner page shows it to
        rows = services.export_rows(db.session.scalars(services.enterprises_query()), year, services.roll_counts(),
                                    phone)
        return export.send("enterprises", rows, kind, export.export_title(_("%(year)s年企业年度数据", year=year)),
                           without=() if phone else ("owner_phone",))
    report = services.coverage(year)
    fmt = request.args.get("format", "")
    if fmt == "pdf":
        return send_download(coverage_pdf(report), "application/pdf", f"{report.title}.pdf")
    if fmt == "xlsx":
        return send_download(coverage_workbook(report), XLSX, f"{report.title}.xlsx")
    return render_template("coverage/index.html", report=report, year=year, years=services.years(), large=LARGE,
                           medium=MEDIUM, can_enter=current_user.role in ENTRY,
                           can_add=current_user.role in (Role.OFFICE, Role.ADMIN),
                           can_import=current_user.role in services.IMPORTERS)


@bp.route("/enterprises/<int:enterprise_id>/<int:year>", methods=["GET", "POST"])
@roles_required(*ENTRY)
def figures(enterprise_id: int, year: int) -> str | Response:
    enterprise = get_or_404(Enterprise, enterprise_id)
    year = _year(year)
    shown = services.figures_for(enterprise, year)
    own = shown if shown is not None and shown.year == year else None
    initial = {"employees": enterprise.employees} if shown is None else \
        {k: getattr(shown, k) for k in services.FIGURE_FIELDS}
    form = FiguresForm(data=initial) if request.method == "GET" else FiguresForm()
    if form.validate_on_submit() and commit_or_attach(
            form, services.save_figures(enterprise, year, form.data, current_user, request.remote_addr or "")):
        flash(_("已保存 %(name)s %(year)s 年的数据。", name=enterprise.name, year=year), "success")
        return redirect(url_for("coverage.index", year=year))
    return render_template("coverage/figures.html", form=form, enterprise=enterprise, year=year, shown=shown,
                           own=own, history=audit.history("enterprise_figures", own.id) if own else [])


@bp.route("/enterprises/<int:enterprise_id>/owner", methods=["GET", "POST"])
@roles_required(*ENTRY)
def owner(enterprise_id: int) -> str | Response:
    """The enterprise's 企业主 (name, 职务, phone): the liaison of its branch or the office keeps it."""
    enterprise = get_or_404(Enterprise, enterprise_id)
    form = OwnerForm(obj=enterprise) if request.method == "GET" else OwnerForm()
    if form.validate_on_submit() and commit_or_attach(
            form, save_owner(enterprise, form.data, current_user, request.remote_addr or "")):
        flash(_("已保存 %(name)s 的企业主。", name=enterprise.name), "success")
        if enterprise.branch_id is not None:
            return redirect(url_for("branches.detail", unit_id=enterprise.branch_id) + "#enterprises")
        return redirect(url_for("coverage.index"))
    history = [row for row in audit.history("enterprise", enterprise.id) if row.field in OWNER_FIELDS]
    return render_template("coverage/owner.html", form=form, enterprise=enterprise, history=history)


@bp.route("/enterprises/new", methods=["GET", "POST"])
@roles_required(Role.OFFICE, Role.ADMIN)
def enterprise_new() -> str | Response:
    """An enterprise with no branch yet: with party members it is a 空白点 until a branch takes it in."""
    form = EnterpriseForm()
    if form.validate_on_submit():
        enterprise = Enterprise()
        if commit_or_attach(form, save_enterprise(enterprise, None, form.data, current_user,
                                                  request.remote_addr or "")):
            flash(_("已登记企业 %(name)s，请填写其年度数据。", name=enterprise.name), "success")
            return redirect(url_for("coverage.figures", enterprise_id=enterprise.id, year=newest_year()))
    return render_template("coverage/enterprise_new.html", form=form)
