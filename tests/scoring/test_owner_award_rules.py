"""`honoree: enterprise_owner`: an award of a branches' rule file that goes to the 企业主 of a branch's enterprise,
nominated by the 镇党委. The loader refuses a bad marker where it stands, in Chinese; the engine selects no one for it
by points; the shipped branches' file declares one."""
from __future__ import annotations

import re

import pytest
from scoring_testkit import RULES_DIR, rec, rules, subj

from app.scoring import RuleError, load_ruleset, score, select_awards
from app.scoring.awards import award_outcomes

BODY = """
sections:
  S:
    items:
      p: {{match: {{kind: 提案}}, points: 10}}
vetoes:
  违纪: {{match: {{kind: 违纪}}}}
grades:
  - {{name: 优秀, min: 20}}
  - {{name: 合格}}
awards:
  先进:
    eligible: {{grades: [优秀]}}
    quota: {{count: 1}}
  支持党建工作优秀企业主:
{owner}
"""
OWNER = "    honoree: enterprise_owner\n    quota: {count: 2}"


def errors_of(owner: str, subject: str = "branches") -> list[str]:
    with pytest.raises(RuleError) as info:
        rules(BODY.format(owner=owner), subject=subject)
    return info.value.errors


def test_the_marker_loads_as_a_nominated_award() -> None:
    ruleset = rules(BODY.format(owner=OWNER), subject="branches")
    first, owners = ruleset.awards
    assert (first.honoree, first.nominated) == ("subject", False)
    assert (owners.name, owners.honoree, owners.nominated, owners.quota.count) == (
        "支持党建工作优秀企业主", "enterprise_owner", True, 2)


@pytest.mark.parametrize(("owner", "subject", "expected"), [
    ("    honoree: 企业主", "branches",
     r"^测试\.yaml:\d+:14: honoree\(受表彰者\):'企业主' 不可用,应为 subject\(考评对象本人\) 或 enterprise_owner"),
    ("    honoree: enterprise-owner", "branches", r"是否想写 'enterprise_owner'\?$"),
    ("    honoree: enterprise_owner", "party-members",
     r"^测试\.yaml:\d+:14: honoree: enterprise_owner 只能用于党支部的细则\(subject: branches\),本文件的考评对象是 "
     r"party-members$"),
    ("    honoree: enterprise_owner\n    ties: none", "branches",
     r"^测试\.yaml:\d+:5: 授予企业主的表彰由镇党委研究推荐,不按得分取名额,不写 ties"),
    ("    honoree: [enterprise_owner]", "branches", r"^测试\.yaml:\d+:14: honoree\(受表彰者\)"),
    ("    honree: enterprise_owner", "branches", r"未知的键 'honree',是否想写 'honoree'\?"),
])
def test_a_bad_marker_is_reported_where_it_stands(owner: str, subject: str, expected: str) -> None:
    errors = errors_of(owner, subject)
    assert len(errors) == 1 and re.search(expected, errors[0]), errors


def test_no_one_is_selected_by_points_for_a_nominated_award() -> None:
    ruleset = rules(BODY.format(owner=OWNER), subject="branches")
    subjects = [subj(1), subj(2), subj(3)]
    records = [rec("提案", subject=1), rec("提案", subject=1), rec("提案", subject=2), rec("提案", subject=2),
               rec("违纪", subject=2)]
    cards = score(subjects, records, ruleset, "全年")
    results = select_awards(cards, {s.id: s for s in subjects}, ruleset)
    assert [r.award for r in results] == ["先进"] and results[0].winners == (1,)
    outcomes = award_outcomes(cards, {s.id: s for s in subjects}, ruleset)
    assert all([o.award for o in found] == ["先进"] for found in outcomes.values())


def test_the_shipped_branches_file_commends_enterprise_owners() -> None:
    ruleset = load_ruleset(RULES_DIR / "2025-双比双争-党支部.yaml")
    owners = next(a for a in ruleset.awards if a.nominated)
    assert (owners.name, owners.honoree, owners.quota.count, owners.grades) == (
        "支持党建工作优秀企业主", "enterprise_owner", 5, ())
    for path in RULES_DIR.glob("*.yaml"):
        if path.name != "2025-双比双争-党支部.yaml":
            assert not any(a.nominated for a in load_ruleset(path).awards), path.name
