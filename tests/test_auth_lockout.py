"""Lockout without giving accounts away: every refused sign-in reads the same and costs one argon2 check, whether the
account exists or not; failures lock an address out of an account, not the account out of everyone; wrong current
passwords on the change-password page count as failed sign-ins; and the counts hold under parallel tries
(PostgreSQL, threads)."""
from __future__ import annotations

import statistics
import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import g

from app.extensions import db
from app.models import AuditLog, LoginEvent, LoginThrottle, Role, User
from conftest import ON_SQLITE, PASSWORD, text_of

REFUSED = "用户名或密码错误。连续错误 5 次后，须等 15 分钟再试。"
P2 = "Second-pass-2"


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    g.pop("_login_user", None)  # each request loads its user afresh, as on a server (the test's `g` is shared)
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def results(username: str) -> list[str]:
    return list(db.session.scalars(sa.select(LoginEvent.result).where(LoginEvent.username == username)
                                   .order_by(LoginEvent.id)))


@pytest.fixture
def unlimited(app):
    """No rate limit in the way: these tests are about what each try answers."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


@pytest.fixture
def argon2_calls(monkeypatch) -> list[str]:
    """Every argon2 check made, as the hash it was checked against."""
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counted(self, hash: str, password: str) -> bool:
        calls.append(hash)
        return verify(self, hash, password)
    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


# Item 6: the same answer, in the same time ---------------------------------------------------------------------

def test_every_refusal_reads_the_same_whether_or_not_the_account_exists(app, client, make_user, unlimited):
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = 10
    make_user("office1", Role.OFFICE)
    make_user("office2", Role.OFFICE)

    def page(username: str, password: str, address: str = "127.0.0.1") -> str:
        response = sign_in(client, username, password, address)
        assert response.status_code == 200
        return response.get_data(as_text=True).replace(f'value="{username}"', 'value="?"')

    unknown = page("nobody", "wrong")
    assert REFUSED in text_of(sign_in(client, "nobody", "wrong"))
    assert page("office1", "wrong") == unknown
    for _ in range(4):
        page("office1", "wrong")
    assert page("office1", PASSWORD) == unknown  # this address is locked out: the right password reads the same
    for n in range(5):  # two more addresses: ten wrong passwords in all lock the account itself
        page("office2", "wrong", f"10.0.0.{n + 1}")
        page("office2", "wrong", f"10.0.1.{n + 1}")
    assert db.session.get(User, db.session.scalar(sa.select(User.id).where(User.username == "office2"))).locked_until
    assert page("office2", PASSWORD, "10.0.2.1") == unknown  # a locked account, from a fresh address: the same
    assert "已锁定" not in unknown


def test_every_sign_in_runs_argon2_exactly_once(client, make_user, unlimited, argon2_calls):
    user = make_user("office1", Role.OFFICE)
    outcomes = []
    for username, password in [("nobody", "x"), ("office1", "wrong"), *[("office1", "wrong")] * 3,
                               ("office1", "wrong"), ("office1", PASSWORD)]:
        before = len(argon2_calls)
        sign_in(client, username, password)
        outcomes.append(len(argon2_calls) - before)
    assert outcomes == [1] * 7
    assert results("nobody") == ["unknown_user"]
    assert results("office1") == ["bad_password"] * 4 + ["locked_now", "locked"]
    # the locked try checked no password of the account (a stand-in hash, as for an unknown user)
    assert argon2_calls[-1] != user.password_hash and argon2_calls[-1] == argon2_calls[0]
    assert sign_in(client, "office1", PASSWORD, "10.0.0.2").status_code == 302  # from elsewhere: one check, and in
    assert argon2_calls[-1] == user.password_hash


def test_unknown_and_real_accounts_take_about_as_long(app, client, make_user, unlimited):
    """With argon2 set to cost what it does (about 45 ms here; 100–300 ms in production), a wrong password for a
    real account and any password for no account take within a factor of two of each other."""
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=32768)
    make_user("office1", Role.OFFICE)
    app.config["LOGIN_MAX_FAILURES"] = 20  # the policy's highest: nine wrong tries lock nothing

    def seconds(username: str, address: str) -> float:
        start = time.perf_counter()
        assert sign_in(client, username, "wrong", address).status_code == 200
        return time.perf_counter() - start
    sign_in(client, "warm-up", "wrong")  # the stand-in hash is made on first use
    unknown, real = [], []
    for n in range(9):  # in turns, so a busy moment of the machine falls on both
        unknown.append(seconds(f"nobody{n}", "10.0.0.1"))
        real.append(seconds("office1", "10.0.0.2"))
    assert 0.5 < statistics.median(unknown) / statistics.median(real) < 2, (unknown, real)


def test_a_strangers_wrong_passwords_do_not_lock_the_user_out_from_elsewhere(client, make_user, unlimited):
    user = make_user("office1", Role.OFFICE)
    for _ in range(20):
        assert REFUSED in text_of(sign_in(client, "office1", "guess", "203.0.113.9"))
    assert results("office1") == ["bad_password"] * 4 + ["locked_now"] + ["locked"] * 15
    assert sign_in(client, "office1", PASSWORD, "10.1.2.3").status_code == 302  # the user, at the office
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0  # only five were checked, and a success clears them
    assert REFUSED in text_of(sign_in(client.application.test_client(), "office1", PASSWORD, "203.0.113.9"))


def test_the_admin_sees_and_lifts_an_address_lock(client, make_user, unlimited):
    user = make_user("office1", Role.OFFICE)
    for _ in range(5):
        sign_in(client, "office1", "guess", "203.0.113.9")
    admin = client.application.test_client()
    make_user("root", Role.ADMIN)
    assert sign_in(admin, "root", PASSWORD).status_code == 302
    g.pop("_login_user", None)
    page = text_of(admin.get(f"/admin/users/{user.id}/edit"))
    assert "203.0.113.9 锁定至" in page and "解除锁定" in page
    g.pop("_login_user", None)
    log = text_of(admin.get("/admin/login-log?username=office1"))
    assert "连续失败，该地址被锁定" in log and "203.0.113.9" in log
    g.pop("_login_user", None)
    assert admin.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "unlock",
                                                      AuditLog.field == "locked_addresses"))
    assert row.before == "203.0.113.9" and row.entity_id == user.id
    assert sign_in(client, "office1", PASSWORD, "203.0.113.9").status_code == 302


# Item 5: the change-password page --------------------------------------------------------------------------------

def change(client, current: str, new: str = P2, confirm: str | None = None):
    g.pop("_login_user", None)
    return client.post("/auth/password", data={"current": current, "new": new, "confirm": confirm or new})


def test_wrong_current_passwords_count_as_failed_sign_ins(client, make_user, unlimited):
    user = make_user("office1", Role.OFFICE)
    other_tab = client.application.test_client()  # a second session, from the same address
    assert sign_in(client, "office1", PASSWORD).status_code == 302
    assert sign_in(other_tab, "office1", PASSWORD).status_code == 302
    for _ in range(4):
        assert "当前密码不正确" in text_of(change(client, "guess"))
    response = change(client, "guess")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    g.pop("_login_user", None)
    assert "当前密码连续输错 5 次，已退出登录，请 15 分钟后再试" in text_of(client.get("/auth/login"))
    g.pop("_login_user", None)
    assert client.get("/").status_code == 302
    # the right password is no longer checked from this address: no different answer to tell it by
    response = change(other_tab, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert REFUSED in text_of(sign_in(client, "office1", PASSWORD))
    db.session.refresh(user)
    assert db.session.get(User, user.id).password_hash == user.password_hash  # unchanged
    assert results("office1") == ["ok", "ok"] + ["bad_current"] * 4 + ["locked_now", "locked", "locked"]
    assert sign_in(client, "office1", PASSWORD, "10.0.0.2").status_code == 302  # from another address: fine


def test_a_right_current_password_clears_the_count(client, make_user, unlimited):
    make_user("office1", Role.OFFICE)
    sign_in(client, "office1", PASSWORD)
    for _ in range(4):
        change(client, "guess")
    assert "密码至少 8 位" in text_of(change(client, PASSWORD, "short"))  # right, but a new password too short
    for _ in range(4):
        assert "当前密码不正确" in text_of(change(client, "guess"))
    assert change(client, PASSWORD).status_code == 302
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200


def test_password_changes_are_rate_limited(client, make_user):
    make_user("office1", Role.OFFICE)
    sign_in(client, "office1", PASSWORD)
    for _ in range(10):  # a confirmation that differs: refused by the form, no password checked
        assert "两次输入的新密码不一致" in text_of(change(client, PASSWORD, P2, "Other-pass-3"))
    response = change(client, PASSWORD)
    assert response.status_code == 429 and "操作过于频繁" in text_of(response)
    g.pop("_login_user", None)
    assert client.get("/auth/password").status_code == 200  # the form itself still shows


# Item 7: parallel tries (PostgreSQL) ---------------------------------------------------------------------------

@pytest.mark.skipif(ON_SQLITE, reason="threads against PostgreSQL (in-memory SQLite is one connection)")
@pytest.mark.commits
@pytest.mark.parametrize("addresses", [1, 12], ids=["one-address", "twelve-addresses"])
def test_parallel_wrong_passwords_are_each_counted_once(app, make_user, unlimited, addresses):
    """Twelve wrong passwords at once: from one address, exactly the policy's five are checked; from twelve, the
    account's count reaches twelve (no try lost to another reading the same count)."""
    from tests.test_concurrency import together

    user = make_user("office1", Role.OFFICE)

    def attempt(n: int):
        def run() -> int:
            return app.test_client().post("/auth/login", data={"username": "office1", "password": f"guess{n}"},
                                          environ_base={"REMOTE_ADDR": f"10.9.0.{n % addresses + 1}"}).status_code
        return run
    assert together(app, *(attempt(n) for n in range(12))) == [200] * 12
    db.session.expire_all()
    found = results("office1")
    if addresses == 1:
        assert sorted(found) == sorted(["bad_password"] * 4 + ["locked_now"] + ["locked"] * 7)
        assert db.session.get(User, user.id).failed_logins == 5
        assert db.session.get(LoginThrottle, (user.id, "10.9.0.1")).failures == 12
    else:
        assert found == ["bad_password"] * 12
        assert db.session.get(User, user.id).failed_logins == 12
