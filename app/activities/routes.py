"""Record list with filters, one record's page, entry (clerk, liaison, office), draft deletion, verification."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import audit, evidence, kindfields
from app.activities import services
from app.activities.forms import ActivityForm, EvidenceForm, ReasonForm, VerifierForm
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, scoped
from app.extensions import db
from app.forms import attach_errors, select_choices
from app.imports import export
from app.listing import remembered, sorted_by
from app.models import Activity, Category, Evidence, Member, PartyMember, RecordState, Role, Unit
from app.settings import save_settings
from app.web import MAX_ID, commit_or_stale, date_arg, db_id, page_args, safe_next, send_download

bp = Blueprint("activities", __name__)
# What the file pickers offer (in macros too, hence a global); the content decides what is kept (`evidence.sniff`).
bp.add_app_template_global(evidence.ACCEPT, "evidence_accept")

# What the entry buttons and headings call the party members' forms.
PARTY_LABELS = {Category.CONTRIBUTION: _l("党员比贡献"), Category.OTHER: _l("党员违纪（一票否决）")}


def _filters() -> dict[str, object]:
    return {"q": request.args.get("q", ""), "unit": request.args.get("unit", 0, type=db_id) or "",
            "category": request.args.get("category", ""), "state": request.args.get("state", ""),
            "start": request.args.get("start", ""), "end": request.args.get("end", ""),
            "todo": todo if (todo := request.args.get("todo", "")) in services.INBOX_FILTERS else ""}


def _filtered(filters: dict[str, object]) -> sa.Select[tuple[Activity]]:
    return services.activity_query(str(filters["q"]), int(filters["unit"] or 0) or None, str(filters["category"]),
                                   str(filters["state"]), date_arg("start"), date_arg("end")).where(
        services.todo_clause(str(filters["todo"]), current_user))


@bp.route("/")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON, Role.MEMBER)
def index() -> str | Response:
    if back := remembered():
        return back
    filters = _filters()
    if fmt := export.wanted():
        return _export(filters, fmt, _("履职记录"))
    stmt = sorted_by(_filtered(filters), services.record_sorts(), Activity.id.desc())
    pagination = db.paginate(stmt, **page_args())
    units = db.session.scalars(scoped(Unit).order_by(Unit.kind, Unit.sort_order, Unit.id)).all()
    editable = {a.id for a in pagination.items if services.can_edit(a, current_user)}
    return render_template("activities/index.html", pagination=pagination, filters=filters, units=units,
                           editable=editable,
                           categories=list(Category), states=list(RecordState),
                           can_enter=current_user.role in services.ENTRY_ROLES,
                           can_enter_party=current_user.role in services.PARTY_ENTRY_ROLES,
                           can_verify=services.verifies_any(current_user), four_ones=services.FOUR_ONES,
                           party_labels=PARTY_LABELS)


def _export(filters: dict[str, object], fmt: str, label: str) -> Response:
    """Every record the filters select (not one page), in the records import format."""
    rows = db.session.scalars(_filtered(filters).options(*export.RECORD_LOADS))
    return export.send("records", export.record_rows(rows), fmt, export.export_title(label))


def _detail(activity: Activity, evidence_form: EvidenceForm | None = None) -> str:
    is_office = current_user.role in services.VERIFY_ROLES
    history = audit.history("activity", activity.id, imported=(activity.created_at, activity.created_by_id)) \
        if is_office else []
    return render_template("activities/detail.html", activity=activity, history=history,
                           names=audit.actor_names(history), shown=audit.names(history), actions=audit.ACTION_LABELS,
                           fields=audit.FIELD_LABELS, can_edit=services.can_edit(activity, current_user),
                           can_delete=services.can_delete(activity, current_user), is_office=is_office,
                           entered_by=services.entered_by_text(activity),
                           read_only=services.read_only_reason(activity, current_user),
                           can_verify=services.may_verify(activity, current_user), reason_form=ReasonForm(),
                           details=services.shown_details(activity), amount_unit=services.amount_unit(activity),
                           can_change_evidence=services.can_change_evidence(activity, current_user),
                           can_add_evidence=services.can_add_evidence(activity, current_user),
                           evidence_form=evidence_form or EvidenceForm(formdata=None))


def _owner_or_403(activity: Activity) -> Activity:
    """The record, when the user may change it as its owner (see `services.owns`).

    :raises 403: a record the user sees but another unit entered: for them it is read-only.
    """
    if not services.owns(activity, current_user):
        abort(403)
    return activity


@bp.route("/<int:activity_id>")
@login_required
def detail(activity_id: int) -> str:
    return _detail(get_or_404(Activity, activity_id))


# --- evidence ------------------------------------------------------------------------------------------------

@bp.route("/<int:activity_id>/evidence", methods=["POST"])
@roles_required(*services.RECORD_ROLES, Role.MEMBER)
def upload_evidence(activity_id: int) -> str | Response:
    """添加证明材料: the owner until the record is verified (a member: to their own report), the office until locked."""
    activity = _owner_or_403(get_or_404(Activity, activity_id))
    if not services.can_add_evidence(activity, current_user):
        if current_user.role == Role.MEMBER:
            abort(403)
        flash(_("该记录已核实或已锁定，不能再添加证明材料。"), "error")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(int(current_app.config["EVIDENCE_MAX_BYTES"]) + 1)
        _row, error = services.add_evidence(activity, current_user, upload.filename, data)
        if not error:
            db.session.commit()
            flash(_("已上传证明材料。"), "success")
            return redirect(url_for("activities.detail", activity_id=activity.id))
        db.session.rollback()
        form.file.errors = [*form.file.errors, error]
        services.discard_unused([evidence.digest(data)])
    return _detail(activity, form)


def _evidence(activity_id: int, evidence_id: int) -> Evidence:
    """An evidence file the user may see, of this record; anything else reads as not found."""
    item = get_or_404(Evidence, evidence_id)
    if item.activity_id != activity_id:
        abort(404)
    return item


@bp.route("/<int:activity_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(activity_id: int, evidence_id: int) -> Response:
    item = _evidence(activity_id, evidence_id)
    try:
        path = evidence.path_for(services.evidence_dir(), item.sha256)
    except ValueError:  # a hash planted in the database, or a symlink in the folder leading out of it
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_download(path, item.content_type, item.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:activity_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@roles_required(*services.RECORD_ROLES)
def remove_evidence(activity_id: int, evidence_id: int) -> Response:
    item = _evidence(activity_id, evidence_id)
    _owner_or_403(item.activity)
    sha = item.sha256
    error = services.remove_evidence(item, current_user)
    if error:
        db.session.rollback()
        flash(error, "error")
    else:
        db.session.commit()
        if services.unused(sha):
            evidence.discard(services.evidence_dir(), sha)
        flash(_("已删除证明材料。"), "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


def _posted_files(form: ActivityForm) -> list[tuple[str | None, bytes]]:
    """The files chosen in the form's 证明材料 field, as (name, bytes); an empty field gives none. Each is read to
    one byte past the size limit, so an oversize file is refused without being held whole."""
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"]) + 1
    return [(upload.filename, upload.stream.read(limit)) for upload in request.files.getlist(form.files.name)
            if upload.filename or upload.content_length]


# --- entry ---------------------------------------------------------------------------------------------------

def _category(name: str, allowed: tuple[Category, ...] = services.FOUR_ONES) -> Category:
    if name not in Category.__members__ or Category[name] not in allowed:
        abort(404)
    return Category[name]


def _party_label(person: PartyMember) -> str:
    """A party member in the picker: name, code and 正式/预备, which matters for awards."""
    return f"{person.name}（{person.code}，{_(person.status.label)}）"


def _subject_choices(category: Category, activity: Activity | None) -> list[SelectChoice]:
    if category in services.PARTY_CATEGORIES:
        people = services.subject_party_members(branch_id=request.args.get("branch", 0, type=db_id) or None)
        if activity is not None and activity.party_member is not None and activity.party_member not in people:
            people.insert(0, activity.party_member)
        return select_choices([(f"p:{p.id}", _party_label(p)) for p in people], optgroup=_("党员"))
    subjects = [(f"m:{m.id}", f"{m.name}（{m.code}）") for m in services.subject_members()]
    units = [(f"u:{u.id}", f"{u.name}") for u in services.subject_units(current_user)]
    return select_choices(subjects, optgroup=_("委员")) + select_choices(units, optgroup=_("本单位"))


def _kind_choices(category: Category) -> list[SelectChoice]:
    if category in services.PARTY_CATEGORIES:
        return select_choices([(k.name, k.label or k.name) for k in services.kinds_for(category, "party-members")])
    return (select_choices([(k.name, k.label or k.name) for k in services.kinds_for(category, "members")],
                           optgroup=_("委员的记录")) +
            select_choices([(k.name, k.label or k.name) for k in services.kinds_for(category, "units")],
                           optgroup=_("单位的记录")))


def _extras(form: ActivityForm, activity: Activity | None = None) -> None:
    """The declared fields' values the form shows: as posted, else as the record keeps them."""
    if request.method == "POST":
        form.extra_values = {k[2:]: v for k, v in request.form.items() if k.startswith("x-")}
    else:
        form.extra_values = {k: kindfields.shown(v) for k, v in ((activity.details or {}) if activity else {}).items()}


