"""Branches and party members: lists, a branch's page, search and filters, all within the data scope."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import text_of

from app.extensions import db
from app.models import Enterprise, PartyStatus, Role, UnitKind


@pytest.fixture
def people(county, make_party_member):
    """Two party members in each branch; 李四 of 宏达纸业 is 预备; 王五 works at the paper mill."""
    mill = Enterprise(name="宏达纸业有限公司", branch_id=county["branch_a"].id, industry="造纸", employees=320)
    park = [Enterprise(name="园区甲公司", branch_id=county["branch_b"].id),
            Enterprise(name="园区乙公司", branch_id=county["branch_b"].id)]
    db.session.add_all([mill, *park])
    db.session.flush()
    found = {
        "zhang": make_party_member("张三"),
        "li": make_party_member("李四", status=PartyStatus.PROBATIONARY),
        "wang": make_party_member("王五", branch="branch_b"),
        "zhao": make_party_member("赵六", branch="branch_b"),
    }
    found["zhang"].enterprise_id = mill.id
    found["zhang"].post = "生产车间主任"
    found["zhang"].joined_on = dt.date(2012, 7, 1)
    found["wang"].enterprise_id = park[0].id
    db.session.commit()
    return found


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICE, Role.LEADER])
def test_county_roles_see_every_branch_with_counts(client, people, make_user, login, role):
    make_user("viewer", role)
    login("viewer")
    response = client.get("/branches/")
    assert response.status_code == 200
    text = text_of(response)
    assert "宏达纸业党支部" in text and "园区联合党支部" in text
    assert "单独组建" in text and "联合支部" in text
    assert "园区甲公司、园区乙公司" in text and "宏达纸业有限公司" in text
    assert "共 2 个党支部，联系企业 3 家；正式党员 3 人，预备党员 1 人。" in text
    row = text.split("宏达纸业党支部", 2)[1]  # the first table row: 1 正式, 1 预备, 2 in all
    assert " 1 1 2 " in row


def test_liaison_sees_only_assigned_branches(client, county, people, make_user, login):
    make_user("liaison", Role.LIAISON, ("branch_a",))
    login("liaison")
    text = text_of(client.get("/branches/"))
    assert "宏达纸业党支部" in text and "园区联合党支部" not in text
    assert client.get(f"/branches/{county['branch_a'].id}").status_code == 200
    assert client.get(f"/branches/{county['branch_b'].id}").status_code == 404
    assert client.get(f"/branches/party-members?branch={county['branch_b'].id}").status_code == 404
    text = text_of(client.get("/branches/party-members"))
    assert "张三" in text and "李四" in text and "王五" not in text and "共 2 人" in text
    assert "园区联合党支部" not in text  # not even in the branch filter


def test_liaison_of_the_general_branch_sees_the_branches_below(client, county, people, make_user, login):
    make_user("zone", Role.LIAISON, ("zone",))
    login("zone")
    text = text_of(client.get("/branches/"))
    assert "宏达纸业党支部" in text and "园区联合党支部" in text


@pytest.mark.parametrize(("role", "units"), [(Role.CLERK, ("committee_a",)), (Role.MEMBER, ())])
def test_other_roles_get_403(client, county, make_user, login, role, units):
    make_user("other", role, units)
    login("other")
    for path in ("/branches/", f"/branches/{county['branch_a'].id}", "/branches/party-members"):
        assert client.get(path).status_code == 403, path


def test_branch_page(client, county, people, make_user, login):
    make_user("liaison", Role.LIAISON, ("branch_a",))
    login("liaison")
    response = client.get(f"/branches/{county['branch_a'].id}")
    text = text_of(response)
    assert "宏达纸业党支部" in text and "单独组建" in text and "工业功能区党总支" in text
    assert "宏达纸业有限公司 未登记 造纸 320 1" in text  # the enterprise: owner, industry, employees, party members
    assert "正式党员 1 人，预备党员 1 人，合计 2 人" in text
    assert "张三 男 正式党员 宏达纸业有限公司 生产车间主任 2012年7月1日" in text
    assert "李四 男 预备党员" in text
    assert text.index("张三") < text.index("李四")
    assert "编辑支部" not in text


def test_a_unit_that_is_not_a_branch_is_404(client, county, make_user, login):
    make_user("root", Role.ADMIN)
    login("root")
    assert client.get(f"/branches/{county['zone'].id}").status_code == 404
    assert client.get(f"/branches/party-members?branch={county['committee_a'].id}").status_code == 404
    assert client.get("/branches/9999").status_code == 404
    assert client.get(f"/branches/{county['branch_a'].id}").status_code == 200


@pytest.mark.parametrize(("q", "found", "absent"), [
    ("zs", ["张三"], ["李四", "王五"]),
    ("zhangsan", ["张三"], ["李四"]),
    ("ZS", ["张三"], ["李四"]),
    ("王", ["王五"], ["张三"]),
    ("wl", [], ["张三", "王五"]),
])
def test_search_by_name_or_pinyin(client, people, make_user, login, q, found, absent):
    make_user("office", Role.OFFICE)
    login("office")
    text = text_of(client.get("/branches/party-members", query_string={"q": q}))
    table = text.split("入党时间", 1)[1]
    assert f"共 {len(found)} 人" in text
    for name in found:
        assert name in table
    for name in absent:
        assert name not in table


def test_filter_by_status_and_branch(client, county, people, make_user, login):
    make_user("office", Role.OFFICE)
    login("office")
    text = text_of(client.get("/branches/party-members?status=PROBATIONARY"))
    assert "共 1 人" in text and "李四" in text and "张三" not in text.split("入党时间", 1)[1]
    text = text_of(client.get("/branches/party-members?status=FULL"))
    assert "共 3 人" in text and "李四" not in text.split("入党时间", 1)[1]
    text = text_of(client.get(f"/branches/party-members?branch={county['branch_b'].id}&status=FULL"))
    table = text.split("入党时间", 1)[1]
    assert "共 2 人" in text and "王五" in table and "赵六" in table and "张三" not in table


def test_inactive_party_members_are_left_out_unless_asked(client, people, make_user, login):
    people["zhao"].active = False
    db.session.commit()
    make_user("office", Role.OFFICE)
    login("office")
    assert "共 3 人" in text_of(client.get("/branches/party-members"))
    text = text_of(client.get("/branches/party-members?inactive=1"))
    assert "共 4 人" in text and "已停用" in text


def test_party_member_list_pages(client, county, make_party_member, make_user, login):
    for n in range(23):
        make_party_member(f"党员{n:02d}")
    db.session.commit()
    make_user("office", Role.OFFICE)
    login("office")
    text = text_of(client.get("/branches/party-members"))
    assert "共 23 人" in text and "下一页" in text
    text = text_of(client.get("/branches/party-members?page=2"))
    assert "党员22" in text and "党员00" not in text


def test_no_branches_in_scope(client, county, make_user, make_unit, login):
    empty = make_unit("第二党总支", UnitKind.GENERAL_BRANCH, county["party"], code="EMPTY")
    county["empty"] = empty
    make_user("liaison", Role.LIAISON, ("empty",))
    login("liaison")
    text = text_of(client.get("/branches/"))
    assert "您的数据范围内没有党支部" in text and "宏达纸业党支部" not in text
    assert "共 0 人" in text_of(client.get("/branches/party-members"))


def test_pages_render_in_english_too(client, county, people, make_user, login):
    make_user("office", Role.OFFICE)
    login("office")
    client.get("/lang/en")
    for path in ("/branches/", f"/branches/{county['branch_a'].id}", "/branches/party-members?q=zs"):
        assert client.get(path).status_code == 200, path
