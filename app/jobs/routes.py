"""The jobs pages: the list of one's jobs, a job's progress (polled by static/js/jobs.js), cancel, the result file.

A job is visible to whoever submitted it and to the office and the admin; to anyone else it does not exist (404).
Its result file (a PDF) is its submitter's alone: anyone else watching is refused (403).
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import audit
from app.extensions import db
from app.jobs import services
from app.listing import remembered, sorted_by
from app.models import Job, JobState
from app.web import page_args, send_download

bp = Blueprint("jobs", __name__)


class CancelForm(FlaskForm):
    pass


def _job_or_404(job_id: int) -> Job:
    """:raises 404: no such job, or not the user's (and the user neither office nor admin)."""
    job = db.session.get(Job, job_id)
    if job is None or (current_user.role not in services.WATCHERS and job.created_by_id != current_user.id):
        abort(404)
    return job


def result_link(job: Job) -> tuple[str, str] | None:
    """(address, words) of what a finished job made."""
    result = job.result or {}
    if job.kind == "import":
        return url_for("imports.index"), _("返回导入页面")
    if job.kind == "roster":
        return url_for("members.index"), _("查看委员名册")
    if job.kind == "review" and result.get("review_id"):
        return url_for("reviews.ranking", review_id=result["review_id"]), _("查看考评排名")
    if result.get("file") and owns(job):
        return url_for("jobs.result", job_id=job.id), _("下载 PDF")
    return None


def owns(job: Job) -> bool:
    """Whether the signed-in user submitted the job: only they download what it made (the office and the admin
    watch everyone's jobs, but a PDF of numbered certificates or of every member's 履职档案 goes to who asked)."""
    return job.created_by_id is not None and job.created_by_id == current_user.id


LISTED_RESULTS = ("print", "review", "document")  # what the list links to; an import's result is its own page
KIND_LABELS = {"import": _l("导入电子表格"), "roster": _l("导入委员名单"), "review": _l("运行考评"), "print": _l("批量打印证书"),
               "document": _l("生成打印文件")}


@bp.route("/")
@login_required
def index() -> str | Response:
    if back := remembered():
        return back
    services.mark_stale()
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    state_name = request.args.get("state", "")
    state = JobState[state_name] if state_name in JobState.__members__ else None
    stmt = sorted_by(services.visible(current_user, kind, state), services.job_sorts(), Job.id.desc())
    pagination = db.paginate(stmt, **page_args())
    submitters = audit.user_names(j.created_by_id for j in pagination.items)
    filters = {"kind": kind, "state": state.name if state else ""}
    links = {j.id: link for j in pagination.items
             if j.state == JobState.SUCCEEDED and j.kind in LISTED_RESULTS and (link := result_link(j))}
    return render_template("jobs/index.html", pagination=pagination, filters=filters, kinds=KIND_LABELS,
                           states=list(JobState), submitters=submitters, links=links, form=CancelForm(),
                           sees_all=current_user.role in services.WATCHERS)


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int) -> str:
    services.mark_stale()
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, status=services.status(job), link=result_link(job),
                           kinds=KIND_LABELS, form=CancelForm(), owner=owns(job))


@bp.route("/<int:job_id>.json")
@login_required
def status(job_id: int) -> Response:
    job = _job_or_404(job_id)
    found = services.status(job)
    link = result_link(job) if job.state == JobState.SUCCEEDED else None
    found["link"] = {"href": link[0], "text": link[1]} if link else None
    response = jsonify(found)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int) -> Response:
    job = _job_or_404(job_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    if not job.state.finished:
        services.request_cancel(job)
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.route("/<int:job_id>/result")
@login_required
def result(job_id: int) -> Response:
    job = _job_or_404(job_id)
    if not owns(job):
        abort(403)
    path = services.result_path(job)  # None for a name that would leave the job_results folder
    if path is None or not path.is_file():
        abort(404)
    response = send_download(path, "application/pdf", (job.result or {}).get("filename") or path.name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
