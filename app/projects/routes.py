"""引一企 register pages: the projects list (filters, sort, export), a project's page with its stages, 跟踪服务 and
records, the project form, and 报送核实 of a stage as a 引一企 record."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import entries, registers
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, part_or_404
from app.extensions import db
from app.forms import commit_or_attach
from app.i18n import cndate
from app.imports import export
from app.listing import remembered, sorted_by
from app.models import Activity, Project, ProjectProgress, ProjectService, ProjectStage
from app.projects import services
from app.projects.forms import ProjectForm, ServiceForm, StageEditForm, StageForm
from app.web import page_args

bp = Blueprint("projects", __name__)


@bp.route("/")
@roles_required(*registers.READ_ROLES)
def index() -> str | Response:
    if back := remembered():
        return back
    filters = registers.list_filters("stage", ProjectStage.__members__)
    stmt = services.project_query(str(filters["q"]), int(filters["unit"] or 0) or None, str(filters["stage"]),
                                  int(filters["year"] or 0) or None, current_user)
    if fmt := export.wanted():
        return export.send("projects", services.export_rows(db.session.scalars(stmt)), fmt,
                           export.export_title(_("引一企项目登记")))
    pagination = db.paginate(sorted_by(stmt, services.project_sorts(), Project.id.desc()), **page_args())
    return render_template("projects/index.html", pagination=pagination, filters=filters,
                           units=registers.filter_units(),
                           stages=list(ProjectStage), can_edit=registers.may_edit(current_user))


def _save(form: ProjectForm, project: Project) -> Response | None:
    if not form.validate_on_submit():
        return None
    errors = services.save_project(project, services.ProjectInput(
        subject=form.subject.data or "", name=form.name.data or "", investor=form.investor.data or "",
        industry=form.industry.data or "", amount=form.amount.data, others=form.others.data or "",
        note=form.note.data or ""), current_user)
    if not commit_or_attach(form, errors):
        return None
    flash(_("已保存项目 %(code)s。", code=project.code), "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def create() -> str | Response:
    form = ProjectForm(registers.subject_choices(current_user))
    return _save(form, Project()) or render_template("projects/form.html", form=form, project=None)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit(project_id: int) -> str | Response:
    project = get_or_404(Project, project_id)
    form = ProjectForm(registers.subject_choices(current_user), obj=project)
    if request.method == "GET":
        form.subject.data = registers.subject_value(project)
    return _save(form, project) or render_template("projects/form.html", form=form, project=project)


def _detail(project: Project, stage_form: StageForm | None = None, service_form: ServiceForm | None = None,
            status: int = 200) -> tuple[str, int]:
    return render_template("projects/detail.html", project=project, stage_form=stage_form or StageForm(formdata=None),
                           service_form=service_form or ServiceForm(formdata=None), scored=services.STAGE_RECORDS,
                           records=registers.linked_records(Activity.project_id, project.id, current_user),
                           **registers.page_context(project, "project", current_user)), status


@bp.route("/<int:project_id>")
@roles_required(*registers.READ_ROLES)
def detail(project_id: int) -> tuple[str, int]:
    return _detail(get_or_404(Project, project_id))


def _log(project: Project, form: StageForm | ServiceForm, step: Callable[[], services.Errors],
         anchor: str) -> tuple[str, int] | Response:
    """Log a stage or a service from the project's page: its errors beside the form's fields on the page again."""
    if form.validate_on_submit() and commit_or_attach(form, step()):
        flash(_("已登记。"), "success")
        return redirect(url_for("projects.detail", project_id=project.id, _anchor=anchor))
    forms = {"stage_form": form} if isinstance(form, StageForm) else {"service_form": form}
    return _detail(project, status=422, **forms)


@bp.route("/<int:project_id>/stages", methods=["POST"])
@roles_required(*registers.EDIT_ROLES)
def reach_stage(project_id: int) -> tuple[str, int] | Response:
    project = get_or_404(Project, project_id)
    form = StageForm()
    return _log(project, form, lambda: services.reach_stage(
        project, form.stage.data or "", form.reached_on.data, form.note.data or "", current_user), "stages")


@bp.route("/<int:project_id>/services", methods=["POST"])
@roles_required(*registers.EDIT_ROLES)
def add_service(project_id: int) -> tuple[str, int] | Response:
    """跟踪服务（安商稳商）."""
    project = get_or_404(Project, project_id)
    form = ServiceForm()
    return _log(project, form, lambda: services.add_service(
        project, form.occurred_on.data, form.content.data or "", current_user), "services")


def _part_or_404(project_id: int, model: type[ProjectProgress] | type[ProjectService],
                 part_id: int) -> tuple[Project, ProjectProgress | ProjectService]:
    """A project in the user's scope and one of its stages or services.

    :raises 404: outside the scope, or a row of another project.
    """
    project = get_or_404(Project, project_id)
    return project, part_or_404(model, part_id, "project_id", project.id)


@bp.route("/<int:project_id>/stages/<int:stage_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit_stage(project_id: int, stage_id: int) -> str | Response:
    """修改 a stage's date and note; the record it was reported as follows, while the records' rules allow."""
    project, progress = _part_or_404(project_id, ProjectProgress, stage_id)
    assert isinstance(progress, ProjectProgress)
    form = entries.entry_form(StageEditForm, progress)
    return entries.edit_page(
        form, lambda: services.update_stage(progress, form.reached_on.data, form.note.data or "", current_user),
        heading=_("修改进展阶段：%(project)s — %(stage)s", project=project.name, stage=_(progress.stage.label)),
        back=url_for("projects.detail", project_id=project.id, _anchor="stages"), stale_field="reached_on",
        linked=progress.activity, refused=registers.linked_refusal(progress.activity, current_user))


@bp.route("/<int:project_id>/stages/<int:stage_id>/delete", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def delete_stage(project_id: int, stage_id: int) -> str | Response:
    """删除 a stage after a confirmation; a record it was reported as goes with it only as a draft does."""
    project, progress = _part_or_404(project_id, ProjectProgress, stage_id)
    assert isinstance(progress, ProjectProgress)
    return entries.delete_page(
        lambda: services.delete_stage(progress, current_user), heading=_("删除进展阶段"),
        back=url_for("projects.detail", project_id=project.id, _anchor="stages"),
        facts=[(_("项目"), f"{project.code} {project.name}"), (_("阶段"), _(progress.stage.label)),
               (_("达到日期"), cndate(progress.reached_on)), (_("说明"), progress.note)],
        linked=progress.activity, refused=registers.linked_refusal(progress.activity, current_user, deleting=True))


@bp.route("/<int:project_id>/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit_service(project_id: int, service_id: int) -> str | Response:
    project, service = _part_or_404(project_id, ProjectService, service_id)
    assert isinstance(service, ProjectService)
    form = entries.entry_form(ServiceForm, service)
    return entries.edit_page(
        form, lambda: services.update_service(service, form.occurred_on.data, form.content.data or "",
                                              current_user),
        heading=_("修改跟踪服务：%(project)s", project=project.name),
        back=url_for("projects.detail", project_id=project.id, _anchor="services"), stale_field="content")


@bp.route("/<int:project_id>/services/<int:service_id>/delete", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def delete_service(project_id: int, service_id: int) -> str | Response:
    project, service = _part_or_404(project_id, ProjectService, service_id)
    assert isinstance(service, ProjectService)
    return entries.delete_page(
        lambda: services.delete_service(service, current_user), heading=_("删除跟踪服务"),
        back=url_for("projects.detail", project_id=project.id, _anchor="services"),
        facts=[(_("项目"), f"{project.code} {project.name}"), (_("日期"), cndate(service.occurred_on)),
               (_("服务内容"), service.content)])


@bp.route("/<int:project_id>/stages/<int:stage_id>/record", methods=["POST"])
@roles_required(*registers.EDIT_ROLES)
def report_stage(project_id: int, stage_id: int) -> Response:
    """报送核实: one click makes the stage reached the 引一企 record the office verifies and the rules score."""
    project, progress = _part_or_404(project_id, ProjectProgress, stage_id)
    assert isinstance(progress, ProjectProgress)
    return registers.reported(lambda unit: services.stage_to_record(progress, current_user, unit),
                              url_for("projects.detail", project_id=project.id, _anchor="stages"))
