"""Every primitive of the rule language, the 广水 member who scores 101.5, limits, periods, gates and errors."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from scoring_testkit import KINDS, RULES_DIR, by_id, rec, rules, subj

from app.scoring import HistoryEntry, Record, RuleError, Subject, load_ruleset, score
from app.scoring.types import TermSpan


def one(ruleset, records, subject=None, period="全年"):
    return score([subject or subj(1)], records, ruleset, period)[0]


# --- the worked example of docs/rules.md ------------------------------------------------------------------

def test_guangshui_member_scores_101_5() -> None:
    ruleset = load_ruleset(RULES_DIR / "2017-广水-委员.yaml")
    on = "2017-05-01"
    records = [
        rec("提案", on=on, id=1, outcome="立案", participants=(1, 2)),   # first proposer of a joint proposal
        rec("社情民意", on=on, id=2),
        rec("服务重点企业", on=on, id=3),
        rec("结对困难户", on=on, id=4),
        rec("会议出勤", on=on, id=5, meeting="全体会议", status="迟到"),
        rec("会议出勤", on=on, id=6, meeting="视察", status="缺席"),
        rec("会议出勤", on=on, id=7, meeting="视察", status="出席"),
        rec("学习笔记", on=on, id=8),
        rec("心得体会", on=on, id=9),
        rec("上级表彰", on=on, id=10, level="市"),
    ]
    cards = by_id(score([subj(1), subj(2)], records, ruleset, "全年"))
    card = cards[1]
    assert card.total == D("101.5")
    assert {s.section: s.points for s in card.sections} == {"履职": 80, "考勤": D("7.5"), "学习": 10, "加分": 4}
    attendance = next(line for line in card.lines if line.item == "会议扣分")
    assert [(r.record_id, r.points) for r in attendance.records] == [(5, D(-1)), (6, D("-1.5"))]
    assert card.grade == "优秀"
    # the co-signer of the proposal gets 15 (联名提案人), shown with how it was shared
    co = next(line for line in cards[2].lines if line.item == "提案立案")
    assert co.points == 15 and "3/4" in co.records[0].share


# --- exact arithmetic ------------------------------------------------------------------------------------

SMALL = """
sections:
  S:
    items:
      a: {match: {kind: 结对困难户}, points: 0.1}
      b: {match: {kind: 荣誉}, points: 0.2}
"""


def test_decimal_points_add_exactly() -> None:
    card = one(rules(SMALL), [rec("结对困难户"), rec("荣誉", level="市")])
    assert card.total == D("0.3")
    assert json.loads(json.dumps(card.to_json()))["total"] == "0.3"


HALVES = """
sections:
  S:
    items:
      p: {match: {kind: 提案}, points: 12.5, credit: {mode: first_half}}
"""


@pytest.mark.parametrize(("header", "expected"), [("", ["6.25", "3.13", "3.13"]),       # 0.01, half up
                                                  ("precision: 0.001\n", ["6.25", "3.125", "3.125"])])
def test_halves_and_quarters_stay_exact(header: str, expected: list[str]) -> None:
    ruleset = rules(HALVES, header=header)
    cards = by_id(score([subj(1), subj(2), subj(3)], [rec("提案", participants=(1, 2, 3), outcome="立案")],
                        ruleset, "全年"))
    assert [cards[i].total for i in (1, 2, 3)] == [D(x) for x in expected]


# --- point sources -----------------------------------------------------------------------------------------

def test_table_lookup_by_level() -> None:
    ruleset = rules("""
    sections:
      加分:
        items:
          表彰: {match: {kind: 荣誉}, table: {field: level, values: {国家: 10, 省: 8, 地: 6, 市: 4}}}
    """)
    assert one(ruleset, [rec("荣誉", level="省"), rec("荣誉", level="市")]).total == 12


def test_table_over_two_fields_and_a_miss_is_not_a_match() -> None:
    ruleset = rules("""
    sections:
      考勤:
        base: 10
        items:
          扣分:
            match: {kind: 会议出勤}
            table: {fields: [meeting, status], values: {全体会议: {缺席: -1.5, 迟到: -1}, 常委会议: {缺席: -3}}}
    """)
    card = one(ruleset, [rec("会议出勤", meeting="全体会议", status="缺席"),
                         rec("会议出勤", meeting="常委会议", status="缺席"),
                         rec("会议出勤", meeting="视察", status="缺席"),      # not in the table: no points
                         rec("会议出勤", meeting="全体会议", status="出席")])
    assert card.total == D("5.5")
    assert len(card.lines[0].records) == 2


@pytest.mark.parametrize(("outcome", "expected"), [("提交", 2), ("立案", 5), ("重点", 8), ("优秀", 8)])
def test_ladder_gives_the_highest_step_reached(outcome: str, expected: int) -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          提案: {match: {kind: 提案}, ladder: {field: outcome, steps: {提交: 2, 立案: 5, 重点: 8}}}
    """)
    assert one(ruleset, [rec("提案", outcome=outcome)]).total == expected


