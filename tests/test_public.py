"""The public pages, as a visitor without an account sees them: a list in 公示 (names only, an objection form
while the period lasts), 委员风采 with its Atom feed and embed page; and the office's choice of what to publish."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from app.awards import services as awards
from app.extensions import db
from app.models import (Activity, AuditLog, AwardList, AwardListState, Candidate, CandidateState, Category,
                        Member, Objection, RecordState, Review, ReviewEntry, ReviewKind, Role, RuleSet, SubjectKind, User,
                        VoteChoice)
from app.reviews import services as reviews
from conftest import beijing_date, text_of

ATOM = "{http://www.w3.org/2005/Atom}"


pytestmark = pytest.mark.usefixtures("clock")  # 公示 runs by Beijing's date, taken at a frozen instant


# --- a small list in 公示, built by hand --------------------------------------------------------------------------

@pytest.fixture
def publicity(county, make_member):
    """A list of 优秀政协委员 with one approved and one rejected candidate, in 公示 from today for 7 days.

    Returns a function that sets the list's state and start date; the members carry a phone and an employer,
    their review entries a score, none of which the public may see.
    """
    approved = make_member("王建国", sector="sector_a", phone="13912345678", employer="宏达纸业有限公司")
    rejected = make_member("赵落选", sector="sector_b", committee="committee_b", phone="13700000001")
    rules = RuleSet(name="2025年度细则", year=2025, subject_kind=SubjectKind.MEMBERS, filename="2025.yaml",
                    content=b"name: x", sha256=hashlib.sha256(b"name: x").hexdigest())
    db.session.add(rules)
    db.session.flush()
    review = Review(period="2025", kind=ReviewKind.ANNUAL, subject_kind=SubjectKind.MEMBERS, rule_set_id=rules.id,
                    content_hash="0" * 64, input_records=json.dumps({"subjects": [], "records": []}))
    db.session.add(review)
    db.session.flush()
    for rank, (member, sector) in enumerate([(approved, "经济界"), (rejected, "教育界")], start=1):
        db.session.add(ReviewEntry(review_id=review.id, subject_id=member.id, subject_name=member.name,
                                   unit_name=sector, score="987.25", grade="优秀", rank=rank, group_rank=1,
                                   card="{}"))
    award_list = AwardList(review_id=review.id, category="优秀政协委员", title="关于表彰2025年度优秀政协委员的决定",
                           state=AwardListState.PUBLISHED, decided_on=dt.date(2025, 12, 20),
                           document_number="政协发〔2025〕9号")
    db.session.add(award_list)
    db.session.flush()
    db.session.add_all([
        Candidate(award_list_id=award_list.id, subject_id=approved.id, subject_name=approved.name,
                  unit_id=county["sector_a"].id, deeds="提出提案多件", state=CandidateState.APPROVED),
        Candidate(award_list_id=award_list.id, subject_id=rejected.id, subject_name=rejected.name,
                  unit_id=county["sector_b"].id, deeds="", state=CandidateState.REJECTED)])

    def set_to(state: AwardListState = AwardListState.PUBLISHED, starts_in_days: int = 0,
               days: int = 7) -> AwardList:
        award_list.state = state
        award_list.publicity_starts_on = beijing_date() + dt.timedelta(days=starts_in_days)
        award_list.publicity_days = days
        db.session.commit()
        return award_list
    return set_to


def objections() -> list[Objection]:
    return list(db.session.scalars(sa.select(Objection)))


@pytest.mark.turn_of_year  # from its first day in Beijing, whatever the date in UTC
def test_anyone_reads_a_list_in_publicity_with_names_unit_sector_and_award_only(client, publicity):
    award_list = publicity()
    index = text_of(client.get("/public/publicity"))
    assert award_list.title in index
    page = client.get(f"/public/publicity/{award_list.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "王建国" in text and "经济界" in text and "优秀政协委员" in text
    start, end = beijing_date(), beijing_date() + dt.timedelta(days=6)
    assert f"{start.year}年{start.month}月{start.day}日" in text and f"{end.year}年{end.month}月{end.day}日" in text
    assert "赵落选" not in text  # rejected by the leading group: not on the public list
    for private in ("13912345678", "宏达纸业", "987.25", "提出提案多件"):
        assert private not in text


@pytest.mark.parametrize("state", [s for s in AwardListState if s != AwardListState.PUBLISHED])
def test_a_list_in_any_other_state_is_not_found(client, publicity, state):
    award_list = publicity(state)
    assert client.get(f"/public/publicity/{award_list.id}").status_code == 404
    assert client.post(f"/public/publicity/{award_list.id}",
                       data={"candidate": "0", "contact": "x", "text": "y"}).status_code == 404
    assert award_list.title not in text_of(client.get("/public/publicity"))
    assert objections() == []


def test_an_objection_through_the_form_is_stored_and_thanked(client, publicity):
    award_list = publicity()
    person = awards.published_names(award_list)[0]
    response = client.post(f"/public/publicity/{award_list.id}", data={
        "candidate": str(person.id), "name": "", "contact": "13800000000", "text": "该同志提案系他人代写"})
    assert response.status_code == 302
    assert "谢谢" in text_of(client.get(response.headers["Location"]))
    [stored] = objections()
    assert (stored.candidate_id, stored.contact, stored.text, stored.name) == (
        person.id, "13800000000", "该同志提案系他人代写", "")
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "objection")).user_id is None


def test_an_objection_without_contact_is_refused_beside_the_field(client, publicity):
    award_list = publicity()
    response = client.post(f"/public/publicity/{award_list.id}",
                           data={"candidate": "0", "name": "李四", "contact": " ", "text": "材料不实"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    contact_field = html[html.index('name="contact"'):]
    assert "请填写联系方式" in contact_field[:contact_field.index('name="text"')]
    assert "材料不实" in html  # what the visitor typed is kept
    assert objections() == []


def test_a_person_not_on_the_public_list_cannot_be_named(client, publicity):
    award_list = publicity()
    rejected = next(c for c in award_list.candidates if c.state == CandidateState.REJECTED)
    response = client.post(f"/public/publicity/{award_list.id}",
                           data={"candidate": str(rejected.id), "contact": "13800000000", "text": "x"})
    assert response.status_code == 200 and objections() == []


@pytest.mark.turn_of_year  # tomorrow in Beijing has not begun, whatever the date in UTC
def test_a_list_whose_publicity_has_not_begun_shows_nothing_yet(client, publicity):
    award_list = publicity(starts_in_days=1, days=7)
    assert client.get(f"/public/publicity/{award_list.id}").status_code == 404
    assert award_list.title not in text_of(client.get("/public/publicity"))
    response = client.post(f"/public/publicity/{award_list.id}",
                           data={"candidate": "0", "contact": "13800000000", "text": "材料不实"})
    assert response.status_code == 404 and objections() == []


@pytest.mark.parametrize(("starts_in_days", "days", "sentence"), [(-8, 7, "公示期已结束")])
def test_outside_the_period_the_form_is_replaced_and_an_objection_refused(client, publicity, starts_in_days,
                                                                        days, sentence):
    award_list = publicity(starts_in_days=starts_in_days, days=days)
    page = client.get(f"/public/publicity/{award_list.id}")
    assert sentence in text_of(page) and 'name="contact"' not in page.get_data(as_text=True)
    response = client.post(f"/public/publicity/{award_list.id}",
                           data={"candidate": "0", "contact": "13800000000", "text": "材料不实"},
                           follow_redirects=True)
    assert "不再受理异议" in text_of(response)
    assert objections() == []


@pytest.mark.turn_of_year
def test_the_last_day_of_the_period_still_takes_objections(client, publicity):
    award_list = publicity(starts_in_days=-6, days=7)
    client.post(f"/public/publicity/{award_list.id}", data={"candidate": "0", "contact": "x@y.cn", "text": "z"})
    assert len(objections()) == 1


def test_the_objection_form_is_csrf_protected_for_anonymous_visitors(app, client, publicity):
    award_list = publicity()
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"candidate": "0", "contact": "13800000000", "text": "材料不实"}
    assert client.post(f"/public/publicity/{award_list.id}", data=data).status_code == 400
    assert objections() == []
    html = client.get(f"/public/publicity/{award_list.id}").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(f"/public/publicity/{award_list.id}", data={**data, "csrf_token": token}).status_code == 302
    assert len(objections()) == 1


def test_a_list_walked_to_publicity_on_the_demo_county_shows_its_approved_names(client, annual_review):
    """The whole decision through the award services, then the public page: sectors from the frozen review."""
    office, clerk2, leader = (db.session.scalar(sa.select(User).where(User.username == n))
                              for n in ("office", "clerk2", "leader"))
    review = annual_review
    award_list = awards.open_lists(review, office)[0]
    picks = [s for s in awards.board(award_list).standings.values() if s.group == "经济界" and s.reason is None][:2]
    for s in picks:
        awards.recommend(award_list, s.subject_id, "事迹", clerk2)
    awards.submit(award_list, clerk2)
    awards.start_review(award_list, office)
    for c in award_list.candidates:
        awards.vote(c, leader, VoteChoice.APPROVE, "")
    awards.conclude(award_list, {c.id: CandidateState.APPROVED for c in award_list.candidates}, "通过", office)
    awards.approve(award_list, "常委会议", "常委会第五次会议", dt.date(2025, 12, 20), "政协发〔2025〕9号", office)
    awards.publish(award_list, beijing_date(), 7, office)
    db.session.commit()

    text = text_of(client.get(f"/public/publicity/{award_list.id}"))
    for s in picks:
        assert s.name in text
        assert f"{s.score.normalize():f}" not in text
    assert "经济界" in text
    for m in db.session.scalars(sa.select(Member).where(Member.name.in_([s.name for s in picks]))):
        assert (not m.phone or m.phone not in text) and (not m.employer or m.employer not in text)


# --- 委员风采 -----------------------------------------------------------------------------------------------------

@pytest.fixture
def record(year, make_member):
    """A verified, not yet published 献一智 record of a member (with a phone the public must not see)."""
    member = make_member("陈明", phone="13955556666", employer="县第一中学")
    activity = Activity(unit_id=year["committee_a"].id, member_id=member.id, category=Category.IDEA, kind="提案",
                        title="关于加快农村公路建设的建议", description="建议分三年完成通村公路硬化。",
                        occurred_on=dt.date(2025, 5, 8), state=RecordState.VERIFIED)
    db.session.add(activity)
    db.session.commit()
    return activity


@pytest.fixture
def office(make_user, login):
    make_user("office", Role.OFFICE)
    login("office")


def publish(client, activity, on=True):
    return client.post(f"/activities/{activity.id}/publish", data={"published": "1" if on else "0"})


def feed_titles(client) -> list[str]:
    response = client.get("/public/highlights.xml")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]


def test_a_highlight_is_public_only_once_the_office_publishes_it_and_while_it_stays_verified(
        app, client, record, office):
    url = f"/public/highlights/{record.id}"
    assert record.title not in text_of(client.get("/public/highlights"))
    assert record.title not in feed_titles(client)
    assert client.get(url).status_code == 404

    detail = client.get(f"/activities/{record.id}")
    assert "发布到委员风采" in text_of(detail)
    publish(client, record)
    page = text_of(client.get("/public/highlights"))
    assert record.title in page and "陈明" in page and "献一智" in page and "2025年5月8日" in page
    assert "13955556666" not in page and "县第一中学" not in page
    assert feed_titles(client) == [record.title]
    assert "建议分三年完成通村公路硬化" in text_of(client.get(url))
    assert "取消发布" in text_of(client.get(f"/activities/{record.id}"))
    logged = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "activity",
                                                         AuditLog.field == "published"))
    assert (logged.before, logged.after) == ("否", "是")

    # reopened for correction: no longer verified, so no longer public (though still marked published)
    client.post(f"/activities/{record.id}/reopen", data={"reason": "数据有误"})
    assert db.session.get(Activity, record.id).state == RecordState.RETURNED
    assert record.title not in text_of(client.get("/public/highlights"))
    assert feed_titles(client) == []
    assert client.get(url).status_code == 404


def test_the_office_can_take_a_highlight_down(client, record, office):
    publish(client, record)
    publish(client, record, on=False)
    assert client.get(f"/public/highlights/{record.id}").status_code == 404
    assert not db.session.get(Activity, record.id).published


def test_only_a_verified_record_can_be_published(client, record, office):
    record.state = RecordState.SUBMITTED
    db.session.commit()
    response = publish(client, record)
    assert "只有已核实的记录" in text_of(client.get(response.headers["Location"]))
    assert not db.session.get(Activity, record.id).published


def test_a_clerk_cannot_publish(client, record, make_user, login):
    make_user("clerk", Role.CLERK, units=("committee_a",))
    login("clerk")
    assert publish(client, record).status_code == 403
    assert not db.session.get(Activity, record.id).published
    assert "发布到委员风采" not in text_of(client.get(f"/activities/{record.id}"))


def test_the_feed_is_atom_with_escaped_text_and_absolute_links(client, record):
    record.title = '<script>alert("x")</script> & 联一户'
    record.description = "A & B <b>"
    record.published = True
    db.session.commit()
    response = client.get("/public/highlights.xml")
    assert b"<script>" not in response.data and b"&amp;" in response.data
    root = ET.fromstring(response.data)
    [entry] = root.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == '<script>alert("x")</script> & 联一户'
    assert entry.findtext(f"{ATOM}summary") == "A & B <b>"
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://localhost/public/highlights/{record.id}"
    assert client.get(link).status_code == 200
    assert "<script>alert" not in client.get("/public/highlights").get_data(as_text=True)


def test_the_embed_page_may_be_framed_by_any_site_and_has_no_site_header(client, record):
    record.published = True
    db.session.commit()
    response = client.get("/public/highlights/embed")
    assert response.status_code == 200
    policy = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors *" in policy and "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert record.title in html and 'class="top"' not in html
    assert f'href="http://localhost/public/highlights/{record.id}"' in html
    assert "frame-ancestors 'none'" in client.get("/public/highlights").headers["Content-Security-Policy"]
