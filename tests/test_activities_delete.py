"""Deleting a draft: only never-submitted drafts, after a confirmation page, with an audit snapshot and its files."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from conftest import text_of

from app import evidence
from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Category, Evidence, RecordState, Role

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup(app, tmp_path, county, make_member, make_party_member, make_user):
    """clerk1 keeps liaison_a (张三), clerk2 liaison_b; liaison1 keeps branch_a (李四); evidence under tmp_path."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", liaison="liaison_a")
    li = make_party_member("李四", branch="branch_a")
    db.session.commit()
    clerk1 = make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    liaison1 = make_user("liaison1", Role.LIAISON, units=("branch_a",))
    make_user("office", Role.OFFICE)
    return {"ours": ours, "li": li, "clerk1": clerk1, "liaison1": liaison1, "county": county,
            "dir": tmp_path / "evidence"}


@pytest.fixture
def add(setup):
    def make(title="关于乡村道路的提案", state=RecordState.DRAFT, party=False, submitted=False):
        if party:
            record = Activity(unit_id=setup["county"]["branch_a"].id, party_member_id=setup["li"].id,
                              category=Category.CONTRIBUTION, kind="示范岗", created_by_id=setup["liaison1"].id,
                              entered_by_unit_id=setup["county"]["branch_a"].id)
        else:
            record = Activity(unit_id=setup["county"]["liaison_a"].id, member_id=setup["ours"].id,
                              category=Category.IDEA, kind="提案", outcome="提交", created_by_id=setup["clerk1"].id,
                              entered_by_unit_id=setup["county"]["liaison_a"].id)
        record.title = title
        record.occurred_on = dt.date(2025, 3, 1)
        record.state = state
        record.submitted_at = dt.datetime(2025, 3, 2) if submitted or state != RecordState.DRAFT else None
        db.session.add(record)
        db.session.commit()
        return record
    return make


def remaining():
    db.session.expire_all()
    return db.session.scalars(sa.select(Activity.title).order_by(Activity.id)).all()


def test_clerk_confirms_and_deletes_a_draft_with_its_evidence(client, login, setup, add):
    record = add()
    login("clerk1")
    client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(PDF_BYTES), "立案通知.pdf")},
                content_type="multipart/form-data")
    [item] = db.session.scalars(sa.select(Evidence)).all()
    stored = evidence.path_for(setup["dir"], item.sha256)
    assert stored.is_file()
    assert "删除草稿" in text_of(client.get(f"/activities/{record.id}"))
    confirm = text_of(client.get(f"/activities/{record.id}/delete"))
    assert "确定删除这条草稿吗" in confirm and "关于乡村道路的提案" in confirm and "1 个文件" in confirm
    assert remaining() == ["关于乡村道路的提案"]  # asking is not deleting
    response = client.post(f"/activities/{record.id}/delete", data={"version": record.version},
                           follow_redirects=True)
    assert "已删除草稿“关于乡村道路的提案”" in text_of(response)
    assert remaining() == []
    assert db.session.scalars(sa.select(Evidence)).all() == []
    assert not stored.exists()
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "delete",
                                                        AuditLog.entity_id == record.id)).all()
    snapshot = {r.field: (r.before, r.after) for r in rows}
    assert snapshot["title"] == ("关于乡村道路的提案", "")
    assert snapshot["kind"] == ("提案", "") and snapshot["state"] == ("草稿", "")
    assert snapshot["evidence"][0].startswith("立案通知.pdf")


def test_bytes_shared_with_another_record_are_kept(client, login, setup, add):
    first, second = add(), add("另一件提案")
    login("clerk1")
    for record in (first, second):
        client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(PDF_BYTES), "同一文件.pdf")},
                    content_type="multipart/form-data")
    sha = db.session.scalars(sa.select(Evidence.sha256)).first()
    client.post(f"/activities/{first.id}/delete", data={"version": first.version})
    assert remaining() == ["另一件提案"]
    assert evidence.path_for(setup["dir"], sha).is_file()


@pytest.mark.parametrize("state", [RecordState.SUBMITTED, RecordState.VERIFIED, RecordState.RETURNED])
def test_only_drafts_may_be_deleted(client, login, setup, add, state):
    record = add(state=state)
    login("office")
    assert "删除草稿" not in text_of(client.get(f"/activities/{record.id}"))
    page = text_of(client.get(f"/activities/{record.id}/delete", follow_redirects=True))
    assert "只有从未提交过的草稿可以删除" in page
    response = client.post(f"/activities/{record.id}/delete", data={"version": record.version},
                           follow_redirects=True)
    assert "只有从未提交过的草稿可以删除" in text_of(response)
    assert remaining() == ["关于乡村道路的提案"]


def test_a_draft_from_a_stale_page_is_not_deleted(client, login, setup, add):
    record = add()
    old = record.version
    login("clerk1")
    edit = {"subject": f"m:{setup['ours'].id}", "kind": "提案", "occurred_on": "2025-03-01", "title": "改过的标题",
            "outcome": "提交", "save": "保存草稿", "version": str(old)}
    assert client.post(f"/activities/{record.id}/edit", data=edit).status_code == 302
    response = client.post(f"/activities/{record.id}/delete", data={"version": old}, follow_redirects=True)
    assert "该记录已被他人修改，请刷新后再改" in text_of(response)
    assert remaining() == ["改过的标题"]


def test_out_of_scope_drafts_read_as_not_found(client, login, setup, add):
    member_draft, party_draft = add(), add("示范岗标兵", party=True)
    login("clerk2")
    assert client.get(f"/activities/{member_draft.id}/delete").status_code == 404
    assert client.post(f"/activities/{member_draft.id}/delete", data={"version": 1}).status_code == 404
    client.post("/auth/logout")
    login("clerk1")
    assert client.post(f"/activities/{party_draft.id}/delete", data={"version": 1}).status_code == 404
    client.post("/auth/logout")
    login("liaison1")
    assert client.post(f"/activities/{member_draft.id}/delete", data={"version": 1}).status_code == 404
    assert remaining() == ["关于乡村道路的提案", "示范岗标兵"]


def test_liaison_deletes_their_party_members_draft_and_the_office_a_clerks(client, login, setup, add):
    member_draft, party_draft = add(), add("示范岗标兵", party=True)
    login("liaison1")
    client.post(f"/activities/{party_draft.id}/evidence", data={"file": (io.BytesIO(PDF_BYTES), "聘书.pdf")},
                content_type="multipart/form-data")
    [item] = db.session.scalars(sa.select(Evidence)).all()
    assert item.activity_id == party_draft.id
    assert "删除草稿" in text_of(client.get(f"/activities/{party_draft.id}"))
    assert client.post(f"/activities/{party_draft.id}/delete", data={"version": 1}).status_code == 302
    assert db.session.scalars(sa.select(Evidence)).all() == []
    assert not evidence.path_for(setup["dir"], item.sha256).exists()
    client.post("/auth/logout")
    login("office")
    assert client.post(f"/activities/{member_draft.id}/delete", data={"version": 1}).status_code == 302
    assert remaining() == []
    deleted = set(db.session.scalars(sa.select(AuditLog.entity_id).where(AuditLog.action == "delete")))
    assert deleted == {member_draft.id, party_draft.id}
