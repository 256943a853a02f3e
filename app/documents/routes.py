"""打印文件: every printed document of a review, previewed and downloaded; certificates numbered and logged;
printer profiles for 套打 with their calibration page; a member's own 履职档案; the public certificate check."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app import audit, organisation
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.documents import certificates, content, decision_text, forms, kinds, print_settings
from app.documents.errors import DocumentError
from app.documents.kinds import Options
from app.extensions import db
from app.forms import ActionForm
from app.jobs import services as jobs
from app.jobs.kinds import options_params
from app.models import (AwardListState, Certificate, JobState, Member, PrinterProfile, Review, ReviewState, Role,
                        SubjectKind, User)
from app.reviews import services as reviews
from app.reviews.reading import review_label
from app.security import limit_requests
from app.settings import save_settings, setting
from app.timeutil import beijing_today
from app.web import db_id, send_download
from reports.numerals import certificate_number, stored_certificate_number

bp = Blueprint("documents", __name__)
verify_bp = Blueprint("verify", __name__)
OFFICE = (Role.ADMIN, Role.OFFICE)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SETTING_FIELDS = dict(zip(("issuer_cppcc", "issuer_party", "publicity_contact"), print_settings.DOCUMENT_SETTINGS,
                          strict=True))


def _review_or_404(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    return review


def _options() -> Options:
    """The choices of a document's form; anything unknown falls back to the default (never an error page)."""
    args = request.values

    def pick(name: str, allowed: dict[str, object], default: str) -> str:
        value = args.get(name, default)
        return value if value in allowed else default

    only = args.get("only", "").split()
    return Options(order=pick("order", kinds.ORDERS, "strokes"), grouping=pick("grouping", kinds.GROUPINGS, "unit"),
                   mode=pick("mode", kinds.MODES, "full"),
                   numerals=pick("numerals", kinds.NUMERALS, "chinese"), paper=pick("paper", kinds.PAPERS, "A4"),
                   printer_id=args.get("printer", 0, type=db_id) or None, ranking=args.get("ranking") or None,
                   group=args.get("group") or None, subject_id=args.get("subject", 0, type=db_id) or None,
                   only=frozenset(only) if only else None)


