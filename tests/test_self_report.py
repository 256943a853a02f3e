"""A member reports their own work: lands as 已提交 and self_reported, in scope of their clerks, read-only after."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, RecordState, Role


@pytest.fixture
def setup(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", liaison="liaison_a")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    no_liaison = make_member("赵六", committee="committee_b", liaison=None)
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    make_user("office", Role.OFFICE)
    make_user("zhang", Role.MEMBER, member_id=ours.id)
    make_user("zhao", Role.MEMBER, member_id=no_liaison.id)
    return {"ours": ours, "theirs": theirs, "no_liaison": no_liaison, "county": county}


def report(**changes):
    data = {"kind": "提案", "occurred_on": "2025-03-01", "title": "关于加快乡村道路建设的提案", "description": "",
            "outcome": "提交", "level": "", "instruction_level": "", "amount": "", "people_helped": "",
            "counterpart": "", "support": "", "send": "提交"}
    data.update(changes)
    return data


def only_record():
    return db.session.scalars(sa.select(Activity)).one()


def test_a_member_reports_and_it_lands_submitted_for_their_liaison_office(client, login, setup):
    login("zhang")
    page = text_of(client.get("/activities/report"))
    assert "报告履职情况" in page and "献一智" in page
    form = client.get("/activities/report/IDEA").get_data(as_text=True)
    assert 'name="subject"' not in form and "subject-search" not in form
    assert client.post("/activities/report/IDEA", data=report()).status_code == 302
    record = only_record()
    assert record.state == RecordState.SUBMITTED and record.self_reported and record.submitted_at is not None
    assert record.member_id == setup["ours"].id and record.unit_id == setup["county"]["liaison_a"].id
    assert "关于加快乡村道路建设的提案" in text_of(client.get("/activities/"))


def test_without_a_liaison_office_the_committee_is_the_unit(client, login, setup):
    login("zhao")
    assert client.post("/activities/report/IDEA", data=report()).status_code == 302
    assert only_record().unit_id == setup["county"]["committee_b"].id


def test_the_report_is_in_the_queue_and_with_the_members_clerk_only(client, login, setup):
    login("zhang")
    client.post("/activities/report/IDEA", data=report())
    record = only_record()
    client.post("/auth/logout")
    login("office")  # by default the member's clerk verifies it (docs/rules.md): the office's queue says so
    queue = text_of(client.get("/activities/queue"))
    assert "关于加快乡村道路建设的提案" not in queue and "另有 1 条委员自报记录" in queue
    client.post("/auth/logout")
    login("clerk1")
    assert client.get(f"/activities/{record.id}").status_code == 200
    assert "关于加快乡村道路建设的提案" in text_of(client.get("/activities/"))
    assert "关于加快乡村道路建设的提案" in text_of(client.get("/activities/queue"))
    client.post("/auth/logout")
    login("clerk2")
    assert client.get(f"/activities/{record.id}").status_code == 404
    assert "关于加快乡村道路建设的提案" not in text_of(client.get("/activities/"))


def test_the_member_cannot_edit_after_submitting(client, login, setup):
    login("zhang")
    client.post("/activities/report/IDEA", data=report())
    record = only_record()
    page = client.get(f"/activities/{record.id}").get_data(as_text=True)
    assert f"/activities/{record.id}/edit" not in page
    assert client.get(f"/activities/{record.id}/edit").status_code == 403
    assert client.post(f"/activities/{record.id}/edit", data=report(title="改过")).status_code == 403
    assert client.post(f"/activities/{record.id}/submit", data={"version": "1"}).status_code == 403
    assert only_record().title == "关于加快乡村道路建设的提案"


def test_a_forged_subject_and_signers_are_ignored(client, login, setup):
    login("zhang")
    data = report(subject=f"m:{setup['theirs'].id}", signers="王五")
    assert client.post("/activities/report/IDEA", data=data).status_code == 302
    record = only_record()
    assert record.member_id == setup["ours"].id and record.participants == []


def test_other_roles_cannot_self_report_and_bad_input_shows_errors(client, login, setup):
    login("clerk1")
    assert client.get("/activities/report").status_code == 403
    client.post("/auth/logout")
    login("zhang")
    response = client.post("/activities/report/IDEA", data=report(title="", kind="不存在的类型"))
    assert response.status_code == 200 and "请填写标题" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
    assert client.get("/activities/report/CONTRIBUTION").status_code == 404


def test_the_member_nav_offers_the_report(client, login, setup):
    login("zhang")
    assert "报告履职情况" in text_of(client.get("/"))
