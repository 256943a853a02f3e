"""数据看板 and 预警名单: counts per unit and per 一, attendance, who is warned and why, scope, the export."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import (Activity, Attendance, AttendanceStatus, Category, Meeting, MeetingKind, RecordState,
                        Role)
from conftest import text_of

DAY = dt.date(2025, 3, 1)
KINDS = {Category.IDEA: "提案", Category.ENTERPRISE: "服务重点项目", Category.PAIRING: "结对重点企业",
         Category.RELIEF: "捐资助学"}


def record(member, category, state=RecordState.VERIFIED, on=DAY, **fields):
    fields.setdefault("outcome", "立案" if category == Category.IDEA else "")
    if category == Category.RELIEF:
        fields.setdefault("amount", Decimal(10000))
    activity = Activity(unit_id=member.committee_id or member.sector_id, member_id=member.id, category=category,
                        kind=KINDS[category], title=f"{member.name}的{category.label}", occurred_on=on, state=state,
                        **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def meeting(unit, statuses, state=RecordState.VERIFIED, on=DAY):
    m = Meeting(kind=MeetingKind.PLENARY, title="全体会议", held_on=on, unit_id=unit.id, state=state)
    db.session.add(m)
    db.session.flush()
    for member, status in statuses:
        db.session.add(Attendance(meeting_id=m.id, member_id=member.id, status=status))
    db.session.flush()
    return m


def rows(response, table_class):
    """The body rows of the first <table class="list {table_class}">, as lists of cell texts."""
    html = response.get_data(as_text=True)
    table = re.search(rf'<table class="list {table_class}[^"]*">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        out.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return out


def unit_row(response, name):
    """Every table row of the page whose first cell is the unit `name` (with its kind badge, or alone)."""
    html = response.get_data(as_text=True)
    found = [r for r in _all_rows(html) if r and (r[0] == name or r[0].startswith(name + " "))]
    assert found, f"{name} not on the page"
    return found


def _all_rows(html):
    for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        yield [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


def chart(response):
    html = response.get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                                html, re.S).group(1))


@pytest.fixture
def office(make_user, login, year):
    make_user("office1", Role.OFFICE)
    login("office1")


def test_participation_counts_only_verified_records_per_unit_and_item(client, office, year, make_member):
    a = make_member("甲委员", committee="committee_a", sector="sector_a", liaison="liaison_a")
    b = make_member("乙委员", committee="committee_a", sector="sector_b", liaison="liaison_b")
    c = make_member("丙委员", committee="committee_b", sector="sector_b", liaison="liaison_b")
    make_member("停用委员", committee="committee_a", active=False)
    record(a, Category.IDEA)
    record(a, Category.IDEA)  # two records: still one member who has done it
    record(a, Category.RELIEF)
    record(b, Category.IDEA, RecordState.SUBMITTED)  # waiting: not done yet
    record(c, Category.PAIRING, RecordState.RETURNED)
    record(c, Category.PAIRING, on=dt.date(2024, 12, 31))  # last year
    db.session.commit()

    response = client.get("/dashboard/")
    assert response.status_code == 200
    # 提案委员会: 2 members; 献一智 1 (50%), 引一企 0, 联一户 0, 解一难 1, all four 0
    assert unit_row(response, "提案委员会")[0][1:] == ["2", "1 50.0%", "0 0.0%", "0 0.0%", "1 50.0%", "0 0.0%"]
    assert unit_row(response, "经济委员会")[0][1:] == ["1", "0 0.0%", "0 0.0%", "0 0.0%", "0 0.0%", "0 0.0%"]
    assert unit_row(response, "教育界")[0][1:3] == ["2", "0 0.0%"]
    data = chart(response)
    # by 一 overall, over the 3 active members: 献一智 1 of 3; 1 record of 献一智 waits for verification
    assert data["overall"] == [33.3, 0.0, 0.0, 33.3]
    page = text_of(response)
    assert "献一智 1 33.3% 1" in page and "联一户 0 0.0% 0" in page
    assert data["unitShares"][0][data["units"].index("提案委员会")] == 50.0


def test_attendance_rate_counts_late_and_early_as_present_and_only_verified_meetings(
        client, office, year, make_member):
    a = make_member("甲委员", committee="committee_a")
    b = make_member("乙委员", committee="committee_a")
    meeting(year["cppcc"], [(a, AttendanceStatus.PRESENT), (b, AttendanceStatus.ABSENT)])
    meeting(year["cppcc"], [(a, AttendanceStatus.LATE), (b, AttendanceStatus.LEAVE)])
    meeting(year["cppcc"], [(a, AttendanceStatus.EARLY), (b, AttendanceStatus.ABSENT)],
            on=dt.date(2025, 4, 1))
    meeting(year["cppcc"], [(a, AttendanceStatus.ABSENT), (b, AttendanceStatus.ABSENT)],
            state=RecordState.SUBMITTED)  # not verified yet: not counted
    db.session.commit()

    response = client.get("/dashboard/")
    # 6 invitations at verified meetings, 3 present (出席, 迟到, 早退)
    assert ["提案委员会", "6", "3", "50.0%"] in list(_all_rows(response.get_data(as_text=True)))
    assert "迟到、早退计为出席" in text_of(response)


def test_member_without_relief_is_warned_until_a_verified_relief_record_exists(client, office, year, make_member):
    a = make_member("甲委员")
    for category in (Category.IDEA, Category.ENTERPRISE, Category.PAIRING):
        record(a, category)
    make_member("乙委员")
    db.session.commit()

    listed = rows(client.get("/dashboard/warnings?problem=RELIEF"), "warnings")
    assert [r[1] for r in listed] == ["甲委员", "乙委员"]
    assert "未完成解一难" in listed[0][-1] and "未完成献一智" not in listed[0][-1]

    pending = record(a, Category.RELIEF, RecordState.SUBMITTED)
    db.session.commit()
    listed = rows(client.get("/dashboard/warnings?problem=RELIEF"), "warnings")
    assert listed[0][1] == "甲委员" and "待核实 1" in listed[0][6]  # the clerk knows to push verification

    pending.state = RecordState.VERIFIED
    db.session.commit()
    assert [r[1] for r in rows(client.get("/dashboard/warnings?problem=RELIEF"), "warnings")] == ["乙委员"]
    assert [r[1] for r in rows(client.get("/dashboard/warnings?problem=missing"), "warnings")] == ["乙委员"]


def test_member_below_the_pass_line_is_listed_and_a_good_one_is_not(client, office, year, make_member):
    good = make_member("甲委员")
    for category in Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF:
        record(good, category)  # 20 points each, with 考勤's base 10: 90
    make_member("乙委员")  # nothing but 考勤's 10 points: 不合格
    absent = make_member("丙委员")
    meeting(year["cppcc"], [(absent, AttendanceStatus.ABSENT), (good, AttendanceStatus.PRESENT)])
    db.session.commit()

    below = rows(client.get("/dashboard/warnings?problem=below"), "warnings")
    assert [r[1] for r in below] == ["乙委员", "丙委员"]
    assert "不合格" in below[0][9] and "低于合格线" in below[0][-1]
    assert [r[1] for r in rows(client.get("/dashboard/warnings?problem=absent"), "warnings")] == ["丙委员"]
    everyone = rows(client.get("/dashboard/warnings"), "warnings")
    assert "甲委员" not in [r[1] for r in everyone]  # no problem at all: not a warning
    page = text_of(client.get("/dashboard/warnings"))
    assert "下限 60 分" in page


def test_clerk_sees_only_their_units_members_on_both_pages_and_in_the_export(
        client, make_user, login, year, make_member):
    mine = make_member("本单位委员", committee="committee_a", sector="sector_a", liaison="liaison_a")
    make_member("外单位委员", committee="committee_b", sector="sector_b", liaison="liaison_b")
    record(mine, Category.IDEA)
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")

    for url in ("/dashboard/", "/dashboard/warnings", "/dashboard/warnings?q=外单位"):
        html = client.get(url).get_data(as_text=True)
        assert "外单位委员" not in html and "经济委员会" not in html and "教育界" not in html
    assert [r[1] for r in rows(client.get("/dashboard/warnings"), "warnings")] == ["本单位委员"]
    assert unit_row(client.get("/dashboard/"), "提案委员会")[0][1] == "1"
    exported = client.get("/dashboard/warnings?export=csv").get_data().decode("utf-8-sig")
    assert "本单位委员" in exported and "外单位委员" not in exported
    other_unit = year["committee_b"].id
    assert client.get(f"/dashboard/warnings?unit={other_unit}").status_code == 404


@pytest.mark.parametrize("role", [Role.MEMBER, Role.LIAISON])
def test_members_and_liaisons_may_not_see_the_dashboard(client, make_user, login, year, role):
    make_user("someone", role)
    login("someone")
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/warnings").status_code == 403
    assert client.get("/dashboard/warnings?export=xlsx").status_code == 403


def test_export_rows_match_the_filtered_page(client, office, year, make_member):
    a = make_member("甲委员", committee="committee_a", sector="sector_a")
    record(a, Category.IDEA)
    b = make_member("乙委员", committee="committee_b", sector="sector_b", liaison="liaison_b")
    record(b, Category.RELIEF)
    make_member("丙委员", committee="committee_a", sector="sector_a")
    db.session.commit()
    query = f"problem=ENTERPRISE&unit={year['committee_a'].id}"

    page = rows(client.get(f"/dashboard/warnings?{query}"), "warnings")
    response = client.get(f"/dashboard/warnings?{query}&export=csv")
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert [(r[0], r[1]) for r in body] == [(r[0], r[1]) for r in page] == [("M0001", "甲委员"), ("M0003", "丙委员")]
    assert body[0][header.index("献一智已核实")] == "1" and body[0][header.index("未完成")] == "引一企、联一户、解一难"
    xlsx = client.get(f"/dashboard/warnings?{query}&export=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