def _attach(form: ActivityForm, errors: dict[str, list[str]], shown: list[services.ExtraField]) -> None:
    """The service's errors beside their fields: the form's own, and the declared fields' (`x-<name>`); one about
    a field the page does not show (a post made by hand) beside the kind."""
    attach_errors(form, {k: v for k, v in errors.items() if not k.startswith(("x-", services.WARN))})
    names = {x.spec.name for x in shown}
    for key, messages in errors.items():
        if key.startswith(services.WARN):
            form.warnings.setdefault(key.removeprefix(services.WARN), []).extend(messages)
        elif key.startswith("x-") and key[2:] in names:
            form.extra_errors.setdefault(key[2:], []).extend(messages)
        elif key.startswith("x-"):
            form.kind.errors = [*form.kind.errors, *messages]


def _unit_choices(activity: Activity | None) -> list[SelectChoice]:
    """The 录入单位 a clerk (or liaison) may choose: their units that cover the subject (as posted, else the
    record's), all their units before one is chosen. One alone comes selected; of several none is, so the clerk
    picks (a wrong or missing pick is said beside the field). None for the office: its records are its own."""
    if activity is not None and activity.self_reported:
        return []
    if request.method == "POST":
        raw = request.form.get("subject", "")
    else:
        raw = services.subject_value(activity) if activity is not None else request.args.get("subject", "")
    subject = services.subject_named(raw, current_user)
    units = services.entering_units(current_user, services.subject_unit_ids(subject) if subject else None)
    if not units and subject is not None:
        units = services.entering_units(current_user)
    pairs = [(str(u.id), u.name) for u in units]
    return select_choices(pairs if len(pairs) == 1 else [("", _("请选择")), *pairs]) if pairs else []


