"""The 镇党委's commendation of 企业主, from an empty database (no demo): a liaison registers the owner of their
branch's enterprise; the branches' annual review opens a list “支持党建工作优秀企业主” beside 先进党组织; the liaison
recommends the owner (and may not for another branch, nor see another list), the office and the leading group take
it through the same decision as any list (党委会议 approving, 公示, 定稿); the 荣誉证书 and the 奖状 name the owner
with the enterprise and 职务, and /verify vouches for it as printed."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pypdf
import pytest
import sqlalchemy as sa
from conftest import text_of

from app import organisation
from app.awards import services as awards
from app.awards.services import AwardError
from app.documents import kinds
from app.extensions import db
from app.models import (AuditLog, AwardList, AwardListState, BranchIndicator, BranchResult, Candidate,
                        CandidateState, Certificate, Enterprise, RecordState, Review, Role, Setting, User)
from app.reviews import services as reviews

OWNERS = "支持党建工作优秀企业主"
BEST = {"组织建设": "20", "党员发展": "2", "活动开展": "12", "党员示范岗": "5", "产值增长": "12", "税收": "500",
        "就业人数": "320"}  # 100 points with 劳资关系 和谐: 五星


def csrf(client, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def post(client, url: str, data: dict | None = None, page: str = "/awards/"):
    return client.post(url, data={"csrf_token": csrf(client, page), **(data or {})}, follow_redirects=True)


def sign_in(client, username: str) -> None:
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": username, "password": "Secret-pass-123"}
                       ).status_code == 302


def result(branch, period: str, veto: bool = False) -> None:
    indicators = [BranchIndicator(key=k, value=Decimal(v)) for k, v in BEST.items()]
    indicators.append(BranchIndicator(key="劳资关系", choice="和谐"))
    if veto:
        indicators.append(BranchIndicator(key="重大事故"))
    db.session.add(BranchResult(branch_id=branch.id, period=period, state=RecordState.VERIFIED,
                                indicators=indicators))


@pytest.fixture
def township(app, year, make_user):
    """Two branches with verified results for 2025 (the joint one vetoed), an enterprise each, and the accounts."""
    county = year
    users = {name: make_user(name, role, units, password="Secret-pass-123") for name, role, units in (
        ("office1", Role.OFFICE, ()), ("leader1", Role.LEADER, ()), ("liaison_a", Role.LIAISON, ("branch_a",)),
        ("liaison_b", Role.LIAISON, ("branch_b",)), ("admin1", Role.ADMIN, ()))}
    paper = Enterprise(name="宏达纸业有限公司", branch_id=county["branch_a"].id, industry="造纸", employees=320)
    park = Enterprise(name="园区甲机械有限公司", branch_id=county["branch_b"].id, industry="机械", employees=60,
                      owner_name="赵六", owner_title="总经理")
    db.session.add_all([paper, park])
    for period in ("2025H1", "2025H2"):
        result(county["branch_a"], period)
        result(county["branch_b"], period, veto=True)
    db.session.add_all(Setting(key=organisation.KEYS[k], value=v) for k, v in (
        ("party_committee", "中共宏达镇委员会"), ("public_url", "https://zx.example.gov.cn")))
    db.session.commit()
    return county, users, paper, park


def test_an_owner_is_commended_from_an_empty_database_to_a_verified_certificate(client, township):
    county, users, paper, park = township

    # the liaison registers the owner of their branch's enterprise (a 职务 without a name is refused beside it)
    sign_in(client, "liaison_a")
    owner_url = f"/coverage/enterprises/{paper.id}/owner"
    page = text_of(post(client, owner_url, {"owner_name": "", "owner_title": "董事长"}, owner_url))
    assert "请填写企业主姓名" in page
    post(client, owner_url, {"owner_name": "王建国", "owner_title": "董事长", "owner_phone": "0710-1234567"}, owner_url)
    db.session.expire_all()
    assert (paper.owner_name, paper.owner_title, paper.owner_phone) == ("王建国", "董事长", "0710-1234567")
    logged = {(r.field, r.after) for r in db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == "enterprise", AuditLog.entity_id == paper.id))}
    assert ("owner_name", "王建国") in logged and ("owner_title", "董事长") in logged
    history = text_of(client.get(owner_url))  # the 变更记录 under the form
    assert "变更记录" in history and "企业主姓名 王建国" in history and "企业主职务 董事长" in history
    branch_page = text_of(client.get(f"/branches/{county['branch_a'].id}"))
    assert "宏达纸业有限公司 王建国 董事长 0710-1234567" in branch_page
    assert client.get(f"/coverage/enterprises/{park.id}/owner").status_code == 404  # another branch's enterprise

    # the office runs the branches' review and opens its award lists: the 企业主 list beside 先进党组织
    review = reviews.run_review(reviews.rule_file("2025-双比双争-党支部.yaml"), "2025", users["office1"])
    db.session.commit()
    sign_in(client, "office1")
    post(client, f"/awards/open/{review.id}")
    lists = {a.category: a for a in db.session.scalars(sa.select(AwardList).where(AwardList.review_id == review.id))}
    assert set(lists) == {"先进党组织", OWNERS}
    owners, branches = lists[OWNERS], lists["先进党组织"]
    assert owners.title == f"关于表彰2025年度{OWNERS}的决定"
    board = awards.board(owners)
    assert [(s.subject_id, s.name, s.title) for s in board.standings.values()] == [
        (paper.id, "王建国", "宏达纸业有限公司董事长"), (park.id, "赵六", "园区甲机械有限公司总经理")]
    assert not any(s.suggested for s in board.standings.values())  # nominated: the rules suggest no one
    assert board.standings[park.id].reason.startswith("所在支部：被一票否决")
    page = text_of(client.get(f"/awards/{owners.id}"))
    assert "可推荐的企业主" in page and "细则建议" not in page and "总名额 5 名" in page

    # the liaison sees only the 企业主 list, recommends their branch's owner, and nothing of another branch
    sign_in(client, "liaison_a")
    index = text_of(client.get("/awards/"))
    assert OWNERS in index and "先进党组织" not in index
    assert client.get(f"/awards/{branches.id}").status_code == 404
    url = f"/awards/{owners.id}"
    page = text_of(client.get(url))
    assert "王建国" in page and "赵六" not in page
    post(client, f"{url}/recommend", {"subject_id": paper.id, "deeds": "为支部提供活动室，支持党员示范岗创建。"}, url)
    assert "推荐人选已提交" in text_of(post(client, f"{url}/submit", page=url))
    pick = db.session.scalar(sa.select(Candidate).where(Candidate.award_list_id == owners.id))
    assert (pick.subject_id, pick.subject_name, pick.subject_title, pick.unit_id, pick.state) == (
        paper.id, "王建国", "宏达纸业有限公司董事长", county["branch_a"].id, CandidateState.RECOMMENDED)
    assert pick.recommended_by_id == users["liaison_a"].id

    # the office recommends the 先进党组织 and closes both lists for the leading group
    sign_in(client, "office1")
    post(client, f"/awards/{branches.id}/recommend", {"subject_id": county["branch_a"].id}, f"/awards/{branches.id}")
    for award_list in (branches, owners):
        list_url = f"/awards/{award_list.id}"
        post(client, f"{list_url}/submit", page=list_url)
        post(client, f"{list_url}/start", page=list_url)
    sign_in(client, "leader1")
    for award_list in (branches, owners):
        ballot = f"/awards/{award_list.id}/ballot"
        assert "宏达纸业有限公司董事长" in text_of(client.get(ballot)) or award_list is branches
        post(client, ballot, {"all_agree": "1"}, ballot)
    sign_in(client, "office1")
    starts = dt.date.today() - dt.timedelta(days=10)
    for award_list, number in ((branches, "宏达党发〔2025〕1号"), (owners, "宏达党发〔2025〕1号")):
        list_url = f"/awards/{award_list.id}"
        assert "党委会议" in client.get(list_url).get_data(as_text=True)  # the 镇党委 decides
        decisions = {f"decision-{c.id}": "APPROVED" for c in award_list.candidates}
        post(client, f"{list_url}/conclude", {**decisions, "conclusion": "同意"}, list_url)
        page = text_of(post(client, f"{list_url}/approve", {"body": "党委会议", "meeting_name": "镇党委2025年第12次会议",
                                                           "decided_on": "2025-12-19", "document_number": number},
                            list_url))
        assert "名单已冻结" in page
        post(client, f"{list_url}/publish", {"starts_on": starts.isoformat(), "days": "7"}, list_url)
        assert "已定稿" in text_of(post(client, f"{list_url}/finalise", page=list_url))
    db.session.expire_all()
    assert owners.state == AwardListState.FINAL and owners.approving_body == "党委会议"

    # the 表彰决定 grants it; the 荣誉证书 and the 奖状 name the owner with the enterprise and 职务
    office = db.session.get(User, users["office1"].id)
    decision = kinds.make("decision", review, kinds.Options(), office)
    assert "授予王建国同志“支持党建工作优秀企业主”称号" in flat_text(decision.data)
    made = kinds.make("certificates", review, kinds.Options(), office, print_run=True)
    db.session.commit()
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(made.data)).pages]
    page = next(p for p in pages if "王建国" in p)
    assert "王建国 同志：" in page
    assert "授予宏达纸业有限公司董事长王建国同志2025年度“支持党建工作优秀企业主”称号" in re.sub(r"\s", "", page)
    assert "中共宏达镇委员会" in page and not made.draft
    merit = kinds.make("merit", review, kinds.Options(), office, print_run=True)
    db.session.commit()
    assert "授予宏达纸业有限公司董事长王建国同志" in flat_text(merit.data)

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.candidate_id == pick.id,
                                                          Certificate.subject_name == "王建国").limit(1))
    assert cert.subject_title == "宏达纸业有限公司董事长" and cert.honour == f"2025年度{OWNERS}"
    client.post("/auth/logout")
    checked = text_of(client.get(f"/verify/{cert.number}?c={cert.check_code}"))
    assert "证书真实有效" in checked and "王建国" in checked and "宏达纸业有限公司董事长" in checked
    assert f"2025年度{OWNERS}" in checked and "中共宏达镇委员会" in checked

    # what the list froze stays: a later edit of the enterprise changes neither the list nor the certificate
    paper.owner_title = "总经理"
    db.session.commit()
    assert "宏达纸业有限公司董事长" in text_of(client.get(f"/verify/{cert.number}?c={cert.check_code}"))


def flat_text(data: bytes) -> str:
    return re.sub(r"\s", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def test_a_liaison_recommends_only_for_the_branches_they_liaise(client, township):
    county, users, paper, park = township
    paper.owner_name, paper.owner_title = "王建国", "董事长"
    park_review = reviews.run_review(reviews.rule_file("2025-双比双争-党支部.yaml"), "2025", users["office1"])
    lists = {a.category: a for a in awards.open_lists(park_review, users["office1"])}
    db.session.commit()
    owners = lists[OWNERS]
    url = f"/awards/{owners.id}"

    sign_in(client, "liaison_b")  # the joint branch's liaison, by URL, at the paper mill's owner
    page = text_of(client.get(url))
    assert "赵六" not in page and "王建国" not in page and "另有 1 人不符合条件" in page
    page = text_of(client.get(f"{url}?all=1"))
    assert "赵六 园区甲机械有限公司总经理 园区联合党支部" in page and "所在支部：被一票否决" in page
    assert "王建国" not in page
    page = text_of(post(client, f"{url}/recommend", {"subject_id": paper.id, "deeds": ""}, url))
    assert "只能推荐本人联系的党支部所在企业的企业主" in page
    assert not db.session.scalar(sa.select(Candidate.id).where(Candidate.award_list_id == owners.id))
    # a branch vetoed in the review: its owner may be put down as a draft, but not submitted
    post(client, f"{url}/recommend", {"subject_id": park.id, "deeds": ""}, url)
    page = text_of(post(client, f"{url}/submit", page=url))
    assert "不能提交" in page and "赵六（园区甲机械有限公司总经理）：所在支部：被一票否决" in page
    theirs = db.session.scalar(sa.select(Candidate).where(Candidate.award_list_id == owners.id))

    sign_in(client, "liaison_a")  # another branch's liaison can neither withdraw nor edit that pick
    token = csrf(client, url)
    assert client.post(f"/awards/candidates/{theirs.id}/withdraw", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/awards/candidates/{theirs.id}/deeds", data={"csrf_token": token, "deeds": "x"}
                       ).status_code == 404
    for other in (lists["先进党组织"],):  # nor see, nor recommend on, another list of the same review
        assert client.get(f"/awards/{other.id}").status_code == 404
        assert client.post(f"/awards/{other.id}/recommend", data={"csrf_token": token, "subject_id": county[
            "branch_a"].id}).status_code == 404
    with pytest.raises(AwardError, match="党建工作联络员只能推荐企业主"):
        awards.recommend(lists["先进党组织"], county["branch_a"].id, "", users["liaison_a"])
    assert client.get("/awards/?export=xlsx").mimetype == "text/html"  # no export of every list

    sign_in(client, "leader1")  # only the office and the admins decide
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/start", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/coverage/enterprises/{paper.id}/owner").status_code == 403


def test_the_enterprise_form_keeps_the_owner_in_a_section_of_its_own(client, township):
    county, _users, paper, _park = township
    sign_in(client, "admin1")
    url = f"/admin/enterprises/{paper.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert '<fieldset class="owner">' in html and "企业主（法定代表人）" in html
    page = text_of(post(client, url, {"name": paper.name, "industry": "造纸", "employees": "320",
                                      "owner_phone": "13900000000"}, url))
    assert "请填写企业主姓名" in page
    post(client, url, {"name": paper.name, "industry": "造纸", "employees": "320", "owner_name": "王建国",
                       "owner_title": "董事长", "owner_phone": "abc"}, url)
    db.session.expire_all()
    assert paper.owner_name == ""  # a phone that is not one is refused with the rest
    post(client, url, {"name": paper.name, "industry": "造纸", "employees": "320", "owner_name": "王建国",
                       "owner_title": "董事长", "owner_phone": ""}, url)
    db.session.expire_all()
    assert (paper.owner_name, paper.owner_title) == ("王建国", "董事长")
