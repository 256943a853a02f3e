"""The account policy (账号安全策略, 等保 2.0): set by the admin, obeyed by password changes, expiry, lockout and
idle sign-out; the login log and the audit log filtered and exported."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, text_of

from app import audit
from app.auth import policy
from app.extensions import db
from app.models import AuditLog, LoginEvent, LoginThrottle, Role, Setting, User
from app.timeutil import utcnow

P2, P3 = "Second-pass-2", "Third-pass-33"


@pytest.fixture
def admin(make_user, login):
    user = make_user("root", Role.ADMIN, display_name="管理员")
    login("root")
    return user


def policy_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = dataclasses.asdict(policy.current())
    data.update(changes)
    return data


def logout(client) -> None:
    assert client.post("/auth/logout").status_code == 302


def change(client, current: str, new: str):
    return client.post("/auth/password", data={"current": current, "new": new, "confirm": new})


def field_html(html: str, name: str) -> str:
    """The <div class="field"> around the input called `name`: its label, input, hint and errors."""
    for chunk in re.split(r'(?=<div class="field)', html):
        if f'name="{name}"' in chunk:
            return chunk
    raise AssertionError(f"no field {name}")


def test_every_policy_item_has_a_setting_a_default_and_a_label():
    assert set(policy.ITEMS) == {f.name for f in dataclasses.fields(policy.Policy)}
    assert set(policy.ITEMS) <= set(audit.FIELD_LABELS)


def test_the_policy_falls_back_to_the_configuration_and_the_admins_setting_wins(app, admin):
    assert policy.current() == policy.defaults()
    assert policy.current().password_max_age_days == 90
    app.config["PASSWORD_MIN_LENGTH"] = 10
    policy.forget()
    assert policy.current().password_min_length == 10
    policy.save({"password_min_length": 14}, admin)
    db.session.commit()
    assert policy.current().password_min_length == 14
    assert policy.defaults().password_min_length == 10
    db.session.add(Setting(key="idle_timeout_minutes", value="forever"))  # not written by save(): ignored
    db.session.commit()
    policy.forget()
    assert policy.current().idle_timeout_minutes == 30


def test_admin_changes_the_policy_and_a_password_change_obeys_it(client, admin, make_user, login):
    page = client.get("/admin/account-policy")
    assert page.status_code == 200
    assert 'value="8"' in field_html(page.get_data(as_text=True), "password_min_length")
    response = client.post("/admin/account-policy", data=policy_data(
        password_min_length=12, password_min_classes=3, password_history=1))
    assert response.status_code == 302
    assert "账号安全策略已保存" in text_of(client.get(response.headers["Location"]))
    rows = list(db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "setting").order_by(AuditLog.id)))
    assert [(r.field, r.before, r.after, r.user_id) for r in rows] == [
        ("password_min_length", "8", "12", admin.id), ("password_min_classes", "2", "3", admin.id),
        ("password_history", "3", "1", admin.id)]
    text = text_of(client.get("/admin/audit-log?entity=setting"))
    assert "密码最短长度（位）" in text and "系统设置" in text and "共 3 条" in text
    assert client.post("/admin/account-policy", data=policy_data()).status_code == 302  # unchanged: no rows
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 3
    logout(client)

    make_user("clerk1", Role.CLERK, ("committee_a",))
    login("clerk1")
    assert "至少 12 位" in text_of(client.get("/auth/password"))
    text = text_of(change(client, PASSWORD, "Short-pass1"))  # 11 characters
    assert "密码至少 12 位" in text
    text = text_of(change(client, PASSWORD, "lowercaseonly12"))  # two classes
    assert "至少 3 类" in text
    assert change(client, PASSWORD, P2).status_code == 302
    assert change(client, P2, P3).status_code == 302
    text = text_of(change(client, P3, P2))  # the one before the current password: remembered
    assert "最近 1 次" in text
    # two passwords ago: forgotten with a history of 1 (the default, 3, would refuse it)
    assert change(client, P3, PASSWORD + "xyz").status_code == 302


def test_new_accounts_and_resets_obey_the_policy(client, admin, make_user):
    policy.save({"password_min_length": 16}, admin)
    db.session.commit()
    target = make_user("clerk1", Role.CLERK, ("committee_a",))
    response = client.post(f"/admin/users/{target.id}/reset-password",
                           data={"password": "Temp-Pass-77", "confirm": "Temp-Pass-77"})
    assert "密码至少 16 位" in text_of(response)
    assert "至少 16 位" in text_of(client.get("/admin/users/new"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("password_min_length", "4", "请输入 8 到 64 之间的整数"),
    ("password_min_classes", "5", "请输入 1 到 4 之间的整数"),
    ("password_history", "-1", "请输入 0 到 24 之间的整数"),
    ("password_max_age_days", "400", "请输入 0 到 365 之间的整数"),
    ("login_max_failures", "1", "请输入 3 到 20 之间的整数"),
    ("login_lockout_minutes", "0", "请输入 1 到 1440 之间的整数"),
    ("idle_timeout_minutes", "abc", "请输入整数"),
    ("idle_timeout_minutes", "", "请填写此项"),
])
def test_an_out_of_range_value_shows_its_error_beside_the_field(client, admin, field, value, message):
    response = client.post("/admin/account-policy", data=policy_data(**{"password_min_length": 10, field: value}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in field_html(html, field)
    others = [name for name in policy.ITEMS if name != field]
    assert not any("has-error" in field_html(html, name) for name in others)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 0  # nothing saved, not even
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0  # the valid items


def test_an_expired_password_must_be_changed_before_any_other_page(client, admin, make_user, login):
    policy.save({"password_max_age_days": 30}, admin)
    db.session.commit()
    logout(client)
    user = make_user("office1", Role.OFFICE)
    user.password_changed_at = utcnow() - dt.timedelta(days=31)
    db.session.commit()

    response = login("office1")
    assert response.headers["Location"].endswith("/auth/password")
    assert "超过 30 天未修改" in text_of(client.get("/auth/password"))
    for path in ("/", "/members/", "/admin/users", "/auth/password?next=/"):
        response = client.get(path)
        if path.startswith("/auth/password"):
            assert response.status_code == 200
        else:
            assert response.status_code == 302, path
            assert response.headers["Location"].endswith("/auth/password"), path
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
    assert change(client, PASSWORD, P2).status_code == 302
    assert client.get("/").status_code == 200
    assert "超过" not in text_of(client.get("/auth/password"))
    assert db.session.get(User, user.id).password_changed_at > utcnow() - dt.timedelta(minutes=1)

    logout(client)  # logout still works for an expired account
    user = db.session.get(User, user.id)
    user.password_changed_at = utcnow() - dt.timedelta(days=31)
    db.session.commit()
    login("office1", P2)
    assert client.get("/").headers["Location"].endswith("/auth/password")
    response = client.post("/auth/logout")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_a_password_within_its_age_or_without_expiry_is_not_stopped(client, admin, make_user, login):
    policy.save({"password_max_age_days": 30}, admin)
    db.session.commit()
    logout(client)
    user = make_user("office1", Role.OFFICE)
    user.password_changed_at = utcnow() - dt.timedelta(days=29)
    db.session.commit()
    login("office1")
    assert client.get("/").status_code == 200
    user = db.session.get(User, user.id)
    user.password_changed_at = utcnow() - dt.timedelta(days=3000)
    db.session.commit()
    policy.save({"password_max_age_days": 0}, admin)  # 0: never
    db.session.commit()
    assert client.get("/").status_code == 200


def test_demo_accounts_never_expire(app, client, make_user, login):
    app.config["DEMO_MODE"] = True
    make_user("demo-office", Role.OFFICE, is_demo=True, password_changed_at=utcnow() - dt.timedelta(days=400))
    login("demo-office")
    assert client.get("/").status_code == 200


def test_an_admin_reset_forces_a_change_at_next_sign_in(client, admin, make_user, login):
    target = make_user("clerk1", Role.CLERK, ("committee_a",))
    response = client.post(f"/admin/users/{target.id}/reset-password",
                           data={"password": "Temp-Pass-77", "confirm": "Temp-Pass-77"})
    assert response.status_code == 302
    assert db.session.get(User, target.id).must_change_password
    logout(client)
    response = login("clerk1", "Temp-Pass-77")
    assert response.headers["Location"].endswith("/auth/password")
    assert client.get("/activities/").headers["Location"].endswith("/auth/password")
    assert change(client, "Temp-Pass-77", P2).status_code == 302
    assert client.get("/activities/").status_code == 200
    assert not db.session.get(User, target.id).must_change_password


def test_lockout_after_the_configured_failures_for_the_configured_minutes(client, admin, make_user, login):
    policy.save({"login_max_failures": 3, "login_lockout_minutes": 2}, admin)
    db.session.commit()
    logout(client)
    user = make_user("clerk1", Role.CLERK, ("committee_a",))
    for _ in range(3):
        assert "用户名或密码错误。连续错误 3 次后，须等 2 分钟再试。" in text_of(login("clerk1", "wrong"))
    throttle = db.session.get(LoginThrottle, (user.id, "127.0.0.1"))
    assert dt.timedelta(seconds=110) < throttle.locked_until - utcnow() <= dt.timedelta(minutes=2)
    assert "连续错误 3 次后" in text_of(login("clerk1"))  # the right password, too soon

    throttle.locked_until = utcnow() - dt.timedelta(seconds=1)  # two minutes later
    db.session.commit()
    assert login("clerk1").status_code == 302
    assert client.get("/").status_code == 200
    results = db.session.scalars(sa.select(LoginEvent.result).where(LoginEvent.username == "clerk1")
                                 .order_by(LoginEvent.id)).all()
    assert results == ["bad_password", "bad_password", "locked_now", "locked", "ok"]


def test_idle_sign_out_after_the_configured_minutes(client, admin, make_user, login):
    policy.save({"idle_timeout_minutes": 5}, admin)
    db.session.commit()
    logout(client)
    make_user("office1", Role.OFFICE)
    login("office1")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= 4 * 60
    assert client.get("/").status_code == 200  # 4 minutes idle: still signed in, and the clock restarts
    with client.session_transaction() as session:
        session["last_seen"] -= 6 * 60
    response = client.get("/members/")
    assert "/auth/login" in response.headers["Location"]
    assert "长时间未操作" in text_of(client.get(response.headers["Location"]))


# Logs ---------------------------------------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_login_log_filters_and_exports(client, admin):
    # the database keeps UTC; the dates typed and the times exported are Beijing's (UTC+8)
    db.session.add_all([
        LoginEvent(at=dt.datetime(2024, 2, 29, 15, 30), username="wang", ip="10.0.0.1", result="bad_password"),
        LoginEvent(at=dt.datetime(2024, 2, 29, 16, 30), username="wang", ip="10.0.0.1", result="locked_now"),
        LoginEvent(at=dt.datetime(2024, 3, 1, 1, 0), username="li", ip="10.0.0.2", result="ok"),
        LoginEvent(at=dt.datetime(2024, 3, 1, 2, 0), username="wang", ip="10.0.0.1", result="bad_password"),
        LoginEvent(at=dt.datetime(2024, 3, 2, 16, 0), username="wang", ip="10.0.0.1", result="bad_password"),
    ])
    db.session.commit()
    query = "start=2024-03-01&end=2024-03-01"
    assert "共 3 条" in text_of(client.get(f"/admin/login-log?{query}"))
    header = ["时间", "用户名", "结果", "IP 地址"]
    expected = [["2024-03-01 10:00:00", "wang", "密码错误", "10.0.0.1"],
                ["2024-03-01 09:00:00", "li", "成功", "10.0.0.2"],
                ["2024-03-01 00:30:00", "wang", "连续失败，该地址被锁定", "10.0.0.1"]]
    assert csv_rows(client.get(f"/admin/login-log?{query}&export=csv")) == [header, *expected]
    assert xlsx_rows(client.get(f"/admin/login-log?{query}&export=xlsx")) == [header, *expected]
    filtered = f"/admin/login-log?{query}&username=wang&result=bad_password&export="
    assert csv_rows(client.get(filtered + "csv"))[1:] == [expected[0]]
    assert xlsx_rows(client.get(filtered + "xlsx"))[1:] == [expected[0]]
    response = client.get("/admin/login-log?export=csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(csv_rows(response)) == 1 + 5 + 1  # and the admin's own sign-in


def test_audit_log_filters_and_exports(client, admin, make_user):
    office = make_user("office1", Role.OFFICE, display_name="办公室小李")
    audit.record(admin, "update", "setting", None, {"password_min_length": (8, 10)}, ip="10.0.0.9",
                 at=dt.datetime(2024, 3, 1, 1, 0))
    audit.record(office, "reopen", "review", 7, reason="名单有误", at=dt.datetime(2024, 3, 1, 2, 0))
    audit.record(admin, "create", "unit", 3, {"name": (None, "文史委员会")}, at=dt.datetime(2024, 3, 3, 2, 0))
    audit.record(admin, "unlock", "user", office.id, {"failed_logins": (5, 0)}, at=dt.datetime(2024, 2, 29, 15, 0))
    db.session.commit()
    header = ["时间", "操作人", "操作", "对象", "对象编号", "项目", "原值", "新值", "原因", "IP 地址"]
    policy_row = ["2024-03-01 09:00:00", "管理员", "修改", "系统设置", None, "密码最短长度（位）", "8", "10", None,
                  "10.0.0.9"]
    reopen_row = ["2024-03-01 10:00:00", "办公室小李", "重新打开", "考评", 7, None, None, None, "名单有误", None]
    query = "/admin/audit-log?start=2024-03-01&end=2024-03-02"
    text = text_of(client.get(query))
    assert "共 2 条" in text and "名单有误" in text and "文史委员会" not in text
    assert xlsx_rows(client.get(query + "&export=xlsx")) == [header, reopen_row, policy_row]
    as_csv = [["" if v is None else str(v) for v in row] for row in (reopen_row, policy_row)]
    assert csv_rows(client.get(query + "&export=csv")) == [header, *as_csv]
    assert xlsx_rows(client.get(query + "&actor=小李&export=xlsx")) == [header, reopen_row]
    assert xlsx_rows(client.get("/admin/audit-log?entity=setting&export=xlsx")) == [header, policy_row]
    assert xlsx_rows(client.get("/admin/audit-log?action=unlock&export=xlsx"))[1][2:4] == ["解除锁定", "用户"]
    assert "共 1 条" in text_of(client.get("/admin/audit-log?actor=office1"))  # the username works too
    assert "共 4 条" in text_of(client.get("/admin/audit-log?entity=nonsense&action=nonsense"))  # ignored
    assert client.get("/admin/audit-log?start=not-a-date").status_code == 200


# Access -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "units"), [(Role.OFFICE, ()), (Role.LEADER, ()), (Role.CLERK, ("committee_a",)),
                                             (Role.LIAISON, ("branch_a",)), (Role.MEMBER, ())])
def test_only_the_admin_sees_the_policy_and_the_logs(client, make_user, login, role, units):
    make_user("someone", role, units)
    login("someone")
    for path in ("/admin/account-policy", "/admin/login-log", "/admin/login-log?export=csv",
                 "/admin/login-log?export=xlsx", "/admin/audit-log", "/admin/audit-log?export=csv",
                 "/admin/audit-log?export=xlsx"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/account-policy", data=policy_data(password_min_length=20)).status_code == 403
    assert policy.current().password_min_length == 8
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_anonymous_is_sent_to_sign_in(client, county):
    for path in ("/admin/account-policy", "/admin/login-log?export=csv", "/admin/audit-log?export=xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path


def test_the_policy_page_renders_in_english_too(client, admin):
    client.get("/lang/en")
    assert client.get("/admin/account-policy").status_code == 200
