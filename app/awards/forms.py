"""The award decision's forms: every field's error beside it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import ChineseDateField, ChineseIntegerField, SingleLine, select_choices

# 党委会议: the 镇党委 decides the “双比双争” lists
BODY_LABELS = {"常委会议": _l("常委会议"), "主席会议": _l("主席会议"), "党委会议": _l("党委会议")}
APPROVING_BODIES = tuple(BODY_LABELS)


class RecommendForm(FlaskForm):
    subject_id = HiddenField(validators=[DataRequired()])
    deeds = TextAreaField(_l("事迹"), validators=[Length(max=2000)])


class DeedsForm(FlaskForm):
    deeds = TextAreaField(_l("事迹"), validators=[Length(max=2000)])


class ConclusionForm(FlaskForm):
    conclusion = TextAreaField(_l("领导小组考核结论"), validators=[Length(max=2000)])


class ApproveForm(FlaskForm):
    body = SelectField(_l("审定机构"), choices=select_choices(BODY_LABELS.items()))
    meeting_name = StringField(_l("会议名称"), validators=[DataRequired(message=_l("请填写会议名称")), Length(max=120),
                                                       SingleLine()])
    decided_on = ChineseDateField(_l("审定日期"), validators=[DataRequired(message=_l("请填写审定日期"))])
    document_number = StringField(_l("文号"), validators=[DataRequired(message=_l("请填写文号")), Length(max=60),
                                                        SingleLine()])


class PublishForm(FlaskForm):
    starts_on = ChineseDateField(_l("公示开始日期"), validators=[DataRequired(message=_l("请填写公示开始日期"))])
    days = ChineseIntegerField(_l("公示天数"), default=7,
                               validators=[InputRequired(message=_l("请填写公示天数")),
                                           NumberRange(min=1, max=60, message=_l("公示天数应在 1 到 60 天之间"))])


class HandleForm(FlaskForm):
    outcome = SelectField(_l("处理结果"), choices=select_choices([("DISMISSED", _l("异议不成立")),
                                                              ("UPHELD", _l("异议成立"))]))
    response = TextAreaField(_l("处理意见"), validators=[DataRequired(message=_l("请写明处理意见")), Length(max=2000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("重新打开的理由"), validators=[DataRequired(message=_l("请写明理由")), Length(max=1000)])


class OptionalReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=1000)])
