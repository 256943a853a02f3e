"""The 四联系 forms: an assignment (which ends it needs depends on its kind) and its dates, a contact with a member,
a 专委会's contact with a 界别 or 联络处, and a member's contact with the masses. Checks that need the database (a
常委, a unit of the right kind, overlapping dates, the user's scope, so also which member or unit was chosen) are the
services', which say what is wrong in the office's words."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import ChineseDateField, SingleLine, enum_choices, select_choices
from app.models import ContactForm, ContactLinkKind, Member, Unit

NOBODY = (0, "—")


def _people(members: list[Member]) -> list[tuple[int, str]]:
    return [NOBODY, *((m.id, f"{m.code} {m.name}") for m in members)]


def _units(units: list[Unit]) -> list[tuple[int, str]]:
    return [NOBODY, *((u.id, u.name) for u in units)]


class LinkDatesForm(FlaskForm):
    starts_on = ChineseDateField(_l("开始日期"), validators=[Optional()])  # the service says it is missing
    ends_on = ChineseDateField(_l("结束日期"), validators=[Optional()])
    submit = SubmitField(_l("保存"))


class LinkForm(LinkDatesForm):
    kind = SelectField(_l("联系类型"), choices=enum_choices(ContactLinkKind), validators=[DataRequired()])
    leader = StringField(_l("县政协领导"), validators=[Optional(), Length(max=40), SingleLine()])
    from_member_id = SelectField(_l("联系委员的常委"), coerce=int, default=0, validate_choice=False)
    to_member_id = SelectField(_l("被联系的常委或委员"), coerce=int, default=0, validate_choice=False)
    from_unit_id = SelectField(_l("专委会"), coerce=int, default=0, validate_choice=False)
    to_unit_id = SelectField(_l("被联系的界别或联络处"), coerce=int, default=0, validate_choice=False)
    submit = SubmitField(_l("添加分工"))

    def __init__(self, standing: list[Member], members: list[Member], committees: list[Unit], targets: list[Unit],
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.from_member_id.choices = select_choices(_people(standing))
        self.to_member_id.choices = select_choices(_people(members))
        self.from_unit_id.choices = select_choices(_units(committees))
        self.to_unit_id.choices = select_choices(_units(targets))


class ContactEntryForm(FlaskForm):
    occurred_on = ChineseDateField(_l("联系日期"), validators=[Optional()])
    form = SelectField(_l("联系方式"), choices=enum_choices(ContactForm), validators=[DataRequired()])
    member_id = SelectField(_l("被联系的委员"), coerce=int, default=0, validate_choice=False)
    by_member_id = SelectField(_l("联系人（常委或委员）"), coerce=int, default=0, validate_choice=False)
    by_leader = StringField(_l("或联系的县政协领导"), validators=[Optional(), Length(max=40), SingleLine()])
    content = TextAreaField(_l("联系内容"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录联系"))

    def __init__(self, members: list[Member], **kwargs: object) -> None:
        """`members` at both ends: the contacted and who contacted them."""
        super().__init__(**kwargs)
        self.member_id.choices = self.by_member_id.choices = select_choices(_people(members))


class OwnContactForm(FlaskForm):
    """A 常委's own contact with a member assigned to them."""

    occurred_on = ChineseDateField(_l("联系日期"), validators=[Optional()])
    form = SelectField(_l("联系方式"), choices=enum_choices(ContactForm), validators=[DataRequired()])
    member_id = SelectField(_l("联系的委员"), coerce=int, default=0, validate_choice=False)
    content = TextAreaField(_l("联系内容"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录联系"))

    def __init__(self, members: list[Member], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.member_id.choices = select_choices(_people(members))


class UnitContactForm(FlaskForm):
    """专委会联系界别和联络处: one contact."""

    occurred_on = ChineseDateField(_l("联系日期"), validators=[Optional()])
    form = SelectField(_l("联系方式"), choices=enum_choices(ContactForm), validators=[DataRequired()])
    by_unit_id = SelectField(_l("专委会"), coerce=int, default=0, validate_choice=False)
    unit_id = SelectField(_l("被联系的界别或联络处"), coerce=int, default=0, validate_choice=False)
    content = TextAreaField(_l("联系内容"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录专委会联系"))

    def __init__(self, committees: list[Unit], targets: list[Unit], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.by_unit_id.choices = select_choices(_units(committees))
        self.unit_id.choices = select_choices(_units(targets))


class MassContactForm(FlaskForm):
    """委员联系界别群众: one contact (a member's own form has no choice of member)."""

    occurred_on = ChineseDateField(_l("联系日期"), validators=[Optional()])
    form = SelectField(_l("联系方式"), choices=enum_choices(ContactForm), validators=[DataRequired()])
    member_id = SelectField(_l("委员"), coerce=int, default=0, validate_choice=False)
    people = StringField(_l("联系的群众"), validators=[DataRequired(_l("请填写联系的群众（个人或群体）。")), Length(max=120),
                                                  SingleLine()])
    sector_id = SelectField(_l("群众所属界别"), coerce=int, default=0, validate_choice=False)
    content = TextAreaField(_l("联系内容"), validators=[Length(max=2000)])
    issues = TextAreaField(_l("反映的问题"), validators=[Length(max=2000)])
    submit = SubmitField(_l("记录联系群众"))

    def __init__(self, members: list[Member], sectors: list[Unit], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.member_id.choices = select_choices(_people(members))
        self.sector_id.choices = select_choices([(0, _l("与委员的界别相同")), *((u.id, u.name) for u in sectors)])
