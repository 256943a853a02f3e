"""Office verification: the queue, 核实 / 退回 per row or with a reason, bulk 核实, reopening, audit history."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Category, RecordState, Role


@pytest.fixture
def setup(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", liaison="liaison_a")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    make_user("leader", Role.LEADER)
    return {"ours": ours, "theirs": theirs, "county": county}


@pytest.fixture
def add(setup):
    def make(member, title, state=RecordState.SUBMITTED, category=Category.IDEA, kind="提案",
             occurred_on=dt.date(2025, 3, 1)):
        record = Activity(unit_id=member.liaison_id, member_id=member.id, category=category, kind=kind,
                          title=title, occurred_on=occurred_on, outcome="提交", state=state,
                          entered_by_unit_id=member.liaison_id)  # entered by the liaison office's clerk
        db.session.add(record)
        db.session.commit()
        return record
    return make


def fresh(record_id):
    db.session.expire_all()
    return db.session.get(Activity, record_id)


def form(**changes):
    data = {"subject": "", "kind": "提案", "occurred_on": "2025-03-01", "title": "改后的提案", "description": "",
            "signers": "", "outcome": "提交", "level": "", "instruction_level": "", "amount": "",
            "people_helped": "", "counterpart": "", "support": "", "send": "提交核实"}
    data.update(changes)
    return data


def test_queue_lists_submitted_records_across_the_county_with_filters(client, login, setup, add):
    add(setup["ours"], "甲提案")
    add(setup["theirs"], "乙提案")
    add(setup["theirs"], "丙草稿", state=RecordState.DRAFT)
    add(setup["theirs"], "丁引企", category=Category.ENTERPRISE, kind="引进企业")
    login("office")
    page = text_of(client.get("/activities/queue"))
    assert "甲提案" in page and "乙提案" in page and "丁引企" in page and "丙草稿" not in page
    page = text_of(client.get(f"/activities/queue?unit={setup['county']['liaison_a'].id}"))
    assert "甲提案" in page and "乙提案" not in page
    page = text_of(client.get("/activities/queue?category=ENTERPRISE"))
    assert "丁引企" in page and "甲提案" not in page
    page = text_of(client.get("/activities/queue?q=ww"))
    assert "乙提案" in page and "甲提案" not in page
    page = text_of(client.get("/activities/queue?start=2025-04-01"))
    assert "共 0 条待核实" in page


def test_only_office_and_admin_verify(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    login("leader")
    assert client.get("/activities/queue").status_code == 403
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 403
    assert client.post("/activities/queue/verify", data={"scope": "all"}).status_code == 403
    client.post("/auth/logout")
    login("clerk1")  # a clerk verifies members' own reports only (test_self_report_verification.py)
    assert "甲提案" not in text_of(client.get("/activities/queue"))
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 403
    assert client.post(f"/activities/{record.id}/return", data={"version": record.version,
                                                               "reason": "不对"}).status_code == 403
    client.post("/activities/queue/verify", data={"scope": "all"})
    assert fresh(record.id).state == RecordState.SUBMITTED


def test_verify_then_read_only_then_reopen_with_reason(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    login("office")
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 302
    record = fresh(record.id)
    assert record.state == RecordState.VERIFIED and record.verified_by_id is not None
    page = text_of(client.get(f"/activities/{record.id}"))
    assert "重新打开" in page and "变更记录" in page
    client.post(f"/activities/{record.id}/reopen", data={"version": record.version, "reason": ""})
    assert fresh(record.id).state == RecordState.VERIFIED
    client.post("/auth/logout")
    login("clerk1")
    assert "提交核实" not in text_of(client.get(f"/activities/{record.id}"))
    response = client.post(f"/activities/{record.id}/edit", data=form(subject=f"m:{setup['ours'].id}",
                                                                     version=record.version))
    assert response.status_code == 302 and fresh(record.id).title == "甲提案"
    client.post("/auth/logout")
    login("office")
    response = client.post(f"/activities/{record.id}/reopen",
                           data={"version": record.version, "reason": "金额有误"}, follow_redirects=True)
    record = fresh(record.id)
    assert record.state == RecordState.RETURNED and record.return_reason == "金额有误"
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "activity",
                                                        AuditLog.entity_id == record.id)).all()
    assert [(r.action, r.before, r.after) for r in rows] == [("verify", "已提交", "已核实"),
                                                             ("reopen", "已核实", "退回")]
    assert rows[1].reason == "金额有误"
    assert "金额有误" in text_of(response)


def test_return_needs_a_reason_then_clerk_sees_it_edits_and_resubmits(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    login("office")
    response = client.post(f"/activities/{record.id}/return", data={"version": record.version, "reason": " "},
                           follow_redirects=True)
    assert "请填写退回原因" in text_of(response)
    assert fresh(record.id).state == RecordState.SUBMITTED
    client.post(f"/activities/{record.id}/return", data={"version": record.version, "reason": "请补充立案通知书"})
    record = fresh(record.id)
    assert record.state == RecordState.RETURNED
    client.post("/auth/logout")
    login("clerk1")
    assert "请补充立案通知书" in text_of(client.get(f"/activities/{record.id}"))
    assert "请补充立案通知书" in text_of(client.get(f"/activities/{record.id}/edit"))
    response = client.post(f"/activities/{record.id}/edit",
                           data=form(subject=f"m:{setup['ours'].id}", outcome="立案", version=record.version))
    assert response.status_code == 302
    record = fresh(record.id)
    assert record.state == RecordState.SUBMITTED and record.outcome == "立案" and record.title == "改后的提案"
    client.post("/auth/logout")
    login("office")
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 302
    assert fresh(record.id).state == RecordState.VERIFIED
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.entity_id == record.id,
                                                                  AuditLog.entity == "activity")
                                 .order_by(AuditLog.id)).all()
    assert actions[0] == "return" and actions[-1] == "verify" and "update" in actions


def test_verify_from_a_stale_page_is_refused(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    old = record.version
    login("office")
    client.post(f"/activities/{record.id}/return", data={"version": old, "reason": "补材料"})
    response = client.post(f"/activities/{record.id}/verify", data={"version": old}, follow_redirects=True)
    assert "该记录已被他人修改，请刷新后再改" in text_of(response)
    assert fresh(record.id).state == RecordState.RETURNED


def test_bulk_verify_selected_and_all_filtered(client, login, setup, add):
    a = add(setup["ours"], "甲提案")
    b = add(setup["ours"], "乙提案")
    c = add(setup["theirs"], "丙提案")
    d = add(setup["theirs"], "丁引企", category=Category.ENTERPRISE, kind="引进企业")
    draft = add(setup["theirs"], "戊草稿", state=RecordState.DRAFT)
    login("office")
    selected = {"scope": "selected", "ids": [a.id, draft.id]}
    page = text_of(client.post("/activities/queue/verify", data=selected))  # first: a confirmation, no change
    assert "将核实 1 条记录" in page and "我已知道其中 1 条没有附件" in page
    assert fresh(a.id).state == RecordState.SUBMITTED
    response = client.post("/activities/queue/verify", follow_redirects=True,
                           data={**selected, "confirm": "1", "expect": "1:1", "ack": "1"})
    assert "已核实 1 条记录" in text_of(response)
    assert fresh(a.id).state == RecordState.VERIFIED and fresh(draft.id).state == RecordState.DRAFT
    response = client.post("/activities/queue/verify?category=IDEA", follow_redirects=True,
                           data={"scope": "all", "confirm": "1", "expect": "2:2", "ack": "1"})
    assert "已核实 2 条记录" in text_of(response)
    assert fresh(b.id).state == fresh(c.id).state == RecordState.VERIFIED
    assert fresh(d.id).state == RecordState.SUBMITTED
    count = db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "verify"))
    assert count == 3


def test_clerk_does_not_see_the_audit_history(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    login("office")
    client.post(f"/activities/{record.id}/verify", data={"version": record.version})
    client.post("/auth/logout")
    login("clerk1")
    assert "变更记录" not in text_of(client.get(f"/activities/{record.id}"))


def row_form(page, action, record_id):
    """The action and hidden fields of one queue row's own form (核实 or 退回), as the browser would post it."""
    match = re.search(rf'<form method="post" action="([^"]+)" id="{action}-{record_id}" hidden>(.*?)</form>',
                      page, flags=re.S)
    assert match, f"no {action} form for record {record_id}"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', match.group(2)))
    return match.group(1).replace("&amp;", "&"), fields


