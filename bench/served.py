"""What the benchmarks that go through the product share: a scratch database, gunicorn serving it, a signed-in
session. (A module of bench/, imported by the scripts beside it.)"""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(url: str) -> None:
    """Drop and make anew the PostgreSQL database `url` names, or delete the SQLite file."""
    if url.startswith("postgresql"):
        admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def demo_database(url: str, secret: str = "bench") -> object:
    """A fresh database at `url` with the schema (migrations) and the demo county; the app made on it (its context
    is not left pushed)."""
    fresh_database(url)
    from app import create_app
    from app.demo import build_demo
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        build_demo()
        db.session.commit()
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


@contextmanager
def gunicorn(database: str, secret: str, workers: int, **settings: str) -> Iterator[str]:
    """The app served by gunicorn (`workers` sync workers, as docs/deploy.md runs it, demo mode) on a free port of
    127.0.0.1, on `database`; its base URL. `settings` are more FLASK_* variables."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "FLASK_SECRET_KEY": secret, "FLASK_DEMO_MODE": "true",
           **{f"FLASK_{k}": v for k, v in settings.items()}}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def sign_in(base: str, username: str, password: str) -> tuple[str, float]:
    """The session cookie of `username` signed in through the form, as a browser keeps it, and how long the
    sign-in's POST took (s)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/auth/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": username, "password": password, **({"csrf_token": token.group(1)} if token else {})}
    began = time.perf_counter()
    home = opener.open(f"{base}/auth/login", urllib.parse.urlencode(data).encode()).read().decode()
    took = time.perf_counter() - began
    if "退出" not in home:
        raise SystemExit(f"could not sign in as {username}")
    opener.open(f"{base}/healthz").read()  # (the home page took the sign-in message out of the session)
    return "; ".join(f"{c.name}={c.value}" for c in jar), took
