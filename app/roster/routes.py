"""委员名单 (the office's own roster) in the web, for the office and the administrator: upload, the columns screen (a
column it cannot place is chosen by the office, and remembered), the dry run (questions, units to create, every
change), confirm, and the error workbook.

The upload is kept (app/imports/uploads.py) between these steps; what the office saw in the dry run (the sheet, the
column choices, the answers) is fingerprinted, and a confirmation of anything else is shown again, not written.
"""
from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.extensions import db
from app.imports.uploads import clean_name, keep, stored
from app.jobs import services as jobs
from app.models import JobState, Role
from app.roster import mapping as remembered_mapping
from app.roster import services
from app.sheetlimits import sheet_limits
from app.spreadsheets.annotate import Problem, mark_errors
from app.spreadsheets.roster import FIELDS, SKIP, auto_key
from app.web import send_download

bp = Blueprint("roster", __name__)
ROLES = (Role.ADMIN, Role.OFFICE)  # a roster is the whole county's: not a clerk's
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ROWS = 500
# each field's name on screen (as app/spreadsheets/roster.py names them), for the English pages too
FIELD_LABELS = {"name": _l("姓名"), "code": _l("委员编号"), "gender": _l("性别"), "ethnicity": _l("民族"),
                "birth_month": _l("出生年月"), "party": _l("党派"), "sector": _l("界别"), "committee": _l("专委会"),
                "liaison": _l("联络处"), "employer_position": _l("工作单位及职务"), "employer": _l("工作单位"),
                "position": _l("职务"), "phone": _l("联系电话"), "standing": _l("常委"),
                "chair_council": _l("主席会议成员"), "resident_standing": _l("驻会常委"), "joined_on": _l("任职日期"),
                "left_on": _l("离任日期"), "note": _l("备注"), SKIP: _l("不导入")}


def _gone() -> Response:
    flash(_("该文件已经导入，或上传已超过一天，请重新上传。"), "warning")
    return redirect(url_for("roster.upload"))


def _sheet() -> str | None:
    return (request.values.get("sheet") or "").strip()[:100] or None


