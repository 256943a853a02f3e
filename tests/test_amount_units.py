"""The unit of 金额 on every surface (form, self-report, template, export, score explanation), and a value outside
its plausible range asking for confirmation: on the form (确认无误) and in the import (--confirm, a tick)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, Role


@pytest.fixture
def setup(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    member = make_member("张三", liaison="liaison_a")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    return {"member": member}


def entry(member, **changes):
    data = {"subject": f"m:{member.id}", "kind": "捐资助学", "occurred_on": "2025-03-01", "title": "资助贫困学生",
            "description": "", "signers": "", "outcome": "", "level": "", "instruction_level": "",
            "amount": "", "people_helped": "", "counterpart": "", "support": "", "save": "保存草稿"}
    data.update(changes)
    return data


def label_of(page: str, field: str) -> str:
    start = page.index(f'<label for="{field}">') + len(f'<label for="{field}">')
    return page[start:page.index("</label>", start)]


def test_the_amount_label_names_the_unit_the_rule_file_declares(client, login, setup):
    login("clerk1")
    assert label_of(client.get("/activities/new/ENTERPRISE").get_data(as_text=True), "amount") == "金额（万元）"
    assert label_of(client.get("/activities/new/RELIEF").get_data(as_text=True), "amount") == "金额（元）"


def test_a_donation_typed_in_wan_asks_for_confirmation_and_saves_once_confirmed(client, login, setup):
    login("clerk1")
    asked = client.post("/activities/new/RELIEF", data=entry(setup["member"], amount="2"))
    page = text_of(asked)
    assert asked.status_code == 200 and db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0
    assert "金额 2元 少于通常的 100元,请核对单位(本项以“元”计)" in page
    assert 'name="confirm"' in asked.get_data(as_text=True) and "确认无误" in page
    corrected = client.post("/activities/new/RELIEF", data=entry(setup["member"], amount="20000"))
    assert corrected.status_code == 302
    kept = client.post("/activities/new/RELIEF", data=entry(setup["member"], amount="2", title="另一笔小额捐款",
                                                             confirm="y"))
    assert kept.status_code == 302
    amounts = sorted(str(a) for a in db.session.scalars(sa.select(Activity.amount)))
    assert amounts == ["2", "20000"]


def test_an_investment_typed_in_yuan_asks_for_confirmation(client, login, setup):
    login("clerk1")
    data = entry(setup["member"], kind="引进企业", outcome="落地", title="引进宏达纸业", amount="5000000")
    asked = client.post("/activities/new/ENTERPRISE", data=data)
    assert asked.status_code == 200 and "金额 5000000万元 多于通常的 100000万元" in text_of(asked)
    assert client.post("/activities/new/ENTERPRISE", data={**data, "amount": "500"}).status_code == 302


def test_a_plausible_amount_shows_no_confirmation_box(client, login, setup):
    login("clerk1")
    page = client.get("/activities/new/RELIEF").get_data(as_text=True)
    assert 'name="confirm"' not in page
