"""Second review of the printed documents, on the demo county with 2025 finished: odd input never gives an error
page; a reward amount Decimal reads but is no amount is refused beside its field, and a field missing from the
form leaves its amount alone; the 公示 notice is clean while the list is in 公示; a list an admin reopens after
its certificates were printed keeps their numbers, and the public check stops vouching for a name dropped."""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from conftest import flat, pdf_text, text_of, user_named

from app.awards import services as awards
from app.documents import content, kinds
from app.documents.yearend import DECISIONS, DECIDED_ON, FINALISED_ON, PUBLICITY_STARTS, _decide
from app.extensions import db
from app.models import (AwardList, AwardListState, CandidateState, Certificate, PrintLog, Review, RewardAmount,
                        SubjectKind)
from app.reviews import services as reviews

pytestmark = pytest.mark.commits  # certificates print as a job, whose progress is written on a connection of its own








@pytest.fixture
def year(finished_year):
    """The demo county's members review of 2025, every award list final."""
    return finished_year


#: Each odd query string, with the documents that read its parameter (every document reads them all once below).
ODD_QUERIES = {
    "?ranking=nonexistent": ("ranking",), "?group=zzz": ("ranking",),
    "?printer=999999999999": ("certificates", "merit"), "?printer=abc": ("certificates", "merit"),
    "?only=": ("certificates", "merit"), "?only=x%20y": ("certificates", "merit"),
    "?subject=99999999999999": ("dossier", "ranking"),
    "?order=x&mode=y&numerals=z&paper=B5": ("awards", "certificates", "merit", "publicity", "decision"),
}


@pytest.mark.slow  # every document once with every odd value, then each odd value on the documents that read it
def test_odd_query_strings_and_a_second_revocation_never_give_an_error_page(client, as_user, year):
    as_user("office")
    every = "?printer=abc&only=x%20y&group=zzz&order=x&mode=y&numerals=z&paper=B5"
    asked = [(name, every) for name in kinds.DOCUMENTS if name != "dossier"]  # every member's 履职档案: a job
    asked += [(name, query) for query, names in ODD_QUERIES.items() for name in names]
    for name, query in asked:
        assert name in kinds.DOCUMENTS, name
        assert client.get(f"/documents/review/{year.id}/{name}.pdf{query}").status_code in (200, 302), (name, query)
    nothing = client.get(f"/documents/review/{year.id}/ranking.pdf?ranking=nonexistent", follow_redirects=True)
    assert "没有这个排名或分组" in text_of(nothing)
    for url in ("/documents/dossier/1.pdf?year=abc", "/documents/dossier/1.pdf?year=99999999999999999999"):
        assert client.get(url).status_code in (200, 404), url
    assert client.get("/documents/review/99999999999999/awards.pdf").status_code == 404
    refused = client.post(f"/documents/review/{year.id}/certificates.pdf", data={"only": "2025-四个一-9999"},
                          follow_redirects=True)
    assert "没有可打印的证书" in text_of(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0  # rolled back: nothing
    client.post(f"/documents/review/{year.id}/certificates.pdf")
    cert = db.session.scalar(sa.select(Certificate).order_by(Certificate.sequence))
    assert client.post(f"/documents/certificates/{cert.id}/revoke", data={"reason": "事迹不实"}).status_code == 302
    twice = client.post(f"/documents/certificates/{cert.id}/revoke", data={"reason": "事迹不实"},
                        follow_redirects=True)
    assert twice.status_code == 200 and "该证书已经撤销" in text_of(twice)  # said, not a bare 422


def test_a_half_year_review_has_its_reports_and_says_why_it_has_no_award_documents(client, as_user, year):
    half = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025H1", user_named("office"))
    db.session.commit()
    as_user("office")
    assert client.get(f"/documents/review/{half.id}").status_code == 200
    for name in ("ranking", "notice"):
        assert client.get(f"/documents/review/{half.id}/{name}.pdf").mimetype == "application/pdf", name
    for name in ("awards", "certificates", "merit", "plaques", "rewards", "letters", "publicity"):
        response = client.get(f"/documents/review/{half.id}/{name}.pdf", follow_redirects=True)
        assert response.status_code == 200 and response.mimetype == "text/html", name
    assert "没有表彰名单" in text_of(client.get(f"/documents/review/{half.id}/awards.pdf", follow_redirects=True))


def test_a_branch_gets_its_award_worded_for_an_organisation(client, as_user, year):
    branches = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.BRANCHES))
    name = next(c.subject_name for a in content.award_lists(branches) for c in a.candidates)
    as_user("office")
    merit = flat(client.post(f"/documents/review/{branches.id}/merit.pdf").data)
    assert f"授予{name}2025年度先进党组织称号" in merit and f"{name}同志" not in merit
    assert "2025双比双争奖状第0001号" in merit  # stored as 2025-双比双争-奖状-0001
    plaques = flat(client.get(f"/documents/review/{branches.id}/plaques.pdf").data)
    assert f"{name}2025年度先进党组织" in plaques


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_reward_decimal_reads_but_is_no_amount_is_refused_beside_its_field(client, as_user, year, typed):
    as_user("office")
    bad = client.post(f"/documents/review/{year.id}/rewards", data={"amount-0": typed})
    assert bad.status_code == 422 and "请填写金额" in text_of(bad)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RewardAmount)) == 0


