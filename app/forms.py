"""Helpers shared by the feature forms: choices and fields that speak Chinese."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, Field, IntegerField, SelectChoice
from wtforms.validators import ValidationError

from app.extensions import db
from app.models.enums import LabelledEnum
from app.names import has_control_characters


def select_choices(pairs: Iterable[tuple[object, object]], optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (plain tuples are deprecated there); labels may be lazy."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]  # type: ignore[arg-type]


def enum_choices(enum_cls: type[LabelledEnum]) -> list[SelectChoice]:
    """An enum's members as choices: the name is the value, the Chinese label is translated when shown."""
    return select_choices((member.name, _l(member.label)) for member in enum_cls)


class SingleLine:
    """Refuse a line break or another control character in a one-line field: a name, a title (app.names)."""

    def __call__(self, form: object, field: Field) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(str(_l("不能包含换行或控制字符。")))


class ActionForm(FlaskForm):
    """A button that changes something (submit, start the review, print for issue): its CSRF token only."""


class ChineseIntegerField(IntegerField):
    """An IntegerField whose parse error reads in Chinese."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("请输入整数。"))) from None


def attach_errors(form: object, errors: dict[str, list[str]]) -> None:
    """Show a service's errors beside the fields they name."""
    for name, messages in errors.items():
        getattr(form, name).errors.extend(messages)


def commit_or_attach(form: object, errors: dict[str, list[str]]) -> bool:
    """The view's one commit: True when the service found nothing wrong; else roll back and show its errors."""
    if errors:
        db.session.rollback()
        attach_errors(form, errors)
        return False
    db.session.commit()
    return True


class ChineseDateField(DateField):
    """A DateField whose parse error reads in Chinese."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("请输入有效日期，如 2025-03-01。"))) from None


class ChineseDecimalField(DecimalField):
    """A DecimalField whose parse error reads in Chinese; NaN and Infinity are not numbers here (a signalling NaN
    would crash NumberRange, and none can be stored)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
            if self.data is not None and not self.data.is_finite():
                raise ValueError("not finite")
        except ValueError:
            self.data = None
            raise ValueError(str(_l("请输入数字。"))) from None
