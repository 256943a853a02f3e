"""Rate limits per client address: sign-in POSTs (LOGIN_RATE_LIMIT) and the public objection form
(OBJECTION_RATE_LIMIT) answer 429 with a page in Chinese past the limit; everything else is unaffected. Counters in
memory per app (a fresh app counts from zero), or in Redis shared by every process of a deployment."""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from app.models import Objection, Role
from conftest import ON_SQLITE, TEST_CONFIG, require_commits, text_of
from tests.test_public import publicity  # noqa: F401 (the fixture: a small list in 公示)

REDIS_URI = "redis://localhost:6379/0"


def sign_in(client, username="nobody", password="wrong", address="127.0.0.1"):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@contextlib.contextmanager
def another_app(**config: object) -> Iterator[Flask]:
    """One more app (another server process) on the test database (its own in-memory one on SQLite); use it beside
    the `app` fixture, in a test marked `commits`."""
    require_commits("another app")
    other = create_app({**TEST_CONFIG, **config})
    with other.app_context():
        if ON_SQLITE:  # its own in-memory database
            db.create_all()
        yield other
        db.session.remove()
        db.engine.dispose()


def assert_too_many(response) -> None:
    assert response.status_code == 429
    text = text_of(response)
    assert "操作过于频繁" in text and "请等待一分钟后再试" in text
    assert int(response.headers["Retry-After"]) > 0


def test_the_eleventh_sign_in_attempt_within_a_minute_is_refused(client, make_user):
    make_user("office1", Role.OFFICE)
    for n in range(10):
        assert sign_in(client, f"user{n}").status_code == 200  # wrong passwords, each beside the field
    assert_too_many(sign_in(client, "office1", "Secret-2025"))  # even the right password: no guessing goes on
    assert client.get("/auth/login").status_code == 200  # the form itself still shows
    assert client.get("/healthz").status_code == 200 and client.get("/public/publicity").status_code == 200
    assert sign_in(client, "office1", "Secret-2025", address="10.0.0.2").status_code == 302  # another address


@pytest.mark.commits  # another app, on the same database
def test_the_limit_is_configurable_and_a_fresh_app_counts_from_zero(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    assert [sign_in(client).status_code for _ in range(3)] == [200, 200, 429]
    with another_app() as other:
        assert sign_in(other.test_client()).status_code == 200


def test_the_sixth_objection_within_a_minute_is_refused(client, publicity):
    url = f"/public/publicity/{publicity().id}"  # test_public's list in 公示 from today
    data = {"candidate": "0", "contact": "13800000000", "text": "材料不实"}
    for _ in range(5):
        assert client.post(url, data=data).status_code == 302
    assert_too_many(client.post(url, data=data))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 5
    assert client.get(url).status_code == 200  # reading the list is not limited
    assert sign_in(client).status_code == 200  # nor is signing in, which counts on its own
    assert client.post(url, data=data, environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 302


@pytest.mark.commits
def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(app):
    with another_app(TRUSTED_PROXY_COUNT=1, LOGIN_RATE_LIMIT="1 per minute") as proxied:
        client = proxied.test_client()

        def attempt(address: str) -> int:
            return client.post("/auth/login", data={"username": "x", "password": "y"},
                               headers={"X-Forwarded-For": address}).status_code
        assert [attempt("203.0.113.1"), attempt("203.0.113.1"), attempt("203.0.113.2")] == [200, 429, 200]


def redis_reachable() -> bool:
    import redis
    try:
        return bool(redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.mark.commits
def test_counters_in_redis_are_shared_by_every_process(app, client):
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URI} in CI")
        pytest.skip(f"Redis is not reachable at {REDIS_URI} (CI would fail here)")
    import redis
    prefix = f"test-{uuid.uuid4().hex}"
    config = {"RATELIMIT_STORAGE_URI": REDIS_URI, "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_RATE_LIMIT": "3 per minute"}
    try:
        with another_app(**config) as first:  # two gunicorn workers, say
            assert [sign_in(first.test_client()).status_code for _ in range(3)] == [200] * 3
        assert redis.Redis.from_url(REDIS_URI).keys(f"*{prefix}*")
        with another_app(**config) as second:
            assert_too_many(sign_in(second.test_client()))
    finally:
        store = redis.Redis.from_url(REDIS_URI)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


@pytest.mark.commits
def test_with_redis_down_each_process_still_counts_in_memory(app):
    with another_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="2 per minute") as cut_off:
        client = cut_off.test_client()
        assert [sign_in(client).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(("config", "storage"), [
    ({}, "memory://"),  # the embedded mode: one process
    ({"JOBS_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/3"}, "redis://127.0.0.1:6379/3"),  # the jobs' Redis
    ({"JOBS_BACKEND": "rq", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1"}, "redis://127.0.0.1:6379/1"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "memory://")])
def test_the_counters_live_where_the_settings_say(config, storage):
    app = create_app({**TEST_CONFIG, **config})
    [limiter] = app.extensions["limiter"]
    assert app.config["RATELIMIT_STORAGE_URI"] == storage
    assert type(limiter.storage).__name__ == ("MemoryStorage" if storage == "memory://" else "RedisStorage")


@pytest.mark.commits
def test_with_the_jobs_on_rq_two_workers_share_the_count_without_a_setting_of_their_own(app):
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URI} in CI")
        pytest.skip(f"Redis is not reachable at {REDIS_URI} (CI would fail here)")
    import redis
    prefix = f"test-{uuid.uuid4().hex}"
    config = {"JOBS_BACKEND": "rq", "REDIS_URL": REDIS_URI, "RATELIMIT_KEY_PREFIX": prefix,
              "LOGIN_RATE_LIMIT": "2 per minute"}
    try:
        with another_app(**config) as first, another_app(**config) as second:  # two gunicorn workers
            assert [sign_in(first.test_client()).status_code, sign_in(second.test_client()).status_code] == [200, 200]
            assert_too_many(sign_in(first.test_client()))
            assert_too_many(sign_in(second.test_client()))
    finally:
        store = redis.Redis.from_url(REDIS_URI)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


@pytest.mark.commits  # the doctor opens connections of its own
def test_the_doctor_fails_on_counters_in_memory_outside_demo_mode(app):
    from app.doctor import FAIL, OK, WARN, diagnose

    def verdict() -> tuple[str, str]:
        found = next(f for f in diagnose(app) if "限流计数" in f.what)
        return found.level, found.what + found.fix
    level, text = verdict()
    assert level == FAIL and "N 倍" in text and "FLASK_RATELIMIT_STORAGE_URI" in text
    app.config["RATELIMIT_MEMORY_ALLOWED"] = True  # the deployment says it runs one process
    assert verdict()[0] == WARN
    app.config.update(RATELIMIT_MEMORY_ALLOWED=False, DEMO_MODE=True)
    assert verdict()[0] == OK
    app.config.update(DEMO_MODE=False, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/1")
    assert verdict()[0] == OK
