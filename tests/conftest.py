"""Fixtures: a fresh app and database per test, factory fixtures for the things tests are about.

TEST_DATABASE_URL (default: in-memory SQLite) runs the same suite on PostgreSQL; there the schema is made once
per session and every table is emptied after each test.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterator

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.auth.passwords import hash_password
from app.extensions import db
from app.models import (AppraisalYear, Review, SubjectKind, BranchForm, Gender, Member, PartyMember, PartyStatus, Role, Term, Unit,
                        UnitKind, User)
from app.pinyin import search_key

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
ON_SQLITE = DATABASE_URL.startswith("sqlite")
PASSWORD = "Secret-2025"
TEST_CONFIG = {
    "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
    "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1, "SERVER_NAME": "localhost",
    "JOBS_BACKEND": "inline", "JOBS_DIR": tempfile.mkdtemp(prefix="siyi-test-jobs-"),  # results out of instance/
}


@pytest.fixture(scope="session")
def _schema() -> Iterator[None]:
    if not ON_SQLITE:
        app = create_app(TEST_CONFIG)
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:  # tables Alembic made in an earlier run of test_migrations
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            db.engine.dispose()
    yield


@pytest.fixture
def app(_schema: None) -> Iterator[Flask]:
    app = create_app(TEST_CONFIG)
    with app.app_context():
        if ON_SQLITE:
            db.create_all()
        yield app
        db.session.remove()
        if not ON_SQLITE:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_unit(app: Flask) -> Callable[..., Unit]:
    codes = (f"U{n:03d}" for n in itertools.count(1))

    def make(name: str, kind: UnitKind, parent: Unit | None = None, **fields: object) -> Unit:
        unit = Unit(code=fields.pop("code", None) or next(codes), name=name, kind=kind,
                    parent_id=parent.id if parent else None, **fields)
        db.session.add(unit)
        db.session.flush()
        return unit
    return make


@pytest.fixture
def county(make_unit: Callable[..., Unit]) -> dict[str, Unit]:
    """A small county: two of each CPPCC unit kind, and a township with two branches."""
    cppcc = make_unit("县政协", UnitKind.CPPCC)
    party = make_unit("镇党委", UnitKind.PARTY_COMMITTEE)
    zone = make_unit("工业功能区党总支", UnitKind.GENERAL_BRANCH, party)
    units = {
        "cppcc": cppcc, "party": party, "zone": zone,
        "committee_a": make_unit("提案委员会", UnitKind.COMMITTEE, cppcc),
        "committee_b": make_unit("经济委员会", UnitKind.COMMITTEE, cppcc),
        "sector_a": make_unit("经济界", UnitKind.SECTOR_GROUP, cppcc),
        "sector_b": make_unit("教育界", UnitKind.SECTOR_GROUP, cppcc),
        "liaison_a": make_unit("城关镇联络处", UnitKind.LIAISON_OFFICE, cppcc),
        "liaison_b": make_unit("大源镇联络处", UnitKind.LIAISON_OFFICE, cppcc),
        "branch_a": make_unit("宏达纸业党支部", UnitKind.BRANCH, zone, branch_form=BranchForm.SINGLE),
        "branch_b": make_unit("园区联合党支部", UnitKind.BRANCH, zone, branch_form=BranchForm.JOINT),
    }
    db.session.add(Term(number=4, name="第四届", starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2026, 12, 31)))
    db.session.flush()
    return units


@pytest.fixture
def year(county: dict[str, Unit]) -> dict[str, Unit]:
    """The county with appraisal year 2025 open for recording (the shipped rule files are 2025's)."""
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()
    return county


@pytest.fixture
def make_member(county: dict[str, Unit]) -> Callable[..., Member]:
    codes = (f"M{n:04d}" for n in itertools.count(1))

    def make(name: str = "张三", sector: str = "sector_a", committee: str | None = "committee_a",
             liaison: str | None = "liaison_a", **fields: object) -> Member:
        term_id = db.session.scalar(sa.select(Term.id))
        member = Member(code=fields.pop("code", None) or next(codes), name=name, search_key=search_key(name),
                        gender=fields.pop("gender", Gender.MALE), sector_id=county[sector].id,
                        committee_id=county[committee].id if committee else None,
                        liaison_id=county[liaison].id if liaison else None, term_id=term_id, **fields)
        db.session.add(member)
        db.session.flush()
        return member
    return make


@pytest.fixture
def make_party_member(county: dict[str, Unit]) -> Callable[..., PartyMember]:
    codes = (f"P{n:04d}" for n in itertools.count(1))

    def make(name: str = "李四", branch: str = "branch_a", status: PartyStatus = PartyStatus.FULL) -> PartyMember:
        person = PartyMember(code=next(codes), name=name, search_key=search_key(name), gender=Gender.MALE,
                             branch_id=county[branch].id, status=status)
        db.session.add(person)
        db.session.flush()
        return person
    return make


@pytest.fixture
def make_user(app: Flask, county: dict[str, Unit]) -> Callable[..., User]:
    def make(username: str, role: Role, units: tuple[str, ...] = (), password: str = PASSWORD,
             must_change: bool = False, **fields: object) -> User:
        user = User(username=username, display_name=fields.pop("display_name", username), role=role,
                    password_hash=hash_password(password, app.config), must_change_password=must_change,
                    units=[county[u] for u in units], **fields)
        db.session.add(user)
        db.session.commit()  # the test client reads through the same session, but commit like a view would
        return user
    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., object]:
    def do(username: str, password: str = PASSWORD, follow: bool = False) -> object:
        return client.post("/auth/login", data={"username": username, "password": password},
                           follow_redirects=follow)
    return do


def xlsx(sheet: str, headers: list[str], rows: list[list[object]], merge: str | None = None) -> bytes:
    """A workbook of one sheet: a header row, then `rows` (openpyxl writes dates as dates, text as text)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_of(response: object) -> str:
    """The visible text of an HTML response, tags stripped, white space folded."""
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def user_named(username: str) -> User:
    """An account by its user name (the demo county's office, clerk2, leader, admin …)."""
    return db.session.scalar(sa.select(User).where(User.username == username))



def pdf_text(data: bytes) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    from pypdf import PdfReader
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(data: bytes) -> str:
    """The whole PDF's text without any white space (names on lists are spaced out: 张　三)."""
    return re.sub(r"\s", "", "".join(pdf_text(data)))


@pytest.fixture
def as_user(client: FlaskClient, app: Flask) -> Callable[[str], None]:
    """Sign in as a demo account (the demo accounts sign in only in demo mode)."""
    from app.demo import PASSWORD as DEMO_PASSWORD
    app.config["DEMO_MODE"] = True

    def sign_in(name: str) -> None:
        client.post("/auth/logout")
        response = client.post("/auth/login", data={"username": name, "password": DEMO_PASSWORD})
        assert response.status_code == 302, text_of(response)
    return sign_in


@pytest.fixture
def finished_year(app: Flask) -> Review:
    """The demo county with 2025 finished: four annual reviews, every award list final; the members' review."""
    from app.demo import build_demo
    from app.documents.yearend import finish_year
    build_demo()
    db.session.commit()
    finish_year()
    db.session.commit()
    return db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.MEMBERS))


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 from a thread, with CSRF on, for a browser; its base URL."""
    import socket
    import threading

    from werkzeug.serving import make_server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(SERVER_NAME=f"127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    db.session.remove()  # the server's requests use their own sessions
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()
