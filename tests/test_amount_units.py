"""The unit of 金额 on every surface (form, self-report, template, export, score explanation), and a value outside
its plausible range asking for confirmation: on the form (确认无误) and in the import (--confirm, a tick)."""
from __future__ import annotations

import datetime as dt
import html
import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx

from app.extensions import db
from app.models import Activity, AppraisalYear, RecordState, Role


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
    relief = client.get("/activities/new/RELIEF").get_data(as_text=True)
    assert label_of(relief, "amount") == "金额（元或万元，按类型）"  # 捐资助学 in 元, 引进资金 in 万元
    # the form's script puts the chosen kind's unit in the label
    labels = json.loads(html.unescape(re.search(r'data-labels="([^"]+)"', relief).group(1)))
    assert labels["捐资助学"] == "金额（元）" and labels["引进资金"] == "金额（万元）"


def test_a_donation_typed_in_wan_asks_for_confirmation_and_saves_once_confirmed(client, login, setup):
    login("clerk1")
    asked = client.post("/activities/new/RELIEF", data=entry(setup["member"], amount="2"))
    page = text_of(asked)
    assert asked.status_code == 200 and db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0
    assert "金额 2 元，少于通常的 100 元，请核对单位（本项以“元”计）" in page
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
    assert asked.status_code == 200 and "金额 5000000 万元，多于通常的 100000 万元" in text_of(asked)
    assert client.post("/activities/new/ENTERPRISE", data={**data, "amount": "500"}).status_code == 302


def test_a_plausible_amount_shows_no_confirmation_box(client, login, setup):
    login("clerk1")
    page = client.get("/activities/new/RELIEF").get_data(as_text=True)
    assert 'name="confirm"' not in page


# --- import ---------------------------------------------------------------------------------------------------

HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "金额"]


def sheet(*rows):
    return xlsx("履职记录", HEADERS, [list(r) for r in rows])


PLAIN = ("W001", "张三", "捐资助学", "2025-03-01", "资助贫困学生", None, 20000)
IN_WAN = ("W001", "张三", "扶贫济困", "2025-03-02", "慰问困难户", None, 2)          # 2 万元 typed in 元


@pytest.fixture
def office(county, make_member, make_user):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    make_member("张三", code="W001", liaison="liaison_a")
    db.session.commit()
    make_user("office", Role.OFFICE)


def upload(client, data: bytes):
    return client.post("/imports/records/check", data={"file": (io.BytesIO(data), "records.xlsx")},
                       content_type="multipart/form-data")


def confirm(client, response, **extra):
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    return client.post("/imports/records/confirm", data={"token": token, "filename": "records.xlsx", **extra},
                       follow_redirects=True)


def amounts():
    return sorted(str(a) for a in db.session.scalars(sa.select(Activity.amount)))


def test_the_dry_run_lists_an_implausible_amount_as_a_warning_and_imports_only_once_ticked(client, login, office):
    login("office")
    checked = upload(client, sheet(PLAIN, IN_WAN))
    page = text_of(checked)
    assert checked.status_code == 200 and "发现" not in page  # not an error
    assert "records.xlsx:履职记录:3:金额: 金额 2 元，少于通常的 100 元，请核对单位（本项以“元”计）" in page
    assert 'name="confirm"' in checked.get_data(as_text=True) and "确认无误" in page
    unticked = confirm(client, checked)
    assert unticked.status_code == 422 and amounts() == []      # all or nothing: the plausible row waits too
    ticked = confirm(client, unticked, confirm="y")
    assert "已导入" in text_of(ticked) and amounts() == ["2", "20000"]


def test_a_file_without_odd_values_shows_no_tick(client, login, office):
    login("office")
    checked = upload(client, sheet(PLAIN))
    assert 'name="confirm"' not in checked.get_data(as_text=True)
    confirm(client, checked)
    assert amounts() == ["20000"]


def test_the_command_needs_confirm_for_an_implausible_amount(app, office, tmp_path):
    path = tmp_path / "records.xlsx"
    path.write_bytes(sheet(PLAIN, IN_WAN))
    refused = app.test_cli_runner().invoke(args=["import", "records", str(path)])
    assert refused.exit_code == 1 and amounts() == []
    assert "履职记录:3:金额: 金额 2 元，少于通常的 100 元" in refused.output and "--confirm" in refused.output
    done = app.test_cli_runner().invoke(args=["import", "records", str(path), "--confirm"])
    assert done.exit_code == 0, done.output
    assert amounts() == ["2", "20000"]


def test_an_exported_record_imported_again_unchanged_is_not_asked_about(client, login, office, tmp_path):
    login("office")
    confirm(client, upload(client, sheet(IN_WAN)), confirm="y")
    exported = client.get("/activities/", query_string={"export": "xlsx"})
    again = upload(client, exported.data)
    assert again.status_code == 200 and 'name="confirm"' not in again.get_data(as_text=True)
    assert "检查通过" in text_of(again)


# --- template, export, explanation ------------------------------------------------------------------------------

def headers_of(data: bytes, name: str = "履职记录") -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [c for c in next(book[name].iter_rows(values_only=True)) if c]


def test_the_template_and_the_export_name_the_unit_of_the_amount(client, login, office):
    login("office")
    template = client.get("/imports/records/template.xlsx").data
    assert "金额（万元或元，按类型）" in headers_of(template)
    book = openpyxl.load_workbook(io.BytesIO(template), read_only=True)
    notes = " ".join(str(c) for row in book["填写说明"].iter_rows(values_only=True) for c in row if c)
    assert "单位：合理化建议、引进企业、引进资金：万元；捐资助学、扶贫济困、修桥补路：元" in notes
    confirm(client, upload(client, sheet(PLAIN)))
    assert "金额（万元或元，按类型）" in headers_of(client.get("/activities/", query_string={"export": "xlsx"}).data)
    csv_header = client.get("/activities/", query_string={"export": "csv"}).data.decode("utf-8-sig").splitlines()[0]
    assert "金额（万元或元，按类型）" in csv_header.split(",")  # one plain cell: no comma to quote


def test_the_score_explanation_and_the_record_page_write_the_unit_after_the_amount(client, as_user, annual_review):
    as_user("office")
    found = {}
    for kind, unit in (("捐资助学", "元"), ("引进企业", "万元")):
        record = db.session.scalars(sa.select(Activity).where(
            Activity.kind == kind, Activity.amount.is_not(None), Activity.member_id.is_not(None),
            Activity.state == RecordState.VERIFIED, Activity.occurred_on >= dt.date(2025, 1, 1),
            Activity.occurred_on <= dt.date(2025, 12, 31)).order_by(Activity.id)).first()
        page = text_of(client.get(f"/reviews/{annual_review.id}/subjects/{record.member_id}"))
        shown = format(record.amount.normalize(), "f")
        found[kind] = re.findall(rf"金额：{re.escape(shown)} (\S+)", page)
        assert unit in found[kind], (kind, found)
        detail = text_of(client.get(f"/activities/{record.id}"))
        assert f"{record.amount} {unit}" in detail
