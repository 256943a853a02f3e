"""Forms of the 引一企 register."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import ChineseDateField, ChineseDecimalField, SingleLine, enum_choices, select_choices
from app.models import ProjectStage


class ProjectForm(FlaskForm):
    subject = SelectField(_l("引进方"), validate_choice=False,
                          validators=[DataRequired(message=_l("请选择委员或单位。"))])
    name = StringField(_l("项目名称"), validators=[Length(max=120), SingleLine()])
    investor = StringField(_l("投资方"), validators=[Optional(), Length(max=120), SingleLine()])
    industry = StringField(_l("服务的产业或重点项目"), validators=[Optional(), Length(max=80), SingleLine()])
    amount = ChineseDecimalField(_l("投资额（万元）"), places=None, validators=[Optional()])
    others = StringField(_l("其他引荐委员"), validators=[Optional(), Length(max=200), SingleLine()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200), SingleLine()])
    submit = SubmitField(_l("保存"))

    def __init__(self, subjects: list[SelectChoice], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.subject.choices = select_choices([("", "—")]) + subjects


class StageEditForm(FlaskForm):
    """A stage reached, corrected: its date and note (the stage itself stays; delete it to take it back)."""

    reached_on = ChineseDateField(_l("达到日期"), validators=[InputRequired(message=_l("请填写日期。"))])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200), SingleLine()])
    submit = SubmitField(_l("保存"))


class StageForm(StageEditForm):
    """A stage reached, logged from the project's page."""

    stage = SelectField(_l("阶段"), validate_choice=False)
    submit = SubmitField(_l("登记阶段"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.stage.choices = select_choices([("", "—")]) + enum_choices(ProjectStage)


class ServiceForm(FlaskForm):
    occurred_on = ChineseDateField(_l("日期"), validators=[InputRequired(message=_l("请填写日期。"))])
    content = TextAreaField(_l("服务内容"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("登记服务"))