def test_each_queue_row_verifies_or_returns_only_itself(client, login, setup, add):
    a = add(setup["ours"], "甲提案")
    b = add(setup["theirs"], "乙提案")
    c = add(setup["theirs"], "丙提案")
    login("office")
    page = client.get("/activities/queue?category=IDEA").get_data(as_text=True)
    assert page.count('form="verify-') == 3 and page.count('form="return-') >= 3
    action, fields = row_form(page, "verify", a.id)
    response = client.post(action, data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/activities/queue?category=IDEA")
    assert fresh(a.id).state == RecordState.VERIFIED and fresh(b.id).state == RecordState.SUBMITTED
    action, fields = row_form(page, "return", b.id)
    response = client.post(action, data=dict(fields, reason="请补充调研材料"), follow_redirects=True)
    assert "已退回" in text_of(response)
    record = fresh(b.id)
    assert record.state == RecordState.RETURNED and record.return_reason == "请补充调研材料"
    action, fields = row_form(page, "return", c.id)
    response = client.post(action, data=dict(fields, reason=" "), follow_redirects=True)
    assert "请填写退回原因" in text_of(response)
    assert fresh(c.id).state == RecordState.SUBMITTED
    page = text_of(client.get("/activities/queue?category=IDEA"))
    assert "丙提案" in page and "甲提案" not in page and "乙提案" not in page


def test_a_queue_row_from_a_stale_page_is_refused(client, login, setup, add):
    record = add(setup["ours"], "甲提案")
    login("office")
    page = client.get("/activities/queue").get_data(as_text=True)
    verify_action, verify_fields = row_form(page, "verify", record.id)
    return_action, return_fields = row_form(page, "return", record.id)
    # meanwhile it is returned, corrected and submitted again: the row's copy is out of date
    client.post(f"/activities/{record.id}/return", data={"version": record.version, "reason": "补材料"})
    client.post("/auth/logout")
    login("clerk1")
    client.post(f"/activities/{record.id}/submit", data={"version": fresh(record.id).version})
    client.post("/auth/logout")
    login("office")
    assert fresh(record.id).state == RecordState.SUBMITTED
    response = client.post(verify_action, data=verify_fields, follow_redirects=True)
    assert "该记录已被他人修改，请刷新后再改" in text_of(response)
    response = client.post(return_action, data=dict(return_fields, reason="过时的退回"), follow_redirects=True)
    assert "该记录已被他人修改，请刷新后再改" in text_of(response)
    assert fresh(record.id).state == RecordState.SUBMITTED and fresh(record.id).return_reason == "补材料"


def test_bulk_verify_still_works_beside_the_row_buttons(client, login, setup, add):
    a = add(setup["ours"], "甲提案")
    b = add(setup["ours"], "乙提案")
    login("office")
    page = client.get("/activities/queue").get_data(as_text=True)
    assert "核实所选记录" in page and "核实筛选出的全部 2 条" in page
    client.post("/activities/queue/verify", data={"scope": "selected", "ids": [b.id], "confirm": "1",
                                                  "expect": "1:1", "ack": "1"})
    assert fresh(a.id).state == RecordState.SUBMITTED and fresh(b.id).state == RecordState.VERIFIED


def test_party_member_records_wait_in_the_same_queue(client, login, setup, make_party_member):
    person = make_party_member("李四", branch="branch_a")
    record = Activity(unit_id=person.branch_id, party_member_id=person.id, category=Category.CONTRIBUTION,
                      kind="示范岗", title="车间党员示范岗", occurred_on=dt.date(2025, 3, 1), state=RecordState.SUBMITTED)
    db.session.add(record)
    db.session.commit()
    login("office")
    page = client.get("/activities/queue?category=CONTRIBUTION")
    assert "车间党员示范岗" in text_of(page) and "正式党员" in text_of(page)
    action, fields = row_form(page.get_data(as_text=True), "verify", record.id)
    client.post(action, data=fields)
    assert fresh(record.id).state == RecordState.VERIFIED
