"""The demo county: what the product promises, same seed same rows, never mixed into real data, demo sign-in."""
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.demo import LAST_STAMP, PASSWORD, build_demo
from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, AttendanceStatus, BranchForm, BranchIndicator,
                        BranchResult, Category, Enterprise, Member, PartyMember, PartyStatus, RecordState, Role, Unit,
                        UnitKind, User)
from app.scoring import load_ruleset
from app.pinyin import initials
from app.web import name_search
from conftest import empty_database, text_of

RULES_DIR = Path(__file__).resolve().parents[1] / "scoring_rules"


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def fingerprint() -> str:
    """sha256 over every row of every table, by primary key; password hashes are salted, so left out."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) != ("user", "password_hash")]
        for row in db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)):
            digest.update(f"{table.name}{tuple(row)!r}\n".encode())
    return digest.hexdigest()


def test_the_demo_county_is_what_the_product_promises(app):
    summary = build_demo()
    db.session.commit()

    kinds = dict(db.session.execute(sa.select(Unit.kind, sa.func.count()).group_by(Unit.kind)).all())
    assert (kinds[UnitKind.COMMITTEE], kinds[UnitKind.SECTOR_GROUP], kinds[UnitKind.LIAISON_OFFICE]) == (4, 12, 10)
    assert kinds[UnitKind.BRANCH] == 19
    assert count(Member) == summary.members == 260
    assert 25 <= count(Member, Member.is_standing) <= 35
    # 主席会议成员 and 驻会常委 (excluded from awards by the rule files) are among the 常委
    assert 2 <= count(Member, Member.is_chair_council) <= 6 and 1 <= count(Member, Member.is_resident_standing) <= 3
    assert count(Member, sa.or_(Member.is_chair_council, Member.is_resident_standing), ~Member.is_standing) == 0
    assert 0 < count(Member, ~Member.active) < 10
    assert count(Member, Member.committee_id.is_(None)) < 52 and count(Member, Member.liaison_id.is_(None)) < 65

    branches = db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH)).all()
    forms = [b.branch_form for b in branches]
    assert (forms.count(BranchForm.SINGLE), forms.count(BranchForm.JOINT)) == (13, 6)
    for branch in branches:
        companies = len(branch.enterprises)
        assert companies == 1 if branch.branch_form == BranchForm.SINGLE else companies >= 2, branch.name
    assert count(Enterprise, Enterprise.industry == "造纸") >= 6  # paper dominates, as in the seed

    statuses = dict(db.session.execute(
        sa.select(PartyMember.status, sa.func.count()).group_by(PartyMember.status)).all())
    assert set(statuses) == {PartyStatus.FULL, PartyStatus.PROBATIONARY}
    assert 100 <= sum(statuses.values()) <= 220
    wrong_enterprise = (sa.select(sa.func.count()).select_from(PartyMember).join(Enterprise)
                        .where(Enterprise.branch_id != PartyMember.branch_id))
    assert db.session.scalar(wrong_enterprise) == 0

    records = {(c, s): n for c, s, n in db.session.execute(
        sa.select(Activity.category, Activity.state, sa.func.count()).group_by(Activity.category, Activity.state))}
    assert 1500 <= sum(records.values()) <= 3600  # with the records 四联系 files (联系委员, 联系界别群众)
    for category in Category:
        states = {s for (c, s) in records if c == category}
        assert RecordState.VERIFIED in states, category
        if category != Category.HONOUR:  # commendations are few: some may all be settled already
            assert RecordState.SUBMITTED in states and len(states) >= 3, category
    assert count(Activity, Activity.state == RecordState.RETURNED, Activity.return_reason == "") == 0
    assert count(Activity, Activity.state == RecordState.VERIFIED, Activity.verified_at.is_(None)) == 0
    assert db.session.scalar(sa.select(sa.func.max(Activity.updated_at))) <= LAST_STAMP
    for category in (Category.ENTERPRISE, Category.PAIRING):  # units serve an industry and pair up themselves
        assert count(Activity, Activity.member_id.is_(None), Activity.party_member_id.is_(None),
                     Activity.category == category) >= 15
    assert count(Activity, Activity.category == Category.CONTRIBUTION, Activity.party_member_id.is_(None)) == 0

    leads = db.session.execute(sa.select(Activity.member_id, ActivityParticipant.member_id).join(
        ActivityParticipant).where(ActivityParticipant.position == 1, Activity.member_id.isnot(None))).all()
    assert leads and all(record_member == first for record_member, first in leads)
    collective = db.session.scalars(sa.select(Activity).where(Activity.kind == "集体提案")).all()
    assert len(collective) >= 3  # a unit's own proposal, its 2–3 named members credited
    for record in collective:
        assert record.member_id is None and record.party_member_id is None
        assert 2 <= len(record.participants) <= 3
        assert all(record.unit_id in p.member.unit_ids for p in record.participants)
    same_work = db.session.execute(sa.select(Activity.work_key, Activity.kind, Activity.member_id)
                                   .where(Activity.work_key != "").order_by(Activity.work_key, Activity.id)).all()
    by_key: dict[str, list] = {}
    for key, kind, member_id in same_work:
        by_key.setdefault(key, []).append((kind, member_id))
    assert by_key and all([k for k, _ in rows] == ["提案", "社情民意"] and len({m for _, m in rows}) == 1
                          for rows in by_key.values())
    assert count(Activity, Activity.kind == "违纪违法", Activity.state == RecordState.VERIFIED) == 1

    some_do_nothing = sa.select(sa.func.count()).select_from(Member).where(
        Member.active, ~sa.exists().where(Activity.member_id == Member.id))
    assert db.session.scalar(some_do_nothing) > 0  # the early-warning list has names on it

    attendance = set(db.session.scalars(sa.select(Attendance.status).distinct()))
    assert {AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT} <= attendance
    assert count(Attendance) > 800

    periods = db.session.execute(sa.select(BranchResult.period, sa.func.count()).group_by(BranchResult.period))
    assert dict(periods.all()) == {"2025H1": 19, "2025H2": 19}
    assert all(len(r.indicators) >= 8 for r in db.session.scalars(sa.select(BranchResult)))
    declared = load_ruleset(RULES_DIR / "2025-双比双争-党支部.yaml").kinds
    assert set(db.session.scalars(sa.select(BranchIndicator.key).distinct())) <= set(declared)
    graded = db.session.scalars(sa.select(BranchIndicator).where(BranchIndicator.key == "劳资关系")).all()
    assert len(graded) == 38 and all(i.value is None and i.choice in ("和谐", "一般", "有纠纷") for i in graded)

    assert count(Member, Member.search_key == "") == 0
    readings = (("单", "shan"), ("解", "xie"), ("仇", "qiu"), ("曾", "zeng"), ("欧阳", "oy"), ("司马", "sm"))
    for surname, query in readings:
        member = db.session.scalar(sa.select(Member).where(Member.name.startswith(surname)).order_by(Member.id))
        assert member is not None, surname  # every seed has these, to try pinyin search on
        found = db.session.scalars(sa.select(Member.id).where(name_search(Member.name, Member.search_key, query)))
        assert member.id in found.all(), (member.name, query)
    member = db.session.scalar(sa.select(Member).order_by(Member.code.desc()))
    found = db.session.scalars(sa.select(Member.id).where(
        name_search(Member.name, Member.search_key, initials(member.name)[0])))
    assert member.id in found.all()


@pytest.mark.slow  # the demo county built three times
def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(app):
    build_demo(2025)
    db.session.commit()
    first = fingerprint()
    empty_database()
    build_demo(2025)
    db.session.commit()
    assert fingerprint() == first
    empty_database()
    build_demo(7)
    db.session.commit()
    assert fingerprint() != first


def test_the_command_never_mixes_demo_data_into_existing_data(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5000" in result.output and PASSWORD in result.output and "clerk2" in result.output
    before = fingerprint()

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "已有数据" in result.output
    assert fingerprint() == before

    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "数据库中已有数据，跳过演示数据加载" in result.output
    assert "liaison" in result.output and "FLASK_DEMO_MODE" in result.output
    assert fingerprint() == before


def test_a_real_account_alone_is_enough_to_keep_the_demo_out(app):
    db.session.add(User(username="root", display_name="管理员", password_hash="x", role=Role.ADMIN))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 1
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "跳过" in result.output and "demo2025" not in result.output
    assert count(Unit) == 0 and count(Member) == 0


def test_demo_accounts_cover_every_role_and_sign_in_only_in_demo_mode(app, client, demo):
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert {u.role for u in users.values()} == set(Role)
    assert all(u.is_demo and not u.must_change_password for u in users.values())
    assert {u.kind for u in users["clerk"].units} == {UnitKind.COMMITTEE, UnitKind.LIAISON_OFFICE}
    assert [u.kind for u in users["clerk2"].units] == [UnitKind.SECTOR_GROUP]
    assert 3 <= len(users["liaison"].units) <= 4 and {u.kind for u in users["liaison"].units} == {UnitKind.BRANCH}
    member = users["member"].member
    done = set(db.session.scalars(sa.select(Activity.category).where(
        Activity.member_id == member.id, Activity.state == RecordState.VERIFIED)))
    assert {Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF} <= done
    assert users["clerk"].units[0].id in member.unit_ids  # the demo clerk can see the demo member

    login = {"username": "office", "password": PASSWORD}
    response = client.post("/auth/login", data=login)
    assert response.status_code == 200 and "演示账号仅在演示模式下可用" in text_of(response)

    app.config["DEMO_MODE"] = True
    for username in users:
        response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302 and "/auth/password" not in response.headers["Location"], username
        client.post("/auth/logout")

    client.post("/auth/login", data=login)
    someone = db.session.scalar(sa.select(Member).where(Member.active).order_by(Member.code.desc()))
    response = client.get("/members/", query_string={"q": initials(someone.name)[0]})
    assert someone.name in text_of(response)
