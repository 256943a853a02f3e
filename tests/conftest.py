"""Fixtures: a fresh app and database per test, factory fixtures for the things tests are about.

TEST_DATABASE_URL (default: in-memory SQLite) runs the same suite on PostgreSQL. Every test starts from a database
copied from a snapshot: the empty schema, or what a builder (the demo county, its finished year …) made from it.
Each snapshot is built once per session, then copied: on SQLite with the backup API (a few milliseconds), on
PostgreSQL with CREATE DATABASE … TEMPLATE. On PostgreSQL a test also runs inside an outer transaction that is rolled
back at its end (the app's commits become savepoints), unless it is marked `commits`: its writes must then be seen
by another connection (a served app's thread, a second app, a subprocess, a job's progress writer), and the
database is copied anew for the next test.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
import time_machine
from zoneinfo import ZoneInfo
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.auth.passwords import hash_password
from app.extensions import db
from app.models import (AppraisalYear, Review, SubjectKind, BranchForm, Gender, Member, PartyMember, PartyStatus, Role, Term, Unit,
                        UnitKind, User)
from app.pinyin import search_key

DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
ON_SQLITE = DATABASE_URL.startswith("sqlite")
# `make test` runs the suite on every core (pytest-xdist): on PostgreSQL each worker has a test database of its own,
# `<name>_gw0` …, and everything made from it (snapshot templates, scratch databases) is named after it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER and not ON_SQLITE:
    DATABASE_URL = sa.make_url(DATABASE_URL).set(
        database=f"{sa.make_url(DATABASE_URL).database}_{WORKER}").render_as_string(hide_password=False)
PASSWORD = "Secret-2025"
TEST_CONFIG = {
    "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
    "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1, "SERVER_NAME": "localhost",
    "JOBS_BACKEND": "inline", "JOBS_DIR": tempfile.mkdtemp(prefix="siyi-test-jobs-"),  # results out of instance/
}
if not ON_SQLITE:  # a connection waiting on the outer transaction of a test not marked `commits` fails, never hangs
    TEST_CONFIG["SQLALCHEMY_DATABASE_URI"] = sa.make_url(DATABASE_URL).update_query_dict(
        {"options": "-c lock_timeout=30s"}).render_as_string(hide_password=False)
if ON_SQLITE and sa.make_url(DATABASE_URL).database not in (None, "", ":memory:"):
    raise pytest.UsageError("TEST_DATABASE_URL: SQLite runs in memory (sqlite://); a file is not supported")

# Tests that need no database at all: run once per CI run (on SQLite), deselected on the second database.
DATABASE_FREE = ("tests/scoring/", "tests/reports/", "tests/test_purity.py", "tests/test_rules_attacks.py",
                 "tests/test_pinyin.py", "tests/test_spreadsheet_blocks.py", "tests/test_import_graph.py",
                 "tests/test_clock.py", "tests/test_locks.py", "tests/test_roster_reading.py",
                 "tests/test_backup_crypto.py", "tests/test_sheet_extent.py")
ROOT = Path(__file__).resolve().parents[1]

# The clock, for tests whose meaning depends on the date (the app judges "today" by Beijing's date): an ordinary
# day, and for tests marked `turn_of_year` each instant at which the date turns in Beijing or in UTC.
ORDINARY_DAY = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
TURN_OF_YEAR = {
    "beijing-dec31-23:59:59": dt.datetime(2026, 12, 31, 15, 59, 59, tzinfo=dt.UTC),
    "beijing-jan1-00:00": dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC),     # still 31 December in UTC
    "utc-dec31-23:59:59": dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC),  # 1 January 07:59 in Beijing
    "utc-jan1-00:00": dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("turn_of_year"):
        if "clock" not in metafunc.fixturenames:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: a turn_of_year test must use the clock")
        metafunc.parametrize("clock", [ORDINARY_DAY, *TURN_OF_YEAR.values()], ids=["ordinary", *TURN_OF_YEAR],
                             indirect=True)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """The clock stands still at an instant (see ORDINARY_DAY, TURN_OF_YEAR) for the whole test."""
    instant = getattr(request, "param", ORDINARY_DAY)
    with time_machine.travel(instant, tick=False):
        yield instant


def beijing_date() -> dt.date:
    """The date in Beijing now, worked out here and not by the app's own helper: a test that compares with it
    catches an app that judges "today" by another clock."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def today(clock: dt.datetime) -> dt.date:
    """The date in Beijing at the frozen instant: what the app must take for today."""
    return beijing_date()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.resolve().relative_to(ROOT).as_posix()
        if where.startswith(DATABASE_FREE):
            if "app" in getattr(item, "fixturenames", ()):
                raise pytest.UsageError(f"{item.nodeid} uses the database: take it out of conftest.DATABASE_FREE")
            item.add_marker(pytest.mark.database_free)


