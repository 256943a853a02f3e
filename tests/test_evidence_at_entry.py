"""Evidence at first entry: files on the new-record and self-report forms (all or nothing), evidence added to a
submitted record by its owner, the queue's 附件 column and 无附件 filter, the bulk 核实 confirmation, and the old
Office and WPS formats recognised by content."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from conftest import text_of
from office_files import (
    BIFF5,
    BOTH,
    EMPTY_CONTAINER,
    EXCEL,
    MAGIC_ONLY,
    POWERPOINT,
    WORD,
    WORD_MACROS,
    WPS_SHEET,
    WPS_WRITER,
)

from app import evidence
from app.extensions import db
from app.models import Activity, AppraisalYear, Category, Evidence, RecordState, Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
WRONG_TYPE = "只接受 PDF、JPEG、PNG、DOCX、XLSX、DOC、XLS、WPS、ET 文件（按文件内容识别）"


@pytest.fixture
def setup(app, tmp_path, county, make_member, make_user):
    """2025 open. 张三 is in liaison_a (clerk1) and committee_b (clerk2); 王五 only in B units; 张三 reports too."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", liaison="liaison_a", committee="committee_b")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("committee_b",))
    make_user("office", Role.OFFICE)
    make_user("zhang", Role.MEMBER, member_id=ours.id)
    make_user("wang", Role.MEMBER, member_id=theirs.id)
    return {"ours": ours, "theirs": theirs, "dir": tmp_path / "evidence", "root": tmp_path}


def idea(member, title="关于加快乡村道路建设的提案", **changes):
    data = {"subject": f"m:{member.id}", "kind": "提案", "occurred_on": "2025-03-01", "title": title,
            "description": "", "signers": "", "outcome": "提交", "level": "", "instruction_level": "",
            "amount": "", "people_helped": "", "counterpart": "", "support": "", "send": "提交核实"}
    data.update(changes)
    return data


def with_files(data, *files):
    """The form data with files in its 证明材料 field, as a browser posts a multiple file input."""
    return {**data, "files": [(io.BytesIO(content), name) for content, name in files]}


def counts():
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def stored(root):
    return {p for p in root.rglob("*") if p.is_file()}


def evidence_rows():
    return db.session.scalars(sa.select(Evidence).order_by(Evidence.id)).all()


# --- the new-record form -------------------------------------------------------------------------------------

def test_a_new_record_is_saved_and_submitted_with_its_files_in_one_post(client, login, setup):
    login("clerk1")
    form = client.get("/activities/new/IDEA").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form and "multiple" in form
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"]), (PDF, "提案原文.pdf"),
                                                                   (WORD, "附件：调研报告.doc")),
                           follow_redirects=True)
    assert "已提交核实。已上传 2 个证明材料。" in text_of(response)
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.state == RecordState.SUBMITTED
    files = evidence_rows()
    assert [(f.activity_id, f.original_name, f.content_type) for f in files] == [
        (record.id, "提案原文.pdf", evidence.PDF), (record.id, "附件：调研报告.doc", evidence.DOC)]
    assert stored(setup["dir"]) == {setup["dir"] / f.sha256[:2] / f.sha256[2:] for f in files}
    assert "提案原文.pdf" in text_of(response) and "附件：调研报告.doc" in text_of(response)


def test_an_empty_file_field_saves_the_record_alone(client, login, setup):
    login("clerk1")
    data = {**idea(setup["ours"]), "files": (io.BytesIO(b""), "")}  # what a browser sends when none is chosen
    assert client.post("/activities/new/IDEA", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1 and evidence_rows() == []


@pytest.mark.parametrize(("bad", "name", "reason"), [
    (EXE, "调研报告.doc", WRONG_TYPE), (WORD, "setup.exe", WRONG_TYPE), (b"", "空白.pdf", "文件是空的"),
    (PDF + b"x" * 5000, "大文件.pdf", "文件不能超过")])
def test_one_refused_file_refuses_the_record_and_every_file(app, client, login, setup, bad, name, reason):
    app.config["EVIDENCE_MAX_BYTES"] = 4096
    login("clerk1")
    before = counts()
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"]), (PDF, "提案原文.pdf"),
                                                                   (bad, name)))
    page = text_of(response)
    assert response.status_code == 200 and f"{name}：" in page and reason in page
    assert "记录和文件都没有保存，请改正后重新选择文件。" in page
    assert 'value="关于加快乡村道路建设的提案"' in response.get_data(as_text=True)  # the typed fields are kept
    assert counts() == before and stored(setup["root"]) == set()


