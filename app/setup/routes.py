"""The set-up pages (正式启用): the organisation, 届 (terms), appraisal years, accounts in bulk.

The admin's; the office may also open a year and close its recording (the year's work is theirs), not reopen one.
"""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import addresses, audit, organisation, rulefiles, timetable
from app.auth.decorators import roles_required
from app.extensions import db
from app.forms import commit_or_attach
from app.models import AppraisalYear, AuditLog, RecordState, Role, Term
from app.setup import accounts, rollover, terms, years
from app.setup.forms import (AccountsForm, ConfirmForm, OpenYearForm, OrganisationForm, ReasonForm, ReissueForm,
                             TermForm, TimetableForm)
from app.timeutil import beijing_today

bp = Blueprint("setup", __name__)
BATCH = 600  # accounts made per request at most: hashing and the slips stay well inside a proxy's timeout
YEAR_ROLES = (Role.ADMIN, Role.OFFICE)


@bp.context_processor
def audit_words() -> dict[str, object]:
    return {"audit_actions": audit.ACTION_LABELS, "audit_fields": audit.FIELD_LABELS}


def _ip() -> str:
    return request.remote_addr or ""


def _history(rows: list[AuditLog]) -> dict[str, object]:
    """The change history under a form, with who made each change."""
    return {"history": rows, "audit_names": audit.actor_names(rows)}


# --- the organisation ------------------------------------------------------------------------------------------

@bp.route("/organisation", methods=["GET", "POST"], endpoint="organisation")
@roles_required(Role.ADMIN)
def organisation_page() -> str | Response:
    form = OrganisationForm(data=organisation.stored_values() if request.method == "GET" else None)
    if form.validate_on_submit():
        data = {name: form[name].data or "" for name in organisation.FACTS}
        if commit_or_attach(form, organisation.save(data, current_user, _ip())):
            flash(_("组织信息已保存。"), "success")
            return redirect(url_for("setup.organisation"))
    defaults = organisation.derived({name: form[name].data or "" for name in organisation.FACTS})
    history = list(db.session.scalars(audit.log_query("setting").where(
        AuditLog.field.in_(list(organisation.KEYS.values()))).limit(30)))
    return render_template("setup/organisation.html", form=form, facts=organisation.FACTS, defaults=defaults,
                           config_url=str(current_app.config.get("PUBLIC_BASE_URL") or ""), **_history(history))


# --- 届 --------------------------------------------------------------------------------------------------------

@bp.route("/terms")
@roles_required(Role.ADMIN, Role.OFFICE)  # the office reads it, and starts 换届 from it
def term_list() -> str:
    return render_template("setup/terms.html", rows=terms.term_rows())


def _term_or_404(term_id: int) -> Term:
    return db.get_or_404(Term, term_id)  # terms are the county's: only admins reach these pages


