"""Evidence files on a record: type by content, size limit, zip bombs, storage under the hash, scope, removal."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from conftest import text_of

from app import evidence
from app.extensions import db
from app.models import Activity, AuditLog, Category, Evidence, RecordState, Role

WRONG_TYPE = "只接受 PDF、JPEG、PNG、DOCX、XLSX、DOC、XLS、WPS、ET 文件（按文件内容识别）"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office_zip(folder: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(f"{folder}/document.xml", "<doc/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def setup(app, tmp_path, county, make_member, make_user):
    """A draft record of 张三 (liaison_a) entered by clerk1; clerk2 keeps liaison_b; 王五 is another member."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    ours = make_member("张三", liaison="liaison_a")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    clerk1 = make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    make_user("office", Role.OFFICE)
    make_user("zhang", Role.MEMBER, member_id=ours.id)
    make_user("wang", Role.MEMBER, member_id=theirs.id)
    record = Activity(unit_id=county["liaison_a"].id, member_id=ours.id, category=Category.IDEA, kind="提案",
                      title="关于乡村道路的提案", occurred_on=dt.date(2025, 3, 1), created_by_id=clerk1.id,
                      entered_by_unit_id=county["liaison_a"].id)
    db.session.add(record)
    db.session.commit()
    return {"record": record, "dir": tmp_path / "evidence"}


def upload(client, record, data, name="file.pdf"):
    return client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def rows():
    return db.session.scalars(sa.select(Evidence).order_by(Evidence.id)).all()


@pytest.mark.parametrize(("data", "name", "content_type"), [
    (PDF_BYTES, "报告.pdf", evidence.PDF), (PNG_BYTES, "photo.png", evidence.PNG),
    (JPEG_BYTES, "photo.jpg", evidence.JPEG), (office_zip("word"), "提案.docx", evidence.DOCX),
    (office_zip("xl"), "名单.xlsx", evidence.XLSX)])
def test_each_accepted_type_is_stored_under_its_hash_and_downloads(client, login, setup, data, name, content_type):
    login("clerk1")
    record = setup["record"]
    assert upload(client, record, data, name).status_code == 302
    item = rows()[0]
    assert (item.original_name, item.content_type, item.size) == (name, content_type, len(data))
    stored = setup["dir"] / item.sha256[:2] / item.sha256[2:]
    assert item.sha256 == evidence.digest(data) and stored.read_bytes() == data
    response = client.get(f"/activities/{record.id}/evidence/{item.id}")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.field == "evidence")).one()
    assert audit.action == "create" and name in audit.after


@pytest.mark.parametrize(("data", "name"), [
    (PNG_BYTES, "forged.pdf"), (b"just some text, not a pdf", "notes.pdf"),
    (b"<html><script>alert(1)</script></html>", "page.png"),
    (office_zip("other"), "odd.docx"), (b"PK\x03\x04 not really a zip", "broken.xlsx")])
def test_a_forged_or_unknown_type_is_refused_beside_the_field(client, login, setup, data, name):
    login("clerk1")
    response = upload(client, setup["record"], data, name)
    assert response.status_code == 200 and WRONG_TYPE in text_of(response)
    assert rows() == [] and not setup["dir"].exists()


def test_a_file_without_extension_is_named_by_its_content_only(client, login, setup):
    login("clerk1")
    assert upload(client, setup["record"], PNG_BYTES, "scan").status_code == 302
    assert rows()[0].content_type == evidence.PNG


def test_a_path_in_the_name_is_metadata_only(client, login, setup):
    login("clerk1")
    assert upload(client, setup["record"], PDF_BYTES, "../../../etc/passwd.pdf").status_code == 302
    item = rows()[0]
    assert item.original_name == "passwd.pdf"
    files = [p for p in setup["dir"].rglob("*") if p.is_file()]
    assert files == [setup["dir"] / item.sha256[:2] / item.sha256[2:]]


def test_the_same_content_is_stored_once(client, login, setup):
    login("clerk1")
    upload(client, setup["record"], PDF_BYTES, "a.pdf")
    upload(client, setup["record"], PDF_BYTES, "b.pdf")
    assert [r.original_name for r in rows()] == ["a.pdf", "b.pdf"]
    assert len([p for p in setup["dir"].rglob("*") if p.is_file()]) == 1