def _form(category: Category, activity: Activity | None = None) -> ActivityForm:
    values = {name: services.field_values(category, name) for name in services.CHOICE_FIELDS}
    form = ActivityForm(_subject_choices(category, activity), _kind_choices(category), values,
                        party=category in services.PARTY_CATEGORIES, units=_unit_choices(activity), obj=activity)
    _extras(form, activity)
    form.amount.label.text = services.amount_label(category)
    linked = {Category.PAIRING: "pairing", Category.ENTERPRISE: "project"}.get(category)
    if linked is not None:
        field = getattr(form, linked)
        field.choices = _linked_choices(activity, linked)
        if request.method == "GET":
            wanted = getattr(activity, f"{linked}_id") if activity is not None else request.args.get(
                linked, 0, type=db_id)
            field.data = str(wanted or "")
    if request.method == "GET" and form.entered_by.choices:
        own = str(activity.entered_by_unit_id) if activity is not None and activity.entered_by_unit_id else ""
        only = form.entered_by.choices[0].value if len(form.entered_by.choices) == 1 else ""
        form.entered_by.data = own if own in {c.value for c in form.entered_by.choices} else only
    if activity is not None and request.method == "GET":
        form.subject.data = services.subject_value(activity)
        form.signers.data = services.signers_text(activity)
    elif request.method == "GET" and (wanted := request.args.get("subject", "")) in {c.value for c in
                                                                                  form.subject.choices}:
        form.subject.data = wanted  # 录入 from a list's 操作 column: that person already chosen (in scope only)
    if activity is not None:
        form.version.data = str(activity.version) if request.method == "GET" else form.version.data
    return form


