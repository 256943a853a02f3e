"""The member (政协委员) form; unit and term choices arrive through the constructor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, SubmitField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.forms import ChineseDateField, SingleLine, enum_choices, select_choices
from app.models import Gender
from app.spreadsheets.rows import read_month
from app.timeutil import beijing_today

NONE = 0


class MemberForm(FlaskForm):
    code = StringField(_l("委员编号"), validators=[DataRequired(), Length(max=20),
                       Regexp(r"^[A-Za-z0-9-]+$", message=_l("编号只能包含字母、数字和连字符。"))])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=40), SingleLine()])
    gender = SelectField(_l("性别"), choices=enum_choices(Gender), validators=[DataRequired()])
    party = StringField(_l("党派"), validators=[Optional(), Length(max=40), SingleLine()])
    sector_id = SelectField(_l("界别"), coerce=int, validators=[DataRequired(message=_l("请选择界别。"))])
    committee_id = SelectField(_l("专委会"), coerce=int)
    liaison_id = SelectField(_l("乡镇联络处"), coerce=int)
    term_id = SelectField(_l("届"), coerce=int, validators=[DataRequired(message=_l("请选择届次。"))])
    is_standing = BooleanField(_l("常委"))
    employer = StringField(_l("工作单位"), validators=[Optional(), Length(max=120), SingleLine()])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=80), SingleLine()])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30),
                        Regexp(r"^[0-9+\- ]*$", message=_l("电话号码只能包含数字、空格、+ 和 -。")), SingleLine()])
    ethnicity = StringField(_l("民族"), validators=[Optional(), Length(max=20), SingleLine()])
    birth_month = StringField(_l("出生年月"), validators=[Optional(), Length(max=20), SingleLine()])
    joined_on = ChineseDateField(_l("任职日期"), validators=[Optional()])
    left_on = ChineseDateField(_l("离任日期"), validators=[Optional()])
    units_changed_on = ChineseDateField(_l("单位变动日期"), validators=[Optional()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("在职（参加考评）"), default=True)
    submit = SubmitField(_l("保存"))

    def validate_birth_month(self, field: Field) -> None:
        """1968-03, 1968.3, 1968年3月 … kept as 1968-03."""
        if field.data and field.data.strip():
            try:
                field.data = read_month(field.data.strip(), beijing_today())
            except ValueError:
                raise ValidationError(_l("请写作 1968-03 或 1968年3月。")) from None

    def validate_units_changed_on(self, field: Field) -> None:
        if field.data and field.data > beijing_today():
            raise ValidationError(_l("变动日期不能晚于今天。"))
        if field.data and self.joined_on.data and field.data < self.joined_on.data:
            raise ValidationError(_l("变动日期不能早于任职日期。"))

    def validate_left_on(self, field: Field) -> None:
        if field.data and self.joined_on.data and field.data < self.joined_on.data:
            raise ValidationError(_l("离任日期不能早于任职日期。"))

    def __init__(self, sectors: list[tuple[int, str]], committees: list[tuple[int, str]],
                 liaisons: list[tuple[int, str]], terms: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        blank = [(NONE, "—")]
        self.sector_id.choices = select_choices(blank + sectors)
        self.committee_id.choices = select_choices(blank + committees)
        self.liaison_id.choices = select_choices(blank + liaisons)
        self.term_id.choices = select_choices(blank + terms)
