"""Hostile uploads: forged types, path-traversal names, zip bombs and oversize files, to evidence and to imports.

Each is refused with a Chinese message (beside the field, or in the import report), nothing is stored in the
database, no evidence file is kept, and no file is ever written outside the storage directories.
"""
from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx
from office_files import MAGIC_ONLY, POWERPOINT, WORD, WORD_MACROS
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Activity, AppraisalYear, Category, Evidence, Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 32
WRONG_TYPE = "只接受 PDF、JPEG、PNG、DOCX、XLSX、DOC、XLS、WPS、ET 文件"
MB = 1024 * 1024
HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果"]
GOOD_ROWS = [["W001", "张三", "提案", "2025-03-02", "关于修缮城关小学的提案", "立案"]]


def rebuilt(base: bytes, parts: dict[str, bytes]) -> bytes:
    """`base` (a zip) with `parts` replaced or added, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, parts.get(info.filename, src.read(info.filename)))
        for name, data in parts.items():
            if name not in src.namelist():
                dst.writestr(name, data)
    return out.getvalue()


def lying(archive: bytes, member: str, declared: int) -> bytes:
    """`archive` with `member`'s uncompressed size declared as `declared` in both of its headers."""
    data = bytearray(archive)
    name = member.encode()
    for magic, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(magic)
        while at != -1:
            length = struct.unpack_from("<H", data, at + name_len_at)[0]
            if data[at + name_at:at + name_at + length] == name:
                struct.pack_into("<I", data, at + size_at, declared)
            at = data.find(magic, at + 4)
    return bytes(data)


def sheet_xml(text_bytes: int) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + b"A" * text_bytes
            + b"</t></is></c></row></sheetData></worksheet>")


BASE = xlsx("履职记录", HEADERS, GOOD_ROWS)
SHEET = "xl/worksheets/sheet1.xml"
BOMB_SHEET = rebuilt(BASE, {SHEET: sheet_xml(120 * MB)})  # 120 MB of one cell, about 120 KB on the wire
BOMB_STRINGS = rebuilt(BASE, {"xl/sharedStrings.xml": b'<?xml version="1.0"?><sst xmlns="http://schemas.'
                              b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
                              + b"B" * (150 * MB) + b"</t></si></sst>"})
