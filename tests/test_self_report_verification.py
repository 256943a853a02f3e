"""Who verifies a member's own report: the clerk of the member's units by default, the office, or either (the
office's setting); a clerk only their own units' members' reports, never another unit's (by URL too)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.activities import services
from app.extensions import db
from app.models import Activity, AuditLog, RecordState, Role, Setting


@pytest.fixture
def setup(year, make_member, make_user):
    ours = make_member("张三", code="W001", liaison="liaison_a")
    theirs = make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    unclerked = make_member("赵六", code="W010", sector="sector_b", committee="committee_b", liaison=None)
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    make_user("office", Role.OFFICE)
    make_user("admin", Role.ADMIN)
    for username, member in (("zhang", ours), ("wang", theirs), ("zhao", unclerked)):
        make_user(username, Role.MEMBER, member_id=member.id)
    return {"ours": ours, "theirs": theirs, "unclerked": unclerked}


def report(client, login, username: str, title: str) -> Activity:
    login(username)
    data = {"kind": "提案", "occurred_on": "2025-03-01", "title": title, "outcome": "提交", "send": "提交"}
    assert client.post("/activities/report/IDEA", data=data).status_code == 302
    client.post("/auth/logout")
    return db.session.scalar(sa.select(Activity).where(Activity.title == title))


def verify(client, activity: Activity):
    return client.post(f"/activities/{activity.id}/verify", data={"version": activity.version})


def state(activity: Activity) -> RecordState:
    db.session.expire_all()
    return db.session.get(Activity, activity.id).state


def test_by_default_the_members_clerk_verifies_and_another_units_clerk_cannot(client, login, setup):
    mine = report(client, login, "zhang", "关于城关小学的提案")
    login("zhang")
    assert "提交后由您所在单位的录入员核实" in text_of(client.get("/activities/report"))
    client.post("/auth/logout")

    login("clerk2")  # another unit's clerk: not found, by the queue, the page and the posts
    assert "关于城关小学的提案" not in text_of(client.get("/activities/queue"))
    assert client.get(f"/activities/{mine.id}").status_code == 404
    assert verify(client, mine).status_code == 404
    assert client.post(f"/activities/{mine.id}/return", data={"version": mine.version,
                                                             "reason": "不对"}).status_code == 404
    client.post("/activities/queue/verify", data={"scope": "all"})
    assert state(mine) == RecordState.SUBMITTED
    client.post("/auth/logout")

    login("office")  # the office leaves it to the clerk, and says so
    assert verify(client, mine).status_code == 403
    assert "另有 1 条委员自报记录" in text_of(client.get("/activities/queue"))
    client.post("/auth/logout")

    login("clerk1")
    page = text_of(client.get(f"/activities/{mine.id}"))
    assert "核实" in page and "委员自报" in page and "重新打开" not in page
    assert "关于城关小学的提案" in text_of(client.get("/activities/queue"))
    assert verify(client, mine).status_code == 302
    assert state(mine) == RecordState.VERIFIED
    assert db.session.get(Activity, mine.id).verified_by_id is not None


def test_a_clerk_returns_a_report_with_a_reason_and_never_verifies_a_clerks_record(client, login, setup):
    mine = report(client, login, "zhang", "关于城关小学的提案")
    login("clerk1")
    response = client.post(f"/activities/{mine.id}/return", data={"version": mine.version, "reason": "请补充材料"})
    assert response.status_code == 302 and state(mine) == RecordState.RETURNED
    assert db.session.get(Activity, mine.id).return_reason == "请补充材料"
    data = {"subject": f"m:{setup['ours'].id}", "kind": "提案", "occurred_on": "2025-03-02", "title": "录入员录的",
            "outcome": "提交", "send": "提交"}
    client.post("/activities/new/IDEA", data=data)
    entered = db.session.scalar(sa.select(Activity).where(Activity.title == "录入员录的"))
    assert entered.state == RecordState.SUBMITTED
    assert verify(client, entered).status_code == 403 and state(entered) == RecordState.SUBMITTED


def test_a_member_without_a_clerk_is_verified_by_the_office(client, login, setup):
    lone = report(client, login, "zhao", "没有录入员的委员的提案")
    login("zhao")
    assert "提交后由活动办公室核实" in text_of(client.get("/activities/report"))
    client.post("/auth/logout")
    login("office")
    assert "没有录入员的委员的提案" in text_of(client.get("/activities/queue"))
    assert verify(client, lone).status_code == 302 and state(lone) == RecordState.VERIFIED


@pytest.mark.parametrize(("choice", "clerk", "office"), [("office", False, True), ("both", True, True)])
def test_the_office_chooses_who_verifies(client, login, setup, choice, clerk, office):
    first = report(client, login, "zhang", "第一份提案")
    login("office")
    response = client.post("/activities/settings", data={"verifier": choice}, follow_redirects=True)
    assert "设置已保存" in text_of(response)
    assert db.session.get(Setting, services.VERIFIER_SETTING).value == choice
    assert db.session.scalar(sa.select(AuditLog.after).where(AuditLog.field == services.VERIFIER_SETTING)) == choice
    client.post("/auth/logout")
    login("clerk1")
    assert (client.get("/activities/queue").status_code == 200) is clerk
    assert (verify(client, first).status_code == 302) is clerk
    client.post("/auth/logout")
    if not clerk:
        login("office")
        assert "第一份提案" in text_of(client.get("/activities/queue"))
        assert verify(client, first).status_code == 302
    assert state(first) == RecordState.VERIFIED and office


def test_the_setting_is_the_offices_and_refuses_nonsense(client, login, setup):
    login("clerk1")
    assert client.get("/activities/settings").status_code == 403
    assert client.post("/activities/settings", data={"verifier": "office"}).status_code == 403
    client.post("/auth/logout")
    login("admin")
    page = client.get("/activities/settings").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="clerk"', page)  # the default, before anyone chose
    response = client.post("/activities/settings", data={"verifier": "anyone"})
    assert response.status_code == 200 and "不是有效的选择" in text_of(response)
    assert services.self_report_verifier() == "clerk"
