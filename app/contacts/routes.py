"""四联系: the coverage view (each 常委's members contacted in a half or year, those 联系未过半; members nobody
contacted; each 专委会's 界别 and 联络处), the assignments with their dates (the office edits, or imports them:
app/imports/contacts.py), the contact log (the office, or the clerk of the contacting 常委's or 专委会's unit,
enters), 委员联系界别群众 (the member, their unit's clerk or the office enters), and a member's own page (a 常委's
members and contacts, their own contacts with the masses). The leading group reads."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.activities.services import self_report_verifier_text
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, scoped
from app.contacts import coverage, masses, services
from app.contacts import links as assignments
from app.contacts import log as contact_log
from app.contacts.forms import (ContactEntryForm, LinkDatesForm, LinkForm, MassContactForm, OwnContactForm,
                                UnitContactForm)
from app.extensions import db
from app.forms import ActionForm, commit_or_attach
from app.imports import export
from app.listing import remembered, sorted_by
from app.models import Contact, ContactLink, MassContact, Member, Role, UnitKind
from app.timetable import cn_date, newest_year
from app.timeutil import beijing_today
from app.web import page_args

bp = Blueprint("contacts", __name__)
SHOWS = ("standing", "uncontacted", "committees")
MASS_WRITERS = (*services.LOG_WRITERS, Role.MEMBER)


def _period() -> tuple[int, str]:
    year = request.args.get("year", 0, type=int)
    half = request.args.get("half", "")
    return (year if 2000 <= year <= 2100 else newest_year()), (half if half in services.HALVES else "")


@bp.route("/")
@roles_required(*services.READERS)
def index() -> str | Response:
    """覆盖情况: the 常委 (`show=standing`, the default; `behind=1`: those 联系未过半), the members nobody contacted
    (`show=uncontacted`) or the 专委会 (`show=committees`) of the period; `?export=xlsx|csv` gives every row of
    the list shown."""
    if back := remembered():
        return back
    year, half = _period()
    show = request.args.get("show") if request.args.get("show") in SHOWS else "standing"
    behind = show == "standing" and request.args.get("behind") == "1"
    filters = {"year": year, "half": half, "show": show, "behind": "1" if behind else ""}
    rows: list[object] = []
    owners: dict[int, str] = {}
    pagination = None
    if show == "standing":
        stmt = coverage.standing_query(current_user, year, half, behind)
        if fmt := export.wanted():
            return export.send_table(coverage_headers(), coverage_rows(coverage.coverage(
                db.session.scalars(stmt), year, half, current_user)), fmt, _("常委联系委员"))
        pagination = db.paginate(sorted_by(stmt, coverage.standing_sorts(year, half), Member.id), **page_args())
        rows = list(coverage.coverage(pagination.items, year, half, current_user))
    elif show == "uncontacted":
        stmt = coverage.uncontacted_query(year, half, current_user)
        if fmt := export.wanted():
            people = list(db.session.scalars(stmt))
            return export.send_table(uncontacted_headers(), uncontacted_rows(people, year, half), fmt,
                                     _("无人联系的委员"))
        pagination = db.paginate(sorted_by(stmt, coverage.uncontacted_sorts(), Member.id), **page_args())
        owners = coverage.contacts_of((m.id for m in pagination.items), year, half, current_user)
    else:
        rows = list(coverage.committee_coverage(year, half, current_user))
        if fmt := export.wanted():
            return export.send_table(committee_headers(), committee_rows(rows), fmt,  # type: ignore[arg-type]
                                     _("专委会联系界别和联络处"))
    return render_template("contacts/index.html", pagination=pagination, rows=rows, owners=owners, filters=filters,
                           years=services.years(), period=services.period_label(year, half),
                           can_log=current_user.role in services.LOG_WRITERS)


def coverage_headers() -> list[str]:
    return [_("编号"), _("常委"), _("界别"), _("联系委员数"), _("已联系"), _("覆盖率"), _("联系次数"), _("尚未联系的委员")]


def coverage_rows(rows: list[coverage.Coverage]) -> list[list[object]]:
    return [[c.member.code, c.member.name, c.member.sector.name, c.assigned, c.contacted, c.rate, c.contacts,
             "、".join(c.missing)] for c in rows]


def uncontacted_headers() -> list[str]:
    return [_("编号"), _("姓名"), _("界别"), _("联系的常委")]


def uncontacted_rows(people: list[Member], year: int, half: str) -> list[list[object]]:
    owners = coverage.contacts_of((m.id for m in people), year, half, current_user)
    return [[m.code, m.name, m.sector.name, owners.get(m.id, "")] for m in people]


def committee_headers() -> list[str]:
    return [_("专委会"), _("联系的界别和联络处"), _("已联系"), _("覆盖率"), _("联系次数"), _("尚未联系的界别和联络处")]


def committee_rows(rows: list[coverage.CommitteeCoverage]) -> list[list[object]]:
    return [[c.unit.name, c.assigned, c.contacted, c.rate, c.contacts, "、".join(c.missing)] for c in rows]


# --- assignments ---------------------------------------------------------------------------------------------------

def _link_form() -> LinkForm:
    form = LinkForm(list(db.session.scalars(coverage.standing_query(current_user))), services.members(),
                    services.units(UnitKind.COMMITTEE), services.units(*services.TARGET_UNIT_KINDS))
    if request.method == "GET":
        form.starts_on.data = beijing_today()
    return form


@bp.route("/links", methods=["GET", "POST"])
@roles_required(*services.READERS)
def links() -> str | Response:
    """四联系分工: the assignments in scope in force today or later (`all=1`: the ended ones too), by kind, with
    their dates; the office adds one here (reassigning: the one in force ends the day before) or imports a sheet;
    `?export=xlsx|csv` in the import's format."""
    can_write = current_user.role in services.LINK_WRITERS
    everything = request.args.get("all") == "1"
    if fmt := export.wanted():
        return export.send("contact-links", assignments.export_rows(assignments.links_by_kind(everything)), fmt,
                           export.export_title(_("四联系分工")))
    form = _link_form()
    if request.method == "POST":
        if not can_write:
            abort(403)
        if form.validate_on_submit():
            errors, ended = assignments.add_link(form.data, current_user)
            if commit_or_attach(form, errors):
                flash(_("已添加联系分工。"), "success")
                if ended is not None:
                    flash(_("%(who)s原由%(by)s联系的分工已于 %(day)s 结束。", who=ended.contacted_name,
                            by=ended.contact_name, day=cn_date(ended.ends_on)), "success")
                return redirect(url_for("contacts.links"))
        db.session.rollback()
    return render_template("contacts/links.html", form=form, grouped=assignments.links_by_kind(everything),
                           can_write=can_write, remove=ActionForm(), everything=everything, today=beijing_today(),
                           state=assignments.state_text, span=assignments.span_text)


