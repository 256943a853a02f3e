"""联一户 as a lasting register: a pairing of a member or a unit with a counterpart spans years, its support and visits
are logged against it, an entry becomes the 联一户 record the office verifies and the rules score (once per pairing
and period), the register is scoped like the records, its phone numbers kept from those who need not read them, and
it goes out and comes back as a spreadsheet."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from conftest import TEST_CONFIG, text_of
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import (Activity, AuditLog, Category, Counterpart, Pairing, PairingEntry, RecordState, ReviewEntry,
                        Role, Unit, UnitKind, User)
from app.reviews import services as reviews

MIGRATION = "399662b99cd4"  # the 联一户 register


@pytest.fixture
def people(year, make_member, make_user):
    """张三 and 王五 are in 提案委员会 (clerk_a's); 李四 in 经济委员会 (clerk_b's). 张三 has an account."""
    zhang = make_member("张三", code="W001")
    wang = make_member("王五", code="W002")
    li = make_member("李四", code="W003", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    make_user("clerk_b", Role.CLERK, units=("committee_b",))
    make_user("office", Role.OFFICE)
    make_user("leader", Role.LEADER)
    make_user("zhang", Role.MEMBER, member_id=zhang.id)
    return {"zhang": zhang, "wang": wang, "li": li, "county": year}


def sign_in(client, login, username):
    client.post("/auth/logout")
    assert login(username).status_code == 302


def new_pairing(member, **changes):
    data = {"subject": f"m:{member.id}", "counterpart": "new", "cp_kind": "FAMILY", "cp_name": "城关镇柳河村 刘某某家庭",
            "cp_place": "城关镇柳河村", "cp_needs": "子女上学", "cp_contact": "刘某某", "cp_phone": "13900001234",
            "kind": "结对困难户", "starts_on": "2024-09-01", "ends_on": "", "note": ""}
    data.update(changes)
    return data


def record_form(**fields):
    """The record form's fields (a draft), blank but for `fields`."""
    blank = dict.fromkeys(("description", "signers", "outcome", "level", "instruction_level", "amount",
                           "people_helped", "counterpart", "support"), "")
    return {**blank, "save": "保存草稿", **fields}


def errors_beside(response, field):
    """The error messages shown in the field block whose input is named `field`."""
    html = response.get_data(as_text=True)
    start = html.index(f'name="{field}"')
    block = html[html.rindex('<div class="field', 0, start):html.index("</div>", start)]
    return " ".join(block.split('role="alert">')[1:]) if 'role="alert"' in block else ""


@pytest.fixture
def pairing(client, login, people):
    """张三's pairing with a needy family since September 2024, made by 提案委员会's clerk through the form."""
    sign_in(client, login, "clerk_a")
    response = client.post("/pairings/new", data=new_pairing(people["zhang"]))
    assert response.status_code == 302, text_of(response)
    return db.session.scalars(sa.select(Pairing)).one()


def add_entry(client, pairing, **changes):
    data = {"kind": "FUNDS", "occurred_on": "2025-01-20", "form": "", "amount": "800", "content": "春节前送去慰问金"}
    data.update(changes)
    return client.post(f"/pairings/{pairing.id}/entries", data=data)


# --- the register and its forms ------------------------------------------------------------------------------------

def test_a_clerk_registers_a_pairing_with_a_new_counterpart_and_it_is_audited(client, people, pairing):
    assert pairing.code == "JD0001" and pairing.member_id == people["zhang"].id and pairing.ends_on is None
    counterpart = pairing.counterpart
    assert (counterpart.name, counterpart.place, counterpart.phone) == ("城关镇柳河村 刘某某家庭", "城关镇柳河村",
                                                                        "13900001234")
    fields = set(db.session.scalars(sa.select(AuditLog.field).where(AuditLog.entity == "pairing")))
    assert {"member_id", "counterpart_id", "starts_on", "kind"} <= fields
    assert db.session.scalar(sa.select(AuditLog.id).where(AuditLog.entity == "counterpart")) is not None
    page = text_of(client.get(f"/pairings/{pairing.id}"))
    assert "张三 — 城关镇柳河村 刘某某家庭" in page and "13900001234" in page and "持续" in page


