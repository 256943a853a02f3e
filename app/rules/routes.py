"""评分细则 pages (office and admin): the files in force by year, a version with its mistakes beside the text,
saving as a new version, the what-if comparison and adopting, downloading, and the shipped files as templates."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import rulefiles, scoring
from app.auth.decorators import roles_required
from app.extensions import db
from app.forms import ActionForm
from app.models import AppraisalYear, Role, RuleFile, RuleFileState, SubjectKind
from app.reviews.services import periods
from app.rules.compare import Comparison, compare
from app.rules.forms import EditForm, UploadForm
from app.timeutil import beijing_today
from app.web import send_download

bp = Blueprint("rules", __name__)
KEEPERS = (Role.ADMIN, Role.OFFICE)


def _version(rule_file_id: int) -> RuleFile:
    found = db.session.get(RuleFile, rule_file_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
@roles_required(*KEEPERS)
def index() -> str:
    in_force = rulefiles.in_force()
    stored = db.session.execute(sa.select(RuleFile.year, RuleFile.subject_kind, sa.func.count(), sa.func.max(
        RuleFile.version)).group_by(RuleFile.year, RuleFile.subject_kind)).all()
    counts = {(year, kind): (n, latest) for year, kind, n, latest in stored}
    open_years = set(db.session.scalars(sa.select(AppraisalYear.year)))
    years = sorted({r.year for r in in_force} | {year for year, _kind in counts} | open_years, reverse=True)
    slots: dict[int, list[dict[str, object]]] = defaultdict(list)
    by_slot = {(r.year, rulefiles.SUBJECT_KINDS.get(r.subject)): r for r in in_force}
    own = {(f.year, f.subject_kind): f for f in db.session.scalars(
        sa.select(RuleFile).where(RuleFile.state == RuleFileState.ACTIVE))}
    for year in years:
        for kind in SubjectKind:
            ruleset = by_slot.get((year, kind))
            n, latest = counts.get((year, kind), (0, None))
            if ruleset is None and not n:
                continue
            slots[year].append({"kind": kind, "ruleset": ruleset, "own": own.get((year, kind)), "versions": n,
                                "latest": latest and db.session.scalar(sa.select(RuleFile).where(
                                    RuleFile.year == year, RuleFile.subject_kind == kind, RuleFile.version == latest))})
    templates = sorted(rulefiles.shipped(), key=lambda r: (-r.year, r.source_name))
    return render_template("rules/index.html", years=years, slots=slots, open_years=open_years, templates=templates,
                           upload=UploadForm(), action=ActionForm(), this_year=beijing_today().year)


@bp.route("/templates/<name>", methods=["POST"])
@roles_required(*KEEPERS)
def from_template(name: str) -> Response:
    """A new draft from a shipped file, for its own year or (carried forward) for another year."""
    if not ActionForm().validate_on_submit():
        abort(400)
    content = rulefiles.shipped_bytes(name)
    ruleset = next((r for r in rulefiles.shipped() if r.source_name == name), None)
    if content is None or ruleset is None:
        abort(404)
    year = request.form.get("year", type=int) or ruleset.year
    if not 2000 <= year <= 2100:
        flash(_("年度应为 2000–2100 之间的整数"), "error")
        return redirect(url_for("rules.index"))
    if year != ruleset.year:
        content = rulefiles.with_year(content, ruleset.year, year)
    filename = name.replace(str(ruleset.year), str(year))
    made = rulefiles.save_version(year, rulefiles.SUBJECT_KINDS[ruleset.subject], filename, content, current_user,
                                  _("内置细则 %(name)s", name=name))
    db.session.commit()
    flash(_("已按内置细则新建 %(year)s 年度“%(kind)s”第 %(n)s 版（草稿）", year=year, kind=_(made.subject_kind.label),
            n=made.version), "success")
    return redirect(url_for("rules.version", rule_file_id=made.id))


@bp.route("/upload", methods=["POST"])
@roles_required(*KEEPERS)
def upload() -> Response | str:
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    stream = request.files.get("file")
    if stream is None or not stream.filename:
        flash(_("请选择要上传的细则文件"), "error")
        return redirect(url_for("rules.index"))
    content = stream.read(rulefiles.MAX_BYTES + 1)
    filename = stream.filename
    ruleset, _problems = rulefiles.check(content, filename)
    year = ruleset.year if ruleset is not None else form.year.data
    kind = rulefiles.SUBJECT_KINDS.get(ruleset.subject) if ruleset is not None else (
        SubjectKind[form.subject_kind.data] if form.subject_kind.data in SubjectKind.__members__ else None)
    if year is None or kind is None:
        flash(_("文件有错误，无法从中读出年度和考评对象：请在上传时选择年度和考评对象，保存后再在页面上改正错误"), "error")
        return redirect(url_for("rules.index"))
    try:
        made = rulefiles.save_version(year, kind, filename, content, current_user, _("上传的文件 %(name)s",
                                                                                     name=filename[:120]))
    except rulefiles.RuleFileError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("rules.index"))
    db.session.commit()
    flash(_("已上传为 %(year)s 年度“%(kind)s”第 %(n)s 版（草稿）", year=year, kind=_(kind.label), n=made.version),
          "success")
    return redirect(url_for("rules.version", rule_file_id=made.id))


@bp.route("/<int:rule_file_id>", methods=["GET", "POST"])
@roles_required(*KEEPERS)
def version(rule_file_id: int) -> Response | str:
    """A version: its text in the editor and every mistake at its line and column; 检查 checks the edited text
    without saving, 保存为新版本 keeps it as the next version (this one stays as it was)."""
    found = _version(rule_file_id)
    form = EditForm(data={"text": found.text})
    text = found.text
    if form.validate_on_submit():
        text = form.text.data.replace("\r\n", "\n")
        if form.save.data and text != found.text:
            try:
                made = rulefiles.save_version(found.year, found.subject_kind, found.filename, text.encode("utf-8"),
                                              current_user, _("第 %(n)s 版", n=found.version), form.note.data or "")
            except rulefiles.RuleFileError as error:
                db.session.rollback()
                form.text.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("已保存为第 %(n)s 版", n=made.version), "success")
                return redirect(url_for("rules.version", rule_file_id=made.id))
        elif form.save.data:
            flash(_("内容没有改动，未另存新版本"), "info")
    elif request.method == "POST" and form.text.errors:
        text = ""
    ruleset, problems = rulefiles.check(text.encode("utf-8"), found.filename)
    mismatch = ruleset is not None and (ruleset.year != found.year
                                        or rulefiles.SUBJECT_KINDS.get(ruleset.subject) != found.subject_kind)
    lines = text.split("\n")
    placed = [(p, lines[p.line - 1] if 0 < p.line <= len(lines) else "") for p in problems]
    history = rulefiles.versions(found.year, found.subject_kind)
    return render_template("rules/version.html", found=found, form=form, ruleset=ruleset, placed=placed,
                           mismatch=mismatch, history=history, edited=text != found.text, action=ActionForm(),
                           periods=periods(ruleset) if ruleset is not None and not mismatch else [])


@bp.route("/<int:rule_file_id>/copy", methods=["POST"])
@roles_required(*KEEPERS)
def copy(rule_file_id: int) -> Response:
    """A new draft with this version's text, to edit (any version: the one in force, an old one to go back to)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found = _version(rule_file_id)
    made = rulefiles.save_version(found.year, found.subject_kind, found.filename, found.content, current_user,
                                  _("第 %(n)s 版", n=found.version))
    db.session.commit()
    flash(_("已复制为第 %(n)s 版（草稿）", n=made.version), "success")
    return redirect(url_for("rules.version", rule_file_id=made.id))


