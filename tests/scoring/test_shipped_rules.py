"""The shipped 2025 rule files give the results their comments promise, on small realistic inputs."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from scoring_testkit import RULES_DIR, by_id, rec, subj

from app.scoring import load_ruleset, score, select_awards


@pytest.fixture(scope="module")
def members():
    return load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")


def complete(subject: int, on: str = "2025-04-01") -> list:
    return [rec("提案", subject, on, outcome="立案"), rec("引进企业", subject, on, outcome="落地", amount="1200"),
            rec("结对困难户", subject, on), rec("结对困难户", subject, on), rec("捐资助学", subject, on, amount="10000"),
            rec("学习笔记", subject, on), rec("心得体会", subject, on)]


def test_members_complete_four_ones_is_excellent(members) -> None:
    card = score([subj(1, sector="经济界", active=True)], complete(1), members, "全年")[0]
    assert card.total == 100 and card.grade == "优秀" and card.eligible
    assert all(g.met for g in card.gates)


def test_members_missing_one_of_four_caps_the_grade(members) -> None:
    records = [r for r in complete(1) if r.kind != "捐资助学"] + [rec("荣誉", level="全国")]
    card = score([subj(1)], records, members, "全年")[0]
    assert card.total == 90 and card.grade == "合格" and not card.eligible
    assert "解一难:0 件(未达到)" in card.gates[0].detail


@pytest.mark.parametrize("kind", ["引进技术人才", "科技创新", "科技服务", "文化教育", "化解矛盾", "维护稳定"])
def test_members_every_kind_of_relief_the_notice_names_meets_the_gate_and_scores(members, kind) -> None:
    """《实施意见》's 解一难 also names 引进资金、技术和人才、科技创新 … 化解矛盾、维护稳定: each is a kind of its own,
    counts for the 解一难 gate, and scores 10 a record within the section's 20."""
    records = [r for r in complete(1) if r.kind != "捐资助学"] + [rec(kind, 1), rec(kind, 1, "2025-05-01")]
    card = score([subj(1)], records, members, "全年")[0]
    assert card.section_points("解一难") == 20 and card.eligible
    one = score([subj(1)], [r for r in records if r.occurred_on.month != 5], members, "全年")[0]
    assert one.section_points("解一难") == 10


@pytest.mark.parametrize(("amount", "points"), [("50", 10), ("100", 15), ("800", 20)])
def test_members_funds_brought_in_score_by_the_amount_in_wan(members, amount, points) -> None:
    records = [r for r in complete(1) if r.kind != "捐资助学"] + [rec("引进资金", 1, amount=amount)]
    card = score([subj(1)], records, members, "全年")[0]
    assert card.section_points("解一难") == points and card.eligible


def test_members_joint_proposal_and_one_work_counted_once(members) -> None:
    records = [rec("提案", 1, outcome="立案", participants=(1, 2, 3), work="P-7"),
               rec("社情民意", 1, outcome="采用", work="P-7")]
    cards = by_id(score([subj(1), subj(2), subj(3)], records, members, "全年"))
    assert cards[1].section_points("献一智") == 20          # 提案 10 (½ of 20) or 社情民意 20: the higher counts
    assert cards[2].section_points("献一智") == 5           # the co-signers share the other half
    assert any("不重复计分" in n.reason for n in cards[1].notes)


def test_members_standing_attendance_is_stricter(members) -> None:
    absent = [rec("会议出勤", s, meeting="全体会议", status="缺席") for s in (1, 2)]
    cards = by_id(score([subj(1), subj(2, standing=True)], absent, members, "全年"))
    assert (cards[1].section_points("考勤"), cards[2].section_points("考勤")) == (D("8.5"), 8)


def test_members_half_year_and_awards(members) -> None:
    subjects = [subj(i, sector="经济界" if i <= 12 else "教育界", active=True, chair_council=(i == 1))
                for i in range(1, 31)]
    honours = {13: "全国", 2: "省", 3: "市", 4: "县"}
    records = [r for i in (1, 2, 3, 4, 5, 13) for r in complete(i)]
    records += [rec("荣誉", i, level=level) for i, level in honours.items()]
    cards = score(subjects, records, members, "全年")
    assert [c.total for c in score(subjects, records, members, "H1")] == [c.total for c in cards]
    result = select_awards(cards, {s.id: s for s in subjects}, members)[0]
    # 30 active → 3 places; 经济界 at most 2; 主席会议成员 excluded
    assert result.quota == 3
    assert result.winners == (13, 2, 3)
    notes = dict(result.notes)
    assert "主席会议成员" in notes[1] and "经济界" in notes[4]


def test_branches_weighted_halves_and_veto() -> None:
    ruleset = load_ruleset(RULES_DIR / "2025-双比双争-党支部.yaml")
    def half(branch: int, on: str, build: str, jobs: int) -> list:
        return [rec("组织建设", branch, on, value=build), rec("活动开展", branch, on, value=6),
                rec("党员示范岗", branch, on, value=3), rec("就业人数", branch, on, value=jobs),
                rec("劳资关系", branch, on, value="和谐"), rec("税收", branch, on, value="260")]
    records = half(1, "2025-06-30", "15", 120) + half(1, "2025-12-31", "20", 320) + half(2, "2025-12-31", "20", 320)
    records.append(rec("重大事故", 2, "2025-10-01"))
    cards = by_id(score([subj(1, branch_form="单独组建"), subj(2, branch_form="联合支部")], records, ruleset, "全年"))
    h1 = D(15 + 10 + 9) + D(5 + 10 + 5)   # 党建 34, 发展: 就业 5, 劳资 10, 税收 5
    h2 = D(20 + 10 + 9) + D(8 + 10 + 5)
    assert [(p.period, p.total) for p in cards[1].parts] == [("H1", h1), ("H2", h2)]
    assert cards[1].total == h1 * D("0.4") + h2 * D("0.6")
    assert cards[2].grade == "一星" and not cards[2].eligible


def test_party_members_excellent_within_a_third_of_full_members() -> None:
    ruleset = load_ruleset(RULES_DIR / "2025-双比双争-党员.yaml")
    subjects = [subj(i, branch="大源纸业党支部", party_status="预备党员" if i > 6 else "正式党员") for i in range(1, 9)]
    levels = ["全国", "省", "市", "市", "县", "镇", "全国", "全国"]
    records = [rec("组织生活", 6, status="缺席")]
    for i in range(1, 9):
        records += [rec("示范岗", i), rec("技术攻关", i, outcome="获奖"), rec("荣誉", i, level=levels[i - 1])]
    cards = by_id(score(subjects, records, ruleset, "全年"))
    assert [cards[i].total for i in range(1, 9)] == [95, 93, 91, 91, 89, 82, 95, 95]
    excellent = [i for i in cards if cards[i].grade == "优秀"]
    assert excellent == [1, 2]                       # 6 正式党员 → 2; 预备党员 7, 8 neither counted nor graded 优秀
    assert cards[3].grade == "合格" and cards[7].grade == "合格"
    award = select_awards(list(cards.values()), {s.id: s for s in subjects}, ruleset)[0]
    assert award.winners == (1, 2)


def test_units_by_count_and_gate() -> None:
    ruleset = load_ruleset(RULES_DIR / "2025-四个一-单位.yaml")
    records = [rec("网站上稿", 1, f"2025-0{m}-01") for m in (1, 4, 7)] + [rec("服务主导产业", 1), rec("结对村社区", 1)]
    card = score([subj(1, unit_kind="界别活动组")], records, ruleset, "全年")[0]
    assert card.item_points("网站上稿") == 6 and card.total == 36
    assert card.gates[0].met
