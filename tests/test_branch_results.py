"""Branch 比实绩 half-year results: the rule file's form, drafts and submission, refusals, optimistic locking,
verify / return / reopen by the office, the data scope, and what reaches scoring."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import beijing_date, text_of

from app.activities.services import ruleset_for
from app.extensions import db
from app.models import AppraisalYear, AuditLog, BranchIndicator, BranchResult, RecordState, Role
from app.reviews import facts
from app.reviews.scoring import score_period

FULL = {"组织建设": "18.5", "党员发展": "2", "活动开展": "6", "党员示范岗": "3", "产值增长": "-2.5",
        "税收": "120", "就业人数": "320", "劳资关系": "和谐"}


@pytest.fixture
def year(app):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()


@pytest.fixture
def users(county, year, make_user):
    return {"liaison": make_user("liaison_a", Role.LIAISON, ("branch_a",)),
            "liaison_b": make_user("liaison_b", Role.LIAISON, ("branch_b",)),
            "office": make_user("office1", Role.OFFICE)}


def url(county, branch="branch_a", period="2025H1", action=""):
    return f"/branches/{county[branch].id}/results/{period}" + (f"/{action}" if action else "")


def stored(county, branch="branch_a", period="2025H1"):
    """{indicator key: value or choice or 发生} of a stored result, and the result (None when there is none)."""
    db.session.expire_all()
    result = db.session.scalar(sa.select(BranchResult).where(BranchResult.branch_id == county[branch].id,
                                                             BranchResult.period == period))
    if result is None:
        return {}, None
    return {i.key: i.choice or (i.value if i.value is not None else "发生") for i in result.indicators}, result


def table(response):
    """The list's rows: what follows the table header, not the filters' options."""
    return text_of(response).split("操作", 1)[1]  # the header's last column (a sortable header has a mark)


def post(client, county, data, action="draft", version="", **where):
    return client.post(url(county, **where), data={**data, "action": action, "version": version},
                       follow_redirects=True)


def make_result(county, branch="branch_a", period="2025H1", state=RecordState.SUBMITTED, **values):
    result = BranchResult(branch_id=county[branch].id, period=period, state=state,
                          indicators=[BranchIndicator(key=k, value=Decimal(v)) for k, v in values.items()])
    db.session.add(result)
    db.session.commit()
    return result


def test_the_form_follows_the_rule_file(client, county, users, login):
    login("liaison_a")
    response = client.get(url(county))
    assert response.status_code == 200
    text = text_of(response)
    assert "宏达纸业党支部 2025年上半年" in text and "未录入" in text
    for words in ("党建", "发展", "否决", "组织建设(联络员按“三会一课”、阵地、制度评分,0–20)",
                  "本期发展党员、入党积极分子人数", "企业产值(或营业收入)比上年同期增长,百分数", "劳资关系",
                  "发生重大安全生产、环境污染事故或群体性事件", "发生", "可填负数"):
        assert words in text, words
    assert text.index("本期纳税额") < text.index("发生重大安全生产")  # 发展 before 否决
    html = response.get_data(as_text=True)
    assert '<option value="有纠纷">有纠纷</option><option value="一般">一般</option>' in html
    assert 'type="checkbox"' in html and 'name="重大事故"' in html


def test_liaison_saves_a_draft_then_edits_and_submits(client, county, users, login):
    login("liaison_a")
    response = post(client, county, FULL)
    assert "已保存草稿" in text_of(response)
    values, result = stored(county)
    assert values == {"组织建设": Decimal("18.5"), "党员发展": 2, "活动开展": 6, "党员示范岗": 3,
                      "产值增长": Decimal("-2.5"), "税收": 120, "就业人数": 320, "劳资关系": "和谐"}
    assert result.state == RecordState.DRAFT and result.created_by_id == users["liaison"].id
    logged = {(r.field, r.before, r.after) for r in db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == "branch_result", AuditLog.entity_id == result.id))}
    assert ("组织建设", "", "18.5") in logged and ("劳资关系", "", "和谐") in logged and len(logged) == 8

    # the branch page lists the half-years with their state
    page = text_of(client.get(f"/branches/{county['branch_a'].id}"))
    assert "2025年上半年 草稿" in page and "2025年下半年 未录入" in page

    # edit: change one, clear one, set the veto flag; only the changes are logged
    changed = {**FULL, "税收": "150", "党员示范岗": "", "重大事故": "y"}
    post(client, county, changed, version=result.version)
    values, result = stored(county)
    assert values["税收"] == 150 and "党员示范岗" not in values and values["重大事故"] == "发生"
    accident = db.session.scalar(sa.select(BranchIndicator).where(BranchIndicator.key == "重大事故"))
    assert accident.value is None and accident.choice == ""
    updates = {(r.field, r.before, r.after) for r in db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == "branch_result", AuditLog.action == "update"))}
    assert updates == {("税收", "120", "150"), ("党员示范岗", "3", ""), ("重大事故", "", "发生")}

    response = post(client, county, {**FULL, "重大事故": "y"}, action="submit", version=result.version)
    assert "已提交，等待办公室核实" in text_of(response)
    values, result = stored(county)
    assert result.state == RecordState.SUBMITTED and result.submitted_at is not None
    # submitted: read only for the liaison, and a post changes nothing
    page = text_of(client.get(url(county)))
    assert "该比实绩当前不可修改" in page and "保存草稿" not in page
    response = post(client, county, {**FULL, "税收": "999"}, version=result.version)
    assert "只有草稿或退回的比实绩可以修改" in text_of(response)
    assert stored(county)[0]["税收"] == 120


@pytest.mark.parametrize(("changes", "action", "message"), [
    ({"税收": "-1"}, "draft", "不能为负数"),
    ({"就业人数": "-3"}, "draft", "不能为负数"),
    ({"组织建设": "abc"}, "draft", "请输入数字"),
    ({"党员发展": "1.5"}, "draft", "请输入整数"),
    ({"组织建设": "1.23456"}, "draft", "最多保留 4 位小数"),
    ({"组织建设": "NaN"}, "draft", "请输入数字"),
    ({"劳资关系": "很好"}, "draft", "不是有效的选择"),
    ({"税收": ""}, "submit", "提交前请填写此项"),
])
def test_bad_values_are_refused_and_nothing_is_saved(client, county, users, login, changes, action, message):
    login("liaison_a")
    response = post(client, county, {**FULL, **changes}, action=action)
    assert response.status_code == 200 and message in text_of(response)
    assert stored(county) == ({}, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "branch_result")) == 0


def test_stored_decimals_show_exactly_and_an_unchanged_save_logs_nothing(client, county, users, login):
    result = make_result(county, state=RecordState.DRAFT, 组织建设="12.3456", 税收="100")
    login("liaison_a")
    html = client.get(url(county)).get_data(as_text=True)
    assert 'value="12.3456"' in html and 'value="100"' in html
    post(client, county, {"组织建设": "12.3456", "税收": "100.00"}, version=result.version)
    assert stored(county)[0] == {"组织建设": Decimal("12.3456"), "税收": 100}
    assert db.session.scalars(sa.select(AuditLog.field).where(AuditLog.entity == "branch_result")).all() == []


def test_a_draft_may_be_partial_and_growth_may_be_negative(client, county, users, login):
    login("liaison_a")
    post(client, county, {"产值增长": "-12", "劳资关系": ""})
    assert stored(county)[0] == {"产值增长": -12}


@pytest.mark.turn_of_year
def test_a_future_half_year_is_refused(client, county, users, login, clock):
    next_year = beijing_date().year + 1
    db.session.add(AppraisalYear(year=next_year, name="下一年度"))
    db.session.commit()
    login("liaison_a")
    future = f"{next_year}H1"
    response = client.get(url(county, period=future), follow_redirects=True)
    assert "该半年尚未开始，不能录入" in text_of(response)
    assert "尚未开始" in text_of(client.get(f"/branches/{county['branch_a'].id}"))
    response = post(client, county, FULL, period=future)
    assert "该半年尚未开始，不能录入" in text_of(response)
    assert stored(county, period=future) == ({}, None)


def test_a_closed_or_unknown_year_is_refused(client, county, users, login):
    old = make_result(county, period="2025H1", state=RecordState.DRAFT, 税收="100")
    db.session.get(AppraisalYear, 2025).recording_closed_at = dt.datetime(2026, 1, 10)
    db.session.commit()
    login("liaison_a")
    page = text_of(client.get(url(county)))  # an existing result stays readable
    assert "该考评年度未开放录入或已停止录入" in page and "保存草稿" not in page
    response = post(client, county, {**FULL, "税收": "5"}, version=old.version)
    assert "该考评年度未开放录入或已停止录入" in text_of(response)
    assert stored(county)[0] == {"税收": 100}
    for period in ("2025H2", "2024H1"):
        response = post(client, county, FULL, period=period)
        assert "该考评年度未开放录入或已停止录入" in text_of(response)
        assert stored(county, period=period) == ({}, None)
    assert client.get(url(county, period="2025H3")).status_code == 404
    assert client.get(url(county, period="2025")).status_code == 404


def test_a_stale_form_is_refused_and_overwrites_nothing(client, county, users, login):
    login("liaison_a")
    post(client, county, FULL)
    version = stored(county)[1].version
    post(client, county, {**FULL, "税收": "130"}, version=version)
    response = post(client, county, {**FULL, "税收": "140"}, version=version)
    assert "该比实绩已被他人修改，您的修改未保存" in text_of(response)
    assert stored(county)[0]["税收"] == 130
    # two people starting the same new result: the second is refused too
    response = post(client, county, {**FULL, "税收": "150"}, version="")
    assert "该比实绩已被他人修改" in text_of(response)
    assert stored(county)[0]["税收"] == 130


def test_office_returns_verifies_and_reopens(client, county, users, login):
    result = make_result(county, 税收="120")
    make_result(county, branch="branch_b", state=RecordState.VERIFIED, 税收="80")
    login("office1")
    home = text_of(client.get("/"))
    assert "比实绩核实" in home
    response = client.get("/branches/results")  # lands on the submitted ones
    listing = text_of(response)
    assert "宏达纸业党支部" in table(response) and "园区联合党支部" not in table(response)
    assert "已提交 1" in listing and "已核实 1" in listing and "共 1 份" in listing
    assert "园区联合党支部" in table(client.get("/branches/results?state="))

    response = client.post(url(county, action="return"), data={"version": result.version, "reason": " "},
                           follow_redirects=True)
    assert "请填写退回原因" in text_of(response)
    response = client.post(url(county, action="return"), data={"version": result.version, "reason": "税收与报表不符"},
                           follow_redirects=True)
    assert "已退回" in text_of(response)
    values, result = stored(county)
    assert result.state == RecordState.RETURNED and result.return_reason == "税收与报表不符"
    response = client.post(url(county, action="verify"), data={"version": result.version}, follow_redirects=True)
    assert "只有已提交的比实绩可以核实或退回" in text_of(response)

    client.post("/auth/logout")
    login("liaison_a")
    page = text_of(client.get(url(county)))
    assert "退回原因： 税收与报表不符" in page or "退回原因：税收与报表不符" in page
    assert "保存草稿" in page
    post(client, county, {**FULL, "税收": "110"}, action="submit", version=result.version)
    values, result = stored(county)
    assert result.state == RecordState.SUBMITTED and values["税收"] == 110
    assert client.post(url(county, action="verify"), data={"version": result.version}).status_code == 403

    client.post("/auth/logout")
    login("office1")
    stale = client.post(url(county, action="verify"), data={"version": result.version - 1}, follow_redirects=True)
    assert "该比实绩已被他人修改" in text_of(stale)
    assert stored(county)[1].state == RecordState.SUBMITTED
    response = client.post(url(county, action="verify"), data={"version": result.version}, follow_redirects=True)
    assert "已核实" in text_of(response)
    values, result = stored(county)
    assert result.state == RecordState.VERIFIED and result.verified_by_id == users["office"].id
    assert result.return_reason == ""
    assert "变更记录" in text_of(client.get(url(county)))

    client.post("/auth/logout")
    login("liaison_a")
    page = text_of(client.get(url(county)))
    assert "已核实" in page and "该比实绩当前不可修改" in page
    assert "只有草稿或退回" in text_of(post(client, county, FULL, version=result.version))

    client.post("/auth/logout")
    login("office1")
    response = client.post(url(county, action="reopen"), data={"version": result.version, "reason": ""},
                           follow_redirects=True)
    assert "请填写重新打开的原因" in text_of(response)
    client.post(url(county, action="reopen"), data={"version": result.version, "reason": "补充就业人数"})
    values, result = stored(county)
    assert result.state == RecordState.RETURNED and result.return_reason == "补充就业人数"
    assert result.verified_at is None
    states = [r.after for r in db.session.scalars(sa.select(AuditLog).where(
        AuditLog.entity == "branch_result", AuditLog.field == "state").order_by(AuditLog.id))]
    assert states == ["退回", "已提交", "已核实", "退回"]


def test_list_filters_by_branch_period_and_state(client, county, users, login):
    make_result(county, period="2025H1", state=RecordState.VERIFIED)
    make_result(county, period="2025H2", state=RecordState.SUBMITTED)
    make_result(county, branch="branch_b", period="2025H2", state=RecordState.DRAFT)
    login("office1")
    response = client.get(f"/branches/results?state=&branch={county['branch_a'].id}")
    assert "共 2 份" in text_of(response) and "园区联合党支部" not in table(response)
    response = client.get("/branches/results?state=&period=2025H2")
    assert "共 2 份" in text_of(response) and "草稿 1" in text_of(response) and "已核实 0" in text_of(response)
    assert "2025年上半年" not in table(response)
    response = client.get("/branches/results?state=VERIFIED")
    assert "共 1 份" in text_of(response) and "2025年上半年 已核实" in table(response)


def test_office_may_enter_for_any_branch(client, county, users, login):
    login("office1")
    post(client, county, FULL, branch="branch_b")
    assert stored(county, branch="branch_b")[0]["劳资关系"] == "和谐"


def test_scope_liaison_of_a_gets_404_for_b_and_clerks_get_403(client, county, users, make_user, login):
    other = make_result(county, branch="branch_b", state=RecordState.DRAFT, 税收="80")
    login("liaison_a")
    assert "比实绩" in text_of(client.get("/"))
    assert client.get(url(county, branch="branch_b")).status_code == 404
    assert client.post(url(county, branch="branch_b"),
                       data={**FULL, "action": "draft", "version": other.version}).status_code == 404
    assert client.post(url(county, branch="branch_b", action="verify"),
                       data={"version": other.version}).status_code == 403
    assert client.get(f"/branches/results?branch={county['branch_b'].id}").status_code == 404
    response = client.get("/branches/results?state=")
    assert "宏达纸业党支部" not in table(response) and "园区联合党支部" not in text_of(response)
    assert stored(county, branch="branch_b")[0] == {"税收": 80}

    client.post("/auth/logout")
    make_user("clerk_a", Role.CLERK, ("committee_a",))
    login("clerk_a")
    for path in (url(county), url(county, branch="branch_b"), "/branches/results"):
        assert client.get(path).status_code == 403, path
    assert client.post(url(county), data={**FULL, "action": "draft"}).status_code == 403
    assert stored(county) == ({}, None)


def test_leader_reads_but_cannot_save(client, county, users, make_user, login):
    make_result(county, 税收="120")
    make_user("leader1", Role.LEADER)
    login("leader1")
    assert "本期纳税额" in text_of(client.get(url(county)))
    assert client.post(url(county), data={**FULL, "action": "draft", "version": "1"}).status_code == 403


def test_only_verified_results_reach_scoring(client, county, users, login):
    login("liaison_a")
    post(client, county, FULL, action="submit")
    client.post("/auth/logout")
    login("liaison_b")
    post(client, county, FULL, branch="branch_b")  # a draft
    client.post("/auth/logout")
    login("office1")
    result = stored(county)[1]
    client.post(url(county, action="verify"), data={"version": result.version})

    found = facts.branch_facts(2025)
    assert {r.subject_id for r in found.records} == {county["branch_a"].id}
    assert {r.kind: r.fields.get("value") for r in found.records}["劳资关系"] == "和谐"
    scored = score_period(ruleset_for(2025, "branches"), "2025H1")
    totals = {card.subject_id: card.total for card in scored.cards}
    # 组织建设 18.5 + 党员发展 10 (cap) + 活动开展 10 + 示范岗 9; 产值增长 -2.5 gets nothing, 税收 2, 就业 8, 和谐 10
    assert totals[county["branch_a"].id] == Decimal("67.5")
    assert totals[county["branch_b"].id] == 0
