"""届 (terms) and appraisal years, from the pages and the commands: validation, closing and reopening, the audit
log, and what an open or closed year lets people record."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.meetings.services import check_date
from app.models import Activity, AppraisalYear, AuditLog, Role, Term
from app.setup.terms import chinese_number, current_term, number_from_name


@pytest.mark.parametrize(("name", "number"), [("第十届", 10), ("第十一届", 11), ("第二十三届", 23), ("第九届", 9),
                                              ("第4届", 4), ("十届", None), ("第二三届", None), ("第届", None)])
def test_a_terms_number_is_read_from_its_name(name, number):
    assert number_from_name(name) == number


def test_chinese_numbers_up_to_ninety_nine():
    assert [chinese_number(t) for t in ("一", "十", "十九", "二十", "九十九", "十十", "一百")] == [1, 10, 19, 20, 99, None,
                                                                                            None]


def terms_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["terms", *args])


def test_terms_add_list_and_close_from_the_command_line(app):
    result = terms_cli(app, "add", "第九届", "--start", "2017-01-01", "--end", "2021-12-31")
    assert result.exit_code == 0 and "序号 9" in result.output, result.output
    result = terms_cli(app, "add", "第十届", "--start", "2022-01-01", "--end", "2026-12-31")
    assert "为当前届次" in result.output
    assert current_term().name == "第十届"
    listed = terms_cli(app, "list").output
    assert "第十届" in listed and "当前届次" in listed and "第九届" in listed

    closed = terms_cli(app, "close", "第九届", "--yes")
    assert closed.exit_code == 0 and "当前届次：第十届" in closed.output
    assert db.session.scalar(sa.select(Term).where(Term.name == "第九届")).closed_at is not None
    again = terms_cli(app, "close", "第九届", "--yes")
    assert again.exit_code == 1 and "已经关闭" in again.output
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "term")).all()
    assert {(r.action, r.field) for r in rows} >= {("create", "name"), ("create", "number"), ("update", "closed_at")}


@pytest.mark.parametrize(("args", "message"), [
    (("第十届", "--start", "2026-12-31", "--end", "2022-01-01"), "结束日期应晚于开始日期"),
    (("第十一届", "--start", "2026-06-01", "--end", "2031-12-31"), "日期重叠"),
    (("第十届", "--start", "2027-01-01", "--end", "2031-12-31"), "序号 10 已是第十届的序号"),
    (("第八届", "--start", "2027-01-01", "--end", "2031-12-31"), "序号与日期的先后不一致"),
    (("十一届", "--start", "2027-01-01", "--end", "2031-12-31"), "请填写届次序号"),
    (("第十一届", "--start", "2027-02-30", "--end", "2031-12-31"), "不是日期"),
])
def test_a_term_is_refused_with_the_reason(app, args, message):
    assert terms_cli(app, "add", "第十届", "--start", "2022-01-01", "--end", "2026-12-31").exit_code == 0
    result = terms_cli(app, "add", *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == 1


def test_the_number_may_be_given_when_the_name_does_not_say_it(app):
    result = terms_cli(app, "add", "十一届", "--start", "2027-01-01", "--end", "2031-12-31", "--number", "11")
    assert result.exit_code == 0 and current_term().number == 11


def test_the_admin_creates_edits_closes_and_reopens_a_term_in_the_web(client, login, make_user, make_member, county):
    make_user("root", Role.ADMIN)
    login("root")
    fourth = current_term()  # the county's 第四届 (2022–2026), with a member
    make_member("张三")
    db.session.commit()
    bad = client.post("/setup/terms/new", data={"name": "第五届", "starts_on": "2026-01-01", "ends_on": "2031-12-31"})
    assert bad.status_code == 200 and "与第四届（2022-01-01 至 2026-12-31）的日期重叠" in text_of(bad)
    ok = client.post("/setup/terms/new", data={"name": "第五届", "starts_on": "2027-01-01", "ends_on": "2031-12-31"})
    assert ok.status_code == 302
    fifth = db.session.scalar(sa.select(Term).where(Term.number == 5))
    assert current_term().id == fifth.id
    client.post(f"/setup/terms/{fifth.id}/edit", data={"name": "第五届", "number": "5", "starts_on": "2027-01-10",
                                                       "ends_on": "2031-12-31"})
    assert fifth.starts_on == dt.date(2027, 1, 10)

    page = text_of(client.get(f"/setup/terms/{fourth.id}/close"))
    assert "本届还有 1 名在任委员" in page and "换届由办公室另行办理" in page
    refused = client.post(f"/setup/terms/{fourth.id}/close", data={})
    assert refused.status_code == 200 and "请勾选确认" in text_of(refused) and fourth.closed_at is None
    client.post(f"/setup/terms/{fourth.id}/close", data={"confirm": "y"})
    assert fourth.closed_at is not None
    listed = text_of(client.get("/setup/terms"))
    assert "已关闭" in listed and "当前届次" in listed

    no_reason = client.post(f"/setup/terms/{fourth.id}/reopen", data={"reason": ""})
    assert no_reason.status_code == 422 and "请写明原因" in text_of(no_reason)
    client.post(f"/setup/terms/{fourth.id}/reopen", data={"reason": "误关闭"})
    assert fourth.closed_at is None
    reopened = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "term", AuditLog.action == "reopen"))
    assert reopened.reason == "误关闭" and reopened.user_id is not None
    assert "误关闭" in text_of(client.get(f"/setup/terms/{fourth.id}/edit"))  # the history under the form


def test_closing_the_only_term_says_there_will_be_no_current_term(client, login, make_user, year):
    make_user("root", Role.ADMIN)
    login("root")
    term = current_term()
    page = text_of(client.get(f"/setup/terms/{term.id}/close"))
    assert "关闭后将没有当前届次" in page and "2025 年度仍开放录入" in page


# --- appraisal years -----------------------------------------------------------------------------------------------

def years_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["years", *args])


def test_years_open_close_reopen_and_list_from_the_command_line(app):
    assert years_cli(app, "open", "2026").exit_code == 0
    again = years_cli(app, "open", "2026")
    assert again.exit_code == 1 and "已经开放录入" in again.output
    assert years_cli(app, "open", "1999").exit_code == 1
    assert "2026年度" in years_cli(app, "list").output and "开放录入" in years_cli(app, "list").output
    assert years_cli(app, "close", "2026").exit_code == 0
    assert db.session.get(AppraisalYear, 2026).recording_closed_at is not None
    assert "已停止录入" in years_cli(app, "list").output
    reopened_without_reason = app.test_cli_runner().invoke(args=["years", "reopen", "2026"])
    assert reopened_without_reason.exit_code == 2  # --reason is required
    empty = years_cli(app, "reopen", "2026", "--reason", "  ")
    assert empty.exit_code == 1 and "请写明重新开放的原因" in empty.output
    assert years_cli(app, "reopen", "2026", "--reason", "补录年终会议").exit_code == 0
    assert db.session.get(AppraisalYear, 2026).recording_closed_at is None
    assert years_cli(app, "close", "2031").exit_code == 1
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "appraisal_year")
                              .order_by(AuditLog.id)).all()
    assert [(r.action, r.entity_id) for r in rows] == [("create", 2026), ("update", 2026), ("reopen", 2026)]
    assert rows[-1].reason == "补录年终会议"


def idea(member_id: int) -> dict[str, str]:
    return {"subject": f"m:{member_id}", "kind": "提案", "occurred_on": "2025-03-01", "title": "关于乡村道路的提案",
            "description": "", "signers": "", "outcome": "提交", "level": "", "instruction_level": "", "amount": "",
            "people_helped": "", "counterpart": "", "support": "", "save": "保存草稿"}


def test_closing_a_year_stops_recording_its_dates_and_reopening_allows_it_again(app, client, login, make_user,
                                                                              make_member, year, clock):
    member = make_member("张三")
    db.session.commit()
    make_user("office1", Role.OFFICE)
    make_user("root", Role.ADMIN)
    make_user("clerk1", Role.CLERK, units=("liaison_a",))

    login("office1")
    page = text_of(client.get("/setup/years/2025/close"))
    assert "停止录入后" in page
    assert client.post("/setup/years/2025/close", data={"confirm": "y"}).status_code == 302
    assert "/setup/years/2025/reopen" not in client.get("/setup/years").get_data(as_text=True)  # not the office
    assert client.post("/setup/years/2025/reopen", data={"reason": "x"}).status_code == 403
    client.post("/auth/logout")

    login("clerk1")
    refused = client.post("/activities/new/IDEA", data=idea(member.id))
    assert refused.status_code == 200 and "该日期不在开放录入的考评年度内" in text_of(refused)
    assert check_date(dt.date(2025, 3, 1)) == ["会议日期不在开放录入的考评年度内。"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
    client.post("/auth/logout")

    login("root")
    no_reason = client.post("/setup/years/2025/reopen", data={"reason": ""})
    assert no_reason.status_code == 422 and "请写明原因" in text_of(no_reason)
    assert client.post("/setup/years/2025/reopen", data={"reason": "补录三月的提案"}).status_code == 302
    client.post("/auth/logout")

    login("clerk1")
    assert client.post("/activities/new/IDEA", data=idea(member.id)).status_code == 302
    assert check_date(dt.date(2025, 3, 1)) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1


def test_the_office_opens_a_year_from_the_page(client, login, make_user, clock):
    make_user("office1", Role.OFFICE)
    login("office1")
    page = client.get("/setup/years")
    assert 'value="2026"' in page.get_data(as_text=True)  # this year is offered
    bad = client.post("/setup/years/open", data={"year": "26"})
    assert bad.status_code == 422 and "请填写 2000 到 2100 之间的年份" in text_of(bad)
    assert client.post("/setup/years/open", data={"year": "2026"}).status_code == 302
    twice = client.post("/setup/years/open", data={"year": "2026"})
    assert twice.status_code == 422 and "2026年度已经开放录入" in text_of(twice)
    assert db.session.get(AppraisalYear, 2026).name == "2026年度"
    assert 'value="2027"' in client.get("/setup/years").get_data(as_text=True)  # then the next one


def test_the_demo_countys_terms_and_years(app, client, as_user, demo):
    listed = terms_cli(app, "list").output
    assert "第十届" in listed and "当前届次" in listed and "260" in listed
    years = years_cli(app, "list").output
    assert "2024年度" in years and "已停止录入" in years and "2025年度" in years and "开放录入" in years
    as_user("admin")
    page = text_of(client.get("/setup/years"))
    assert "2025年度" in page and "2024年度" in page
    term = current_term()
    notes = text_of(client.get(f"/setup/terms/{term.id}/close"))
    assert "关闭后将没有当前届次" in notes and "2025 年度仍开放录入" in notes and "名在任委员" in notes
    as_user("office")
    assert client.post("/setup/years/2025/close", data={"confirm": "y"}).status_code == 302
    assert db.session.get(AppraisalYear, 2025).recording_closed_at is not None
    assert client.post("/setup/years/2025/reopen", data={"reason": "x"}).status_code == 403
