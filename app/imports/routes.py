"""导入导出: templates to download, upload with a dry run first, confirm, and the error workbook.

The uploaded file is kept (app/imports/uploads.py) between the dry run and the confirmation, so the confirmed import
reads exactly the file that was checked; it is deleted once imported.
"""
from __future__ import annotations

import uuid
from pathlib import PurePath

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import BooleanField, FileField, HiddenField

from app.auth.decorators import roles_required
from app.extensions import db
from app.imports.base import Dataset, Outcome, run_import
from app.imports.datasets import DATASETS
from app.imports.uploads import clean_name, keep, stored
from app.jobs import services as jobs
from app.models import JobState, Role
from app.sheetlimits import sheet_limits
from app.spreadsheets.annotate import Problem, mark_errors
from app.spreadsheets.template import build_template
from app.spreadsheets.workbook import FileError, read_sheets
from app.web import send_download

bp = Blueprint("imports", __name__)
IMPORT_ROLES = (Role.ADMIN, Role.OFFICE, Role.CLERK, Role.LIAISON)
SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ROWS = 500


class UploadForm(FlaskForm):
    file = FileField()


class ConfirmForm(FlaskForm):
    token = HiddenField()
    filename = HiddenField()
    confirm = BooleanField()  # 确认无误: the values the dry run flagged were checked (shown only when there are some)


def _dataset(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None or current_user.role not in dataset.roles:
        abort(404)
    return dataset


def _gone(name: str) -> Response:
    flash(_("该文件已经导入，或上传已超过一天，请重新上传。"), "warning")
    return redirect(url_for("imports.index", _anchor=name))


@bp.route("/")
@roles_required(*IMPORT_ROLES)
def index() -> str:
    datasets = [d for d in DATASETS.values() if current_user.role in d.roles]
    return render_template("imports/index.html", datasets=datasets, form=UploadForm(),
                           can_roster=current_user.role in (Role.ADMIN, Role.OFFICE),
                           limit_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024))


@bp.route("/<name>/template.xlsx")
@roles_required(*IMPORT_ROLES)
def template(name: str) -> Response:
    dataset = _dataset(name)
    data = build_template(dataset.sheets, title=_("%(label)s导入模板", label=dataset.label),
                          choices=dataset.choices(current_user), instructions=dataset.instructions,
                          lookups=dataset.lookups(current_user), dependent=dataset.dependent(current_user))
    return send_download(data, XLSX, _("%(label)s导入模板.xlsx", label=dataset.label))


def _preview(dataset: Dataset, outcome: Outcome, token: str, filename: str, status: int = 200) -> tuple[str, int]:
    changed = [p for p in outcome.planned if p.action != "不变"]
    return render_template("imports/preview.html", dataset=dataset, outcome=outcome, token=token,
                           filename=filename, changed=changed[:SHOWN_ROWS], hidden=max(0, len(changed) - SHOWN_ROWS),
                           errors=outcome.errors[:SHOWN_ROWS], more_errors=max(0, len(outcome.errors) - SHOWN_ROWS),
                           warnings=outcome.warning_lines[:SHOWN_ROWS],
                           more_warnings=max(0, len(outcome.warnings) - SHOWN_ROWS),
                           form=ConfirmForm(token=token, filename=filename)), status


