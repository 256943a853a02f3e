"""Administration: units and enterprises, users and passwords, the login log and the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, text_of

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import (AuditLog, BranchForm, Enterprise, LoginEvent, PartyStatus, Role, Unit, UnitKind, User)
from app.timeutil import utcnow

NEW_PASSWORD = "Temp-Pass-77"


@pytest.fixture
def admin(make_user, login):
    user = make_user("root", Role.ADMIN, display_name="管理员")
    login("root")
    return user


def audit_rows(entity: str, entity_id: int | None = None, action: str | None = None) -> list[AuditLog]:
    stmt = sa.select(AuditLog).where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if action is not None:
        stmt = stmt.where(AuditLog.action == action)
    return list(db.session.scalars(stmt.order_by(AuditLog.id)))


def unit_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {"code": "NEW-1", "name": "文史委员会", "kind": "COMMITTEE", "parent_id": 0,
                               "branch_form": "", "sort_order": "0", "active": "y"}
    data.update(fields)
    return data


def user_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {"username": "clerk9", "display_name": "王录入", "role": "CLERK",
                               "member_id": 0, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "active": "y"}
    data.update(fields)
    return data


# Access -------------------------------------------------------------------------------------------------------

ADMIN_GETS = ["/admin/units", "/admin/units/new", "/admin/units/{unit}/edit", "/admin/units/{branch}/enterprises/new",
              "/admin/enterprises/{enterprise}/edit", "/admin/users", "/admin/users/new", "/admin/users/{user}/edit",
              "/admin/login-log", "/admin/audit-log"]
ADMIN_POSTS = ["/admin/units/new", "/admin/units/{unit}/edit", "/admin/units/{branch}/enterprises/new",
               "/admin/enterprises/{enterprise}/edit", "/admin/users/new", "/admin/users/{user}/edit",
               "/admin/users/{user}/reset-password", "/admin/users/{user}/unlock"]


@pytest.mark.parametrize(("role", "units"), [(Role.OFFICE, ()), (Role.LEADER, ()), (Role.CLERK, ("committee_a",)),
                                             (Role.LIAISON, ("branch_a",)), (Role.MEMBER, ())])
def test_other_roles_get_403_on_every_admin_route(client, county, make_user, login, role, units):
    target = make_user("target", Role.CLERK, ("committee_a",))
    enterprise = Enterprise(name="宏达纸业有限公司", branch_id=county["branch_a"].id)
    db.session.add(enterprise)
    db.session.commit()
    make_user("someone", role, units)
    login("someone")
    ids = {"unit": county["committee_a"].id, "branch": county["branch_a"].id, "enterprise": enterprise.id,
           "user": target.id}
    for path in ADMIN_GETS:
        assert client.get(path.format(**ids)).status_code == 403, path
    for path in ADMIN_POSTS:
        assert client.post(path.format(**ids), data={"password": NEW_PASSWORD}).status_code == 403, path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_anonymous_is_sent_to_sign_in(client, county):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


# Units --------------------------------------------------------------------------------------------------------

def test_unit_tree_shows_the_hierarchy_and_counts(client, county, admin, make_member, make_party_member):
    make_member("张三")
    make_member("李四", sector="sector_b", committee="committee_b", liaison=None)
    make_party_member("王五")
    make_party_member("赵六", status=PartyStatus.PROBATIONARY)
    make_party_member("钱七", branch="branch_b")
    db.session.add(Enterprise(name="宏达纸业有限公司", branch_id=county["branch_a"].id))
    db.session.commit()
    response = client.get("/admin/units")
    assert response.status_code == 200
    text = text_of(response).split("状态 操作", 1)[1]
    for name in ("县政协", "提案委员会", "经济界", "城关镇联络处", "镇党委", "工业功能区党总支", "宏达纸业党支部"):
        assert name in text
    assert text.index("县政协") < text.index("提案委员会") < text.index("镇党委") < text.index("工业功能区党总支")
    assert "委员 2 人" in text  # the CPPCC counts each member once
    assert "党员 3 人" in text  # the township and the zone: every branch below
    assert "宏达纸业有限公司" in text and "单独组建" in text and "联合支部" in text
    assert "其中预备 1 人" in text


def test_create_unit_writes_the_audit_log(client, county, admin):
    response = client.post("/admin/units/new", data=unit_data(parent_id=county["cppcc"].id))
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "NEW-1"))
    assert unit is not None and unit.kind == UnitKind.COMMITTEE and unit.parent_id == county["cppcc"].id
    rows = audit_rows("unit", unit.id, "create")
    fields = {r.field: r.after for r in rows}
    assert fields["name"] == "文史委员会" and fields["kind"] == "专门委员会" and "县政协" in fields["parent"]
    assert all(r.user_id == admin.id for r in rows)
    assert "文史委员会" in text_of(client.get("/admin/units"))


def test_new_unit_page_suggests_the_kind_below_a_parent(client, county, admin):
    response = client.get(f"/admin/units/new?parent={county['zone'].id}")
    html = response.get_data(as_text=True)
    assert f'<option selected value="{county["zone"].id}">' in html
    assert '<option selected value="BRANCH">' in html


def test_duplicate_unit_code_is_refused_beside_the_field(client, county, admin):
    taken = county["committee_a"].code
    response = client.post("/admin/units/new", data=unit_data(code=taken, parent_id=county["cppcc"].id))
    assert response.status_code == 200
    assert f"编号 {taken} 已被其他单位使用" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.name == "文史委员会")) == 0
    assert audit_rows("unit") == []


@pytest.mark.parametrize(("kind", "parent", "message"), [
    ("COMMITTEE", "party", "专门委员会须设在政协委员会之下"),
    ("LIAISON_OFFICE", "zone", "乡镇政协联络处须设在政协委员会之下"),
    ("GENERAL_BRANCH", "cppcc", "党总支须设在镇党委之下"),
    ("BRANCH", "committee_a", "党支部须设在镇党委或党总支之下"),
    ("SECTOR_GROUP", None, "请选择上级单位"),
    ("BRANCH", "cppcc", "党支部须设在镇党委或党总支之下，不能设在政协委员会“县政协”之下"),
    ("CPPCC", "party", "政协委员会是最上级单位"),
    ("COMMITTEE", 9999, "所选上级单位不存在"),
])
def test_parent_must_fit_the_kind(client, county, admin, kind, parent, message):
    data = unit_data(kind=kind, parent_id=county[parent].id if parent in county else parent or 0,
                     branch_form="SINGLE" if kind == "BRANCH" else "")
    response = client.post("/admin/units/new", data=data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "NEW-1")) is None


def test_branch_needs_a_branch_form_and_only_a_branch_has_one(client, county, admin):
    response = client.post("/admin/units/new", data=unit_data(kind="BRANCH", parent_id=county["zone"].id))
    assert "党支部须选择组建方式" in text_of(response)
    response = client.post("/admin/units/new", data=unit_data(parent_id=county["cppcc"].id, branch_form="JOINT"))
    assert "只有党支部需要选择组建方式" in text_of(response)
    response = client.post("/admin/units/new", data=unit_data(kind="BRANCH", parent_id=county["zone"].id,
                                                              branch_form="JOINT", name="新园联合党支部"))
    assert response.status_code == 302
    branch = db.session.scalar(sa.select(Unit).where(Unit.code == "NEW-1"))
    assert branch.branch_form == BranchForm.JOINT
    assert response.headers["Location"].endswith(f"/admin/units/{branch.id}/edit")  # to add its enterprises


def test_unit_cannot_sit_under_itself(client, county, admin, make_unit):
    general = make_unit("第二党总支", UnitKind.GENERAL_BRANCH, county["party"])
    db.session.commit()
    response = client.post(f"/admin/units/{general.id}/edit", data=unit_data(
        code=general.code, name=general.name, kind="BRANCH", parent_id=general.id, branch_form="SINGLE"))
    assert response.status_code == 200
    assert "不能把单位放在它自己或它的下级单位之下" in text_of(response)
    db.session.refresh(general)
    assert general.kind == UnitKind.GENERAL_BRANCH and general.parent_id == county["party"].id


def test_kind_of_a_unit_with_children_or_people_cannot_change(client, county, admin, make_party_member):
    zone = county["zone"]
    response = client.post(f"/admin/units/{zone.id}/edit", data=unit_data(
        code=zone.code, name=zone.name, kind="BRANCH", parent_id=county["party"].id, branch_form="JOINT"))
    assert "下级单位“宏达纸业党支部”（党支部）不能设在党支部之下" in text_of(response)
    make_party_member("王五")
    db.session.commit()
    branch = county["branch_a"]
    response = client.post(f"/admin/units/{branch.id}/edit", data=unit_data(
        code=branch.code, name=branch.name, kind="GENERAL_BRANCH", parent_id=county["party"].id))
    assert "不能修改单位类型" in text_of(response)


def test_edit_and_deactivate_a_unit(client, county, admin):
    unit = county["committee_b"]
    page = client.get(f"/admin/units/{unit.id}/edit")
    assert page.status_code == 200 and "经济委员会" in text_of(page)
    response = client.post(f"/admin/units/{unit.id}/edit", data={
        "code": unit.code, "name": "经济科技委员会", "kind": "COMMITTEE", "parent_id": county["cppcc"].id,
        "branch_form": "", "sort_order": "5"})  # "active" left unticked
    assert response.status_code == 302
    db.session.refresh(unit)
    assert unit.name == "经济科技委员会" and unit.sort_order == 5 and unit.active is False
    changes = {r.field: (r.before, r.after) for r in audit_rows("unit", unit.id, "update")}
    assert changes == {"name": ("经济委员会", "经济科技委员会"), "sort_order": ("0", "5"), "active": ("是", "否")}
    assert "已停用" in text_of(client.get("/admin/units"))
    assert "经济科技委员会" in text_of(client.get(f"/admin/units/{unit.id}/edit"))  # the change history


def test_unknown_unit_is_404(client, county, admin):
    assert client.get("/admin/units/9999/edit").status_code == 404


# Enterprises --------------------------------------------------------------------------------------------------

def test_add_and_edit_enterprises_of_a_branch(client, county, admin):
    joint = county["branch_b"]
    for name in ("园区甲公司", "园区乙公司"):
        response = client.post(f"/admin/units/{joint.id}/enterprises/new",
                               data={"name": name, "industry": "机械制造", "employees": "120"})
        assert response.status_code == 302
    page = text_of(client.get(f"/admin/units/{joint.id}/edit"))
    assert "园区甲公司" in page and "园区乙公司" in page and "120" in page
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "园区甲公司"))
    assert enterprise.branch_id == joint.id and enterprise.employees == 120
    response = client.post(f"/admin/enterprises/{enterprise.id}/edit",
                           data={"name": "园区甲股份公司", "industry": "电子", "employees": "150"})
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert (enterprise.name, enterprise.industry, enterprise.employees) == ("园区甲股份公司", "电子", 150)
    changes = {r.field: (r.before, r.after) for r in audit_rows("enterprise", enterprise.id, "update")}
    assert changes == {"name": ("园区甲公司", "园区甲股份公司"), "industry": ("机械制造", "电子"),
                       "employees": ("120", "150")}
    assert {r.field for r in audit_rows("enterprise", enterprise.id, "create")} >= {"name", "branch"}


def test_enterprise_errors(client, county, admin):
    single = county["branch_a"]
    assert client.post(f"/admin/units/{single.id}/enterprises/new", data={"name": "宏达纸业有限公司"}).status_code == 302
    response = client.post(f"/admin/units/{county['branch_b'].id}/enterprises/new", data={"name": "宏达纸业有限公司"})
    assert "已经登记过了" in text_of(response)
    response = client.post(f"/admin/units/{single.id}/enterprises/new", data={"name": "另一家公司"})
    assert "单独组建的党支部只能有一家企业" in text_of(response)
    response = client.post(f"/admin/units/{county['branch_b'].id}/enterprises/new",
                           data={"name": "负数公司", "employees": "-3"})
    assert "请输入不小于 0 的整数" in text_of(response)
    response = client.post(f"/admin/units/{county['branch_b'].id}/enterprises/new",
                           data={"name": "文字公司", "employees": "许多"})
    assert "请输入整数" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 1


def test_single_branch_with_two_enterprises_cannot_become_single(client, county, admin):
    joint = county["branch_b"]
    db.session.add_all([Enterprise(name="甲", branch_id=joint.id), Enterprise(name="乙", branch_id=joint.id)])
    db.session.commit()
    response = client.post(f"/admin/units/{joint.id}/edit", data=unit_data(
        code=joint.code, name=joint.name, kind="BRANCH", parent_id=county["zone"].id, branch_form="SINGLE"))
    assert "单独组建的支部只能有一家企业" in text_of(response)
    db.session.refresh(joint)
    assert joint.branch_form == BranchForm.JOINT


def test_enterprises_only_for_branches(client, county, admin):
    response = client.get(f"/admin/units/{county['zone'].id}/enterprises/new")
    assert response.status_code == 302


# Users --------------------------------------------------------------------------------------------------------

def test_user_list_searches_filters_and_pages(client, county, admin, make_user):
    make_user("demo_office", Role.OFFICE, display_name="演示办公室", is_demo=True)
    make_user("wang", Role.CLERK, ("committee_a",), display_name="王小明")
    for n in range(22):
        make_user(f"leader{n:02d}", Role.LEADER)
    text = text_of(client.get("/admin/users"))
    assert "共 25 个用户" in text and "下一页" in text
    text = text_of(client.get("/admin/users?q=王小"))
    assert "wang" in text and "共 1 个用户" in text and "提案委员会" in text
    text = text_of(client.get("/admin/users?q=demo"))
    assert "演示办公室" in text and "演示" in text.split("demo_office", 1)[1][:20]
    text = text_of(client.get("/admin/users?role=CLERK"))
    assert "共 1 个用户" in text and "wang" in text
    text = text_of(client.get("/admin/users?role=LEADER&page=2"))
    assert "leader21" in text and "leader00" not in text


def test_create_a_clerk(client, county, admin, app):
    response = client.post("/admin/users/new", data=user_data(unit_ids=[county["committee_a"].id,
                                                                       county["liaison_b"].id]))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "clerk9"))
    assert user.role == Role.CLERK and user.must_change_password and user.active
    assert {u.id for u in user.units} == {county["committee_a"].id, county["liaison_b"].id}
    assert verify_password(user.password_hash, NEW_PASSWORD, app.config)
    rows = audit_rows("user", user.id, "create")
    fields = {r.field: r.after for r in rows}
    assert fields["username"] == "clerk9" and fields["role"] == "录入员" and "提案委员会" in fields["units"]
    assert fields["password"] == ""
    assert all(NEW_PASSWORD not in r.after and user.password_hash not in r.after for r in rows)


def test_new_user_must_change_the_initial_password(client, county, admin, login):
    client.post("/admin/users/new", data=user_data(unit_ids=[county["committee_a"].id]))
    client.post("/auth/logout")
    response = login("clerk9", NEW_PASSWORD)
    assert response.headers["Location"].endswith("/auth/password")


def test_create_a_member_account(client, county, admin, make_member):
    member = make_member("张三")
    db.session.commit()
    page = text_of(client.get("/admin/users/new"))
    assert "张三" in page
    response = client.post("/admin/users/new", data=user_data(username="zhangsan", role="MEMBER",
                                                              member_id=member.id))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "zhangsan"))
    assert user.member_id == member.id and user.units == []
    response = client.post("/admin/users/new", data=user_data(username="zhangsan2", role="MEMBER",
                                                              member_id=member.id))
    assert "该委员已有账号 zhangsan" in text_of(response)
    assert db.session.scalar(sa.select(User).where(User.username == "zhangsan2")) is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "root"}, "用户名 root 已被使用"),
    ({"password": "short", "confirm": "short"}, "密码至少 8 位"),
    ({"password": "alllowercase", "confirm": "alllowercase"}, "至少 2 类"),
    ({"confirm": "Other-Pass-1"}, "两次输入的密码不一致"),
    ({}, "录入员须至少选择一个负责单位"),
    ({"role": "LIAISON"}, "党建工作联络员须至少选择一个负责单位（党总支或党支部）"),
    ({"unit_ids": 9999}, "所选单位不存在"),
    ({"role": "MEMBER", "member_id": 9999}, "所选委员不存在"),
    ({"role": "LIAISON", "unit_ids": "committee_a"}, "“提案委员会”是专门委员会，党建工作联络员只能负责党总支或党支部"),
    ({"unit_ids": "branch_a"}, "“宏达纸业党支部”是党支部，录入员只能负责专门委员会、界别活动组或乡镇政协联络处"),
    ({"role": "OFFICE", "unit_ids": "committee_a"}, "活动领导小组办公室不负责具体单位"),
    ({"role": "MEMBER"}, "政协委员账号须选择对应的委员"),
    ({"username": "bad name"}, "用户名只能包含字母、数字"),
    ({"display_name": ""}, "请填写此项"),
])
def test_user_form_errors(client, county, admin, fields, message):
    if fields.get("unit_ids") in county:
        fields = {**fields, "unit_ids": county[fields["unit_ids"]].id}
    response = client.post("/admin/users/new", data=user_data(**fields))
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert audit_rows("user") == []


def test_member_of_another_role_is_refused(client, county, admin, make_member):
    member = make_member("张三")
    db.session.commit()
    response = client.post("/admin/users/new", data=user_data(role="OFFICE", member_id=member.id))
    assert "只有政协委员账号需要选择对应委员" in text_of(response)


def test_edit_a_user(client, county, admin, make_user):
    user = make_user("wang", Role.CLERK, ("committee_a",), display_name="王小明")
    page = client.get(f"/admin/users/{user.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{county["committee_a"].id}" checked' in html and "wang" in text_of(page)
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "display_name": "王大明", "role": "LIAISON", "unit_ids": [county["branch_a"].id], "member_id": 0})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "王大明" and user.role == Role.LIAISON and not user.active
    assert [u.id for u in user.units] == [county["branch_a"].id]
    changes = {r.field: (r.before, r.after) for r in audit_rows("user", user.id, "update")}
    assert changes["display_name"] == ("王小明", "王大明")
    assert changes["role"] == ("录入员", "党建工作联络员")
    assert "宏达纸业党支部" in changes["units"][1] and "提案委员会" in changes["units"][0]
    assert changes["active"] == ("是", "否")
    assert "username" not in changes


def test_admin_cannot_lock_themselves_out(client, county, admin):
    response = client.post(f"/admin/users/{admin.id}/edit", data={"display_name": "管理员", "role": "OFFICE",
                                                                   "member_id": 0})
    text = text_of(response)
    assert "不能取消自己的系统管理员角色" in text and "不能停用自己正在使用的账号" in text
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN and admin.active


def test_demo_user_is_marked(client, county, admin, make_user):
    user = make_user("demo_clerk", Role.CLERK, ("committee_a",), is_demo=True)
    assert "演示账号" in text_of(client.get(f"/admin/users/{user.id}/edit"))


def test_unknown_user_is_404(client, county, admin):
    assert client.get("/admin/users/9999/edit").status_code == 404


# Passwords and lockout ----------------------------------------------------------------------------------------

def test_reset_password_forces_a_change_and_unlocks(client, county, admin, make_user, login, app):
    user = make_user("wang", Role.CLERK, ("committee_a",), failed_logins=3,
                     locked_until=utcnow() + dt.timedelta(minutes=10))
    old_hash = user.password_hash
    page = text_of(client.get(f"/admin/users/{user.id}/edit"))
    assert "锁定至" in page and "解除锁定" in page
    response = client.post(f"/admin/users/{user.id}/reset-password",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.must_change_password and user.failed_logins == 0 and user.locked_until is None
    assert verify_password(user.password_hash, NEW_PASSWORD, app.config)
    rows = audit_rows("user", user.id, "reset_password")
    assert {r.field for r in rows} == {"password", "must_change_password", "failed_logins", "locked_until"}
    assert all(old_hash not in r.before + r.after and user.password_hash not in r.before + r.after
               and NEW_PASSWORD not in r.before + r.after for r in rows)
    client.post("/auth/logout")
    assert login("wang", PASSWORD).status_code == 200  # the old password no longer works
    response = login("wang", NEW_PASSWORD)
    assert response.headers["Location"].endswith("/auth/password")


def test_reset_password_with_a_weak_password_shows_the_error(client, county, admin, make_user, app):
    user = make_user("wang", Role.CLERK, ("committee_a",))
    response = client.post(f"/admin/users/{user.id}/reset-password", data={"password": "abc", "confirm": "abc"})
    assert response.status_code == 200
    assert "密码至少 8 位" in text_of(response)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD, app.config) and not user.must_change_password
    assert audit_rows("user", user.id) == []


def test_unlock(client, county, admin, make_user):
    user = make_user("wang", Role.CLERK, ("committee_a",), failed_logins=0,
                     locked_until=utcnow() + dt.timedelta(minutes=10))
    assert "已锁定" in text_of(client.get("/admin/users"))
    response = client.post(f"/admin/users/{user.id}/unlock", data={"next": "list"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0
    rows = audit_rows("user", user.id, "unlock")
    assert [r.field for r in rows] == ["locked_until"] and rows[0].after == ""
    assert rows[0].user_id == admin.id and rows[0].ip == "127.0.0.1"


def test_unlock_is_post_only(client, county, admin, make_user):
    user = make_user("wang", Role.CLERK, ("committee_a",))
    assert client.get(f"/admin/users/{user.id}/unlock").status_code == 405


# Logs ---------------------------------------------------------------------------------------------------------

def test_login_log_shows_events_in_chinese(client, county, make_user, login):
    make_user("wang", Role.CLERK, ("committee_a",))
    login("wang", "wrong-password")
    login("nobody", "whatever")
    make_user("root", Role.ADMIN)
    login("root")
    response = client.get("/admin/login-log")
    assert response.status_code == 200
    text = text_of(response)
    assert "密码错误" in text and "用户不存在" in text and "成功" in text and "共 3 条" in text
    table = text.split("IP 地址", 1)[1]
    assert table.index("root") < table.index("nobody") < table.index("wang")  # newest first
    text = text_of(client.get("/admin/login-log?result=bad_password"))
    assert "共 1 条" in text and "wang" in text
    text = text_of(client.get("/admin/login-log?username=nob"))
    assert "共 1 条" in text and "nobody" in text


def test_login_log_date_range(client, county, admin):
    # the database keeps UTC; the dates typed are Beijing dates (UTC+8)
    db.session.add(LoginEvent(at=dt.datetime(2024, 2, 29, 15, 30), username="before", result="ok"))
    db.session.add(LoginEvent(at=dt.datetime(2024, 2, 29, 16, 30), username="early", result="locked_now"))
    db.session.add(LoginEvent(at=dt.datetime(2024, 3, 1, 15, 30), username="late", result="disabled"))
    db.session.add(LoginEvent(at=dt.datetime(2024, 3, 1, 16, 30), username="after", result="ok"))
    db.session.commit()
    text = text_of(client.get("/admin/login-log?start=2024-03-01&end=2024-03-01"))
    assert "共 2 条" in text and "early" in text and "late" in text
    assert "连续失败，该地址被锁定" in text and "账号已停用" in text
    text = text_of(client.get("/admin/login-log?end=2024-02-29"))
    assert "共 1 条" in text and "before" in text
    text = text_of(client.get("/admin/login-log?start=2024-03-02&username=after"))
    assert "共 1 条" in text
    assert client.get("/admin/login-log?start=not-a-date").status_code == 200


def test_audit_log_page(client, county, admin):
    client.post("/admin/units/new", data=unit_data(parent_id=county["cppcc"].id))
    response = client.get("/admin/audit-log?entity=unit")
    assert response.status_code == 200
    text = text_of(response)
    assert "新增" in text and "组织单位" in text and "文史委员会" in text and "管理员" in text


def test_saving_an_unchanged_form_writes_no_audit_rows(client, county, admin, make_user):
    user = make_user("wang", Role.CLERK, ("committee_a",), display_name="王小明")
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "display_name": "王小明", "role": "CLERK", "unit_ids": [county["committee_a"].id], "member_id": 0,
        "active": "y"})
    assert response.status_code == 302
    unit = county["committee_a"]
    response = client.post(f"/admin/units/{unit.id}/edit", data=unit_data(
        code=unit.code, name=unit.name, parent_id=county["cppcc"].id))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_every_admin_page_renders_in_english_too(client, county, admin):
    client.post("/admin/units/new", data=unit_data(parent_id=county["cppcc"].id))
    client.get("/lang/en")
    for path in ("/admin/units", "/admin/units/new", f"/admin/units/{county['branch_a'].id}/edit",
                 f"/admin/units/{county['branch_a'].id}/enterprises/new", "/admin/users", "/admin/users/new",
                 f"/admin/users/{admin.id}/edit", "/admin/login-log", "/admin/audit-log"):
        assert client.get(path).status_code == 200, path