def _send(made: kinds.Made, mimetype: str) -> Response:
    """Inline for a preview in the browser's viewer, attachment when `download=1`."""
    response = send_download(made.data, mimetype, made.filename, as_attachment=request.values.get("download") == "1",
                             max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
@roles_required(*OFFICE)
def index() -> str:
    found = db.session.scalars(sa.select(Review).where(Review.state == ReviewState.FROZEN)
                               .order_by(Review.period.desc(), Review.subject_kind, Review.version.desc())).all()
    return render_template("documents/index.html", reviews=found, final={r.id: content.is_final(r) for r in found},
                           lists={r.id: content.award_lists(r) for r in found})


@bp.route("/review/<int:review_id>")
@roles_required(*OFFICE)
def review(review_id: int) -> str:
    found = _review_or_404(review_id)
    return _render(found)


def _render(found: Review, rewards_errors: dict[str, str] | None = None,
            revoke_form: forms.RevokeForm | None = None, revoke_for: int | None = None) -> str:
    table = reviews.rows(found)
    lists = content.award_lists(found)
    given = certificates.certificates_of(found)
    amounts = print_settings.reward_amounts(content.year_of(found))
    log = certificates.print_log(found)
    blockers = print_settings.certificate_blockers(content.campaign(found), found.subject_kind)
    return render_template(
        "documents/review.html", review=found, lists=lists, final=content.is_final(found),
        published=any(a.publicity_starts_on for a in lists), rankings=reviews.rankings_of(found, table),
        certificates=given, valid={c.id: certificates.is_valid(c) for c in given},
        log=log, names=audit.actor_names(log), printers=print_settings.printers(),
        amounts=amounts, rewards_errors=rewards_errors or {}, label=review_label(found),
        revoke_forms={c.id: revoke_form if revoke_for == c.id and revoke_form else forms.RevokeForm()
                      for c in given},
        action_form=ActionForm(), members=found.subject_kind == SubjectKind.MEMBERS,
        orders=kinds.ORDERS, groupings=kinds.GROUPINGS, modes=kinds.MODES, numerals=kinds.NUMERALS,
        papers=kinds.PAPERS, documents=kinds.DOCUMENTS, states=AwardListState, blockers=blockers,
        no_plaques=_no_plaques(found, lists),
        tokens={name: jobs.new_token() for name in (*kinds.CERTIFICATE_DOCS, *kinds.LONG_DOCS)})  # one per job form


def _no_plaques(found: Review, lists: list) -> str:
    """Why there is no 奖牌 to engrave (plaques go to units and branches, not to people); "" when there is one."""
    if found.subject_kind not in content.ORGANISATIONS:
        return _("本次表彰的是个人，没有受表彰的单位，不需要制作奖牌")
    if not any(content.honoured(a) for a in lists):
        return _("名单中还没有受表彰的单位")
    return ""


@bp.route("/review/<int:review_id>/<name>.pdf", methods=["GET", "POST"])
@roles_required(*OFFICE)
def pdf(review_id: int, name: str) -> Response | str:
    """GET: the document at once (certificates as a 样稿 preview, nothing written), except a long one of the whole
    review (every member's 履职档案), which the page's 生成 button makes. POST: a background job, whose PDF its owner
    downloads: the print run of certificates and 奖状 (numbered and logged with the job), or a long document."""
    found = _review_or_404(review_id)
    if name not in kinds.DOCUMENTS:
        abort(404)
    options = _options()
    background = kinds.in_background(name, options)
    if request.method == "POST":
        if not (background or name in kinds.CERTIFICATE_DOCS) or not ActionForm().validate_on_submit():
            abort(400)
        return _long_document(found, name, options) if background else _print_run(found, name, options)
    if background:  # hundreds of pages: never inside a request
        flash(_("%(document)s页数很多，请点击“生成”在后台生成，完成后在任务页面下载。", document=kinds.DOCUMENTS[name]),
              "info")
        return redirect(url_for("documents.review", review_id=found.id) + "#review-documents")
    try:
        made = kinds.make(name, found, options, current_user)
    except DocumentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.review", review_id=found.id))
    db.session.commit()
    return _send(made, PDF)


def _long_document(found: Review, name: str, options: Options) -> Response:
    """One job per click (the form's one-time token); the same document asked for again by the same person while
    it is being made is that job, not a second one. Then the job's page, with its progress and the download."""
    params = {"review_id": found.id, "name": name, "options": options_params(options), "user_id": current_user.id,
              "visible": None}  # the office's: every subject of the review
    job = jobs.active("document", **params) or jobs.submit(
        "document", params, current_user, token=jobs.clean_token(request.form.get("request_token")))
    return redirect(url_for("jobs.show", job_id=job.id))


def _print_run(found: Review, name: str, options: Options) -> Response:
    """One print run per click: the form's one-time token makes one job, so a double click gets the job (and the
    PDF) the first click made; the same form posted again with other choices (整张, then 套打 at once) is refused
    in words, and so is a second run of the review's certificates while one is queued or running, and any run
    while the organisation's facts the certificates print are missing."""
    if missing := print_settings.certificate_blockers(content.campaign(found), found.subject_kind):
        flash(_blocked(missing), "error")
        return redirect(url_for("documents.review", review_id=found.id) + "#awards")
    params = {"review_id": found.id, "name": name, "options": options_params(options), "user_id": current_user.id}
    token = jobs.clean_token(request.form.get("request_token"))
    if jobs.by_token(token) is None and (busy := jobs.active("print", review_id=found.id)) is not None:
        flash(_("这份考评的证书或奖状正在打印（任务 #%(id)s），请等它完成后再打印。", id=busy.id), "error")
        return redirect(url_for("jobs.show", job_id=busy.id))
    job = jobs.submit("print", params, current_user, token=token)
    if job.params != params:
        flash(_("这一页已经提交过一次正式打印（任务 #%(id)s）。如需换一种方式再打印，请等它完成后刷新页面再试。", id=job.id),
              "error")
        return redirect(url_for("documents.review", review_id=found.id))
    if not jobs.is_inline() or not job.state.finished:
        return redirect(url_for("jobs.show", job_id=job.id))
    if job.state != JobState.SUCCEEDED:
        flash(job.error or job.message, "error")
        return redirect(url_for("documents.review", review_id=found.id))
    result = job.result or {}
    path = jobs.result_path(job)
    return _send(kinds.Made(path.read_bytes() if path else b"", result["filename"], result["draft"], result["pages"]),
                 PDF)


def _blocked(missing: list[str]) -> Markup:
    """Why the print run was refused, with a link to the page where the missing facts are set (for the admin)."""
    text = kinds.blocked_message(missing)
    if current_user.role != Role.ADMIN:
        return Markup.escape(text)
    return Markup('{} <a href="{}">{}</a>').format(text, url_for("setup.organisation"), _("去设置"))


@bp.route("/review/<int:review_id>/<name>.xlsx")
@roles_required(*OFFICE)
def xlsx(review_id: int, name: str) -> Response:
    found = _review_or_404(review_id)
    if name not in kinds.SPREADSHEETS:
        abort(404)
    try:
        made = kinds.spreadsheet(name, found, _options())
    except DocumentError as error:
        flash(str(error), "error")
        return redirect(url_for("documents.review", review_id=found.id))
    return _send(made, XLSX)


@bp.route("/review/<int:review_id>/<name>.docx")
@roles_required(*OFFICE)
def docx(review_id: int, name: str) -> Response:
    """The Word version of a document, always as a download (a browser cannot preview it)."""
    found = _review_or_404(review_id)
    if name not in kinds.WORD:
        abort(404)
    try:
        made = kinds.word(name, found, _options())
    except DocumentError as error:
        flash(str(error), "error")
        return redirect(url_for("documents.review", review_id=found.id))
    response = send_download(made.data, DOCX, made.filename, as_attachment=True, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/review/<int:review_id>/decision", methods=["GET", "POST"])
@roles_required(*OFFICE, Role.LEADER)
def decision(review_id: int) -> Response | str:
    """The 表彰决定's own words (主送, body, closing): the office edits them until every list is final, a leader
    reads them. The form starts from the office's saved text, else the default made from the lists."""
    found = _review_or_404(review_id)
    editor = current_user.role in OFFICE
    if request.method == "POST" and not editor:
        abort(403)
    back = url_for("documents.review", review_id=found.id) if editor else url_for("reviews.ranking",
                                                                                  review_id=found.id)
    kept = decision_text.stored(found)
    try:
        shown = decision_text.shown(found, kept)
    except DocumentError as error:
        flash(str(error), "error")
        return redirect(back)
    final = content.is_final(found)
    form = forms.DecisionTextForm(data=decision_text.as_fields(shown) if request.method == "GET" else None)
    if request.method == "POST" and final:
        flash(str(decision_text.LOCKED), "error")
        return redirect(url_for("documents.decision", review_id=found.id))
    if form.validate_on_submit():
        decision_text.save(found, {name: getattr(form, name).data or "" for name in decision_text.FIELDS},
                           current_user)
        db.session.commit()
        flash(_("表彰决定的正文已保存"), "success")
        return redirect(url_for("documents.decision", review_id=found.id))
    who = db.session.get(User, kept.updated_by_id) if kept and kept.updated_by_id else None
    return render_template("documents/decision.html", review=found, form=form, final=final, editor=editor,
                           shown=shown, kept=kept, who=who, back=back,
                           label=review_label(found)), (422 if form.errors else 200)


@bp.route("/review/<int:review_id>/rewards", methods=["POST"])
@roles_required(*OFFICE)
def rewards(review_id: int) -> Response | str:
    """The reward per award category for the review's year; every amount checked, nothing saved on an error."""
    found = _review_or_404(review_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    categories = [a.category for a in content.award_lists(found)]
    amounts: dict[str, Decimal | None] = {}
    errors: dict[str, str] = {}
    for index, category in enumerate(categories):
        if f"amount-{index}" not in request.form:  # not on the form sent: left as it is
            continue
        try:
            amounts[category] = print_settings.parse_amount(request.form.get(f"amount-{index}", ""))
        except ValueError as error:
            errors[category] = str(error)
    if errors:
        return _render(found, rewards_errors=errors), 422  # type: ignore[return-value]
    print_settings.save_rewards(content.year_of(found), amounts, current_user)
    db.session.commit()
    flash(_("奖励标准已保存"), "success")
    return redirect(url_for("documents.review", review_id=found.id) + "#rewards")


@bp.route("/certificates/<int:cert_id>/revoke", methods=["POST"])
@roles_required(*OFFICE)
def revoke(cert_id: int) -> Response | str:
    cert = db.session.get(Certificate, cert_id) or abort(404)
    review_ = cert.candidate.award_list.review
    if cert.revoked_at is not None:  # sent twice: the page no longer shows its form, so say it on top
        flash(_("该证书已经撤销"), "error")
        return redirect(url_for("documents.review", review_id=review_.id) + "#certificates")
    form = forms.RevokeForm()
    if not form.validate_on_submit():
        return _render(review_, revoke_form=form, revoke_for=cert.id), 422  # type: ignore[return-value]
    try:
        certificates.revoke(cert, form.reason.data or "", current_user)
    except DocumentError as error:
        db.session.rollback()
        form.reason.errors = [str(error)]
        return _render(review_, revoke_form=form, revoke_for=cert.id), 422  # type: ignore[return-value]
    db.session.commit()
    flash(_("证书 %(number)s 已撤销，查验页面将显示“已撤销”", number=cert.number), "success")
    return redirect(url_for("documents.review", review_id=review_.id) + "#certificates")


# --- settings and printers -----------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*OFFICE)
def settings() -> Response | str:
    form = forms.SettingsForm(data={field: setting(key) for field, key in SETTING_FIELDS.items()}
                              if request.method == "GET" else None)
    if form.validate_on_submit():
        save_settings({key: (getattr(form, field).data or "").strip() for field, key in SETTING_FIELDS.items()},
                      current_user)
        db.session.commit()
        flash(_("打印设置已保存"), "success")
        return redirect(url_for("documents.settings"))
    return render_template("documents/settings.html", form=form, printers=print_settings.printers(),
                           printer_form=forms.PrinterForm(), org=organisation.current())


@bp.route("/printers/new", methods=["POST"])
@bp.route("/printers/<int:printer_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def printer(printer_id: int | None = None) -> Response | str:
    profile = db.session.get(PrinterProfile, printer_id) if printer_id else PrinterProfile()
    if profile is None:
        abort(404)
    form = forms.PrinterForm(obj=profile if request.method == "GET" else None)
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        clash = db.session.scalar(sa.select(PrinterProfile.id).where(PrinterProfile.name == name))
        if clash is not None and clash != profile.id:
            form.name.errors = [_("已有同名的打印机")]
        else:
            print_settings.save_printer(profile, {"name": name, "dx_mm": form.dx_mm.data, "dy_mm": form.dy_mm.data,
                                            "scale": form.scale.data, "note": (form.note.data or "").strip()},
                                  current_user)
            db.session.commit()
            flash(_("打印机“%(name)s”已保存", name=name), "success")
            return redirect(url_for("documents.settings") + "#printers")
    return render_template("documents/printer.html", form=form, profile=profile), (422 if form.errors else 200)


@bp.route("/calibration.pdf")
@roles_required(*OFFICE)
def calibration() -> Response:
    from reports.certificates import calibration as page
    where = print_settings.placement(request.args.get("printer", 0, type=db_id) or None)
    paper = request.args.get("paper", "A4") if request.args.get("paper") in kinds.PAPERS else "A4"
    return _send(kinds.Made(page(where, paper), "套打校准页.pdf", False), PDF)


# --- a member's own 履职档案 ------------------------------------------------------------------------------------------

@bp.route("/dossier/<int:member_id>.pdf")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.MEMBER)
def dossier(member_id: int) -> Response:
    """A member's 履职档案 of a year as PDF: the member their own, a clerk their units', the office anyone's."""
    member = get_or_404(Member, member_id)
    year = request.args.get("year", 0, type=int) or _latest_year(member.id)
    if not 2000 <= year <= 2100:
        abort(404)
    from reports.dossier import dossier as render
    internal = current_user.role != Role.MEMBER  # a member's own copy leaves out the 通报 cases (docs/followup.md)
    made = kinds.Made(render(content.dossier(member, year, internal=internal)), f"{member.name}-{year}年度履职档案.pdf",
                      False)
    return _send(made, PDF)


def _latest_year(member_id: int) -> int:
    from app.models import ReviewEntry
    period = db.session.scalar(sa.select(Review.period).join(ReviewEntry, ReviewEntry.review_id == Review.id)
                               .where(Review.subject_kind == SubjectKind.MEMBERS, ReviewEntry.subject_id == member_id)
                               .order_by(Review.period.desc()).limit(1))
    return int(period[:4]) if period else beijing_today().year


# --- the public certificate check --------------------------------------------------------------------------------------

@verify_bp.app_template_filter("certno")
def certno(number: str) -> str:
    """A certificate number as the paper prints it (2025四个一第0001号)."""
    return certificate_number(number)


@verify_bp.route("/verify", methods=["GET"])
def verify_form() -> Response | str:
    number = request.args.get("number", "").strip()
    if number:
        code = request.args.get("code", "").strip()[:20]
        return redirect(url_for("verify.verify", number=stored_certificate_number(number[:60]),
                                **({"c": code} if code else {})))
    return render_template("public/verify.html", cert=None, number="", code="", asked=False)


@verify_bp.route("/verify/<path:number>")
@limit_requests("VERIFY_RATE_LIMIT")
def verify(number: str) -> tuple[str, int]:
    """Genuine or not: name, award, year, issuer; nothing else. The check code printed beside the number is asked
    for (the QR code carries it as ?c=): a number alone, as an old QR code has it, gets the form, whether or not it
    exists; a wrong code is answered as an unknown number. Revoked certificates say so."""
    number = stored_certificate_number(number.strip()[:60])  # as printed (2025四个一第0001号) or as stored
    code = request.args.get("c", "").strip()[:20]
    if not code:
        return render_template("public/verify.html", cert=None, number=number, code="", asked=False,
                               need_code=True), 200
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if cert is not None and not certificates.check_code_matches(cert, code):
        cert = None
    status = 200 if cert is not None else 404
    return render_template("public/verify.html", cert=cert, number=number, code=code, asked=True,
                           valid=cert is not None and certificates.is_valid(cert)), status