def test_bad_input_is_said_beside_each_field_and_nothing_is_written(client, login, people):
    sign_in(client, login, "clerk_a")
    response = client.post("/pairings/new", data=new_pairing(people["zhang"], cp_name="", cp_phone="call me",
                                                             starts_on="2025-05-01", ends_on="2025-04-01",
                                                             kind="提案"))
    assert response.status_code == 200
    assert "请填写对接对象名称" in errors_beside(response, "cp_name")
    assert "有效的电话号码" in errors_beside(response, "cp_phone")
    assert "结束日期不能早于开始日期" in errors_beside(response, "ends_on")
    assert "联一户类型" in errors_beside(response, "kind")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pairing)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Counterpart)) == 0


def test_an_entry_is_checked_beside_its_fields_then_logged_on_the_timeline(client, pairing):
    response = add_entry(client, pairing, kind="TECHNOLOGY", amount="500", content="")
    assert response.status_code == 422
    assert "只有资金、物资帮扶填写金额" in errors_beside(response, "amount")
    assert "请填写帮扶或走访内容" in errors_beside(response, "content")
    response = add_entry(client, pairing, kind="VISIT", amount="", occurred_on="2024-08-01")
    assert "不在结对期间内" in errors_beside(response, "occurred_on")
    assert "请选择走访形式" in errors_beside(response, "form")
    assert add_entry(client, pairing).status_code == 302
    assert add_entry(client, pairing, kind="VISIT", amount="", form="上门走访", occurred_on="2024-10-02",
                     content="了解家中困难").status_code == 302
    page = text_of(client.get(f"/pairings/{pairing.id}"))
    assert page.index("2024年10月2日") < page.index("2025年1月20日")  # by date
    assert "走访（上门走访）" in page and "资金帮扶" in page and "800" in page


def test_a_pairing_spanning_two_years_is_listed_in_both(client, pairing):
    def listed(year):
        return "刘某某家庭" in text_of(client.get(f"/pairings/?year={year}"))
    assert listed(2024) and listed(2025) and not listed(2023)
    client.post(f"/pairings/{pairing.id}/edit", data=new_pairing(db.session.get(Pairing, pairing.id).member,
                                                                 counterpart=str(pairing.counterpart_id),
                                                                 ends_on="2024-12-31"))
    assert listed(2024) and not listed(2025)


def test_the_list_filters_by_unit_and_type_and_sorts(client, login, people, pairing):
    sign_in(client, login, "office")
    client.post("/pairings/new", data=new_pairing(people["li"], cp_kind="ENTERPRISE", cp_name="宏达纸业",
                                                  kind="结对重点企业", starts_on="2025-03-01"))
    committee_b = people["county"]["committee_b"].id
    assert "宏达纸业" in text_of(client.get(f"/pairings/?unit={committee_b}"))
    assert "刘某某家庭" not in text_of(client.get(f"/pairings/?unit={committee_b}"))
    assert "宏达纸业" not in text_of(client.get("/pairings/?type=FAMILY"))
    page = text_of(client.get("/pairings/?sort=counterpart&dir=asc&per_page=50"))
    assert page.index("城关镇柳河村 刘某某家庭") < page.index("宏达纸业")
    assert "操作" in page


# --- scope -------------------------------------------------------------------------------------------------------

def test_another_units_clerk_gets_404_and_a_member_reads_their_own_only(client, login, people, pairing):
    sign_in(client, login, "clerk_b")
    for url in (f"/pairings/{pairing.id}", f"/pairings/{pairing.id}/edit"):
        assert client.get(url).status_code == 404
    assert add_entry(client, pairing).status_code == 404
    assert "刘某某家庭" not in text_of(client.get("/pairings/"))
    sign_in(client, login, "zhang")
    page = client.get(f"/pairings/{pairing.id}")
    assert page.status_code == 200 and "张三 — 城关镇柳河村 刘某某家庭" in text_of(page)
    assert "修改结对" not in text_of(page) and "登记" not in [b.strip() for b in text_of(page).split("  ")]
    assert f"/pairings/{pairing.id}/entries" not in page.get_data(as_text=True)
    assert "13900001234" not in page.get_data(as_text=True)  # personal data: not the member's to read
    assert client.get(f"/pairings/{pairing.id}/edit").status_code == 403
    assert add_entry(client, pairing).status_code == 403
    db.session.add(Pairing(code="JD0099", counterpart_id=pairing.counterpart_id, member_id=people["wang"].id,
                           kind="结对困难户", starts_on=dt.date(2025, 1, 1)))
    db.session.commit()
    other = db.session.scalar(sa.select(Pairing.id).where(Pairing.code == "JD0099"))
    assert client.get(f"/pairings/{other}").status_code == 404