@bp.route("/links/<int:link_id>/edit", methods=["GET", "POST"])
@roles_required(*services.LINK_WRITERS)
def edit_link(link_id: int) -> str | Response:
    """An assignment's dates: end it (the day the 常委 stopped), or correct when it started."""
    link = get_or_404(ContactLink, link_id)
    form = LinkDatesForm(obj=link)
    if form.validate_on_submit() and commit_or_attach(
            form, assignments.change_dates(link, form.starts_on.data, form.ends_on.data, current_user)):
        flash(_("已保存分工的起止日期。"), "success")
        return redirect(url_for("contacts.links", all=1))
    return render_template("contacts/link_edit.html", form=form, link=link)


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
@roles_required(*services.LINK_WRITERS)
def delete_link(link_id: int) -> Response:
    link = get_or_404(ContactLink, link_id)
    if ActionForm().validate_on_submit():
        assignments.remove_link(link, current_user)
        db.session.commit()
        flash(_("已删除联系分工。"), "success")
    return redirect(url_for("contacts.links"))


# --- the contact log -----------------------------------------------------------------------------------------------

def _unit_form(**kwargs: object) -> UnitContactForm:
    committees = services.scoped_units(current_user, UnitKind.COMMITTEE)
    return UnitContactForm(committees, services.units(*services.TARGET_UNIT_KINDS), **kwargs)


