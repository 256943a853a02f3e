"""Helpers for the scoring tests: a small rule-file header, and record/subject shorthands. No app, no database."""
from __future__ import annotations

import datetime as dt
import re
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.scoring import Record, RuleSet, Subject, load_ruleset

RULES_DIR = Path(__file__).resolve().parents[2] / "scoring_rules"

KINDS = """
kinds:
  提案: {category: 献一智, fields: {outcome: [提交, 立案, 重点, 优秀]}}
  社情民意: {category: 献一智, fields: {outcome: [报送, 采用], level: [县, 市, 省, 全国]}}
  引进企业: {category: 引一企, fields: {outcome: [签约, 落地], amount: number}}
  结对困难户: {category: 联一户}
  捐资助学: {category: 解一难, fields: {amount: number, people_helped: integer}}
  会议出勤:
    category: 出勤
    fields: {meeting: [全体会议, 常委会议, 视察], status: [出席, 请假, 缺席, 迟到, 早退]}
  荣誉: {category: 表彰, fields: {level: [市, 地, 省, 国家]}}
  违纪: {category: 否决}
"""

PERIODS = """
periods:
  H1: {from: 01-01, to: 06-30}
  H2: {from: 07-01, to: 12-31}
  全年: {from: 01-01, to: 12-31}
"""


def rules(body: str, *, header: str = "", kinds: str = KINDS, periods: str = PERIODS,
          subject: str = "members") -> RuleSet:
    """A rule set from a YAML snippet (sections, grades …) plus the shared kinds and periods."""
    text = (f"name: 测试细则\nyear: 2025\nsubject: {subject}\n{textwrap.dedent(header)}"
            f"{textwrap.dedent(kinds)}{textwrap.dedent(body)}{textwrap.dedent(periods)}")
    return load_ruleset(text.encode("utf-8"), "测试.yaml")


_ids = iter(range(1, 10**9))
_NUMERIC = re.compile(r"-?\d+(\.\d+)?")


def rec(kind: str, subject: int = 1, on: str = "2025-03-01", *, id: int | None = None,
        participants: tuple[int, ...] = (), work: str | None = None, **fields: Any) -> Record:
    """A record; numeric field values given as str/int become Decimal/int (never float)."""
    clean = {k: (Decimal(v) if isinstance(v, str) and k in ("amount", "value") and _NUMERIC.fullmatch(v) else v)
             for k, v in fields.items()}
    return Record(id=id if id is not None else next(_ids), subject_id=subject, kind=kind,
                  occurred_on=dt.date.fromisoformat(on), fields=clean, participants=participants, work_id=work)


def subj(id: int, **attrs: Any) -> Subject:
    units = attrs.pop("units", ())
    history = attrs.pop("history", ())
    return Subject(id=id, name=f"对象{id}", unit_ids=units, attrs=attrs, history=history)


def by_id(cards: list[Any]) -> dict[int, Any]:
    return {c.subject_id: c for c in cards}
