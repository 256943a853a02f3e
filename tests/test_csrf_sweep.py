"""CSRF on every state-changing route: with protection on (the tests' config turns it off), a POST without a token,
or with another session's token, is refused with the 400 page and writes nothing, whoever sends it."""
from __future__ import annotations

import re

import pytest
from flask import g
from flask.testing import FlaskClient
from test_route_probe import ROUTES, build_world, path_of, post_body, rule_methods, snapshot

from app.demo import PASSWORD
from app.models import Role
from conftest import text_of

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# who sends each route's request: the first of these accounts its roles allow (the public routes: no one)
SENDERS = (("admin", Role.ADMIN), ("office", Role.OFFICE), ("leader", Role.LEADER), ("liaison", Role.LIAISON),
           ("clerk", Role.CLERK), ("member", Role.MEMBER))


def token_of(client: FlaskClient, path: str = "/auth/login") -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, username: str | None) -> None:
    if client.get("/auth/password").status_code == 200:
        out = client.post("/auth/logout", data={"csrf_token": token_of(client, "/auth/password")})
        assert out.status_code == 302, text_of(out)
    if username is not None:
        response = client.post("/auth/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": token_of(client)})
        assert response.status_code == 302, text_of(response)


def sender(rule: str, method: str) -> str | None:
    allowed = ROUTES[rule].allowed(method)
    if allowed is None:
        return None
    return next(name for name, role in SENDERS if role in allowed)


@pytest.fixture
def world(app, tmp_path, finished_year):
    found = build_world(app, tmp_path)
    app.config["WTF_CSRF_ENABLED"] = True

    @app.before_request
    def fresh_g() -> None:
        """The test client reuses the test's app context, so `g` outlives a request; Flask-WTF keeps the token it
        made in `g` and, finding one there, would not put it in a new session (after sign-in clears it)."""
        g.pop("csrf_token", None)
    return found


def test_every_state_changing_route_refuses_a_post_without_a_token(app, client, world):
    targets = [(rule, method) for rule, method in rule_methods(app) if method in CHANGING and rule in ROUTES]
    assert len(targets) >= 120
    before = snapshot()
    by_sender: dict[str | None, list[tuple[str, str]]] = {}
    for rule, method in targets:
        by_sender.setdefault(sender(rule, method), []).append((rule, method))
    wrong = []
    for username, routes in by_sender.items():
        sign_in(client, username)
        ids = world.ids[username or "anonymous"]
        for rule, method in routes:
            response = client.open(path_of(rule, ids), method=method, data=post_body(ids))
            if response.status_code != 400 or "请求有误" not in text_of(response):
                wrong.append(f"{username} {method} {path_of(rule, ids)}: {response.status_code}")
            response.close()
        if username is not None:  # the logout without a token did not sign anyone out
            assert client.get("/auth/password").status_code == 200, username
    assert not wrong, "\n".join(wrong)
    after = snapshot()
    assert [name for name in before if before[name] != after[name]] == []  # audit_log included


def test_a_token_of_another_session_is_refused(app, client, world):
    other = app.test_client()
    sign_in(other, "office")
    borrowed = token_of(other, "/auth/password")
    sign_in(client, "admin")
    own = token_of(client, "/auth/password")
    assert own != borrowed
    before = snapshot()
    ids = world.ids["admin"]
    for path in (f"/activities/{ids['activity']}/verify", "/admin/users/new", f"/awards/{ids['award_list']}/reopen",
                 f"/admin/users/{ids['user']}/reset-password", "/auth/logout"):
        response = client.post(path, data=post_body(ids) | {"csrf_token": borrowed, "username": "x",
                                                              "display_name": "x", "role": "OFFICE"})
        assert response.status_code == 400 and "请求有误" in text_of(response), path
    assert client.get("/auth/password").status_code == 200  # still signed in
    assert [name for name, rows in snapshot().items() if before[name] != rows] == []
    # and the session's own token is accepted (the refusals above were the token's doing)
    response = client.post("/auth/logout", data={"csrf_token": own})
    assert response.status_code == 302 and client.get("/auth/password").status_code == 302
