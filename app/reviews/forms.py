"""The form that runs a review: a rule file and one of its periods; the view checks the pair against the file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired


class RunReviewForm(FlaskForm):
    """Choices arrive through the constructor (from the rule files on disk), as the other forms do."""

    rule_file = SelectField(_l("评分细则"), validate_choice=False,
                            validators=[DataRequired(message=_l("请选择评分细则。"))])
    period = SelectField(_l("考评周期"), validate_choice=False,
                         validators=[DataRequired(message=_l("请选择考评周期。"))])
    submit = SubmitField(_l("运行考评"))
    request_token = HiddenField()  # one-time: this form posted twice (a double click) runs one review
    confirmed = HiddenField()  # "1": the office saw what is still pending in the period and runs it anyway

    def __init__(self, rule_files: list[SelectChoice], periods: list[SelectChoice], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.rule_file.choices = rule_files
        self.period.choices = periods