class Databases:
    """The test database and the snapshots it is copied from (see the module's docstring)."""

    def __init__(self) -> None:
        self.saved: dict[str, object] = {}  # snapshot name → an in-memory SQLite copy, or a template's name
        self.sequences: dict[str, dict[str, int | None]] = {}  # PostgreSQL: snapshot → each sequence's last value
        self.current: str | None = None     # the snapshot the test database still equals (None: written to)
        self.outer: tuple[sa.Connection, sa.Transaction, sa.Engine] | None = None
        self.transactional = False
        self.building = 0
        if not ON_SQLITE:
            url = sa.make_url(DATABASE_URL)
            self.name = url.database
            self.server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                           poolclass=sa.pool.NullPool)

    # -- the session: the empty schema, made once ------------------------------------------------------------
    def start(self) -> None:
        if not ON_SQLITE:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
        app = create_app(TEST_CONFIG)
        with app.app_context():
            db.session.configure(join_transaction_mode="create_savepoint")  # only matters when bound to a connection
            db.create_all()
            self._save("empty")
            db.engine.dispose()

    def finish(self) -> None:
        if not ON_SQLITE:
            self._sql(*(f'DROP DATABASE IF EXISTS "{t}" WITH (FORCE)' for t in self.saved.values() if t))
            self.server.dispose()

    # -- a test ------------------------------------------------------------------------------------------------
    def begin_test(self, transactional: bool, snapshot: str = "empty") -> None:
        """The test's database is the snapshot (the empty schema, or the one a fixture of the test will ask for:
        on PostgreSQL a test that follows another on it then needs no copy); inside an outer transaction when
        `transactional` (PostgreSQL only)."""
        self.transactional = transactional and not ON_SQLITE
        self._become(snapshot if snapshot in self.saved else "empty")
        self._enter()

    def end_test(self) -> None:
        db.session.remove()
        if self.outer is not None:
            self._leave()  # rolled back: the database is again the snapshot it was
        else:
            self.current = None  # committed writes: copied anew for the next test
        db.engine.dispose()

    def use(self, name: str, build: Callable[[], object]) -> None:
        """Make the test's database the snapshot `name`: what `build` makes (and commits) from the empty schema,
        built the first time it is asked for in this session and copied every time after."""
        db.session.remove()
        self._leave()
        if name in self.saved:
            self._become(name)
        else:
            self._become("empty")
            self.current = None
            self.building += 1
            try:
                build()
                db.session.commit()
            finally:
                self.building -= 1
            db.session.remove()
            self._save(name)
        self._enter()

    # -- the outer transaction (PostgreSQL) ----------------------------------------------------------------------
    def _enter(self) -> None:
        if self.transactional and not self.building and self.outer is None:
            engine = db.engine
            connection = engine.connect()
            self.outer = (connection, connection.begin(), engine)
            # Sequences are not transactional: an earlier test on this snapshot used some numbers. Restarting them
            # is (it is rolled back with the rest), so new rows get the ids they would get in a fresh copy.
            connection.exec_driver_sql("; ".join(
                f'ALTER SEQUENCE "{name}" RESTART' + (f" WITH {last + 1}" if last is not None else "")
                for name, last in self.sequences[self.current].items()))  # type: ignore[index]
            db.engines[None] = connection  # type: ignore[index]  # the session binds to it: commits are savepoints

    def _leave(self) -> None:
        if self.outer is not None:
            connection, transaction, engine = self.outer
            self.outer = None
            db.session.remove()
            db.engines[None] = engine  # type: ignore[index]
            transaction.rollback()
            connection.close()

    # -- snapshots -------------------------------------------------------------------------------------------
    def _save(self, name: str) -> None:
        if ON_SQLITE:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            with db.engine.connect() as connection:
                connection.connection.driver_connection.backup(copy)  # type: ignore[union-attr]
            self.saved[name] = copy
        else:
            with db.engine.connect() as connection:
                self.sequences[name] = dict(connection.execute(sa.text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")).all())
            db.engine.dispose()
            if name == "empty":  # emptied in place (TRUNCATE), quicker than a copy
                self.saved[name] = ""
            else:
                template = f"{self.name}_tpl_{len(self.saved)}"
                self._sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)',
                          f'CREATE DATABASE "{template}" TEMPLATE "{self.name}" STRATEGY FILE_COPY')
                self.saved[name] = template
        self.current = name

    def _become(self, name: str) -> None:
        """The test database as the snapshot `name` was saved. On PostgreSQL nothing is done while it still is."""
        db.session.remove()
        if ON_SQLITE:  # each app has a database of its own: always copied
            with db.engine.connect() as connection:
                self.saved[name].backup(connection.connection.driver_connection)  # type: ignore[attr-defined]
        elif self.current == name:
            return
        elif name == "empty":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            db.engine.dispose()
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                      f'CREATE DATABASE "{self.name}" TEMPLATE "{self.saved[name]}" STRATEGY FILE_COPY')
        self.current = name

    def _sql(self, *statements: str) -> None:
        with self.server.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))


