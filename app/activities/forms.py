"""Forms for record entry and verification; choices arrive through the constructor from the rule files."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import ChineseDateField, ChineseDecimalField, ChineseIntegerField, SingleLine, select_choices


class ActivityForm(FlaskForm):
    """One form for the four 一; the template shows the fields of the record's category."""

    subject = SelectField(_l("履职对象"), validate_choice=False,
                          validators=[DataRequired(message=_l("请选择委员或单位。"))])
    kind = SelectField(_l("类型"), validate_choice=False, validators=[DataRequired(message=_l("请选择类型。"))])
    occurred_on = ChineseDateField(_l("日期"), validators=[InputRequired(message=_l("请填写日期。"))])
    title = StringField(_l("标题"), validators=[DataRequired(message=_l("请填写标题。")), Length(max=200), SingleLine()])
    description = TextAreaField(_l("内容摘要"), validators=[Optional(), Length(max=4000)])
    entered_by = SelectField(_l("录入单位"), validate_choice=False)  # a clerk's units; the office has none
    signers = StringField(_l("其他联名委员"), validators=[Optional(), Length(max=400), SingleLine()])
    outcome = SelectField(_l("结果"), validate_choice=False)
    level = SelectField(_l("采用级别"), validate_choice=False)
    instruction_level = SelectField(_l("领导批示级别"), validate_choice=False)
    amount = ChineseDecimalField(_l("金额"), places=None, validators=[Optional()])
    people_helped = ChineseIntegerField(_l("受益人数"), validators=[Optional()])
    counterpart = StringField(_l("对象"), validators=[Optional(), Length(max=120), SingleLine()])
    support = TextAreaField(_l("帮扶内容"), validators=[Optional(), Length(max=4000)])
    pairing = SelectField(_l("结对"), validate_choice=False)  # 联一户: the subject's pairings (none: not shown)
    project = SelectField(_l("引一企项目"), validate_choice=False)  # 引一企: the subject's projects (none: not shown)
    confirm = BooleanField(_l("确认无误"))  # keeps a value outside its plausible range (shown only then)
    files = MultipleFileField(_l("证明材料"))  # checked with the record by `services.check_files`
    version = HiddenField()
    save = SubmitField(_l("保存草稿"))
    send = SubmitField(_l("提交核实"))

    def __init__(self, subjects: list[SelectChoice], kinds: list[SelectChoice],
                 values: dict[str, list[str]], party: bool = False, units: list[SelectChoice] | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.entered_by.choices = units or []  # none: the field is not shown (the office, a member's report)
        self.pairing.choices = []  # the entry forms of 联一户 and 引一企 fill them (app.activities.routes._form)
        self.project.choices = []
        self.extra_values: dict[str, str] = {}            # declared fields (x-<name>): shown again as typed
        self.extra_errors: dict[str, list[str]] = {}
        self.warnings: dict[str, list[str]] = {}          # form key (amount, x-<name>) → why to confirm it
        if party:  # a party member's 比贡献: the subject is a party member, `level` an honour's level
            self.subject.label.text = _l("党员")
            self.subject.validators = [DataRequired(message=_l("请选择党员。"))]
            self.level.label.text = _l("荣誉级别")
        self.subject.choices = select_choices([("", "—")]) + subjects
        self.kind.choices = select_choices([("", "—")]) + kinds
        for name in ("outcome", "level", "instruction_level"):
            getattr(self, name).choices = select_choices([("", "—")] + [(v, v) for v in values.get(name, [])])


class ReasonForm(FlaskForm):
    """退回 or 重新打开: a reason is required."""

    reason = TextAreaField(_l("原因"), validators=[DataRequired(message=_l("请填写原因。")), Length(max=1000)])
    version = HiddenField()


class EvidenceForm(FlaskForm):
    """One evidence file for a record; its type and size are checked by `entry.add_evidence`."""

    file = FileField(_l("证明材料"), validators=[FileRequired(message=_l("请选择要上传的文件。"))])


VERIFIER_CHOICES = select_choices((("clerk", _l("委员所在单位的录入员")), ("office", _l("活动领导小组办公室")),
                                   ("both", _l("录入员或办公室均可"))))


class VerifierForm(FlaskForm):
    """Who verifies members' own reports (the office's setting)."""

    verifier = RadioField(_l("委员自报记录由谁核实"), choices=VERIFIER_CHOICES,
                          validators=[DataRequired(message=_l("请选择。"))])
