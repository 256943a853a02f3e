"""Data scope: each role sees and changes only its own units' people and records, by list, URL and post."""
import datetime as dt

import pytest

from app.auth.scope import scoped, unit_ids
from app.extensions import db
from app.models import Activity, Category, Member, PartyMember, RecordState, Role, Unit
from conftest import text_of


@pytest.fixture
def people(make_member, make_party_member):
    """Two members of unit A (committee_a / sector_a / liaison_a) and one wholly in unit B."""
    ours = make_member("张三", sector="sector_a", committee="committee_a", liaison="liaison_a")
    also_ours = make_member("赵六", sector="sector_b", committee="committee_b", liaison="liaison_a")
    theirs = make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    pm_ours = make_party_member("李四", branch="branch_a")
    pm_theirs = make_party_member("钱七", branch="branch_b")
    db.session.commit()
    return {"ours": ours, "also_ours": also_ours, "theirs": theirs, "pm_ours": pm_ours, "pm_theirs": pm_theirs}


def add_record(member, unit, title):
    record = Activity(unit_id=unit.id, member_id=member.id if member else None, category=Category.IDEA,
                      kind="提案", title=title, occurred_on=dt.date(2025, 3, 1), state=RecordState.VERIFIED)
    db.session.add(record)
    db.session.commit()
    return record


def member_form(member, **changes):
    data = {"code": member.code, "name": member.name, "gender": member.gender.name, "party": member.party,
            "sector_id": member.sector_id, "committee_id": member.committee_id or 0,
            "liaison_id": member.liaison_id or 0, "term_id": member.term_id, "is_standing": "",
            "employer": member.employer, "position": "", "phone": "", "active": "y"}
    data.update(changes)
    return data


def test_clerk_lists_only_members_of_their_units(client, county, people, make_user, login):
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    login("clerk1")
    page = text_of(client.get("/members/"))
    assert "张三" in page and "赵六" in page
    assert "王五" not in page
    assert "共 2 人" in page


def test_clerk_gets_404_for_another_units_member_by_url(client, people, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    assert client.get(f"/members/{people['ours'].id}").status_code == 200
    assert client.get(f"/members/{people['theirs'].id}").status_code == 404
    assert client.get(f"/members/{people['theirs'].id}/edit").status_code == 404


def test_clerk_gets_404_when_posting_a_change_to_another_units_member(client, people, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    theirs = people["theirs"]
    response = client.post(f"/members/{theirs.id}/edit", data=member_form(theirs, name="篡改"))
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Member, theirs.id).name == "王五"


def test_clerk_may_edit_their_own_member_but_not_move_them_out_of_scope(client, county, people, make_user,
                                                                         login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    ours = people["ours"]
    response = client.post(f"/members/{ours.id}/edit", data=member_form(ours, phone="13800000000"))
    assert response.status_code == 302
    response = client.post(f"/members/{ours.id}/edit",
                           data=member_form(ours, committee_id=county["committee_b"].id))
    assert "不属于您负责的任何单位" in text_of(response)
    db.session.expire_all()
    member = db.session.get(Member, ours.id)
    assert member.committee_id == county["committee_a"].id and member.phone == "13800000000"


def test_clerk_cannot_create_members(client, people, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    assert client.get("/members/new").status_code == 403


def test_clerk_sees_records_of_their_members_and_unit_only(client, county, people, make_user, login):
    ours = add_record(people["ours"], county["committee_a"], "关于城区停车难的提案")
    unit_record = add_record(None, county["committee_a"], "专委会联系重点项目")
    theirs = add_record(people["theirs"], county["committee_b"], "关于农村饮水安全的提案")
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    page = text_of(client.get("/activities/"))
    assert "停车难" in page and "专委会联系重点项目" in page
    assert "饮水安全" not in page
    assert client.get(f"/activities/{ours.id}").status_code == 200
    assert client.get(f"/activities/{unit_record.id}").status_code == 200
    assert client.get(f"/activities/{theirs.id}").status_code == 404
    # a filter naming another unit shows nothing of it
    page = text_of(client.get(f"/activities/?unit={county['committee_b'].id}"))
    assert "饮水安全" not in page


def test_a_record_entered_by_another_unit_is_visible_to_the_members_own_clerk(client, county, people,
                                                                            make_user, login):
    record = add_record(people["also_ours"], county["committee_b"], "联名提案")
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    login("clerk1")
    assert client.get(f"/activities/{record.id}").status_code == 200


def test_member_sees_only_their_own_dossier(client, county, people, make_user, login):
    mine = add_record(people["ours"], county["committee_a"], "我的提案")
    other = add_record(people["also_ours"], county["committee_a"], "别人的提案")
    make_user("m1", Role.MEMBER, member_id=people["ours"].id)
    login("m1")
    assert client.get("/members/mine").headers["Location"].endswith(f"/members/{people['ours'].id}")
    assert client.get(f"/members/{people['ours'].id}").status_code == 200
    assert client.get(f"/members/{people['also_ours'].id}").status_code == 404
    assert client.get("/members/").status_code == 403
    assert client.get(f"/activities/{mine.id}").status_code == 200
    assert client.get(f"/activities/{other.id}").status_code == 404
    page = text_of(client.get("/activities/"))
    assert "我的提案" in page and "别人的提案" not in page


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER, Role.ADMIN])
def test_county_roles_see_everyone(client, people, make_user, login, role):
    make_user("u", role)
    login("u")
    page = text_of(client.get("/members/"))
    assert all(name in page for name in ("张三", "赵六", "王五"))


def test_leader_reads_but_cannot_edit(client, people, make_user, login):
    make_user("leader1", Role.LEADER)
    login("leader1")
    assert client.get(f"/members/{people['theirs'].id}").status_code == 200
    assert client.get(f"/members/{people['theirs'].id}/edit").status_code == 403
    assert client.post(f"/members/{people['theirs'].id}/edit",
                       data=member_form(people["theirs"], name="改")).status_code == 403


def test_liaison_scope_covers_assigned_branches_and_nothing_of_the_cppcc(app, county, people, make_user):
    liaison = make_user("liaison1", Role.LIAISON, units=("branch_a",))
    visible = db.session.scalars(scoped(PartyMember, liaison)).all()
    assert [p.name for p in visible] == ["李四"]
    assert db.session.scalars(scoped(Member, liaison)).all() == []


def test_scope_includes_units_below_an_assigned_unit(app, county, make_user):
    liaison = make_user("zone", Role.LIAISON, units=("zone",))
    assert unit_ids(liaison) == {county["zone"].id, county["branch_a"].id, county["branch_b"].id}
    names = {u.name for u in db.session.scalars(scoped(Unit, liaison))}
    assert names == {"工业功能区党总支", "宏达纸业党支部", "园区联合党支部"}


def test_a_clerk_of_two_units_sees_both(client, people, make_user, login):
    make_user("clerk2", Role.CLERK, units=("committee_a", "liaison_b"))
    login("clerk2")
    page = text_of(client.get("/members/"))
    assert "张三" in page and "王五" in page


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    for url in ("/members/", f"/members/{people['ours'].id}", "/activities/", "/branches/", "/admin/users"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
