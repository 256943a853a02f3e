"""Correcting and removing what was logged on the registers' pages: a pairing's support and visits, a project's stages
and 跟踪服务, a liaison's branch visits. Whoever may add one may edit or delete it, within their scope (and the
office); each change is audited in one transaction; a delete asks first; an entry reported as a record (报送核实)
changes with its record, by the records' own rules: only while the record may be edited, and deleted only with a
record that is a draft never submitted, as test_activities_delete has it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import text_of
from test_pairings import add_entry, errors_beside, new_pairing, sign_in
from test_projects import new_project, reach

from app.extensions import db
from app.models import (Activity, AuditLog, BranchVisit, Pairing, PairingEntry, Project, ProjectProgress,
                        ProjectService, RecordState, Role)


@pytest.fixture
def world(client, login, year, make_member, make_user):
    """张三 (提案委员会, clerk_a's) with a pairing and a project clerk_a registered; clerk_b keeps 经济委员会;
    liaison_a keeps 宏达纸业党支部 (branch_a), liaison_b the park's branch."""
    zhang = make_member("张三", code="W001")
    db.session.commit()
    for name, role, units in (("clerk_a", Role.CLERK, ("committee_a",)), ("clerk_b", Role.CLERK, ("committee_b",)),
                              ("office", Role.OFFICE, ()), ("liaison_a", Role.LIAISON, ("branch_a",)),
                              ("liaison_b", Role.LIAISON, ("branch_b",))):
        make_user(name, role, units=units)
    sign_in(client, login, "clerk_a")
    assert client.post("/pairings/new", data=new_pairing(zhang)).status_code == 302
    assert client.post("/projects/new", data=new_project(zhang)).status_code == 302
    return {"zhang": zhang, "county": year, "pairing": db.session.scalars(sa.select(Pairing)).one(),
            "project": db.session.scalars(sa.select(Project)).one()}


def audit_rows(entity: str, action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == entity, AuditLog.action == action)))


def entry_of(pairing: Pairing) -> PairingEntry:
    db.session.expire_all()
    return db.session.scalars(sa.select(PairingEntry).where(PairingEntry.pairing_id == pairing.id)).one()


def edited(**changes: str) -> dict[str, str]:
    data = {"kind": "FUNDS", "occurred_on": "2025-01-20", "form": "", "amount": "800", "content": "春节前送去慰问金"}
    return {**data, **changes}


# --- the clerk's own entries ---------------------------------------------------------------------------------------

