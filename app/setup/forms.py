"""Forms of the set-up pages: the organisation, a 届, an appraisal year, accounts in bulk. Checks that need the
database are the services'; their errors are shown beside the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import ChineseDateField, ChineseIntegerField, SingleLine, select_choices
from app.organisation import FACTS
from app.setup.accounts import KIND_LABELS

TOO_LONG = _l("最多 %(max)d 个字符。")


def _fact(name: str) -> StringField:
    fact = FACTS[name]
    return StringField(fact.label, validators=[Length(max=fact.max_length, message=TOO_LONG)])


class OrganisationForm(FlaskForm):
    full_name = _fact("full_name")
    short_name = _fact("short_name")
    party_committee = _fact("party_committee")
    hr_department = _fact("hr_department")
    public_url = _fact("public_url")


class TermForm(FlaskForm):
    name = StringField(_l("届次名称"), validators=[DataRequired(_l("请填写届次名称，例如 第十届。")),
                                                 Length(max=40, message=TOO_LONG), SingleLine()])
    number = ChineseIntegerField(_l("届次序号"), validators=[Optional()])
    starts_on = ChineseDateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期。"))])
    ends_on = ChineseDateField(_l("结束日期"), validators=[InputRequired(_l("请填写结束日期。"))])


class ConfirmForm(FlaskForm):
    """A change that needs a second look: the box must be ticked."""

    confirm = BooleanField(_l("我已了解上述影响，确认操作"), validators=[DataRequired(_l("请勾选确认。"))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请写明原因。")), Length(max=500, message=TOO_LONG)])


class OpenYearForm(FlaskForm):
    year = ChineseIntegerField(_l("考评年度"), validators=[
        InputRequired(_l("请填写年份，例如 2026。")),
        NumberRange(min=2000, max=2100, message=_l("请填写 2000 到 2100 之间的年份。"))])
    carry = BooleanField(_l("把上一年度施行中的评分细则转入为新年度的草稿（只改年度，启用前可修改）"), default=True)


class TimetableForm(FlaskForm):
    """The year's milestones (app.timetable.MILESTONES), each optional: order and range are the service's checks."""

    entry_opens_on = ChineseDateField(_l("录入开始"), validators=[Optional()])
    entry_closes_on = ChineseDateField(_l("录入截止"), validators=[Optional()])
    half_review_due_on = ChineseDateField(_l("半年小结完成日期"), validators=[Optional()])
    annual_review_due_on = ChineseDateField(_l("全年总结完成日期"), validators=[Optional()])
    recommend_due_on = ChineseDateField(_l("推荐截止"), validators=[Optional()])
    publicity_days = ChineseIntegerField(_l("公示天数"), validators=[Optional()])
    decision_due_on = ChineseDateField(_l("常委会审定日期"), validators=[Optional()])


class AccountsForm(FlaskForm):
    """Which accounts to make: each kind a box (ticked by default)."""

    member = BooleanField(KIND_LABELS["member"], default=True)
    clerk = BooleanField(KIND_LABELS["clerk"], default=True)
    liaison = BooleanField(KIND_LABELS["liaison"], default=True)


class ReissueForm(FlaskForm):
    kind = SelectField(_l("账号类别"), choices=select_choices(KIND_LABELS.items()))
    reason = TextAreaField(_l("原因"), default=_l("通知单未下载或遗失，重新发放"),
                           validators=[DataRequired(_l("请写明原因。")), Length(max=500, message=TOO_LONG)])
    confirm = BooleanField(_l("我知道：这些账号原来的通知单将作废"), validators=[DataRequired(_l("请勾选确认。"))])