def _linked_choices(activity: Activity | None, name: str) -> list[SelectChoice]:
    """The 结对 (联一户) or 项目 (引一企) a record may name: those in the user's scope, each with its subject (the
    service checks that the one chosen is the record subject's)."""
    from app.pairings import services as pairings  # the registers build on the records, not the other way round
    from app.projects import services as projects

    query = pairings.pairing_query(user=current_user) if name == "pairing" else projects.project_query(
        user=current_user)
    found = list(db.session.scalars(query.limit(500)))
    current = getattr(activity, name) if activity is not None else None
    if current is not None and current not in found:
        found.insert(0, current)

    def label(row: object) -> str:
        what = row.counterpart.name if name == "pairing" else row.name  # type: ignore[attr-defined]
        return f"{row.subject_name} — {what}（{row.code}）"  # type: ignore[attr-defined]
    none = _("不关联结对") if name == "pairing" else _("不关联项目")
    return select_choices([("", none), *((str(r.id), label(r)) for r in found)])  # type: ignore[attr-defined]


def _guard_subject(raw: str) -> None:
    """A member, party member or unit outside the user's scope, named in a post, reads as not found.

    :raises 404: for a member or party member the user may not see, or a unit that is not theirs.
    """
    prefix, _sep, ident = (raw or "").partition(":")
    if not ident.isdigit():
        return
    if prefix == "m":
        get_or_404(Member, int(ident))
    elif prefix == "p":
        get_or_404(PartyMember, int(ident))
    elif prefix == "u" and int(ident) not in {u.id for u in services.subject_units(current_user)}:
        abort(404)


def _entry(form: ActivityForm) -> services.Entry:
    version = form.version.data
    return services.Entry(
        subject=form.subject.data or "", kind=form.kind.data or "", title=form.title.data or "",
        occurred_on=form.occurred_on.data, description=form.description.data or "",
        outcome=form.outcome.data or "", level=form.level.data or "",
        instruction_level=form.instruction_level.data or "", amount=form.amount.data,
        people_helped=form.people_helped.data, counterpart=form.counterpart.data or "",
        support=form.support.data or "", signers=form.signers.data or "",
        version=int(version) if version and str(version).isdigit() else None, details=dict(form.extra_values),
        confirmed=bool(form.confirm.data),
        pairing=int(form.pairing.data) if str(form.pairing.data or "").isdigit() else None,
        project=int(form.project.data) if str(form.project.data or "").isdigit() else None,
        entered_by=int(form.entered_by.data) if str(form.entered_by.data or "").isdigit() else None)


def _refused_files(form: ActivityForm, files: list[tuple[str | None, bytes]]) -> None:
    """Beside the 证明材料 field: a browser does not keep chosen files when a form comes back, so say so."""
    if files:
        form.files.errors = [*form.files.errors, _("记录和文件都没有保存，请改正后重新选择文件。")]


