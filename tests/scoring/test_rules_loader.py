"""The strict loader: every mistake reported as file:line:col: 中文, all of them at once; shipped files load."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from scoring_testkit import KINDS, PERIODS, RULES_DIR, rules

from app.scoring import RuleError, load_dir, load_ruleset

SHIPPED = sorted(RULES_DIR.glob("*.yaml"))
_S = "sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\n"
POSITIONED = re.compile(r"^测试\.yaml:\d+:\d+: \S")


def errors_of(text: str) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_ruleset(text.encode("utf-8"), "测试.yaml")
    assert all(POSITIONED.match(e) for e in info.value.errors), info.value.errors
    return info.value.errors


def body_errors(body: str, **kw: str) -> list[str]:
    with pytest.raises(RuleError) as info:
        rules(body, **kw)
    assert all(POSITIONED.match(e) for e in info.value.errors), info.value.errors
    return info.value.errors


def line_of(errors: list[str], needle: str) -> tuple[int, int]:
    hit = next(e for e in errors if needle in e)
    _, line, col, _ = hit.split(":", 3)
    return int(line), int(col)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_loads(path: Path) -> None:
    ruleset = load_ruleset(path)
    assert ruleset.sections and ruleset.periods and ruleset.source == path.read_bytes()


def test_load_dir_loads_them_all() -> None:
    assert set(load_dir(RULES_DIR)) == {p.name for p in SHIPPED}


def test_shipped_files_cover_every_subject_kind() -> None:
    assert {load_ruleset(p).subject for p in SHIPPED} == {"members", "units", "branches", "party-members"}


def test_duplicate_keys_point_at_the_second() -> None:
    errors = body_errors("""
    sections:
      S:
        items:
          a: {match: {kind: 提案}, points: 1}
          a: {match: {kind: 提案}, points: 2}
    """)
    assert any("重复的键 'a'" in e for e in errors)


def test_unknown_keys_suggest_the_right_one() -> None:
    errors = body_errors("""
    sections:
      S:
        cpa: 20
        items:
          a: {match: {kind: 提案}, piont: 1}
    """)
    assert any("未知的键 'cpa',是否想写 'cap'" in e for e in errors)
    assert any("'piont'" in e and "'points'" in e for e in errors)


def test_all_errors_not_only_the_first_with_exact_positions() -> None:
    text = ("name: x\nyear: 2025\nsubject: members\n" + KINDS + PERIODS +
            "sections:\n"
            "  S:\n"
            "    items:\n"
            "      a: {match: {kind: 提按}, points: 1}\n"
            "      b: {match: {kind: 提案, outcome: 立按}, points: 1}\n"
            "      c: {match: {kind: 提案}, points: 二十}\n"
            "      d: {match: {kind: 结对困难户}, points: 1.1234567}\n")
    errors = errors_of(text)
    assert len(errors) == 4
    lines = text.splitlines()

    def where(token: str) -> tuple[int, int]:
        row = next(i for i, line in enumerate(lines) if token in line)
        return row + 1, lines[row].index(token) + 1

    assert line_of(errors, "提按") == where("提按")
    assert line_of(errors, "立按") == where("立按")
    assert line_of(errors, "二十") == where("二十")
    assert line_of(errors, "位数过多") == where("1.1234567")
    assert "是否想写 '提案'" in errors[0]


@pytest.mark.parametrize(("body", "needle"), [
    (("sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\ngrades: [{name: A, min: 60}, {name: B, min: 90}, "
     "{name: C}]\n"), "从高到低"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\ngrades: [{name: A, min: 60}]\n", "不应写 min"),
    ("sections: {S: {cap: 5, floor: 10, items: {a: {match: {kind: 提案}, points: 1}}}}\n", "不可能"),
    (("sections: {S: {items: {a: {match: {kind: 引进企业}, bands: {field: amount, bands: [{min: 10, points: 1}, "
     "{min: 5, points: 2}]}}}}}\n"), "从小到大"),
    ("sections: {S: {items: {a: {match: {kind: 引进企业, amount: {min: 10, max: 5}}, points: 1}}}}\n", "min 大于 max"),
    (("sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\ngrades: [{name: A, min: 9, max_share: "
     "{share: 3/2}}, {name: B}]\n"), "比例应在"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 1, from_nth: 0}}}}\n", "不能小于 1"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 1, table: {field: outcome, values: {立案: 1}}}}}}\n",
     "只能有一种"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, ladder: {field: outcome, steps: {立案: 5, 提交: 2}}}}}}\n",
     "声明顺序"),
    ("sections: {S: {items: {a: {match: {kind: 结对困难户}, points: 1, when: {standing: yes}}}}}\n", "true 或 false"),
    ("sections: {S: {items: {a: {match: {kind: 结对困难户}, points: 1, when: {常委: true}}}}}\n", "未知的键"),
    ("sections: {S: {items: {a: {match: {category: 献二智}, points: 1}}}}\n", "没有任何记录类型属于类别"),
    ("sections: {S: {items: {a: {match: {kind: 结对困难户, level: 市}, points: 1}}}}\n", "未在类型"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: .inf}}}}\n", "应为数字"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 1e3}}}}\n", "应为数字"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 12345678901}}}}\n", "位数过多"),
    ("sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\ntie_break: [{section: 不存在}]\n", "没有名为"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, levels: [{{min_count: 2, label: 甲}}, {{min_count: 1, label: 乙}}]}}}}\n",
     "从小到大"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, levels: [{{min_count: 1, label: 甲}}, {{min_count: 2, label: 甲}}]}}}}\n",
     "重复"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, min_count: 2, levels: [{{min_count: 1, label: 甲}}]}}}}\n",
     "min_count 请写在每一级里"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, effect: {{eligible: false}}, levels: [{{min_count: 1, label: 甲}}]}}}}\n",
     "effect 请写在每一级里"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, levels: []}}}}\n", "至少要有一级"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, levels: [{{min_count: 0, label: 甲}}]}}}}\n", "不能小于 1"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, levels: [{{min_count: 1}}]}}}}\n", "缺少必填的键 'label'"),
    (f"{_S}triggers: {{t: {{below: 60, window: term}}}}\n", "只用于 match"),
    (f"{_S}triggers: {{t: {{match: {{kind: 违纪}}, window: 本届}}}}\n", "period / input / term"),
    (f"{_S}gates: {{g: {{window: input, requires: [{{match: {{kind: 违纪}}, max_count: 0}}], effect: {{}}}}}}\n",
     "period / term / half"),
    (f"{_S}vetoes: {{v: {{match: {{kind: 违纪}}, window: half}}}}\n", "period / term"),  # a veto: once is once
])
def test_impossible_or_wrong_rules_are_errors(body: str, needle: str) -> None:
    errors = body_errors(body)
    assert any(needle in e for e in errors), errors


@pytest.mark.parametrize(("periods", "needle"), [
    ("periods:\n  H1: {from: 07-01, to: 06-30}\n", "早于"),
    ("periods:\n  H1: {from: 01-01, to: 02-30}\n", "月-日"),
    ("periods:\n  H1: {from: 01-01, to: 06-30}\n  Y: {combine: weighted, parts: {H1: 0.5}}\n", "权重之和"),
    ("periods:\n  Y: {combine: mean, parts: [Q1]}\n", "不是一个有起止日期的周期"),
])
def test_period_errors(periods: str, needle: str) -> None:
    errors = body_errors("sections: {S: {items: {a: {match: {kind: 提案}, points: 1}}}}\n", periods=periods)
    assert any(needle in e for e in errors), errors


@pytest.mark.parametrize(("text", "needle"), [
    (b"", "文件为空"),
    (b"a: &x 1\nb: *x\n", "锚点"),
    (b"a: *x\n", "别名"),
    (b"!!python/object/apply:os.system [echo hi]\n", "不支持的标签"),
    (b"name: !custom x\n", "不支持的标签"),
    (b"\xff\xfe\x00", "UTF-8"),
    (b"a: [1, 2\n", "YAML 格式错误"),
    (b"- a\n- b\n", "键值映射"),
    (b"[" * 5000, ""),
    (b"a: 1\n---\nb: 2\n", "YAML 格式错误"),
])
def test_hostile_or_broken_files(text: bytes, needle: str) -> None:
    with pytest.raises(RuleError) as info:
        load_ruleset(text, "测试.yaml")
    assert all(POSITIONED.match(e) for e in info.value.errors)
    assert any(needle in e for e in info.value.errors)


def test_yaml_floats_are_read_from_their_text() -> None:
    ruleset = rules("sections: {S: {items: {a: {match: {kind: 提案}, points: 0.1}}}}\n")
    assert str(ruleset.sections[0].items[0].source.points) == "0.1"  # type: ignore[union-attr]


def test_missing_file() -> None:
    with pytest.raises(RuleError, match=r"没有.yaml:1:1: 无法读取文件"):
        load_ruleset(Path("/nonexistent/没有.yaml"))


def test_schema_accepts_every_shipped_file() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    schema = json.loads((Path(__file__).resolve().parents[2] / "app" / "scoring" / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SHIPPED:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_jsonable(data))]
        assert problems == [], (path.name, problems[:5])


def _jsonable(value: object) -> object:
    """YAML dates and int keys as JSON would see them after an editor's YAML→JSON step."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
