"""The award decision's rules at their edges (found in review): quotas hold whatever the order of submission; an
approved list locks what fed it, and a new review version cannot pull the ground from under it; reopening frees only
what no other frozen list holds, and the office can decide again; an objection is answered once; a clerk never
reads another unit's picks."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
from conftest import text_of, user_named as user

from app.awards import services as awards
from app.awards.services import AwardError
from app.demo import PASSWORD
from app.extensions import db
from app.models import (Activity, AwardListState, CandidateState, ObjectionOutcome, Review, ReviewState,
                        VoteChoice)
from app.reviews import services as reviews

MEMBERS, UNITS = "2025-四个一-委员.yaml", "2025-四个一-单位.yaml"


@pytest.fixture
def county(annual_review):
    review = annual_review
    award_list = awards.open_lists(review, user("office"))[0]
    db.session.commit()
    return review, award_list


def economy(award_list) -> list[awards.Standing]:
    return [s for s in awards.board(award_list).standings.values() if s.group == "经济界" and s.reason is None]


def approve(award_list, picks) -> None:
    """Recommend `picks` (standings) as the office, review and approve them all."""
    office = user("office")
    for s in picks:
        awards.recommend(award_list, s.subject_id, "", office)
    awards.submit(award_list, office)
    awards.start_review(award_list, office)
    awards.conclude(award_list, {c.id: CandidateState.APPROVED for c in award_list.candidates}, "", office)
    awards.approve(award_list, "常委会议", "常委会", dt.date(2025, 12, 20), "政协发〔2025〕9号", office)


def test_a_quota_holds_whatever_the_order_of_submission(county):
    _review, award_list = county
    clerk2 = user("clerk2")
    ours = economy(award_list)
    allowed = awards.board(award_list).group_quota["经济界"]
    awards.recommend(award_list, ours[allowed].subject_id, "", clerk2)  # the lowest-scoring one first
    awards.submit(award_list, clerk2)
    for s in ours[:allowed]:
        awards.recommend(award_list, s.subject_id, "", clerk2)
    with pytest.raises(AwardError, match="经济界的名额"):
        awards.submit(award_list, clerk2)
    recommended = [c for c in award_list.candidates if c.state == CandidateState.RECOMMENDED]
    assert len(recommended) == 1


def test_an_approved_list_locks_its_records_and_its_period_cannot_be_run_again(county):
    review, award_list = county
    approve(award_list, economy(award_list)[:2])
    db.session.commit()
    fed = next(r["id"] for r in json.loads(review.input_records)["records"] if r["id"] > 0)
    assert db.session.get(Activity, fed).locked and review.locked
    with pytest.raises(reviews.ReviewError, match="表彰名单"):
        reviews.run_review(reviews.rule_file(MEMBERS), "2025", user("office"))
    assert db.session.get(Review, review.id).state == ReviewState.FROZEN


def test_reopening_frees_only_what_no_other_frozen_list_holds_and_the_office_decides_again(county):
    review, award_list = county
    units = reviews.run_review(reviews.rule_file(UNITS), "2025", user("office"))
    unit_list = awards.open_lists(units, user("office"))[0]
    approve(award_list, economy(award_list)[:2])
    approve(unit_list, [next(s for s in awards.board(unit_list).standings.values() if s.suggested)])
    db.session.commit()
    members_fed = {r["id"] for r in json.loads(review.input_records)["records"] if r["id"] > 0}
    shared = members_fed & {r["id"] for r in json.loads(units.input_records)["records"] if r["id"] > 0}
    assert shared  # a unit's collective work credited to its named members feeds both reviews

    awards.reopen(unit_list, "补充人选", user("admin"))
    db.session.commit()
    locked = dict(db.session.execute(sa.select(Activity.id, Activity.locked).where(Activity.id.in_(shared))).all())
    assert all(locked.values())  # the members' approved list still holds them
    only_units = {r["id"] for r in json.loads(units.input_records)["records"] if r["id"] > 0} - members_fed
    assert not any(db.session.scalars(sa.select(Activity.locked).where(Activity.id.in_(only_units))))

    # the reopened list is decided again, and locks again
    office = user("office")
    awards.vote(unit_list.candidates[0], user("leader"), VoteChoice.APPROVE, "")
    awards.conclude(unit_list, {unit_list.candidates[0].id: CandidateState.APPROVED}, "复核通过", office)
    awards.approve(unit_list, "常委会议", "常委会", dt.date(2025, 12, 28), "政协发〔2025〕10号", office)
    assert unit_list.state == AwardListState.APPROVED and units.locked


def test_an_objection_is_answered_once(county):
    _review, award_list = county
    approve(award_list, economy(award_list)[:2])
    awards.publish(award_list, dt.date(2025, 12, 22), 7, user("office"))
    first = award_list.candidates[0]
    objection = awards.lodge_objection(award_list, first.id, "", "138", "异议", dt.date(2025, 12, 23))
    awards.handle_objection(objection, ObjectionOutcome.UPHELD, "成立", user("office"))
    with pytest.raises(AwardError, match="已经处理过"):
        awards.handle_objection(objection, ObjectionOutcome.DISMISSED, "改判", user("office"))
    assert first.state == CandidateState.REMOVED


def test_a_clerk_reads_neither_another_units_picks_nor_a_list_past_recommendation(app, client, county):
    _review, award_list = county
    agri = next(s for s in awards.board(award_list).standings.values() if s.group == "农业界" and s.reason is None)
    awards.recommend(award_list, agri.subject_id, "农业界的秘密事迹", user("office"))
    db.session.commit()
    app.config["DEMO_MODE"] = True
    client.post("/auth/login", data={"username": "clerk2", "password": PASSWORD})
    page = text_of(client.get(f"/awards/{award_list.id}"))
    assert "农业界的秘密事迹" not in page and agri.name not in page.split("过程记录", 1)[1]
    awards.recommend(award_list, economy(award_list)[0].subject_id, "", user("clerk2"))
    awards.submit(award_list, user("clerk2"))
    awards.start_review(award_list, user("office"))
    db.session.commit()
    assert client.get(f"/awards/{award_list.id}").status_code == 404
    assert client.post(f"/awards/{award_list.id}/recommend", data={}).status_code == 404


def test_a_kept_page_carries_each_sessions_own_csrf_token(app, county):
    from flask import g

    review, _award_list = county
    app.config.update(DEMO_MODE=True, WTF_CSRF_ENABLED=True)

    def fresh() -> None:  # as a server's request: nothing left in `g` by the one before (the test's is shared)
        for key in ("csrf_token", "_login_user"):
            g.pop(key, None)

    tokens = []
    for _ in range(2):  # two browsers of the same user
        browser = app.test_client()
        fresh()
        login = browser.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        fresh()
        browser.post("/auth/login", data={"username": "office", "password": PASSWORD, "csrf_token": token})
        fresh()
        page = browser.get(f"/reviews/{review.id}").get_data(as_text=True)
        kept = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        fresh()
        assert browser.post("/auth/logout", data={"csrf_token": kept}).status_code == 302  # the token is its own
        tokens.append(kept)
    assert tokens[0] != tokens[1]
