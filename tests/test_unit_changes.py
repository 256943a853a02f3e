"""Dated unit changes (单位变动): a member who moves from one 界别 to another on a day is in the old 界别 in the reviews
of the periods that ended before that day and in the new one after; the member page lists the moves; the roster
import and the member import date the moves they make on the day of the import."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import text_of
from roster_files import roster_table, xlsx

from app import rulefiles, unit_history
from app.extensions import db
from app.models import AppraisalYear, Member, MemberUnitChange, Role
from app.reviews.scoring import score_period


@pytest.fixture
def office(client, county, make_user, login):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    make_user("office1", Role.OFFICE)
    login("office1")
    return county


def edit(client, member: Member, **changes: object) -> str | None:
    """Post the member form with the member's values and `changes`; the page's text when it stays (an error)."""
    data = {"code": member.code, "name": member.name, "gender": member.gender.name, "party": member.party or "",
            "sector_id": member.sector_id, "committee_id": member.committee_id or 0,
            "liaison_id": member.liaison_id or 0, "term_id": member.term_id, "employer": "", "position": "",
            "phone": "", "ethnicity": "", "birth_month": "", "joined_on": "", "left_on": "", "note": "",
            "units_changed_on": "", "active": "y", **changes}
    response = client.post(f"/members/{member.id}/edit", data=data)
    return None if response.status_code == 302 else text_of(response)


def sector_in(period: str, member: Member) -> str:
    """The 界别 the member is ranked in by a review of `period` (2025 rules), through the review's own path."""
    ruleset = next(r for r in rulefiles.in_force() if r.year == 2025 and r.subject == "members")
    scored = score_period(ruleset, period)
    return next(s.attrs["sector"] for s in scored.facts.subjects if s.id == member.id)


@pytest.mark.parametrize("clock", [dt.datetime(2025, 9, 15, 2, tzinfo=dt.timezone.utc)], indirect=True)
def test_a_move_in_july_keeps_the_half_year_in_the_old_sector(client, office, make_member, clock):
    member = make_member("柯望舒", sector="sector_a")
    db.session.commit()
    assert edit(client, member, sector_id=office["sector_b"].id, units_changed_on="2025-07-01") is None
    change = db.session.scalar(sa.select(MemberUnitChange))
    assert (change.field, change.from_unit_id, change.to_unit_id, change.effective_on) == (
        "sector_id", office["sector_a"].id, office["sector_b"].id, dt.date(2025, 7, 1))
    assert db.session.get(Member, member.id).sector_id == office["sector_b"].id  # today's unit on the member

    assert sector_in("2025H1", member) == "经济界"  # the half year ended on 06-30, before the move
    assert sector_in("2025", member) == "教育界"

    page = text_of(client.get(f"/members/{member.id}"))
    assert "单位变动" in page and "2025年7月1日 界别 经济界 教育界" in page


@pytest.mark.parametrize("clock", [dt.datetime(2025, 5, 20, 2, tzinfo=dt.timezone.utc)], indirect=True)
def test_a_move_without_a_date_takes_effect_today_and_no_move_keeps_nothing(client, office, make_member, clock):
    member = make_member("贝若溪", committee="committee_a")
    db.session.commit()
    assert edit(client, member, phone="13900000000") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberUnitChange)) == 0
    assert "单位变动" not in text_of(client.get(f"/members/{member.id}"))
    assert edit(client, member, committee_id=0) is None  # leaves the 专委会
    change = db.session.scalar(sa.select(MemberUnitChange))
    assert (change.field, change.to_unit_id, change.effective_on) == ("committee_id", None, dt.date(2025, 5, 20))
    assert unit_history.units_as_of(dt.date(2025, 5, 19)) == {member.id: {"committee_id": office["committee_a"].id}}
    assert unit_history.units_as_of(dt.date(2025, 5, 20)) == {}


@pytest.mark.parametrize("clock", [dt.datetime(2025, 5, 20, 2, tzinfo=dt.timezone.utc)], indirect=True)
def test_a_future_change_date_is_refused_beside_the_field_and_nothing_is_saved(client, office, make_member, clock):
    member = make_member("岑远山")
    db.session.commit()
    page = edit(client, member, sector_id=office["sector_b"].id, units_changed_on="2025-06-01")
    assert page is not None and "变动日期不能晚于今天。" in page
    assert db.session.get(Member, member.id).sector_id == office["sector_a"].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberUnitChange)) == 0


@pytest.mark.parametrize("clock", [dt.datetime(2025, 8, 1, 2, tzinfo=dt.timezone.utc)], indirect=True)
def test_the_roster_import_dates_the_moves_it_makes_on_the_day_of_the_import(app, county, clock, tmp_path):
    """The office's roster moves 蓝启明 to 农业界: the change is kept, dated today; earlier periods see 经济界."""
    runner = app.test_cli_runner()
    first = tmp_path / "名单.xlsx"
    first.write_bytes(xlsx(roster_table()))
    assert runner.invoke(args=["import", "roster", str(first), "--create-units"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberUnitChange)) == 0  # new members: no move
    table = roster_table()
    row = next(r for r in table.rows if "蓝启明" in r)
    sector_col = table.rows[2].index("界别")
    row[sector_col] = "农业界"
    table.merges = [m for m in table.merges if m[1] != sector_col + 1]  # each row writes its own 界别
    for r in table.rows[3:]:
        if r[sector_col] is None:
            r[sector_col] = "中共" if r[1] in ("贝若溪", "岑远山") else "经济界" if r[1] in ("聂晚晴", "童嘉树") else "农业界"
    moved = tmp_path / "名单-调整.xlsx"
    moved.write_bytes(xlsx(table))
    result = runner.invoke(args=["import", "roster", str(moved)])
    assert result.exit_code == 0, result.output
    lan = db.session.scalar(sa.select(Member).where(Member.name == "蓝启明"))
    change = db.session.scalar(sa.select(MemberUnitChange))
    assert (change.member_id, change.effective_on, change.to_unit.name, change.from_unit.name) == (
        lan.id, dt.date(2025, 8, 1), "农业界", "经济界")
    assert unit_history.units_as_of(dt.date(2025, 6, 30))[lan.id] == {"sector_id": change.from_unit_id}