def _answers() -> dict[int, str]:
    """The office's answers to the dry run's questions: answer-<row> = a member code, new or skip."""
    found = {}
    for name, value in request.values.items():
        row = name.removeprefix("answer-")
        if name.startswith("answer-") and row.isdigit() and len(row) < 8 and value and len(value) <= 20:
            found[int(row)] = value
    return found


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ROLES)
def upload() -> str | Response:
    limit = int(current_app.config["IMPORT_MAX_BYTES"])
    if request.method == "GET":
        return render_template("roster/upload.html", limit_mb=limit // (1024 * 1024),
                               remembered=remembered_mapping.remembered(), labels=FIELD_LABELS,
                               term=services.current_term())
    try:
        uploaded = request.files.get("file")
    except RequestEntityTooLarge:
        flash(_("文件超过 %(mb)s MB，请分成几个文件导入。", mb=limit // (1024 * 1024)), "error")
        return redirect(url_for("roster.upload"))
    if uploaded is None or not uploaded.filename:
        flash(_("请选择要导入的文件。"), "error")
        return redirect(url_for("roster.upload"))
    filename = clean_name(uploaded.filename)
    if PurePath(filename).suffix.lower() not in SUFFIXES:
        flash(_("只能导入 .xlsx、.xls、.ods 或 .csv 文件。"), "error")
        return redirect(url_for("roster.upload"))
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        flash(_("文件超过 %(mb)s MB，请分成几个文件导入。", mb=limit // (1024 * 1024)), "error")
        return redirect(url_for("roster.upload"))
    if not data:
        flash(_("文件是空的，请重新选择。"), "error")
        return redirect(url_for("roster.upload"))
    return redirect(url_for("roster.preview", token=keep(data), filename=filename))


@bp.route("/<token>", methods=["GET", "POST"])
@roles_required(*ROLES)
def preview(token: str) -> str | Response | tuple[str, int]:
    """The dry run (again with the office's answers, when posted)."""
    path = stored(token)
    if path is None:
        return _gone()
    filename = clean_name(request.values.get("filename", ""))
    options = services.Options(sheet=_sheet(), answers=_answers(), create_units=True)
    outcome = services.run_roster(path.read_bytes(), filename, current_user, True, options)
    db.session.rollback()
    if outcome.unplaced and not outcome.problems:
        return redirect(url_for("roster.columns", token=token, filename=filename, sheet=options.sheet or ""))
    return _preview(token, filename, outcome, options)


def _preview(token: str, filename: str, outcome: services.RosterOutcome, options: services.Options,
             status: int | None = None) -> tuple[str, int]:
    shown = [p for p in outcome.planned if p.action != "不变"]
    same = [p for p in outcome.planned if p.action == "不变"]
    answers = options.answers
    seen = services.fingerprint(token, options.sheet, outcome.mapping, answers)
    return render_template(
        "roster/preview.html", outcome=outcome, token=token, filename=filename, seen=seen, sheet=options.sheet or "",
        shown=shown[:SHOWN_ROWS], hidden=max(0, len(shown) - SHOWN_ROWS), same=same,
        errors=outcome.errors[:SHOWN_ROWS], more_errors=max(0, len(outcome.errors) - SHOWN_ROWS),
        answers=answers, create_units=options.create_units, error_args=_error_args(answers),
        ticked=request.form.get("create_units") == "1",
    ), status or (200 if outcome.ok or outcome.open_questions and not outcome.problems else 422)


def _error_args(answers: dict[int, str]) -> dict[str, str]:
    return {f"answer-{row}": value for row, value in answers.items()}


@bp.route("/<token>/columns", methods=["GET", "POST"])
@roles_required(*ROLES)
def columns(token: str) -> str | Response | tuple[str, int]:
    """The columns screen: where each column of the file goes; the office's choices are remembered."""
    path = stored(token)
    if path is None:
        return _gone()
    filename = clean_name(request.values.get("filename", ""))
    sheet, sheets, unreadable = services.columns_of(path.read_bytes(), filename, _sheet())
    if sheet is None or sheet.header_row is None:
        return redirect(url_for("roster.preview", token=token, filename=filename, sheet=_sheet() or ""))
    errors: dict[int, str] = {}
    chosen = {c.index: c.key or "" for c in sheet.columns if c.how != "blank"}
    if request.method == "POST":
        chosen = {c.index: (request.form.get(f"col-{c.index}") or "").strip() for c in sheet.columns
                  if c.how != "blank"}
        errors = services.check_columns(sheet, chosen)
        if not errors:
            changed = {c.remember_as: chosen[c.index] for c in sheet.columns if c.how != "blank"
                       and (chosen[c.index] != auto_key(c.header) or c.how == "remembered")}
            if changed:
                remembered_mapping.remember(changed, current_user, ip=request.remote_addr or "")
                db.session.commit()
            flash(_("已记住列的对应，下次导入同样列名的表格不必再选。"), "success")
            return redirect(url_for("roster.preview", token=token, filename=filename, sheet=_sheet() or ""))
    return render_template("roster/columns.html", sheet=sheet, sheets=sheets, token=token, filename=filename,
                           chosen=chosen, errors=errors, fields=FIELDS, labels=FIELD_LABELS, skip=SKIP,
                           current_sheet=_sheet() or ""), 422 if errors else 200


@bp.route("/<token>/confirm", methods=["POST"])
@roles_required(*ROLES)
def confirm(token: str) -> str | Response | tuple[str, int]:
    path = stored(token)
    if path is None:
        return _gone()
    filename = clean_name(request.form.get("filename", ""))
    answers = _answers()
    create_units = request.form.get("create_units") == "1"
    options = services.Options(sheet=_sheet(), answers=answers, create_units=create_units)
    mapping = remembered_mapping.remembered()
    if services.fingerprint(token, options.sheet, mapping, answers) != request.form.get("seen"):
        outcome = services.run_roster(path.read_bytes(), filename, current_user, True,
                                      services.Options(options.sheet, {}, answers, True))
        db.session.rollback()
        flash(_("选择或列的对应在试导入之后有变化：请核对下面新的试导入结果，再确认导入。"), "warning")
        return _preview(token, filename, outcome, options)
    claimed = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    try:
        path.rename(claimed)  # one confirmation per upload, even when two arrive at once
    except FileNotFoundError:
        return _gone()
    data = claimed.read_bytes()
    if services.row_count(data, filename) > int(current_app.config["IMPORT_JOB_ROWS"]):
        return _as_job(claimed, path, filename, options)
    outcome = services.run_roster(data, filename, current_user, False, options)
    if not outcome.ok:
        db.session.rollback()
        claimed.rename(path)
        return _preview(token, filename, outcome, options, 422)
    db.session.commit()
    claimed.unlink(missing_ok=True)
    _flash_done(filename, outcome.counts, len(outcome.new_units))
    return redirect(url_for("members.index"))


def _as_job(claimed: Any, path: Any, filename: str, options: services.Options) -> Response:
    job = jobs.submit("roster", {"path": str(claimed), "restore": str(path), "filename": filename,
                                 "user_id": current_user.id, "sheet": options.sheet,
                                 "answers": {str(k): v for k, v in options.answers.items()},
                                 "create_units": options.create_units}, current_user)
    if not jobs.is_inline():
        return redirect(url_for("jobs.show", job_id=job.id))
    if job.state != JobState.SUCCEEDED:
        flash(job.error or job.message, "error")
        return redirect(url_for("roster.upload"))
    _flash_done(filename, job.result["counts"], job.result["units"])
    return redirect(url_for("members.index"))


def _flash_done(filename: str, counts: dict[str, int], units: int) -> None:
    flash(_("%(file)s 已导入：新增 %(added)s 人，修改 %(changed)s 人，不变 %(same)s 人；新建单位 %(units)s 个。",
            file=filename, added=counts["新增"], changed=counts["修改"], same=counts["不变"], units=units), "success")


@bp.route("/<token>/errors")
@roles_required(*ROLES)
def errors(token: str) -> Response:
    """The uploaded file with every bad cell marked and a reason column (an .xls or .ods comes back as .xlsx)."""
    path = stored(token)
    if path is None:
        return _gone()
    filename = clean_name(request.args.get("filename", ""))
    data = path.read_bytes()
    create_units = request.args.get("create_units") == "1"
    outcome = services.run_roster(data, filename, current_user, True,
                                  services.Options(_sheet(), {}, _answers(), create_units))
    db.session.rollback()
    problems = [Problem("" if outcome.is_csv else sheet, row, header, reason)
                for sheet, row, header, reason in outcome.problems]
    large = len(data) > int(current_app.config["IMPORT_MARK_MAX_BYTES"])
    marked = mark_errors(data, filename, problems, summary_only=large, limits=sheet_limits())
    return send_download(marked, XLSX, _("%(name)s-错误标注.xlsx", name=PurePath(filename).stem))


__all__ = ["bp"]
