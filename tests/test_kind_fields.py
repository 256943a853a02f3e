"""Fields a rule file declares for a kind (培训天数, 发言会议 …): the record form, the 履职记录 sheet (template, import,
export, score --records), what the engine scores and what the explanation shows; on an empty database and the demo."""
from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of

from app import spreadsheets
from app.activities import services as records
from app.extensions import db
from app.models import Activity, AuditLog, RecordState, Role
from app.reviews import facts as review_facts
from app.reviews import services as reviews
from app.scoring import load_ruleset

SHIPPED = Path(__file__).resolve().parents[1] / "scoring_rules"
MEMBERS = "2025-四个一-委员.yaml"

KINDS = """  技能培训:
    label: 为群众开展技能培训
    category: 解一难
    fields:
      days: {type: number, label: 培训天数, unit: 天, required: true}
      place: {type: text, label: 培训地点}
      people_helped: integer
  书面发言:
    category: 献一智
    fields:
      发言会议: {label: 发言的会议, values: [全体会议, 常委会议, 专题协商会], required: true}
      印发日期: date
"""
RELIEF_ITEMS = """      技能培训:
        label: 为群众开展技能培训,每天 2 分
        match: {kind: 技能培训}
        per: {field: days, each: 1, points: 2, whole: false}
"""
IDEA_ITEMS = """      书面发言:
        label: 书面发言:全体会议 5 分,常委会议 4 分,专题协商会 3 分
        match: {kind: 书面发言}
        table: {field: 发言会议, values: {全体会议: 5, 常委会议: 4, 专题协商会: 3}}
"""


def declaring_rules(directory: Path) -> Path:
    """The shipped 2025 rule files, the members' one with two kinds that declare fields and 专题协商会 attended."""
    directory.mkdir(exist_ok=True)
    for path in SHIPPED.glob("2025-*.yaml"):
        shutil.copy(path, directory / path.name)
    text = (SHIPPED / MEMBERS).read_text(encoding="utf-8")
    text = text.replace("  会议出勤:\n", KINDS + "  会议出勤:\n", 1)
    text = text.replace("  引一企:\n    label:", IDEA_ITEMS + "  引一企:\n    label:", 1)
    text = text.replace("  奖励:\n", RELIEF_ITEMS + "  奖励:\n", 1)
    text = text.replace("meeting: [全体会议, 常委会议, 政情通报会, 视察, 调研, 其他活动]",
                        "meeting: [全体会议, 常委会议, 政情通报会, 视察, 调研, 其他活动, 专题协商会]")
    text = text.replace("            其他活动: {迟到: -1, 早退: -1, 缺席: -1.5}\n",
                        "            其他活动: {迟到: -1, 早退: -1, 缺席: -1.5}\n"
                        "            专题协商会: {迟到: -1, 早退: -1, 缺席: -2}\n")
    (directory / MEMBERS).write_text(text, encoding="utf-8")
    load_ruleset(directory / MEMBERS)  # the test's own rule file must load
    return directory


@pytest.fixture
def rules(app, tmp_path):
    app.config["SCORING_RULES_DIR"] = declaring_rules(tmp_path / "rules")
    return app.config["SCORING_RULES_DIR"]


@pytest.fixture
def people(year, rules, make_member, make_user):
    ours = make_member("张三", code="W001", liaison="liaison_a")
    theirs = make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    return {"ours": ours, "theirs": theirs}


def entry(**changes):
    data = {"subject": "", "kind": "技能培训", "occurred_on": "2025-03-02", "title": "电商技能培训班",
            "description": "", "outcome": "", "level": "", "instruction_level": "", "amount": "",
            "people_helped": "", "counterpart": "", "support": "", "signers": "", "save": "保存草稿"}
    data.update(changes)
    return data


def only_record() -> Activity:
    return db.session.scalars(sa.select(Activity)).one()


# --- the record form ---------------------------------------------------------------------------------------------