def _save(form: ActivityForm, activity: Activity, category: Category) -> Response | None:
    """Validate and save the record with the files chosen on the form, all or nothing; the redirect on success,
    None to show the form again with its errors."""
    if request.method == "POST":
        _guard_subject(form.subject.data or "")
    valid = form.validate_on_submit()
    files = _posted_files(form) if request.method == "POST" else []
    refused = services.check_files(files)
    if not valid:
        form.files.errors = refused
        _refused_files(form, files)
        return None
    submit = bool(form.send.data)

    def step() -> services.Errors:
        """The record's checks run even when a file is refused, so every error shows at once; then rolled back."""
        errors = services.save(activity, category, _entry(form), current_user, submit)
        problems = refused or ([] if errors else services.add_files(activity, current_user, files))
        return {**errors, "files": problems} if problems else errors

    errors = commit_or_stale(step, {"title": [services.stale()]})
    if errors:
        services.discard_unused([evidence.digest(data) for _name, data in files])
        _attach(form, errors, services.extra_fields(category))
        _refused_files(form, files)
        return None
    done = _("已提交核实。") if submit else _("已保存草稿。")
    if files:
        done += _("已上传 %(n)s 个证明材料。", n=len(files))
    flash(done, "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


def _render_form(form: ActivityForm, category: Category, activity: Activity | None) -> str:
    party = category in services.PARTY_CATEGORIES
    return render_template("activities/form.html", form=form, category=category, activity=activity,
                           entered_by=services.entered_by_text(activity),
                           fields=services.declared_fields(category), years=services.open_years(), party=party,
                           heading=PARTY_LABELS[category] if party else _(category.label),
                           extras=services.extra_fields(category), field_kinds=services.field_kinds(category),
                           amount_hint=services.amount_hint(category), amount_labels=services.amount_labels(category))


@bp.route("/new/<category>", methods=["GET", "POST"])
@roles_required(*services.RECORD_ROLES)
def create(category: str) -> str | Response:
    """录入: the four 一 for clerks, a party member's 比贡献 (or 违纪) for liaisons; the office both."""
    cat = _category(category, services.FOUR_ONES + services.PARTY_CATEGORIES)
    if current_user.role not in services.entry_roles(cat):
        abort(403)
    form = _form(cat)
    done = _save(form, Activity(), cat)
    if done is not None:
        return done
    return _render_form(form, cat, None)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@roles_required(*services.RECORD_ROLES)
def edit(activity_id: int) -> str | Response:
    activity = get_or_404(Activity, activity_id)
    allowed = services.PARTY_CATEGORIES if activity.party_member_id else services.FOUR_ONES
    if activity.category not in allowed:
        abort(404)
    if current_user.role not in services.roles_for(activity):
        abort(403)
    _owner_or_403(activity)
    if not services.can_edit(activity, current_user):
        flash(_("该记录已提交或已核实，不能修改。"), "error")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    form = _form(activity.category, activity)
    done = _save(form, activity, activity.category)
    if done is not None:
        return done
    return _render_form(form, activity.category, activity)


@bp.route("/<int:activity_id>/delete", methods=["GET", "POST"])
@roles_required(*services.RECORD_ROLES)
def delete(activity_id: int) -> str | Response:
    """删除草稿: GET asks for confirmation, POST deletes; only a draft that was never submitted."""
    activity = _owner_or_403(get_or_404(Activity, activity_id))
    if request.method == "GET":
        if not services.can_delete(activity, current_user):
            flash(_("只有从未提交过的草稿可以删除；已提交、已核实或退回的记录不能删除。"), "error")
            return redirect(url_for("activities.detail", activity_id=activity.id))
        return render_template("activities/delete.html", activity=activity)
    title = activity.title
    shas, refused = services.delete_draft(activity, current_user, _version())
    error = commit_or_stale(lambda: refused, services.stale())
    if error is not None:
        flash(error, "error")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    services.discard_unused(shas)
    flash(_("已删除草稿“%(title)s”。", title=title), "success")
    return redirect(url_for("activities.index"))


# --- self-report ---------------------------------------------------------------------------------------------

def _own_member() -> Member:
    if not current_user.member_id:
        abort(404)
    return get_or_404(Member, current_user.member_id)


@bp.route("/report")
@bp.route("/report/<category>", methods=["GET", "POST"])
@roles_required(Role.MEMBER)
def report(category: str | None = None) -> str | Response:
    """报告履职情况: a member reports their own work; it goes straight to the office for verification."""
    member = _own_member()
    if category is None:
        return render_template("activities/report.html", categories=services.FOUR_ONES, category=None,
                               member=member, years=services.open_years(),
                               verifier=services.self_report_verifier_text(member))
    cat = _category(category)
    kinds = select_choices([(k.name, k.label or k.name) for k in services.kinds_for(cat, "members")])
    values = {name: services.field_values(cat, name) for name in services.CHOICE_FIELDS}
    own = f"m:{member.id}"
    form = ActivityForm(select_choices([(own, f"{member.name}（{member.code}）")]), kinds, values)
    _extras(form)
    form.amount.label.text = services.amount_label(cat, ("members",))
    form.subject.data = own  # fixed: whatever the post says, a member reports only for themselves
    form.signers.data = ""
    valid = form.validate_on_submit()
    files = _posted_files(form) if request.method == "POST" else []
    refused = services.check_files(files)
    form.files.errors = [] if valid else refused
    if valid:
        activity, errors = services.self_report(member, cat, _entry(form), current_user)
        problems = refused or ([] if errors else services.add_files(activity, current_user, files))
        if problems:
            errors = {**errors, "files": problems}
        if not errors:
            db.session.commit()
            flash(services.self_report_notice(member), "success")
            return redirect(url_for("activities.detail", activity_id=activity.id))
        db.session.rollback()
        services.discard_unused([evidence.digest(data) for _name, data in files])
        _attach(form, errors, services.extra_fields(cat, ("members",)))
    _refused_files(form, files)
    return render_template("activities/report.html", form=form, category=cat, categories=services.FOUR_ONES,
                           member=member, fields=services.declared_fields(cat), years=services.open_years(),
                           extras=services.extra_fields(cat, ("members",)),
                           field_kinds=services.field_kinds(cat), verifier=services.self_report_verifier_text(member),
                           amount_hint=services.amount_hint(cat, ("members",)),
                           amount_labels=services.amount_labels(cat, ("members",)))


@bp.route("/subjects.json")
@roles_required(*services.ENTRY_ROLES)
def subjects() -> Response:
    """In-scope members matching a name or pinyin initials, for the subject picker."""
    found = services.subject_members(request.args.get("q", ""), limit=50)
    return jsonify([{"value": f"m:{m.id}", "label": f"{m.name}（{m.code}）"} for m in found])


@bp.route("/party-members.json")
@roles_required(*services.PARTY_ENTRY_ROLES)
def party_subjects() -> Response:
    """In-scope party members matching a name or pinyin initials, with 正式/预备, for the party picker."""
    found = services.subject_party_members(request.args.get("q", ""), limit=50,
                                        branch_id=request.args.get("branch", 0, type=db_id) or None)
    return jsonify([{"value": f"p:{p.id}", "label": _party_label(p)} for p in found])


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _finish(activity: Activity, step: Callable[[], str | None], done: str) -> Response:
    """Run a state change in the request's one transaction. Someone else's change to the same record in the
    meantime (caught when the step flushes or at the commit) is said in words, never an error page."""
    error = commit_or_stale(step, services.stale())
    if error:
        flash(error, "error")
    else:
        flash(done, "success")
    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/submit", methods=["POST"])
@roles_required(*services.RECORD_ROLES)
def submit(activity_id: int) -> Response:
    activity = _owner_or_403(get_or_404(Activity, activity_id))
    return _finish(activity, lambda: services.submit(activity, current_user, _version()), _("已提交核实。"))


# --- verification --------------------------------------------------------------------------------------------

VERIFIERS = (*services.VERIFY_ROLES, Role.CLERK)  # a clerk: members' own reports, as the office set it


def _queue_filters() -> dict[str, object]:
    """The list's filters, and 无附件: only records without any evidence file."""
    return {**_filters(), "bare": "1" if request.args.get("bare") == "1" else ""}


def _queue_query(filters: dict[str, object]) -> sa.Select[tuple[Activity]]:
    """The submitted records the filters select that the user may verify."""
    filters["state"] = RecordState.SUBMITTED.name
    stmt = _filtered(filters).where(services.verifiable(current_user))
    return stmt.where(~services.has_evidence()) if filters.get("bare") else stmt


@bp.route("/queue")
@roles_required(*VERIFIERS)
def queue() -> str | Response:
    if not services.verifies_any(current_user):
        abort(403)
    if back := remembered():
        return back
    filters = _queue_filters()
    stmt = _queue_query(filters)
    if fmt := export.wanted():
        rows = db.session.scalars(stmt.options(*export.RECORD_LOADS))
        return export.send("records", export.record_rows(rows), fmt, export.export_title(_("待核实记录")))
    pagination = db.paginate(sorted_by(stmt, services.record_sorts(), Activity.id.desc()), **page_args())
    units = db.session.scalars(scoped(Unit).order_by(Unit.kind, Unit.sort_order, Unit.id)).all()
    here = request.full_path.rstrip("?")
    return render_template("activities/queue.html", pagination=pagination, filters=filters, units=units,
                           evidence_counts=services.evidence_counts([a.id for a in pagination.items]),
                           categories=services.FOUR_ONES + services.PARTY_CATEGORIES, reason_form=ReasonForm(),
                           here=here, is_office=current_user.role in services.VERIFY_ROLES,
                           waiting=services.waiting_for_clerks() if current_user.role in services.VERIFY_ROLES else 0,
                           verifier=services.self_report_verifier())


@bp.route("/queue/verify", methods=["POST"])
@roles_required(*VERIFIERS)
def verify_bulk() -> str | Response:
    """核实 the ticked records, or every submitted record the queue's filters select (that the user may verify).

    A first post shows a confirmation page: how many records, and how many of them have no evidence; when some
    have none, the box “我已知道……” must be ticked. The confirmation carries those two numbers: if the selection
    has changed since (a record verified by someone else, a file added), the page is shown again with the new ones.
    """
    filters = _queue_filters()
    stmt = _queue_query(filters)
    scope = "all" if request.form.get("scope") == "all" else "selected"
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit() and 0 < int(i) <= MAX_ID]  # PostgreSQL ints
    if scope != "all":
        stmt = stmt.where(Activity.id.in_(ids))
    kept = {k: v for k, v in filters.items() if v and k != "state"}
    selection = services.bulk_selection(stmt, current_user)
    if not selection.total:
        flash(_("所选记录中没有可以核实的记录。"), "error")
        return redirect(url_for("activities.queue", **kept))
    changed = problem = ""
    if request.form.get("confirm") == "1":
        if request.form.get("expect") != selection.token:
            changed = _("所选记录在此期间有变化，请按下面的新数字再次确认。")
        elif selection.without_evidence and request.form.get("ack") != "1":
            problem = _("请勾选确认：其中 %(n)s 条没有附件。", n=selection.without_evidence)
        else:
            return _verify_selection(stmt, kept)
    return render_template("activities/verify_confirm.html", selection=selection, scope=scope, ids=ids,
                           kept=kept, changed=changed, problem=problem)


