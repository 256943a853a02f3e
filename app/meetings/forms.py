"""Meeting forms; organiser choices arrive through the constructor. Attendance marks are read by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import ChineseDateField, ChineseIntegerField, SingleLine, enum_choices, select_choices
from app.meetings.services import TypeView
from app.models import Invitees, MeetingKind, Unit, UnitKind


class MeetingKindField(SelectField):
    """The meeting type, by name; an old code (PLENARY …, as older links and scripts post it) names its type."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data in MeetingKind.__members__:
            self.data = MeetingKind[self.data].value


def kind_label(name: str) -> str:
    """A type's name as shown: a built-in one translated, an added one as the office wrote it."""
    return _l(name) if name in {k.value for k in MeetingKind} else name  # type: ignore[return-value]


class CheckinTimes:
    """The check-in times (开始时间, 结束时间, 迟到宽限) and their one rule: both times or neither, the end after the
    start. Mixed into the create form and the attendance page's 签到时间 form."""

    starts_at = TimeField(_l("开始时间"), validators=[Optional()])
    ends_at = TimeField(_l("结束时间"), validators=[Optional()])
    grace_minutes = ChineseIntegerField(_l("迟到宽限（分钟）"), default=0,
                                        validators=[Optional(), NumberRange(min=0, max=240)])

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[misc]
        start, end = self.starts_at.data, self.ends_at.data
        if (start is None) != (end is None) and not self.starts_at.errors and not self.ends_at.errors:
            (self.ends_at if end is None else self.starts_at).errors.append(
                _l("扫码签到需要同时填写开始和结束时间。"))
            return False
        if start is not None and end is not None and end <= start:
            self.ends_at.errors.append(_l("结束时间应晚于开始时间。"))
            return False
        return bool(ok)


class MeetingForm(CheckinTimes, FlaskForm):
    kind = MeetingKindField(_l("会议类型"), validators=[DataRequired()])
    title = StringField(_l("会议名称"), validators=[DataRequired(message=_l("请填写会议名称。")), Length(max=200), SingleLine()])
    held_on = ChineseDateField(_l("会议日期"), validators=[InputRequired(message=_l("请填写会议日期。"))])
    unit_id = SelectField(_l("组织单位"), coerce=int, validators=[DataRequired(message=_l("请选择组织单位。"))])
    location = StringField(_l("地点"), validators=[Optional(), Length(max=120), SingleLine()])
    submit = SubmitField(_l("创建并录入出席情况"))

    def __init__(self, organisers: list[Unit], kinds: list[TypeView], **kwargs: object) -> None:
        """`organisers`: the units the user may organise for; CPPCC units and branches are grouped when both."""
        super().__init__(**kwargs)
        self.kind.choices = select_choices((k.name, kind_label(k.name)) for k in kinds)
        branches = [(u.id, u.name) for u in organisers if u.kind == UnitKind.BRANCH]
        cppcc = [(u.id, u.name) for u in organisers if u.kind != UnitKind.BRANCH]
        if branches and cppcc:
            self.unit_id.choices = (select_choices([(0, "—")]) + select_choices(cppcc, optgroup=_l("政协组织单位"))
                                    + select_choices(branches, optgroup=_l("党支部（组织生活）")))
        else:
            self.unit_id.choices = select_choices([(0, "—")] + cppcc + branches)


class VersionForm(FlaskForm):
    """CSRF and the meeting version the page was made from (optimistic locking)."""

    version = HiddenField()


class ReturnForm(VersionForm):
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(message=_l("请填写退回原因。")),
                                                   Length(max=1000)])
    submit = SubmitField(_l("退回"))


class CheckinTimesForm(CheckinTimes, VersionForm):
    """签到时间 on the attendance page: set or change a draft meeting's times and grace."""

    submit = SubmitField(_l("保存签到时间"))


def version_of(form: VersionForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


class MeetingTypeForm(FlaskForm):
    """A new meeting type: its name (what rule files score) and whom it invites by default."""

    name = StringField(_l("会议类型名称"), validators=[DataRequired(message=_l("请填写会议类型名称。")), Length(max=40), SingleLine()])
    invitees = SelectField(_l("默认邀请"), choices=select_choices(
        (i.name, _l(i.label)) for i in (Invitees.ORGANISER, Invitees.ALL, Invitees.STANDING)),
        validators=[DataRequired()])
    submit = SubmitField(_l("添加会议类型"))


class MeetingTypeEditForm(FlaskForm):
    """One type's settings, as a row of the types page posts them."""

    name = HiddenField(validators=[DataRequired()])
    invitees = SelectField(_l("默认邀请"), choices=enum_choices(Invitees), validators=[DataRequired()])
    sort_order = ChineseIntegerField(_l("排序号"), validators=[InputRequired(message=_l("请填写排序号。")),
                                                           NumberRange(min=0, max=9999)])
    active = BooleanField(_l("启用"))
    briefing = BooleanField(_l("计入政情通报会"))
