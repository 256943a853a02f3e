"""联一户 register pages: the pairings list (filters, sort, export), a pairing's page with its timeline, the forms
for a pairing, its counterpart and its support and visits, and 报送核实 of an entry as a 联一户 record."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import entries, registers
from app.activities import services as records
from app.auth.decorators import roles_required
from app.auth.scope import get_or_404, part_or_404, scoped
from app.extensions import db
from app.forms import commit_or_attach, select_choices
from app.i18n import cndate
from app.imports import export
from app.listing import remembered, sorted_by
from app.models import Counterpart, CounterpartKind, Pairing, PairingEntry
from app.pairings import services
from app.pairings.forms import CounterpartForm, EntryForm, PairingForm
from app.web import db_id, page_args

bp = Blueprint("pairings", __name__)


@bp.route("/")
@roles_required(*registers.READ_ROLES)
def index() -> str | Response:
    if back := remembered():
        return back
    filters = registers.list_filters("type", CounterpartKind.__members__)
    stmt = services.pairing_query(str(filters["q"]), int(filters["unit"] or 0) or None, str(filters["type"]),
                                  int(filters["year"] or 0) or None, current_user)
    if fmt := export.wanted():
        return export.send("pairings", services.export_rows(db.session.scalars(stmt), current_user), fmt,
                           export.export_title(_("联一户结对登记")))
    pagination = db.paginate(sorted_by(stmt, services.pairing_sorts(), Pairing.id.desc()), **page_args())
    return render_template("pairings/index.html", pagination=pagination, filters=filters,
                           units=registers.filter_units(),
                           types=list(CounterpartKind), years=records.open_years(),
                           counts=services.entry_counts([p.id for p in pagination.items]),
                           can_edit=registers.may_edit(current_user))


def _counterpart_choices() -> list[SelectChoice]:
    found = db.session.scalars(scoped(Counterpart).order_by(Counterpart.kind, Counterpart.name).limit(2000))
    return select_choices([(str(c.id), f"{c.name}（{_(c.kind.label)}）") for c in found])


def _pairing_form(pairing: Pairing | None) -> PairingForm:
    form = PairingForm(registers.subject_choices(current_user), _counterpart_choices(), services.pairing_kinds(),
                       obj=pairing)
    if pairing is not None and request.method == "GET":
        form.subject.data = registers.subject_value(pairing)
        form.counterpart.data = str(pairing.counterpart_id)
    return form


def _counterpart_input(form: CounterpartForm | PairingForm, prefix: str = "") -> services.CounterpartInput:
    """The counterpart's fields of `form`, named `prefix` + field (the pairing form's cp_kind … has no note)."""
    fields = {name: getattr(form, prefix + name, None) for name in services.COUNTERPART_FIELDS}
    return services.CounterpartInput(**{name: field.data or "" for name, field in fields.items() if field is not None})


def _pairing_input(form: PairingForm) -> services.PairingInput:
    return services.PairingInput(subject=form.subject.data or "", counterpart=form.counterpart.data or "",
                                 kind=form.kind.data or "", starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                 note=form.note.data or "", new=_counterpart_input(form, "cp_"))


def _save_pairing(form: PairingForm, pairing: Pairing) -> Response | None:
    if not form.validate_on_submit():
        return None
    errors = services.save_pairing(pairing, _pairing_input(form), current_user)
    if not commit_or_attach(form, errors):
        return None
    flash(_("已保存结对 %(code)s。", code=pairing.code), "success")
    return redirect(url_for("pairings.detail", pairing_id=pairing.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def create() -> str | Response:
    form = _pairing_form(None)
    if request.method == "GET" and request.args.get("subject"):
        form.subject.data = request.args["subject"]
    done = _save_pairing(form, Pairing())
    return done or render_template("pairings/form.html", form=form, pairing=None)


@bp.route("/<int:pairing_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit(pairing_id: int) -> str | Response:
    pairing = get_or_404(Pairing, pairing_id)
    form = _pairing_form(pairing)
    done = _save_pairing(form, pairing)
    return done or render_template("pairings/form.html", form=form, pairing=pairing)


def _detail(pairing: Pairing, entry_form: EntryForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("pairings/detail.html", pairing=pairing, counterpart=pairing.counterpart,
                           phone=services.phone_shown(pairing.counterpart, current_user),
                           events=services.timeline(pairing, current_user), label=services.entry_label,
                           entry_form=entry_form or EntryForm(formdata=None), span=services.span_text(pairing),
                           **registers.page_context(pairing, "pairing", current_user)), status


@bp.route("/<int:pairing_id>")
@roles_required(*registers.READ_ROLES)
def detail(pairing_id: int) -> tuple[str, int]:
    return _detail(get_or_404(Pairing, pairing_id))


@bp.route("/<int:pairing_id>/entries", methods=["POST"])
@roles_required(*registers.EDIT_ROLES)
def add_entry(pairing_id: int) -> tuple[str, int] | Response:
    """登记帮扶或走访: logged against the pairing; 报送核实 makes it a record when the clerk wants it scored."""
    pairing = get_or_404(Pairing, pairing_id)
    form = EntryForm()
    if form.validate_on_submit():
        _entry, errors = services.add_entry(pairing, _entry_input(form), current_user)
        if commit_or_attach(form, errors):
            flash(_("已登记。"), "success")
            return redirect(url_for("pairings.detail", pairing_id=pairing.id, _anchor="timeline"))
    return _detail(pairing, form, 422)


def _entry_or_404(pairing_id: int, entry_id: int) -> tuple[Pairing, PairingEntry]:
    """A pairing in the user's scope and one of its entries.

    :raises 404: outside the scope, or an entry of another pairing.
    """
    pairing = get_or_404(Pairing, pairing_id)
    return pairing, part_or_404(PairingEntry, entry_id, "pairing_id", pairing.id)


def _entry_input(form: EntryForm) -> services.EntryInput:
    return services.EntryInput(kind=form.kind.data or "", occurred_on=form.occurred_on.data,
                               form=form.form.data or "", amount=form.amount.data, content=form.content.data or "")


@bp.route("/<int:pairing_id>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit_entry(pairing_id: int, entry_id: int) -> str | Response:
    """修改 a support or visit entry; the record it was reported as follows, while the records' rules allow."""
    pairing, entry = _entry_or_404(pairing_id, entry_id)
    form = entries.entry_form(EntryForm, entry, "kind")
    return entries.edit_page(
        form, lambda: services.update_entry(entry, _entry_input(form), current_user),
        heading=_("修改帮扶或走访：%(subject)s — %(counterpart)s", subject=pairing.subject_name,
                  counterpart=pairing.counterpart.name),
        back=url_for("pairings.detail", pairing_id=pairing.id, _anchor="timeline"), stale_field="content",
        linked=entry.activity, refused=registers.linked_refusal(entry.activity, current_user),
        hints={"amount": _("资金或物资（折合）的金额，单位元"), "form": _("走访时选择")})