def test_cumulative_ladder_adds_every_step() -> None:  # 桐城: 提交 10, 被立案的再加 15
    ruleset = rules("""
    sections:
      S:
        items:
          提案: {match: {kind: 提案}, ladder: {field: outcome, steps: {提交: 10, 立案: 15}, cumulative: true}}
    """)
    assert one(ruleset, [rec("提案", outcome="立案")]).total == 25
    assert one(ruleset, [rec("提案", outcome="提交")]).total == 10


def test_per_quantity_whole_and_proportional() -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          整份: {match: {kind: 引进企业}, per: {field: amount, each: 100, points: 1}}
          按比例: {match: {kind: 捐资助学}, per: {field: amount, each: 3, points: 1, whole: false}}
    """)
    card = one(ruleset, [rec("引进企业", amount="250", outcome="落地"), rec("捐资助学", amount="10")])
    assert card.item_points("整份") == 2
    assert card.item_points("按比例") == D("3.33")   # 10/3 at the rule's precision, half up


@pytest.mark.parametrize(("amount", "expected"), [("0", 0), ("499.99", 10), ("500", 15), ("1000", 20)])
def test_bands_have_inclusive_lower_bounds(amount: str, expected: int) -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          引资:
            match: {kind: 引进企业, outcome: 落地}
            bands: {field: amount, bands: [{min: 0.01, points: 10}, {min: 500, points: 15}, {min: 1000, points: 20}]}
    """)
    card = one(ruleset, [rec("引进企业", amount=amount, outcome="落地")])
    assert card.total == expected


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 15), (2, 30), (5, 30)])
def test_by_count_two_activities_give_thirty(count: int, expected: int) -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          活动: {match: {kind: 结对困难户}, by_count: [{min: 1, points: 15}, {min: 2, points: 30}]}
    """)
    assert one(ruleset, [rec("结对困难户") for _ in range(count)]).total == expected


# --- joint work ----------------------------------------------------------------------------------------------

CREDIT = """
sections:
  S:
    items:
      p: {{match: {{kind: 提案}}, points: 10, credit: {credit}}}
