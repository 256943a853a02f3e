"""The deployment's environment, read strictly: a switch written False, off or no is off (it used to turn demo mode
on), an unreadable one stops the start with a message; a weak FLASK_SECRET_KEY makes the server refuse to serve."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from app import create_app
from app.environment import SettingError
from app.security import secret_key_problem
from conftest import ROOT, TEST_CONFIG


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FLASK_* setting or DATABASE_URL from the shell running the tests."""
    for name in list(os.environ):
        if name.startswith("FLASK_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(("written", "value"), [
    ("False", False), ("false", False), ("off", False), ("OFF", False), ("no", False), ("0", False), (" No ", False),
    ("True", True), ("true", True), ("on", True), ("Yes", True), ("1", True)])
def test_demo_mode_is_on_only_when_the_switch_says_so(environ, written, value):
    environ.setenv("FLASK_DEMO_MODE", written)  # the demo accounts (published password) sign in only in demo mode
    assert create_app(TEST_CONFIG).config["DEMO_MODE"] is value


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "RATELIMIT_MEMORY_ALLOWED",
                                  "WTF_CSRF_ENABLED", "DEBUG"])
def test_every_switch_is_read_the_same_way(environ, name):
    environ.setenv(f"FLASK_{name}", "off")
    assert create_app().config[name] is False
    environ.setenv(f"FLASK_{name}", "On")
    assert create_app().config[name] is True


@pytest.mark.parametrize("written", ["flase", "enabled", "", "2", "[]"])
def test_an_unreadable_switch_stops_the_start_and_names_it(environ, written):
    environ.setenv("FLASK_SESSION_COOKIE_SECURE", written)
    with pytest.raises(SettingError) as refused:
        create_app(TEST_CONFIG)
    assert f"FLASK_SESSION_COOKIE_SECURE={written!r}" in str(refused.value)
    assert "true 或 false" in str(refused.value)


def test_the_server_does_not_start_on_an_unreadable_switch(environ):
    env = {**os.environ, "FLASK_DEMO_MODE": "maybe", "FLASK_SECRET_KEY": secrets.token_hex(32)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "环境变量 FLASK_DEMO_MODE='maybe' 不是开关值" in result.stderr


# --- the secret key -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "why"), [
    ("", "未设置"), ("dev", "未设置"), ("changeme", "众所周知"), ("Secret", "众所周知"), ("s3cr3t-Key-2025", "太短：只有 15 个字节"),
    (secrets.token_hex(15), "太短：只有 30 个字节"), ("k" * 64, "只用了 1 种字符"), ("abcabcabc" * 5, "只用了 3 种字符"),
    ("change-me-to-a-long-random-string-please", "示例或占位"), ("django-insecure-" + secrets.token_hex(16), "示例或占位"),
    ("your-secret-key-here-" + "x" * 20, "示例或占位")],
    ids=["empty", "dev", "changeme", "Secret", "short-word", "short-hex", "one-character", "three-characters",
         "placeholder", "django-insecure", "your-secret-key"])  # stable ids: the random keys are drawn per worker
def test_a_weak_secret_key_is_named_with_its_fault(key, why):
    assert why in (secret_key_problem(key) or "")


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_hex(16), secrets.token_urlsafe(32),
                                 "县政协考评系统 2026 年正式部署，密钥由办公室保管 Qx7!"],
                         ids=["hex-64", "hex-32", "urlsafe", "a-chinese-sentence"])
def test_a_random_secret_key_is_fit(key):
    assert secret_key_problem(key) is None


@pytest.mark.parametrize(("key", "why"), [("changeme", "众所周知"), ("0123456789abcdef", "太短"), ("k" * 64, "太容易猜")])
def test_with_a_weak_secret_key_the_server_refuses_to_serve(environ, key, why):
    environ.setenv("FLASK_SECRET_KEY", key)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for path in ("/", "/auth/login", "/healthz", "/verify"):
        response = app.test_client().get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 503 and "FLASK_SECRET_KEY" in text and why in text, path
        assert key not in text  # the key itself is never shown
    result = app.test_cli_runner().invoke(args=["rules", "check", "scoring_rules/2025-四个一-委员.yaml"])
    assert result.exit_code == 0  # the office's commands still work


def test_make_run_s_random_key_serves(environ):
    environ.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))  # what `make run` writes to instance/secret_key
    environ.setenv("FLASK_DEMO_MODE", "true")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.test_client().get("/healthz").status_code == 200
