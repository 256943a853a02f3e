"""Units and plausible ranges of number fields: how a rule file declares them, what the loader refuses, that they
change no score, and which values ask the user to confirm them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from app import kindfields
from app.scoring import RuleError, load_ruleset, score
from app.scoring.types import Record, Subject

RULES = Path(__file__).parents[2] / "scoring_rules"
HEAD = """name: 测试细则
year: 2025
subject: members
periods:
  全年: {from: 01-01, to: 12-31}
"""
BODY = """sections:
  解一难:
    items:
      捐资:
        match: {kind: 捐资助学}
        bands: {field: amount, bands: [{min: 1, points: 10}, {min: 5000, points: 15}, {min: 10000, points: 20}]}
"""


def _rules(amount: str) -> str:
    return HEAD + f"kinds:\n  捐资助学:\n    category: 解一难\n    fields:\n      amount: {amount}\n" + BODY


def test_a_number_field_declares_its_unit_and_plausible_range() -> None:
    rules = load_ruleset(_rules("{type: number, unit: 元, plausible: {min: 100, max: 1000000}}").encode(), "t.yaml")
    amount = rules.kinds["捐资助学"].fields["amount"]
    assert (amount.unit, amount.plausible_min, amount.plausible_max) == ("元", Decimal(100), Decimal(1000000))


@pytest.mark.parametrize(("amount", "message"), [
    ("{type: number, unit: 元, plausible: {min: 10, max: 1}}", "plausible(合理范围)的 min 10 大于 max 1"),
    ("{type: number, plausible: {}}", "至少写 min 或 max"),
    ("{type: number, plausible: {min: -1}}", "不能为负数"),
    ("{type: number, plausible: {mni: 1}}", "是否想写 'min'"),
    ("{type: number, plausible: {min: 一百}}", "应为数字"),
])
def test_a_wrong_plausible_range_is_refused_with_its_place(amount: str, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        load_ruleset(_rules(amount).encode(), "t.yaml")
    assert message in str(caught.value) and "t.yaml:10:" in str(caught.value)


def test_only_number_fields_have_a_plausible_range() -> None:
    text = HEAD + """kinds:
  捐资助学:
    category: 解一难
    fields:
      place: {type: text, plausible: {min: 1}}
"""
    with pytest.raises(RuleError, match="只有数字.*写 plausible"):
        load_ruleset(text.encode(), "t.yaml")


def test_the_shipped_rule_files_declare_the_units_their_notices_mean() -> None:
    members = load_ruleset(RULES / "2025-四个一-委员.yaml")
    units = load_ruleset(RULES / "2025-四个一-单位.yaml")
    party = load_ruleset(RULES / "2025-双比双争-党员.yaml")
    assert members.kinds["引进企业"].fields["amount"].unit == "万元"          # 引一企: 投资额
    assert units.kinds["引进企业"].fields["amount"].unit == "万元"
    for kind in ("捐资助学", "扶贫济困", "修桥补路"):                        # 解一难: 捐款
        assert members.kinds[kind].fields["amount"].unit == "元"
    assert party.kinds["合理化建议"].fields["amount"].unit == "万元"        # 创效
    every = [k for f in sorted(RULES.glob("*.yaml")) for k in load_ruleset(f).kinds.values()]
    assert all(k.fields["amount"].unit for k in every if "amount" in k.fields)


def test_declaring_a_unit_and_a_range_changes_no_score() -> None:
    plain = load_ruleset(_rules("number").encode(), "t.yaml")
    declared = load_ruleset(_rules("{type: number, unit: 元, plausible: {min: 100}}").encode(), "t.yaml")
    subjects = [Subject(7, "张三")]
    records = [Record(i, 7, "捐资助学", dt.date(2025, 3, i), {"amount": Decimal(a)})
               for i, a in enumerate(["2", "5000", "20000"], start=1)]
    before = [c.to_json() for c in score(subjects, records, plain, "全年")]
    after = [c.to_json() for c in score(subjects, records, declared, "全年")]
    assert before == after and before[0]["total"] == "45"


@pytest.mark.parametrize(("declared", "value", "asks"), [
    ("{type: number, unit: 元, plausible: {min: 100}}", "2", "金额 2 元，少于通常的 100 元，请核对单位（本项以“元”计）"),
    ("{type: number, unit: 元, plausible: {min: 100}}", "100", None),
    ("{type: number, unit: 元}", "0.5", "金额 0.5 元，少于通常的 1 元"),          # built in for 元
    ("{type: number, unit: 元}", "2", None),
    ("{type: number, unit: 万元}", "2000000", "金额 2000000 万元，多于通常的 100000 万元"),  # built in for 万元
    ("{type: number, unit: 万元}", "300", None),
    ("number", "0.01", None),                                                   # no unit, no range: never asks
])
def test_which_values_ask_for_confirmation(declared: str, value: str, asks: str | None) -> None:
    spec = load_ruleset(_rules(declared).encode(), "t.yaml").kinds["捐资助学"].fields["amount"]
    found = kindfields.implausible(spec, Decimal(value), "金额")
    assert found == asks if asks is None else asks in (found or "")


def test_a_column_label_carries_the_unit_of_the_kinds_it_serves() -> None:
    members = load_ruleset(RULES / "2025-四个一-委员.yaml")
    enterprise = [members.kinds["引进企业"]]
    relief = [members.kinds[k] for k in ("捐资助学", "扶贫济困", "修桥补路")]
    assert kindfields.column_label("金额", enterprise, "amount") == "金额（万元）"
    assert kindfields.column_label("金额", relief, "amount") == "金额（元）"
    assert kindfields.column_label("金额", enterprise + relief, "amount") == "金额（万元或元，按类型）"
    assert kindfields.units_text(enterprise + relief, "amount") == "引进企业：万元；捐资助学、扶贫济困、修桥补路：元"
