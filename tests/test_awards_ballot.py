"""A leader's ballot on one page (every candidate with score and 事迹, nothing chosen for them, 全部同意 with
exceptions that need a reason, everything kept when the page comes back with an error, one submit), the list's
过程记录 by step with the full log behind a link, the export of every award list, and what a clerk is told when
no list is open for recommendation. On the demo county."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of
from conftest import user_named as user

from app.awards import services as awards
from app.extensions import db
from app.models import AuditLog, AwardList, AwardListState, Candidate, Vote, VoteChoice


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def reviewing(annual_review):
    """The first award list of the 2025 members review under review, with three recommended candidates."""
    office = user("office")
    award_list = awards.open_lists(annual_review, office)[0]
    board = awards.board(award_list)
    seen: set[str] = set()
    for s in board.standings.values():
        if s.suggested and s.group not in seen and len(seen) < 3:
            seen.add(s.group)
            awards.recommend(award_list, s.subject_id, f"{s.name}同志提交提案五件，调研报告两篇", office)
    awards.submit(award_list, office)
    awards.start_review(award_list, office)
    db.session.commit()
    return award_list


def ballot(client, award_list: AwardList, data: dict) -> str:
    url = f"/awards/{award_list.id}/ballot"
    token = csrf(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True).get_data(as_text=True)


def fieldset(html: str, candidate: Candidate) -> str:
    return re.search(rf'<fieldset[^>]*id="c{candidate.id}".*?</fieldset>', html, re.S).group(0)


def my_votes(award_list: AwardList) -> dict[int, tuple[VoteChoice, str]]:
    leader = user("leader")
    return {v.candidate_id: (v.choice, v.reason) for v in db.session.scalars(
        sa.select(Vote).join(Candidate).where(Candidate.award_list_id == award_list.id, Vote.user_id == leader.id))}


def test_the_ballot_shows_every_candidate_with_score_and_deeds_and_nothing_chosen(client, as_user, reviewing):
    as_user("leader")
    detail = text_of(client.get(f"/awards/{reviewing.id}"))
    assert "开始表决" in detail
    html = client.get(f"/awards/{reviewing.id}/ballot").get_data(as_text=True)
    board = awards.board(reviewing)
    assert len(reviewing.candidates) == 3
    for c in reviewing.candidates:
        row = fieldset(html, c)
        assert c.subject_name in row and c.deeds in row and str(board.standings[c.subject_id].score) in row
        assert all(choice in row for choice in ("同意", "不同意", "弃权"))
    assert "checked" not in html
    assert "其余全部同意并提交" in html


def test_an_exception_without_a_reason_comes_back_with_every_choice_kept(client, as_user, reviewing):
    first, second, third = reviewing.candidates
    as_user("leader")
    html = ballot(client, reviewing, {f"choice-{first.id}": "APPROVE", f"choice-{second.id}": "ABSTAIN",
                                      f"reason-{second.id}": "  ", f"choice-{third.id}": "REJECT",
                                      f"reason-{third.id}": "事迹与考核材料不符", "all_agree": "0"})
    assert "弃权时请写明理由" in fieldset(html, second)
    assert "请写明理由" not in fieldset(html, first) + fieldset(html, third)
    assert re.search(r'value="APPROVE" checked', fieldset(html, first))
    assert re.search(r'value="ABSTAIN" checked', fieldset(html, second))
    assert re.search(r'value="REJECT" checked', fieldset(html, third))
    assert "事迹与考核材料不符" in fieldset(html, third)
    db.session.expire_all()
    assert my_votes(reviewing) == {}  # nothing saved: the ballot is one submit


def test_a_blank_choice_needs_all_agree(client, as_user, reviewing):
    first, second, third = reviewing.candidates
    as_user("leader")
    html = ballot(client, reviewing, {f"choice-{first.id}": "APPROVE", "all_agree": "0"})
    assert "请选择同意、不同意或弃权" in fieldset(html, second) and "请选择同意、不同意或弃权" in fieldset(html, third)
    assert "请选择" not in fieldset(html, first)
    db.session.expire_all()
    assert my_votes(reviewing) == {}


def test_all_agree_with_exceptions_is_one_submit_and_a_changed_vote_replaces_the_old(client, as_user, reviewing):
    first, second, third = reviewing.candidates
    as_user("leader")
    logged = sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "vote")
    before = db.session.scalar(logged)
    page = ballot(client, reviewing, {f"choice-{second.id}": "REJECT", f"reason-{second.id}": "群众反映较多",
                                      f"reason-{first.id}": "同意时不记理由", "all_agree": "1"})
    assert "表决已提交" in page
    db.session.expire_all()
    assert my_votes(reviewing) == {first.id: (VoteChoice.APPROVE, ""), second.id: (VoteChoice.REJECT, "群众反映较多"),
                                   third.id: (VoteChoice.APPROVE, "")}
    assert db.session.scalar(logged) == before + 3

    html = client.get(f"/awards/{reviewing.id}/ballot").get_data(as_text=True)  # the leader's votes, shown again
    assert re.search(r'value="REJECT" checked', fieldset(html, second))
    ballot(client, reviewing, {f"choice-{first.id}": "APPROVE", f"choice-{second.id}": "APPROVE",
                               f"choice-{third.id}": "ABSTAIN", f"reason-{third.id}": "与本人同一单位，回避",
                               "all_agree": "0"})
    db.session.expire_all()
    assert my_votes(reviewing) == {first.id: (VoteChoice.APPROVE, ""), second.id: (VoteChoice.APPROVE, ""),
                                   third.id: (VoteChoice.ABSTAIN, "与本人同一单位，回避")}
    assert db.session.scalar(logged) == before + 5  # the unchanged vote is not logged again
    assert "弃权 1" in text_of(client.get(f"/awards/{reviewing.id}"))


def test_only_a_leader_votes(client, as_user, reviewing):
    for name in ("office", "clerk2", "admin"):
        as_user(name)
        assert client.get(f"/awards/{reviewing.id}/ballot").status_code == 403


def test_a_leader_votes_only_while_the_list_is_under_review(client, as_user, finished_year):
    as_user("leader")
    final = db.session.scalar(sa.select(AwardList).where(AwardList.state == AwardListState.FINAL))
    page = text_of(client.get(f"/awards/{final.id}/ballot", follow_redirects=True))
    assert "不在领导小组考核阶段" in page and "其余全部同意并提交" not in page


def test_the_process_record_is_a_dated_timeline_by_step_with_the_full_log_behind_a_link(client, as_user,
                                                                                        finished_year):
    as_user("office")
    award_list = db.session.scalar(sa.select(AwardList).order_by(AwardList.id))
    rows = awards.timeline(award_list)
    html = client.get(f"/awards/{award_list.id}").get_data(as_text=True)
    steps = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    labels = re.findall(r'<div class="step">\d\. (\S+)</div>', steps)
    assert labels == ["推荐", "考核", "审定", "公示", "定稿"]
    assert steps.count("完成于 2") == 5  # every step of a final list, dated
    lines = re.findall(r"<li><span class=\"nowrap when\">", steps)
    assert 5 <= len(lines) < len(rows) // 2, (len(lines), len(rows))
    text = text_of(client.get(f"/awards/{award_list.id}"))
    assert text.count("开始推荐") == 1
    assert "推荐截止，开始领导小组考核" in text and "记录审定结果" in text and award_list.document_number in text
    assert f"查看完整操作记录（{len(rows)} 条）" in text
    full = client.get(f"/awards/{award_list.id}/log").get_data(as_text=True)
    assert full.count("<tr><td class=\"nowrap\">") == len(rows)


def test_every_award_list_exports_to_one_workbook(client, as_user, finished_year):
    as_user("office")
    lists = db.session.scalars(sa.select(AwardList)).all()
    response = client.get("/awards/?export=xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("表彰类别", "名单", "考评", "名单状态", "姓名")
    assert {r[0] for r in rows[1:]} == {a.category for a in lists}
    assert len(rows) - 1 == sum(max(1, len(a.candidates)) for a in lists)
    names = {r[4] for r in rows[1:]}
    assert all(c.subject_name in names for a in lists for c in a.candidates)
    as_user("clerk")
    assert client.get("/awards/?export=xlsx").mimetype == "text/html"


def test_a_clerk_is_told_which_lists_exist_when_none_is_open_for_recommendation(client, as_user, finished_year):
    lists = db.session.scalars(sa.select(AwardList)).all()
    assert lists and all(a.state == AwardListState.FINAL for a in lists)
    as_user("clerk")
    page = text_of(client.get("/awards/"))
    assert "还没有表彰名单" not in page
    assert f"已有 {len(lists)} 份表彰名单" in page and "没有正在推荐的表彰名单" in page
    assert page.count("已定稿") >= len(lists)
