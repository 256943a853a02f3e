"""通报处理: the cases opened from a members' review's 通报 list (one, or all at once), a case's page with its steps,
and the list of cases with its export. The office and the administrator write; the leading group reads; a clerk reads
the cases of their units' members; a member has none of it (see docs/followup.md)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.reviews.reading import review_label
from app.extensions import db
from app.followup import services
from app.followup.forms import ConsultForm, DecisionForm, TalkForm
from app.forms import ActionForm, commit_or_attach
from app.imports import export
from app.listing import remembered, sorted_by
from app.members.services import filter_units
from app.models import Followup, FollowupDecision, FollowupState, FollowupStep, Member, Review, Role
from app.timeutil import beijing_today
from app.web import db_id, page_args

bp = Blueprint("followup", __name__)
READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)
WRITERS = (Role.ADMIN, Role.OFFICE)


@bp.route("/")
@roles_required(*READERS)
def index() -> str | Response:
    """The cases, 未办结 first shown; filters: 年度, 状态, 单位; `?export=xlsx|csv` gives every filtered case."""
    if back := remembered():
        return back
    year = request.args.get("year", 0, type=int)
    state = request.args.get("state", services.UNCLOSED)
    unit_id = request.args.get("unit", 0, type=db_id)
    stmt = services.case_query(year, state, unit_id)
    if fmt := export.wanted():
        return export.send_table(services.export_headers(),
                                 services.export_rows(db.session.scalars(stmt)), fmt, _("通报处理台账"))
    pagination = db.paginate(sorted_by(stmt, services.case_sorts(), Followup.id), **page_args())
    filters = {"year": year or "", "state": state, "unit": unit_id or ""}
    return render_template("followup/index.html", pagination=pagination, filters=filters, years=services.years(),
                           states=list(FollowupState), units=filter_units(), services=services,
                           review_label=review_label, steps=FollowupStep, can_write=current_user.role in WRITERS)


@bp.route("/open/<int:review_id>", methods=["POST"])
@roles_required(*WRITERS)
def open_all(review_id: int) -> Response:
    """建立处理台账: a case for everyone on the review's 通报 list who has none yet."""
    review = db.get_or_404(Review, review_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("awards.notices", review_id=review.id))
    try:
        opened, there = services.open_cases(review, None, current_user)
    except services.FollowupError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("awards.notices", review_id=review.id))
    db.session.commit()
    flash(_("已建立 %(n)s 件处理台账（此前已有 %(m)s 件）。", n=len(opened), m=len(there)), "success")
    return redirect(url_for("followup.index", state=services.EVERY, year=review.period[:4]))


@bp.route("/open/<int:review_id>/<int:member_id>", methods=["POST"])
@roles_required(*WRITERS)
def open_one(review_id: int, member_id: int) -> Response:
    """One case from a row of the 通报 list (or the one already there); a member not on the list is a 404."""
    review = db.get_or_404(Review, review_id)
    member = get_or_404(Member, member_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("awards.notices", review_id=review.id))
    try:
        opened, there = services.open_cases(review, [member.id], current_user)
    except services.FollowupError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return redirect(url_for("followup.detail", case_id=(opened or there)[0].id))


def _page(case: Followup, talk: TalkForm | None = None, consult: ConsultForm | None = None,
          decision: DecisionForm | None = None) -> str:
    today = {"occurred_on": beijing_today()}  # a blank form offers today's date
    return render_template(
        "followup/detail.html", case=case, reasons=services.reasons(case), review_label=review_label(case.review),
        lines=[services.step_line(e) for e in case.steps], can_write=current_user.role in WRITERS,
        talk=talk or TalkForm(services.talker_choices(), formdata=None, data=today),
        consult=consult or ConsultForm(formdata=None, data=today),
        decision=decision or DecisionForm(formdata=None, data=today), closed=case.state == FollowupState.CLOSED,
        decisions=FollowupDecision)


@bp.route("/<int:case_id>")
@roles_required(*READERS)
def detail(case_id: int) -> str:
    return _page(get_or_404(Followup, case_id))


def _step(case_id: int, form: TalkForm | ConsultForm | DecisionForm, step: services.Step, done: str,
          slot: str) -> str | Response:
    case = get_or_404(Followup, case_id)
    if form.validate_on_submit() and commit_or_attach(form, step(case, form.data, current_user)):
        flash(done, "success")
        return redirect(url_for("followup.detail", case_id=case.id))
    db.session.rollback()
    return _page(case, **{slot: form})


@bp.route("/<int:case_id>/talk", methods=["POST"])
@roles_required(*WRITERS)
def talk(case_id: int) -> str | Response:
    return _step(case_id, TalkForm(services.talker_choices()), services.add_talk, _("已记录谈话提醒。"), "talk")


@bp.route("/<int:case_id>/consult", methods=["POST"])
@roles_required(*WRITERS)
def consult(case_id: int) -> str | Response:
    return _step(case_id, ConsultForm(), services.add_consult, _("已记录沟通情况。"), "consult")


@bp.route("/<int:case_id>/decide", methods=["POST"])
@roles_required(*WRITERS)
def decide(case_id: int) -> str | Response:
    return _step(case_id, DecisionForm(), services.decide, _("已记录处理决定。"), "decision")
