"""Coverage forms: an enterprise's figures for a year."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import NumberRange, Optional

from app.forms import ChineseDecimalField, ChineseIntegerField

PEOPLE = _l("请输入 0 到 10000000 之间的整数。")
MONEY = _l("请输入 0 到 100000000 之间、至多两位小数的金额。")


class FiguresForm(FlaskForm):
    employees = ChineseIntegerField(_l("职工人数"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=PEOPLE)])
    party_members = ChineseIntegerField(_l("党员人数"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=PEOPLE)])
    output = ChineseDecimalField(_l("产值（万元）"), places=2, validators=[
        Optional(), NumberRange(min=0, max=100_000_000, message=MONEY)])
    tax = ChineseDecimalField(_l("税收（万元）"), places=2, validators=[
        Optional(), NumberRange(min=0, max=100_000_000, message=MONEY)])
    submit = SubmitField(_l("保存"))
