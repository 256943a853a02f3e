"""Forms of the administration pages: units, enterprises, users, passwords. Choices arrive through constructors."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp

from app.admin.services import OWNER_PHONE, OWNER_PHONE_TEXT
from app.audit import FIELD_LABELS
from app.auth.policy import ITEMS
from app.forms import ChineseDateField, ChineseIntegerField, SingleLine, enum_choices, select_choices
from app.models import BranchForm, Role, UnitKind

NONE = 0
REQUIRED = _l("请填写此项。")
TOO_LONG = _l("最多 %(max)d 个字符。")


class UnitForm(FlaskForm):
    code = StringField(_l("单位编号"), validators=[
        DataRequired(REQUIRED), Length(max=20, message=TOO_LONG),
        Regexp(r"^[A-Za-z0-9-]+$", message=_l("编号只能包含字母、数字和连字符。"))])
    name = StringField(_l("单位名称"), validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG), SingleLine()])
    kind = SelectField(_l("单位类型"), choices=enum_choices(UnitKind),
                       validators=[DataRequired(_l("请选择单位类型。"))])
    parent_id = SelectField(_l("上级单位"), coerce=int, validate_choice=False)  # checked by the service
    branch_form = SelectField(_l("组建方式"), choices=[*select_choices([("", "—")]), *enum_choices(BranchForm)])
    founded_on = ChineseDateField(_l("组建日期"), validators=[Optional()])
    sort_order = ChineseIntegerField(_l("排序号"), default=0, validators=[
        Optional(), NumberRange(min=0, max=99999, message=_l("请输入 0 到 99999 之间的整数。"))])
    active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))

    def __init__(self, parents: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.parent_id.choices = select_choices([(NONE, _l("—（无上级单位）")), *parents])


class OwnerForm(FlaskForm):
    """企业主 (法定代表人): a page of its own for the liaison and the office, and a section of EnterpriseForm."""

    owner_name = StringField(_l("企业主姓名"), validators=[Optional(), Length(max=40, message=TOO_LONG), SingleLine()])
    owner_title = StringField(_l("企业主职务"), validators=[Optional(), Length(max=40, message=TOO_LONG), SingleLine()])
    owner_phone = StringField(_l("企业主联系电话"), validators=[
        Optional(), Length(max=30, message=TOO_LONG), SingleLine(),
        Regexp(OWNER_PHONE, message=OWNER_PHONE_TEXT)])  # the import checks the same (owner_errors)
    submit = SubmitField(_l("保存"))


class EnterpriseForm(OwnerForm):
    name = StringField(_l("企业名称"), validators=[DataRequired(REQUIRED), Length(max=120, message=TOO_LONG), SingleLine()])
    industry = StringField(_l("所属行业"), validators=[Optional(), Length(max=40, message=TOO_LONG), SingleLine()])
    employees = ChineseIntegerField(_l("职工人数"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("请输入不小于 0 的整数。"))])
    submit = SubmitField(_l("保存"))


class UserForm(FlaskForm):
    """Edit an account; NewUserForm adds the username and the initial password."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=40, message=TOO_LONG),
                                                     SingleLine()])
    role = SelectField(_l("角色"), choices=enum_choices(Role), validators=[DataRequired(_l("请选择角色。"))])
    # the service checks the choices, with messages that say what is wrong
    unit_ids = SelectMultipleField(_l("负责单位"), coerce=int, validate_choice=False)
    member_id = SelectField(_l("对应委员"), coerce=int, validate_choice=False)
    active = BooleanField(_l("启用（可以登录）"), default=True)
    email = StringField(_l("电子邮箱（可不填）"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                        validators=[Optional(), Length(max=120, message=TOO_LONG),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message=_l("请输入正确的电子邮箱，如 zhangsan@example.cn。")), SingleLine()])
    submit = SubmitField(_l("保存"))

    def __init__(self, units: Mapping[str, list[tuple[int, str]]], members: list[tuple[int, str]],
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.unit_ids.choices = [c for group, pairs in units.items() for c in select_choices(pairs, group)]
        self.member_id.choices = select_choices([(NONE, "—"), *members])


class NewUserForm(UserForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(REQUIRED), Length(max=40, message=TOO_LONG),
        Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("用户名只能包含字母、数字和 _ . @ -。")), SingleLine()])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    confirm = PasswordField(_l("再次输入初始密码"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("两次输入的密码不一致。"))])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新的临时密码"), validators=[DataRequired(REQUIRED),
                                                        Length(max=200, message=TOO_LONG)])
    confirm = PasswordField(_l("再次输入"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("两次输入的密码不一致。"))])
    submit = SubmitField(_l("重置密码"))


class AwardSettingsForm(FlaskForm):
    """The award decision's defaults: which body approves the lists, how many days a 公示 lasts."""

    approving_body = SelectField(_l("审定机构(默认)"), choices=select_choices(
        (body, _l(body)) for body in ("常委会议", "主席会议")))
    publicity_days = ChineseIntegerField(_l("公示天数(默认)"), validators=[
        InputRequired(message=_l("请填写公示天数")), NumberRange(min=1, max=60, message=_l("公示天数应在 1 到 60 天之间"))])



def _policy_field(key: str) -> ChineseIntegerField:
    item = ITEMS[key]
    return ChineseIntegerField(FIELD_LABELS[key], validators=[
        InputRequired(REQUIRED),
        NumberRange(min=item.low, max=item.high, message=_l("请输入 %(min)s 到 %(max)s 之间的整数。"))])


class AccountPolicyForm(FlaskForm):
    """The account policy (账号安全策略); the ranges are app.auth.policy.ITEMS'."""

    password_min_length = _policy_field("password_min_length")
    password_min_classes = _policy_field("password_min_classes")
    password_history = _policy_field("password_history")
    password_max_age_days = _policy_field("password_max_age_days")
    login_max_failures = _policy_field("login_max_failures")
    login_lockout_minutes = _policy_field("login_lockout_minutes")
    idle_timeout_minutes = _policy_field("idle_timeout_minutes")
    submit = SubmitField(_l("保存"))
