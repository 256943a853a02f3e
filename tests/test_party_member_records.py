"""Party members' 比贡献 (and 违纪) records: entered by the branch's liaison, verified by the office, kept in scope."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Category, PartyStatus, RecordState, Role


@pytest.fixture
def setup(county, make_member, make_party_member, make_user):
    """Year 2025 open; liaison1 keeps branch_a (李四 正式, 赵六 预备), liaison2 branch_b (钱七); 张三 is a CPPCC member."""
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    li = make_party_member("李四", branch="branch_a")
    zhao = make_party_member("赵六", branch="branch_a", status=PartyStatus.PROBATIONARY)
    qian = make_party_member("钱七", branch="branch_b")
    zhang = make_member("张三", liaison="liaison_a")
    db.session.commit()
    make_user("liaison1", Role.LIAISON, units=("branch_a",))
    make_user("liaison2", Role.LIAISON, units=("branch_b",))
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    return {"li": li, "zhao": zhao, "qian": qian, "zhang": zhang, "county": county}


def contribution(person, **changes):
    data = {"subject": f"p:{person.id}", "kind": "合理化建议", "occurred_on": "2025-03-01",
            "title": "改进纸机烘缸排水的建议", "description": "", "signers": "", "outcome": "采纳", "level": "",
            "instruction_level": "", "amount": "12.5", "people_helped": "", "counterpart": "", "support": "",
            "save": "保存草稿"}
    data.update(changes)
    return data


def records():
    db.session.expire_all()
    return db.session.scalars(sa.select(Activity).order_by(Activity.id)).all()


def test_liaison_form_offers_their_party_members_with_status_and_the_party_kinds(client, login, setup):
    login("liaison1")
    response = client.get("/activities/new/CONTRIBUTION")
    page, text = response.get_data(as_text=True), text_of(response)
    assert "党员比贡献" in text
    assert "李四（P0001，正式党员）" in text and "赵六（P0002，预备党员）" in text and "钱七" not in text
    for kind in ("示范岗", "先锋岗", "党员责任区", "一个党员一面旗", "技术攻关", "合理化建议", "荣誉"):
        assert f'value="{kind}"' in page
    for kind in ("组织生活", "违纪", "提案"):
        assert f'value="{kind}"' not in page
    assert 'value="违纪"' in client.get("/activities/new/OTHER").get_data(as_text=True)


def test_liaison_saves_a_draft_its_unit_is_the_branch_and_the_detail_shows_the_status(client, login, setup):
    login("liaison1")
    response = client.post("/activities/new/CONTRIBUTION", data=contribution(setup["zhao"]))
    assert response.status_code == 302
    [record] = records()
    assert record.party_member_id == setup["zhao"].id and record.member_id is None
    assert record.unit_id == setup["county"]["branch_a"].id
    assert record.category == Category.CONTRIBUTION and record.state == RecordState.DRAFT
    assert (record.kind, record.outcome, str(record.amount)) == ("合理化建议", "采纳", "12.5")
    page = text_of(client.get(f"/activities/{record.id}"))
    assert "赵六" in page and "预备党员" in page and "宏达纸业党支部" in page
    assert "预备党员" in text_of(client.get("/activities/"))
    fields = set(db.session.scalars(sa.select(AuditLog.field).where(AuditLog.entity == "activity",
                                                                    AuditLog.action == "create")))
    assert {"party_member_id", "kind", "title"} <= fields


def test_honour_and_veto_records_keep_their_own_values(client, login, setup):
    login("liaison1")
    honour = contribution(setup["li"], kind="荣誉", title="县级优秀共产党员", outcome="", level="县", amount="")
    assert client.post("/activities/new/CONTRIBUTION", data=honour).status_code == 302
    veto = contribution(setup["li"], kind="违纪", title="党内警告处分", outcome="", amount="")
    assert client.post("/activities/new/OTHER", data=veto).status_code == 302
    by_kind = {r.kind: r for r in records()}
    assert by_kind["荣誉"].level == "县" and by_kind["荣誉"].category == Category.CONTRIBUTION
    assert by_kind["违纪"].category == Category.OTHER and by_kind["违纪"].party_member_id == setup["li"].id


@pytest.mark.parametrize(("changes", "message"), [
    ({"kind": "提案", "outcome": "", "amount": ""}, "本年度细则没有为该对象规定这个类型"),
    ({"kind": "组织生活", "outcome": "", "amount": ""}, "本年度细则没有为该对象规定这个类型"),
    ({"kind": "违纪", "outcome": "", "amount": ""}, "本年度细则没有为该对象规定这个类型"),
    ({"kind": "技术攻关", "outcome": "采纳", "amount": ""}, "细则没有为“技术攻关”规定这个取值"),
    ({"kind": "荣誉", "outcome": "", "level": "乡", "amount": ""}, "细则没有为“荣誉”规定这个取值"),
    ({"kind": "示范岗", "outcome": "", "amount": "3"}, "细则没有为“示范岗”规定这一项"),
    ({"amount": "-1"}, "不能为负数"),
    ({"occurred_on": "2099-01-01"}, "日期不能晚于今天"),
    ({"occurred_on": "2024-06-01"}, "不在开放录入的考评年度内"),
    ({"subject": ""}, "请选择党员"),
])
def test_party_record_errors_are_shown_and_nothing_is_stored(client, login, setup, changes, message):
    login("liaison1")
    response = client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"], **changes))
    assert response.status_code == 200
    assert message in text_of(response)
    assert records() == []


def test_a_duplicate_party_record_is_refused_but_another_person_may_have_the_same(client, login, setup):
    login("liaison1")
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"])).status_code == 302
    response = client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"]))
    assert "请勿重复录入" in text_of(response)
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["zhao"])).status_code == 302
    assert len(records()) == 2


def test_liaison_submits_office_returns_liaison_corrects_office_verifies(client, login, setup):
    login("liaison1")
    client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"]))
    [record] = records()
    edited = contribution(setup["li"], title="烘缸排水改造建议", version=str(record.version))
    assert client.post(f"/activities/{record.id}/edit", data=edited).status_code == 302
    [record] = records()
    assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 302
    client.post("/auth/logout")
    login("office")
    assert "烘缸排水改造建议" in text_of(client.get("/activities/queue?category=CONTRIBUTION"))
    [record] = records()
    client.post(f"/activities/{record.id}/return", data={"version": record.version, "reason": "请附采纳证明"})
    client.post("/auth/logout")
    login("liaison1")
    [record] = records()
    assert record.state == RecordState.RETURNED
    assert "请附采纳证明" in text_of(client.get(f"/activities/{record.id}/edit"))
    resend = contribution(setup["li"], title="烘缸排水改造建议", amount="20", version=str(record.version))
    resend.pop("save")
    resend["send"] = "提交核实"
    assert client.post(f"/activities/{record.id}/edit", data=resend).status_code == 302
    client.post("/auth/logout")
    login("office")
    [record] = records()
    assert record.state == RecordState.SUBMITTED and str(record.amount) == "20"
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 302
    assert records()[0].state == RecordState.VERIFIED
    client.post("/auth/logout")
    login("liaison1")
    response = client.post(f"/activities/{record.id}/edit", data=resend, follow_redirects=True)
    assert "不能修改" in text_of(response)


def test_liaison_of_branch_a_gets_404_on_branch_b_by_post_and_by_url(client, login, setup):
    login("liaison1")
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["qian"])).status_code == 404
    assert records() == []
    client.post("/auth/logout")
    login("liaison2")
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["qian"])).status_code == 302
    [theirs] = records()
    client.post("/auth/logout")
    login("liaison1")
    assert client.get(f"/activities/{theirs.id}").status_code == 404
    assert client.get(f"/activities/{theirs.id}/edit").status_code == 404
    tamper = contribution(setup["qian"], title="篡改", version=str(theirs.version))
    assert client.post(f"/activities/{theirs.id}/edit", data=tamper).status_code == 404
    assert client.post(f"/activities/{theirs.id}/submit", data={"version": theirs.version}).status_code == 404
    assert client.post(f"/activities/{theirs.id}/delete", data={"version": theirs.version}).status_code == 404
    assert "改进纸机烘缸排水的建议" not in text_of(client.get("/activities/"))
    # moving one's own record onto branch B's party member is refused the same way
    client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"]))
    ours = records()[-1]
    moved = contribution(setup["qian"], title="挪到别的支部", version=str(ours.version))
    assert client.post(f"/activities/{ours.id}/edit", data=moved).status_code == 404
    assert [(r.party_member_id, r.state) for r in records()] == [(setup["qian"].id, RecordState.DRAFT),
                                                                  (setup["li"].id, RecordState.DRAFT)]
    assert records()[-1].title == "改进纸机烘缸排水的建议"


def test_party_picker_searches_by_pinyin_initials_within_the_branches(client, login, setup):
    login("liaison1")
    assert client.get("/activities/party-members.json?q=ls").get_json() == [
        {"value": f"p:{setup['li'].id}", "label": "李四（P0001，正式党员）"}]
    assert client.get("/activities/party-members.json?q=zl").get_json()[0]["label"] == "赵六（P0002，预备党员）"
    assert client.get("/activities/party-members.json?q=qq").get_json() == []
    assert client.get("/activities/subjects.json?q=zs").status_code == 403


def test_clerk_may_not_enter_party_member_records(client, login, setup):
    login("clerk1")
    assert client.get("/activities/new/CONTRIBUTION").status_code == 403
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"])).status_code == 403
    assert client.post("/activities/new/OTHER", data=contribution(setup["li"], kind="违纪")).status_code == 403
    as_idea = contribution(setup["li"], kind="提案", outcome="提交", amount="")
    assert client.post("/activities/new/IDEA", data=as_idea).status_code == 404
    assert client.get("/activities/party-members.json?q=ls").status_code == 403
    assert "录入党员比贡献" not in text_of(client.get("/activities/"))
    assert records() == []


def test_liaison_may_not_enter_member_or_unit_records(client, login, setup):
    login("liaison1")
    assert client.get("/activities/new/IDEA").status_code == 403
    idea = contribution(setup["li"], subject=f"m:{setup['zhang'].id}", kind="提案", outcome="提交", amount="")
    assert client.post("/activities/new/IDEA", data=idea).status_code == 403
    as_party = contribution(setup["li"], subject=f"m:{setup['zhang'].id}")
    assert client.post("/activities/new/CONTRIBUTION", data=as_party).status_code == 404
    branch = contribution(setup["li"], subject=f"u:{setup['county']['branch_a'].id}")
    assert client.post("/activities/new/CONTRIBUTION", data=branch).status_code == 404
    response = client.post("/activities/new/CONTRIBUTION", data=contribution(setup["li"], subject="x:1"))
    assert response.status_code == 200 and "请选择您负责党支部的党员" in text_of(response)
    assert records() == []


def test_office_picks_party_members_only_on_the_party_form(client, login, setup):
    login("office")
    wrong = contribution(setup["li"], kind="提案", outcome="提交", amount="")
    response = client.post("/activities/new/IDEA", data=wrong)
    assert "请选择您负责单位的委员或单位" in text_of(response)
    assert client.post("/activities/new/CONTRIBUTION", data=contribution(setup["qian"])).status_code == 302
    assert records()[0].unit_id == setup["county"]["branch_b"].id


def test_liaison_finds_the_entry_form_on_the_records_list_and_the_branch_page(client, login, setup):
    login("liaison1")
    assert "录入党员比贡献" in text_of(client.get("/activities/"))
    branch = setup["county"]["branch_a"]
    page = client.get(f"/branches/{branch.id}").get_data(as_text=True)
    assert f"/activities/new/CONTRIBUTION?branch={branch.id}" in page
    form = text_of(client.get(f"/activities/new/CONTRIBUTION?branch={branch.id}"))
    assert "李四" in form and "赵六" in form
