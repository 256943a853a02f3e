"""Award candidates: eligibility, exclusions, quotas overall and per unit, count or share, both tie policies."""
from __future__ import annotations

import pytest
from scoring_testkit import rec, rules, subj

from app.scoring import score, select_awards

AWARD = """
sections:
  S:
    items:
      p: {{match: {{kind: 提案}}, points: 10}}
      l: {{match: {{kind: 结对困难户}}, points: 1}}
gates:
  有结对:
    requires: [{{match: {{kind: 结对困难户}}, min_count: 1}}]
    effect: {{eligible: true}}
vetoes:
  违纪: {{match: {{kind: 违纪}}}}
grades:
  - {{name: 优秀, min: 20}}
  - {{name: 合格}}
exclusions:
  主席会议成员: {{chair_council: true}}
  驻会常委: {{resident_standing: true}}
awards:
  优秀委员:
    eligible: {{grades: [优秀]}}
    {quota}
    ties: {ties}
"""


def run(quota: str, ties: str, counts: dict[int, int], attrs: dict[int, dict] | None = None,
        extra: list | None = None) -> tuple[tuple[int, ...], dict[int, str]]:
    attrs = attrs or {}
    subjects = [subj(i, **attrs.get(i, {})) for i in counts]
    records = [rec("提案", subject=i) for i, n in counts.items() for _ in range(n)] + (extra or [])
    ruleset = rules(AWARD.format(quota=quota, ties=ties))
    cards = score(subjects, records, ruleset, "全年")
    result = select_awards(cards, {s.id: s for s in subjects}, ruleset)[0]
    return result.winners, dict(result.notes)


@pytest.mark.parametrize(("ties", "winners"), [("all_in", (1, 2, 3)), ("none", (1,))])
def test_count_quota_with_both_tie_policies(ties: str, winners: tuple[int, ...]) -> None:
    got, notes = run("quota: {count: 2}", ties, {1: 5, 2: 3, 3: 3, 4: 2})
    assert got == winners
    if ties == "none":
        assert "末位并列" in notes[2]


def test_share_quota_with_declared_rounding_and_denominator() -> None:
    counts = {i: 12 - i for i in range(1, 11)}   # 10 subjects, all 优秀 (≥ 20 needs 2 proposals)
    attrs = {i: {"active": i <= 7} for i in counts}
    got, _ = run('quota: {share: "1/3", of: {active: true}, round: half_up}', "none", counts, attrs)
    assert got == (1, 2)           # 7/3 = 2.33 → 2
    got, _ = run('quota: {share: "1/3", of: {active: true}, round: ceil}', "none", counts, attrs)
    assert got == (1, 2, 3)


def test_per_unit_quota_then_overall() -> None:
    counts = {1: 9, 2: 8, 3: 7, 4: 6, 5: 5}
    attrs = {1: {"sector": "经济界"}, 2: {"sector": "经济界"}, 3: {"sector": "经济界"}, 4: {"sector": "教育界"},
             5: {"sector": "教育界"}}
    ruleset_quota = "per_unit: {by: sector, count: 1}\n    quota: {count: 5}"
    got, notes = run(ruleset_quota, "all_in", counts, attrs)
    assert got == (1, 4)
    assert "经济界" in notes[2]


def test_exclusions_and_vetoes_keep_people_off_the_list() -> None:
    counts = {1: 9, 2: 8, 3: 7, 4: 6}
    attrs = {1: {"chair_council": True}, 2: {"resident_standing": True}}
    got, notes = run("quota: {count: 5}", "all_in", counts, attrs, extra=[rec("违纪", subject=3)])
    assert got == (4,)
    assert "主席会议成员" in notes[1] and "驻会常委" in notes[2] and "否决" in notes[3]


def test_ineligible_grade_explained() -> None:
    got, notes = run("quota: {count: 5}", "all_in", {1: 3, 2: 1})
    assert got == (1,) and "等次" in notes[2]


def test_outcomes_say_who_could_have_had_the_award_and_why_not() -> None:
    """award_outcomes: the winner; one over the quota, one excluded and one vetoed with 优秀 points are `near`; one
    whose points reach only 合格 is not (its grade says why)."""
    from app.scoring import award_outcomes

    ruleset = rules(AWARD.format(quota="quota: {count: 1}", ties="none"))
    subjects = [subj(1), subj(2), subj(3, chair_council=True), subj(4), subj(5)]
    records = [rec("提案", subject=s) for s in (1, 1, 1, 2, 2, 3, 3, 4, 4, 5)] + [rec("违纪", subject=4)]
    cards = score(subjects, records, ruleset, "全年")
    outcomes = award_outcomes(cards, {s.id: s for s in subjects}, ruleset)
    got = {sid: (o[0].selected, o[0].near, o[0].reason) for sid, o in outcomes.items()}
    assert got == {1: (True, False, ""), 2: (False, True, "超出总名额 1"), 3: (False, True, "主席会议成员,不参评"),
                   4: (False, True, "被一票否决或未满足基本要求,不能参评"),
                   5: (False, False, "等次为 合格,不在 优秀 之列")}