def test_a_field_missing_from_the_rewards_form_leaves_its_amount_alone(client, as_user, year):
    as_user("office")
    client.post(f"/documents/review/{year.id}/rewards", data={"amount-0": "1000"})
    assert client.post(f"/documents/review/{year.id}/rewards", data={}).status_code == 302
    assert [r.amount for r in db.session.scalars(sa.select(RewardAmount))] == [1000]
    client.post(f"/documents/review/{year.id}/rewards", data={"amount-0": ""})  # an empty box clears it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RewardAmount)) == 0


def test_the_publicity_notice_has_no_draft_watermark_while_the_list_is_in_publicity(client, as_user, year):
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == year.id))
    award_list.state = AwardListState.PUBLISHED  # as it was during the 公示, before 定稿
    db.session.commit()
    as_user("office")
    notice = flat(client.get(f"/documents/review/{year.id}/publicity.pdf").data)
    assert "公示" in notice and "样稿" not in notice
    assert "样稿" in flat(client.get(f"/documents/review/{year.id}/awards.pdf").data)  # the decision: not yet
    award_list.state = AwardListState.REOPENED
    db.session.commit()
    assert "样稿" in flat(client.get(f"/documents/review/{year.id}/publicity.pdf").data)


def check_url(number: str) -> str:
    """What the certificate's QR code holds: its check page, with the check code printed beside the number."""
    code = db.session.scalar(sa.select(Certificate.check_code).where(Certificate.number == number))
    return f"/verify/{number}?c={code}"


def _decide_again(award_list: AwardList, states: dict[int, CandidateState]) -> None:
    office = user_named("office")
    body, meeting, number = DECISIONS["2025-四个一-委员.yaml"]
    awards.conclude(award_list, states, "重新审定。", office)
    awards.approve(award_list, body, meeting, DECIDED_ON, number, office)
    awards.publish(award_list, PUBLICITY_STARTS, 7, office)
    awards.finalise(award_list, office, FINALISED_ON)


def test_a_list_reopened_after_printing_keeps_its_numbers_and_the_check_drops_a_name_taken_off(
        client, as_user, year):
    as_user("office")
    client.post(f"/documents/review/{year.id}/certificates.pdf")
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == year.id))
    numbers = {c.candidate_id: c.number for c in db.session.scalars(sa.select(Certificate))}
    awards.reopen(award_list, "查实一名人选事迹不实", user_named("admin"))
    db.session.commit()

    client.post("/auth/logout")
    first = next(iter(numbers.values()))
    pending = text_of(client.get(check_url(first)))
    assert "此证书不能确认有效" in pending and "证书真实有效" not in pending
    as_user("office")
    assert client.get(f"/documents/review/{year.id}").status_code == 200
    assert client.get(f"/documents/review/{year.id}/certificates.pdf").status_code == 200  # a 样稿, no crash

    dropped, *kept = sorted(numbers)
    _decide_again(award_list, {dropped: CandidateState.REJECTED} | {c: CandidateState.APPROVED for c in kept})
    db.session.commit()
    again = client.post(f"/documents/review/{year.id}/certificates.pdf")
    assert again.status_code == 200 and len(pdf_text(again.data)) == len(kept)
    assert {c.candidate_id: c.number for c in db.session.scalars(sa.select(Certificate))} == numbers
    client.post("/auth/logout")
    taken_off = db.session.get(AwardList, award_list.id).candidates
    gone = next(c for c in taken_off if c.id == dropped)
    refused = text_of(client.get(check_url(numbers[dropped])))
    assert "此证书不能确认有效" in refused and gone.subject_name not in refused
    assert "证书真实有效" in text_of(client.get(check_url(numbers[kept[0]])))


def test_a_review_run_again_after_reopening_gives_the_same_people_their_old_numbers(client, as_user, year):
    as_user("office")
    client.post(f"/documents/review/{year.id}/certificates.pdf")
    old = {c.subject_name: c.number for c in db.session.scalars(sa.select(Certificate))}
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == year.id))
    awards.reopen(award_list, "补录一条已核实记录后重新考评", user_named("admin"))
    db.session.commit()
    new = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", user_named("office"))
    for fresh in awards.open_lists(new, user_named("office")):
        _decide(fresh, user_named("office"), user_named("leader"), *DECISIONS["2025-四个一-委员.yaml"])
    db.session.commit()

    printed = client.post(f"/documents/review/{new.id}/certificates.pdf")
    assert printed.status_code == 200
    found = {c.subject_name: c.number for c in db.session.scalars(sa.select(Certificate))}
    assert found == old  # one honour, one number: no second certificate for the same person
    log = db.session.scalars(sa.select(PrintLog).order_by(PrintLog.id)).all()
    assert [row.reprint for row in log] == [False, True]
    client.post("/auth/logout")
    assert "证书真实有效" in text_of(client.get(check_url(next(iter(old.values())))))


