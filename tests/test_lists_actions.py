"""The lists that were left behind, now the way a RuoYi user expects: the jobs list, the branches list and the 比实绩
list sort by their columns, take a page size and remember their filters; every list has an 操作 column offering what
the user's role allows (jobs, branches, meetings, party members); scope still holds."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import (BranchForm, BranchResult, Job, JobState, Meeting, MeetingKind, PartyMember, RecordState,
                        Role, UnitKind)
from app.timeutil import beijing_today


def rows(response) -> list[str]:
    """The text of each row of the page's list table, in order."""
    assert response.status_code == 200
    body = response.get_data(as_text=True).split('<table class="list', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1].split("</tbody>", 1)[0],
                                flags=re.S)]


def order(response, names) -> list[str]:
    """Which of `names` the list shows, in the order it shows them."""
    found = []
    for row in rows(response):
        found += [n for n in names if n in row.split(" ")[:3] or row.startswith(n)]
    return found


# --- jobs ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def jobs(county, make_user):
    """clerk1's three jobs (a finished print run with its PDF, a failed import, a queued review) and
    clerk2's one; the office sees all four."""
    clerk1 = make_user("clerk1", Role.CLERK, units=("liaison_a",), display_name="王文书")
    clerk2 = make_user("clerk2", Role.CLERK, units=("liaison_b",), display_name="李文书")
    make_user("office", Role.OFFICE)
    start = dt.datetime(2026, 3, 1, 8, 0)
    made = [Job(key=uuid.uuid4().hex, kind=kind, state=state, created_by_id=who.id,
                created_at=start + dt.timedelta(hours=hours), result=result,
                finished_at=start + dt.timedelta(hours=hours, minutes=5) if state.finished else None)
            for kind, state, who, hours, result in [
                ("print", JobState.SUCCEEDED, clerk1, 2, {"file": "x.pdf"}),
                ("import", JobState.FAILED, clerk1, 1, None),
                ("review", JobState.QUEUED, clerk1, 3, None),
                ("roster", JobState.SUCCEEDED, clerk2, 0, None)]]
    db.session.add_all(made)
    db.session.commit()
    return made


def job_ids(response) -> list[int]:
    return [int(r.split(" ", 1)[0]) for r in rows(response) if r[:1].isdigit()]


