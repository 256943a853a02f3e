"""Meeting forms; organiser choices arrive through the constructor. Attendance marks are read by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import ChineseDateField, select_choices
from app.models import MeetingKind, Unit, UnitKind


class MeetingForm(FlaskForm):
    kind = SelectField(_l("会议类型"), validators=[DataRequired()])
    title = StringField(_l("会议名称"), validators=[DataRequired(message=_l("请填写会议名称。")), Length(max=200)])
    held_on = ChineseDateField(_l("会议日期"), validators=[InputRequired(message=_l("请填写会议日期。"))])
    unit_id = SelectField(_l("组织单位"), coerce=int, validators=[DataRequired(message=_l("请选择组织单位。"))])
    location = StringField(_l("地点"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("创建并录入出席情况"))

    def __init__(self, organisers: list[Unit], kinds: tuple[MeetingKind, ...], **kwargs: object) -> None:
        """`organisers`: the units the user may organise for; CPPCC units and branches are grouped when both."""
        super().__init__(**kwargs)
        self.kind.choices = select_choices((k.name, _l(k.label)) for k in kinds)
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


def version_of(form: VersionForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None