def _log_page(form: ContactEntryForm, unit_form: UnitContactForm) -> str | Response:
    year, half = _period()
    filters = {"year": year, "half": half}
    stmt = contact_log.contact_query(year, half)
    if fmt := export.wanted():
        return export.send_table(log_headers(), log_rows(db.session.scalars(stmt)), fmt, _("联系记录"))
    pagination = db.paginate(sorted_by(stmt, contact_log.contact_sorts(), Contact.id), **page_args())
    return render_template("contacts/log.html", form=form, unit_form=unit_form, pagination=pagination,
                           filters=filters, years=services.years(),
                           can_write=current_user.role in services.LOG_WRITERS, remove=ActionForm(),
                           period=services.period_label(year, half))


@bp.route("/log", methods=["GET", "POST"])
@roles_required(*services.READERS)
def log() -> str | Response:
    """联系记录: the period's contacts in scope (with members and the 专委会's with units), sortable, with export;
    the forms to log one."""
    if request.method == "GET" and (back := remembered()):
        return back
    people = services.members()  # a clerk: their units' members at both ends
    if request.method == "POST":
        if current_user.role not in services.LOG_WRITERS:
            abort(403)
        form = ContactEntryForm(people)
        if form.validate_on_submit() and commit_or_attach(form, contact_log.add_contact(form.data, current_user)):
            flash(_("已记录联系。"), "success")
            return redirect(url_for("contacts.log"))
        db.session.rollback()
        return _log_page(form, _unit_form(formdata=None))
    form = ContactEntryForm(people, formdata=None, data={"occurred_on": beijing_today()})
    return _log_page(form, _unit_form(formdata=None, data={"occurred_on": beijing_today()}))


@bp.route("/log/units", methods=["POST"])
@roles_required(*services.LOG_WRITERS)
def log_unit() -> str | Response:
    """专委会联系界别和联络处: log one contact."""
    form = _unit_form()
    if form.validate_on_submit() and commit_or_attach(form, contact_log.add_unit_contact(form.data, current_user)):
        flash(_("已记录专委会联系。"), "success")
        return redirect(url_for("contacts.log"))
    db.session.rollback()
    return _log_page(ContactEntryForm(services.members(), formdata=None), form)


def log_headers() -> list[str]:
    return [_("日期"), _("联系方式"), _("被联系人"), _("联系人"), _("联系内容"), _("计入履职记录")]


def log_rows(contacts: Iterable[Contact]) -> list[list[object]]:
    return [[c.occurred_on, _(c.form.label), c.contacted_name, c.by_name, c.content,
             _(c.activity.state.label) if c.activity else ""] for c in contacts]


@bp.route("/log/<int:contact_id>/delete", methods=["POST"])
@roles_required(*services.LOG_WRITERS, Role.MEMBER)
def delete_contact(contact_id: int) -> Response:
    """Delete a contact (and the record it filed); a 常委 their own, before it is verified."""
    contact = get_or_404(Contact, contact_id)
    return _delete(lambda: contact_log.delete_contact(contact, current_user), _("已删除联系记录。"), "contacts.log")


def _delete(remove: Callable[[], str], done: str, staff_page: str) -> Response:
    """A delete button's POST: `remove` gives the reason it may not, else deletes; one transaction, a flash, and
    back to the member's own page or the staff's list."""
    if ActionForm().validate_on_submit():
        if reason := remove():
            db.session.rollback()
            flash(reason, "error")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for("contacts.mine" if current_user.role == Role.MEMBER else staff_page))


# --- 委员联系界别群众 ----------------------------------------------------------------------------------------------

def _mass_input(form: MassContactForm, member_id: int | None) -> masses.MassInput:
    return masses.MassInput(member_id=member_id, occurred_on=form.occurred_on.data, form=form.form.data or "",
                            people=form.people.data or "", sector_id=form.sector_id.data or None,
                            content=form.content.data or "", issues=form.issues.data or "")


