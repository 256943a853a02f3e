"""Every YAML example of the manual (docs/rules.md) loads, and the editors' JSON schema accepts it: office staff copy
them. A fragment (an item, a section, a `gates:` block …) is set into a small rule file of its kind."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.scoring import load_ruleset
from app.scoring.loader import ITEM_KEYS, TOP_KEYS

ROOT = Path(__file__).resolve().parents[2]
MANUAL = ROOT / "docs" / "rules.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", MANUAL.read_text(encoding="utf-8"), re.S)

#: Every kind and value the examples use (5.2 writes 国家、地 as another county does).
KINDS: dict[str, Any] = {
    "提案": {"category": "献一智", "fields": {"outcome": ["提交", "立案", "重点", "优秀"]}},
    "社情民意": {"category": "献一智", "fields": {"outcome": ["报送", "采用"], "level": ["县", "市", "省", "全国"],
                                           "instruction_level": ["县", "市", "省", "全国"]}},
    "引进企业": {"category": "引一企", "fields": {"outcome": ["签约", "落地"], "amount": "number"}},
    "结对困难户": {"category": "联一户"},
    "捐资助学": {"category": "解一难", "fields": {"amount": "number", "people_helped": "integer"}},
    "会议出勤": {"category": "出勤", "fields": {"meeting": ["全体会议", "常委会议", "政情通报会", "视察", "调研", "其他活动",
                                                         "专题协商会"],
                                          "status": ["出席", "请假", "缺席", "迟到", "早退"]}},
    "荣誉": {"category": "表彰", "fields": {"level": ["县", "市", "地", "省", "国家", "全国"]}},
    "违纪违法": {"category": "否决"},
    # §3.1: kinds with fields of their own, which the scoring examples after it use
    "技能培训": {"category": "解一难", "fields": {"days": {"type": "number", "unit": "天"}, "place": "text"}},
    "书面发言": {"category": "献一智", "fields": {"发言会议": ["全体会议", "常委会议", "专题协商会"]}},
}
BASE: dict[str, Any] = {
    "name": "手册示例", "year": 2025, "subject": "members", "kinds": KINDS,
    "sections": {"献一智": {"items": {"p": {"match": {"kind": "提案"}, "points": 1}}}},
    "grades": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 60}, {"name": "不合格"}],
    "gates": {"四个一": {"requires": [{"label": c, "match": {"category": c}, "min_count": 1}
                                   for c in ("献一智", "引一企", "联一户", "解一难")],
                       "effect": {"max_grade": "合格", "eligible": False}}},
    "periods": {"H1": {"from": "01-01", "to": "06-30"}, "全年": {"from": "01-01", "to": "12-31"}},
}


def as_rule_file(example: Any) -> dict[str, Any] | None:
    """The rule file an example belongs in; None for the overview of §2 (its values are placeholders)."""
    doc = copy.deepcopy(BASE)
    if isinstance(example, list):                                   # a grade or two, among the usual ones
        named = {g["name"] for g in example}
        doc["grades"] = [*example, *(g for g in BASE["grades"] if g["name"] not in named)]
    elif set(example) <= set(TOP_KEYS):
        if "name" in example:
            return None
        if "kinds" in example:                                      # its own kinds: the usual gate may not fit
            del doc["gates"]
        doc.update(example)
        if "kinds" in example and "sections" not in example:        # kinds alone: the usual section scores 提案
            doc["kinds"] = {**KINDS, **example["kinds"]}

    elif set(example) <= set(ITEM_KEYS) - {"match"}:                # a way of scoring, alone: `ladder: …`
        doc["sections"] = {"S": {"items": {"例": {"match": {"kind": "提案"}, **example}}}}
    elif all(isinstance(v, dict) and "items" in v for v in example.values()):
        doc["sections"] = example                                   # a section
    elif all(isinstance(v, dict) and "match" in v for v in example.values()):
        doc["sections"] = {"S": {"items": example}}                 # items
    else:
        raise AssertionError(f"docs/rules.md has an example this test cannot place: {list(example)}")
    return doc


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_the_manuals_example_loads_and_the_schema_accepts_it(index: int) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = as_rule_file(yaml.safe_load(BLOCKS[index]))
    if doc is None:
        pytest.skip("§2's overview: placeholders, not a rule file")
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    ruleset = load_ruleset(text.encode("utf-8"), f"手册示例{index}.yaml")   # RuleError: the manual is wrong
    assert ruleset.sections
    schema = json.loads((ROOT / "app" / "scoring" / "schema.json").read_text(encoding="utf-8"))
    problems = [f"{list(e.absolute_path)}: {e.message}"
                for e in jsonschema.Draft202012Validator(schema).iter_errors(_jsonable(yaml.safe_load(text)))]
    assert problems == [], problems


def test_the_manual_shows_the_new_constructs() -> None:
    """The examples this test loads include the 届 window, trigger levels and membership."""
    text = "\n".join(BLOCKS)
    assert "window: term" in text and "levels:" in text and "membership:" in text and len(BLOCKS) >= 25
