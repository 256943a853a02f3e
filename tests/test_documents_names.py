"""A name with a line break (CR/LF) or another control character: refused where names enter (forms, imports), and
every download's file name made safe in one place (app.web.send_download), so a name stored before still downloads
instead of giving a 500."""
from __future__ import annotations

import ast
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Member, Role, Term, Unit
from app.web import DOWNLOAD_NAME_MAX, download_name
from conftest import ROOT, text_of, xlsx

BAD = ["张\r\n三", "张\n三", "张三\r", "张\t三", "张\x0b三", "张\x7f三", "张\x85三", "张\u2028三"]


@pytest.fixture
def office(make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")


@pytest.mark.parametrize("name", BAD[:3])
def test_a_dossier_of_a_name_stored_with_a_line_break_downloads(client, make_member, office, name):
    member = make_member(name=name)  # as an import before this check could have stored it
    db.session.commit()
    response = client.get(f"/documents/dossier/{member.id}.pdf?download=1")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''%E5%BC%A0%E4%B8%89-" in disposition  # 张三-…年度履职档案.pdf


@pytest.mark.parametrize(("given", "offered"), [
    ("张\r\n三-2026年度履职档案.pdf", "张三-2026年度履职档案.pdf"),
    ("evil\u202egpj.exe", "evilgpj.exe"),  # a right-to-left mark would show it as evilexe.jpg
    ("../../etc/passwd", "_.._etc_passwd"), ("a\\b:c*d?e\"f<g>h|i.xlsx", "a_b_c_d_e_f_g_h_i.xlsx"),
    ("  报告 . pdf ", "报告.pdf"), ("\r\n.pdf", "下载文件.pdf"), ("", "下载文件"), ("...", "下载文件"),
    ("年度\t表\u3000 格.xlsx", "年度表 格.xlsx")])
def test_download_names_are_safe(given, offered):
    assert download_name(given) == offered


def test_a_long_download_name_keeps_its_extension():
    found = download_name("长" * 400 + ".xlsx")
    assert len(found) == DOWNLOAD_NAME_MAX and found.endswith("长.xlsx")


def test_every_download_goes_through_send_download():
    """One place makes Content-Disposition file names: no other module calls send_file or sets the header."""
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path == ROOT / "app" / "web.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and (
                getattr(node.func, "id", None) == "send_file" or getattr(node.func, "attr", None) == "send_file")
            header = isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and "content-disposition" in node.value.lower()
            if called or header:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("name", BAD)
def test_the_member_form_refuses_a_control_character_beside_the_field(client, county, office, name):
    data = {"code": "W0100", "name": name, "gender": "MALE", "sector_id": county["sector_a"].id,
            "committee_id": 0, "liaison_id": 0, "term_id": db.session.scalar(sa.select(Term.id)), "active": "y"}
    response = client.post("/members/new", data=data)
    assert response.status_code in (200, 422) and "不能包含换行或控制字符" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
    data["name"] = "张三"
    assert client.post("/members/new", data=data).status_code == 302


@pytest.mark.parametrize(("path", "field"), [("/admin/units/new", "name"), ("/admin/users/new", "display_name"),
                                             ("/admin/users/new", "username")])
def test_the_admin_forms_refuse_a_line_break_in_a_name(client, county, make_user, login, path, field):
    make_user("admin1", Role.ADMIN)
    login("admin1")
    data = {"code": "U900", "name": "新单位", "kind": "COMMITTEE", "parent_id": county["cppcc"].id,
            "display_name": "王五", "username": "wangwu", "role": "OFFICE", "member_id": 0,
            "password": "Secret-2025-x", "active": "y", field: "王\r\n五" if field != "username" else "wangwu\n"}
    before = (db.session.scalar(sa.select(sa.func.count()).select_from(Unit)),)
    response = client.post(path, data=data)
    assert "不能包含换行或控制字符" in text_of(response)
    assert (db.session.scalar(sa.select(sa.func.count()).select_from(Unit)),) == before


def test_an_imported_name_with_a_line_break_is_refused_with_its_cell(client, county, office):
    data = xlsx("委员", ["委员编号", "姓名", "性别", "界别"], [["W001", "张\n三", "男", "经济界"],
                                                        ["W002", "李四", "男", "经济界"]])
    response = client.post("/imports/members/check", data={"file": (io.BytesIO(data), "members.xlsx")},
                           content_type="multipart/form-data")
    page = text_of(response)
    assert "members.xlsx:委员:2:姓名: 不能包含换行或控制字符" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
