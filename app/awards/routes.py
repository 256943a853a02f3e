"""The award decision's screens: recommendation (clerks, the office), the leading group's votes, the office's
conclusion, approval, 公示 and objections, the final list, an admin's reopening; and the 通报 list."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, timetable
from app.auth.decorators import roles_required
from app.auth.scope import unit_ids
from app.awards import forms, history, services
from app.awards.services import AwardError
from app.extensions import db
from app.followup import services as followup
from app.forms import ActionForm
from app.imports import export
from app.models import (AwardList, AwardListState, Candidate, CandidateState, Objection, ObjectionOutcome, Review,
                        ReviewKind, ReviewState, Role, SubjectKind, VoteChoice)
from app.reviews import services as reviews
from app.settings import setting
from app.timeutil import beijing_today

bp = Blueprint("awards", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON)  # a liaison: the 企业主 lists
OFFICE = (Role.ADMIN, Role.OFFICE)
PARTY_KINDS = (SubjectKind.BRANCHES, SubjectKind.PARTY_MEMBERS)
PARTY_BODY = "党委会议"  # “双比双争” lists are the 镇党委's to decide


def _export_headers() -> list[str]:
    """The headers of the export of every award list, in the user's language."""
    return [_("表彰类别"), _("名单"), _("考评"), _("名单状态"), _("姓名"), _("单位"), _("得分"), _("等次"),
            _("人选状态"), _("事迹"), _("同意"), _("不同意"), _("弃权"), _("审定机构"), _("审定日期"), _("文号"),
            _("公示开始"), _("公示结束")]


def _list_or_404(list_id: int) -> AwardList:
    """A list the user may see: a liaison only the lists of 企业主, the one award they recommend for."""
    award_list = db.session.get(AwardList, list_id)
    if award_list is None or (current_user.role == Role.LIAISON and not services.nominated(award_list)):
        abort(404)
    return award_list


def _candidate_or_404(candidate_id: int) -> Candidate:
    """A candidate the user may act on: a clerk only their units' picks, a liaison only their branches' 企业主."""
    candidate = db.session.get(Candidate, candidate_id)
    scope = unit_ids(current_user)
    if candidate is None or (scope is not None and candidate.unit_id not in scope) or (
            current_user.role == Role.LIAISON and not services.nominated(candidate.award_list)):
        abort(404)
    return candidate


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> str | Response:
    """Every award list (a clerk: those open for recommendation, and what the others' states are); `?export=xlsx`
    gives every list with its candidates as one table."""
    lists = db.session.scalars(sa.select(AwardList).order_by(AwardList.id.desc())).all()
    if current_user.role == Role.LIAISON:
        lists = [a for a in lists if services.nominated(a)]
    if (fmt := export.wanted()) and current_user.role not in services.SCOPED:
        return export.send_table(_export_headers(), services.export_rows(lists), fmt, _("表彰名单汇总"))
    closed = []
    if current_user.role in services.SCOPED:
        closed = [a for a in lists if a.state != AwardListState.RECOMMENDING]
        lists = [a for a in lists if a.state == AwardListState.RECOMMENDING]
    opened = {a.review_id for a in lists}
    annual = [] if current_user.role not in OFFICE else [
        r for r in db.session.scalars(sa.select(Review).where(
            Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN).order_by(Review.id.desc()))
        if r.id not in opened]
    return render_template("awards/index.html", lists=lists, closed=closed, annual=annual, form=ActionForm())


@bp.route("/open/<int:review_id>", methods=["POST"])
@roles_required(*OFFICE)
def open_review(review_id: int) -> Response:
    review = db.session.get(Review, review_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            lists = services.open_lists(review, current_user)
        except AwardError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("awards.index"))
        db.session.commit()
        flash(_("已开始推荐：%(n)s 个表彰类别", n=len(lists)), "success")
        return redirect(url_for("awards.detail", list_id=lists[0].id))
    return redirect(url_for("awards.index"))