def test_an_oversize_and_an_empty_file_are_refused(app, client, login, setup):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    login("clerk1")
    response = upload(client, setup["record"], PDF_BYTES + b"x" * 200, "big.pdf")
    assert "文件不能超过" in text_of(response)
    assert "文件是空的" in text_of(upload(client, setup["record"], b"", "empty.pdf"))
    assert "请选择要上传的文件" in text_of(client.post(f"/activities/{setup['record'].id}/evidence", data={}))
    assert rows() == []


def test_a_request_above_the_global_limit_gets_413(app, client, login, setup):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    login("clerk1")
    assert upload(client, setup["record"], PDF_BYTES + b"x" * 5000).status_code == 413


def test_a_zip_bomb_is_refused(client, login, setup):
    bomb = office_zip("word", {"word/huge.xml": b"\x00" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # small on the wire, 60 MB declared
    assert evidence.sniff(bomb) is None
    login("clerk1")
    assert WRONG_TYPE in text_of(upload(client, setup["record"], bomb, "bomb.docx"))
    assert rows() == []


def test_download_is_scoped(client, login, setup):
    login("clerk1")
    upload(client, setup["record"], PDF_BYTES)
    item = rows()[0]
    url = f"/activities/{setup['record'].id}/evidence/{item.id}"
    for username, status in (("clerk2", 404), ("wang", 404), ("zhang", 200), ("office", 200)):
        client.post("/auth/logout")
        login(username)
        response = client.get(url)
        response.close()
        assert response.status_code == status, username
    other = Activity(unit_id=setup["record"].unit_id, member_id=setup["record"].member_id, category=Category.IDEA,
                     kind="提案", title="另一条", occurred_on=setup["record"].occurred_on)
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/activities/{other.id}/evidence/{item.id}").status_code == 404  # not that record's


def test_removal_deletes_the_row_and_unused_bytes_and_is_logged(client, login, setup):
    login("clerk1")
    upload(client, setup["record"], PDF_BYTES)
    item = rows()[0]
    path = setup["dir"] / item.sha256[:2] / item.sha256[2:]
    assert client.post(f"/activities/{setup['record'].id}/evidence/{item.id}/remove").status_code == 302
    assert rows() == [] and not path.exists()
    log = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "delete")).one()
    assert log.field == "evidence" and "file.pdf" in log.before


def test_the_owner_adds_evidence_until_verified_removes_only_while_editable_the_office_until_locked(
        client, login, setup):
    record = setup["record"]
    record.state = RecordState.SUBMITTED
    db.session.commit()
    login("clerk1")
    assert upload(client, record, PDF_BYTES, "补充.pdf").status_code == 302  # 已提交: still takes evidence
    response = client.get(f"/activities/{record.id}")
    assert "补充.pdf" in text_of(response) and "记录核实前仍可补充证明材料" in text_of(response)
    assert b"/remove" not in response.data
    assert client.post(f"/activities/{record.id}/evidence/{rows()[0].id}/remove").status_code == 302
    assert len(rows()) == 1  # removing is not for a submitted record's clerk
    record.state = RecordState.VERIFIED
    db.session.commit()
    assert "不能再添加证明材料" in text_of(client.post(f"/activities/{record.id}/evidence", follow_redirects=True,
                                                  data={"file": (io.BytesIO(PNG_BYTES), "p.png")}))
    assert "上传" not in text_of(client.get(f"/activities/{record.id}")).replace("上传时间", "")
    client.post("/auth/logout")
    login("office")
    assert upload(client, record, PNG_BYTES, "p.png").status_code == 302
    record.locked = True
    db.session.commit()
    assert "不能再添加证明材料" in text_of(client.post(f"/activities/{record.id}/evidence", follow_redirects=True,
                                                  data={"file": (io.BytesIO(JPEG_BYTES), "j.jpg")}))
    assert client.post(f"/activities/{record.id}/evidence/{rows()[0].id}/remove").status_code == 302
    assert [r.original_name for r in rows()] == ["补充.pdf", "p.png"]


def test_members_and_other_clerks_cannot_upload(client, login, setup):
    login("zhang")
    assert upload(client, setup["record"], PDF_BYTES).status_code in (403, 404)
    client.post("/auth/logout")
    login("clerk2")
    assert upload(client, setup["record"], PDF_BYTES).status_code == 404
    assert rows() == []