_databases: list[Databases] = []  # the session's, for `use_snapshot`
SNAPSHOT_FIXTURES = {"finished_year": "finished-year", "annual_review": "annual-review", "demo": "demo"}


# Debian's Chromium, never a downloaded browser, with the flags a container needs (the browser tests)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@contextlib.contextmanager
def scratch_database(tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of the engine under test, as a fresh install has: a temp SQLite file, or a
    scratch PostgreSQL database `<test database>_<name>`, dropped afterwards."""
    if ON_SQLITE:
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    url = sa.make_url(DATABASE_URL)
    scratch = f"{url.database}_{name}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        yield url.set(database=scratch).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    found = Databases()
    found.start()
    _databases[:] = [found]
    yield found
    found.finish()


@pytest.fixture
def app(databases: Databases, request: pytest.FixtureRequest) -> Iterator[Flask]:
    if "clock" in request.fixturenames:
        request.getfixturevalue("clock")  # stopped before anything is written
    snapshot = next((name for fixture, name in SNAPSHOT_FIXTURES.items() if fixture in request.fixturenames), "empty")
    app = create_app(TEST_CONFIG)
    with app.app_context():
        databases.begin_test(transactional=request.node.get_closest_marker("commits") is None, snapshot=snapshot)
        yield app
        databases.end_test()


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
    """Each page's text, as PDFium (the PDF engine of Chromium) extracts it: 25 times faster than pypdf on a
    578-page batch of dossiers."""
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            pages.append(text.get_text_bounded())
            text.close()
            page.close()
        return pages
    finally:
        document.close()


def flat(data: bytes) -> str:
    """The whole PDF's text without any white space (names on lists are spaced out: 张　三)."""
    return re.sub(r"\s", "", "".join(pdf_text(data)))


@pytest.fixture
def migration_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the engine under test, for the migrations: a temp SQLite file, or a scratch PostgreSQL
    database."""
    with scratch_database(tmp_path, "migrations") as url:
        yield url


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


def build_demo() -> None:
    from app.demo import build_demo
    build_demo()


def build_finished_year() -> None:
    from app.documents.yearend import finish_year
    use_snapshot("demo", build_demo)
    finish_year()


def build_annual_review() -> None:
    from app.reviews import services as reviews
    use_snapshot("demo", build_demo)
    reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", user_named("office"))


def require_commits(who: str) -> None:
    """Refuse, with the remedy, when `who` (on a connection of its own) would wait on this test's outer transaction."""
    if _databases and _databases[0].outer is not None:
        raise RuntimeError(f"{who} reads and writes the database on a connection of its own: mark the test `commits`")


@contextlib.contextmanager
def racing_app(app: Flask, tmp_path: Path, **config: object) -> Iterator[Flask]:
    """An app on this test's data whose sessions each have a connection of their own, for threads racing each
    other: on PostgreSQL the test's app itself (the test must be marked `commits`); on SQLite, whose test database
    is one in-memory connection, an app on a file copy of it, closed at the end."""
    if not ON_SQLITE:
        require_commits("threads racing each other")
        app.config.update(config)
        yield app
        return
    db.session.commit()
    path = tmp_path / "racing.db"
    with db.engine.connect() as connection, contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.driver_connection.backup(copy)  # type: ignore[union-attr]
    other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **config})
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def signed_in(app: Flask, username: str, password: str | None = None) -> FlaskClient:
    """A client of its own, signed in (default: a demo account, in demo mode). The tests' shared app context keeps
    the last user in `g`: it is forgotten before and after."""
    from flask import g

    from app.demo import PASSWORD as DEMO_PASSWORD
    g.pop("_login_user", None)
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": password or DEMO_PASSWORD})
    assert response.status_code == 302 and "/auth/login" not in response.headers["Location"], text_of(response)
    g.pop("_login_user", None)
    return client


