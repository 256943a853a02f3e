"""The award decision on the demo county, in the service layer: recommend within quota (an over-quota and an
ineligible pick refused), the leading group's votes, approval, 公示 with an objection upheld, the final list
locking the records, an admin's reopening; every step in the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import user_named as user

from app.activities import services as activities
from app.awards import services as awards
from app.awards.services import AwardError
from app.extensions import db
from app.models import (Activity, AuditLog, AwardListState, CandidateState, ObjectionOutcome, Review, Role,
                        VoteChoice)
from app.reviews import services as reviews

RULES = "2025-四个一-委员.yaml"


@pytest.fixture
def annual(annual_review):
    """The demo county, its 2025 members review, and the award lists opened for recommendation."""
    review = annual_review
    lists = awards.open_lists(review, user("office"))
    db.session.commit()
    return review, lists[0]


def economy(board: awards.Board) -> list[awards.Standing]:
    """The 经济界 members of the review, best first (clerk2's unit)."""
    return [s for s in board.standings.values() if s.group == "经济界"]


def test_a_half_year_review_opens_no_award_list(demo):
    half = reviews.run_review(reviews.rule_file(RULES), "2025H1", user("office"))
    with pytest.raises(AwardError, match="全年总结"):
        awards.open_lists(half, user("office"))


def test_the_quotas_are_the_rule_files(annual):
    review, award_list = annual
    board = awards.board(award_list)
    active = sum(1 for s in awards.frozen_subjects(review).values() if s.attrs.get("active"))
    n = active // 10  # share 1/10, floor
    suggested = sorted((s for s in board.standings.values() if s.suggested), key=lambda s: -s.score)
    assert award_list.category == "优秀政协委员" and board.total_quota == len(suggested) >= n
    assert all(s.score == suggested[n - 1].score for s in suggested[n:])  # beyond n: tied at the last place
    top = economy(board)
    eligible = [s for s in top if s.reason is None]
    # two per 界别, and all of those tied at the last place (ties: all_in)
    last = eligible[1].score
    assert board.group_quota["经济界"] == sum(1 for s in eligible if s.score >= last)
    assert all(s.grade == "优秀" for s in eligible)
    assert any(s.reason and "等次" in s.reason for s in top)


def test_an_over_quota_or_ineligible_pick_is_flagged_and_refused(annual):
    _review, award_list = annual
    clerk2 = user("clerk2")
    board = awards.board(award_list)
    eligible = [s for s in economy(board) if s.reason is None]
    allowed = board.group_quota["经济界"]
    for s in eligible[:allowed + 1]:
        awards.recommend(award_list, s.subject_id, f"{s.name}同志积极履职", clerk2)
    found = awards.problems(award_list)
    over = [c for c in award_list.candidates if found[c.id]]
    assert [c.subject_name for c in over] == [eligible[allowed].name]
    assert "超出经济界的名额" in found[over[0].id][0]
    with pytest.raises(AwardError, match="超出经济界的名额"):
        awards.submit(award_list, clerk2)
    assert all(c.state == CandidateState.DRAFT for c in award_list.candidates)  # nothing submitted

    awards.withdraw(over[0], clerk2)
    weak = next(s for s in economy(board) if s.reason and "等次" in s.reason)
    awards.recommend(award_list, weak.subject_id, "", clerk2)
    with pytest.raises(AwardError, match="等次为"):
        awards.submit(award_list, clerk2)


def test_a_clerk_recommends_only_for_their_units(annual):
    _review, award_list = annual
    board = awards.board(award_list)
    other = next(s for s in board.standings.values() if s.group == "农业界" and s.reason is None)
    with pytest.raises(AwardError, match="本单位"):
        awards.recommend(award_list, other.subject_id, "", user("clerk2"))


def test_the_whole_decision_from_recommendation_to_the_final_list_and_an_admins_reopening(annual):
    review, award_list = annual
    office, clerk2, leader, admin = user("office"), user("clerk2"), user("leader"), user("admin")
    board = awards.board(award_list)
    picks = [s for s in economy(board) if s.reason is None][:2]
    for s in picks:
        awards.recommend(award_list, s.subject_id, f"{s.name}同志提出提案多件", clerk2)
    assert [c.state for c in awards.submit(award_list, clerk2)] == [CandidateState.RECOMMENDED] * 2
    # the office recommends for another unit and leaves a draft: dropped when the review starts
    spare = next(s for s in board.standings.values() if s.group == "农业界" and s.suggested)
    awards.recommend(award_list, spare.subject_id, "", office)
    awards.start_review(award_list, office)
    assert award_list.state == AwardListState.REVIEWING and len(award_list.candidates) == 2
    first, second = award_list.candidates

    with pytest.raises(AwardError, match="理由"):
        awards.vote(second, leader, VoteChoice.REJECT, " ")
    with pytest.raises(AwardError, match="领导小组成员"):
        awards.vote(first, office, VoteChoice.APPROVE, "")
    awards.vote(first, leader, VoteChoice.APPROVE, "")
    awards.vote(second, leader, VoteChoice.APPROVE, "")
    awards.vote(second, leader, VoteChoice.REJECT, "事迹材料不实")  # a second vote replaces the first
    tally = awards.tally(award_list)
    assert tally[second.id][VoteChoice.REJECT] == 1 and tally[second.id][VoteChoice.APPROVE] == 0
    with pytest.raises(AwardError, match="没有考核结论"):
        awards.approve(award_list, "常委会议", "十届常委会第五次会议", dt.date(2025, 12, 20), "政协发〔2025〕9号",
                       office)
    awards.conclude(award_list, {first.id: CandidateState.APPROVED, second.id: CandidateState.REJECTED},
                    "从严考核,一人未通过", office)
    awards.approve(award_list, "常委会议", "十届常委会第五次会议", dt.date(2025, 12, 20), "政协发〔2025〕9号", office)
    assert award_list.state == AwardListState.APPROVED
    with pytest.raises(AwardError, match="不能推荐"):  # frozen
        awards.recommend(award_list, spare.subject_id, "", office)

    awards.publish(award_list, dt.date(2025, 12, 22), 7, office)
    assert [c.subject_name for c in awards.published_names(award_list)] == [first.subject_name]
    with pytest.raises(AwardError, match="公示期"):
        awards.lodge_objection(award_list, first.id, "", "13800000000", "材料有误", dt.date(2025, 12, 29))
    objection = awards.lodge_objection(award_list, first.id, "", "13800000000", "该同志提案系他人代写",
                                       dt.date(2025, 12, 23))
    with pytest.raises(AwardError, match="1 件异议"):
        awards.finalise(award_list, office, dt.date(2025, 12, 29))
    awards.handle_objection(objection, ObjectionOutcome.UPHELD, "经核实,异议成立", office)
    assert first.state == CandidateState.REMOVED and first.removal_reason == "经核实,异议成立"
    with pytest.raises(AwardError, match="期满"):
        awards.finalise(award_list, office, dt.date(2025, 12, 28))
    awards.finalise(award_list, office, dt.date(2025, 12, 29))
    db.session.commit()

    # everything that fed the list is locked: the review and its records
    assert award_list.state == AwardListState.FINAL and db.session.get(Review, review.id).locked
    fed = db.session.get(Activity, first_activity(review))
    assert fed.locked and not activities.can_edit(fed, office)

    with pytest.raises(AwardError, match="系统管理员"):
        awards.reopen(award_list, "名单有误", office)
    with pytest.raises(AwardError, match="理由"):
        awards.reopen(award_list, "", admin)
    awards.reopen(award_list, "常委会议决定补充人选", admin)
    db.session.commit()
    assert award_list.state == AwardListState.REOPENED and not db.session.get(Activity, fed.id).locked
    steps = [(row.action, row.after) for row in awards.timeline(award_list) if row.field == "state"]
    assert [after for _action, after in steps if _action == "state"] == [
        "领导小组考核", "已审定", "公示中", "已定稿", "已重新打开"]
    reopened = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "award_list",
                                                           AuditLog.after == "已重新打开"))
    assert reopened.reason == "常委会议决定补充人选" and reopened.user_id == admin.id
    assert admin.role == Role.ADMIN


def first_activity(review: Review) -> int:
    import json
    return next(r["id"] for r in json.loads(review.input_records)["records"] if r["id"] > 0)


def test_a_frozen_card_reads_back_exactly(annual):
    import json

    from app.models import ReviewEntry
    from app.scoring import card_from_json
    review, _award_list = annual
    for text in db.session.scalars(sa.select(ReviewEntry.card).where(ReviewEntry.review_id == review.id)):
        data = json.loads(text)
        card = card_from_json(data)
        assert card.to_json() == data
        assert card.section_points("献一智") == sum((s.points for s in card.sections if s.section == "献一智"), 0)
