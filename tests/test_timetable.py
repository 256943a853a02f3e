"""The campaign's timetable: the office sets a year's milestones (offered the customary dates, checked in range and
in order), the timeline says done / due / overdue from the work itself, the 待办 reminds the office and clerks,
录入截止 refuses a clerk's new records of the year (not the office's, not the drafts), 政情通报会 are counted and
warned about from 30 June, and `flask years timetable` prints and sets it."""
from __future__ import annotations

import contextlib
import re
import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import time_machine
from conftest import text_of

from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Meeting, MeetingKind, RecordState, Role, Setting
from app import timetable


@contextlib.contextmanager
def on(day: dt.date) -> Iterator[None]:
    """The clock at 10:00 in Beijing on `day` (02:00 UTC), standing still."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def login(client, login):
    """Sign in as another account: out first."""
    def do(username: str) -> object:
        client.post("/auth/logout")
        return login(username)
    return do


@pytest.fixture
def people(year, make_member, make_user, clock):
    """Year 2025 open (the clock: 15 June 2026); clerk1 keeps liaison_a, where 张三 is."""
    member = make_member("张三", liaison="liaison_a")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    make_user("leader", Role.LEADER)
    db.session.add(Setting(key="password_max_age_days", value="0"))  # the tests travel months: passwords never expire
    db.session.commit()
    return {"member": member}


def set_times(year: int, **values: object) -> AppraisalYear:
    found = db.session.get(AppraisalYear, year) or AppraisalYear(year=year, name=f"{year}年度")
    db.session.add(found)
    for key, value in values.items():
        setattr(found, key, value)
    db.session.commit()
    return found


def idea(member, occurred_on="2025-11-20", title="关于加快乡村道路建设的提案", **changes):
    data = {"subject": f"m:{member.id}", "kind": "提案", "occurred_on": occurred_on, "title": title,
            "description": "", "signers": "", "outcome": "提交", "level": "", "instruction_level": "",
            "amount": "", "people_helped": "", "counterpart": "", "support": "", "save": "保存草稿"}
    return {**data, **changes}


def inbox(client) -> str:
    """The text of the home page's 待办 section."""
    html = client.get("/").get_data(as_text=True)
    section = html.split('id="inbox-title"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


# --- setting it ------------------------------------------------------------------------------------------------------

def test_the_office_is_offered_the_customary_dates_and_saves_them_audited(client, login, people):
    login("office")
    page = client.get("/setup/years/2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已按惯例填好日期" in text_of(page)
    assert 'value="2025-07-15"' in html and 'value="2025-12-31"' in html  # 半年小结, 全年总结 (and 录入截止)
    assert "实施意见§三.3" in text_of(page)  # where the default comes from
    assert db.session.get(AppraisalYear, 2025).half_review_due_on is None  # offered, not saved
    response = client.post("/setup/years/2025", data={
        "entry_opens_on": "2025-01-01", "entry_closes_on": "2025-12-20", "half_review_due_on": "2025-07-15",
        "annual_review_due_on": "2025-12-31", "recommend_due_on": "2026-01-10", "publicity_days": "5",
        "decision_due_on": "2026-01-20"}, follow_redirects=True)
    assert "已保存 2025 年度的时间安排" in text_of(response)
    found = db.session.get(AppraisalYear, 2025)
    assert (found.entry_closes_on, found.publicity_days, found.decision_due_on) == (
        dt.date(2025, 12, 20), 5, dt.date(2026, 1, 20))
    fields = set(db.session.scalars(sa.select(AuditLog.field).where(AuditLog.entity == "appraisal_year",
                                                                     AuditLog.entity_id == 2025)))
    assert {"entry_closes_on", "publicity_days", "decision_due_on"} <= fields
    assert "已按惯例填好日期" not in text_of(client.get("/setup/years/2025"))  # set now: no longer offered
    assert timetable.publicity_default(2025) == 5  # the default length of the year's 公示


def test_out_of_range_and_out_of_order_dates_are_refused_beside_their_fields(client, login, people):
    login("office")
    response = client.post("/setup/years/2025", data={
        "entry_opens_on": "2025-03-01", "entry_closes_on": "2025-02-01", "half_review_due_on": "2025-05-01",
        "annual_review_due_on": "2025-12-31", "recommend_due_on": "2025-12-01", "publicity_days": "0",
        "decision_due_on": "2026-09-01"})
    assert response.status_code == 422
    text = text_of(response)
    assert "录入截止不能早于录入开始（2025年3月1日）" in text
    assert "半年小结应在 2025年6月30日 到 2025年12月31日 之间" in text
    assert "推荐截止不能早于全年总结（2025年12月31日）" in text
    assert "常委会审定应在 2025年1月1日 到 2026年3月31日 之间" in text
    assert "公示天数应在 1 到 60 天之间" in text
    assert 'class="field  has-error"' in response.get_data(as_text=True) or "has-error" in response.get_data(as_text=True)
    assert timetable.is_empty(db.session.get(AppraisalYear, 2025))  # nothing saved
    bad_date = client.post("/setup/years/2025", data={"entry_closes_on": "2025-13-01"})
    assert bad_date.status_code == 422 and "请输入有效日期" in text_of(bad_date)


def test_only_the_office_and_admin_set_it(client, login, people):
    login("clerk1")
    assert client.get("/setup/years/2025").status_code == 403
    assert client.post("/setup/years/2025", data={"publicity_days": "3"}).status_code == 403
    login("office")
    assert client.get("/setup/years/2031").status_code == 404


# --- where the steps stand ------------------------------------------------------------------------------------------

def test_a_step_is_upcoming_then_due_then_overdue(people):
    found = set_times(2025, half_review_due_on=dt.date(2025, 7, 15), entry_opens_on=dt.date(2025, 1, 1))

    def state(day: dt.date) -> tuple[str, str]:
        step = next(s for s in timetable.steps(found, day) if s.milestone.key == "half_review_due_on")
        return step.state, step.when
    assert state(dt.date(2025, 7, 1)) == (timetable.UPCOMING, "还有 14 天")
    assert state(dt.date(2025, 7, 8)) == (timetable.DUE, "还有 7 天")
    assert state(dt.date(2025, 7, 15)) == (timetable.DUE, "今天到期")
    assert state(dt.date(2025, 7, 20)) == (timetable.OVERDUE, "已逾期 5 天")
    steps = {s.milestone.key: s for s in timetable.steps(found, dt.date(2025, 7, 20))}
    assert steps["entry_opens_on"].state == timetable.DONE
    assert steps["recommend_due_on"].state == timetable.UNSET
    assert steps["half_review_due_on"].evidence == "尚无已冻结的半年小结"


def test_the_steps_are_done_by_the_frozen_reviews_and_the_award_lists(finished_year, client, as_user):
    """The finished demo year: its annual review frozen, every award list decided, no half-year review."""
    found = db.session.get(AppraisalYear, 2025)
    steps = {s.milestone.key: s for s in timetable.steps(found, dt.date(2026, 2, 1))}
    assert steps["annual_review_due_on"].state == timetable.DONE
    assert "全年总结已冻结" in steps["annual_review_due_on"].evidence
    assert steps["recommend_due_on"].state == timetable.DONE
    assert steps["decision_due_on"].state == timetable.DONE
    assert steps["decision_due_on"].evidence.startswith("已审定 ") and "份名单" in steps["decision_due_on"].evidence
    assert steps["half_review_due_on"].state == timetable.UNSET  # the demo runs no 半年小结 and sets no date for it
    as_user("office")
    page = text_of(client.get("/setup/years/2025"))
    assert "时间线" in page and "全年总结已冻结" in page and "政情通报会" in page and "本年已召开 2 次" in page


# --- the 待办 -------------------------------------------------------------------------------------------------------

def test_the_office_is_reminded_seven_days_before_and_in_red_when_overdue(client, login, people):
    set_times(2026, annual_review_due_on=dt.date(2026, 12, 31))
    with on(dt.date(2026, 12, 20)):
        login("office")
        assert "2026年度全年总结" not in inbox(client)
    with on(dt.date(2026, 12, 24)):
        login("office")
        text = inbox(client)
        assert "2026年度全年总结（2026年12月31日）：尚无已冻结的全年总结 还有 7 天" in text
    with on(dt.date(2027, 1, 3)):
        login("office")
        html = client.get("/").get_data(as_text=True)
        assert "已逾期 3 天" in html
        assert html.index('class="overdue"') < html.index("2026年度全年总结")  # the item is the red one
    with on(dt.date(2026, 12, 24)):
        login("leader")
        assert "全年总结" not in inbox(client)


def test_a_clerk_sees_the_entry_deadline_approaching_for_their_open_records(client, login, people):
    set_times(2025, entry_closes_on=dt.date(2025, 12, 31))
    with on(dt.date(2025, 12, 1)):
        login("clerk1")
        assert client.post("/activities/new/IDEA", data=idea(people["member"])).status_code == 302
        assert "录入截止" not in inbox(client)  # 30 days ahead: not yet
    with on(dt.date(2025, 12, 20)):
        login("clerk1")
        text = inbox(client)
        assert "2025年度录入截止（2025年12月31日）前，请提交草稿和退回的记录 还有 11 天 · 1" in text
    with on(dt.date(2026, 1, 5)):
        login("clerk1")
        html = client.get("/").get_data(as_text=True)
        assert "2025年度录入已于 2025年12月31日 截止，尚未提交的草稿和退回的记录" in text_of(client.get("/"))
        assert 'class="overdue"' in html
        listed = text_of(client.get("/activities/?todo=open&start=2025-01-01&end=2025-12-31"))
        assert "关于加快乡村道路建设的提案" in listed and "尚未提交的草稿和退回的记录" in listed
    with on(dt.date(2025, 12, 20)):
        login("office")
        assert "请提交草稿和退回的记录" not in inbox(client)


def test_the_briefing_warning_starts_on_30_june_and_turns_red_in_december(client, login, people):
    set_times(2026)
    with on(dt.date(2026, 6, 29)):
        login("office")
        assert "政情通报会" not in inbox(client)
    with on(dt.date(2026, 6, 30)):
        login("office")
        text = inbox(client)
        assert "2026年上半年已过，尚未召开政情通报会（实施意见：每年1—2次）" in text
    with on(dt.date(2026, 12, 1)):
        login("office")
        html = client.get("/").get_data(as_text=True)
        assert "2026年尚未召开政情通报会" in text_of(client.get("/")) and 'class="overdue"' in html
    db.session.add(Meeting(kind=MeetingKind.BRIEFING, title="全县经济运行情况政情通报会", held_on=dt.date(2026, 7, 10),
                           unit_id=people["member"].sector_id, state=RecordState.VERIFIED))
    db.session.commit()
    with on(dt.date(2026, 12, 1)):
        login("office")
        assert "政情通报会" not in inbox(client)
        assert "本年已召开 1 次" in text_of(client.get("/setup/years/2026"))


def test_a_meeting_type_marked_for_it_counts_as_a_briefing(client, login, people, county):
    set_times(2026)
    login("office")
    client.post("/meetings/types", data={"name": "县情通报会", "invitees": "ALL"})
    db.session.add(Meeting(kind="县情通报会", title="县情通报会", held_on=dt.date(2026, 3, 10),
                           unit_id=county["cppcc"].id, state=RecordState.VERIFIED))
    db.session.commit()
    assert len(timetable.briefings(2026, dt.date(2026, 7, 1)).held) == 0
    response = client.post("/meetings/types/edit", data={"name": "县情通报会", "invitees": "ALL", "sort_order": "80",
                                                         "active": "y", "briefing": "y"}, follow_redirects=True)
    assert "已保存会议类型“县情通报会”" in text_of(response)
    assert [m.title for m in timetable.briefings(2026, dt.date(2026, 7, 1)).held] == ["县情通报会"]
    refused = client.post("/meetings/types/edit", data={"name": "组织生活", "invitees": "BRANCH", "sort_order": "70",
                                                        "active": "y", "briefing": "y"})
    assert "组织生活不能计入政情通报会" in text_of(refused)


# --- 录入截止's teeth ----------------------------------------------------------------------------------------------

def test_after_the_entry_deadline_a_clerks_new_record_is_refused_but_drafts_and_the_office_go_on(client, login,
                                                                                                 people):
    set_times(2025, entry_closes_on=dt.date(2025, 12, 31))
    with on(dt.date(2025, 12, 30)):
        login("clerk1")
        assert client.post("/activities/new/IDEA", data=idea(people["member"])).status_code == 302
    draft = db.session.scalars(sa.select(Activity)).one()
    with on(dt.date(2026, 1, 5)):
        login("clerk1")
        refused = client.post("/activities/new/IDEA", data=idea(people["member"], title="迟到的提案"))
        assert refused.status_code == 200
        text = text_of(refused)
        assert "2025年度的录入已于 2025年12月31日 截止，录入员不能再新增该年度的记录" in text
        assert 'value="迟到的提案"' in refused.get_data(as_text=True)  # what was typed is still on the form
        edited = idea(people["member"], title="关于加快乡村道路建设的提案（修改）", version=str(draft.version))
        edited.pop("save")
        edited["send"] = "提交核实"
        assert client.post(f"/activities/{draft.id}/edit", data=edited).status_code == 302
        assert db.session.get(Activity, draft.id).state == RecordState.SUBMITTED
        login("office")
        assert client.post("/activities/new/IDEA", data=idea(people["member"], title="办公室补录的提案")).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 2


# --- the command line -----------------------------------------------------------------------------------------------

def test_the_command_prints_and_sets_the_timetable(app, people):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["years", "timetable", "2025", "--set", "录入截止=2025-12-20",
                               "--set", "publicity_days=5"])
    assert done.exit_code == 0, done.output
    assert "已保存 2025 年度的时间安排" in done.output and "2025年12月20日" in done.output and "5 天" in done.output
    assert "政情通报会：已召开 0 次" in done.output
    found = db.session.get(AppraisalYear, 2025)
    assert (found.entry_closes_on, found.publicity_days) == (dt.date(2025, 12, 20), 5)
    bad = runner.invoke(args=["years", "timetable", "2025", "--set", "半年小结=2025-05-01"])
    assert bad.exit_code == 1 and "半年小结应在 2025年6月30日 到 2025年12月31日 之间" in bad.output
    unknown = runner.invoke(args=["years", "timetable", "2025", "--set", "开会=2025-05-01"])
    assert unknown.exit_code == 2 and "项目=值" in unknown.output
    filled = runner.invoke(args=["years", "timetable", "2025", "--defaults"])
    assert filled.exit_code == 0 and db.session.get(AppraisalYear, 2025).half_review_due_on == dt.date(2025, 7, 15)
    assert db.session.get(AppraisalYear, 2025).entry_closes_on == dt.date(2025, 12, 20)  # set ones are kept
