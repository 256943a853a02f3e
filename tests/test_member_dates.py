"""A member's 任职日期 and 离任日期, 民族, 出生年月 and 备注: on the form, on the member's page (已离任), and in the
standard members sheet (template, export, import), where a file without the new columns erases nothing."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa
from conftest import text_of, xlsx

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import Member, Role, Term


def form_data(county, **changes):
    data = {"code": "W0100", "name": "甘露白", "gender": "FEMALE", "party": "民盟", "sector_id": county["sector_a"].id,
            "committee_id": 0, "liaison_id": 0, "term_id": db.session.scalar(sa.select(Term.id)), "active": "y",
            "ethnicity": "汉族", "birth_month": "1985年2月", "joined_on": "2022-01-10", "left_on": "",
            "note": "增补委员"}
    data.update(changes)
    return data


def test_the_form_keeps_the_new_fields_and_the_page_shows_them(client, county, make_user, login, today):
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/members/new", data=form_data(county))
    assert response.status_code == 302, text_of(response)
    member = db.session.scalar(sa.select(Member).where(Member.code == "W0100"))
    assert (member.ethnicity, member.birth_month, member.joined_on, member.left_on, member.note) == \
        ("汉族", "1985-02", dt.date(2022, 1, 10), None, "增补委员")
    page = text_of(client.get(f"/members/{member.id}"))
    assert "民族 汉族" in page and "出生年月 1985年2月" in page and "任职日期 2022年1月10日" in page
    assert "备注 增补委员" in page and "状态 在职" in page and "已离任" not in page
    left = today - dt.timedelta(days=30)
    response = client.post(f"/members/{member.id}/edit", data=form_data(county, left_on=left.isoformat()))
    assert response.status_code == 302, text_of(response)
    page = text_of(client.get(f"/members/{member.id}"))
    assert f"离任日期 {left.year}年{left.month}月{left.day}日" in page and "状态 已离任（仍参加离任前的考评）" in page
    assert "已离任" in text_of(client.get("/members/"))
    db.session.refresh(member)
    assert member.active  # leaving is a date, not 在职: the reviews of the time served still see the member
    later = today + dt.timedelta(days=10)
    client.post(f"/members/{member.id}/edit", data=form_data(county, left_on=later.isoformat()))
    assert "将于" in text_of(client.get(f"/members/{member.id}"))


def test_the_form_refuses_a_bad_month_and_leaving_before_joining(client, county, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/members/new", data=form_data(county, birth_month="1985.13", left_on="2021-12-31"))
    text = text_of(response)
    assert response.status_code == 200 and "请写作 1968-03 或 1968年3月" in text and "离任日期不能早于任职日期" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_the_members_sheet_carries_the_new_fields_and_an_older_file_erases_none(client, county, make_member,
                                                                                make_user, login):
    member = make_member("甘露白", code="W0100", ethnicity="汉族", birth_month="1985-02",
                         joined_on=dt.date(2022, 1, 10), left_on=dt.date(2025, 6, 30), note="增补委员")
    db.session.commit()
    make_user("office1", Role.OFFICE)
    login("office1")
    template = openpyxl.load_workbook(io.BytesIO(client.get("/imports/members/template.xlsx").data))
    headers = [c.value for c in template["委员"][1]]
    assert headers[-5:] == ["民族", "出生年月", "任职日期", "离任日期", "备注"]
    exported = openpyxl.load_workbook(io.BytesIO(client.get("/members/?export=xlsx&inactive=1").data))
    row = [c.value for c in exported["委员"][2]]
    assert row[-5:-3] == ["汉族", "1985-02"] and row[-1] == "增补委员"
    assert [v.date() if isinstance(v, dt.datetime) else v for v in row[-3:-1]] == [dt.date(2022, 1, 10),
                                                                                  dt.date(2025, 6, 30)]
    old = xlsx("委员", ["委员编号", "姓名", "性别", "界别", "专委会", "联络处", "常委", "在职"],  # the template before
               [["W0100", "甘露白", "女", "经济界", "提案委员会", "城关镇联络处", "否", "是"]])
    outcome = run_import(DATASETS["members"], old, "旧模板.xlsx", None, dry_run=False)
    assert outcome.ok and outcome.planned[0].fields == ("性别",)
    db.session.commit()
    db.session.refresh(member)
    assert (member.ethnicity, member.birth_month, member.left_on, member.note) == \
        ("汉族", "1985-02", dt.date(2025, 6, 30), "增补委员")
    new = xlsx("委员", ["委员编号", "姓名", "性别", "界别", "专委会", "联络处", "出生年月", "离任日期"],
               [["W0100", "甘露白", "女", "经济界", "提案委员会", "城关镇联络处", "1985.3", "2025-01-01"]])
    outcome = run_import(DATASETS["members"], new, "新模板.xlsx", None, dry_run=True)
    assert outcome.planned[0].fields == ("出生年月", "离任日期")
    bad = xlsx("委员", ["委员编号", "姓名", "性别", "界别", "任职日期", "离任日期"],
               [["W0100", "甘露白", "女", "经济界", "2025-01-01", "2024-01-01"]])
    assert run_import(DATASETS["members"], bad, "错.xlsx", None, dry_run=True).errors == [
        "错.xlsx:委员:2:离任日期: 离任日期早于任职日期"]
