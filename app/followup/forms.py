"""The case page's three forms: a 谈话提醒, a 沟通 with a county party department, a decision. Checks that need the
case (dates against the 通报, a closed case) are the service's."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms import ChineseDateField, SingleLine, enum_choices, select_choices
from app.models import FollowupDecision


class TalkForm(FlaskForm):
    occurred_on = ChineseDateField(_l("谈话日期"), validators=[Optional()])
    talker_id = SelectField(_l("谈话人（账号）"), coerce=int, default=0)
    talker = StringField(_l("谈话人（其他）"), validators=[Optional(), Length(max=80), SingleLine()])
    content = TextAreaField(_l("谈话内容和约定事项"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录谈话提醒"))

    def __init__(self, talkers: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.talker_id.choices = select_choices([(0, "—"), *talkers])


class ConsultForm(FlaskForm):
    occurred_on = ChineseDateField(_l("沟通日期"), validators=[Optional()])
    department = StringField(_l("沟通部门"), validators=[Optional(), Length(max=80), SingleLine()],
                             render_kw={"placeholder": _l("如：县委组织部、县委统战部")})
    content = TextAreaField(_l("沟通内容"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录沟通情况"))


class DecisionForm(FlaskForm):
    occurred_on = ChineseDateField(_l("决定日期"), validators=[Optional()])
    decision = SelectField(_l("处理决定"), choices=select_choices([("", "—")]) + enum_choices(FollowupDecision))
    due_on = ChineseDateField(_l("整改或观察期限"), validators=[Optional()])
    content = TextAreaField(_l("决定内容"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录处理决定"))