def test_a_refused_file_and_the_records_own_errors_show_at_once(client, login, setup):
    login("clerk2")  # 张三 is in clerk2's committee; 2031 is in the future
    before = counts()
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"], occurred_on="2031-01-01"),
                                                                   (EXE, "照片.png")))
    page = text_of(response)
    assert "日期不能晚于今天" in page and "照片.png：" + WRONG_TYPE in page
    assert counts() == before and stored(setup["root"]) == set()


def test_a_record_refused_for_its_fields_keeps_none_of_its_good_files(client, login, setup):
    login("clerk1")
    before = counts()
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"], occurred_on="2031-01-01"),
                                                                   (PDF, "提案原文.pdf")))
    assert "日期不能晚于今天" in text_of(response) and "请改正后重新选择文件" in text_of(response)
    assert counts() == before and stored(setup["root"]) == set()


def test_a_duplicate_record_refused_by_the_service_stores_no_bytes(client, login, setup):
    login("clerk1")
    assert client.post("/activities/new/IDEA", data=idea(setup["ours"])).status_code == 302
    before = counts()
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"]), (PNG, "照片.png")))
    assert "请勿重复录入" in text_of(response)
    assert counts() == before and stored(setup["root"]) == set()


# --- the self-report form, and evidence added later ----------------------------------------------------------

def report(**changes):
    data = {"kind": "提案", "occurred_on": "2025-03-01", "title": "关于加快乡村道路建设的提案", "description": "",
            "outcome": "提交", "level": "", "instruction_level": "", "amount": "", "people_helped": "",
            "counterpart": "", "support": "", "send": "提交"}
    data.update(changes)
    return data


def test_a_member_reports_with_a_file_and_adds_another_until_verified(client, login, setup):
    login("zhang")
    assert 'type="file"' in client.get("/activities/report/IDEA").get_data(as_text=True)
    assert client.post("/activities/report/IDEA", data=with_files(report(), (PNG, "会议照片.png"))).status_code == 302
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.self_reported and record.state == RecordState.SUBMITTED
    assert [(f.original_name, f.uploaded_by_id) for f in evidence_rows()] == [("会议照片.png", record.created_by_id)]
    upload = {"file": (io.BytesIO(PDF), "发言稿.pdf")}
    assert client.post(f"/activities/{record.id}/evidence", data=upload).status_code == 302
    assert [f.original_name for f in evidence_rows()] == ["会议照片.png", "发言稿.pdf"]
    client.post("/auth/logout")
    login("wang")  # another member: not theirs to see
    assert client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(PDF), "x.pdf")}).status_code \
        == 404
    client.post("/auth/logout")
    login("clerk1")  # the member's clerk verifies members' own reports (the default); adds nothing to them
    assert client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(PDF), "c.pdf")}).status_code \
        == 302  # refused, back to the page
    assert len(evidence_rows()) == 2
    assert client.post(f"/activities/{record.id}/verify", data={"version": record.version}).status_code == 302
    client.post("/auth/logout")
    login("zhang")  # verified: closed
    assert client.post(f"/activities/{record.id}/evidence", data={"file": (io.BytesIO(PDF), "y.pdf")}).status_code \
        == 403
    assert len(evidence_rows()) == 2


