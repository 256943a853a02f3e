"""A kind's declared fields: how a rule file writes them, what the loader refuses, how the engine scores them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app import kindfields
from app.scoring import RuleError, load_ruleset, score
from app.scoring.types import Record, Subject

HEAD = """name: 测试细则
year: 2025
subject: members
periods:
  全年: {from: 01-01, to: 12-31}
"""

TRAINING = HEAD + """kinds:
  技能培训:
    category: 解一难
    fields:
      days: {type: number, label: 培训天数, unit: 天, required: true}
      place: {type: text, label: 培训地点}
      held: {type: date, label: 开班日期}
  书面发言:
    category: 献一智
    fields:
      发言会议: {label: 发言的会议, values: [全体会议, 常委会议, 专题协商会], required: true}
      份数: integer
sections:
  履职:
    items:
      培训:
        label: 技能培训每天 2 分
        match: {kind: 技能培训}
        per: {field: days, each: 1, points: 2, whole: false}
      发言:
        label: 书面发言按会议计分
        match: {kind: 书面发言}
        table: {field: 发言会议, values: {全体会议: 5, 常委会议: 4, 专题协商会: 3}}
"""


def test_a_field_is_declared_with_its_type_label_unit_and_whether_required() -> None:
    rules = load_ruleset(TRAINING.encode(), "训练.yaml")
    days = rules.kinds["技能培训"].fields["days"]
    assert (days.type, days.label, days.unit, days.required) == ("number", "培训天数", "天", True)
    meeting = rules.kinds["书面发言"].fields["发言会议"]
    assert (meeting.type, meeting.values, meeting.required) == ("enum", ("全体会议", "常委会议", "专题协商会"), True)
    assert rules.kinds["书面发言"].fields["份数"].type == "integer"
    assert [f.name for f in kindfields.detail_fields(rules.kinds["技能培训"])] == ["days", "place", "held"]
    assert not rules.kinds["技能培训"].fields["place"].scored and days.scored


def test_points_per_declared_day_and_the_card_names_the_records() -> None:
    rules = load_ruleset(TRAINING.encode(), "训练.yaml")
    records = [Record(1, 7, "技能培训", dt.date(2025, 3, 1), {"days": Decimal("2.5"), "place": "城关镇",
                                                            "held": "2025-03-01"}),
               Record(2, 7, "书面发言", dt.date(2025, 4, 1), {"发言会议": "专题协商会"})]
    card, = score([Subject(7, "张三")], records, rules, "全年")
    assert card.total == Decimal("8.00")
    lines = {line.item: line for line in card.lines}
    assert lines["培训"].points == Decimal("5") and lines["培训"].record_ids == (1,)
    assert lines["发言"].points == Decimal("3")


def test_a_stored_value_goes_to_the_engine_exactly() -> None:
    rules = load_ruleset(TRAINING.encode(), "训练.yaml")
    spec = rules.kinds["技能培训"].fields["days"]
    stored = kindfields.parse(spec, "2.50")
    assert stored == {"d": "2.5"} and kindfields.value(stored) == Decimal("2.5")
    assert kindfields.value(kindfields.parse(spec, "3")) == 3  # whole: an int, as integer fields want
    assert kindfields.parse(rules.kinds["技能培训"].fields["held"], "2025年3月1日") == "2025-03-01"
    for raw, reason in (("两天", "不是数字"), ("-1", "不能为负数"), ("1.23456", "小数位数过多")):
        with pytest.raises(ValueError, match=reason):
            kindfields.parse(spec, raw)
    with pytest.raises(ValueError, match="不是可选的值"):
        kindfields.parse(rules.kinds["书面发言"].fields["发言会议"], "协商会")
    with pytest.raises(ValueError, match="不是整数"):
        kindfields.parse(rules.kinds["书面发言"].fields["份数"], "1.5")
    assert kindfields.parse(spec, "  ") is None


@pytest.mark.parametrize(("fields", "message"), [
    ("days: {type: numbr}", "5:20: 字段 'days' 的 type(类型):'numbr' 不可用"),
    ("days: {label: 天数}", "5:13: 字段 'days' 缺少 type(类型)"),
    ("meeting2: {type: choice}", "5:17: 字段 'meeting2' 是选项(choice),需要 values"),
    ("place: {type: text, unit: 天}", "5:27: 只有数字(number、integer)字段写 unit"),
    ("days: {type: number, required: 是}", "是否必填)应为 true 或 false"),
    ("amount: text", "5:15: 字段 'amount' 是录入系统的固定字段,只能声明为 number、integer"),
    ("outcome: {type: text}", "字段 'outcome' 是录入系统的固定字段,只能声明为 取值列表(choice)"),
    ("1天数: number", "5:7: 类型 '培训' 的字段名 '1天数' 不可用"),
])
def test_a_wrong_declaration_is_reported_at_its_line(fields: str, message: str) -> None:
    text = HEAD + f"kinds:\n  培训:\n    category: 学习\n    fields:\n      {fields}\nsections: {{}}\n"
    text = text.replace(HEAD, "")
    with pytest.raises(RuleError) as raised:
        load_ruleset((text + HEAD).encode(), "错.yaml")
    assert any(message in e for e in raised.value.errors), raised.value.errors


def test_a_text_or_date_field_cannot_be_scored() -> None:
    text = TRAINING.replace("match: {kind: 技能培训}", "match: {kind: 技能培训, place: 城关镇}")
    with pytest.raises(RuleError, match="字段 'place' 是文字,只供录入和查看,不能作为计分条件"):
        load_ruleset(text.encode(), "错.yaml")
    text = TRAINING.replace("per: {field: days,", "per: {field: held,")
    with pytest.raises(RuleError, match="字段 'held' 未在类型 技能培训 中声明为 number 或 integer"):
        load_ruleset(text.encode(), "错.yaml")


def test_the_editor_schema_takes_the_declarations() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import json
    from pathlib import Path

    import yaml

    schema = json.loads((Path(__file__).resolve().parents[2] / "app" / "scoring" / "schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(TRAINING))) == []
    wrong = yaml.safe_load(TRAINING.replace("type: number, label: 培训天数", "type: numbr, label: 培训天数"))
    assert list(validator.iter_errors(wrong))
