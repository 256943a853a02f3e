"""Security headers on every kind of response, cookie flags, HSTS only behind TLS and the trusted proxy's headers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import request, session

from app import create_app
from app.extensions import db
from app.models import Role
from conftest import TEST_CONFIG

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    parts = (p.strip().partition(" ") for p in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, _, value in parts}


def assert_hardened(response, framing: str = "'none'") -> None:
    found = policy(response)
    assert {k: found.get(k) for k in POLICY} == POLICY
    assert found["frame-ancestors"] == framing
    assert "unsafe-inline" not in found["script-src"] and "unsafe-eval" not in found["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if framing == "'none'":
        assert response.headers["X-Frame-Options"] == "DENY"
    else:
        assert "X-Frame-Options" not in response.headers
    assert "Strict-Transport-Security" not in response.headers  # plain http


@pytest.fixture
def office(make_user, login):
    make_user("office1", Role.OFFICE)
    assert login("office1").status_code == 302


def test_an_html_page_signed_out_and_in(client, make_user, login):
    response = client.get("/auth/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_hardened(response)
    make_user("office1", Role.OFFICE)
    assert_hardened(login("office1"))  # the redirect after sign-in
    response = client.get("/")
    assert response.status_code == 200
    assert_hardened(response)


def test_a_pdf_download(client, office):
    response = client.get("/documents/calibration.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert_hardened(response)


def test_a_static_file(client):
    response = client.get("/static/js/dashboard.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert_hardened(response)
    response.close()


def test_the_embed_page_may_be_framed_by_any_site_but_runs_no_inline_script(client):
    response = client.get("/public/highlights/embed")
    assert response.status_code == 200
    assert_hardened(response, framing="*")


def test_a_404_and_a_health_check(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_hardened(response)
    assert_hardened(client.get("/healthz"))


def test_a_429(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    client.post("/auth/login", data={"username": "x", "password": "y"})
    response = client.post("/auth/login", data={"username": "x", "password": "y"})
    assert response.status_code == 429
    assert_hardened(response)


def test_the_session_cookie_is_httponly_and_lax_and_not_secure_by_default(client, make_user, login):
    make_user("office1", Role.OFFICE)
    response = login("office1")
    [cookie] = response.headers.getlist("Set-Cookie")
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert cookie.startswith("session=") and "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # the embedded mode serves http://127.0.0.1


def test_the_session_cookie_is_secure_when_the_deployment_says_so(monkeypatch):
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "true")
    app = create_app(TEST_CONFIG)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app.test_request_context("/"):
        session["x"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    response = client.get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_trusted_proxy_its_scheme_and_client_address_are_believed():
    app = create_app({**TEST_CONFIG, "TRUSTED_PROXY_COUNT": 1})
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    client = app.test_client()
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen[-1] == "203.0.113.9"


def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url():
    """What the policy would block: scripts belong in app/static/js (a JSON data block is not a script)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES).as_posix()
        found += [f"{name}: {m[0]}" for m in re.finditer(r"<script\b([^>]*)>", text, re.I)
                  if "src=" not in m[1] and 'type="application/json"' not in m[1]]
        found += [f"{name}: {m[1]}" for m in re.finditer(r"<[a-z][^>]*?\s(on[a-z]+\s*=)", text, re.I)]
        found += [f"{name}: javascript:" for _ in re.finditer(r"javascript:", text, re.I)]
    assert found == []


def test_a_nul_character_in_a_form_or_the_query_string_is_refused_whole(client, login, make_user):
    """PostgreSQL refuses NUL in text: such a request is a 400 before any view reads it, and nothing is saved."""
    from app.models import Setting
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/documents/settings", data={"issuer_cppcc": "县政协\x00", "hr_department": "组织部"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 0
    assert client.get("/members/?q=张\x00").status_code == 400
    assert client.post("/documents/settings", data={"hr_department": "组织部"}).status_code == 302
