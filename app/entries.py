"""Editing and deleting an entry logged on a page (a pairing's support or visit, a project's stage or 跟踪服务, a
liaison's branch visit): the edit page with errors beside the fields, the confirmation before a delete, the one
transaction, and the evidence files of a record deleted with its entry. The services decide what may change
(app.registers.linked_refusal for an entry reported as a record)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.activities import services as records
from app.forms import attach_errors
from app.models import Activity
from app.web import commit_or_stale

Errors = dict[str, list[str]]
F = TypeVar("F", bound=FlaskForm)


def entry_form(form_class: type[F], row: Any, *choices: str) -> F:
    """The edit form of an entry: on GET filled from `row` (each field named in `choices` holds an enum, its
    member's name); on POST from the request."""
    if request.method != "GET":
        return form_class()
    form = form_class(obj=row)
    for name in choices:
        getattr(form, name).data = getattr(row, name).name
    return form


def edit_page(form: FlaskForm, save: Callable[[], Errors], *, heading: str, back: str, stale_field: str,
              linked: Activity | None = None, refused: str = "", hints: dict[str, str] | None = None
              ) -> str | Response:
    """An entry's edit page: refused (the reason said) back to `back`; a valid post saved by `save` in one
    transaction, then back to `back`; else the form again, each error beside its field (someone else's change to
    the record `linked` in the meantime beside `stale_field`)."""
    if refused:
        flash(refused, "error")
        return redirect(back)
    if form.validate_on_submit():
        errors = commit_or_stale(save, {stale_field: [records.stale()]})
        if not errors:
            flash(_("已保存。") if linked is None else _("已保存，报送的履职记录已随之更新。"), "success")
            return redirect(back)
        attach_errors(form, errors)
    return render_template("registers/entry_edit.html", form=form, heading=heading, back=back, linked=linked,
                           hints=hints or {})


def delete_page(remove: Callable[[], tuple[list[str], str] | None], *, heading: str, back: str,
                facts: Sequence[tuple[str, str]], linked: Activity | None = None, refused: str = ""
                ) -> str | Response:
    """Deleting an entry: refused (the reason said) back to `back`; GET asks for confirmation, showing `facts`
    (label, value); POST runs `remove` (the record's evidence sha256s, the reason it may not go; None when there are
    neither) in one transaction, then discards the files no evidence row uses any more."""
    if refused:
        flash(refused, "error")
        return redirect(back)
    if request.method == "GET":
        return render_template("registers/entry_delete.html", heading=heading, back=back, facts=facts,
                               linked=linked)
    shas: list[str] = []

    def run() -> str:
        found, error = remove() or ([], "")
        shas.extend(found)
        return error
    error = commit_or_stale(run, records.stale())
    if error:
        flash(error, "error")
        return redirect(back)
    records.discard_unused(shas)
    flash(_("已删除。"), "success")
    return redirect(back)
