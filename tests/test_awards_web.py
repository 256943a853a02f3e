"""The award decision through the web, on the demo county: a clerk recommends (an over-quota pick refused), the
office closes recommendation, a leader votes (a reject without a reason shown beside the field), the office
concludes, approves (a missing 文号 beside its field), publishes; an objection is handled; the final list locks a
record the office then cannot reopen; the admin reopens with a reason, and the page's timeline shows every step."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
from conftest import beijing_date, text_of

from app.awards import services as awards
from app.extensions import db
from app.models import Activity, AwardList, AwardListState, Candidate, CandidateState, Objection, RecordState, User
from app.reviews import services as reviews


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def county(annual_review):
    return annual_review




def post(client, url: str, data: dict | None = None, page_url: str | None = None):
    token = csrf(client.get(page_url or "/awards/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=True)


def test_the_year_end_decision_through_the_web(client, as_user, county, clock):
    review = county
    as_user("office")
    page = text_of(client.get("/awards/"))
    assert "开始推荐表彰人选" in page
    post(client, f"/awards/open/{review.id}")
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == review.id))
    url = f"/awards/{award_list.id}"

    as_user("clerk2")  # 经济界
    page = text_of(client.get(url))
    board = awards.board(award_list)
    ours = [s for s in board.standings.values() if s.group == "经济界" and s.reason is None]
    others = [s for s in board.standings.values() if s.group != "经济界"]
    assert ours[0].name in page and not any(f">{s.name}<" in client.get(url).get_data(as_text=True)
                                            for s in others[:20])
    allowed = board.group_quota["经济界"]
    for s in ours[:allowed + 1]:
        post(client, f"{url}/recommend", {"subject_id": s.subject_id, "deeds": f"{s.name}同志提出提案多件"}, url)
    page = text_of(post(client, f"{url}/submit", page_url=url))
    assert "不能提交" in page and "超出经济界的名额" in page
    extra = db.session.scalar(sa.select(Candidate).where(Candidate.subject_id == ours[allowed].subject_id))
    post(client, f"/awards/candidates/{extra.id}/withdraw", page_url=url)
    page = text_of(post(client, f"{url}/submit", page_url=url))
    assert "推荐人选已提交" in page

    as_user("clerk")  # another unit's clerk cannot touch 经济界's picks
    first = db.session.scalar(sa.select(Candidate).where(Candidate.subject_id == ours[0].subject_id))
    token = csrf(client.get(url).get_data(as_text=True))
    assert client.post(f"/awards/candidates/{first.id}/withdraw", data={"csrf_token": token}).status_code == 404

    as_user("office")
    assert "领导小组开始考核" in text_of(post(client, f"{url}/start", page_url=url))

    as_user("clerk2")
    assert client.get(url).status_code == 404  # recommendation is over for clerks
    as_user("member")
    assert client.get(url).status_code == 403

    as_user("leader")
    second = db.session.scalar(sa.select(Candidate).where(Candidate.subject_id == ours[1].subject_id))
    ballot = f"{url}/ballot"
    page = text_of(post(client, ballot, {f"choice-{second.id}": "REJECT", f"reason-{second.id}": "",
                                         "all_agree": "1"}, ballot))
    assert "不同意时请写明理由" in page
    post(client, ballot, {f"choice-{second.id}": "REJECT", f"reason-{second.id}": "事迹材料不实", "all_agree": "1"},
         ballot)
    assert client.post(f"{url}/approve").status_code in (400, 403)  # not the leader's to do

    as_user("office")
    page = text_of(client.get(url))
    assert "事迹材料不实" in page
    picks = db.session.scalars(sa.select(Candidate.id).where(Candidate.award_list_id == award_list.id)).all()
    decisions = {f"decision-{cid}": "REJECTED" if cid == second.id else "APPROVED" for cid in picks}
    post(client, f"{url}/conclude", {**decisions, "conclusion": "从严考核,一人未通过"}, url)
    page = text_of(post(client, f"{url}/approve", {"body": "常委会议", "meeting_name": "十届常委会第五次会议",
                                                   "decided_on": "2025-12-20", "document_number": ""}, url))
    assert "请填写文号" in page
    db.session.expire_all()
    assert db.session.get(AwardList, award_list.id).state == AwardListState.REVIEWING
    page = text_of(post(client, f"{url}/approve", {"body": "常委会议", "meeting_name": "十届常委会第五次会议",
                                                   "decided_on": "2025-12-20", "document_number": "政协发〔2025〕9号"},
                        url))
    assert "名单已冻结" in page, page[:3000]
    starts = beijing_date() - dt.timedelta(days=10)
    post(client, f"{url}/publish", {"starts_on": starts.isoformat(), "days": "7"}, url)
    db.session.expire_all()
    award_list = db.session.get(AwardList, award_list.id)
    assert award_list.state == AwardListState.PUBLISHED

    # an objection came in during the period (the public form is tested in test_public.py)
    objection = awards.lodge_objection(award_list, first.id, "", "13800000000", "提案系他人代写",
                                       starts + dt.timedelta(days=2))
    db.session.commit()
    page = text_of(post(client, f"{url}/finalise", page_url=url))
    assert "1 件异议没有处理" in page
    post(client, f"/awards/objections/{objection.id}/handle", {"outcome": "DISMISSED", "response": "经核实,提案为本人撰写"},
         url)
    page = text_of(post(client, f"{url}/finalise", page_url=url))
    assert "已定稿" in page
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).response == "经核实,提案为本人撰写"
    assert db.session.get(Candidate, first.id).state == CandidateState.APPROVED

    # a record that fed the list cannot be reopened or edited now
    record_id = next(r["id"] for r in json.loads(review.input_records)["records"] if r["id"] > 0)
    record = db.session.get(Activity, record_id)
    assert record.locked and record.state == RecordState.VERIFIED
    page = text_of(post(client, f"/activities/{record_id}/reopen", {"reason": "改错"}, f"/activities/{record_id}"))
    assert "需由系统管理员解锁" in page
    db.session.expire_all()
    assert db.session.get(Activity, record_id).state == RecordState.VERIFIED

    assert client.post(f"{url}/reopen", data={"csrf_token": csrf(client.get(url).get_data(as_text=True)),
                                               "reason": "x"}).status_code == 403
    as_user("admin")
    page = text_of(post(client, f"{url}/reopen", {"reason": ""}, url))
    assert "请写明理由" in page
    page = text_of(post(client, f"{url}/reopen", {"reason": "常委会议决定补充人选"}, url))
    assert "名单已重新打开" in page
    db.session.expire_all()
    assert not db.session.get(Activity, record_id).locked
    timeline = page.split("过程记录", 1)[1]
    for step in ("开始领导小组考核", "记录审定结果", "发布公示", "定稿", "重新打开名单", "常委会议决定补充人选"):
        assert step in timeline
    full = text_of(client.get(f"{url}/log"))
    for state in ("领导小组考核", "已审定", "公示中", "已定稿", "已重新打开", "常委会议决定补充人选"):
        assert state in full


def test_the_notice_list_names_who_did_not_perform_and_why(client, as_user, county):
    as_user("leader")
    page = text_of(client.get(f"/awards/notices/{county.id}"))
    rows = awards.notices(county)
    assert rows and all(r.reasons for r in rows)
    assert rows[0].name in page and rows[0].reasons[0] in page
    assert all(r.grade == "不合格" or any("未达到" in why or "连续" in why or "缺席" in why for why in r.reasons)
               for r in rows)
    export = client.get(f"/awards/notices/{county.id}?export=csv")
    assert export.status_code == 200 and rows[0].name in export.get_data(as_text=True)
    as_user("clerk")
    assert client.get(f"/awards/notices/{county.id}").status_code == 403


def test_the_admin_sets_the_approving_body_and_the_days_of_publicity(client, as_user, county):
    as_user("office")
    assert client.get("/admin/settings").status_code == 403
    as_user("admin")
    page = text_of(post(client, "/admin/settings", {"approving_body": "主席会议", "publicity_days": "0"},
                        "/admin/settings"))
    assert "公示天数应在 1 到 60 天之间" in page
    page = text_of(post(client, "/admin/settings", {"approving_body": "主席会议", "publicity_days": "5"},
                        "/admin/settings"))
    assert "设置已保存" in page
    as_user("office")
    post(client, f"/awards/open/{county.id}")
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == county.id))
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    pick = next(s for s in awards.board(award_list).standings.values() if s.suggested)
    awards.recommend(award_list, pick.subject_id, "", office)
    awards.submit(award_list, office)
    awards.start_review(award_list, office)
    db.session.commit()
    html = client.get(f"/awards/{award_list.id}").get_data(as_text=True)
    chosen = re.search(r'<select[^>]*name="body"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.search(r'<option[^>]*selected[^>]*value="主席会议"|<option[^>]*value="主席会议"[^>]*selected', chosen)
    from app.models import AuditLog
    change = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "setting",
                                                         AuditLog.field == "approving_body"))
    assert (change.before, change.after) == ("常委会议", "主席会议")
