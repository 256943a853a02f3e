"""Lists the way a RuoYi user expects: sortable columns, page sizes, remembered filters, the unit tree, names in
the audit log, and the record form's picker URL."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import text_of

from app import audit
from app.extensions import db
from app.models import Activity, AppraisalYear, Category, RecordState, Role


@pytest.fixture
def records(county, make_member, make_user):
    """Three records with titles out of date order, an office user and a clerk; the office is signed in."""
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    zhang, wang = make_member("张三"), make_member("王五", liaison="liaison_b")
    rows = [("乙提案", zhang, dt.date(2025, 3, 1)), ("甲提案", wang, dt.date(2025, 1, 1)),
            ("丙提案", zhang, dt.date(2025, 2, 1))]
    made = []
    for title, member, day in rows:
        made.append(Activity(unit_id=member.liaison_id, member_id=member.id, category=Category.IDEA, kind="提案",
                             title=title, occurred_on=day, outcome="提交", state=RecordState.SUBMITTED,
                             entered_by_unit_id=member.liaison_id))
    db.session.add_all(made)
    db.session.commit()
    make_user("office", Role.OFFICE)
    make_user("admin", Role.ADMIN)
    make_user("other", Role.OFFICE)
    return made


def titles(response, wanted=("甲提案", "乙提案", "丙提案")) -> list[str]:
    assert response.status_code == 200
    text = text_of(response)
    return sorted((t for t in wanted if t in text), key=text.index)


def test_a_column_header_sorts_the_records_both_ways(client, login, records):
    login("office")
    assert titles(client.get("/activities/?q=")) == ["乙提案", "丙提案", "甲提案"]  # newest first
    assert titles(client.get("/activities/?sort=date&dir=asc")) == ["甲提案", "丙提案", "乙提案"]
    by_subject = titles(client.get("/activities/?sort=subject&dir=asc"))  # 张三's two, then 王五's one, or back
    assert by_subject.index("甲提案") in (0, 2)
    assert titles(client.get("/activities/?sort=subject&dir=desc")).index("甲提案") == 2 - by_subject.index("甲提案")
    by_title = titles(client.get("/activities/?sort=title&dir=asc"))
    assert by_title == sorted(by_title) and titles(client.get("/activities/?sort=title&dir=desc")) == by_title[::-1]
    # the header links to the other direction once a column is sorted
    html = client.get("/activities/?sort=date&dir=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and "sort=date&amp;dir=desc" in html


@pytest.mark.parametrize("sort", ["password", "id;DROP TABLE activity", "", "__class__"])
def test_an_unknown_sort_key_keeps_the_lists_own_order(client, login, records, sort):
    login("office")
    assert titles(client.get(f"/activities/?sort={sort}&dir=desc")) == ["乙提案", "丙提案", "甲提案"]


def test_the_queue_and_the_member_list_sort_too(client, login, records):
    login("office")
    assert titles(client.get("/activities/queue?sort=date&dir=asc")) == ["甲提案", "丙提案", "乙提案"]
    assert titles(client.get("/activities/queue?sort=date&dir=desc")) == ["乙提案", "丙提案", "甲提案"]
    codes = re.findall(r"M000\d", text_of(client.get("/members/?sort=code&dir=desc")))
    assert codes[:2] == ["M0002", "M0001"]
    codes = re.findall(r"M000\d", text_of(client.get("/members/?sort=code&dir=asc")))
    assert codes[:2] == ["M0001", "M0002"]


def test_the_queue_has_select_all_and_an_actions_column(client, login, records):
    login("office")
    html = client.get("/activities/queue").get_data(as_text=True)
    assert 'data-select-all="ids"' in html and "js/lists.js" in html
    assert "操作" in text_of(client.get("/activities/queue"))


def test_page_size_20_50_100_and_nothing_else(client, login, records):
    member = records[0].member_id
    db.session.add_all(Activity(unit_id=records[0].unit_id, member_id=member, category=Category.IDEA, kind="提案",
                                title=f"批量{n:02d}", occurred_on=dt.date(2025, 4, 1), outcome="提交",
                                state=RecordState.DRAFT, entered_by_unit_id=records[0].unit_id)
                       for n in range(30))
    db.session.commit()
    login("office")

    def shown(query: str) -> int:
        return len(re.findall(r"批量\d\d", text_of(client.get("/activities/" + query))))

    assert shown("?q=批量") == 20
    assert shown("?q=批量&per_page=50") == 30
    assert shown("?q=批量&per_page=7") == 20  # not offered: the usual size
    # the pager keeps the page size and the sort
    html = client.get("/activities/?q=批量&per_page=20&sort=title&dir=asc").get_data(as_text=True)
    link = re.search(r'href="([^"]*[?;]page=2(?:&|")[^"]*)', html).group(1)
    assert "per_page=20" in link and "sort=title" in link


def test_coming_back_to_a_list_restores_its_last_filters(client, login, records):
    login("office")
    assert titles(client.get("/activities/?q=甲&sort=title&dir=desc&page=1")) == ["甲提案"]
    back = client.get("/activities/")
    assert back.status_code == 302
    assert "q=%E7%94%B2" in back.location and "sort=title" in back.location and "page" not in back.location
    assert titles(client.get("/activities/", follow_redirects=True)) == ["甲提案"]
    # each list remembers its own: the queue is not filtered by the records list's search
    assert client.get("/activities/queue").status_code == 200
    # 重置 forgets them
    reset = client.get("/activities/?reset=1")
    assert reset.status_code == 302 and reset.location.endswith("/activities/")
    assert len(titles(client.get("/activities/"))) == 3
    # a form sent with every filter on 全部 is a choice too, not a visit to restore
    client.get("/activities/?q=乙")
    assert len(titles(client.get("/activities/?q=&unit="))) == 3
    assert client.get("/activities/").status_code == 200


def test_remembered_filters_are_the_users_own(client, login, records):
    login("office")
    client.get("/members/?q=王")
    assert client.get("/members/").status_code == 302
    client.post("/auth/logout")
    login("other")
    assert client.get("/members/").status_code == 200


def test_the_unit_filter_is_a_tree(client, login, records):
    login("office")
    html = client.get("/activities/").get_data(as_text=True)
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, flags=re.S))
    assert "宏达纸业党支部" in groups["工业功能区党总支"] and "园区联合党支部" in groups["工业功能区党总支"]
    assert "经济界" in groups["界别活动组"] and "城关镇联络处" in groups["乡镇政协联络处"]
    assert "宏达纸业党支部" not in groups["界别活动组"]


def test_the_audit_log_names_units_members_and_records(client, login, records, county):
    record = records[0]
    zhang, wang = record.member, records[1].member
    audit.record(None, "update", "activity", record.id,
                 {"unit_id": (county["liaison_a"].id, county["liaison_b"].id), "member_id": (zhang.id, wang.id)})
    audit.record(None, "update", "member", wang.id, {"sector_id": (county["sector_a"].id, county["sector_b"].id)})
    db.session.commit()
    login("admin")
    page = client.get("/admin/audit-log")
    text = text_of(page)
    rows = re.findall(r"<tr>(.*?)</tr>", page.get_data(as_text=True), flags=re.S)
    unit_row = next(re.sub(r"<[^>]+>", " ", r) for r in rows if "录入单位" in r)
    assert "城关镇联络处" in unit_row and "大源镇联络处" in unit_row and "乙提案" in unit_row
    assert f"#{record.id}" not in unit_row and f">{county['liaison_a'].id}<" not in unit_row
    assert "张三" in text and "王五" in text and "经济界" in text and "教育界" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/audit-log?export=xlsx").data), read_only=True)
    values = [row[6:8] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ("城关镇联络处", "大源镇联络处") in values and ("经济界", "教育界") in values


def test_a_record_s_history_names_the_unit(client, login, records, county):
    record = records[0]
    audit.record(None, "update", "activity", record.id,
                 {"unit_id": (county["liaison_a"].id, county["liaison_b"].id)})
    db.session.commit()
    login("office")
    text = text_of(client.get(f"/activities/{record.id}"))
    assert "录入单位 城关镇联络处 大源镇联络处" in text


JS = Path(__file__).resolve().parent.parent / "app" / "static" / "js" / "subject_picker.js"


@pytest.mark.database_free
@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
@pytest.mark.parametrize(("base", "query", "expected"), [
    ("/activities/party-members.json?branch=30", "zd", "/activities/party-members.json?branch=30&q=zd"),
    ("/activities/subjects.json", "张 &", "/activities/subjects.json?q=%E5%BC%A0+%26"),
    ("/activities/subjects.json?q=old", "new", "/activities/subjects.json?q=new"),
])
def test_the_picker_keeps_the_branch_in_its_search_url(base, query, expected):
    script = (f"const p = require({json.dumps(str(JS))});"
              f"process.stdout.write(p.pickerUrl({json.dumps(base)}, {json.dumps(query)}, 'http://x/a'));")
    assert subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True,
                          timeout=30).stdout == expected


def test_the_admin_lists_sort_and_remember_too(client, login, records):
    login("admin")
    table = text_of(client.get("/admin/users?sort=username&dir=desc")).split("个用户", 1)[1]
    names = re.findall(r"\b(admin|office|other)\b", table)
    assert list(dict.fromkeys(names)) == ["other", "office", "admin"]
    assert client.get("/admin/users").status_code == 302  # the sort is remembered
    for page in ("/admin/login-log?sort=ip&dir=asc", "/admin/audit-log?sort=entity&dir=desc&per_page=50"):
        assert client.get(page).status_code == 200
    assert "per_page=50" in client.get("/admin/audit-log").location


def test_meetings_and_party_members_sort_and_group_branches(client, login, records, make_party_member):
    make_party_member("李四", branch="branch_a")
    make_party_member("赵六", branch="branch_b")
    db.session.commit()
    login("office")
    asc = text_of(client.get("/branches/party-members?sort=branch&dir=asc"))
    desc = text_of(client.get("/branches/party-members?sort=branch&dir=desc"))
    assert (asc.index("李四") < asc.index("赵六")) != (desc.index("李四") < desc.index("赵六"))
    html = client.get("/branches/party-members?q=").get_data(as_text=True)
    assert re.search(r'<optgroup label="工业功能区党总支">\s*<option value="\d+" >宏达纸业党支部', html)
    assert client.get("/meetings/?sort=title&dir=desc&per_page=100").status_code == 200
    assert "per_page=100" in client.get("/meetings/").location


def test_filters_that_end_in_an_error_are_not_remembered(client, login, records, make_user, county):
    make_user("liaison", Role.LIAISON, ("branch_a",))
    login("liaison")
    assert client.get(f"/branches/party-members?branch={county['branch_b'].id}").status_code == 404
    assert client.get("/branches/party-members").status_code == 200
