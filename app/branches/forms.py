"""Branch forms: the 比实绩 form is built from the rule file's indicators; reasons for 退回 and 重新打开."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.branches.results import Indicator, Value
from app.forms import (ChineseDateField, ChineseDecimalField, ChineseIntegerField, SingleLine, enum_choices,
                       select_choices)
from app.models import VisitForm


class VersionForm(FlaskForm):
    """CSRF and the result version the page was made from (optimistic locking)."""

    version = HiddenField()


class ReasonForm(VersionForm):
    reason = TextAreaField(_l("原因"), validators=[Length(max=1000)])  # the service asks for one when it is missing


def _field(ind: Indicator) -> Field:
    if ind.type == "number":
        return ChineseDecimalField(ind.label, places=None, validators=[Optional()])  # shown as stored: 4 places
    if ind.type == "integer":
        return ChineseIntegerField(ind.label, validators=[Optional()])
    if ind.type == "enum":
        return SelectField(ind.label, choices=select_choices([("", "—")] + [(v, v) for v in ind.values]),
                           validators=[Optional()])
    return BooleanField(_l("发生"))


def indicator_form(items: list[Indicator]) -> type[VersionForm]:
    """A form class with one field per indicator, named by the indicator's key (the rule file's kind)."""
    attrs = {ind.key: _field(ind) for ind in items}
    return type("IndicatorForm", (VersionForm,), attrs)


def values_of(form: VersionForm, items: list[Indicator]) -> dict[str, Value]:
    """What the form holds, as the service takes it: Decimals for numbers, the choice, True for a set flag."""
    values: dict[str, Value] = {}
    for ind in items:
        data = form[ind.key].data
        if ind.type == "integer" and data is not None:
            data = Decimal(data)
        values[ind.key] = None if data is False or data == "" else data  # not `in`: Decimal(0) == False
    return values


def version_of(form: VersionForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


class VisitEntryForm(FlaskForm):
    """A 党建工作联络员's visit to or guidance of a branch."""

    visited_on = ChineseDateField(_l("走访日期"), validators=[InputRequired(_l("请填写走访日期。"))])
    form = SelectField(_l("方式"), choices=enum_choices(VisitForm), validators=[DataRequired(_l("请选择方式。"))])
    content = TextAreaField(_l("内容"), validators=[DataRequired(_l("请填写走访或指导的内容。")),
                                                   Length(max=2000, message=_l("至多 2000 字。"))])
    visitor = StringField(_l("联络员"), validators=[DataRequired(_l("请填写联络员姓名。")),
                                                 Length(max=40, message=_l("至多 40 字。")), SingleLine()])
    submit = SubmitField(_l("保存"))