def together(app: Flask, *jobs: Callable[[], object]) -> list[object]:
    """Run each job in its own thread and app context (so its own session and connection), released together;
    what each returned, or the exception it raised."""
    import threading
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        with app.app_context():
            start.wait()
            try:
                results[index] = job()
            except Exception as error:  # noqa: BLE001 (the test asserts on what came back)
                results[index] = error
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def empty_database() -> None:
    """Make this test's database the empty schema again, as at its start."""
    _databases[0].use("empty", lambda: None)


def use_snapshot(name: str, build: Callable[[], object]) -> None:
    """Make this test's database what `build` makes from the empty schema (built once per session, then copied)."""
    _databases[0].use(name, build)


@pytest.fixture
def demo(app: Flask) -> None:
    """The demo county, as `flask demo` loads it (accounts, units, members, records, branches)."""
    use_snapshot("demo", build_demo)


@pytest.fixture
def annual_review(app: Flask) -> Review:
    """The demo county and the office's 2025 annual review of the members (not yet taken to an award list)."""
    use_snapshot("annual-review", build_annual_review)
    return db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.MEMBERS))


@pytest.fixture
def finished_year(app: Flask) -> Review:
    """The demo county with 2025 finished: four annual reviews, every award list final; the members' review."""
    use_snapshot("finished-year", build_finished_year)
    return db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.MEMBERS))


def _read_whole(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """`wsgi_app` with each response read whole (and its file closed) before the server writes it: a browser that
    drops the connection mid-file (a page left before its script loaded) otherwise leaves werkzeug's dev server with
    the static file open, a ResourceWarning that fails a later test."""
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = wsgi_app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return app


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 from a thread, with CSRF on, for a browser; its base URL."""
    import socket
    import threading

    from werkzeug.serving import make_server
    require_commits("the served app's thread")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(SERVER_NAME=f"127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    db.session.remove()  # the server's requests use their own sessions
    server = make_server("127.0.0.1", port, _read_whole(app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def live_demo(app: Flask) -> Iterator[str]:
    """The demo county served on a free port of 127.0.0.1 from a thread, for the browser (mark the test `commits`:
    the served app's thread reads what the test wrote)."""
    app.config.update(DEMO_MODE=True)
    use_snapshot("demo", build_demo)
    with served(app) as url:
        yield url


def demo_page(browser: object, url: str, width: int, username: str = "office") -> object:
    """A new Chinese page of the Playwright `browser`, `width` px wide, signed in to the demo served at `url`."""
    from app.demo import PASSWORD as DEMO_PASSWORD
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page.goto(f"{url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit]")
    return page