def test_a_bad_file_refuses_the_members_report_too(client, login, setup):
    login("zhang")
    before = counts()
    response = client.post("/activities/report/IDEA", data=with_files(report(), (EXE, "照片.png")))
    assert response.status_code == 200 and "照片.png：" + WRONG_TYPE in text_of(response)
    assert counts() == before and stored(setup["root"]) == set()


def test_a_submitted_record_takes_evidence_from_its_entering_unit_only(client, login, setup):
    login("clerk1")
    client.post("/activities/new/IDEA", data=idea(setup["ours"]))
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.state == RecordState.SUBMITTED
    assert client.post(f"/activities/{record.id}/evidence",
                       data={"file": (io.BytesIO(EXCEL), "名单.xls")}).status_code == 302
    client.post("/auth/logout")
    login("clerk2")  # 张三 is in clerk2's committee too, but clerk1's unit entered the record
    assert client.post(f"/activities/{record.id}/evidence",
                       data={"file": (io.BytesIO(PDF), "x.pdf")}).status_code == 403
    assert [f.original_name for f in evidence_rows()] == ["名单.xls"]


# --- the queue -----------------------------------------------------------------------------------------------

@pytest.fixture
def waiting(client, login, setup):
    """Three submitted records by clerk1: 甲 with two files, 乙 and 丙 with none; then the office signs in."""
    login("clerk1")
    for title, files in (("甲提案", [(PDF, "a.pdf"), (PNG, "b.png")]), ("乙提案", []), ("丙提案", [])):
        assert client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"], title=title),
                                                                   *files)).status_code == 302
    client.post("/auth/logout")
    login("office")
    return {a.title: a for a in db.session.scalars(sa.select(Activity))}


def test_the_queue_counts_each_records_files_and_filters_those_without(client, waiting):
    html = client.get("/activities/queue").get_data(as_text=True)
    page = text_of(client.get("/activities/queue"))
    assert "附件" in page and "2 个" in page and page.count("无附件") >= 2
    assert f'href="/activities/{waiting["甲提案"].id}#evidence">2 个</a>' in html
    bare = text_of(client.get("/activities/queue?bare=1"))
    assert "共 2 条待核实" in bare and "乙提案" in bare and "丙提案" in bare and "甲提案" not in bare


def states(records):
    return [db.session.get(Activity, a.id).state for a in records]


def test_bulk_verify_says_how_many_have_no_evidence_and_needs_the_box_ticked(client, waiting):
    chosen = {"scope": "selected", "ids": [a.id for a in waiting.values()]}
    page = text_of(client.post("/activities/queue/verify", data=chosen))
    assert "将核实 3 条记录" in page and "其中 2 条没有附件" in page and "我已知道其中 2 条没有附件" in page
    confirmed = {**chosen, "confirm": "1", "expect": "3:2"}
    page = text_of(client.post("/activities/queue/verify", data=confirmed))
    assert "请勾选确认：其中 2 条没有附件。" in page
    assert states(waiting.values()) == [RecordState.SUBMITTED] * 3
    page = text_of(client.post("/activities/queue/verify", data={**confirmed, "ack": "1"}, follow_redirects=True))
    assert "已核实 3 条记录" in page and states(waiting.values()) == [RecordState.VERIFIED] * 3


def test_an_id_beyond_what_the_database_holds_is_no_selection_not_an_error(client, waiting):
    """A forged 2**40 among the ticked ids (PostgreSQL's integer ends at 2**31 - 1) selects nothing, never a 500."""
    page = client.post("/activities/queue/verify", data={"scope": "selected", "ids": [str(2 ** 40)]},
                       follow_redirects=True)
    assert page.status_code == 200 and "所选记录中没有可以核实的记录。" in text_of(page)
    assert states(waiting.values()) == [RecordState.SUBMITTED] * 3


