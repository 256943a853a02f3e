"""Coverage forms: an enterprise's figures for a year."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import NumberRange, Optional

from app.coverage.services import MAX_MONEY, MAX_PEOPLE, MONEY_RANGE, PEOPLE_RANGE
from app.forms import ChineseDecimalField, ChineseIntegerField


class FiguresForm(FlaskForm):
    employees = ChineseIntegerField(_l("职工人数"), default=0, validators=[
        Optional(), NumberRange(min=0, max=MAX_PEOPLE, message=PEOPLE_RANGE)])
    party_members = ChineseIntegerField(_l("党员人数"), default=0, validators=[
        Optional(), NumberRange(min=0, max=MAX_PEOPLE, message=PEOPLE_RANGE)])
    output = ChineseDecimalField(_l("产值（万元）"), places=2, validators=[
        Optional(), NumberRange(min=0, max=MAX_MONEY, message=MONEY_RANGE)])
    tax = ChineseDecimalField(_l("税收（万元）"), places=2, validators=[
        Optional(), NumberRange(min=0, max=MAX_MONEY, message=MONEY_RANGE)])
    submit = SubmitField(_l("保存"))
