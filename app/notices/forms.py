"""The 通知 forms: compose (choices arrive from the view) and a member's reply to a meeting notice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.forms import SingleLine, enum_choices, select_choices
from app.models import AnnouncementKind

TARGET_LABELS = {"all": _l("全体委员"), "units": _l("选定单位的委员"), "members": _l("选定的委员"),
                 "meeting": _l("某次会议的参会人员")}


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class ComposeForm(FlaskForm):
    kind = SelectField(_l("通知类型"), choices=enum_choices(AnnouncementKind), validate_choice=False,
                       validators=[DataRequired(message=_l("请选择通知类型。")), AnyOf(
                           [k.name for k in AnnouncementKind if k != AnnouncementKind.WARNING],
                           message=_l("请选择通知类型。"))])
    title = StringField(_l("标题"), validators=[DataRequired(message=_l("请填写标题。")), Length(max=100), SingleLine()])
    body = TextAreaField(_l("正文"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 8})
    target = RadioField(_l("发送对象"), validate_choice=False,
                        validators=[DataRequired(message=_l("请选择发送对象。"))])
    units = SelectMultipleField(_l("单位"), coerce=int, validate_choice=False)
    members = SelectMultipleField(_l("委员"), coerce=int, validate_choice=False)
    meeting = SelectField(_l("会议"), coerce=_int_or_none, validate_choice=False)
    request_token = HiddenField()  # one-time: the confirmed form posted twice sends once

    def __init__(self, targets: tuple[str, ...], units: list, members: list, meetings: list, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.kind.choices = [c for c in enum_choices(AnnouncementKind) if c.value != AnnouncementKind.WARNING.name]
        self.target.choices = select_choices((t, TARGET_LABELS[t]) for t in targets)
        self.units.choices = select_choices((u.id, u.name) for u in units)
        self.members.choices = select_choices((m.id, f"{m.name}（{m.code}）") for m in members)
        self.meeting.choices = select_choices([("", _l("（不关联会议）"))] + [
            (m.id, f"{m.held_on.isoformat()} {m.title}") for m in meetings])


class ReplyForm(FlaskForm):
    reason = TextAreaField(_l("请假原因"), validators=[Optional()], render_kw={"rows": 3, "maxlength": 200})


class RemindForm(FlaskForm):
    request_token = HiddenField()