def test_a_selection_changed_since_the_confirmation_is_asked_again(client, waiting):
    confirmed = {"scope": "all", "confirm": "1", "expect": "3:2", "ack": "1"}
    second = waiting["乙提案"]
    assert client.post(f"/activities/{second.id}/evidence", data={"file": (io.BytesIO(PDF), "补.pdf")}).status_code \
        == 302
    page = text_of(client.post("/activities/queue/verify", data=confirmed))
    assert "所选记录在此期间有变化" in page and "将核实 3 条记录" in page and "其中 1 条没有附件" in page
    assert states(waiting.values()) == [RecordState.SUBMITTED] * 3


def test_records_that_all_have_evidence_are_confirmed_without_the_box(client, waiting):
    first = waiting["甲提案"]
    page = text_of(client.post("/activities/queue/verify", data={"scope": "selected", "ids": [first.id]}))
    assert "将核实 1 条记录" in page and "每条都有附件" in page and "我已知道" not in page
    client.post("/activities/queue/verify", data={"scope": "selected", "ids": [first.id], "confirm": "1",
                                                  "expect": "1:0"})
    assert states([first]) == [RecordState.VERIFIED]


def test_verifying_only_the_records_without_evidence_by_the_filter(client, waiting):
    page = text_of(client.post("/activities/queue/verify?bare=1", data={"scope": "all"}))
    assert "将核实 2 条记录" in page and "其中 2 条没有附件" in page
    client.post("/activities/queue/verify?bare=1", data={"scope": "all", "confirm": "1", "expect": "2:2", "ack": "1"})
    assert states(waiting.values()) == [RecordState.SUBMITTED, RecordState.VERIFIED, RecordState.VERIFIED]


def test_nothing_to_verify_says_so(client, waiting):
    response = client.post("/activities/queue/verify", data={"scope": "selected", "ids": []}, follow_redirects=True)
    assert "所选记录中没有可以核实的记录" in text_of(response)


# --- old Office and WPS formats, by content --------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name", "content_type"), [
    (WORD, "提案.doc", evidence.DOC), (WPS_WRITER, "提案.wps", evidence.DOC), (EXCEL, "名单.xls", evidence.XLS),
    (WPS_SHEET, "名单.et", evidence.XLS), (BIFF5, "旧表.xls", evidence.XLS), (WORD, "扫描件", evidence.DOC)])
def test_old_office_and_wps_files_are_accepted_by_their_content(client, login, setup, data, name, content_type):
    login("clerk1")
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"]), (data, name)))
    assert response.status_code == 302, text_of(response)
    item = evidence_rows()[0]
    assert (item.original_name, item.content_type, item.size) == (name, content_type, len(data))
    download = client.get(f"/activities/{item.activity_id}/evidence/{item.id}")
    assert download.data == data and download.mimetype == content_type
    download.close()


@pytest.mark.parametrize(("data", "name"), [
    (WORD, "setup.exe"), (EXE, "报告.doc"), (EXE, "报告.wps"), (EXE, "名单.xls"), (EXE, "名单.et"),
    (WORD, "名单.xls"), (EXCEL, "报告.doc"), (WPS_SHEET, "报告.wps"), (POWERPOINT, "演示.doc"),
    (WORD_MACROS, "带宏.doc"), (BOTH, "两者.doc"), (EMPTY_CONTAINER, "空.xls"), (MAGIC_ONLY, "坏.doc"),
    (MAGIC_ONLY[:8], "短.et")])
def test_forged_old_office_files_are_refused(client, login, setup, data, name):
    login("clerk1")
    before = counts()
    response = client.post("/activities/new/IDEA", data=with_files(idea(setup["ours"]), (data, name)))
    assert response.status_code == 200 and f"{name}：{WRONG_TYPE}" in text_of(response)
    assert counts() == before and stored(setup["root"]) == set()


def test_the_file_pickers_offer_the_old_formats(client, login, setup):
    login("clerk1")
    assert 'accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.doc,.wps,.xls,.et"' in \
        client.get("/activities/new/IDEA").get_data(as_text=True)
