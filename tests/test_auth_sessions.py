"""Sessions end when they should: a cookie saved before signing out, a password change or reset, a re-issued
password, a disabled account, a new role or an account lock no longer opens a page, nor a demo account's once demo
mode is off. Each test saves a signed-in cookie, does the thing in another client, and the saved cookie lands on
the sign-in page."""
from __future__ import annotations

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Role, User
from conftest import PASSWORD, text_of

P2 = "Second-pass-2"
TEMP = "Temp-Pass-77"
ENDED = "您的登录已失效，请重新登录"


def get(client: FlaskClient, path: str = "/"):
    """As a server does: each request loads its user afresh (the test's app context, and its `g`, is shared)."""
    g.pop("_login_user", None)
    db.session.expire_all()
    return client.get(path)


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None, **kwargs: object):
    g.pop("_login_user", None)
    db.session.expire_all()
    return client.post(path, data=data or {}, **kwargs)


@pytest.fixture
def browser(app: Flask):
    """Return a function that opens a new client signed in as `username` (a browser of its own)."""
    def sign_in(username: str, password: str = PASSWORD) -> FlaskClient:
        client = app.test_client()
        response = post(client, "/auth/login", {"username": username, "password": password})
        assert response.status_code == 302 and "/auth/login" not in response.headers["Location"], text_of(response)
        return client
    return sign_in


@pytest.fixture
def saved(app: Flask):
    """Return a function that copies a client's session cookie into a new client (as someone who kept it would),
    and checks the copy opens the home page."""
    def copy(client: FlaskClient) -> FlaskClient:
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        thief = app.test_client()
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        assert get(thief).status_code == 200
        return thief
    return copy


def assert_signed_out(client: FlaskClient) -> None:
    """The client lands on the sign-in page, which says why, and stays signed out."""
    response = get(client, "/members/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert ENDED in text_of(get(client, response.headers["Location"]))
    assert get(client).status_code == 302


@pytest.fixture
def office(make_user) -> User:
    return make_user("office1", Role.OFFICE)


@pytest.fixture
def admin_browser(make_user, browser) -> FlaskClient:
    make_user("root", Role.ADMIN)
    return browser("root")


def test_signing_out_ends_a_saved_copy_of_the_session(office, browser, saved):
    mine = browser("office1")
    copy = saved(mine)
    other = browser("office1")  # another of the same person's browsers
    assert post(mine, "/auth/logout").status_code == 302
    assert_signed_out(copy)
    assert_signed_out(other)


def test_a_password_change_ends_every_other_session_and_keeps_this_one(office, browser, saved):
    mine = browser("office1")
    copy = saved(mine)
    response = post(mine, "/auth/password", {"current": PASSWORD, "new": P2, "confirm": P2})
    assert response.status_code == 302
    assert get(mine).status_code == 200  # the one that changed it goes on
    assert_signed_out(copy)
    assert browser("office1", P2)


def test_an_admin_reset_ends_the_accounts_sessions(office, browser, saved, admin_browser):
    copy = saved(browser("office1"))
    response = post(admin_browser, f"/admin/users/{office.id}/reset-password", {"password": TEMP, "confirm": TEMP})
    assert response.status_code == 302
    assert_signed_out(copy)
    assert get(admin_browser, "/admin/users").status_code == 200  # the admin's own session is untouched


def test_an_admin_resetting_their_own_password_stays_signed_in(make_user, browser, saved):
    root = make_user("root", Role.ADMIN)
    mine = browser("root")
    copy = saved(mine)
    assert post(mine, f"/admin/users/{root.id}/reset-password", {"password": TEMP, "confirm": TEMP}).status_code == 302
    assert get(mine, "/auth/password").status_code == 200  # on to the change the reset asks for
    assert_signed_out(copy)


def test_a_reissued_password_ends_the_accounts_sessions(app, office, browser, saved, tmp_path):
    copy = saved(browser("office1"))
    result = app.test_cli_runner().invoke(args=["users", "reissue", "office1", "-o", str(tmp_path / "slips.pdf"),
                                                "--address", "https://zx.example.gov.cn"])
    assert result.exit_code == 0, result.output
    assert_signed_out(copy)


def user_form(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"display_name": user.display_name, "role": user.role.name, "member_id": 0,
                               "active": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_disabling_an_account_ends_its_sessions_for_good(office, browser, saved, admin_browser):
    copy = saved(browser("office1"))
    assert post(admin_browser, f"/admin/users/{office.id}/edit", user_form(office, active=None)).status_code == 302
    assert not db.session.get(User, office.id).active
    assert post(admin_browser, f"/admin/users/{office.id}/edit", user_form(office)).status_code == 302
    assert db.session.get(User, office.id).active  # enabled again: the cookie from before still does not work
    assert_signed_out(copy)


def test_a_new_role_ends_the_accounts_sessions(office, browser, saved, admin_browser):
    copy = saved(browser("office1"))
    assert post(admin_browser, f"/admin/users/{office.id}/edit", user_form(office, role="LEADER")).status_code == 302
    assert db.session.get(User, office.id).role == Role.LEADER
    assert_signed_out(copy)


def test_a_change_that_leaves_role_and_state_alone_keeps_the_sessions(office, browser, saved, admin_browser):
    copy = saved(browser("office1"))
    assert post(admin_browser, f"/admin/users/{office.id}/edit",
                user_form(office, display_name="新名字")).status_code == 302
    assert get(copy).status_code == 200


def test_an_account_lock_ends_its_sessions(app, office, browser, saved):
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = 8
    copy = saved(browser("office1"))
    stranger = app.test_client()
    for n in range(8):  # four addresses, two wrong passwords each: no address is locked, the account is
        post(stranger, "/auth/login", {"username": "office1", "password": "wrong"},
             environ_base={"REMOTE_ADDR": f"10.0.0.{n // 2 + 1}"})
    assert db.session.get(User, office.id).locked_until is not None
    assert_signed_out(copy)


def test_a_demo_accounts_session_ends_when_demo_mode_is_switched_off(app, make_user, browser, saved):
    make_user("demo-office", Role.OFFICE, is_demo=True)
    app.config["DEMO_MODE"] = True
    copy = saved(browser("demo-office"))
    app.config["DEMO_MODE"] = False
    assert_signed_out(copy)


def test_signing_out_ends_a_session_kept_by_another_process_within_the_recheck_interval(
        app, office, browser, saved):
    """Each server process keeps a signed-in user's columns for USER_RECHECK_SECONDS; a sign-out in this process is
    seen at once (another process sees it when they run out, as a disabled account: test_auth)."""
    mine = browser("office1")
    copy = saved(mine)
    assert office.id in app.extensions["signed_in_users"]
    post(mine, "/auth/logout")
    assert office.id not in app.extensions["signed_in_users"]
    assert_signed_out(copy)
