"""The records import helps a clerk who knows names, not codes: the template's 委员名单 (their scope only), a name
alone where it is unique in scope, and errors that say what the right code is."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx

from app.extensions import db
from app.models import Activity, AppraisalYear, Role

HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果"]


@pytest.fixture
def setup(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    make_member("张三", code="W001", liaison="liaison_a")
    make_member("严思旭", code="W0230", liaison="liaison_a")
    make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    make_member("李红", code="W010", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))


def check(client, rows):
    data = xlsx("履职记录", HEADERS, rows)
    return client.post("/imports/records/check", data={"file": (io.BytesIO(data), "records.xlsx")},
                       content_type="multipart/form-data")


def confirm(client, response):
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    filename = re.search(r'name="filename" type="hidden" value="([^"]*)"', html).group(1)
    return client.post("/imports/records/confirm", data={"token": token, "filename": filename},
                       follow_redirects=True)


def row(code, name, title="关于修缮城关小学的提案"):
    return [code, name, "提案", "2025-03-02", title, "立案"]


def test_the_template_lists_the_members_in_the_clerks_scope(client, login, setup):
    login("clerk1")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/imports/records/template.xlsx").data))
    assert book.sheetnames[:3] == ["填写说明", "履职记录", "委员名单"]
    listed = [list(r) for r in book["委员名单"].iter_rows(values_only=True)]
    assert listed[0] == ["编号", "姓名", "界别", "联络处"]
    assert [r[:2] for r in listed[1:]] == [["W001", "张三"], ["W0230", "严思旭"]]  # not 王五, another office's
    assert listed[1][3] == "城关镇联络处"
    # the 对象编号 column is no longer required: the name may do
    headers = [c.value for c in book["履职记录"][1]]
    assert "对象编号" in headers and any("*" in h for h in headers if "类型" in h)


def test_a_name_alone_finds_the_member_when_it_is_unique_in_scope(client, login, setup):
    login("clerk1")
    response = check(client, [row(None, "严思旭")])
    assert response.status_code == 200, text_of(response)
    confirm(client, response)
    record = db.session.scalar(sa.select(Activity))
    assert record is not None and record.member.code == "W0230"


@pytest.mark.parametrize(("given", "said"), [
    (row("W001", "严思旭"), "W001 是张三，不是严思旭；姓名为严思旭，编号应为 W0230"),
    (row(None, "王五"), "您负责的范围内没有姓名为“王五”的委员"),
    (row(None, None), "请填写对象编号，或填写姓名"),
])
def test_errors_say_what_to_write(client, login, setup, given, said):
    login("clerk1")
    text = text_of(check(client, [given]))
    assert said in text
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_a_name_shared_in_scope_needs_the_code(client, login, setup, make_member):
    make_member("张三", code="W002", liaison="liaison_a")
    db.session.commit()
    login("clerk1")
    text = text_of(check(client, [row(None, "张三")]))
    assert "姓名为“张三”的有 2 位（编号 W001、W002），请填写对象编号" in text
    assert "张三" in text and db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_the_category_column_narrows_the_kind_dropdown(client, login, setup):
    login("clerk1")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/imports/records/template.xlsx").data))
    sheet = book["履职记录"]
    headers = [c.value for c in sheet[1]]
    category, kind = (openpyxl.utils.get_column_letter(headers.index(h) + 1) for h in ("类别", "类型*"))
    rules = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert rules[f"{kind}2"] == f'IF(${category}2="",DEP0_ALL,INDIRECT("DEP0_"&MATCH(${category}2,DEP0_KEYS,0)))'
    hidden = book["级联选项"]
    assert hidden.sheet_state == "hidden"
    names = {name: book.defined_names[name].attr_text for name in book.defined_names}
    columns = {col[0]: [v for v in col[1:] if v] for col in hidden.iter_cols(values_only=True)}
    categories = columns["DEP0_KEYS"]
    assert "献一智" in categories and "引一企" in categories
    assert "献一智" in rules[f"{category}2"]  # 类别 is a dropdown of those categories
    ideas = columns[f"DEP0_{categories.index('献一智') + 1}"]
    assert "提案" in ideas and "引进企业" not in ideas
    assert names["DEP0_KEYS"].startswith("'级联选项'!$A$2")
    # each kind once, though several rule files (members, units) declare it
    for each in ("集体提案", "引进企业", "结对合作社"):
        assert columns["DEP0_ALL"].count(each) <= 1
    assert len(columns["DEP0_ALL"]) == len(set(columns["DEP0_ALL"]))


def test_a_kind_of_another_category_is_refused_in_plain_words(client, login, setup):
    login("clerk1")
    data = xlsx("履职记录", ["对象编号", "类别", "类型", "日期", "标题"],
                [["W001", "引一企", "提案", "2025-03-02", "关于修缮城关小学的提案"]])
    response = client.post("/imports/records/check", data={"file": (io.BytesIO(data), "records.xlsx")},
                           content_type="multipart/form-data")
    assert "“提案”属于“献一智”，不是“引一企”" in text_of(response)
    good = xlsx("履职记录", ["对象编号", "类别", "类型", "日期", "标题"],
                [["W001", "献一智", "提案", "2025-03-02", "关于修缮城关小学的提案"]])
    response = client.post("/imports/records/check", data={"file": (io.BytesIO(good), "records.xlsx")},
                           content_type="multipart/form-data")
    confirm(client, response)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1