def test_a_clerk_edits_an_entry_with_errors_beside_the_fields_then_deletes_it_after_confirming(client, world):
    pairing = world["pairing"]
    add_entry(client, pairing)
    entry = entry_of(pairing)
    base = f"/pairings/{pairing.id}/entries/{entry.id}"
    page = client.get(f"/pairings/{pairing.id}").get_data(as_text=True)
    assert "操作" in page and f'href="{base}/edit"' in page and f'href="{base}/delete"' in page
    assert "春节前送去慰问金" in text_of(client.get(f"{base}/edit"))
    bad = client.post(f"{base}/edit", data=edited(kind="TECHNOLOGY", amount="500", content=""))
    assert "只有资金、物资帮扶填写金额" in errors_beside(bad, "amount")
    assert "请填写帮扶或走访内容" in errors_beside(bad, "content")
    assert entry_of(pairing).amount == 800
    response = client.post(f"{base}/edit", data=edited(kind="GOODS", amount="1000", content="送去米、油"))
    assert response.status_code == 302 and response.location.endswith(f"/pairings/{pairing.id}#timeline")
    entry = entry_of(pairing)
    assert (entry.kind.name, entry.amount, entry.content) == ("GOODS", 1000, "送去米、油")
    changed = {r.field: (r.before, r.after) for r in audit_rows("pairing", "update")}
    assert changed["entry.amount"] == ("800", "1000") and changed["entry.kind"] == ("资金", "物资")
    confirm = text_of(client.get(f"{base}/delete"))
    assert "确定删除这条登记吗" in confirm and "送去米、油" in confirm and "JD0001" in confirm
    assert entry_of(pairing) is not None  # asking is not deleting
    assert client.post(f"{base}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PairingEntry)) == 0
    gone = {r.field: r.before for r in audit_rows("pairing", "delete")}
    assert gone["entry.content"] == "送去米、油" and gone["entry.occurred_on"] == "2025-01-20"


def test_stages_services_and_branch_visits_are_corrected_and_removed_by_whoever_may_add_them(client, login, world):
    project, county = world["project"], world["county"]
    reach(client, project, "INFO", "2025-02-01")
    client.post(f"/projects/{project.id}/services", data={"occurred_on": "2025-06-01", "content": "协调用电"})
    stage = db.session.scalars(sa.select(ProjectProgress)).one()
    service = db.session.scalars(sa.select(ProjectService)).one()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/projects/{project.id}/stages/{stage.id}/edit" in page
    assert f"/projects/{project.id}/services/{service.id}/delete" in page
    late = client.post(f"/projects/{project.id}/stages/{stage.id}/edit", data={"reached_on": "2999-01-01", "note": ""})
    assert "日期不能晚于今天" in errors_beside(late, "reached_on")
    assert client.post(f"/projects/{project.id}/stages/{stage.id}/edit",
                       data={"reached_on": "2025-02-10", "note": "补正日期"}).status_code == 302
    assert client.post(f"/projects/{project.id}/services/{service.id}/edit",
                       data={"occurred_on": "2025-06-02", "content": "协调解决用电难题"}).status_code == 302
    db.session.expire_all()
    assert (stage.reached_on, stage.note, service.content) == (dt.date(2025, 2, 10), "补正日期", "协调解决用电难题")
    changes = [(r.field, r.before, r.after) for r in audit_rows("project", "update")]
    assert ("stage", "提供信息 2025-02-01", "提供信息 2025-02-10（补正日期）") in changes
    assert ("service", "2025-06-01：协调用电", "2025-06-02：协调解决用电难题") in changes
    assert "确定删除这条登记吗" in text_of(client.get(f"/projects/{project.id}/services/{service.id}/delete"))
    assert client.post(f"/projects/{project.id}/services/{service.id}/delete").status_code == 302
    assert client.post(f"/projects/{project.id}/stages/{stage.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id).stages == [] and db.session.get(Project, project.id).services == []
    assert {r.field for r in audit_rows("project", "delete")} == {"stage", "service"}

    branch = county["branch_a"]
    sign_in(client, login, "liaison_a")
    client.post(f"/branches/{branch.id}/visits/new", data={"visited_on": "2025-05-06", "form": "VISIT",
                                                         "content": "了解用工情况", "visitor": "刘联络"})
    visit = db.session.scalars(sa.select(BranchVisit)).one()
    base = f"/branches/{branch.id}/visits/{visit.id}"
    assert f'href="{base}/edit"' in client.get(f"/branches/{branch.id}").get_data(as_text=True)
    assert "请填写走访或指导的内容" in text_of(client.post(f"{base}/edit", data={
        "visited_on": "2025-05-06", "form": "VISIT", "content": "", "visitor": "刘联络"}))
    assert client.post(f"{base}/edit", data={"visited_on": "2025-05-07", "form": "GUIDANCE",
                                             "content": "指导发展党员", "visitor": "刘联络"}).status_code == 302
    db.session.expire_all()
    assert (visit.visited_on, visit.form.name, visit.content) == (dt.date(2025, 5, 7), "GUIDANCE", "指导发展党员")
    assert {r.field for r in audit_rows("branch_visit", "update")} == {"visited_on", "form", "content"}
    sign_in(client, login, "office")  # the office too
    assert client.post(f"{base}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BranchVisit)) == 0
    assert {r.field for r in audit_rows("branch_visit", "delete")} >= {"content", "branch_id"}


def test_another_units_clerk_or_liaison_is_refused_by_url_and_nothing_changes(client, login, world, make_member):
    pairing, project, county = world["pairing"], world["project"], world["county"]
    add_entry(client, pairing)
    reach(client, project, "INFO", "2025-02-01")
    client.post(f"/projects/{project.id}/services", data={"occurred_on": "2025-06-01", "content": "协调用电"})
    li = make_member("李四", code="W003", sector="sector_b", committee="committee_a", liaison="liaison_b")
    db.session.commit()
    assert client.post("/pairings/new", data=new_pairing(li, cp_name="另一户")).status_code == 302
    other = db.session.scalar(sa.select(Pairing).where(Pairing.member_id == li.id))
    sign_in(client, login, "liaison_a")
    client.post(f"/branches/{county['branch_a'].id}/visits/new", data={
        "visited_on": "2025-05-06", "form": "VISIT", "content": "了解用工情况", "visitor": "刘联络"})
    entry = entry_of(pairing)
    stage = db.session.scalars(sa.select(ProjectProgress)).one()
    service = db.session.scalars(sa.select(ProjectService)).one()
    visit = db.session.scalars(sa.select(BranchVisit)).one()
    registers = [f"/pairings/{pairing.id}/entries/{entry.id}", f"/projects/{project.id}/stages/{stage.id}",
                 f"/projects/{project.id}/services/{service.id}"]
    visits = f"/branches/{county['branch_a'].id}/visits/{visit.id}"
    form = {"kind": "VISIT", "form": "上门走访", "occurred_on": "2025-03-01", "reached_on": "2025-03-01",
            "visited_on": "2025-03-01", "content": "越权", "visitor": "越权", "note": "越权"}
    refused = {"clerk_b": (registers, {404}), "liaison_b": ([visits], {404}), "liaison_a": (registers, {403}),
               "clerk_a": ([visits, f"/pairings/{other.id}/entries/{entry.id}"], {403, 404})}
    for username, (urls, codes) in refused.items():
        sign_in(client, login, username)
        for url in urls:
            for action in ("edit", "delete"):
                assert client.get(f"{url}/{action}").status_code in codes, (username, url, action)
                assert client.post(f"{url}/{action}", data=form).status_code in codes, (username, url, action)
    db.session.expire_all()
    assert (entry.content, stage.reached_on, service.content, visit.content) == (
        "春节前送去慰问金", dt.date(2025, 2, 1), "协调用电", "了解用工情况")
    assert not audit_rows("pairing", "delete") and not audit_rows("branch_visit", "update")


# --- an entry reported as a record: the record's rules ----------------------------------------------------------

def test_the_reported_record_follows_an_edit_once_returned_and_keeps_its_entry_from_deletion(client, login, world):
    pairing = world["pairing"]
    add_entry(client, pairing)
    entry = entry_of(pairing)
    base = f"/pairings/{pairing.id}/entries/{entry.id}"
    assert client.post(f"{base}/record").status_code == 302
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.state == RecordState.SUBMITTED
    assert f'href="{base}/edit"' not in client.get(f"/pairings/{pairing.id}").get_data(as_text=True)
    refused = client.post(f"{base}/edit", data=edited(content="想改"), follow_redirects=True)
    assert "正在等待核实，不能修改" in text_of(refused) and entry_of(pairing).content == "春节前送去慰问金"
    sign_in(client, login, "office")
    assert "正在等待核实" in text_of(client.get(f"{base}/edit", follow_redirects=True))  # the office, as for records
    client.post(f"/activities/{record.id}/return", data={"reason": "金额有误", "version": str(record.version)})
    sign_in(client, login, "clerk_a")
    form = client.get(f"{base}/edit").get_data(as_text=True)
    assert "保存后该记录的日期、内容和金额随之更新" in form and f"/activities/{record.id}" in form
    response = client.post(f"{base}/edit", data=edited(occurred_on="2025-02-01", amount="900",
                                                       content="春节前送去慰问金（改正）"), follow_redirects=True)
    assert "报送的履职记录已随之更新" in text_of(response)
    db.session.expire_all()
    record = db.session.get(Activity, record.id)
    assert (record.occurred_on, record.description, record.state) == (
        dt.date(2025, 2, 1), "春节前送去慰问金（改正）", RecordState.RETURNED)
    assert record.support == "资金帮扶，900 元：春节前送去慰问金（改正）"
    assert {"occurred_on", "support"} <= {r.field for r in audit_rows("activity", "update")}
    refused = client.post(f"{base}/delete", follow_redirects=True)
    assert "只有从未提交过的草稿可以删除" in text_of(refused)
    assert entry_of(pairing) is not None and db.session.get(Activity, record.id) is not None


def test_a_verified_or_locked_record_keeps_its_stage_as_the_record_itself_is_kept(client, login, world):
    project = world["project"]
    reach(client, project, "SIGNED", "2025-04-01")
    stage = db.session.scalars(sa.select(ProjectProgress)).one()
    base = f"/projects/{project.id}/stages/{stage.id}"
    client.post(f"{base}/record")
    record = db.session.scalars(sa.select(Activity)).one()
    sign_in(client, login, "office")
    client.post(f"/activities/{record.id}/verify", data={"version": str(record.version)})
    sign_in(client, login, "clerk_a")
    for url in (f"{base}/edit", f"/activities/{record.id}/edit"):  # the stage, as its record: not changed
        assert "已核实" in text_of(client.get(url, follow_redirects=True))
    assert "已核实" in text_of(client.post(f"{base}/edit", data={"reached_on": "2025-04-02", "note": ""},
                                          follow_redirects=True))
    assert "已核实" in text_of(reach(client, project, "SIGNED", "2025-04-02"))  # nor through the stage form
    sign_in(client, login, "office")
    db.session.expire_all()
    assert client.post(f"/activities/{record.id}/reopen", data={"reason": "日期有误", "version": str(record.version)}
                       ).status_code == 302
    db.session.get(Activity, record.id).counterpart = "华中新材料集团"  # corrected on the record's own page
    db.session.commit()
    sign_in(client, login, "clerk_a")
    assert client.post(f"{base}/edit", data={"reached_on": "2025-04-02", "note": "签订协议"}).status_code == 302
    db.session.expire_all()
    record = db.session.get(Activity, record.id)
    assert (record.occurred_on, record.description, record.state) == (
        dt.date(2025, 4, 2), "签订协议", RecordState.RETURNED)
    assert (record.counterpart, record.amount) == ("华中新材料集团", 1200)  # what the stage does not make is kept
    record.locked = True  # it fed a finalised award list
    db.session.commit()
    for action in ("edit", "delete"):
        response = client.post(f"{base}/{action}", data={"reached_on": "2025-04-03", "note": ""},
                               follow_redirects=True)
        assert "已用于定稿的表彰名单" in text_of(response)
    db.session.expire_all()
    assert db.session.get(ProjectProgress, stage.id).reached_on == dt.date(2025, 4, 2)


def test_a_draft_record_never_submitted_is_deleted_with_its_entry(client, world):
    pairing = world["pairing"]
    add_entry(client, pairing)
    entry = entry_of(pairing)
    client.post(f"/pairings/{pairing.id}/entries/{entry.id}/record")
    record = db.session.scalars(sa.select(Activity)).one()
    record.state, record.submitted_at = RecordState.DRAFT, None  # as a draft the clerk never submitted
    db.session.commit()
    confirm = text_of(client.get(f"/pairings/{pairing.id}/entries/{entry.id}/delete"))
    assert "草稿，一并删除" in confirm
    assert client.post(f"/pairings/{pairing.id}/entries/{entry.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, record.id) is None and db.session.get(PairingEntry, entry.id) is None
    assert [r.entity_id for r in audit_rows("activity", "delete") if r.field == "title"] == [record.id]
