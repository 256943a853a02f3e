"""四联系: the coverage view (each 常委's members contacted in a half or year; members nobody contacted), the
assignments (the office edits, or imports them: app/imports/contacts.py) and the contact log (the office, or the
clerk of the contacting 常委's unit, enters). The leading group reads; a member has none of it."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.contacts import services
from app.contacts.forms import ContactEntryForm, LinkForm
from app.extensions import db
from app.forms import ActionForm, commit_or_attach
from app.imports import export
from app.listing import remembered, sorted_by
from app.models import Contact, ContactLink, Member, UnitKind
from app.timetable import newest_year
from app.timeutil import beijing_today
from app.web import page_args

bp = Blueprint("contacts", __name__)


def _period() -> tuple[int, str]:
    year = request.args.get("year", 0, type=int)
    half = request.args.get("half", "")
    return (year if 2000 <= year <= 2100 else newest_year()), (half if half in services.HALVES else "")


@bp.route("/")
@roles_required(*services.READERS)
def index() -> str | Response:
    """覆盖情况: the 常委 (`show=standing`, the default) or the members nobody contacted (`show=uncontacted`) of
    the period; `?export=xlsx|csv` gives every row of the list shown."""
    if back := remembered():
        return back
    year, half = _period()
    show = "uncontacted" if request.args.get("show") == "uncontacted" else "standing"
    filters = {"year": year, "half": half, "show": show}
    if show == "standing":
        stmt = services.standing_query(current_user)
        if fmt := export.wanted():
            return export.send_table(coverage_headers(), coverage_rows(services.coverage(
                db.session.scalars(stmt), year, half, current_user)), fmt, _("四联系覆盖情况"))
        pagination = db.paginate(sorted_by(stmt, services.standing_sorts(year, half), Member.id), **page_args())
        rows = services.coverage(pagination.items, year, half, current_user)
        owners: dict[int, str] = {}
    else:
        stmt = services.uncontacted_query(year, half, current_user)
        if fmt := export.wanted():
            people = list(db.session.scalars(stmt))
            return export.send_table(uncontacted_headers(), uncontacted_rows(people), fmt, _("无人联系的委员"))
        pagination = db.paginate(sorted_by(stmt, services.uncontacted_sorts(), Member.id), **page_args())
        rows = []
        owners = services.contacts_of((m.id for m in pagination.items), current_user)
    return render_template("contacts/index.html", pagination=pagination, rows=rows, owners=owners, filters=filters,
                           years=services.years(), period=services.period_label(year, half),
                           can_log=current_user.role in services.LOG_WRITERS)


def coverage_headers() -> list[str]:
    return [_("编号"), _("常委"), _("界别"), _("联系委员数"), _("已联系"), _("覆盖率"), _("联系次数"), _("尚未联系的委员")]


def coverage_rows(rows: list[services.Coverage]) -> list[list[object]]:
    return [[c.member.code, c.member.name, c.member.sector.name, c.assigned, c.contacted, c.rate, c.contacts,
             "、".join(c.missing)] for c in rows]


def uncontacted_headers() -> list[str]:
    return [_("编号"), _("姓名"), _("界别"), _("联系的常委")]


def uncontacted_rows(people: list[Member]) -> list[list[object]]:
    owners = services.contacts_of((m.id for m in people), current_user)
    return [[m.code, m.name, m.sector.name, owners.get(m.id, "")] for m in people]


def _link_form() -> LinkForm:
    return LinkForm(list(db.session.scalars(services.standing_query(current_user))), services.members(),
                    services.units(UnitKind.COMMITTEE), services.units(*services.TARGET_UNIT_KINDS))


@bp.route("/links", methods=["GET", "POST"])
@roles_required(*services.READERS)
def links() -> str | Response:
    """四联系分工: every assignment in scope, by kind; the office adds one here or imports a sheet."""
    can_write = current_user.role in services.LINK_WRITERS
    form = _link_form()
    if request.method == "POST":
        if not can_write:
            abort(403)
        if form.validate_on_submit() and commit_or_attach(form, services.add_link(form.data, current_user)):
            flash(_("已添加联系分工。"), "success")
            return redirect(url_for("contacts.links"))
        db.session.rollback()
    return render_template("contacts/links.html", form=form, grouped=services.links_by_kind(), can_write=can_write,
                           remove=ActionForm())


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
@roles_required(*services.LINK_WRITERS)
def delete_link(link_id: int) -> Response:
    link = get_or_404(ContactLink, link_id)
    if ActionForm().validate_on_submit():
        services.remove_link(link, current_user)
        db.session.commit()
        flash(_("已删除联系分工。"), "success")
    return redirect(url_for("contacts.links"))


@bp.route("/log", methods=["GET", "POST"])
@roles_required(*services.READERS)
def log() -> str | Response:
    """联系记录: the period's contacts in scope, sortable, with export; the form to log one."""
    if request.method == "GET" and (back := remembered()):
        return back
    can_write = current_user.role in services.LOG_WRITERS
    people = services.members()  # a clerk: their units' members at both ends
    if request.method == "POST":
        form = ContactEntryForm(people)
        if not can_write:
            abort(403)
        if form.validate_on_submit() and commit_or_attach(form, services.add_contact(form.data, current_user)):
            flash(_("已记录联系。"), "success")
            return redirect(url_for("contacts.log"))
        db.session.rollback()
    else:
        form = ContactEntryForm(people, formdata=None, data={"occurred_on": beijing_today()})
    year, half = _period()
    filters = {"year": year, "half": half}
    stmt = services.contact_query(year, half)
    if fmt := export.wanted():
        return export.send_table(log_headers(), log_rows(db.session.scalars(stmt)), fmt, _("联系记录"))
    pagination = db.paginate(sorted_by(stmt, services.contact_sorts(), Contact.id), **page_args())
    return render_template("contacts/log.html", form=form, pagination=pagination, filters=filters,
                           years=services.years(), can_write=can_write, remove=ActionForm(),
                           period=services.period_label(year, half))


def log_headers() -> list[str]:
    return [_("日期"), _("联系方式"), _("被联系的委员"), _("联系人"), _("联系内容"), _("计入履职记录")]


def log_rows(contacts: Iterable[Contact]) -> list[list[object]]:
    return [[c.occurred_on, _(c.form.label), c.member.name, c.by_name, c.content,
             _(c.activity.state.label) if c.activity else ""] for c in contacts]


@bp.route("/log/<int:contact_id>/delete", methods=["POST"])
@roles_required(*services.LOG_WRITERS)
def delete_contact(contact_id: int) -> Response:
    contact = get_or_404(Contact, contact_id)
    if ActionForm().validate_on_submit():
        reason = services.delete_contact(contact, current_user)
        if reason:
            db.session.rollback()
            flash(reason, "error")
        else:
            db.session.commit()
            flash(_("已删除联系记录。"), "success")
    return redirect(url_for("contacts.log"))
