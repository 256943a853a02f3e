"""A finished year for the demo county: `flask --app wsgi demo --year-end`.

Runs the 2025 annual reviews, and takes every award list through the whole decision the way the office would
(the rules' own suggestions recommended, or for the 镇党委's commendation of 企业主 the owners of the best branches'
enterprises; the leading group approving, the 常委会议 or the 党委会议 deciding, 公示 without
objection, 定稿), so the printed documents and the certificate check can be seen without a year of clicking. The
first two members on the members' 通报 list get a 处理台账: one talked to and 继续观察, one talked to only.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.awards import services as awards
from app.extensions import db
from app.followup import services as followup
from app.models import (AppraisalYear, AwardList, CandidateState, Review, ReviewKind, ReviewState, Role, SubjectKind,
                        User, VoteChoice)
from app.reviews import services as reviews
from app.timeutil import beijing_today

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
    _timetable()
    done: list[AwardList] = []
    for filename, (body, meeting, number) in DECISIONS.items():
        ruleset = reviews.rule_file(filename)
        if ruleset is None or not ruleset.awards:
            continue
        existing = db.session.scalar(sa.select(Review).where(
            Review.period == "2025", Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN,
            Review.rule_set.has(filename=filename)))
        review = existing or reviews.run_review(ruleset, "2025", office)
        if review.subject_kind == SubjectKind.MEMBERS and not followup.cases_of_review(review):
            _follow_up(review, office, leader)
        if db.session.scalar(sa.select(AwardList.id).where(AwardList.review_id == review.id).limit(1)):
            continue  # decided already
        for award_list in awards.open_lists(review, office):
            _decide(award_list, office, leader, body, meeting, number)
            done.append(award_list)
    db.session.flush()
    return done


def _timetable() -> None:
    """The year's later milestones, as the office would have set them for the dates below (the demo county itself
    leaves them unset: its year is still being recorded, and steps dated in 2025 would all read 已逾期)."""
    year = db.session.get(AppraisalYear, 2025)
    if year is not None and year.annual_review_due_on is None:
        year.annual_review_due_on = dt.date(2025, 12, 10)
        year.recommend_due_on = dt.date(2025, 12, 15)
        year.decision_due_on = DECIDED_ON


def _decide(award_list: AwardList, office: User, leader: User, body: str, meeting: str, number: str) -> None:
    board = awards.board(award_list)
    if board.award.nominated:  # 企业主: the office puts forward the owners of the best branches' enterprises
        picks = [s for s in board.standings.values() if s.reason is None][:board.total_quota or 3]
        deeds = "{name}同志重视和支持企业党建工作，为党组织活动提供场地、经费和时间保障，带头参加“双比双争”活动。"
    else:
        picks = [s for s in board.standings.values() if s.suggested]
        deeds = "{name}同志积极履职尽责，年度考评{grade}，事迹突出。"
    for standing in picks:
        awards.recommend(award_list, standing.subject_id, deeds.format(name=standing.name, grade=standing.grade),
                         office)
    awards.submit(award_list, office)
    awards.start_review(award_list, office)
    for candidate in award_list.candidates:
        awards.vote(candidate, leader, VoteChoice.APPROVE, "")
    awards.conclude(award_list, {c.id: CandidateState.APPROVED for c in award_list.candidates},
                    "经领导小组从严考核，同意上报。", office)
    awards.approve(award_list, body, meeting, DECIDED_ON, number, office)
    awards.publish(award_list, PUBLICITY_STARTS, PUBLICITY_DAYS, office)
    awards.finalise(award_list, office, FINALISED_ON)


def _follow_up(review: Review, office: User, leader: User) -> None:
    """Two cases on the members' 通报, dated today (nothing is dated before the 通报, which is the review's day)."""
    named = [n.subject_id for n in awards.notices(review)[:2]]
    if not named:
        return
    today = beijing_today()
    cases, _there = followup.open_cases(review, named, office)
    steps = [
        (followup.add_talk, {"occurred_on": today, "talker_id": leader.id, "talker": "",
                             "content": "说明通报原因；本人表示将按时参加会议，半年内至少提交一件提案或社情民意。"}),
        (followup.add_consult, {"occurred_on": today, "department": "县委统战部",
                                "content": "通报谈话情况，商定先继续观察半年。"}),
        (followup.decide, {"occurred_on": today, "decision": "OBSERVE", "due_on": today + dt.timedelta(days=183),
                           "content": "观察至下一次半年小结。"}),
    ]
    if len(cases) > 1:
        steps.append((followup.add_talk, {"occurred_on": today, "talker_id": None, "talker": "县政协党组成员 王明",
                                          "content": "了解未参加会议的原因，约定下次全体会议前书面说明。"}))
    for (step, data), case in zip(steps, [cases[0]] * 3 + cases[1:2], strict=True):
        if errors := step(case, data, office):
            raise RuntimeError(f"demo 通报处理: {errors}")
