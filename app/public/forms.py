"""The public objection form (公示异议): the published names arrive through the constructor."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import SingleLine, select_choices
from app.public.services import PublicName


class ObjectionForm(FlaskForm):
    candidate = SelectField(_l("异议涉及人员"), coerce=int)
    name = StringField(_l("您的姓名（可不填）"), validators=[Optional(), Length(max=40), SingleLine()])
    contact = StringField(_l("联系方式"), validators=[
        DataRequired(message=_l("请填写联系方式，以便核实。")), Length(max=80), SingleLine()])
    text = TextAreaField(_l("异议内容"), validators=[
        DataRequired(message=_l("请写明异议的具体事实。")), Length(max=4000)])
    submit = SubmitField(_l("提交异议"))

    def __init__(self, names: Sequence[PublicName], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.candidate.choices = select_choices(
            [(0, _l("不针对具体人员"))] + [(n.candidate_id, f"{n.name}（{n.unit}）") for n in names])

    @property
    def candidate_id(self) -> int | None:
        return self.candidate.data or None