def test_the_phone_is_for_the_office_and_the_pairings_clerks_only(client, login, people, pairing):
    for username, sees in (("office", True), ("clerk_a", True), ("leader", False)):
        sign_in(client, login, username)
        assert ("13900001234" in client.get(f"/pairings/{pairing.id}").get_data(as_text=True)) is sees, username
        export = client.get("/pairings/?export=csv").get_data(as_text=True)
        assert ("13900001234" in export) is sees, username


# --- one scoring path: an entry becomes the 联一户 record, verified, scored once per pairing and period ---------------

def test_an_entry_reported_verified_and_scored_once_per_pairing_with_its_name_in_the_explanation(client, login,
                                                                                                   people, pairing):
    add_entry(client, pairing)
    add_entry(client, pairing, kind="GOODS", occurred_on="2025-06-01", amount="300", content="送去米、油")
    first, second = db.session.scalars(sa.select(PairingEntry).order_by(PairingEntry.occurred_on)).all()
    response = client.post(f"/pairings/{pairing.id}/entries/{first.id}/record")
    assert response.status_code == 302 and "/activities/" in response.location
    record = db.session.scalars(sa.select(Activity)).one()
    assert (record.category, record.kind, record.state, record.pairing_id) == (
        Category.PAIRING, "结对困难户", RecordState.SUBMITTED, pairing.id)
    assert record.title == "城关镇柳河村 刘某某家庭：资金帮扶" and record.counterpart == "城关镇柳河村 刘某某家庭"
    assert "结对" in text_of(client.get(f"/activities/{record.id}")) and "JD0001" in text_of(
        client.get(f"/activities/{record.id}"))
    again = client.post(f"/pairings/{pairing.id}/entries/{first.id}/record", follow_redirects=True)
    assert "已报送为履职记录" in text_of(again)
    client.post(f"/pairings/{pairing.id}/entries/{second.id}/record")
    sign_in(client, login, "office")
    for activity in db.session.scalars(sa.select(Activity)).all():
        assert client.post(f"/activities/{activity.id}/verify",
                           data={"version": str(activity.version)}).status_code == 302
    review = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", None)
    db.session.commit()
    zhang = people["zhang"]
    card = db.session.scalar(sa.select(ReviewEntry.card).where(ReviewEntry.review_id == review.id,
                                                               ReviewEntry.subject_id == zhang.id))
    page = text_of(client.get(f"/reviews/{review.id}/subjects/{zhang.id}"))
    assert "城关镇柳河村 刘某某家庭：资金帮扶" in page
    assert "联一户(20分) 0 10 10" in page, card  # 10 a household: the second report of the pairing adds nothing
    assert "是同一项工作,只计一次" in page


def test_the_record_form_links_a_record_to_the_subjects_pairing_only(client, people, pairing):
    base = record_form(kind="结对困难户", occurred_on="2025-03-01", title="走访刘某某家庭", support="送去慰问金")
    form = client.get(f"/activities/new/PAIRING?pairing={pairing.id}").get_data(as_text=True)
    assert "新建结对" in form and f'<option selected value="{pairing.id}">张三 — 城关镇柳河村' in form
    wrong = client.post("/activities/new/PAIRING", data={**base, "subject": f"m:{people['wang'].id}",
                                                         "pairing": str(pairing.id)})
    assert "所选结对或项目不是该对象的" in errors_beside(wrong, "pairing")
    assert client.post("/activities/new/PAIRING", data={**base, "subject": f"m:{people['zhang'].id}",
                                                        "pairing": str(pairing.id)}).status_code == 302
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.pairing_id == pairing.id and record.counterpart == "城关镇柳河村 刘某某家庭"