def _verify_selection(stmt: sa.Select[tuple[Activity]], kept: dict[str, object]) -> Response:
    count = 0

    def verify_all() -> None:
        nonlocal count
        count = services.verify_many(stmt, current_user)

    error = commit_or_stale(verify_all, services.stale())
    if error:
        flash(error, "error")
    else:
        flash(_("已核实 %(n)s 条记录。", n=count), "success")
    return redirect(url_for("activities.queue", **kept))


def _verifiable_or_403(activity_id: int) -> Activity:
    """A record the user may verify or return.

    :raises 404: a record outside the user's scope. :raises 403: one they see but may not verify.
    """
    activity = get_or_404(Activity, activity_id)
    if not services.may_verify(activity, current_user):
        abort(403)
    return activity


@bp.route("/<int:activity_id>/verify", methods=["POST"])
@roles_required(*VERIFIERS)
def verify(activity_id: int) -> Response:
    activity = _verifiable_or_403(activity_id)
    return _finish(activity, lambda: services.verify(activity, current_user, _version()), _("已核实。"))


@bp.route("/<int:activity_id>/return", methods=["POST"])
@roles_required(*VERIFIERS)
def send_back(activity_id: int) -> Response:
    activity = _verifiable_or_403(activity_id)
    return _finish(activity, lambda: services.send_back(activity, current_user, request.form.get("reason", ""),
                                                     _version()), _("已退回。"))


