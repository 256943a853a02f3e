"""非公企业党支部 and their party members, within the data scope; each branch's half-year 比实绩: entry by its
liaison (or the office), verification by the office."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app import audit, entries
from app.activities.services import entry_roles
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, part_or_404
from app.branches import results, services, visits
from app.branches.forms import ReasonForm, VisitEntryForm, indicator_form, values_of, version_of
from app.extensions import db
from app.forms import attach_errors, commit_or_attach
from app.i18n import cndate
from app.imports import export
from app.listing import page_size, remembered, sorted_by, sorted_items
from app.models import (BranchForm, BranchResult, BranchVisit, Category, PartyMember, PartyStatus, RecordState, Role,
                        Unit, UnitKind)
from app.timetable import newest_year
from app.timeutil import beijing_today
from app.web import commit_or_stale, db_id, page_args, paginate_list

bp = Blueprint("branches", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)


def _branch_or_404(unit_id: int) -> Unit:
    """A 党支部 in the user's scope. :raises 404: outside the scope, or for another kind of unit."""
    unit = get_or_404(Unit, unit_id)
    if unit.kind != UnitKind.BRANCH:
        abort(404)
    return unit


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> str | Response:
    if back := remembered():
        return back
    q = request.args.get("q", "")
    parent_id = request.args.get("parent", 0, type=db_id)
    form_name = request.args.get("form", "")
    form = BranchForm[form_name] if form_name in BranchForm.__members__ else None
    parents = {b.parent.id: b.parent for b in db.session.scalars(services.branch_query().options(
        selectinload(Unit.parent))) if b.parent}  # the 镇党委 / 党总支 over the user's branches: the only choices
    parent_id = parent_id if parent_id in parents else 0
    stmt = services.filtered_branches(q, parent_id, form)
    if fmt := export.wanted():
        branches = db.session.scalars(stmt.options(*export.BRANCH_LOADS))
        return export.send("branches", export.branch_rows(branches), fmt, export.export_title(_("党支部")))
    rows = sorted_items(services.branch_rows(stmt), services.BRANCH_SORTS)
    totals = {"full": sum(r.full for r in rows), "probationary": sum(r.probationary for r in rows),
              "enterprises": sum(len(r.enterprises) for r in rows)}
    filters = {"q": q, "parent": parent_id or "", "form": form.name if form else ""}
    return render_template("branches/index.html", pagination=paginate_list(rows, page_size()), count=len(rows),
                           totals=totals, filters=filters, parents=list(parents.values()), forms=list(BranchForm),
                           can_edit=current_user.role == Role.ADMIN)


@bp.route("/<int:unit_id>")
@roles_required(*VIEWERS)
def detail(unit_id: int) -> str:
    branch = _branch_or_404(unit_id)
    counts = services.status_counts(PartyMember.branch_id == branch.id).get(branch.id, {})
    full, probationary = counts.get(PartyStatus.FULL, 0), counts.get(PartyStatus.PROBATIONARY, 0)
    return render_template("branches/detail.html", branch=branch, members=services.branch_members(branch.id),
                           by_enterprise=services.enterprise_counts(branch.id), full=full,
                           probationary=probationary, can_edit=current_user.role == Role.ADMIN,
                           half_years=results.branch_periods(branch.id), label=results.period_label,
                           can_enter=current_user.role in results.ENTRY_ROLES,
                           visits=visits.branch_visits(branch.id), year=newest_year())


@bp.route("/<int:unit_id>/visits/new", methods=["GET", "POST"])
@roles_required(*results.ENTRY_ROLES)
def visit_new(unit_id: int) -> str | Response:
    """Log a 党建工作联络员's visit or guidance: the liaison of the branch, or the office."""
    branch = _branch_or_404(unit_id)
    data = {"visited_on": beijing_today(), "visitor": current_user.display_name}
    form = VisitEntryForm(data=data) if request.method == "GET" else VisitEntryForm()
    if form.validate_on_submit() and commit_or_attach(
            form, visits.add_visit(branch, form.data, current_user, request.remote_addr or "")):
        flash(_("已记录对 %(branch)s 的走访指导。", branch=branch.name), "success")
        return redirect(url_for("branches.detail", unit_id=branch.id))
    return render_template("branches/visit_form.html", form=form, branch=branch)


def _visit_or_404(unit_id: int, visit_id: int) -> tuple[Unit, BranchVisit]:
    """A branch in the user's scope and one of its visits. :raises 404: outside the scope, or another branch's."""
    branch = _branch_or_404(unit_id)
    return branch, part_or_404(BranchVisit, visit_id, "branch_id", branch.id)