def _masses_page(form: MassContactForm) -> str | Response:
    year, half = _period()
    filters = {"year": year, "half": half}
    stmt = masses.mass_query(year, half)
    if fmt := export.wanted():
        return export.send("mass-contacts", masses.export_rows(list(db.session.scalars(stmt))), fmt,
                           export.export_title(_("委员联系界别群众")))
    pagination = db.paginate(sorted_by(stmt, masses.mass_sorts(), MassContact.id), **page_args())
    return render_template("contacts/masses.html", form=form, pagination=pagination, filters=filters,
                           years=services.years(), can_write=current_user.role in services.LOG_WRITERS,
                           remove=ActionForm(), period=services.period_label(year, half))


@bp.route("/masses", methods=["GET", "POST"])
@roles_required(*services.READERS, Role.MEMBER)
def masses_page() -> str | Response:
    """委员联系界别群众: the period's entries in scope, sortable, exported in the import's format; the form to log
    one. A member logs their own (their page shows the form: GET brings them there)."""
    own = current_user.role == Role.MEMBER
    if request.method == "GET":
        if own:
            return redirect(url_for("contacts.mine"))
        if back := remembered():
            return back
        return _masses_page(MassContactForm(services.members(), masses.sectors(), formdata=None,
                                            data={"occurred_on": beijing_today()}))
    if current_user.role not in MASS_WRITERS:
        abort(403)
    form = MassContactForm([] if own else services.members(), masses.sectors())
    if form.validate_on_submit():
        errors, _entry = masses.add(_mass_input(form, current_user.member_id if own else form.member_id.data),
                                    current_user)
        if commit_or_attach(form, errors):
            flash(_("已记录联系群众。"), "success")
            return redirect(url_for("contacts.mine" if own else "contacts.masses_page"))
    db.session.rollback()
    return _mine_page(mass_form=form) if own else _masses_page(form)


@bp.route("/masses/<int:entry_id>/delete", methods=["POST"])
@roles_required(*MASS_WRITERS)
def delete_mass(entry_id: int) -> Response:
    entry = get_or_404(MassContact, entry_id)
    return _delete(lambda: masses.remove(entry, current_user), _("已删除联系群众记录。"), "contacts.masses_page")


# --- a member's own page ---------------------------------------------------------------------------------------

def _me() -> Member:
    """:raises 404: an account of the member role linked to no member."""
    member = db.session.get(Member, current_user.member_id or 0)
    if member is None:
        abort(404)
    return member


def _mine_page(own_form: OwnContactForm | None = None, mass_form: MassContactForm | None = None) -> str:
    me = _me()
    today = beijing_today()
    year, half = coverage.half_in_view(today)
    start, end = services.window(year, half)
    assigned = contact_log.assigned_to(me, None) if me.is_standing else []
    if own_form is None:
        own_form = OwnContactForm(assigned, formdata=None, data={"occurred_on": today})
    if mass_form is None:
        mass_form = MassContactForm([], masses.sectors(), formdata=None, data={"occurred_on": today})
    return render_template(
        "contacts/mine.html", me=me, year=year, half=half, period=services.period_label(year, half),
        mine=coverage.own_members(me, year, half) if me.is_standing else [],
        made=list(db.session.scalars(scoped(Contact).where(Contact.occurred_on.between(start, end)).order_by(
            Contact.occurred_on.desc(), Contact.id.desc()))) if me.is_standing else [],
        keepers=coverage.keepers_of(me, today), entries=masses.of_member(me.id), own_form=own_form,
        mass_form=mass_form, remove=ActionForm(), behind=coverage.own_behind(me, today),
        period_label=services.period_label, verifier=self_report_verifier_text(me))


@bp.route("/mine", methods=["GET", "POST"])
@roles_required(Role.MEMBER)
def mine() -> str | Response:
    """我的四联系: for a 常委, the members assigned to them this half and whether they have contacted each (and the
    form to log a contact); who keeps in touch with the member; their own contacts with the masses of their 界别."""
    if request.method == "GET":
        return _mine_page()
    me = _me()
    form = OwnContactForm(contact_log.assigned_to(me, None) if me.is_standing else [])
    if not me.is_standing:
        abort(403)
    if form.validate_on_submit() and commit_or_attach(form, contact_log.add_own_contact(me, form.data, current_user)):
        flash(_("已记录联系。"), "success")
        return redirect(url_for("contacts.mine"))
    db.session.rollback()
    return _mine_page(own_form=form)