def _render(award_list: AwardList, **given: Any) -> str:
    """The list's page: what the user's role may do at the list's state; `given` forms carry their errors.
    A clerk (a liaison) sees a list only while it is being recommended, and of it only their units' picks."""
    if current_user.role in services.SCOPED and award_list.state != AwardListState.RECOMMENDING:
        abort(404)
    board = services.board(award_list)
    scope = unit_ids(current_user)
    subjects = services.frozen_subjects(award_list.review)
    in_scope = {sid for sid, s in subjects.items() if scope is None or set(s.unit_ids) & scope}
    candidates = [c for c in award_list.candidates if scope is None or c.unit_id in scope]
    found = services.problems(award_list)
    picked = {c.subject_id for c in award_list.candidates}
    reachable = [s for s in board.standings.values() if s.reviewed in in_scope]
    show_all = request.args.get("all") == "1"
    standings = reachable if show_all else [s for s in reachable if s.reason is None]
    mine = {v.candidate_id: v for c in award_list.candidates for v in c.votes if v.user_id == current_user.id}
    objections = db.session.scalars(sa.select(Objection).where(Objection.award_list_id == award_list.id)
                                    .order_by(Objection.id)).all()
    body = PARTY_BODY if award_list.review.subject_kind in PARTY_KINDS else setting("approving_body", "常委会议")
    approve = given.get("approve_form") or forms.ApproveForm(
        body=body if body in forms.APPROVING_BODIES else "常委会议",
        meeting_name=award_list.meeting_name, decided_on=award_list.decided_on,
        document_number=award_list.document_number)
    period = award_list.review.period
    publish = given.get("publish_form") or forms.PublishForm(
        starts_on=beijing_today(), days=timetable.publicity_default(int(period[:4]) if period[:4].isdigit() else None))
    timeline = _log_rows(award_list, candidates)
    return render_template(
        "awards/detail.html", award_list=award_list, board=board, standings=standings, candidates=candidates,
        problems=found, picked=picked, show_all=show_all, hidden=len(reachable) - len(standings),
        counts={cid: (t[VoteChoice.APPROVE], t[VoteChoice.REJECT], t[VoteChoice.ABSTAIN])
                for cid, t in services.tally(award_list).items()},
        mine=mine, objections=objections,
        steps=history.steps(award_list, timeline), log_rows=len(timeline),
        ends_on=services.publicity_ends_on(award_list), is_office=current_user.role in OFFICE,
        is_leader=current_user.role == Role.LEADER, can_recommend=services.may_recommend(current_user, award_list)
        and award_list.state == AwardListState.RECOMMENDING, today=beijing_today(), owners=board.award.nominated,
        can_keep_owners=current_user.role in (Role.LIAISON, Role.OFFICE, Role.ADMIN),
        recommend_form=given.get("recommend_form") or forms.RecommendForm(), action_form=ActionForm(),
        deeds_form=forms.DeedsForm(), conclusion_form=given.get("conclusion_form") or forms.ConclusionForm(
            conclusion=award_list.group_conclusion), approve_form=approve, publish_form=publish,
        handle_forms={o.id: given.get("handle_form") if given.get("handle_for") == o.id else forms.HandleForm()
                      for o in objections},
        reopen_form=given.get("reopen_form") or forms.ReopenForm(), states=CandidateState)


@bp.route("/<int:list_id>")
@roles_required(*VIEWERS)
def detail(list_id: int) -> str:
    return _render(_list_or_404(list_id))


def _log_rows(award_list: AwardList, candidates: list[Candidate]) -> list[Any]:
    """The list's audit rows the user may read: a clerk not another unit's picks (names, 事迹, who recommended)."""
    rows = services.timeline(award_list)
    if unit_ids(current_user) is None:
        return rows
    ours = {c.id for c in candidates}
    return [row for row in rows if row.entity != "candidate" or row.entity_id in ours]


@bp.route("/<int:list_id>/log")
@roles_required(*VIEWERS)
def log(list_id: int) -> str:
    """The list's full 过程记录, row by row (the list's page shows it by step)."""
    award_list = _list_or_404(list_id)
    if current_user.role in services.SCOPED and award_list.state != AwardListState.RECOMMENDING:
        abort(404)
    scope = unit_ids(current_user)
    candidates = [c for c in award_list.candidates if scope is None or c.unit_id in scope]
    rows = _log_rows(award_list, candidates)
    return render_template("awards/log.html", award_list=award_list, timeline=rows, names=audit.actor_names(rows),
                           about={c.id: c.full_name for c in candidates}, fields=audit.FIELD_LABELS,
                           actions=audit.ACTION_LABELS)