@bp.route("/<int:rule_file_id>/download")
@roles_required(*KEEPERS)
def download(rule_file_id: int) -> Response:
    found = _version(rule_file_id)
    name = found.filename.rsplit(".", 1)[0] + f"-v{found.version}.yaml"
    return send_download(bytes(found.content), "text/yaml; charset=utf-8", name)


@bp.route("/<int:rule_file_id>/compare")
@roles_required(*KEEPERS)
def what_if(rule_file_id: int) -> Response | str:
    """What adopting this version would change on this year's verified records, then the button to adopt it."""
    found = _version(rule_file_id)
    after, problems = rulefiles.check(found.content, found.filename)
    if after is None:
        flash(_("该版本有 %(n)s 处错误，改正后才能比较和启用", n=len(problems)), "error")
        return redirect(url_for("rules.version", rule_file_id=found.id))
    choices = periods(after)
    period = request.args.get("period") if request.args.get("period") in choices else (choices[-1] if choices else "")
    before = next((r for r in rulefiles.in_force() if r.year == after.year and r.subject == after.subject), None)
    current = rulefiles.version_in_force(after) if before is not None else None
    comparison: Comparison | None = None
    error = ""
    try:
        if period:
            comparison = compare(before if before is not None else after, after, period)
    except scoring.RuleError as failure:
        error = str(failure)
    return render_template("rules/compare.html", found=found, after=after, before=before, current=current,
                           period=period, choices=choices, comparison=comparison, error=error, action=ActionForm(),
                           same=current is not None and current.id == found.id)


@bp.route("/<int:rule_file_id>/adopt", methods=["POST"])
@roles_required(*KEEPERS)
def adopt(rule_file_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    found = _version(rule_file_id)
    try:
        replaced = rulefiles.adopt(found, current_user)
    except rulefiles.RuleFileError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("rules.what_if", rule_file_id=found.id))
    db.session.commit()
    if replaced is not None:
        flash(_("第 %(n)s 版已启用，替换了第 %(old)s 版；已运行的考评不受影响", n=found.version, old=replaced.version),
              "success")
    else:
        flash(_("第 %(n)s 版已启用；已运行的考评不受影响", n=found.version), "success")
    return redirect(url_for("rules.version", rule_file_id=found.id))
