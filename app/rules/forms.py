"""Forms of the 评分细则 pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import ChineseIntegerField, enum_choices, select_choices
from app.models import SubjectKind


class UploadForm(FlaskForm):
    """A rule file from the office's computer, kept as a new draft version."""

    file = FileField(_l("细则文件（.yaml）"))
    year = ChineseIntegerField(_l("年度"), validators=[Optional()])
    subject_kind = SelectField(_l("考评对象"), choices=[*select_choices([("", _l("按文件中的 subject 判断"))]),
                                                    *enum_choices(SubjectKind)], validators=[Optional()])
    submit = SubmitField(_l("上传为新版本"))


class EditForm(FlaskForm):
    """The text of a version, edited; saving keeps it as the next version (the one edited stays as it was)."""

    text = TextAreaField(_l("细则内容"), validators=[DataRequired(message=_l("细则内容不能为空"))])
    note = StringField(_l("修改说明"), validators=[Length(max=200)])
    check = SubmitField(_l("检查"))
    save = SubmitField(_l("保存为新版本"))