def test_the_jobs_list_sorts_by_its_columns(client, login, jobs):
    print_run, failed, queued, other = (j.id for j in jobs)
    login("office")
    assert job_ids(client.get("/jobs/?q=")) == [other, queued, failed, print_run]  # newest first: the id
    assert job_ids(client.get("/jobs/?sort=created&dir=asc")) == [other, failed, print_run, queued]
    assert job_ids(client.get("/jobs/?sort=created&dir=desc")) == [queued, print_run, failed, other]
    assert job_ids(client.get("/jobs/?sort=submitter&dir=asc")) == [other, queued, failed, print_run]  # 李, 王
    assert job_ids(client.get("/jobs/?sort=submitter&dir=desc")) == [queued, failed, print_run, other]
    assert job_ids(client.get("/jobs/?sort=kind&dir=asc")) == [failed, print_run, queued, other]
    assert job_ids(client.get("/jobs/?sort=kind&dir=desc")) == [other, queued, print_run, failed]
    html = client.get("/jobs/?sort=created&dir=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and "sort=created&amp;dir=desc" in html
    assert "提交人" in text_of(client.get("/jobs/?q="))


@pytest.mark.parametrize("query", ["sort=password&dir=desc", "sort=key", "sort=__class__&dir=asc", "per_page=7",
                                   "per_page=-1", "page=abc", "state=NOPE", "kind=shell"])
def test_bad_sort_page_and_filter_params_fall_back(client, login, jobs, query):
    login("office")
    response = client.get(f"/jobs/?{query}")
    assert response.status_code == 200
    assert job_ids(response) == sorted((j.id for j in jobs), reverse=True)


def test_the_jobs_list_pages_and_remembers_its_filters(client, login, jobs):
    db.session.add_all(Job(key=uuid.uuid4().hex, kind="import", state=JobState.SUCCEEDED,
                           created_by_id=jobs[0].created_by_id) for _ in range(25))
    db.session.commit()
    login("clerk1")
    assert len(job_ids(client.get("/jobs/?q="))) == 20
    assert len(job_ids(client.get("/jobs/?per_page=50"))) == 28
    assert len(job_ids(client.get("/jobs/?per_page=50&page=2"))) == 0
    failed = client.get("/jobs/?state=FAILED&per_page=50")
    assert job_ids(failed) == [jobs[1].id]
    back = client.get("/jobs/")
    assert back.status_code == 302 and "state=FAILED" in back.location and "per_page=50" in back.location
    assert job_ids(client.get("/jobs/?kind=review")) == [jobs[2].id]
    assert job_ids(client.get("/jobs/?reset=1", follow_redirects=True))[:1] == [max(j.id for j in jobs) + 25]


def test_a_clerk_sees_only_their_own_jobs_and_no_submitter_column(client, login, jobs):
    login("clerk2")
    assert job_ids(client.get("/jobs/?sort=created&dir=asc")) == [jobs[3].id]
    assert "提交人" not in text_of(client.get("/jobs/?q="))
    assert job_ids(client.get("/jobs/?state=QUEUED")) == []


def test_the_jobs_actions_column_offers_what_each_job_allows(client, login, jobs):
    print_run, failed, queued, _other = jobs
    login("clerk1")
    by_id = {int(r.split(" ", 1)[0]): r for r in rows(client.get("/jobs/?q="))}
    assert by_id[print_run.id].endswith("查看 下载 PDF")
    assert by_id[failed.id].endswith("查看")
    assert by_id[queued.id].endswith("查看 取消")
    html = client.get("/jobs/?q=").get_data(as_text=True)
    assert f'href="/jobs/{print_run.id}/result"' in html
    assert f'action="/jobs/{queued.id}/cancel"' in html and f'action="/jobs/{failed.id}/cancel"' not in html
    assert client.post(f"/jobs/{queued.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Job, queued.id).state == JobState.CANCELLED
    by_id = {int(r.split(" ", 1)[0]): r for r in rows(client.get("/jobs/?q="))}
    assert by_id[queued.id].endswith("查看")


# --- branches ------------------------------------------------------------------------------------------------------

@pytest.fixture
def branches(county, make_unit, make_party_member, make_user):
    """The county's two branches (宏达 with two party members, 园区 with one) and 23 more under the 镇党委."""
    make_party_member("李四", branch="branch_a")
    make_party_member("赵六", branch="branch_a")
    make_party_member("钱七", branch="branch_b")
    for n in range(23):
        make_unit(f"第{n:02d}号党支部", UnitKind.BRANCH, county["party"], branch_form=BranchForm.JOINT)
    db.session.commit()
    make_user("office", Role.OFFICE)
    make_user("admin", Role.ADMIN)
    make_user("liaison_a", Role.LIAISON, units=("branch_a",))
    make_user("leader", Role.LEADER)
    return county


TWO = ["宏达纸业党支部", "园区联合党支部"]


def test_the_branches_list_sorts_by_name_and_by_counts(client, login, branches):
    login("office")
    assert order(client.get("/branches/?sort=total&dir=desc"), TWO) == TWO  # 2 members, then 1
    assert order(client.get("/branches/?sort=total&dir=desc"), TWO + ["第00号党支部"])[:2] == TWO
    asc = order(client.get("/branches/?sort=name&dir=asc&per_page=50"), TWO)
    desc = order(client.get("/branches/?sort=name&dir=desc&per_page=50"), TWO)
    assert asc == sorted(TWO) and desc == asc[::-1]
    names = [r.split(" ", 1)[0] for r in rows(client.get("/branches/?sort=name&dir=asc&per_page=50"))]
    assert names == sorted(names)
    by_parent = rows(client.get("/branches/?sort=parent&dir=asc&per_page=50"))
    assert [r.split(" ")[1] for r in by_parent] == sorted(r.split(" ")[1] for r in by_parent)


@pytest.mark.parametrize("query", ["sort=password", "sort=__class__&dir=desc", "per_page=7", "page=-2",
                                   "form=NOPE", "parent=abc"])
def test_the_branches_list_falls_back_on_bad_params(client, login, branches, query):
    login("office")
    shown = rows(client.get(f"/branches/?{query}"))
    assert len(shown) == 20 and shown[0].startswith("宏达纸业党支部")  # the tree order, the usual page size


def test_the_branches_list_pages_filters_and_remembers(client, login, branches):
    login("office")
    assert len(rows(client.get("/branches/?q="))) == 20
    assert len(rows(client.get("/branches/?per_page=50"))) == 25
    assert len(rows(client.get("/branches/?page=2"))) == 5
    assert "共 25 个党支部" in text_of(client.get("/branches/?page=2"))  # the totals count every page
    assert [r.split(" ", 1)[0] for r in rows(client.get("/branches/?form=SINGLE"))] == ["宏达纸业党支部"]
    assert [r.split(" ", 1)[0] for r in rows(client.get(f"/branches/?parent={branches['zone'].id}"))] == TWO
    back = client.get("/branches/")
    assert back.status_code == 302 and f"parent={branches['zone'].id}" in back.location
    assert [r.split(" ", 1)[0] for r in rows(client.get("/branches/?q=宏达"))] == ["宏达纸业党支部"]
    assert "没有符合条件的党支部" in text_of(client.get("/branches/?q=不存在"))
    assert client.get("/branches/?reset=1").status_code == 302
    assert len(rows(client.get("/branches/"))) == 20


def test_a_liaison_sees_only_their_branch_and_the_actions_they_may_take(client, login, branches):
    login("liaison_a")
    shown = rows(client.get("/branches/?sort=name&dir=desc&per_page=100"))
    assert len(shown) == 1 and shown[0].startswith("宏达纸业党支部")
    assert shown[0].endswith("查看 党员名单 比实绩")
    # another parent than the liaison's own is not a choice: the list stays theirs, unfiltered
    assert [r.split(" ", 1)[0] for r in rows(client.get(f"/branches/?parent={branches['party'].id}"))] == \
        ["宏达纸业党支部"]
    client.post("/auth/logout")
    login("admin")
    assert rows(client.get("/branches/?q=宏达"))[0].endswith("查看 党员名单 比实绩 编辑")


# --- 比实绩 --------------------------------------------------------------------------------------------------------

def test_the_results_list_sorts_pages_and_remembers_all(client, login, branches):
    db.session.add_all([
        BranchResult(branch_id=branches["branch_a"].id, period="2025H1", state=RecordState.SUBMITTED),
        BranchResult(branch_id=branches["branch_b"].id, period="2025H1", state=RecordState.SUBMITTED),
        BranchResult(branch_id=branches["branch_b"].id, period="2025H2", state=RecordState.VERIFIED)])
    db.session.commit()
    login("office")
    first = rows(client.get("/branches/results"))  # a first visit: what waits to be verified
    assert len(first) == 2 and all("已提交" in r for r in first)
    asc = [r.split(" ", 1)[0] for r in rows(client.get("/branches/results?state=&sort=branch&dir=asc"))]
    desc = [r.split(" ", 1)[0] for r in rows(client.get("/branches/results?state=&sort=branch&dir=desc"))]
    assert len(asc) == 3 and asc == sorted(asc) and desc == asc[::-1]
    by_period = rows(client.get("/branches/results?state=&sort=period&dir=asc"))
    assert "2025年下半年" in by_period[-1]
    assert len(rows(client.get("/branches/results?state=&per_page=7"))) == 3
    # 全部, chosen once with the page size, is what the office comes back to
    client.get("/branches/results?state=&branch=&period=&per_page=50")
    back = client.get("/branches/results")
    assert back.status_code == 302 and "per_page=50" in back.location
    assert len(rows(client.get(back.location))) == 3
    client.post("/auth/logout")
    login("liaison_a")  # scope: the liaison's branch only, whatever the filter asks
    assert [r.split(" ", 1)[0] for r in rows(client.get("/branches/results?state=&sort=branch&dir=desc"))] == \
        ["宏达纸业党支部"]


# --- meetings ------------------------------------------------------------------------------------------------------

@pytest.fixture
def meetings(county, make_user):
    today = beijing_today()
    made = {name: Meeting(kind=MeetingKind.INSPECTION, title=name, held_on=today, unit_id=county[unit].id,
                          state=state)
            for name, unit, state in [("甲视察", "liaison_a", RecordState.DRAFT),
                                      ("乙视察", "liaison_a", RecordState.SUBMITTED),
                                      ("丙视察", "liaison_b", RecordState.DRAFT)]}
    db.session.add_all(made.values())
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    make_user("leader", Role.LEADER)
    return made


def actions(response) -> dict[str, str]:
    """Each row's title (its third cell's first word) → its 操作 cell's words."""
    html = response.get_data(as_text=True)
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[1], flags=re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if len(cells) > 2:
            found[cells[2]] = cells[-1]
    return found


def test_the_meetings_actions_follow_the_role(client, login, meetings):
    login("clerk1")
    shown = actions(client.get("/meetings/?q="))
    assert shown == {"甲视察": "登记出勤 参会人员", "乙视察": "查看"}  # another unit's meeting is not listed
    html = client.get("/meetings/?q=").get_data(as_text=True)
    assert f'href="/meetings/{meetings["甲视察"].id}/invitees"' in html
    client.post("/auth/logout")
    login("office")
    assert actions(client.get("/meetings/?q=")) == {"甲视察": "登记出勤 参会人员", "乙视察": "核实 参会人员",
                                                    "丙视察": "登记出勤 参会人员"}
    client.post("/auth/logout")
    login("leader")
    assert set(actions(client.get("/meetings/?q=")).values()) == {"查看"}


# --- party members -------------------------------------------------------------------------------------------------

def test_the_party_members_actions_lead_to_their_records_and_to_a_new_one(client, login, branches):
    login("liaison_a")
    html = client.get("/branches/party-members?q=").get_data(as_text=True)
    assert "<th>操作</th>" in html
    entry = re.search(r'href="(/activities/new/CONTRIBUTION\?[^"]+)"[^>]*>录入比贡献', html).group(1)
    record_link = re.search(r'href="(/activities/\?[^"]+)"[^>]*>记录', html).group(1)
    form = client.get(entry.replace("&amp;", "&")).get_data(as_text=True)
    chosen = re.search(r'<option selected value="(p:\d+)">([^<]+)</option>', form) or \
        re.search(r'<option value="(p:\d+)" selected>([^<]+)</option>', form)
    assert chosen is not None and chosen.group(2).startswith(("李四", "赵六"))
    assert client.get(record_link.replace("&amp;", "&")).status_code == 200
    # a subject named in the address but outside the liaison's scope is not chosen
    qian = db.session.scalar(sa.select(PartyMember.id).where(PartyMember.name == "钱七"))
    picker = client.get(f"/activities/new/CONTRIBUTION?subject=p:{qian}").get_data(as_text=True)
    assert "selected" not in picker.split('name="subject"', 1)[1].split("</select>", 1)[0]
    client.post("/auth/logout")
    login("leader")
    html = client.get("/branches/party-members?q=").get_data(as_text=True)
    assert "记录" in html and "录入比贡献" not in html