def test_the_form_offers_each_kinds_declared_fields_and_errors_sit_beside_them(client, login, people):
    login("clerk1")
    page = client.get("/activities/new/RELIEF").get_data(as_text=True)
    assert 'name="x-days"' in page and "培训天数（天）" in page and 'data-kinds="技能培训"' in page
    assert "适用于：技能培训" in page  # without JavaScript every field says which kinds it is for
    assert "kind_fields.js" in page and 'name="x-发言会议"' not in page  # 献一智's field is on its own form

    subject = f"m:{people['ours'].id}"
    response = client.post("/activities/new/RELIEF", data=entry(subject=subject, **{"x-days": "两天"}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*has-error[^"]*">\s*<label for="x-days">.*?</div>', html, re.S)
    assert field is not None and "“两天”不是数字" in field.group(0)  # beside the field, the typed value kept
    assert 'value="两天"' in field.group(0)
    response = client.post("/activities/new/RELIEF", data=entry(subject=subject))
    assert "请填写培训天数。" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0

    good = entry(subject=subject, **{"x-days": "2.5", "x-place": "城关镇"})
    assert client.post("/activities/new/RELIEF", data=good).status_code == 302
    record = only_record()
    assert record.details == {"days": {"d": "2.5"}, "place": "城关镇"}
    page = text_of(client.get(f"/activities/{record.id}"))
    assert "培训天数" in page and "2.5 天" in page and "城关镇" in page
    change = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "activity", AuditLog.field == "details"))
    assert [c.after for c in change] == ["days=2.5;place=城关镇"]


def test_a_value_for_a_field_the_kind_does_not_declare_is_refused_not_dropped(client, login, people):
    login("clerk1")
    data = entry(subject=f"m:{people['ours'].id}", kind="提案", outcome="提交", **{"x-发言会议": "全体会议"})
    html = client.post("/activities/new/IDEA", data=data).get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*has-error[^"]*">\s*<label for="x-发言会议">.*?</div>', html, re.S)
    assert field is not None and "细则没有为“提案”规定这一项，请留空。" in field.group(0)
    data = entry(subject=f"m:{people['ours'].id}", kind="提案", outcome="提交", **{"x-days": "3"})  # not on the page
    html = client.post("/activities/new/IDEA", data=data).get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*has-error[^"]*">\s*<label for="kind">.*?</div>', html, re.S)
    assert field is not None and "细则没有为“提案”规定这一项，请留空。" in field.group(0)
    data = entry(subject=f"m:{people['ours'].id}", kind="书面发言", title="关于乡村振兴的书面发言",
                 **{"x-发言会议": "专题协商会", "x-印发日期": "2025-03-01"})
    assert client.post("/activities/new/IDEA", data=data).status_code == 302
    assert only_record().details == {"发言会议": "专题协商会", "印发日期": "2025-03-01"}


def test_editing_shows_the_kept_values_again(client, login, people):
    login("clerk1")
    client.post("/activities/new/RELIEF", data=entry(subject=f"m:{people['ours'].id}", **{"x-days": "3"}))
    record = only_record()
    page = client.get(f"/activities/{record.id}/edit").get_data(as_text=True)
    assert re.search(r'name="x-days" value="3"', page)


def test_a_member_self_reports_with_declared_fields(client, login, people, make_user):
    make_user("zhang", Role.MEMBER, member_id=people["ours"].id)
    login("zhang")
    form = client.get("/activities/report/RELIEF").get_data(as_text=True)
    assert 'name="x-days"' in form
    response = client.post("/activities/report/RELIEF", data=entry(send="提交", **{"x-days": "-2"}))
    assert "不能为负数" in text_of(response)
    assert client.post("/activities/report/RELIEF", data=entry(send="提交", **{"x-days": "1"})).status_code == 302
    assert only_record().details == {"days": {"d": "1"}} and only_record().self_reported


# --- what the engine sees, and the explanation -------------------------------------------------------------------

def test_a_verified_records_declared_field_scores_and_the_explanation_shows_it(client, login, people):
    login("clerk1")
    client.post("/activities/new/RELIEF", data=entry(subject=f"m:{people['ours'].id}", send="提交",
                                                     **{"x-days": "2.5", "x-place": "城关镇"}))
    record = only_record()
    record.state = RecordState.VERIFIED
    db.session.commit()
    found = next(r for r in review_facts.member_facts(2025).records if r.id == record.id)
    assert dict(found.fields) == {"days": Decimal("2.5"), "place": "城关镇"}

    ruleset = records.ruleset_for(2025, "members")
    review = reviews.run_review(ruleset, "2025", None)
    db.session.commit()
    entry_row = reviews.card(review, people["ours"].id)
    line = next(line for line in entry_row["lines"] if line["item"] == "技能培训")
    assert line["points"] == "5" and [r["record_id"] for r in line["records"]] == [record.id]
    client.post("/auth/logout")
    login("office")
    page = text_of(client.get(f"/reviews/{review.id}/subjects/{people['ours'].id}"))
    assert "为群众开展技能培训,每天 2 分" in page and "培训天数(天)：2.5" in page and "培训地点：城关镇" in page


# --- the 履职记录 sheet ----------------------------------------------------------------------------------------

def upload(client, data: bytes, name: str = "records.xlsx"):
    return client.post("/imports/records/check", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, response):
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    filename = re.search(r'name="filename" type="hidden" value="([^"]*)"', html).group(1)
    return client.post("/imports/records/confirm", data={"token": token, "filename": filename},
                       follow_redirects=True)


def sheet_of(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data))["履职记录"]


def fill(template: bytes, rows: list[dict[str, object]]) -> bytes:
    """The downloaded template with `rows` written under its headers (by header text, without the * mark)."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["履职记录"]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(number, headers.index(header) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_has_a_column_per_declared_field_and_a_bad_value_is_reported_at_its_cell(client, login, people):
    login("clerk1")
    template = client.get("/imports/records/template.xlsx").data
    headers = [str(c.value) for c in sheet_of(template)[1]]
    assert {"培训天数(天)", "培训地点", "发言的会议", "印发日期"} <= set(headers)
    guide = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(template))["填写说明"].iter_rows()]
    assert any(row[0] == "培训天数(天)" and "技能培训 数字，单位：天，必填" in (row[2] or "") for row in guide)

    base = {"对象编号": "W001", "类型": "技能培训", "日期": "2025-03-02", "标题": "电商培训"}
    data = fill(template, [{**base, "培训天数(天)": "三天"},
                           {**base, "标题": "种植培训"},
                           {**base, "标题": "养殖培训", "培训天数(天)": 2, "发言的会议": "全体会议"},
                           {**base, "标题": "书面发言", "类型": "书面发言", "发言的会议": "协商会"}])
    page = text_of(upload(client, data))
    assert "履职记录:2:培训天数(天): “三天”不是数字" in page
    assert "履职记录:3:培训天数(天): “技能培训”必须填写培训天数" in page
    assert "履职记录:4:发言的会议: 细则没有为“技能培训”规定这一项，请留空" in page
    assert "履职记录:5:发言的会议: “协商会”不是可选的值（可选：全体会议、常委会议、专题协商会）" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_export_then_import_keeps_the_declared_fields_and_a_change_is_named(client, login, people):
    login("clerk1")
    template = client.get("/imports/records/template.xlsx").data
    data = fill(template, [{"对象编号": "W001", "类型": "技能培训", "日期": "2025-03-02", "标题": "电商培训",
                            "培训天数(天)": 2.5, "培训地点": "城关镇", "状态": "草稿"},
                           {"对象编号": "W001", "类型": "书面发言", "日期": "2025-03-05", "标题": "关于乡村振兴",
                            "发言的会议": "专题协商会", "印发日期": "2025-03-04", "状态": "草稿"}])
    assert "已导入" in text_of(confirm(client, upload(client, data)))
    kept = {r.title: r.details for r in db.session.scalars(sa.select(Activity))}
    assert kept == {"电商培训": {"days": {"d": "2.5"}, "place": "城关镇"},
                    "关于乡村振兴": {"发言会议": "专题协商会", "印发日期": "2025-03-04"}}

    exported = client.get("/activities/?export=xlsx").data
    sheet = sheet_of(exported)
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    rows = {row[headers.index("标题")]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows["电商培训"][headers.index("培训天数(天)")] == 2.5
    assert rows["关于乡村振兴"][headers.index("发言的会议")] == "专题协商会"
    page = text_of(confirm(client, upload(client, exported, "导出.xlsx")))
    assert "新增 0 行，修改 0 行，不变 2 行" in page
    assert {r.title: r.details for r in db.session.scalars(sa.select(Activity))} == kept

    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book["履职记录"]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("标题")].value == "电商培训":
            row[headers.index("培训天数(天)")].value = 3
    out = io.BytesIO()
    book.save(out)
    page = text_of(upload(client, out.getvalue(), "改过.xlsx"))
    assert "培训天数(天)" in page and "修改 1 行" in page, page
    confirm(client, upload(client, out.getvalue(), "改过.xlsx"))
    assert db.session.scalar(sa.select(Activity).where(Activity.title == "电商培训")).details["days"] == {"d": "3"}


def test_an_exported_workbook_scores_the_declared_fields_as_the_database_does(client, login, people, rules):
    login("clerk1")
    client.post("/activities/new/RELIEF", data=entry(subject=f"m:{people['ours'].id}", send="提交",
                                                     **{"x-days": "2.5"}))
    only_record().state = RecordState.VERIFIED
    db.session.commit()
    client.post("/auth/logout")
    login("office")
    exported = client.get("/activities/?export=xlsx").data
    ruleset = load_ruleset(rules / MEMBERS)
    read = spreadsheets.read_facts(_with_members_sheet(exported), "导出.xlsx", ruleset)
    from_file = {r.id: dict(r.fields) for r in read.records}
    from_db = {r.id: dict(r.fields) for r in review_facts.member_facts(2025).records}
    assert from_file == from_db == {only_record().id: {"days": Decimal("2.5")}}


def _with_members_sheet(data: bytes) -> bytes:
    """An export of records, with the 委员 sheet score --records needs beside it."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    members = book.create_sheet("委员")
    members.append(["委员编号", "姓名"])
    members.append(["W001", "张三"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the demo county -------------------------------------------------------------------------------------------

def test_on_the_demo_county_the_shipped_rules_declare_no_extra_field_and_the_form_is_as_before(demo, client,
                                                                                                as_user):
    as_user("office")
    page = client.get("/activities/new/RELIEF").get_data(as_text=True)
    assert 'name="x-' not in page and 'name="amount"' in page and 'data-kinds="捐资助学|扶贫济困|修桥补路|引进资金"' in page
    template = client.get("/imports/records/template.xlsx").data
    headers = [str(c.value).rstrip("*") for c in sheet_of(template)[1]]
    assert headers[-1] == "状态"  # no declared column: the sheet is the fixed one
    assert not any(db.session.scalars(sa.select(Activity.details)))  # the migration's '{}' for every record