# --- import and export ---------------------------------------------------------------------------------------------

def test_the_export_imports_back_unchanged_and_every_bad_row_is_reported(client, login, people, pairing):
    sign_in(client, login, "office")
    pairing.counterpart.needs = "=HYPERLINK(\"http://x\")"  # formula-like text a clerk typed: written as text
    db.session.commit()
    data = client.get("/pairings/?export=xlsx").get_data()
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    outcome = run_import(DATASETS["pairings"], data, "结对.xlsx", office, dry_run=True)
    assert outcome.ok and outcome.counts == {"新增": 0, "修改": 0, "不变": 1}, outcome.errors
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["结对登记"]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    needs = sheet.cell(2, headers.index("需求") + 1)
    assert needs.data_type == "s" and needs.value == "=HYPERLINK(\"http://x\")"
    sheet.cell(2, headers.index("所在乡镇、村") + 1, "城关镇柳河村三组")
    row = [c.value for c in sheet[2]]
    row[0], row[headers.index("结对方编号")], row[headers.index("对接对象名称")] = "JD0100", "W002", "红星专业合作社"
    row[headers.index("对接对象类型")], row[headers.index("结对方名称")] = "专业合作社（协会）", "王五"
    row[headers.index("联一户类型")] = "结对合作社"
    sheet.append(row)
    bad = list(row)
    bad[0], bad[headers.index("结对方编号")] = "JD0101", "W999"
    sheet.append(bad)
    out = io.BytesIO()
    book.save(out)
    outcome = run_import(DATASETS["pairings"], out.getvalue(), "结对.xlsx", office, dry_run=True)
    assert any("4" in e and "W999" in e for e in outcome.errors), outcome.errors
    assert not outcome.written
    sheet.delete_rows(4)
    out = io.BytesIO()
    book.save(out)
    outcome = run_import(DATASETS["pairings"], out.getvalue(), "结对.xlsx", office, dry_run=False)
    db.session.commit()
    assert outcome.counts == {"新增": 1, "修改": 1, "不变": 0}, outcome.errors
    added = db.session.scalar(sa.select(Pairing).where(Pairing.code == "JD0100"))
    assert added.member_id == people["wang"].id and added.counterpart.name == "红星专业合作社"
    counterpart = db.session.get(Counterpart, pairing.counterpart_id)
    assert (counterpart.place, counterpart.needs) == ("城关镇柳河村三组", "=HYPERLINK(\"http://x\")")


def test_a_clerk_cannot_import_a_pairing_of_another_units_member(people):
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk_b"))
    from conftest import xlsx
    data = xlsx("结对登记", ["结对编号", "结对方类型", "结对方编号", "联一户类型", "对接对象类型", "对接对象名称", "开始日期"],
                [["JD0200", "委员", "W001", "结对困难户", "困难学生", "县一中 陈某某", "2025-02-01"]])
    outcome = run_import(DATASETS["pairings"], data, "结对.xlsx", clerk, dry_run=True)
    assert any("W001" in e and "不是您负责单位的委员" in e for e in outcome.errors), outcome.errors


# --- the migration -----------------------------------------------------------------------------------------------

def test_the_migration_keeps_the_free_text_of_existing_records(migration_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migration_url})
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=script.get_revision(MIGRATION).down_revision)
        conn = db.session.connection()
        conn.execute(sa.insert(Unit.__table__).values(id=1, code="U1", name="提案委员会", kind=UnitKind.COMMITTEE))
        conn.execute(sa.insert(Activity.__table__).values(
            id=1, unit_id=1, category=Category.PAIRING, kind="结对企业", title="与宏达纸业结为扶助对子",
            occurred_on=dt.date(2025, 3, 1), counterpart="宏达纸业", support="协调解决用工难题"))
        db.session.commit()
        upgrade(revision=MIGRATION)
        row = db.session.execute(sa.text("SELECT counterpart, support, pairing_id FROM activity")).one()
        assert tuple(row) == ("宏达纸业", "协调解决用工难题", None)
        db.session.remove()
        db.engine.dispose()