@bp.route("/<int:activity_id>/reopen", methods=["POST"])
@roles_required(*services.VERIFY_ROLES)
def reopen(activity_id: int) -> Response:
    activity = get_or_404(Activity, activity_id)
    return _finish(activity, lambda: services.reopen(activity, current_user, request.form.get("reason", ""),
                                                  _version()), _("已重新打开，退回录入员修改。"))


@bp.route("/<int:activity_id>/publish", methods=["POST"])
@roles_required(*services.VERIFY_ROLES)
def publish(activity_id: int) -> Response:
    """发布到委员风采 (or 取消发布): the office's choice of verified records for the public page."""
    from app.public import services as public  # here, not at the top: this feature's edit stays in one place

    activity = get_or_404(Activity, activity_id)
    wanted = request.form.get("published") == "1"
    return _finish(activity, lambda: public.set_published(activity, wanted, current_user),
                   _("已发布到委员风采。") if wanted else _("已从委员风采撤下。"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*services.VERIFY_ROLES)
def settings() -> str | Response:
    """自报记录核实: who verifies members' own reports (clerk, office or both); the change is in the audit log."""
    form = VerifierForm(data={"verifier": services.self_report_verifier()})
    if form.validate_on_submit():
        save_settings({services.VERIFIER_SETTING: form.verifier.data}, current_user,
                      defaults={services.VERIFIER_SETTING: services.DEFAULT_VERIFIER}, ip=request.remote_addr or "")
        db.session.commit()
        flash(_("设置已保存"), "success")
        return redirect(url_for("activities.settings"))
    return render_template("activities/settings.html", form=form, waiting=services.waiting_for_clerks())
