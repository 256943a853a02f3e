"""Print settings, printer profiles, reward amounts, certificate revocation and the 表彰决定's text: each error beside
its field."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from app.forms import ChineseDecimalField, SingleLine


class SettingsForm(FlaskForm):
    """The print-only settings; the organisation's names and public address are set on the organisation page."""

    issuer_cppcc = StringField(_l("“四个一”文件落款"), validators=[Length(max=120), SingleLine()])
    issuer_party = StringField(_l("“双比双争”文件落款"), validators=[Length(max=120), SingleLine()])
    publicity_contact = TextAreaField(_l("公示通知中的联系方式（每行一项）"), validators=[Length(max=1000)])


class PrinterForm(FlaskForm):
    name = StringField(_l("打印机名称"), validators=[DataRequired(message=_l("请填写打印机名称")), Length(max=60), SingleLine()])
    dx_mm = ChineseDecimalField(_l("水平偏移（毫米，向右为正）"), places=2, default=Decimal(0), validators=[
        NumberRange(min=-50, max=50, message=_l("偏移应在 -50 到 50 毫米之间"))])
    dy_mm = ChineseDecimalField(_l("垂直偏移（毫米，向上为正）"), places=2, default=Decimal(0), validators=[
        NumberRange(min=-50, max=50, message=_l("偏移应在 -50 到 50 毫米之间"))])
    scale = ChineseDecimalField(_l("缩放比例"), places=4, default=Decimal(1), validators=[
        NumberRange(min=Decimal("0.8"), max=Decimal("1.2"), message=_l("缩放比例应在 0.8 到 1.2 之间"))])
    note = StringField(_l("备注"), validators=[Length(max=200)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销理由"), validators=[DataRequired(message=_l("请写明撤销理由")), Length(max=1000)])


class DecisionTextForm(FlaskForm):
    """The 表彰决定's own words: 主送 on one line, the body one paragraph a line, the closing paragraph."""

    addressees = StringField(_l("主送"), validators=[DataRequired(message=_l("请填写主送机关")), Length(max=200),
                                                   SingleLine()])
    body = TextAreaField(_l("正文（每行一段）"), validators=[DataRequired(message=_l("请填写决定正文")),
                                                         Length(max=6000)])
    closing = TextAreaField(_l("结束语（号召）"), validators=[Length(max=2000)])