@bp.route("/terms/new", methods=["GET", "POST"])
@bp.route("/terms/<int:term_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def term_form(term_id: int | None = None) -> str | Response:
    term = _term_or_404(term_id) if term_id else Term()
    form = TermForm(obj=term if term_id and request.method == "GET" else None)
    if form.validate_on_submit():
        errors = terms.save_term(term, form.data, current_user, _ip())
        if commit_or_attach(form, errors):
            flash(_("已保存%(term)s。", term=term.name), "success")
            return redirect(url_for("setup.term_list"))
    history = audit.history("term", term.id) if term.id else []
    return render_template("setup/term_form.html", form=form, term=term if term_id else None,
                           reason_form=ReasonForm(formdata=None), **_history(history))


@bp.route("/terms/<int:term_id>/close", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def term_close(term_id: int) -> str | Response:
    term = _term_or_404(term_id)
    if term.closed_at is not None:
        flash(_("%(term)s已经关闭。", term=term.name), "warning")
        return redirect(url_for("setup.term_list"))
    notes = terms.closing_notes(term)
    form = ConfirmForm()
    if form.validate_on_submit():
        terms.close_term(term, current_user, _ip())
        db.session.commit()
        flash(_("已关闭%(term)s。", term=term.name), "success")
        return redirect(url_for("setup.term_list"))
    return render_template("setup/term_close.html", term=term, notes=notes, form=form)


@bp.route("/terms/<int:term_id>/rollover", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.OFFICE)
def term_rollover(term_id: int) -> str | Response | tuple[str, int]:
    """换届: the next 届, the office ticking who is re-appointed; the others leave on the old 届's last day."""
    old = _term_or_404(term_id)
    if old.closed_at is not None or terms.current_term() is not old:
        flash(_("只能从当前届次换届。"), "warning")
        return redirect(url_for("setup.term_list"))
    members = rollover.serving(old)
    form = TermForm(data=rollover.proposal(old) if request.method == "GET" else None)
    carried = {int(v) for v in request.form.getlist("carry") if v.isdigit()} if request.method == "POST" \
        else {m.id for m in members}
    if form.validate_on_submit():
        try:
            done = rollover.start_next_term(old, form.data, carried, current_user, _ip())
        except terms.TermError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            if isinstance(done, rollover.Rollover):
                db.session.commit()
                flash(_("%(new)s已开始：连任 %(carried)s 人，离任 %(left)s 人。新委员请用“导入委员名单”导入。",
                        new=done.term.name, carried=done.carried, left=done.left), "success")
                return redirect(url_for("setup.term_list"))
            commit_or_attach(form, done)
    status = 422 if request.method == "POST" else 200
    return render_template("setup/term_rollover.html", old=old, form=form, members=members,
                           carried=carried), status


@bp.route("/terms/<int:term_id>/reopen", methods=["POST"])
@roles_required(Role.ADMIN)
def term_reopen(term_id: int) -> str | Response:
    term = _term_or_404(term_id)
    reason_form = ReasonForm()
    if reason_form.validate_on_submit():
        try:
            terms.reopen_term(term, reason_form.reason.data or "", current_user, _ip())
        except terms.TermError as error:
            db.session.rollback()
            reason_form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("已重新打开%(term)s。", term=term.name), "success")
            return redirect(url_for("setup.term_list"))
    return render_template("setup/term_form.html", form=TermForm(obj=term), term=term, reason_form=reason_form,
                           **_history(audit.history("term", term.id))), 422  # type: ignore[return-value]


# --- appraisal years ---------------------------------------------------------------------------------------------

def _years_page(open_form: OpenYearForm | None = None, reopen_forms: dict[int, ReasonForm] | None = None,
                status: int = 200) -> tuple[str, int]:
    rows = years.year_rows()
    form = open_form or OpenYearForm(data={"year": years.suggested_year(beijing_today().year)})
    reopen_forms = reopen_forms or {}
    return render_template("setup/years.html", rows=rows, form=form, verified=RecordState.VERIFIED,
                           reopen_forms={r.year.year: reopen_forms.get(r.year.year) or ReasonForm(formdata=None)
                                         for r in rows}), status


@bp.route("/years")
@roles_required(*YEAR_ROLES)
def year_list() -> tuple[str, int]:
    return _years_page()


@bp.route("/years/open", methods=["POST"])
@roles_required(*YEAR_ROLES)
def year_open() -> tuple[str, int] | Response:
    form = OpenYearForm()
    if form.validate_on_submit():
        try:
            years.open_year(form.year.data, current_user, _ip())
            carried = rulefiles.carry_forward(form.year.data - 1, form.year.data, current_user) if form.carry.data \
                else []
        except years.YearError as error:
            db.session.rollback()
            form.year.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("已开放 %(year)s 年度的录入。请确认本年度的时间安排（已按惯例填好，保存后生效）。",
                    year=form.year.data), "success")
            if carried:
                flash(_("已把 %(last)s 年度的 %(n)s 份评分细则转入为 %(year)s 年度的草稿，请在“评分细则”中检查后启用。",
                        last=form.year.data - 1, n=len(carried), year=form.year.data), "info")
            return redirect(url_for("setup.year_timetable", year=form.year.data))
    return _years_page(open_form=form, status=422)


def _year_or_404(year: int) -> AppraisalYear:
    found = db.session.get(AppraisalYear, year)
    if found is None:
        abort(404)
    return found


@bp.route("/years/<int:year>", methods=["GET", "POST"])
@roles_required(*YEAR_ROLES)
def year_timetable(year: int) -> tuple[str, int] | Response:
    """The year's timetable: the timeline (done / due / overdue, with its evidence), 政情通报会 held, and the form.
    A year with no milestone yet offers the customary dates (app.timetable.MILESTONES) in the form."""
    found = _year_or_404(year)
    offered = timetable.is_empty(found)
    form = TimetableForm(data=timetable.defaults(year) if offered else timetable.values(found)) \
        if request.method == "GET" else TimetableForm()
    if form.validate_on_submit():
        data = {m.key: form[m.key].data for m in timetable.MILESTONES}
        if commit_or_attach(form, timetable.save(found, data, current_user, _ip())):
            flash(_("已保存 %(year)s 年度的时间安排。", year=year), "success")
            return redirect(url_for("setup.year_timetable", year=year))
    today = beijing_today()
    history = audit.history("appraisal_year", year)
    held = timetable.briefings(year, today)
    return render_template(
        "setup/year.html", found=found, form=form, offered=offered and request.method == "GET",
        steps=timetable.steps(found, today), briefings=held, briefing_warning=held.warning(today),
        milestones=timetable.MILESTONES,
        publicity_fallback=timetable.publicity_default(None), **_history(history)), \
        422 if request.method == "POST" else 200


