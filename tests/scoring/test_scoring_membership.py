"""A member who served part of a period (joined, left): the rule file's `membership` (exclude by default, full,
prorate, min_days), on the shipped members' rules; the card says how the member was treated."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from scoring_testkit import RULES_DIR, by_id, rec

from app.scoring import RuleError, Subject, load_ruleset, score, select_awards
from app.scoring.cards import Place

SHIPPED = RULES_DIR / "2025-四个一-委员.yaml"


def members(membership: str = ""):
    """The shipped members' rules, with a `membership:` line when given."""
    text = SHIPPED.read_text(encoding="utf-8")
    if membership:
        text = text.replace("\nkinds:\n", f"\nmembership: {membership}\n\nkinds:\n", 1)
    return load_ruleset(text.encode("utf-8"), "委员.yaml")


def four_ones(subject: int, on: str) -> list:
    """All four 一 and study, once each: 100 points for a whole year."""
    return [rec("提案", subject, on, outcome="立案"), rec("引进企业", subject, on, outcome="落地", amount="1200"),
            rec("结对困难户", subject, on), rec("结对困难户", subject, on), rec("捐资助学", subject, on, amount="10000"),
            rec("学习笔记", subject, on), rec("心得体会", subject, on)]


def member(id: int, joined: str | None = None, left_on: str | None = None, left: bool = False) -> Subject:
    day = lambda text: dt.date.fromisoformat(text) if text else None
    return Subject(id, f"委员{id}", attrs={"active": not (left or left_on), "sector": "经济界"},
                   joined_on=day(joined), left_on=day(left_on), left=left or left_on is not None)


def test_by_default_a_member_who_served_part_of_the_year_is_listed_not_appraised() -> None:
    """A December newcomer with one proposal, one who left in September, one set 已离任 with no date: each is on the
    list with its points, and has no grade, no place, no gate, no 通报 and no award; the others rank among
    themselves."""
    subjects = [member(1), member(2, joined="2025-12-01"), member(3, left_on="2025-09-30"), member(4, left=True),
                member(5, joined="2026-02-01"), member(6, left_on="2024-12-31")]
    records = [*four_ones(1, "2025-04-01"), rec("提案", 2, "2025-12-05", outcome="立案"),
               *four_ones(3, "2025-05-01"), rec("会议出勤", 4, "2025-01-08", meeting="全体会议", status="缺席")]
    ruleset = members()
    cards = by_id(score(subjects, records, ruleset, "全年"))
    assert sorted(cards) == [1, 2, 3, 4]            # 5 joined after the year, 6 left before it: not in its review
    newcomer, gone, unknown = cards[2], cards[3], cards[4]
    assert (newcomer.total, newcomer.grade, newcomer.places, newcomer.gates, newcomer.flags, newcomer.eligible,
            newcomer.appraised) == (30, None, (), (), (), False, False)
    assert newcomer.membership == "任职 2025年12月1日起,在任 31/365 天,任职不满全期,不参加本期考评(得分仅供参考)"
    assert not newcomer.left and gone.left and unknown.left
    assert gone.membership == "2025年9月30日离任,在任 273/365 天,任职不满全期,不参加本期考评(得分仅供参考)"
    assert gone.total == 100 and gone.grade is None
    assert unknown.membership == "已离任(未填离任日期),不参加本期考评(得分仅供参考)"
    assert cards[1].appraised and cards[1].grade == "优秀" and cards[1].membership == ""
    assert Place("总排名", "全部", 1, 1) in cards[1].places        # ranked alone: the others are not appraised
    award = select_awards(list(cards.values()), {s.id: s for s in subjects if s.id in cards}, ruleset)[0]
    assert dict(award.notes)[3] == "任职不满全期,未参加本期考评"
    # the half-year: 3 served it whole (left after 30 June), the December newcomer is not in it at all
    h1 = by_id(score(subjects, records, ruleset, "H1"))
    assert sorted(h1) == [1, 3, 4] and h1[3].appraised and h1[3].membership == ""
    assert h1[3].to_json().get("left") is None  # left on 30 September: still serving in the half-year


def test_full_with_min_days_appraises_who_served_long_enough_as_the_whole_year() -> None:
    """任职满半年的按全年考评,不满的不参加: `{partial: full, min_days: 183}`."""
    ruleset = members("{partial: full, min_days: 183}")
    subjects = [member(1, joined="2025-07-01"), member(2, joined="2025-07-03"), member(3, left=True)]
    cards = by_id(score(subjects, [*four_ones(1, "2025-08-01"), *four_ones(2, "2025-08-01")], ruleset, "全年"))
    assert cards[1].appraised and cards[1].grade == "优秀" and cards[1].total == 100
    assert cards[1].membership == "任职 2025年7月1日起,在任 184/365 天,按全期考评"
    assert not cards[2].appraised and "在任 182/365 天,不足 183 天" in cards[2].membership
    assert not cards[3].appraised and "无法计算在任天数" in cards[3].membership
    plain_full = by_id(score(subjects, [], members("{partial: full}"), "全年"))
    assert plain_full[3].appraised and plain_full[3].membership == "已离任(未填离任日期),按全期考评"


def test_prorate_shrinks_bases_limits_thresholds_and_minimum_counts_to_the_days_served() -> None:
    """31 of 365 days: every 一 capped at 20 × 31/365 = 1.70, study 0.85, attendance's base 0.85; 优秀 from
    90 × 31/365 = 7.64; the four 一 each need round(1 × 31/365) = 0 records. What a record earns is never scaled:
    the caps decide."""
    ruleset = members("{partial: prorate}")
    newcomer = member(2, joined="2025-12-01")
    card = score([member(1), newcomer], four_ones(2, "2025-12-10"), ruleset, "全年")[1]
    assert card.membership == "任职 2025年12月1日起,按在任天数折算 31/365"
    assert {s.section: s.points for s in card.sections} == {
        "献一智": D("1.70"), "引一企": D("1.70"), "联一户": D("1.70"), "解一难": D("1.70"), "奖励": 0,
        "考勤": D("0.85"), "学习": D("0.85"), "加分": 0, "四联系": 0}
    assert next(s.base for s in card.sections if s.section == "考勤") == D("0.85")
    assert card.total == D("8.50") and card.grade == "优秀" and card.appraised and card.eligible
    idle = score([newcomer], [], ruleset, "全年")[0]
    assert idle.gates[0].met and idle.gates[0].detail.startswith("献一智:0 件(按在任天数折算,至少 0 件)")
    assert idle.total == D("0.85") and idle.grade == "不合格"       # below 60 × 31/365 = 5.10: nothing done at all
    half = score([member(3, joined="2025-07-01")], [], ruleset, "全年")[0]   # 184/365: a minimum of 1 stands
    assert not half.gates[0].met and "献一智:0 件(未达到)" in half.gates[0].detail
    assert half.total == D("5.04") and half.grade == "不合格"        # 10 × 184/365, below 60 × 184/365 = 30.25


def test_prorate_with_min_days_and_the_loader_checks_the_shape() -> None:
    ruleset = members("{partial: prorate, min_days: 60}")
    card = score([member(1, joined="2025-12-01")], [], ruleset, "全年")[0]
    assert not card.appraised and "不足 60 天" in card.membership
    with pytest.raises(RuleError, match="不写 min_days"):
        members("{partial: exclude, min_days: 30}")
    with pytest.raises(RuleError, match="exclude / full / prorate"):
        members("{partial: 折算}")
    with pytest.raises(RuleError, match="缺少必填的键 'partial'"):
        members("{min_days: 30}")