"""


@pytest.mark.parametrize(("credit", "expected"), [
    ("{mode: all}", [10, 10, 10, 10]),
    ("{mode: first_only}", [10, 0, 0, 0]),
    ("{mode: equal}", [D("2.5")] * 4),
    ("{mode: first_half}", [5, D("1.67"), D("1.67"), D("1.67")]),
    ("{mode: by_position, factors: {1: 1, 2: 0.5}, rest: 0}", [10, 5, 0, 0]),
    ("{mode: all, max_people: 3}", [10, 10, 10, 0]),
    ("{mode: equal, max_people: 2}", [5, 5, 0, 0]),
])
def test_credit_modes(credit: str, expected: list[D]) -> None:
    ruleset = rules(CREDIT.format(credit=credit))
    cards = by_id(score([subj(i) for i in (1, 2, 3, 4)], [rec("提案", participants=(1, 2, 3, 4))], ruleset, "全年"))
    assert [cards[i].total for i in (1, 2, 3, 4)] == expected


def test_credit_left_out_is_explained() -> None:
    ruleset = rules(CREDIT.format(credit="{mode: all, max_people: 3}"))
    card = by_id(score([subj(i) for i in (1, 2, 3, 4)], [rec("提案", id=77, participants=(1, 2, 3, 4))],
                       ruleset, "全年"))[4]
    assert [(n.record_id, n.reason) for n in card.notes] == [(77, "集体成果只计前 3 人")]


def test_sole_author_of_first_half_gets_everything() -> None:
    ruleset = rules(CREDIT.format(credit="{mode: first_half}"))
    assert one(ruleset, [rec("提案")]).total == 10


def test_sole_proposer_under_by_position_gets_the_full_points() -> None:
    """docs/rules.md §6: 只有一个人时,任何方式都得全额 (a first proposer's factor applies only beside others)."""
    ruleset = rules(CREDIT.format(credit='{mode: by_position, factors: {1: "2/3", 2: "1/3"}, rest: 0}'))
    alone = one(ruleset, [rec("提案", id=5)])
    assert alone.total == 10 and alone.lines[0].records[0].share == ""
    listed_alone = one(ruleset, [rec("提案", participants=(1,))])
    assert listed_alone.total == 10
    cards = by_id(score([subj(1), subj(2)], [rec("提案", participants=(1, 2))], ruleset, "全年"))
    assert (cards[1].total, cards[2].total) == (D("6.67"), D("3.33"))


# --- counting -------------------------------------------------------------------------------------------------

def test_from_nth_counts_the_second_and_later() -> None:  # 从第 2 件立案起每件 +5
    ruleset = rules("""
    sections:
      S:
        items:
          多件: {match: {kind: 提案, outcome: {at_least: 立案}}, points: 5, from_nth: 2}
    """)
    records = [rec("提案", outcome="立案", on=f"2025-01-0{d}") for d in (1, 2, 3)] + [rec("提案", outcome="提交")]
    card = one(ruleset, records)
    assert card.total == 10
    assert [n.record_id for n in card.notes] == [records[0].id]


def test_aggregate_max_takes_the_highest() -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          表彰: {match: {kind: 荣誉}, table: {field: level, values: {国家: 10, 省: 8, 市: 4}}, aggregate: max}
    """)
    card = one(ruleset, [rec("荣誉", level="市"), rec("荣誉", level="省"), rec("荣誉", level="市")])
    assert card.total == 8
    assert len(card.notes) == 2


def test_once_and_max_count() -> None:
    ruleset = rules("""
    sections:
      S:
        items:
          一次: {match: {kind: 结对困难户}, points: 20, once: true}
          三次: {match: {kind: 荣誉}, points: 1, max_count: 3}
    """)
    card = one(ruleset, [rec("结对困难户"), rec("结对困难户")] + [rec("荣誉", level="市") for _ in range(5)])
    assert (card.item_points("一次"), card.item_points("三次")) == (20, 3)
    assert sum(1 for n in card.notes if "最多计" in n.reason) == 3


# --- limits ----------------------------------------------------------------------------------------------------

def test_item_section_and_overall_caps_show_before_and_after() -> None:
    ruleset = rules("""
    cap: 25
    sections:
      献智:
        cap: 30
        items:
          提案: {match: {kind: 提案}, points: 20, cap: 25}
          社情: {match: {kind: 社情民意}, points: 10}
    """)
    card = one(ruleset, [rec("提案"), rec("提案"), rec("社情民意")])
    line = next(line for line in card.lines if line.item == "提案")
    assert (line.raw, line.points) == (40, 25)
    section = card.sections[0]
    assert (section.raw, section.points) == (35, 30)
    assert (card.before_limits, card.total) == (30, 25)


def test_section_floor_stops_deductions_at_zero() -> None:  # 扣完为止
    ruleset = rules("""
    sections:
      考勤:
        base: 10
        floor: 0
        items:
          缺席: {match: {kind: 会议出勤, status: 缺席}, points: -3}
    """)
    card = one(ruleset, [rec("会议出勤", meeting="视察", status="缺席") for _ in range(5)])
    assert (card.sections[0].raw, card.sections[0].points, card.total) == (-5, 0, 0)


def test_base_hundred_with_deductions_and_overall_floor() -> None:
    ruleset = rules("""
    base: 100
    floor: 0
    sections:
      扣分:
        items:
          缺席: {match: {kind: 会议出勤, status: 缺席}, points: -30}
    """)
    assert one(ruleset, []).total == 100
    assert one(ruleset, [rec("会议出勤", meeting="视察", status="缺席") for _ in range(4)]).total == 0


def test_base_seventy_plus_bonus_at_most_fifty() -> None:
    ruleset = rules("""
    base: 70
    sections:
      加分:
        cap: 50
        items:
          提案: {match: {kind: 提案}, points: 20}
    """)
    assert one(ruleset, [rec("提案") for _ in range(4)]).total == 120


# --- no double counting ----------------------------------------------------------------------------------------

DOUBLE = """
sections:
  献一智:
    items:
      提案: {match: {kind: 提案}, points: 15}
      社情民意: {match: {kind: 社情民意}, points: 20}
  奖励:
    no_double_counting: false
    items:
      立案奖励: {match: {kind: 提案, outcome: 立案}, points: 5}
      被采用: {match: {kind: [提案, 社情民意]}, points: 1}
"""


def test_one_piece_of_work_counts_once_under_the_best_item() -> None:
    ruleset = rules(DOUBLE)
    proposal = rec("提案", id=1, outcome="立案", work="W1")
    info = rec("社情民意", id=2, outcome="采用", work="W1")
    card = one(ruleset, [proposal, info])
    assert card.section_points("献一智") == 20                    # 社情民意 scores higher, so it counts there
    assert any(n.record_id == 1 and "不重复计分" in n.reason for n in card.notes)
    # a stacking section lets the bonus count, but one work is still one work inside an item
    assert card.item_points("立案奖励") == 5
    assert card.item_points("被采用") == 1


def test_without_work_id_both_count() -> None:
    card = one(rules(DOUBLE), [rec("提案", outcome="立案"), rec("社情民意", outcome="采用")])
    assert card.section_points("献一智") == 35


# --- attendance for 常委 -----------------------------------------------------------------------------------------

def test_when_gives_standing_members_their_own_deductions() -> None:
    ruleset = rules("""
    sections:
      考勤:
        base: 10
        items:
          委员: {when: {standing: false}, match: {kind: 会议出勤, status: 缺席}, points: -1.5}
          常委: {when: {standing: true}, match: {kind: 会议出勤, status: 缺席}, points: -3}
    """)
    absent = [rec("会议出勤", subject=1, meeting="全体会议", status="缺席"),
              rec("会议出勤", subject=2, meeting="全体会议", status="缺席")]
    cards = by_id(score([subj(1), subj(2, standing=True)], absent, ruleset, "全年"))
    assert (cards[1].total, cards[2].total) == (D("8.5"), 7)


# --- gates, vetoes, triggers ----------------------------------------------------------------------------------

GATES = """
sections:
  S:
    items:
      all: {match: {kind: [提案, 引进企业, 结对困难户, 捐资助学]}, points: 30}
gates:
  四个一:
    requires:
      - {label: 献一智, match: {category: 献一智}, min_count: 1}
      - {label: 引一企, match: {category: 引一企}, min_count: 1}
      - {label: 联一户, match: {category: 联一户}, min_count: 1}
      - {label: 解一难, match: {category: 解一难}, min_count: 1}
    effect: {max_grade: 合格, eligible: false}
vetoes:
  违纪: {match: {kind: 违纪}, effect: {grade: 不合格, eligible: false}}
grades:
  - {name: 优秀, min: 90}
  - {name: 合格, min: 60}
  - {name: 不合格}
"""


def four() -> list[Record]:
    return [rec("提案", outcome="提交"), rec("引进企业", outcome="签约", amount="1"), rec("结对困难户"),
            rec("捐资助学", amount="100")]


def test_gate_met_lets_points_decide() -> None:
    card = one(rules(GATES), four())
    assert (card.total, card.grade, card.eligible) == (120, "优秀", True)
    assert card.gates[0].met


def test_gate_failed_caps_the_grade_regardless_of_points() -> None:
    card = one(rules(GATES), four()[:3] + [rec("提案", outcome="提交")])
    assert (card.total, card.grade, card.eligible) == (120, "合格", False)
    assert not card.gates[0].met and "解一难:0 件" in card.gates[0].detail


def test_veto_forces_the_grade() -> None:
    card = one(rules(GATES), four() + [rec("违纪")])
    assert (card.total, card.grade, card.eligible) == (120, "不合格", False)
    assert any(g.veto and not g.met for g in card.gates)


TRIGGERS = """
sections:
  S:
    items:
      p: {match: {kind: 提案}, points: 50}
triggers:
  连续两年低于60: {below: 60, years: 2}
  届内三次缺席:
    match: {kind: 会议出勤, meeting: 全体会议, status: 缺席}
    min_count: 3
    window: input
    effect: {eligible: false}
"""


def test_below_sixty_two_years_running() -> None:
    ruleset = rules(TRIGGERS)
    low_last_year = subj(1, history=(HistoryEntry(2024, D("59.5")),))
    fine_last_year = subj(2, history=(HistoryEntry(2024, D(60)),))
    no_history = subj(3)
    cards = by_id(score([low_last_year, fine_last_year, no_history], [rec("提案", subject=s) for s in (1, 2, 3)],
                        ruleset, "全年"))
    assert [[f.name for f in cards[i].flags] for i in (1, 2, 3)] == [["连续两年低于60"], [], []]


def test_absences_within_the_term_see_records_outside_the_period() -> None:
    ruleset = rules(TRIGGERS)
    absences = [rec("会议出勤", meeting="全体会议", status="缺席", on=on)
                for on in ("2023-03-01", "2024-03-01", "2025-03-01")]
    card = one(ruleset, absences)
    assert [f.name for f in card.flags] == ["届内三次缺席"] and not card.eligible


# 宣威 (and many a county): 每届任期内,无故缺席一次全体会议的,书面通报批评;无故缺席两次的,撤销其委员资格.
IN_THE_TERM = """
sections:
  S:
    items:
      p: {match: {kind: 提案}, points: 50}
gates:
  本届有提案:
    window: term
    requires: [{label: 提案, match: {kind: 提案}, min_count: 2}]
    effect: {max_grade: 合格}
triggers:
  无故缺席全会:
    label: 一届内无故缺席全体会议
    match: {kind: 会议出勤, meeting: 全体会议, status: 缺席}
    window: term
    levels:
      - {min_count: 1, label: 书面通报批评}
      - {min_count: 2, label: 撤销委员资格, effect: {grade: 不合格, eligible: false}}
grades:
  - {name: 优秀, min: 90}
  - {name: 合格, min: 60}
  - {name: 不合格}
"""
TERM = TermSpan(dt.date(2022, 1, 10), dt.date(2026, 12, 31), "第十届")


def absent(subject: int, on: str) -> Record:
    return rec("会议出勤", subject, on, meeting="全体会议", status="缺席")


def test_a_term_window_counts_the_terms_records_of_every_year_up_to_the_periods_end() -> None:
    ruleset = rules(IN_THE_TERM)
    records = [absent(1, "2023-03-01"), absent(1, "2025-01-08"),      # two in the 届: 撤销委员资格
               absent(2, "2021-12-20"), absent(2, "2025-01-08"),      # one before the 届 began: 书面通报批评
               absent(3, "2026-01-08"),                               # after the period: not yet
               rec("提案", 1, "2024-05-01"), rec("提案", 1, "2025-05-01"), rec("提案", 2, "2025-05-01")]
    cards = by_id(score([subj(1), subj(2), subj(3)], records, ruleset, "全年", TERM))
    assert [(f.label, f.level, f.detail) for f in cards[1].flags] == [
        ("一届内无故缺席全体会议:撤销委员资格", "撤销委员资格", "本届累计 2 件,达到“撤销委员资格”(2 件起),不再另作“书面通报批评”")]
    assert (cards[1].grade, cards[1].eligible) == ("不合格", False)          # the higher level's effect only
    assert [(f.label, f.level) for f in cards[2].flags] == [("一届内无故缺席全体会议:书面通报批评", "书面通报批评")]
    assert cards[2].eligible and cards[2].flags[0].detail == "本届累计 1 件,达到“书面通报批评”(1 件起)"
    assert cards[3].flags == ()
    # the gate counts the 届 too: 2024's proposal and 2025's make two; the period alone scores one
    assert cards[1].gates[0].met and cards[1].gates[0].detail == "提案:本届累计 2 件"
    assert not cards[2].gates[0].met and cards[2].gates[0].detail == "提案:本届累计 1 件(未达到)"
    assert cards[1].total == 50
    # the half-year sees the 届 up to 30 June only
    h1 = by_id(score([subj(1)], records, ruleset, "H1", TERM))[1]
    assert [f.level for f in h1.flags] == ["撤销委员资格"]


def test_a_term_window_needs_the_term_and_one_beside_the_period() -> None:
    ruleset = rules(IN_THE_TERM)
    with pytest.raises(RuleError, match="“本届有提案”“无故缺席全会”按届统计"):
        score([subj(1)], [], ruleset, "全年")
    with pytest.raises(RuleError, match="不包含考评周期"):
        score([subj(1)], [], ruleset, "全年", TermSpan(dt.date(2027, 1, 1), dt.date(2031, 12, 31)))
    assert score([subj(1)], [], rules(TRIGGERS), "全年", TERM)[0].flags == ()   # a term given and not needed: fine


def test_a_triggers_highest_level_replaces_the_lower_in_a_period_too() -> None:
    ruleset = rules(IN_THE_TERM.replace("    window: term\n", ""))
    card = one(ruleset, [absent(1, "2025-01-08"), absent(1, "2025-06-08"), absent(1, "2025-09-08")], period="全年")
    assert [f.detail for f in card.flags] == ["3 件,达到“撤销委员资格”(2 件起),不再另作“书面通报批评”"]
    assert card.to_json()["flags"][0]["level"] == "撤销委员资格"
    plain = one(rules(TRIGGERS), [absent(1, "2025-01-08")] * 0)
    assert "level" not in json.dumps(plain.to_json())


# 常委每半年联系委员不少于 2 次: the half-year review checks its half, the year's checks each half on its own.
EACH_HALF = """
sections:
  S:
    items:
      p: {match: {kind: 提案}, points: 50}
gates:
  常委联系委员:
    when: {standing: true}
    window: half
    requires: [{label: 联系委员, match: {kind: 联系委员}, min_count: 2}]
    effect: {max_grade: 合格}
grades:
  - {name: 优秀, min: 40}
  - {name: 合格}
"""


def test_a_gate_counted_each_half_year_must_be_met_in_each() -> None:
    ruleset = rules(EACH_HALF, kinds=KINDS + "  联系委员: {category: 四联系}\n")
    records = [rec("联系委员", 1, "2025-02-01"), rec("联系委员", 1, "2025-06-30"), rec("联系委员", 1, "2025-07-01"),
               rec("提案", 1), rec("提案", 2), *(rec("联系委员", 2, on) for on in ("2025-03-01", "2025-04-01",
                                                                               "2025-08-01", "2025-09-01")),
               rec("提案", 3)]
    people = [subj(1, standing=True), subj(2, standing=True), subj(3, standing=False)]
    half = by_id(score(people, records, ruleset, "H1"))
    year = by_id(score(people, records, ruleset, "全年"))
    assert half[1].gates[0].met and half[1].gates[0].detail == "联系委员:上半年 2 件"
    assert not year[1].gates[0].met and year[1].grade == "合格"
    assert year[1].gates[0].detail == "联系委员:上半年 2 件;联系委员:下半年 1 件(未达到)"
    assert year[2].gates[0].met and year[2].grade == "优秀"
    assert year[3].gates == () and year[3].grade == "优秀"  # not a 常委: not held to it
    h2 = by_id(score(people, records, ruleset, "H2"))
    assert h2[1].gates[0].detail == "联系委员:下半年 1 件(未达到)"


def test_each_half_is_judged_on_the_days_served_in_it() -> None:
    """Joined on 1 August: the first half asks nothing; `prorate` scales the second half's minimum to the days
    served in it (153 of 184: round(2 × 153/184) = 2), `full` asks the whole of it."""
    records = [rec("联系委员", 1, "2025-09-01")]
    late = Subject(1, "对象1", attrs={"standing": True}, joined_on=dt.date(2025, 8, 1))
    for mode, met, detail in (("{partial: full}", False, "联系委员:下半年 1 件(未达到)"),
                              ("{partial: prorate}", False, "联系委员:下半年 1 件(未达到)")):
        ruleset = rules(EACH_HALF, kinds=KINDS + "  联系委员: {category: 四联系}\n", header=f"membership: {mode}\n")
        (card,) = score([late], records, ruleset, "全年")
        assert (card.gates[0].met, card.gates[0].detail) == (met, detail), mode
    ruleset = rules(EACH_HALF, kinds=KINDS + "  联系委员: {category: 四联系}\n", header="membership: {partial: prorate}\n")
    autumn = Subject(1, "对象1", attrs={"standing": True}, joined_on=dt.date(2025, 10, 20))
    (card,) = score([autumn], records, ruleset, "全年")  # 73 of 184 days: round(2 × 73/184) = 1
    assert card.gates[0].met and card.gates[0].detail == "联系委员:下半年 1 件(按在任天数折算,至少 1 件)"


# --- periods ---------------------------------------------------------------------------------------------------

PERIODIC = """
sections:
  S:
    items:
      p: {match: {kind: 提案}, points: 10}
"""


def test_half_year_window() -> None:
    records = [rec("提案", on="2025-06-30"), rec("提案", on="2025-07-01"), rec("提案", on="2024-12-31")]
    assert one(rules(PERIODIC), records, period="H1").total == 10
    assert one(rules(PERIODIC), records, period="全年").total == 20


def test_weighted_halves() -> None:
    ruleset = rules(PERIODIC, periods="""
    periods:
      H1: {from: 01-01, to: 06-30}
      H2: {from: 07-01, to: 12-31}
      全年: {combine: weighted, parts: {H1: 0.4, H2: 0.6}}
    """)
    card = one(ruleset, [rec("提案", on="2025-03-01"), rec("提案", on="2025-08-01"), rec("提案", on="2025-09-01")])
    assert card.total == 16
    assert [(p.period, p.total, p.weight) for p in card.parts] == [("H1", 10, "2/5"), ("H2", 20, "3/5")]


def test_mean_of_quarters() -> None:
    ruleset = rules(PERIODIC, periods="""
    periods:
      Q1: {from: 01-01, to: 03-31}
      Q2: {from: 04-01, to: 06-30}
      Q3: {from: 07-01, to: 09-30}
      Q4: {from: 10-01, to: 12-31}
      全年: {combine: mean, parts: [Q1, Q2, Q3, Q4]}
    """)
    card = one(ruleset, [rec("提案", on="2025-02-01"), rec("提案", on="2025-05-01"), rec("提案", on="2025-05-02")])
    assert card.total == D("7.5")


# --- inputs the rules cannot score ----------------------------------------------------------------------------

def test_unknown_kind_is_an_error_not_zero() -> None:
    with pytest.raises(RuleError) as info:
        one(rules(PERIODIC), [rec("提案"), rec("跳广场舞", id=999)])
    assert "记录 999" in str(info.value) and "跳广场舞" in str(info.value)


def test_every_bad_record_is_reported() -> None:
    bad = [rec("提案", outcome="立按", id=5), rec("不存在", id=6), rec("提案", id=5)]
    with pytest.raises(RuleError) as info:
        one(rules(PERIODIC), bad)
    assert len(info.value.errors) == 3


def test_category_must_agree_with_the_rules() -> None:
    record = Record(1, 1, "提案", dt.date(2025, 1, 1), category="引一企")
    with pytest.raises(RuleError, match="类别"):
        one(rules(PERIODIC), [record])


def test_unknown_period() -> None:
    with pytest.raises(RuleError, match="Q9"):
        one(rules(PERIODIC), [], period="Q9")


def test_float_fields_are_refused() -> None:
    with pytest.raises(TypeError):
        Record(1, 1, "引进企业", dt.date(2025, 1, 1), {"amount": 0.1})


def test_empty_input() -> None:
    ruleset = rules(PERIODIC)
    assert score([], [], ruleset, "全年") == []
    card = one(ruleset, [])
    assert card.total == 0 and card.lines == () and card.places[0].place == 1


def test_records_of_unknown_subjects_are_ignored() -> None:
    assert one(rules(PERIODIC), [rec("提案", subject=42)]).total == 0


def test_scorecard_json_is_plain_data() -> None:
    card = one(rules(SMALL), [rec("结对困难户", id=3)])
    data = json.loads(json.dumps(card.to_json(), ensure_ascii=False))
    assert data["lines"][0]["records"] == [{"record_id": 3, "points": "0.1", "share": ""}]
    assert data["sections"][0]["points"] == "0.1"
