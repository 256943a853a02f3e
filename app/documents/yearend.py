"""A finished year for the demo county: `flask --app wsgi demo --year-end`.

Runs the 2025 annual reviews, and takes every award list through the whole decision the way the office would
(the rules' own suggestions recommended, the leading group approving, the 常委会议 deciding, 公示 without
objection, 定稿), so the printed documents and the certificate check can be seen without a year of clicking.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.awards import services as awards
from app.extensions import db
from app.models import AwardList, CandidateState, Review, ReviewKind, ReviewState, Role, User, VoteChoice
from app.reviews import services as reviews

DECISIONS = {  # rule file → (body, meeting, 文号)
    "2025-四个一-委员.yaml": ("常委会议", "县政协第十届常委会第十五次会议", "县政协发〔2025〕18号"),
    "2025-四个一-单位.yaml": ("常委会议", "县政协第十届常委会第十五次会议", "县政协发〔2025〕19号"),
    "2025-双比双争-党支部.yaml": ("党委会议", "大源镇党委2025年第12次会议", "大源党发〔2025〕21号"),
    "2025-双比双争-党员.yaml": ("党委会议", "大源镇党委2025年第12次会议", "大源党发〔2025〕22号"),
}
DECIDED_ON = dt.date(2025, 12, 19)
PUBLICITY_STARTS = dt.date(2025, 12, 22)
PUBLICITY_DAYS = 7
FINALISED_ON = dt.date(2025, 12, 30)


def _user(role: Role) -> User:
    found = db.session.scalar(sa.select(User).where(User.role == role).order_by(User.id))
    if found is None:
        raise LookupError(f"no {role.name} account")
    return found


def finish_year() -> list[AwardList]:
    """Run each 2025 annual review that has no frozen annual version yet and finalise its award lists; flush."""
    office, leader = _user(Role.OFFICE), _user(Role.LEADER)
    done: list[AwardList] = []
    for filename, (body, meeting, number) in DECISIONS.items():
        ruleset = reviews.rule_file(filename)
        if ruleset is None or not ruleset.awards:
            continue
        existing = db.session.scalar(sa.select(Review).where(
            Review.period == "2025", Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN,
            Review.rule_set.has(filename=filename)))
        review = existing or reviews.run_review(ruleset, "2025", office)
        if db.session.scalar(sa.select(AwardList.id).where(AwardList.review_id == review.id).limit(1)):
            continue  # decided already
        for award_list in awards.open_lists(review, office):
            _decide(award_list, office, leader, body, meeting, number)
            done.append(award_list)
    db.session.flush()
    return done


def _decide(award_list: AwardList, office: User, leader: User, body: str, meeting: str, number: str) -> None:
    board = awards.board(award_list)
    picks = [s for s in board.standings.values() if s.suggested]
    for standing in picks:
        awards.recommend(award_list, standing.subject_id,
                         f"{standing.name}同志积极履职尽责，年度考评{standing.grade}，事迹突出。", office)
    awards.submit(award_list, office)
    awards.start_review(award_list, office)
    for candidate in award_list.candidates:
        awards.vote(candidate, leader, VoteChoice.APPROVE, "")
    awards.conclude(award_list, {c.id: CandidateState.APPROVED for c in award_list.candidates},
                    "经领导小组从严考核，同意上报。", office)
    awards.approve(award_list, body, meeting, DECIDED_ON, number, office)
    awards.publish(award_list, PUBLICITY_STARTS, PUBLICITY_DAYS, office)
    awards.finalise(award_list, office, FINALISED_ON)