def _done(award_list: AwardList, step: Any, message: str) -> Response | str:
    """Run a service step in the request's one transaction: on success commit and go back to the list; on an
    AwardError roll back and say why."""
    try:
        step()
    except AwardError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("awards.detail", list_id=award_list.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("awards.detail", list_id=award_list.id))


@bp.route("/<int:list_id>/recommend", methods=["POST"])
@roles_required(*services.RECOMMENDERS)
def recommend(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    form = forms.RecommendForm()
    if not form.validate_on_submit() or not form.subject_id.data.isdigit():
        return _render(award_list, recommend_form=form)
    return _done(award_list, lambda: services.recommend(award_list, int(form.subject_id.data), form.deeds.data or "",
                                                         current_user), _("已加入推荐名单（草拟），请核对后提交"))


@bp.route("/candidates/<int:candidate_id>/deeds", methods=["POST"])
@roles_required(*services.RECOMMENDERS)
def deeds(candidate_id: int) -> Response | str:
    candidate = _candidate_or_404(candidate_id)
    award_list = candidate.award_list
    form = forms.DeedsForm()
    editable = award_list.state == AwardListState.RECOMMENDING or (
        current_user.role in OFFICE and award_list.state in services.REVIEWABLE)
    if not editable:
        flash(_("名单已审定，事迹不能再修改"), "error")
        return redirect(url_for("awards.detail", list_id=award_list.id))
    if form.validate_on_submit():
        text = (form.deeds.data or "").strip()
        if text != candidate.deeds:
            audit.record(current_user, "update", "candidate", candidate.id, {"deeds": (candidate.deeds, text)})
            candidate.deeds = text
            db.session.commit()
        flash(_("事迹已保存"), "success")
    return redirect(url_for("awards.detail", list_id=award_list.id) + f"#c{candidate.id}")


@bp.route("/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@roles_required(*services.RECOMMENDERS)
def withdraw(candidate_id: int) -> Response | str:
    candidate = _candidate_or_404(candidate_id)
    award_list = candidate.award_list
    if not ActionForm().validate_on_submit():
        abort(400)
    return _done(award_list, lambda: services.withdraw(candidate, current_user), _("已撤回"))


@bp.route("/<int:list_id>/submit", methods=["POST"])
@roles_required(*services.RECOMMENDERS)
def submit(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _done(award_list, lambda: services.submit(award_list, current_user), _("推荐人选已提交"))


@bp.route("/<int:list_id>/start", methods=["POST"])
@roles_required(*OFFICE)
def start(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _done(award_list, lambda: services.start_review(award_list, current_user),
                 _("推荐已截止，领导小组开始考核"))


@bp.route("/<int:list_id>/ballot", methods=["GET", "POST"])
@roles_required(Role.LEADER)
def ballot(list_id: int) -> Response | str:
    """A leader's votes on the whole list on one page, sent at once: nothing preselected but the leader's own earlier
    votes; 全部同意 agrees to every candidate left blank. An error re-renders the page with every choice kept."""
    award_list = _list_or_404(list_id)
    form = ActionForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if award_list.state not in services.REVIEWABLE:
        flash(_("名单当前为“%(state)s”，不在领导小组考核阶段", state=_(award_list.state.label)), "error")
        return redirect(url_for("awards.detail", list_id=award_list.id))
    mine = {v.candidate_id: v for c in award_list.candidates for v in c.votes if v.user_id == current_user.id}
    given = {c.id: services.Ballot(mine[c.id].choice, mine[c.id].reason) if c.id in mine
             else services.Ballot(None, "") for c in award_list.candidates}
    errors: dict[int, str] = {}
    if request.method == "POST":
        given = {c.id: services.Ballot(VoteChoice.__members__.get(request.form.get(f"choice-{c.id}", "")),
                                       request.form.get(f"reason-{c.id}", "")) for c in award_list.candidates}
        all_agree = request.form.get("all_agree") == "1"
        errors = services.ballot_errors(award_list, given, all_agree)
        if not errors:
            return _done(award_list, lambda: services.cast_ballot(award_list, current_user, given, all_agree),
                         _("表决已提交：%(n)s 名人选", n=len(award_list.candidates)))
        flash(_("表决没有提交：%(n)s 名人选还需补全，见各人选旁的提示", n=len(errors)), "error")
    return render_template("awards/ballot.html", award_list=award_list, board=services.board(award_list),
                           given=given, errors=errors, voted=bool(mine), form=form,
                           choices=list(VoteChoice), exceptions=services.EXCEPTIONS)


@bp.route("/<int:list_id>/conclude", methods=["POST"])
@roles_required(*OFFICE)
def conclude(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    form = forms.ConclusionForm()
    if not form.validate_on_submit():
        return _render(award_list, conclusion_form=form)
    decisions = {}
    for candidate in award_list.candidates:
        value = request.form.get(f"decision-{candidate.id}", "")
        if value in ("APPROVED", "REJECTED"):
            decisions[candidate.id] = CandidateState[value]
    return _done(award_list, lambda: services.conclude(award_list, decisions, form.conclusion.data or "",
                                                        current_user), _("考核结论已保存"))


@bp.route("/<int:list_id>/approve", methods=["POST"])
@roles_required(*OFFICE)
def approve(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    form = forms.ApproveForm()
    if not form.validate_on_submit():
        return _render(award_list, approve_form=form)
    return _done(award_list, lambda: services.approve(award_list, form.body.data, form.meeting_name.data,
                                                       form.decided_on.data, form.document_number.data,
                                                       current_user), _("已记录审定结果，名单已冻结"))


@bp.route("/<int:list_id>/publish", methods=["POST"])
@roles_required(*OFFICE)
def publish(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        return _render(award_list, publish_form=form)
    return _done(award_list, lambda: services.publish(award_list, form.starts_on.data, form.days.data, current_user),
                 _("名单已公示"))


@bp.route("/objections/<int:objection_id>/handle", methods=["POST"])
@roles_required(*OFFICE)
def handle(objection_id: int) -> Response | str:
    objection = db.session.get(Objection, objection_id) or abort(404)
    award_list = _list_or_404(objection.award_list_id)
    form = forms.HandleForm()
    if not form.validate_on_submit():
        return _render(award_list, handle_form=form, handle_for=objection.id)
    return _done(award_list, lambda: services.handle_objection(objection, ObjectionOutcome[form.outcome.data],
                                                                form.response.data, current_user),
                 _("异议已处理"))


@bp.route("/<int:list_id>/finalise", methods=["POST"])
@roles_required(*OFFICE)
def finalise(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _done(award_list, lambda: services.finalise(award_list, current_user, beijing_today()),
                 _("名单已定稿；相关记录、考评和名单均已锁定"))


@bp.route("/<int:list_id>/reopen", methods=["POST"])
@roles_required(Role.ADMIN)
def reopen(list_id: int) -> Response | str:
    award_list = _list_or_404(list_id)
    form = forms.ReopenForm()
    if not form.validate_on_submit():
        return _render(award_list, reopen_form=form)
    return _done(award_list, lambda: services.reopen(award_list, form.reason.data, current_user),
                 _("名单已重新打开"))


@bp.route("/notices/<int:review_id>")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER)
def notices(review_id: int) -> str | Response:
    """通报: who did not perform in a review (failing grade, a gate failed, a trigger fired), with why."""
    review = db.session.get(Review, review_id) or abort(404)
    rows = services.notices(review)
    if fmt := export.wanted():
        headers = [_("姓名"), _("单位"), _("得分"), _("等次"), _("原因")]
        return export.send_table(headers, [[r.name, r.unit, r.score, r.grade, "；".join(r.reasons)] for r in rows],
                                 fmt, _("通报名单") + f"-{review.period}")
    return render_template("awards/notices.html", review=review, rows=rows, reviews=reviews,
                           takes_cases=followup.takes_cases(review), cases=followup.cases_of_review(review),
                           can_open=current_user.role in OFFICE, form=ActionForm())
