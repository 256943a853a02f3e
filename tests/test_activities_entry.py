"""Record entry by clerks and the office: the four forms, rule-file vocabulary, scope, read-only states, locking."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Category, RecordState, Role


@pytest.fixture
def setup(county, make_member, make_user):
    """Year 2025 open; clerk1 keeps liaison_a, clerk2 liaison_b; 张三 and 李红 in A, 王五 in B."""
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", liaison="liaison_a")
    second = make_member("李红", liaison="liaison_a")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    make_user("office", Role.OFFICE)
    return {"ours": ours, "second": second, "theirs": theirs, "county": county}


def idea(member, **changes):
    data = {"subject": f"m:{member.id}", "kind": "提案", "occurred_on": "2025-03-01", "title": "关于加快乡村道路建设的提案",
            "description": "", "signers": "", "outcome": "提交", "level": "", "instruction_level": "",
            "amount": "", "people_helped": "", "counterpart": "", "support": "", "save": "保存草稿"}
    data.update(changes)
    return data


def only_record():
    return db.session.scalars(sa.select(Activity)).one()


def test_clerk_saves_an_idea_draft_with_joint_signers_in_order(client, login, setup):
    login("clerk1")
    assert "献一智" in text_of(client.get("/activities/new/IDEA"))
    response = client.post("/activities/new/IDEA", data=idea(setup["ours"], signers="李红"))
    assert response.status_code == 302
    record = only_record()
    assert record.state == RecordState.DRAFT and record.category == Category.IDEA
    assert record.unit_id == setup["county"]["liaison_a"].id
    assert [(p.position, p.member.name) for p in record.participants] == [(1, "张三"), (2, "李红")]
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "activity")).all()
    assert {r.action for r in rows} == {"create"} and {"title", "kind", "signers"} <= {r.field for r in rows}


def test_a_record_can_be_submitted_straight_from_the_form(client, login, setup):
    login("clerk1")
    data = idea(setup["ours"], kind="社情民意", outcome="采用", level="市", instruction_level="省")
    data.pop("save")
    data["send"] = "提交核实"
    assert client.post("/activities/new/IDEA", data=data).status_code == 302
    record = only_record()
    assert record.state == RecordState.SUBMITTED and record.submitted_at is not None
    assert (record.outcome, record.level, record.instruction_level) == ("采用", "市", "省")


def test_enterprise_pairing_and_relief_forms_save_their_own_fields(client, login, setup):
    login("clerk1")
    m = setup["ours"]
    assert client.post("/activities/new/ENTERPRISE", data=idea(
        m, kind="引进企业", title="引进宏达纸业", outcome="落地", amount="1200.5", counterpart="宏达纸业有限公司")
    ).status_code == 302
    assert client.post("/activities/new/PAIRING", data=idea(
        m, kind="结对困难户", title="结对帮扶", outcome="", counterpart="城关镇李家", support="每月走访")
    ).status_code == 302
    assert client.post("/activities/new/RELIEF", data=idea(
        m, kind="捐资助学", title="资助贫困学生", outcome="", amount="5000", people_helped="3")).status_code == 302
    records = {a.category: a for a in db.session.scalars(sa.select(Activity))}
    assert str(records[Category.ENTERPRISE].amount) == "1200.5"
    assert records[Category.ENTERPRISE].counterpart == "宏达纸业有限公司"
    assert records[Category.PAIRING].support == "每月走访"
    assert records[Category.RELIEF].people_helped == 3


def test_a_unit_may_be_the_subject_but_only_the_clerks_own(client, login, setup):
    login("clerk1")
    county = setup["county"]
    ok = idea(setup["ours"], subject=f"u:{county['liaison_a'].id}", kind="结对村社区", outcome="", title="结对东村")
    assert client.post("/activities/new/PAIRING", data=ok).status_code == 302
    record = only_record()
    assert record.member_id is None and record.unit_id == county["liaison_a"].id
    other = dict(ok, subject=f"u:{county['liaison_b'].id}", title="结对西村")
    assert client.post("/activities/new/PAIRING", data=other).status_code == 404


def test_form_offers_exactly_the_kinds_of_the_rule_files(client, login, setup):
    login("clerk1")
    page = client.get("/activities/new/IDEA").get_data(as_text=True)
    for kind in ("提案", "社情民意", "意见建议", "集体提案", "调研报告"):
        assert f'value="{kind}"' in page
    assert 'value="引进企业"' not in page and 'value="捐资助学"' not in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"occurred_on": "2099-01-01"}, "日期不能晚于今天"),
    ({"occurred_on": "2024-12-31"}, "不在开放录入的考评年度内"),
    ({"occurred_on": "昨天"}, "请输入有效日期"),
    ({"title": ""}, "请填写标题"),
    ({"kind": "捐资助学"}, "本年度细则没有为该对象规定这个类型"),
    ({"kind": "随便写"}, "本年度细则没有为该对象规定这个类型"),
    ({"outcome": "采用"}, "细则没有为“提案”规定这个取值"),
    ({"level": "市"}, "细则没有为“提案”规定这个取值"),
    ({"signers": "查无此人"}, "找不到联名委员“查无此人”"),
    ({"signers": "张三"}, "联名委员“张三”重复"),
    ({"subject": ""}, "请选择委员或单位"),
])
def test_idea_form_errors_are_shown_beside_the_field(client, login, setup, changes, message):
    login("clerk1")
    response = client.post("/activities/new/IDEA", data=idea(setup["ours"], **changes))
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


@pytest.mark.parametrize(("category", "changes", "message"), [
    ("ENTERPRISE", {"kind": "引进企业", "outcome": "落地", "amount": "-1"}, "不能为负数"),
    ("ENTERPRISE", {"kind": "引进企业", "outcome": "立案"}, "细则没有为“引进企业”规定这个取值"),
    ("RELIEF", {"kind": "捐资助学", "outcome": "", "amount": "abc"}, "请输入数字"),
    ("RELIEF", {"kind": "捐资助学", "outcome": "", "people_helped": "-2"}, "不能为负数"),
    ("RELIEF", {"kind": "义诊义演", "outcome": "", "amount": "100"}, "细则没有为“义诊义演”规定这一项"),
])
def test_numbers_and_values_are_checked_against_the_rules(client, login, setup, category, changes, message):
    login("clerk1")
    response = client.post(f"/activities/new/{category}", data=idea(setup["ours"], **changes))
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_a_duplicate_is_refused(client, login, setup):
    login("clerk1")
    assert client.post("/activities/new/IDEA", data=idea(setup["ours"])).status_code == 302
    response = client.post("/activities/new/IDEA", data=idea(setup["ours"]))
    assert "请勿重复录入" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1


def test_clerk_gets_404_for_another_units_member_by_post_and_record_by_url(client, login, setup):
    login("clerk1")
    assert client.post("/activities/new/IDEA", data=idea(setup["theirs"])).status_code == 404
    assert client.post("/activities/new/IDEA", data=idea(setup["ours"], signers="王五")).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0
    client.post("/auth/logout")
    login("clerk2")
    assert client.post("/activities/new/IDEA", data=idea(setup["theirs"])).status_code == 302
    theirs = only_record()
    client.post("/auth/logout")
    login("clerk1")
    assert client.get(f"/activities/{theirs.id}").status_code == 404
    assert client.get(f"/activities/{theirs.id}/edit").status_code == 404
    edit = idea(setup["theirs"], title="篡改", version=str(theirs.version))
    assert client.post(f"/activities/{theirs.id}/edit", data=edit).status_code == 404
    assert client.post(f"/activities/{theirs.id}/submit", data={"version": theirs.version}).status_code == 404
    db.session.expire_all()
    assert only_record().title == "关于加快乡村道路建设的提案"


def test_subject_search_returns_only_members_in_scope_by_pinyin_initials(client, login, setup):
    login("clerk1")
    rows = client.get("/activities/subjects.json?q=zs").get_json()
    assert [r["label"].split("（")[0] for r in rows] == ["张三"]
    assert client.get("/activities/subjects.json?q=ww").get_json() == []


def test_edit_draft_then_submit_then_read_only(client, login, setup):
    login("clerk1")
    client.post("/activities/new/IDEA", data=idea(setup["ours"]))
    record = only_record()
    response = client.post(f"/activities/{record.id}/edit",
                           data=idea(setup["ours"], title="新标题", version=str(record.version)))
    assert response.status_code == 302
    db.session.expire_all()
    record = only_record()
    assert record.title == "新标题"
    assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 302
    db.session.expire_all()
    record = only_record()
    assert record.state == RecordState.SUBMITTED
    response = client.post(f"/activities/{record.id}/edit",
                           data=idea(setup["ours"], title="再改", version=str(record.version)), follow_redirects=True)
    assert "不能修改" in text_of(response)
    db.session.expire_all()
    assert only_record().title == "新标题"
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.entity == "activity")).all()
    assert {"create", "update", "submit"} <= set(actions)


def test_two_edits_from_the_same_version_the_second_is_refused(client, login, setup):
    login("clerk1")
    client.post("/activities/new/IDEA", data=idea(setup["ours"]))
    record = only_record()
    version = str(record.version)
    first = client.post(f"/activities/{record.id}/edit", data=idea(setup["ours"], title="第一次", version=version))
    assert first.status_code == 302
    second = client.post(f"/activities/{record.id}/edit", data=idea(setup["ours"], title="第二次", version=version))
    assert second.status_code == 200
    assert "该记录已被他人修改，请刷新后再改" in text_of(second)
    db.session.expire_all()
    assert only_record().title == "第一次"


def test_leader_and_member_may_not_enter_records(client, login, setup, make_user):
    make_user("leader", Role.LEADER)
    login("leader")
    assert client.get("/activities/new/IDEA").status_code == 403
    assert client.get("/activities/new/STUDY").status_code == 403


def test_office_enters_for_any_member(client, login, setup):
    login("office")
    assert client.get("/activities/new/BOGUS").status_code == 404
    assert client.post("/activities/new/IDEA", data=idea(setup["theirs"])).status_code == 302
    assert only_record().unit_id == setup["county"]["liaison_b"].id