@bp.route("/<name>/check", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def check(name: str) -> str | Response | tuple[str, int]:
    dataset = _dataset(name)
    limit = int(current_app.config["IMPORT_MAX_BYTES"])
    try:
        form = UploadForm()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        flash(_("文件超过 %(mb)s MB，请分成几个文件导入。", mb=limit // (1024 * 1024)), "error")
        return redirect(url_for("imports.index", _anchor=name))
    if not form.validate_on_submit():
        abort(400)
    if upload is None or not upload.filename:
        flash(_("请选择要导入的文件。"), "error")
        return redirect(url_for("imports.index", _anchor=name))
    filename = clean_name(upload.filename)
    if PurePath(filename).suffix.lower() not in SUFFIXES:
        flash(_("只能导入 .xlsx 或 .csv 文件。"), "error")
        return redirect(url_for("imports.index", _anchor=name))
    data = upload.read(limit + 1)
    if len(data) > limit:
        flash(_("文件超过 %(mb)s MB，请分成几个文件导入。", mb=limit // (1024 * 1024)), "error")
        return redirect(url_for("imports.index", _anchor=name))
    if not data:
        flash(_("文件是空的，请重新选择。"), "error")
        return redirect(url_for("imports.index", _anchor=name))
    token = keep(data)
    outcome = run_import(dataset, data, filename, current_user, dry_run=True)
    db.session.rollback()
    return _preview(dataset, outcome, token, filename, 422 if outcome.problems else 200)


@bp.route("/<name>/confirm", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def confirm(name: str) -> str | Response | tuple[str, int]:
    dataset = _dataset(name)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = stored(form.token.data)
    if path is None:  # a second click, the back button, or a day later
        return _gone(name)
    claimed = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    try:
        path.rename(claimed)  # one confirmation per upload, even when two arrive at once
    except FileNotFoundError:
        return _gone(name)
    filename = clean_name(form.filename.data)
    data = claimed.read_bytes()
    if _rows(data, filename) > int(current_app.config["IMPORT_JOB_ROWS"]):  # a big file: a background job
        job = jobs.submit("import", {"dataset": dataset.name, "path": str(claimed), "filename": filename,
                                     "user_id": current_user.id, "restore": str(path),
                                     "confirm": bool(form.confirm.data)}, current_user)
        if not jobs.is_inline():
            return redirect(url_for("jobs.show", job_id=job.id))
        if job.state != JobState.SUCCEEDED:
            flash(job.error or job.message, "error")
            return redirect(url_for("imports.index", _anchor=name))
        counts = job.result["counts"]
        flash(_("%(file)s 已导入：新增 %(added)s 行，修改 %(changed)s 行，不变 %(same)s 行。", file=filename,
                added=counts["新增"], changed=counts["修改"], same=counts["不变"]), "success")
        return redirect(url_for("imports.index"))
    outcome = run_import(dataset, data, filename, current_user, dry_run=False, confirm=bool(form.confirm.data))
    if not outcome.ok:  # the data changed since the dry run, or the values to confirm were not confirmed
        db.session.rollback()
        claimed.rename(path)
        return _preview(dataset, outcome, form.token.data, filename, 422)
    db.session.commit()
    claimed.unlink(missing_ok=True)
    counts = outcome.counts
    flash(_("%(file)s 已导入：新增 %(added)s 行，修改 %(changed)s 行，不变 %(same)s 行。", file=filename,
            added=counts["新增"], changed=counts["修改"], same=counts["不变"]), "success")
    return redirect(url_for("imports.index"))


def _rows(data: bytes, filename: str) -> int:
    """The rows of a file, as its sheets' last row numbers say (0 if it cannot be read: the import says why)."""
    try:
        return sum(sheet.height for sheet in read_sheets(data, filename, limits=sheet_limits()))
    except FileError:
        return 0


@bp.route("/<name>/errors/<token>")
@roles_required(*IMPORT_ROLES)
def errors(name: str, token: str) -> Response:
    """The uploaded workbook with every bad cell marked and a reason column."""
    dataset = _dataset(name)
    path = stored(token)
    if path is None:
        return _gone(name)
    filename = clean_name(request.args.get("filename", ""))
    data = path.read_bytes()
    outcome = run_import(dataset, data, filename, current_user, dry_run=True)
    db.session.rollback()
    is_csv = filename.lower().endswith(".csv")
    problems = [Problem("" if is_csv else sheet, row, header, reason)
                for sheet, row, header, reason in outcome.problems]
    # marking cells means loading and saving the whole workbook (about 1 s per 1,000 rows): past a size, the
    # summary sheet alone, each row number linked, says the same
    large = len(data) > int(current_app.config["IMPORT_MARK_MAX_BYTES"])
    marked = mark_errors(data, filename, problems, summary_only=large, limits=sheet_limits())
    stem = PurePath(filename).stem
    return send_download(marked, XLSX, _("%(name)s-错误标注.xlsx", name=stem))