@bp.route("/<int:unit_id>/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@roles_required(*results.ENTRY_ROLES)
def visit_edit(unit_id: int, visit_id: int) -> str | Response:
    """修改 a visit: whoever may log one for the branch (its liaison, the office)."""
    branch, visit = _visit_or_404(unit_id, visit_id)
    form = entries.entry_form(VisitEntryForm, visit, "form")
    return entries.edit_page(
        form, lambda: visits.update_visit(visit, form.data, current_user, request.remote_addr or ""),
        heading=_("修改走访指导：%(branch)s", branch=branch.name),
        back=url_for("branches.detail", unit_id=branch.id, _anchor="visits"), stale_field="content",
        hints={"content": _("了解的情况、指导的事项、帮助解决的问题。")})


@bp.route("/<int:unit_id>/visits/<int:visit_id>/delete", methods=["GET", "POST"])
@roles_required(*results.ENTRY_ROLES)
def visit_delete(unit_id: int, visit_id: int) -> str | Response:
    branch, visit = _visit_or_404(unit_id, visit_id)
    return entries.delete_page(
        lambda: visits.delete_visit(visit, current_user, request.remote_addr or ""), heading=_("删除走访指导"),
        back=url_for("branches.detail", unit_id=branch.id, _anchor="visits"),
        facts=[(_("党支部"), branch.name), (_("走访日期"), cndate(visit.visited_on)), (_("方式"), _(visit.form.label)),
               (_("内容"), visit.content), (_("联络员"), visit.visitor)])


@bp.route("/party-members")
@roles_required(*VIEWERS)
def party_members() -> str | Response:
    if back := remembered():
        return back
    q = request.args.get("q", "")
    branch_id = request.args.get("branch", 0, type=db_id)
    if branch_id:
        _branch_or_404(branch_id)
    status_name = request.args.get("status", "")
    status = PartyStatus[status_name] if status_name in PartyStatus.__members__ else None
    include_inactive = request.args.get("inactive") == "1"
    stmt = services.party_member_query(q, branch_id, status, include_inactive)
    if fmt := export.wanted():
        people = db.session.scalars(stmt.options(*export.PARTY_MEMBER_LOADS))
        return export.send("party-members", export.party_member_rows(people), fmt, export.export_title(_("党员")))
    stmt = sorted_by(stmt, {"code": PartyMember.code, "name": PartyMember.search_key, "gender": PartyMember.gender,
                            "status": PartyMember.status, "joined": PartyMember.joined_on, "post": PartyMember.post,
                            "branch": sa.select(Unit.name).where(Unit.id == PartyMember.branch_id).scalar_subquery()},
                     PartyMember.id)
    pagination = db.paginate(stmt, **page_args())
    branches = db.session.scalars(services.branch_query()).all()
    filters = {"q": q, "branch": branch_id or "", "status": status.name if status else "",
               "inactive": "1" if include_inactive else ""}
    return render_template("branches/party_members.html", pagination=pagination, branches=branches,
                           filters=filters, statuses=list(PartyStatus),
                           can_enter=current_user.role in entry_roles(Category.CONTRIBUTION))


# --- 比实绩: half-year results -----------------------------------------------------------------------------------

def _stale_result(target: str) -> Response:
    flash(str(results.StaleResult()), "error")
    return redirect(target)


@bp.route("/<int:unit_id>/results/<period>", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def result(unit_id: int, period: str) -> str | Response:
    """One branch's 比实绩 for one half-year: the form while 草稿/退回, read only otherwise; verify for the office."""
    branch = _branch_or_404(unit_id)
    parsed = results.parse_period(period)
    if parsed is None:
        abort(404)
    record = results.find(branch.id, period)
    problem = results.period_problem(period)
    back = url_for("branches.detail", unit_id=branch.id)
    if problem and record is None:
        flash(problem, "error")
        return redirect(back)
    items = results.indicators(parsed[0])
    form_class = indicator_form(items)
    editable = problem is None and results.can_edit(record, current_user)
    general: list[str] = []
    if request.method == "GET":
        rows = {r.key: r for r in record.indicators} if record is not None else {}
        initial = {ind.key: results.value_of(ind, rows.get(ind.key)) for ind in items}
        form = form_class(data=initial | {"version": record.version if record else ""})
    else:
        if current_user.role not in results.ENTRY_ROLES:
            abort(403)
        form = form_class()
        if problem:
            flash(problem, "error")
            return redirect(back)
        if not editable:
            flash(_("只有草稿或退回的比实绩可以修改。"), "error")
            return redirect(request.path)
        if form.validate_on_submit():
            submit = request.form.get("action") == "submit"

            def save() -> dict[str, list[str]]:
                _saved, problems = results.save(branch, period, record, version_of(form), values_of(form, items),
                                                current_user, submit=submit, ip=request.remote_addr or "")
                return problems

            errors = commit_or_stale(save, None, results.StaleResult)
            if errors is None:
                return _stale_result(request.path)
            if not errors:
                flash(_("已提交，等待办公室核实。") if submit else _("已保存草稿。"), "success")
                return redirect(request.path)
            general = errors.pop("", [])  # a problem with the whole result; else each field's own
            attach_errors(form, errors)
        elif "csrf_token" in form.errors:
            abort(400)
    is_office = current_user.role in results.VERIFY_ROLES
    history = audit.history("branch_result", record.id) if record is not None and is_office else []
    return render_template("branches/result.html", branch=branch, period=period,
                           label=results.period_label(period), record=record, form=form,
                           groups=results.grouped(items), editable=editable, problem=problem, errors=general,
                           can_verify=is_office and record is not None, reason_form=ReasonForm(formdata=None),
                           history=history, names=audit.actor_names(history), shown=audit.names(history),
                           actions=audit.ACTION_LABELS, fields=audit.FIELD_LABELS)


def _review(unit_id: int, period: str, action: str) -> Response:
    branch = _branch_or_404(unit_id)
    record = results.find(branch.id, period)
    if record is None:
        abort(404)
    target = url_for("branches.result", unit_id=branch.id, period=period)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    version, reason, ip = version_of(form), form.reason.data or "", request.remote_addr or ""

    def decide() -> str | None:
        if action == "verify":
            return results.verify(record, version, current_user, ip=ip)
        if action == "return":
            return results.send_back(record, version, reason, current_user, ip=ip)
        return results.reopen(record, version, reason, current_user, ip=ip)

    error = commit_or_stale(decide, str(results.StaleResult()), results.StaleResult)
    if error:
        flash(error, "error")
    else:
        flash({"verify": _("已核实，该比实绩将计入考评。"), "return": _("已退回联络员修改。"),
               "reopen": _("已重新打开，退回联络员修改。")}[action], "success")
    return redirect(target)


@bp.route("/<int:unit_id>/results/<period>/verify", methods=["POST"])
@roles_required(*results.VERIFY_ROLES)
def verify_result(unit_id: int, period: str) -> Response:
    return _review(unit_id, period, "verify")


@bp.route("/<int:unit_id>/results/<period>/return", methods=["POST"])
@roles_required(*results.VERIFY_ROLES)
def return_result(unit_id: int, period: str) -> Response:
    return _review(unit_id, period, "return")


@bp.route("/<int:unit_id>/results/<period>/reopen", methods=["POST"])
@roles_required(*results.VERIFY_ROLES)
def reopen_result(unit_id: int, period: str) -> Response:
    return _review(unit_id, period, "reopen")


@bp.route("/results")
@roles_required(*VIEWERS)
def result_list() -> str | Response:
    """Results by branch, half-year and state; the office lands on the submitted ones, waiting to be verified (a
    first visit: once it has chosen 全部, that choice is remembered with the page size)."""
    if back := remembered():
        return back
    default = RecordState.SUBMITTED.name if current_user.role in results.VERIFY_ROLES and not request.args else ""
    state_name = request.args.get("state", default)
    state = RecordState[state_name] if state_name in RecordState.__members__ else None
    branch_id = request.args.get("branch", 0, type=db_id)
    if branch_id:
        _branch_or_404(branch_id)
    period = request.args.get("period", "")
    period = period if results.parse_period(period) else ""
    stmt = results.result_query(branch_id, period, state)
    if fmt := export.wanted():
        found = db.session.scalars(stmt.options(*export.BRANCH_RESULT_LOADS))
        return export.send("branch-results", export.branch_result_rows(found), fmt,
                           export.export_title(_("党支部比实绩")))
    stmt = sorted_by(stmt.options(selectinload(BranchResult.branch)), results.RESULT_SORTS, BranchResult.id)
    pagination = db.paginate(stmt, **page_args())
    filters = {"branch": branch_id or "", "period": period, "state": state.name if state else ""}
    return render_template("branches/results.html", pagination=pagination, filters=filters,
                           counts=results.state_counts(branch_id, period), states=list(RecordState),
                           branches=db.session.scalars(services.branch_query()).all(),
                           periods=sorted(set(results.open_periods()) | set(results.stored_periods()), reverse=True),
                           label=results.period_label, can_verify=current_user.role in results.VERIFY_ROLES)
