"""Ranks (ties share a place), declared tie-breaks, groups, grade boundaries and share limits."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from scoring_testkit import by_id, rec, rules, subj

from app.scoring import rank, score


@pytest.mark.parametrize(("points", "places"), [([9, 7, 7, 1], [1, 2, 2, 4]), ([5, 5], [1, 1]), ([], [])])
def test_equal_points_share_a_place(points: list[int], places: list[int]) -> None:
    totals = {subject_id: D(p) for subject_id, p in enumerate(points, start=1)}
    assert [s.place for s in rank(totals)] == places


POINTS = """
sections:
  献一智:
    items:
      提案: {match: {kind: 提案}, points: 10}
  其他:
    items:
      结对: {match: {kind: 结对困难户}, points: 10}
      扣分: {match: {kind: 会议出勤, status: 缺席}, points: 0.01}
"""


def test_declared_tie_break_separates_equal_totals_but_id_does_not() -> None:
    ruleset = rules(POINTS + "tie_break: [total, {section: 献一智}, id]\n")
    records = [rec("提案", subject=1), rec("结对困难户", subject=2), rec("提案", subject=3), rec("结对困难户", subject=4)]
    cards = by_id(score([subj(i) for i in (1, 2, 3, 4)], records, ruleset, "全年"))
    assert {i: cards[i].place("总排名") for i in cards} == {1: 1, 3: 1, 2: 3, 4: 3}


def test_rankings_per_group() -> None:
    ruleset = rules(POINTS + "rankings:\n  总排名: {}\n  常委与委员: {by: standing}\n  按单位: {by: unit}\n")
    subjects = [subj(1, standing=True, units=(7,)), subj(2, units=(7, 8)), subj(3, standing=True, units=(8,))]
    records = [rec("提案", subject=1), rec("提案", subject=1), rec("提案", subject=2), rec("结对困难户", subject=3)]
    cards = by_id(score(subjects, records, ruleset, "全年"))
    places = {i: {(p.ranking, p.group): p.place for p in cards[i].places} for i in cards}
    assert places[1] == {("总排名", "全部"): 1, ("常委与委员", "是"): 1, ("按单位", "7"): 1}
    assert places[2] == {("总排名", "全部"): 2, ("常委与委员", "否"): 1, ("按单位", "7"): 2, ("按单位", "8"): 1}
    assert places[3] == {("总排名", "全部"): 2, ("常委与委员", "是"): 2, ("按单位", "8"): 1}


GRADES = """
sections:
  S:
    items:
      a: {match: {kind: 提案}, points: 0.1}
      b: {match: {kind: 社情民意}, points: 0.2}
      c: {match: {kind: 结对困难户}, points: 59.7}
      d: {match: {kind: 荣誉}, points: 30}
grades:
  - {name: 优秀, min: 90}
  - {name: 合格, min: 60}
  - {name: 不合格}
"""


def test_exactly_sixty_is_sixty() -> None:
    ruleset = rules(GRADES)
    # 59.7 + 0.1 + 0.2 is 60 exactly in Decimal; in binary float it would be 59.99999999999999
    card = score([subj(1)], [rec("结对困难户"), rec("提案"), rec("社情民意")], ruleset, "全年")[0]
    assert card.total == 60 and card.grade == "合格"
    below = score([subj(1)], [rec("结对困难户"), rec("社情民意")], ruleset, "全年")[0]
    assert below.total == D("59.9") and below.grade == "不合格"
    ninety = score([subj(1)], [rec("结对困难户"), rec("提案"), rec("社情民意"), rec("荣誉", level="市")],
                   ruleset, "全年")[0]
    assert ninety.total == 90 and ninety.grade == "优秀"


SHARE = """
sections:
  S:
    items:
      p: {{match: {{kind: 提案}}, points: 10}}
grades:
  - name: 优秀
    min: 20
    when: {{party_status: 正式党员}}
    max_share: {{share: "1/3", of: {{party_status: 正式党员}}, round: {round}, ties: {ties}}}
  - {{name: 合格, min: 10}}
  - {{name: 不合格}}
"""


def party(counts: dict[int, int], probationary: tuple[int, ...] = ()) -> tuple[list, list]:
    subjects = [subj(i, party_status="预备党员" if i in probationary else "正式党员") for i in counts]
    records = [rec("提案", subject=i) for i, n in counts.items() for _ in range(n)]
    return subjects, records


def test_excellent_at_most_a_third_of_full_members() -> None:
    # 7 正式党员 (+ 2 预备 not in the denominator): floor(7/3) = 2 may be 优秀
    subjects, records = party({1: 5, 2: 4, 3: 3, 4: 2, 5: 2, 6: 1, 7: 1, 8: 9, 9: 9}, probationary=(8, 9))
    cards = by_id(score(subjects, records, rules(SHARE.format(round="floor", ties="none")), "全年"))
    assert [i for i in cards if cards[i].grade == "优秀"] == [1, 2]
    assert cards[3].grade == "合格" and "比例上限" in cards[3].grade_note
    assert cards[8].grade == "合格"   # 预备党员 are not graded 优秀 in this rule set


@pytest.mark.parametrize(("ties", "excellent"), [("none", [1]), ("all_in", [1, 2, 3])])
def test_share_limit_tie_policy_at_the_last_place(ties: str, excellent: list[int]) -> None:
    subjects, records = party({1: 5, 2: 3, 3: 3, 4: 1, 5: 1, 6: 1})   # 2 places; 2 and 3 tie for the second
    cards = by_id(score(subjects, records, rules(SHARE.format(round="floor", ties=ties)), "全年"))
    assert [i for i in cards if cards[i].grade == "优秀"] == excellent


@pytest.mark.parametrize(("rounding", "allowed"), [("floor", 1), ("ceil", 2), ("half_up", 2)])
def test_share_limit_rounding(rounding: str, allowed: int) -> None:
    subjects, records = party({1: 5, 2: 4, 3: 3, 4: 3, 5: 3})   # 5/3 = 1.67
    cards = by_id(score(subjects, records, rules(SHARE.format(round=rounding, ties="none")), "全年"))
    assert sum(1 for c in cards.values() if c.grade == "优秀") == allowed
