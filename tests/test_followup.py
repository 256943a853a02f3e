"""通报 followed by 处理: cases opened from a frozen members' review's 通报 list, their steps and decisions, the list of
open cases, the 待办 count, the member's page and 履职档案, and who may see and write what."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from app.auth.scope import scoped
from app.awards import services as awards
from app.extensions import db
from app.models import AuditLog, Followup, FollowupDecision, FollowupState, FollowupStep, Member, ReviewEntry
from app.timeutil import beijing_today
from conftest import flat, text_of, user_named

TODAY = beijing_today()


def _fresh_notice(review) -> awards.Notice:
    """A member on the 通报 list who has no case yet (the demo opened two)."""
    taken = set(db.session.scalars(sa.select(Followup.member_id)))
    return next(n for n in awards.notices(review) if n.subject_id not in taken)


def _case(member_id: int) -> Followup | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Followup).where(Followup.member_id == member_id))


def test_the_office_opens_a_case_from_a_row_of_the_notice_list(client, finished_year, as_user):
    notice = _fresh_notice(finished_year)
    as_user("office")
    page = text_of(client.get(f"/awards/notices/{finished_year.id}"))
    assert "建立处理台账" in page and "建立台账" in page
    response = client.post(f"/followup/open/{finished_year.id}/{notice.subject_id}")
    case = _case(notice.subject_id)
    assert response.status_code == 302 and response.location.endswith(f"/followup/{case.id}")
    assert case.state == FollowupState.OPEN and case.review_id == finished_year.id
    page = text_of(client.get(f"/followup/{case.id}"))
    assert notice.name in page and all(reason in page for reason in notice.reasons)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "followup", AuditLog.entity_id == case.id,
                                                       AuditLog.field == "reasons")) is not None
    again = client.post(f"/followup/open/{finished_year.id}/{notice.subject_id}")  # a second click: the same case
    assert again.location.endswith(f"/followup/{case.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Followup)
                             .where(Followup.member_id == notice.subject_id)) == 1


def test_a_member_not_on_the_notice_list_gets_no_case(client, finished_year, as_user):
    listed = {n.subject_id for n in awards.notices(finished_year)}
    member_id = db.session.scalar(sa.select(ReviewEntry.subject_id).where(
        ReviewEntry.review_id == finished_year.id, ReviewEntry.subject_id.notin_(listed)).limit(1))
    as_user("office")
    assert client.post(f"/followup/open/{finished_year.id}/{member_id}").status_code == 404
    assert _case(member_id) is None


def test_one_button_opens_a_case_for_everyone_on_the_list(client, finished_year, as_user):
    listed = {n.subject_id for n in awards.notices(finished_year)}
    as_user("office")
    response = client.post(f"/followup/open/{finished_year.id}", follow_redirects=True)
    assert f"已建立 {len(listed) - 2} 件处理台账（此前已有 2 件）" in text_of(response)
    assert set(db.session.scalars(sa.select(Followup.member_id))) == listed
    client.post(f"/followup/open/{finished_year.id}")  # twice: nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Followup)) == len(listed)


def test_steps_and_decisions_with_their_errors_beside_the_fields(client, finished_year, as_user):
    notice = _fresh_notice(finished_year)
    as_user("office")
    client.post(f"/followup/open/{finished_year.id}/{notice.subject_id}")
    case = _case(notice.subject_id)
    url = f"/followup/{case.id}"
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()

    page = client.post(f"{url}/talk", data={"occurred_on": tomorrow, "talker_id": "0", "talker": "", "content": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "日期不能晚于今天" in html and "请选择或填写谈话人" in html \
        and "请填写谈话内容和约定事项" in html
    before = (case.noticed_on - dt.timedelta(days=1)).isoformat()
    page = client.post(f"{url}/consult", data={"occurred_on": before, "department": "县委统战部", "content": "x"})
    assert "日期不能早于通报日期" in page.get_data(as_text=True)
    assert _case(notice.subject_id).steps == []

    leader = user_named("leader")
    assert client.post(f"{url}/talk", data={"occurred_on": TODAY.isoformat(), "talker_id": str(leader.id),
                                            "content": "约定按时参会"}).status_code == 302
    assert client.post(f"{url}/consult", data={"occurred_on": TODAY.isoformat(), "department": "县委组织部",
                                               "content": "通报谈话情况"}).status_code == 302
    page = client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "OTHER", "content": ""})
    assert "选择“其他”时请写明处理决定" in page.get_data(as_text=True)
    assert client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "OBSERVE",
                                              "content": "观察半年"}).status_code == 302
    case = _case(notice.subject_id)
    assert case.state == FollowupState.WATCHING and case.decision == FollowupDecision.OBSERVE  # still open
    assert [s.kind for s in case.steps] == [FollowupStep.TALK, FollowupStep.CONSULT, FollowupStep.DECISION]
    assert case.steps[0].talker_name == leader.display_name

    page = client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "RECTIFY"})
    assert "限期整改请填写整改期限" in page.get_data(as_text=True)
    page = client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "RECTIFY",
                                              "due_on": TODAY.isoformat()})
    assert "期限应晚于决定日期" in page.get_data(as_text=True)
    due = (TODAY + dt.timedelta(days=90)).isoformat()
    assert client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "RECTIFY",
                                              "due_on": due, "content": "三个月内补交提案"}).status_code == 302
    case = _case(notice.subject_id)
    assert case.state == FollowupState.CLOSED and case.decided_on == TODAY
    page = client.post(f"{url}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "RESIGN"})
    assert "已办结，不能再作处理决定" in page.get_data(as_text=True)
    assert _case(notice.subject_id).decision == FollowupDecision.RECTIFY
    page = text_of(client.get(url))
    assert "约定按时参会" in page and "县委组织部" in page and f"期限至 {due}" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "followup_entry")) >= 4


def test_the_list_of_cases_filters_sorts_and_exports(client, finished_year, as_user):
    as_user("office")
    client.post(f"/followup/open/{finished_year.id}")
    cases = db.session.scalars(sa.select(Followup)).all()
    unclosed = [c for c in cases if c.state != FollowupState.CLOSED]
    page = text_of(client.get("/followup/?state=open"))
    assert f"共 {len(unclosed)} 件" in page and "操作" in page
    assert f"共 {len(cases)} 件" in text_of(client.get("/followup/?state=all&year=2025"))
    assert "共 1 件" in text_of(client.get("/followup/?state=WATCHING"))
    assert "共 0 件" in text_of(client.get("/followup/?state=all&year=2024"))
    member = cases[0].member
    in_sector = sum(1 for c in cases if c.member.sector_id == member.sector_id)
    assert f"共 {in_sector} 件" in text_of(client.get(f"/followup/?state=all&unit={member.sector_id}"))
    page = client.get("/followup/?state=all&sort=name&dir=desc&per_page=20").get_data(as_text=True)
    assert 'aria-sort="descending"' in page

    response = client.get("/followup/?state=all&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "委员编号", "界别") and len(rows) == len(cases) + 1
    watched = next(r for r in rows if r[6] == "继续观察中")
    assert watched[7] == 1 and watched[8] == 1 and watched[9] == "继续观察" and "县委统战部" in watched[11]


def test_the_inbox_counts_cases_not_closed(client, finished_year, as_user):
    as_user("office")
    assert "通报待处理 2" in text_of(client.get("/"))  # the demo: one without a decision, one 继续观察
    case = db.session.scalar(sa.select(Followup).where(Followup.state == FollowupState.OPEN))
    client.post(f"/followup/{case.id}/decide", data={"occurred_on": TODAY.isoformat(), "decision": "RESIGN",
                                                     "content": "本人同意辞去委员职务"})
    home = client.get("/").get_data(as_text=True)
    assert "通报待处理" in home and 'href="/followup/?state=open"' in home
    assert "通报待处理 1" in text_of(client.get("/"))
    assert "共 1 件" in text_of(client.get("/followup/?state=open"))  # what the link lists is what it counts


def test_the_dossier_has_the_cases_for_the_office_and_not_for_the_member(client, finished_year, as_user):
    case = db.session.scalar(sa.select(Followup).where(Followup.state == FollowupState.WATCHING))
    as_user("office")
    text = flat(client.get(f"/documents/dossier/{case.member_id}.pdf?year=2025").data)
    assert "五、通报及处理" in text and "观察至下一次半年小结" in text and "继续观察中" in text
    assert "谈话提醒" in text
    other = db.session.scalar(sa.select(Member.id).where(Member.id.notin_(sa.select(Followup.member_id))).limit(1))
    text = flat(client.get(f"/documents/dossier/{other}.pdf?year=2025").data)
    assert "五、通报及处理（无）" in text
    as_user("member")
    member = user_named("member")
    case.member_id = member.member_id  # the demo member's own case
    db.session.commit()
    text = flat(client.get(f"/documents/dossier/{member.member_id}.pdf?year=2025").data)
    assert "通报及处理" not in text and "观察至下一次半年小结" not in text
    assert "通报及处理" not in text_of(client.get(f"/members/{member.member_id}"))


@pytest.mark.parametrize("who", ["inside", "outside", "leader", "member"])
def test_who_reads_and_writes_a_case(client, finished_year, as_user, who):
    seen_by_clerk = set(db.session.scalars(scoped(Member, user_named("clerk")).with_only_columns(Member.id)))
    member = db.session.scalar(scoped(Member, user_named("clerk2")).where(Member.id.notin_(seen_by_clerk))
                               .order_by(Member.id).limit(1))
    case = db.session.scalar(sa.select(Followup))
    case.member_id = member.id  # a member of clerk2's 经济界, outside the other clerk's units
    db.session.commit()
    account = {"inside": "clerk2", "outside": "clerk", "leader": "leader", "member": "member"}[who]
    as_user(account)
    page = client.get(f"/followup/{case.id}")
    listed = client.get("/followup/?state=all")
    post = client.post(f"/followup/{case.id}/talk", data={"occurred_on": TODAY.isoformat(), "talker": "某某",
                                                         "content": "越权"})
    if who in ("inside", "leader"):
        assert page.status_code == 200 and member.name in text_of(page) and "记录谈话提醒" not in text_of(page)
        assert member.name in text_of(listed)
        assert post.status_code == 403
        assert "通报及处理" in text_of(client.get(f"/members/{member.id}"))
    elif who == "outside":
        assert page.status_code == 404 and member.name not in text_of(listed) and post.status_code == 403
    else:
        assert page.status_code == 403 and listed.status_code == 403 and post.status_code == 403
    assert len(_case(member.id).steps) == len(case.steps)