MANY_PARTS = rebuilt(BASE, {f"xl/media/{n}.bin": b"" for n in range(10_001)})
ALL_BIG = rebuilt(BASE, {f"xl/media/{n}.bin": bytes(range(256)) * (MB // 256) * 15 for n in range(18)})
LIAR = lying(rebuilt(BASE, {SHEET: sheet_xml(40 * MB)}), SHEET, 1000)  # says 1,000 bytes, inflates to 40 MB
EVIDENCE_BOMB = rebuilt(BASE, {"xl/media/huge.bin": b"\x00" * (60 * MB)})


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def setup(app, tmp_path, county, make_member, make_user):
    """A draft record of 张三 entered by clerk1; evidence and imports stored under tmp_path only."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", code="W001", liaison="liaison_a")
    db.session.commit()
    clerk1 = make_user("clerk1", Role.CLERK, units=("liaison_a",))
    office = make_user("office", Role.OFFICE)
    record = Activity(unit_id=county["liaison_a"].id, member_id=ours.id, category=Category.IDEA, kind="提案",
                      title="关于乡村道路的提案", occurred_on=dt.date(2025, 3, 1), created_by_id=clerk1.id,
                      entered_by_unit_id=county["liaison_a"].id)
    db.session.add(record)
    db.session.commit()
    return {"record": record, "root": tmp_path, "evidence": tmp_path / "evidence", "imports": tmp_path / "imports",
            "users": (clerk1.id, office.id)}


def post_file(client, url: str, data: bytes, name: str):
    """POST one file as a browser would. The body is encoded here, in memory: werkzeug's test client spools a
    body over 500 KB to a temporary file that nothing closes (an unraisable warning in a later test)."""
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(data), filename=name)}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def post_evidence(client, record, data: bytes, name: str):
    return post_file(client, f"/activities/{record.id}/evidence", data, name)


def post_import(client, data: bytes, name: str, dataset: str = "records"):
    return post_file(client, f"/imports/{dataset}/check", data, name)


# --- evidence -------------------------------------------------------------------------------------------------

FORGED_EVIDENCE = [
    (PNG, "scan.pdf"), (PDF, "photo.png"), (EXE, "setup.pdf"), (EXE, "名单.xlsx"), (EXE, "report"),
    (HTML, "photo.png"), (HTML, "page.html"), (SVG, "logo.png"), (SVG, "logo.svg"), (ELF, "a.jpg"),
    (GIF, "a.gif"), (b"PK\x03\x04" + b"\x00" * 40, "broken.docx"), (PDF, "report.pdf.exe"), (PDF, "x.html"),
    (EVIDENCE_BOMB, "bomb.xlsx"), (MANY_PARTS, "parts.xlsx"), (b"<?php system($_GET[c]); ?>", "shell.pdf"),
    # old Office and WPS (OLE2): the container alone proves nothing, nor does the name
    (WORD, "setup.exe"), (EXE, "报告.doc"), (EXE, "名单.et"), (WORD_MACROS, "带宏.doc"), (POWERPOINT, "演示.wps"),
    (MAGIC_ONLY, "坏.xls"),
]


@pytest.mark.parametrize(("data", "name"), FORGED_EVIDENCE, ids=[n for _, n in FORGED_EVIDENCE])
def test_a_forged_evidence_file_is_refused_beside_the_field_and_nothing_is_kept(client, login, setup, data, name):
    login("clerk1")
    before = counts()
    response = post_evidence(client, setup["record"], data, name)
    assert response.status_code == 200 and WRONG_TYPE in text_of(response)
    assert counts() == before and files_under(setup["root"]) == set()


TRAVERSAL_NAMES = ["../../etc/passwd.pdf", "..\\..\\windows\\x.pdf", "/etc/passwd.pdf", "C:\\Windows\\x.pdf",
                   "a\x00b.pdf", "a\nb.pdf", "\r\n.pdf", "....//....//x.pdf", "%2e%2e%2fx.pdf", ".pdf", "..pdf",
                   "x" * 1000 + ".pdf", "\u202egpj.pdf", "<script>alert(1)</script>.pdf", "CON.pdf"]


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_a_path_or_control_characters_in_an_evidence_name_never_reach_the_file_system(client, login, setup, name):
    login("clerk1")
    response = post_evidence(client, setup["record"], PDF, name)
    if response.status_code == 200:  # a name the form refuses (werkzeug drops one it cannot read)
        assert "请选择" in text_of(response) or WRONG_TYPE in text_of(response)
        assert files_under(setup["root"]) == set()
        return
    assert response.status_code == 302
    item = db.session.scalars(sa.select(Evidence)).one()
    assert "/" not in item.original_name and "\\" not in item.original_name
    assert all(ch.isprintable() for ch in item.original_name) and len(item.original_name) <= 200
    assert files_under(setup["root"]) == {setup["evidence"] / item.sha256[:2] / item.sha256[2:]}
    assert not Path("/etc/passwd.pdf").exists()
    download = client.get(f"/activities/{setup['record'].id}/evidence/{item.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "\n" not in download.headers["Content-Disposition"] and "\r" not in download.headers["Content-Disposition"]
    download.close()


def test_oversize_evidence_is_refused_by_the_field_or_the_request_limit(app, client, login, setup):
    login("clerk1")
    before = counts()
    app.config["EVIDENCE_MAX_BYTES"] = 4096
    response = post_evidence(client, setup["record"], PDF + b"x" * 8192, "big.pdf")
    assert response.status_code == 200 and "文件不能超过" in text_of(response)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    response = post_evidence(client, setup["record"], PDF + b"x" * 64 * 1024, "huge.pdf")
    assert response.status_code == 413 and "超过" in text_of(response)
    assert counts() == before and files_under(setup["root"]) == set()


# --- imports --------------------------------------------------------------------------------------------------

FORGED_IMPORTS = [
    (EXE, "records.xlsx", "不是有效的 Excel 工作簿"), (PNG, "records.xlsx", "不是有效的 Excel 工作簿"),
    (PDF, "records.xlsm", "不是有效的 Excel 工作簿"), (HTML, "records.xlsx", "不是有效的 Excel 工作簿"),
    (b"PK\x03\x04" + b"\x00" * 100, "records.xlsx", "不是有效的 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "records.xlsx", "旧版 Excel"),
    (BASE, "records.csv", "这是 Excel 工作簿，不是 CSV 文件"),
    (BOMB_SHEET, "records.xlsx", "压缩炸弹"), (BOMB_STRINGS, "records.xlsx", "压缩炸弹"),
    (MANY_PARTS, "records.xlsx", "压缩炸弹"), (ALL_BIG, "records.xlsx", "压缩炸弹"),
    (LIAR, "records.xlsx", "已损坏"),
    (HTML, "records.csv", "没有"), (EXE, "records.csv", ""),
]


@pytest.mark.parametrize(("data", "name", "phrase"), FORGED_IMPORTS,
                         ids=[f"{n}-{i}" for i, (_, n, _) in enumerate(FORGED_IMPORTS)])
def test_a_forged_or_bomb_spreadsheet_is_refused_in_the_import_report(client, login, setup, data, name, phrase):
    login("office")
    before = counts()
    response = post_import(client, data, name)
    page = text_of(response)
    assert response.status_code == 422 and "整个文件没有导入" in page and phrase in page
    assert counts() == before
    assert {p.parent for p in files_under(setup["root"])} <= {setup["imports"] / str(u) for u in setup["users"]}
    token = next(iter(files_under(setup["imports"]))).name
    marked = client.get(f"/imports/records/errors/{token}?filename={name}")  # the error workbook, not a 500
    assert marked.status_code == 200 and marked.data.startswith(b"PK")
    marked.close()


def test_a_zip_bomb_is_refused_before_it_is_inflated(setup):
    import resource

    from app.spreadsheets.workbook import FileError, read_sheets
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for bomb in (BOMB_SHEET, BOMB_STRINGS):
        with pytest.raises(FileError, match="压缩炸弹"):
            read_sheets(bomb, "b.xlsx")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: nothing inflated


@pytest.mark.parametrize("name", ["../../etc/passwd.xlsx", "..\\..\\x.xlsx", "/tmp/abs.xlsx", "C:\\x.xlsx",
                                  "a\x00b.xlsx", "a\nb.xlsx", "x" * 500 + ".xlsx", "<b>x</b>.xlsx"])
def test_a_path_in_an_import_name_never_reaches_the_file_system(client, login, setup, name):
    login("office")
    response = post_import(client, xlsx("履职记录", HEADERS, GOOD_ROWS), name)
    if response.status_code == 302:  # a name werkzeug could not read: asked to choose a file again
        assert "请选择" in text_of(client.get(response.location)) or "只能导入" in text_of(client.get(response.location))
        assert files_under(setup["root"]) == set()
        return
    if response.status_code == 400:  # a name werkzeug reads as a text field: the file's NUL bytes refuse it whole
        assert "请求有误" in text_of(response) and files_under(setup["root"]) == set()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1  # the setup's only
        return
    assert response.status_code == 200, text_of(response)
    stored = files_under(setup["root"])
    assert len(stored) == 1 and next(iter(stored)).parent.parent == setup["imports"]
    assert not Path("/tmp/abs.xlsx").exists() and not Path("/etc/passwd.xlsx").exists()
    html = response.get_data(as_text=True)
    assert "<b>x</b>" not in html
    confirmed = client.post("/imports/records/confirm", data={"token": next(iter(stored)).name, "filename": name},
                            follow_redirects=True)
    # a NUL in the name sent back with the confirmation refuses that request whole (400), and nothing is written
    expected = 1 if "\x00" in name else 2  # else: the setup's and the row
    assert confirmed.status_code == (400 if "\x00" in name else 200)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == expected
    assert {p.parent.parent for p in files_under(setup["root"])} <= {setup["imports"]}


@pytest.mark.parametrize("token", ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "0" * 63 + "g", "A" * 64, ""])
def test_a_forged_confirmation_token_is_not_a_path(client, login, setup, token):
    login("office")
    response = client.post("/imports/records/confirm", data={"token": token, "filename": "../../x.xlsx"})
    assert response.status_code in (400, 404)
    for route in (f"/imports/records/errors/{token}", "/imports/records/errors/" + "..%2F" * 3 + "passwd"):
        assert client.get(route).status_code in (404, 308)


def test_an_oversize_import_is_refused_and_not_stored(app, client, login, setup):
    login("office")
    before = counts()
    app.config["IMPORT_MAX_BYTES"] = 4096
    response = post_import(client, b"a," * 8192, "big.csv")
    assert response.status_code == 302 and "文件超过" in text_of(client.get(response.location))
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    response = post_import(client, b"a," * 64 * 1024, "huge.csv")
    assert response.status_code in (302, 413)
    assert "超过" in text_of(client.get(response.location) if response.status_code == 302 else response)
    assert counts() == before and files_under(setup["root"]) == set()
