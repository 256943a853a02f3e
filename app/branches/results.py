"""Branch 比实绩 half-year results: periods, the rule file's indicators, save, submit, verify, return, reopen.

Flush, never commit. Which indicators exist, their labels, categories and value types come from the branch rule
file (subject: branches) of the period's year: an indicator the file does not declare is never stored. Only a
verified result reaches scoring (app.reviews.facts filters on 已核实).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit, workflow
from app.activities.services import open_years, ruleset_for
from app.auth.scope import scoped
from app.extensions import db
from app.models import BranchIndicator, BranchResult, RecordState, Role, Unit, User
from app.notices import services as notices
from app.timeutil import beijing_today, utcnow

Errors = dict[str, list[str]]
Value = Decimal | str | bool | None  # a number, an enum's choice, a flag that is set, or nothing entered
PERIOD = re.compile(r"^(\d{4})(H[12])$")
HALF_LABELS = {"H1": _l("上半年"), "H2": _l("下半年")}
HALF_STARTS = {"H1": (1, 1), "H2": (7, 1)}
CATEGORY_ORDER = ("党建", "发展", "否决")
EDITABLE = (RecordState.DRAFT, RecordState.RETURNED)
ENTRY_ROLES = (Role.LIAISON, Role.OFFICE, Role.ADMIN)
VERIFY_ROLES = (Role.OFFICE, Role.ADMIN)
PLACES = 4  # BranchIndicator.value keeps four decimal places (ScaledDecimal)
LIMIT = Decimal(10) ** 12  # far above any real count, amount or percentage; keeps the scaled integer in range
FLAG_TEXT = "发生"


class StaleResult(Exception):
    """The result changed since the form was shown: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(_("该比实绩已被他人修改，您的修改未保存。请刷新页面后重新录入。"))


# --- periods ---------------------------------------------------------------------------------------------------

def parse_period(period: str) -> tuple[int, str] | None:
    """("2025", "H1") for "2025H1"; None for anything else."""
    match = PERIOD.match(period)
    return (int(match.group(1)), match.group(2)) if match else None


def period_label(period: str) -> str:
    parsed = parse_period(period)
    if parsed is None:
        return period
    return _("%(year)s年%(half)s", year=parsed[0], half=HALF_LABELS[parsed[1]])


def period_start(period: str) -> dt.date:
    year, half = parse_period(period)  # type: ignore[misc]
    return dt.date(year, *HALF_STARTS[half])


def open_periods() -> list[str]:
    """The half-years of every appraisal year open for recording, newest year first, H1 before H2."""
    return [f"{year}{half}" for year in open_years() for half in HALF_STARTS]


def period_problem(period: str, today: dt.date | None = None) -> str | None:
    """Why a half-year's result cannot be entered now, or None: a closed year, a half not begun, no rule file."""
    parsed = parse_period(period)
    if parsed is None:
        return _("考评周期写法不对。")
    if parsed[0] not in open_years():
        return _("该考评年度未开放录入或已停止录入。")
    if period_start(period) > (today or beijing_today()):
        return _("该半年尚未开始，不能录入。")
    if ruleset_for(parsed[0], "branches") is None:
        return _("本年度没有党支部考评细则，请联系办公室。")
    return None


# --- indicators ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One 比实绩 indicator as the rule file declares it."""

    key: str
    label: str
    category: str
    type: str  # "number" | "integer" | "enum" | "flag" (a kind without fields: 发生 or not)
    values: tuple[str, ...] = ()

    @property
    def may_be_negative(self) -> bool:
        # A growth rate (产值增长) falls below zero in a bad year; counts, amounts and scores never do. The rule
        # file has no sign declaration, so the kind's name decides: only kinds named …增长 take negatives.
        return "增长" in self.key


def indicators(year: int) -> list[Indicator]:
    """The indicators of `year`'s branch rule file, grouped 党建, 发展, 否决 (others last), in file order."""
    ruleset = ruleset_for(year, "branches")
    if ruleset is None:
        return []
    found = []
    for kind in ruleset.kinds.values():
        spec = kind.fields.get("value")
        if kind.fields and spec is None:
            continue  # facts.py hands the engine `value` only: a kind with other fields cannot be entered here
        found.append(Indicator(kind.name, kind.label or kind.name, kind.category,
                               "flag" if spec is None else spec.type, spec.values if spec is not None else ()))
    order = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    return sorted(found, key=lambda ind: order.get(ind.category, len(order)))


def grouped(items: list[Indicator]) -> list[tuple[str, list[Indicator]]]:
    groups: dict[str, list[Indicator]] = {}
    for ind in items:
        groups.setdefault(ind.category, []).append(ind)
    return list(groups.items())


