"""Forms of the 联一户 register; choices arrive through the constructor (the user's scope, the rule files)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import ChineseDateField, ChineseDecimalField, SingleLine, enum_choices, select_choices
from app.models import CounterpartKind, SupportKind
from app.pairings.services import VISIT_FORMS


def _kinds() -> list[SelectChoice]:
    return select_choices([("", "—")]) + enum_choices(CounterpartKind)


class CounterpartForm(FlaskForm):
    """对接对象: who is paired with; the phone is shown only to the office and the pairing's units' clerks."""

    kind = SelectField(_l("对接对象类型"), validate_choice=False)
    name = StringField(_l("对接对象名称"), validators=[Length(max=120), SingleLine()])
    place = StringField(_l("所在乡镇、村"), validators=[Optional(), Length(max=120), SingleLine()])
    needs = TextAreaField(_l("需求"), validators=[Optional(), Length(max=2000)])
    contact = StringField(_l("联系人"), validators=[Optional(), Length(max=40), SingleLine()])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30), SingleLine()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200), SingleLine()])
    submit = SubmitField(_l("保存"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.kind.choices = _kinds()


class PairingForm(FlaskForm):
    """结对: a member or a unit with a counterpart (one already registered, or a new one typed here)."""

    subject = SelectField(_l("结对方"), validate_choice=False,
                          validators=[DataRequired(message=_l("请选择委员或单位。"))])
    counterpart = SelectField(_l("对接对象"), validate_choice=False)
    cp_kind = SelectField(_l("对接对象类型"), validate_choice=False)
    cp_name = StringField(_l("对接对象名称"), validators=[Length(max=120), SingleLine()])
    cp_place = StringField(_l("所在乡镇、村"), validators=[Optional(), Length(max=120), SingleLine()])
    cp_needs = TextAreaField(_l("需求"), validators=[Optional(), Length(max=2000)])
    cp_contact = StringField(_l("联系人"), validators=[Optional(), Length(max=40), SingleLine()])
    cp_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30), SingleLine()])
    kind = SelectField(_l("联一户类型"), validate_choice=False, validators=[DataRequired(message=_l("请选择类型。"))])
    starts_on = ChineseDateField(_l("开始日期"), validators=[InputRequired(message=_l("请填写开始日期。"))])
    ends_on = ChineseDateField(_l("结束日期"), validators=[Optional()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200), SingleLine()])
    submit = SubmitField(_l("保存"))

    def __init__(self, subjects: list[SelectChoice], counterparts: list[SelectChoice], kinds: list[str],
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.subject.choices = select_choices([("", "—")]) + subjects
        self.counterpart.choices = select_choices([("new", _l("新建对接对象（在下面填写）"))]) + counterparts
        self.cp_kind.choices = _kinds()
        self.kind.choices = select_choices([("", "—")] + [(k, k) for k in kinds])


class EntryForm(FlaskForm):
    """One support or visit entry logged against a pairing."""

    kind = SelectField(_l("帮扶方式"), validate_choice=False)
    occurred_on = ChineseDateField(_l("日期"), validators=[InputRequired(message=_l("请填写日期。"))])
    form = SelectField(_l("走访形式"), validate_choice=False)
    amount = ChineseDecimalField(_l("金额（元）"), places=None, validators=[Optional()])
    content = TextAreaField(_l("内容"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("登记"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.kind.choices = select_choices([("", "—")]) + enum_choices(SupportKind)
        self.form.choices = select_choices([("", "—")] + [(f, _l(f)) for f in VISIT_FORMS])