@bp.route("/<int:pairing_id>/entries/<int:entry_id>/delete", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def delete_entry(pairing_id: int, entry_id: int) -> str | Response:
    """删除 a support or visit entry after a confirmation; a record it was reported as goes with it only as a draft
    does (registers.linked_refusal)."""
    pairing, entry = _entry_or_404(pairing_id, entry_id)
    amount = f"{entry.amount.normalize():f}" if entry.amount is not None else ""
    return entries.delete_page(
        lambda: services.delete_entry(entry, current_user), heading=_("删除帮扶或走访"),
        back=url_for("pairings.detail", pairing_id=pairing.id, _anchor="timeline"),
        facts=[(_("结对"), f"{pairing.code} {pairing.subject_name} — {pairing.counterpart.name}"),
               (_("日期"), cndate(entry.occurred_on)), (_("方式"), services.entry_label(entry)),
               (_("金额（元）"), amount), (_("内容"), entry.content)],
        linked=entry.activity, refused=registers.linked_refusal(entry.activity, current_user, deleting=True))


@bp.route("/<int:pairing_id>/entries/<int:entry_id>/record", methods=["POST"])
@roles_required(*registers.EDIT_ROLES)
def report_entry(pairing_id: int, entry_id: int) -> Response:
    """报送核实: one click makes the entry the 联一户 record the office verifies and the rules score."""
    pairing, entry = _entry_or_404(pairing_id, entry_id)
    return registers.reported(lambda unit: services.entry_to_record(entry, current_user, unit),
                              url_for("pairings.detail", pairing_id=pairing.id, _anchor="timeline"))


@bp.route("/counterparts/<int:counterpart_id>/edit", methods=["GET", "POST"])
@roles_required(*registers.EDIT_ROLES)
def edit_counterpart(counterpart_id: int) -> str | Response:
    counterpart = get_or_404(Counterpart, counterpart_id)
    if not services.may_see_phone(current_user, services.counterpart_units(counterpart)):
        abort(403)  # a clerk who sees it through another unit's member reads it, but keeps no one else's phone book
    form = CounterpartForm(obj=counterpart)
    if request.method == "GET":
        form.kind.data = counterpart.kind.name
    back = request.args.get("pairing", 0, type=db_id)
    if form.validate_on_submit():
        errors = services.save_counterpart(counterpart, _counterpart_input(form), current_user)
        if commit_or_attach(form, errors):
            flash(_("已保存对接对象。"), "success")
            pairing = db.session.scalar(scoped(Pairing).where(Pairing.id == back)) if back else None
            return redirect(url_for("pairings.detail", pairing_id=pairing.id) if pairing is not None
                            else url_for("pairings.index"))
    return render_template("pairings/counterpart.html", form=form, counterpart=counterpart, back=back)