def value_of(ind: Indicator, row: BranchIndicator | None) -> Value:
    """What the form shows for a stored indicator row."""
    if row is None:
        return None
    if ind.type == "flag":
        return True
    if ind.type == "enum":
        return row.choice or None
    if row.value is None:
        return None
    return int(row.value) if ind.type == "integer" else Decimal(f"{row.value.normalize():f}")  # 100, not 1E+2


def text_of(value: Value) -> str | None:
    """How a value reads in the audit log and on the page: 18.5, 和谐, 发生; None when nothing is entered."""
    if value is None or value is False or value == "":
        return None
    if value is True:
        return FLAG_TEXT
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


# --- queries ---------------------------------------------------------------------------------------------------

def find(branch_id: int, period: str) -> BranchResult | None:
    return db.session.scalar(sa.select(BranchResult).where(BranchResult.branch_id == branch_id,
                                                           BranchResult.period == period))


def branch_periods(branch_id: int, today: dt.date | None = None) -> list[tuple[str, BranchResult | None, bool]]:
    """(period, its result or None, whether it has begun) for every open half-year and every stored result."""
    stored = {r.period: r for r in db.session.scalars(sa.select(BranchResult)
                                                      .where(BranchResult.branch_id == branch_id))}
    today = today or beijing_today()
    periods = sorted(set(open_periods()) | set(stored), reverse=True)
    return [(p, stored.get(p), parse_period(p) is not None and period_start(p) <= today) for p in periods]


def result_query(branch_id: int | None = None, period: str = "",
                 state: RecordState | None = None) -> sa.Select[tuple[BranchResult]]:
    """Results in the user's scope, newest half-year first, then in branch order."""
    stmt = scoped(BranchResult).join(Unit, Unit.id == BranchResult.branch_id)
    if branch_id:
        stmt = stmt.where(BranchResult.branch_id == branch_id)
    if period:
        stmt = stmt.where(BranchResult.period == period)
    if state is not None:
        stmt = stmt.where(BranchResult.state == state)
    return stmt.order_by(BranchResult.period.desc(), Unit.sort_order, Unit.id)


# The results list's sortable columns (`?sort=`); `result_query` joins the branch's Unit.
RESULT_SORTS: dict[str, sa.ColumnElement[Any]] = {
    "branch": Unit.name, "period": BranchResult.period, "state": BranchResult.state,
    "submitted": BranchResult.submitted_at, "updated": BranchResult.updated_at}


def state_counts(branch_id: int | None = None, period: str = "") -> dict[RecordState, int]:
    """Results in scope by state, under the same branch and period filters as the list."""
    stmt = result_query(branch_id, period).order_by(None).with_only_columns(BranchResult.state, sa.func.count())
    return dict(db.session.execute(stmt.group_by(BranchResult.state)).all())  # type: ignore[arg-type]


def stored_periods() -> list[str]:
    return list(db.session.scalars(scoped(BranchResult).with_only_columns(BranchResult.period).distinct()
                                   .order_by(BranchResult.period.desc())))


# --- saving ----------------------------------------------------------------------------------------------------

def can_edit(result: BranchResult | None, user: User) -> bool:
    """Liaisons and the office change a result while it is a draft or returned (and not locked)."""
    if user.role not in ENTRY_ROLES:
        return False
    return result is None or (result.state in EDITABLE and not result.locked)


def check_value(ind: Indicator, value: Value, submit: bool) -> str | None:
    if value is None or value == "" or value is False:
        return _("提交前请填写此项。") if submit and ind.type != "flag" else None
    if ind.type == "enum":
        return None if value in ind.values else _("细则没有为“%(kind)s”规定这个取值。", kind=ind.key)
    if ind.type == "flag":
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("请输入数字。")
    if value < 0 and not ind.may_be_negative:
        return _("不能为负数。")
    if abs(value) >= LIMIT:
        return _("数值过大。")
    if ind.type == "integer" and value != value.to_integral_value():
        return _("请输入整数。")
    if value.normalize().as_tuple().exponent < -PLACES:  # type: ignore[operator]
        return _("最多保留 %(n)s 位小数。", n=PLACES)
    return None


def store_value(ind: Indicator, row: BranchIndicator, value: Value) -> None:
    if ind.type == "enum":
        row.value, row.choice = None, str(value)
    elif ind.type == "flag":
        row.value, row.choice = None, ""  # the row itself says 发生
    else:
        row.value, row.choice = Decimal(value), ""  # type: ignore[arg-type]


