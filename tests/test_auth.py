"""Sign-in: argon2 hashes, lockout, forced password change, idle logout, the login log, demo mode."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LoginEvent, LoginThrottle, Role, User
from app.timeutil import utcnow
from conftest import PASSWORD, text_of

REFUSED = "用户名或密码错误。连续错误 5 次后，须等 15 分钟再试。"  # every refusal before the password is known right


def events(username):
    return db.session.scalars(sa.select(LoginEvent.result).where(LoginEvent.username == username)
                              .order_by(LoginEvent.id)).all()


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user("office1", Role.OFFICE)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_and_out(client, make_user, login):
    make_user("office1", Role.OFFICE, display_name="王办公")
    response = login("office1", follow=True)
    assert "王办公" in text_of(response)
    assert events("office1") == ["ok"]
    response = client.post("/auth/logout", follow_redirects=True)
    assert "您已退出登录" in text_of(response)
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_beside_the_field(make_user, login):
    make_user("office1", Role.OFFICE)
    response = login("office1", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in text_of(response)
    assert events("office1") == ["bad_password"]


def test_unknown_user_gets_the_same_message_and_is_logged(login):
    response = login("nobody", "whatever")
    assert "用户名或密码错误" in text_of(response)
    assert events("nobody") == ["unknown_user"]


def test_five_failures_lock_this_address_out_of_the_account_for_fifteen_minutes(client, make_user, login):
    user = make_user("clerk1", Role.CLERK, units=("committee_a",))
    for _ in range(5):
        assert REFUSED in text_of(login("clerk1", "bad"))
    # the right password does not help while locked, and the answer is the same as for a wrong one
    assert REFUSED in text_of(login("clerk1"))
    assert client.get("/").status_code == 302
    throttle = db.session.get(LoginThrottle, (user.id, "127.0.0.1"))
    assert dt.timedelta(minutes=14) < throttle.locked_until - utcnow() <= dt.timedelta(minutes=15)
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 5  # the account itself is not locked
    assert events("clerk1") == ["bad_password"] * 4 + ["locked_now", "locked"]
    # fifteen minutes later the right password works and resets both counts
    throttle.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = login("clerk1", follow=True)
    assert "clerk1" in text_of(response)
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None
    assert db.session.get(LoginThrottle, (user.id, "127.0.0.1")) is None


def test_a_success_resets_the_failure_count(make_user, login, client):
    user = make_user("clerk1", Role.CLERK, units=("committee_a",))
    for _ in range(4):
        login("clerk1", "bad")
    login("clerk1")
    client.post("/auth/logout")
    login("clerk1", "bad")
    db.session.refresh(user)
    assert user.failed_logins == 1 and user.locked_until is None


def test_first_login_forces_a_password_change(client, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",), must_change=True)
    response = login("clerk1")
    assert response.headers["Location"].endswith("/auth/password")
    # every other page sends the user back to the change form
    assert client.get("/members/").headers["Location"].endswith("/auth/password")
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "密码至少 8 位" in text_of(response)
    response = client.post("/auth/password", data={"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD})
    assert "不能与最近" in text_of(response)
    response = client.post("/auth/password", data={"current": "nope", "new": "New-pass-2025",
                                                   "confirm": "New-pass-2025"})
    assert "当前密码不正确" in text_of(response)
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "New-pass-2025",
                                                   "confirm": "New-pass-2025"}, follow_redirects=True)
    assert "密码已修改" in text_of(response)
    assert client.get("/members/").status_code == 200
    client.post("/auth/logout")
    assert "用户名或密码错误" in text_of(login("clerk1", PASSWORD))
    assert login("clerk1", "New-pass-2025").status_code == 302


def test_password_policy_needs_two_classes(client, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "abcdefghij",
                                                   "confirm": "abcdefghij"})
    assert "至少 2 类" in text_of(response)


def test_idle_session_is_signed_out_after_thirty_minutes(client, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= 29 * 60
    assert client.get("/").status_code == 200  # 29 minutes idle: still signed in (and the clock restarts)
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get("/members/")
    assert "/auth/login" in response.headers["Location"]
    response = client.get(response.headers["Location"])
    assert "长时间未操作" in text_of(response)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(("demo_mode", "can_sign_in"), [(False, False), (True, True)])
def test_demo_accounts_work_only_in_demo_mode(app, client, make_user, login, demo_mode, can_sign_in):
    make_user("demo-office", Role.OFFICE, is_demo=True)
    app.config["DEMO_MODE"] = demo_mode
    response = login("demo-office")
    assert (response.status_code == 302) is can_sign_in
    if not can_sign_in:
        assert "演示账号仅在演示模式下可用" in text_of(response)
        assert events("demo-office") == ["demo_off"]


def test_disabled_account_cannot_sign_in(make_user, login):
    make_user("gone", Role.CLERK, units=("committee_a",), active=False)
    assert "已停用" in text_of(login("gone"))


def test_a_disabled_account_is_signed_out_at_its_next_request(client, make_user, login):
    user = make_user("office1", Role.OFFICE)
    login("office1")
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.commits  # another connection changes the account
def test_an_account_disabled_by_another_server_process_is_signed_out_within_the_recheck_interval(
        app, client, make_user, login, monkeypatch):
    """This process keeps the signed-in user's columns for USER_RECHECK_SECONDS; a change made elsewhere (another
    gunicorn worker: here a statement this process's session does not see) takes effect when they run out."""
    from flask import g

    import app.auth as auth

    def get(path: str):  # as a server does: each request loads its user afresh (the test's app context is shared)
        g.pop("_login_user", None)
        db.session.expire_all()
        return client.get(path)

    user = make_user("office1", Role.OFFICE)
    login("office1")
    assert get("/").status_code == 200 and user.id in app.extensions["signed_in_users"]
    with db.engine.begin() as other:  # as another process would: no flush in this session, so nothing forgotten
        other.execute(sa.update(User).where(User.id == user.id).values(active=False))
    assert get("/").status_code == 200  # within the interval: the columns read last time
    later = auth.time.monotonic() + app.config["USER_RECHECK_SECONDS"] + 1
    monkeypatch.setattr(auth.time, "monotonic", lambda: later)
    response = get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert get("/").status_code == 302  # and stays out while the disabled account's columns are the ones kept


