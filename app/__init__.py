"""The application factory. Kept light: importing `app` loads no SQLAlchemy, so `app.scoring` stays pure."""
from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("config.Config")
    from app import environment
    switches = environment.boolean_keys(app.config)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_DEMO_MODE, ...
    app.config.update(environment.booleans(switches, os.environ))  # strictly: "False" is false, "flase" stops here
    if "DATABASE_URL" in os.environ:  # the product's switch to PostgreSQL
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)  # tests pass their settings last, so they win
    from app.security import secret_key_problem
    if (problem := secret_key_problem(app.config["SECRET_KEY"])) and not (app.debug or app.testing):
        # Refuse to serve, not to start: the office's commands (rules check, score) need no secret key, but a
        # server signing sessions with a known or guessable key would let anyone forge a sign-in.
        app.before_request(lambda: _refuse_with_weak_secret_key(problem))
    os.makedirs(app.instance_path, exist_ok=True)
    mimetypes.add_type("application/manifest+json", ".webmanifest")  # the phone's 添加到主屏幕 (static/manifest)

    from app import (activities, admin, auth, awards, branches, cli, contacts, coverage, dashboard,  # noqa: F401
                     documents, errors, followup, i18n, imports, jobs, main, meetings, members, models, notices,
                     pagecache, pairings, projects, public, reviews, roster, rules,
                     setup)  # (models: tables for Alembic)
    from app.extensions import csrf, db, migrate

    from app.web import IdConverter
    app.url_map.converters["int"] = IdConverter  # before any blueprint's routes are registered
    _wait_for_sqlite_writers(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    pagecache.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(members.bp, url_prefix="/members")
    app.register_blueprint(activities.bp, url_prefix="/activities")
    app.register_blueprint(branches.bp, url_prefix="/branches")
    app.register_blueprint(coverage.bp, url_prefix="/coverage")
    app.register_blueprint(meetings.bp, url_prefix="/meetings")
    app.register_blueprint(pairings.bp, url_prefix="/pairings")
    app.register_blueprint(projects.bp, url_prefix="/projects")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(imports.bp, url_prefix="/imports")
    app.register_blueprint(roster.bp, url_prefix="/imports/roster")
    app.register_blueprint(reviews.bp, url_prefix="/reviews")
    app.register_blueprint(rules.bp, url_prefix="/rules")
    app.register_blueprint(dashboard.bp, url_prefix="/dashboard")
    app.register_blueprint(public.bp, url_prefix="/public")
    app.register_blueprint(awards.bp, url_prefix="/awards")
    app.register_blueprint(followup.bp, url_prefix="/followup")
    app.register_blueprint(contacts.bp, url_prefix="/contacts")
    app.register_blueprint(documents.bp, url_prefix="/documents")
    app.register_blueprint(documents.verify_bp)
    app.register_blueprint(jobs.bp, url_prefix="/jobs")
    app.register_blueprint(setup.bp, url_prefix="/setup")
    app.register_blueprint(notices.bp, url_prefix="/notices")
    from app import addresses, listing, security
    addresses.init_app(app)  # links from the public address; unknown hosts refused
    listing.init_app(app)  # sortable columns, page sizes, remembered filters, the unit picker
    security.init_app(app)  # after the blueprints: it wraps the rate-limited views
    errors.init_app(app)
    cli.init_app(app)
    return app


def _wait_for_sqlite_writers(app: Flask) -> None:
    """On SQLite, a write waits SQLITE_BUSY_SECONDS for the one writer before it fails (the engine options are
    copied: the caller's dict is left as it was)."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect = dict(options.get("connect_args") or {})
    connect.setdefault("timeout", float(app.config["SQLITE_BUSY_SECONDS"]))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect}


def _refuse_with_weak_secret_key(problem: str) -> tuple[str, int, dict[str, str]]:
    return (f"服务器的 FLASK_SECRET_KEY {problem}，暂不能提供服务。请管理员设置一个随机密钥后重新启动"
            "（python3 -c 'import secrets; print(secrets.token_hex(32))'），flask --app wsgi doctor 会说明原因。\n"
            "FLASK_SECRET_KEY is not set or is too weak: this server refuses to serve until a random key is set.\n",
            503, {"Content-Type": "text/plain; charset=utf-8"})