def save(branch: Unit, period: str, result: BranchResult | None, version: int | None, values: Mapping[str, Value],
         user: User, submit: bool = False, ip: str = "", today: dt.date | None = None
         ) -> tuple[BranchResult | None, Errors]:
    """Store the indicators of one branch and half-year (a new result when `result` is None); submit if asked.

    `values` maps indicator keys to what was entered; an empty value removes the indicator. Errors are keyed by
    indicator key, or "" for the whole form; nothing changes when there are any.
    :raises StaleResult: when `version` is not the result's version (or a result appeared meanwhile).
    """
    if problem := period_problem(period, today):
        return None, {"": [problem]}
    if (result.version if result is not None else None) != version or (
            result is None and find(branch.id, period) is not None):
        raise StaleResult()
    if not can_edit(result, user):
        return None, {"": [_("只有草稿或退回的比实绩可以修改。")]}
    items = indicators(parse_period(period)[0])  # type: ignore[index]
    errors: Errors = {}
    for ind in items:
        if message := check_value(ind, values.get(ind.key), submit):
            errors[ind.key] = [message]
    if errors:
        return None, errors
    is_new = result is None
    if result is None:
        result = BranchResult(branch_id=branch.id, period=period, state=RecordState.DRAFT, created_by_id=user.id)
        db.session.add(result)
    rows = {row.key: row for row in result.indicators}
    changes: dict[str, tuple[str | None, str | None]] = {}
    for ind in items:
        row = rows.get(ind.key)
        value = values.get(ind.key)
        before, after = text_of(value_of(ind, row)), text_of(value)
        if before == after:
            continue
        changes[ind.key] = (before, after)
        if after is None:
            result.indicators.remove(row)  # type: ignore[arg-type]
        else:
            if row is None:
                row = BranchIndicator(key=ind.key)
                result.indicators.append(row)
            store_value(ind, row, value)
    result.updated_at = utcnow()  # always an UPDATE of the result, so its version guards indicator-only edits
    db.session.flush()
    if is_new or changes:
        audit.record(user, "create" if is_new else "update", "branch_result", result.id, changes,
                     reason=f"{branch.name} {period}", ip=ip)
    if submit:
        _change_state(result, user, "submit", RecordState.SUBMITTED, ip=ip)
    return result, {}


# --- state changes ---------------------------------------------------------------------------------------------

def _change_state(result: BranchResult, user: User, action: str, state: RecordState, reason: str = "",
                  ip: str = "") -> None:
    before = workflow.move(result, state, user, reason)
    db.session.flush()
    audit.record(user, action, "branch_result", result.id, {"state": (before, state)}, reason=reason, ip=ip)
    notices.result_moved(result, action, user, lambda: period_label(result.period))


def _check_version(result: BranchResult, version: int | None) -> None:
    if version != result.version:
        raise StaleResult()


def verify(result: BranchResult, version: int | None, user: User, ip: str = "") -> str | None:
    """核实 a submitted result: from now on its indicators count in reviews. The error, or None.

    :raises StaleResult: when `version` is not the result's version.
    """
    _check_version(result, version)
    if result.state != RecordState.SUBMITTED or result.locked:
        return _("只有已提交的比实绩可以核实或退回。")
    _change_state(result, user, "verify", RecordState.VERIFIED, ip=ip)
    return None


def send_back(result: BranchResult, version: int | None, reason: str, user: User, ip: str = "") -> str | None:
    """退回 a submitted result with a reason the liaison reads on the form.

    :raises StaleResult: when `version` is not the result's version.
    """
    reason = reason.strip()
    if not reason:
        return _("请填写退回原因。")
    _check_version(result, version)
    if result.state != RecordState.SUBMITTED or result.locked:
        return _("只有已提交的比实绩可以核实或退回。")
    _change_state(result, user, "return", RecordState.RETURNED, reason, ip=ip)
    return None


def reopen(result: BranchResult, version: int | None, reason: str, user: User, ip: str = "") -> str | None:
    """Send a verified result back to 退回 so the liaison may correct it; it stops counting in reviews.

    :raises StaleResult: when `version` is not the result's version.
    """
    reason = reason.strip()
    if not reason:
        return _("请填写重新打开的原因。")
    _check_version(result, version)
    if result.state != RecordState.VERIFIED:
        return _("只有已核实的比实绩可以重新打开。")
    if result.locked:
        return _("该比实绩已用于定稿的表彰名单，需由系统管理员解锁。")
    _change_state(result, user, "reopen", RecordState.RETURNED, reason, ip=ip)
    return None