def test_a_kept_user_reads_its_units_and_takes_changes_like_the_account(app, client, make_user, login):
    """Between rechecks the user is a SignedInUser: its columns without a query, its units and any change through
    the account itself, and a change made here is seen at once."""
    from flask import g

    from app.auth import SignedInUser

    def get(path: str):
        g.pop("_login_user", None)
        db.session.expire_all()
        return client.get(path)

    user = make_user("office1", Role.OFFICE)
    login("office1")
    get("/")
    with app.test_request_context("/"):
        kept = app.login_manager._user_callback(str(user.id))
        assert isinstance(kept, SignedInUser) and kept.username == "office1" and kept.is_authenticated
        kept.display_name = "新名字"  # through the account itself
        db.session.commit()
    assert user.id not in app.extensions["signed_in_users"]  # forgotten at once: read again on the next request
    assert "新名字" in get("/").get_data(as_text=True)


def test_next_parameter_cannot_send_users_to_another_site(client, make_user):
    make_user("office1", Role.OFFICE)
    response = client.post("/auth/login?next=//evil.example/x", data={"username": "office1", "password": PASSWORD})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_without_a_secret_key_the_server_refuses_to_serve_but_commands_work(monkeypatch):
    from app import create_app
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for path in ("/", "/auth/login", "/healthz"):
        response = app.test_client().get(path)
        assert response.status_code == 503 and "FLASK_SECRET_KEY" in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["rules", "check", "scoring_rules/2025-四个一-委员.yaml"])
    assert result.exit_code == 0 and "OK" in result.output


def test_logout_needs_a_post_with_csrf_token(app, client, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    assert client.get("/auth/logout").status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_user_model_counts_as_inactive_when_disabled(make_user):
    assert make_user("x", Role.OFFICE, active=False).is_active is False
    assert db.session.get(User, make_user("y", Role.OFFICE).id).is_active is True