@bp.route("/years/<int:year>/close", methods=["GET", "POST"])
@roles_required(*YEAR_ROLES)
def year_close(year: int) -> str | Response:
    found = _year_or_404(year)
    if found.recording_closed_at is not None:
        flash(_("%(year)s年度已经停止录入。", year=year), "warning")
        return redirect(url_for("setup.year_list"))
    form = ConfirmForm()
    if form.validate_on_submit():
        years.close_year(found, current_user, _ip())
        db.session.commit()
        flash(_("%(year)s年度已停止录入。", year=year), "success")
        return redirect(url_for("setup.year_list"))
    row = next(r for r in years.year_rows() if r.year.year == year)
    return render_template("setup/year_close.html", row=row, form=form)


@bp.route("/years/<int:year>/reopen", methods=["POST"])
@roles_required(Role.ADMIN)
def year_reopen(year: int) -> tuple[str, int] | Response:
    found = _year_or_404(year)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            years.reopen_year(found, form.reason.data or "", current_user, _ip())
        except years.YearError as error:
            db.session.rollback()
            form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("已重新开放 %(year)s 年度的录入。", year=year), "success")
            return redirect(url_for("setup.year_list"))
    return _years_page(reopen_forms={year: form}, status=422)


# --- accounts in bulk --------------------------------------------------------------------------------------------

def _accounts_page(form: AccountsForm | None = None, reissue_form: ReissueForm | None = None,
                   status: int = 200) -> tuple[str, int]:
    plans = {kind: accounts.pending(kind) for kind in accounts.KINDS}
    unused = {kind: len(accounts.unused_accounts(kind)) for kind in accounts.KINDS}
    return render_template("setup/accounts.html", plans=plans, unused=unused, form=form or AccountsForm(),
                           reissue_form=reissue_form or ReissueForm(formdata=None), labels=accounts.KIND_LABELS,
                           address=_address(), batch=BATCH), status


def _address() -> str:
    """Where the slips send people: the public address (app.addresses.base)."""
    return accounts.sign_in_address(addresses.base())


def _issued_page(issued: list[accounts.Issued], left: int, title: str) -> Response:
    """The accounts just made or reset, with their slips and table to download, once: the passwords are in this
    answer only (as data: links), never stored, so it must not be cached either."""
    address = _address()
    org = organisation.current()
    stamp = beijing_today().isoformat()
    pdf = accounts.slips_pdf(issued, address, org.short_name or org.full_name)
    xlsx = accounts.slips_xlsx(issued, address)
    page = render_template(
        "setup/accounts_issued.html", issued=issued, left=left, title=title, labels=accounts.KIND_LABELS,
        pdf="data:application/pdf;base64," + base64.b64encode(pdf).decode(),
        xlsx="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
             + base64.b64encode(xlsx).decode(),
        pdf_name=_("账号通知单-%(day)s.pdf", day=stamp), xlsx_name=_("账号表-%(day)s.xlsx", day=stamp))
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/accounts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def account_batch() -> tuple[str, int] | Response:
    form = AccountsForm()
    if not form.validate_on_submit():
        return _accounts_page(form, status=422 if request.method == "POST" else 200)
    kinds = [kind for kind in accounts.KINDS if form[kind].data]
    if not kinds:
        form.member.errors = [_("请至少选择一类账号。")]
        return _accounts_page(form, status=422)
    issued, left = accounts.create_accounts(kinds, current_user, ip=_ip(), limit=BATCH)
    if not issued:
        db.session.rollback()
        flash(_("没有需要创建的账号：所选的人员和单位都已有账号。"), "info")
        return redirect(url_for("setup.account_batch"))
    response = _issued_page(issued, left, _("已创建 %(n)s 个账号", n=len(issued)))
    db.session.commit()  # after the slips are made: no account is left without its slip
    return response


@bp.route("/accounts/reissue", methods=["POST"])
@roles_required(Role.ADMIN)
def account_reissue() -> tuple[str, int] | Response:
    form = ReissueForm()
    if not form.validate_on_submit():
        return _accounts_page(reissue_form=form, status=422)
    users = accounts.unused_accounts(form.kind.data)
    if not users:
        flash(_("没有尚未登录的%(kind)s，无需重新发放。", kind=accounts.KIND_LABELS[form.kind.data]), "info")
        return redirect(url_for("setup.account_batch"))
    issued = accounts.reissue(users, current_user, form.reason.data or "", ip=_ip())
    response = _issued_page(issued, 0, _("已重新发放 %(n)s 个账号的初始密码", n=len(issued)))
    db.session.commit()
    return response

