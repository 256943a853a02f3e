"""换届 (web and `flask terms rollover`): the office ticks who is re-appointed; they are carried into the next 届 with
their codes and records, the others leave on the old 届's last day and stay as 已离任; the old 届 closes, the new one is
current; the next year's review sees the new 届's members, last year's review keeps everyone it had."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import text_of

from app import rulefiles
from app.extensions import db
from app.models import Activity, AppraisalYear, AuditLog, Member, ReviewEntry, Role, Term
from app.reviews import services as reviews
from app.setup import terms

RULES = "2025-四个一-委员.yaml"


@pytest.fixture
def tenth(county, make_member):
    """第十届 (2021–2025) with three serving members and one who left already; 2025 open."""
    db.session.execute(sa.delete(Term))
    db.session.add_all([Term(number=10, name="第十届", starts_on=dt.date(2021, 1, 1), ends_on=dt.date(2025, 12, 31)),
                        AppraisalYear(year=2025, name="2025年度")])
    db.session.flush()
    people = {name: make_member(name, code=code) for name, code in (("连任甲", "W001"), ("连任乙", "W002"),
                                                                       ("离任丙", "W003"), ("早走丁", "W004"))}
    people["早走丁"].left_on, people["早走丁"].active = dt.date(2024, 6, 30), False
    db.session.commit()
    return people


def member(code: str) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.code == code))


def test_the_office_carries_over_whom_it_ticks_and_the_rest_leave(client, tenth, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    old = terms.current_term()
    page = text_of(client.get(f"/setup/terms/{old.id}/rollover"))
    assert "换届：从第十届到下一届" in page and "3 名在任委员" in page and "早走丁" not in page
    assert 'value="第十一届"' in client.get(f"/setup/terms/{old.id}/rollover").get_data(as_text=True)
    response = client.post(f"/setup/terms/{old.id}/rollover", data={
        "name": "第十一届", "starts_on": "2026-01-01", "ends_on": "2030-12-31",
        "carry": [str(tenth["连任甲"].id), str(tenth["连任乙"].id)]}, follow_redirects=True)
    assert "第十一届已开始：连任 2 人，离任 1 人" in text_of(response)
    new = terms.current_term()
    assert (new.name, new.number, new.starts_on) == ("第十一届", 11, dt.date(2026, 1, 1))
    assert db.session.get(Term, old.id).closed_at is not None
    assert {member(c).term_id for c in ("W001", "W002")} == {new.id}
    left = member("W003")
    assert (left.term_id, left.left_on, left.active) == (old.id, dt.date(2025, 12, 31), False)
    assert member("W004").left_on == dt.date(2024, 6, 30)  # left before: untouched
    reasons = set(db.session.scalars(sa.select(AuditLog.reason).where(AuditLog.entity == "member")))
    assert reasons == {"换届连任", "换届离任"}
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "rollover")).reason == "第十届 → 第十一届"


def test_a_new_term_that_starts_inside_the_old_one_is_refused_beside_the_field(client, tenth, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    old = terms.current_term()
    response = client.post(f"/setup/terms/{old.id}/rollover", data={
        "name": "第十一届", "starts_on": "2025-06-01", "ends_on": "2030-12-31", "carry": [str(tenth["连任甲"].id)]})
    assert response.status_code == 422 and "新一届应在第十届结束（2025-12-31）之后开始" in text_of(response)
    assert terms.current_term().id == old.id and member("W001").term_id == old.id  # nothing written
    response = client.post(f"/setup/terms/{old.id}/rollover", data={
        "name": "第十一届", "starts_on": "2026-01-01", "ends_on": "2030-12-31", "carry": [str(tenth["早走丁"].id)]},
        follow_redirects=True)
    assert "不是第十届在任的委员" in text_of(response) and terms.current_term().id == old.id


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.MEMBER, Role.LIAISON])
def test_only_the_office_and_the_admin_start_the_next_term(client, tenth, make_user, login, role):
    make_user("someone", role, units=("committee_a",) if role == Role.CLERK else ())
    login("someone")
    old = terms.current_term()
    assert client.get(f"/setup/terms/{old.id}/rollover").status_code == 403
    assert client.post(f"/setup/terms/{old.id}/rollover", data={
        "name": "第十一届", "starts_on": "2026-01-01", "ends_on": "2030-12-31"}).status_code == 403
    assert terms.current_term().id == old.id


def test_the_command_takes_the_leavers_from_a_file(app, tenth, tmp_path):
    leaving = tmp_path / "离任名单.txt"
    leaving.write_text("W003\n", encoding="utf-8")
    runner = app.test_cli_runner()
    wrong = tmp_path / "错.txt"
    wrong.write_text("W999\n", encoding="utf-8")
    refused = runner.invoke(args=["terms", "rollover", "第十一届", "--leaving", str(wrong)])
    assert refused.exit_code == 1 and "W999 不是第十届在任委员的编号" in refused.output
    result = runner.invoke(args=["terms", "rollover", "第十一届", "--leaving", str(leaving)])
    assert result.exit_code == 0, result.output
    assert "第十一届已开始（2026-01-01 至 2030-12-31）：连任 2 人，离任 1 人" in result.output
    assert member("W003").left_on == dt.date(2025, 12, 31) and member("W001").term.name == "第十一届"


def test_last_years_review_keeps_the_leaver_and_the_next_years_does_not(app, tenth):
    before = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    db.session.commit()
    old = terms.current_term()
    done = rollover_to_eleventh(old, tenth)
    db.session.add(AppraisalYear(year=2026, name="2026年度"))
    for version in rulefiles.carry_forward(2025, 2026, None):
        rulefiles.adopt(version, None)
    db.session.commit()
    assert done.left == 1
    again = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    following = reviews.run_review(reviews.rule_file("2026-四个一-委员.yaml"), "2026", None)
    db.session.commit()

    def names(review):
        return set(db.session.scalars(sa.select(ReviewEntry.subject_name).where(ReviewEntry.review_id == review.id)))
    assert {"连任甲", "连任乙", "离任丙"} <= names(before) and {"连任甲", "连任乙", "离任丙"} <= names(again)
    assert "离任丙" not in names(following) and {"连任甲", "连任乙"} <= names(following)


def rollover_to_eleventh(old, people):
    from app.setup import rollover
    done = rollover.start_next_term(old, {"name": "第十一届", "starts_on": dt.date(2026, 1, 1),
                                          "ends_on": dt.date(2030, 12, 31)},
                                    {people["连任甲"].id, people["连任乙"].id}, None)
    assert isinstance(done, rollover.Rollover), done
    return done


def test_nothing_is_recorded_for_a_member_after_they_left(client, tenth, make_user, login):
    """早走丁 left on 2024-06-30: a record dated in 2025 is refused beside the date, naming the day; 连任甲's is kept."""
    make_user("office1", Role.OFFICE)
    login("office1")

    def record(person: str) -> str:
        response = client.post("/activities/new/IDEA", data={
            "subject": f"m:{tenth[person].id}", "kind": "提案", "occurred_on": "2025-03-02", "title": "关于园区道路的提案",
            "description": "", "signers": "", "outcome": "立案", "level": "", "instruction_level": "", "amount": "",
            "people_helped": "", "counterpart": "", "support": "", "send": "保存"})
        return text_of(response) if response.status_code == 200 else response.location

    assert "早走丁已于 2024-06-30 离任，之后的履职不能记录。" in record("早走丁")
    assert record("连任甲").startswith("/activities/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1
