"""Background jobs: each kind through the web (inline), scope, cancel, the thread and RQ backends, and a worker
killed mid-import (PostgreSQL and SQLite) that leaves nothing half-written."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ON_SQLITE, PASSWORD, pdf_text, text_of, xlsx

from app import create_app
from app.auth.passwords import hash_password
from app.extensions import db
from app.jobs import services
from app.models import (Activity, AppraisalYear, AuditLog, Certificate, Gender, Job, JobState, Member, PrintLog,
                        Review, Role, Term, Unit, UnitKind, User)
from app.pinyin import search_key

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "级别", "金额", "联名"]
pytestmark = pytest.mark.commits  # a job writes its progress on a connection of its own
PG_ADMIN_URL = os.environ.get("JOBS_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def csv_rows(count: int, members: list[tuple[str, str]], start: int = 0) -> bytes:
    lines = [",".join(HEADERS)]
    for i in range(start, start + count):
        code, name = members[i % len(members)]
        lines.append(f"{code},{name},提案,2025-03-02,关于第{i}号事项的提案,立案,,,")
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def setup(app, county, make_member, make_user, tmp_path):
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), IMPORT_DIR=str(tmp_path / "imports"))
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    ours = make_member("张三", code="W001", liaison="liaison_a")
    second = make_member("李红", code="W002", liaison="liaison_a")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("clerk2", Role.CLERK, units=("liaison_b",))
    make_user("office", Role.OFFICE)
    return {"members": [("W001", "张三"), ("W002", "李红")], "ours": ours, "second": second}


def upload_and_confirm(client, data: bytes, name: str = "big.csv"):
    checked = client.post("/imports/records/check", data={"file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data")
    assert checked.status_code == 200, text_of(checked)[:2000]
    html = checked.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    filename = re.search(r'name="filename" type="hidden" value="([^"]*)"', html).group(1)
    return client.post("/imports/records/confirm", data={"token": token, "filename": filename})


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def spy_progress(monkeypatch) -> list[dict]:
    seen: list[dict] = []
    original = services.Reporter._write

    def write(self):
        seen.append(dict(self.state))
        return original(self)
    monkeypatch.setattr(services.Reporter, "_write", write)
    return seen


def the_job() -> Job:
    db.session.expire_all()
    return db.session.scalars(sa.select(Job).order_by(Job.id.desc())).first()


# --- each kind through the web, inline ------------------------------------------------------------------------------

def test_a_big_import_confirmed_runs_as_a_job_with_progress_a_result_and_scope(app, client, login, setup,
                                                                               monkeypatch):
    app.config["IMPORT_JOB_ROWS"] = 100
    seen = spy_progress(monkeypatch)
    login("clerk1")
    response = upload_and_confirm(client, csv_rows(1200, setup["members"]))
    assert response.status_code == 302 and response.headers["Location"].endswith("/imports/")  # as before
    assert "新增 1200 行" in text_of(client.get("/imports/"))
    job = the_job()
    assert (job.kind, job.state, job.result["counts"]["新增"]) == ("import", JobState.SUCCEEDED, 1200)
    assert count(Activity) == 1200
    assert [s["done"] for s in seen if s["message"] == "正在检查并导入"] == [501, 1001]  # row numbers, header 1
    assert seen[-1] == {"done": 1201, "total": 1201, "message": "正在保存"}
    assert job.done == job.total == 1201
    page = client.get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<progress" in html and 'value="1201"' in html
    assert "返回导入页面" in html and "<script>" not in html and "js/jobs.js" in html
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert (status["state"], status["percent"], status["link"]["href"]) == ("SUCCEEDED", 100, "/imports/")
    assert f"/jobs/{job.id}" in client.get("/jobs/").get_data(as_text=True)
    # another unit's clerk: no such job
    client.post("/auth/logout")
    login("clerk2")
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}.json", f"/jobs/{job.id}/result"):
        assert client.get(url).status_code == 404
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 404
    assert f"/jobs/{job.id}" not in client.get("/jobs/").get_data(as_text=True)
    client.post("/auth/logout")
    login("office")
    assert client.get(f"/jobs/{job.id}").status_code == 200


def test_a_small_import_stays_synchronous(app, client, login, setup):
    login("clerk1")
    response = upload_and_confirm(client, csv_rows(5, setup["members"]))
    assert response.status_code == 302 and count(Activity) == 5 and count(Job) == 0


def test_a_review_runs_as_a_job_and_links_to_its_ranking(app, client, login, setup, monkeypatch):
    seen = spy_progress(monkeypatch)
    login("office")
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025"})
    review = db.session.scalar(sa.select(Review))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviews/{review.id}")
    job = the_job()
    assert (job.kind, job.state, job.result["review_id"]) == ("review", JobState.SUCCEEDED, review.id)
    assert [s["done"] for s in seen] == [0, 1, 2] and seen[0]["total"] == 3
    assert f'href="/reviews/{review.id}"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    client.post("/auth/logout")
    login("clerk1")  # not theirs, and a clerk sees only their own jobs
    assert client.get(f"/jobs/{job.id}").status_code == 404


def test_a_review_that_may_not_run_fails_with_its_reason_beside_the_field(app, client, login, setup):
    login("office")
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025H2"})
    assert "没有这个考评周期" in text_of(response) and count(Job) == 0  # checked before any job


def test_a_certificate_print_run_keeps_its_pdf_for_its_owner(app, client, as_user, finished_year, tmp_path,
                                                             monkeypatch):
    app.config["JOBS_DIR"] = str(tmp_path)
    seen = spy_progress(monkeypatch)
    as_user("office")
    printed = client.post(f"/documents/review/{finished_year.id}/certificates.pdf")
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF-")  # as before: the PDF itself
    job = the_job()
    assert (job.kind, job.state) == ("print", JobState.SUCCEEDED)
    numbered = count(Certificate)
    assert numbered == job.result["pages"] == len(pdf_text(printed.data)) and count(PrintLog) == 1
    assert seen and seen[-1]["done"] == seen[-1]["total"] == numbered
    kept = tmp_path / "job_results" / job.result["file"]
    assert kept.read_bytes() == printed.data
    download = client.get(f"/jobs/{job.id}/result")
    assert download.status_code == 200 and download.data == printed.data
    download.close()
    assert f"/jobs/{job.id}/result" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    as_user("clerk2")
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
    assert client.get(f"/jobs/{job.id}").status_code == 404


# --- cancel ----------------------------------------------------------------------------------------------------------

def test_a_job_asked_to_cancel_stops_at_its_next_progress_and_writes_nothing(app, client, login, setup,
                                                                             monkeypatch):
    app.config["IMPORT_JOB_ROWS"] = 100
    original = services.Reporter._write

    def write(self):
        if self.state["message"] == "正在保存":  # every row is in the transaction by now: cancel it
            if self.files:
                self.cancel_file.touch()
            else:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(Job).where(Job.id == self.job_id).values(cancel_requested=True))
        return original(self)
    monkeypatch.setattr(services.Reporter, "_write", write)
    login("clerk1")
    response = upload_and_confirm(client, csv_rows(600, setup["members"]))
    assert response.status_code == 302
    job = the_job()
    assert job.state == JobState.CANCELLED and "已取消" in job.message
    assert count(Activity) == 0
    assert count(AuditLog) == db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action != "import"))
    assert "已取消" in text_of(client.get("/imports/"))


def test_the_cancel_button_cancels_a_queued_job_and_needs_its_owner(app, client, login, setup):
    owner = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
    job = services.create("review", {"rule_file": "x", "period": "2025", "user_id": owner.id}, owner)
    db.session.commit()
    login("clerk1")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'action="/jobs/{job.id}/cancel"' in page and "取消任务" in page
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 302
    assert the_job().state == JobState.CANCELLED
    assert services.run_job(job.id) is None  # a worker that reaches it later does nothing


def test_cancel_needs_a_csrf_token(app, client, login, setup):
    app.config["WTF_CSRF_ENABLED"] = True
    owner = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
    job = services.create("review", {"rule_file": "x", "period": "2025", "user_id": owner.id}, owner)
    db.session.commit()
    client.post("/auth/logout")
    app.config["WTF_CSRF_ENABLED"] = False
    login("clerk1")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 400
    assert the_job().state == JobState.QUEUED


# --- the import command's progress bar ---------------------------------------------------------------------------

def test_the_import_command_shows_a_progress_bar_for_a_long_file(app, setup, tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(csv_rows(1500, setup["members"]))
    result = app.test_cli_runner().invoke(args=["import", "records", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入中" in result.stderr and "已导入：新增 1500 行" in result.stdout
    assert count(Activity) == 1500


# --- a database of its own (a file or PostgreSQL), for work outside this process or thread ---------------------------

def seed(url: str, **config) -> object:
    """An app on `url` with a fresh schema, a small county, 2025 open and 20 members; returns the app."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1, **config})
    with app.app_context():
        db.drop_all()
        db.create_all()
        cppcc = Unit(code="C", name="县政协", kind=UnitKind.CPPCC)
        db.session.add(cppcc)
        db.session.flush()
        units = {kind: Unit(code=kind.name[:8], name=kind.label, kind=kind, parent_id=cppcc.id)
                 for kind in (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)}
        db.session.add_all(units.values())
        term = Term(number=4, name="第四届", starts_on=__import__("datetime").date(2022, 1, 1),
                    ends_on=__import__("datetime").date(2026, 12, 31))
        db.session.add_all([term, AppraisalYear(year=2025, name="2025年度")])
        db.session.flush()
        for n in range(20):
            name = f"委员{n:02d}"
            db.session.add(Member(code=f"K{n:04d}", name=name, search_key=search_key(name), gender=Gender.MALE,
                                  sector_id=units[UnitKind.SECTOR_GROUP].id,
                                  committee_id=units[UnitKind.COMMITTEE].id,
                                  liaison_id=units[UnitKind.LIAISON_OFFICE].id, term_id=term.id))
        db.session.add(User(username="office", display_name="办公室", role=Role.OFFICE,
                            password_hash=hash_password(PASSWORD, app.config)))
        db.session.commit()
        db.engine.dispose()
    return app


MEMBERS = [(f"K{n:04d}", f"委员{n:02d}") for n in range(20)]


def wait_for(predicate, timeout: float = 120, every: float = 0.1) -> None:
    limit = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < limit, "timed out"
        time.sleep(every)


def test_the_thread_backend_runs_the_job_in_the_background(tmp_path):
    app = seed(f"sqlite:///{tmp_path / 'thread.db'}", JOBS_BACKEND="thread", JOBS_DIR=str(tmp_path),
               JOBS_TEST_SLOWDOWN=0.3)
    upload = tmp_path / "rows.csv"
    upload.write_bytes(csv_rows(1200, MEMBERS))
    with app.app_context():
        job = services.submit("import", {"dataset": "records", "path": str(upload), "filename": "rows.csv",
                                         "user_id": None}, None)
        job_id = job.id
        db.session.expire_all()
        assert not db.session.get(Job, job_id).state.finished  # submit returned before the job finished
        states = []

        def finished() -> bool:
            db.session.expire_all()
            found = db.session.get(Job, job_id)
            states.append((found.state, services.status(found)["done"]))
            db.session.rollback()
            return found.state.finished
        wait_for(finished, timeout=60, every=0.2)
        assert db.session.get(Job, job_id).state == JobState.SUCCEEDED, db.session.get(Job, job_id).error
        assert any(state == JobState.RUNNING and 0 < done < 1201 for state, done in states)  # seen half done
        assert count(Activity) == 1200 and not upload.exists()
        db.session.remove()
        db.engine.dispose()
    app.extensions["jobs.executor"].shutdown(wait=True)


def _redis_or_skip(url: str = "redis://localhost:6379/0"):
    from redis import Redis
    from redis.exceptions import RedisError
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url} ({error}); CI is unset")
    return connection


def test_the_rq_backend_enqueues_and_a_worker_runs_it(app, client, login, setup):
    from rq import SimpleWorker
    connection = _redis_or_skip(app.config["REDIS_URL"])
    app.config.update(JOBS_BACKEND="rq", JOBS_QUEUE=f"siyi-test-{uuid.uuid4().hex}")
    login("office")
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025"})
    job = the_job()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.state == JobState.QUEUED and count(Review) == 0
    queue = services.queue(app)
    try:
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        queue.delete(delete_jobs=True)
    job = the_job()
    assert job.state == JobState.SUCCEEDED, job.error
    review = db.session.scalar(sa.select(Review))
    assert job.result["review_id"] == review.id
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["link"]["href"] == f"/reviews/{review.id}"


# --- THE KILL TEST -------------------------------------------------------------------------------------------------

def _pg_url_or_skip(name: str) -> str:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable ({error.orig}); CI is unset")
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _kill_mid_import(url: str, tmp_path: Path, rows: int, started) -> None:
    """Start `flask jobs run` on an import of `rows` rows, SIGKILL it once `started(app, job)` says it is writing,
    then check that nothing of it is in the database and that the stale check marks it failed."""
    app = seed(url, JOBS_DIR=str(tmp_path / "jobs"))
    upload = tmp_path / "big.csv"
    upload.write_bytes(csv_rows(rows, MEMBERS))
    with app.app_context():
        before = (count(Activity), count(AuditLog))
        job = services.create("import", {"dataset": "records", "path": str(upload), "filename": "big.csv",
                                         "user_id": None}, None)
        db.session.commit()
        job_id = job.id
        env = {**os.environ, "DATABASE_URL": url, "FLASK_SECRET_KEY": "kill-test",
               "FLASK_JOBS_DIR": str(tmp_path / "jobs"), "FLASK_JOBS_TEST_SLOWDOWN": "0.25",
               "FLASK_JOBS_HEARTBEAT_SECONDS": "1"}
        output = tmp_path / "worker.log"
        with output.open("wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", str(job_id)],
                                      cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            def writing() -> bool:
                assert worker.poll() is None, output.read_text(errors="replace")
                db.session.expire_all()
                found = db.session.get(Job, job_id)
                ok = found.state == JobState.RUNNING and started(app, found)
                db.session.rollback()
                return ok
            wait_for(writing, timeout=120, every=0.05)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL
        db.session.expire_all()
        assert (count(Activity), count(AuditLog)) == before  # not one row of the import
        assert db.session.get(Job, job_id).state == JobState.RUNNING  # nobody has looked yet
        db.session.rollback()
        time.sleep(1.5)
        assert services.mark_stale(seconds=1) == 1
        job = db.session.get(Job, job_id)
        assert (job.state, job.error) == (JobState.FAILED, services.STALE_ERROR)
        assert upload.exists()  # the upload is still there to be imported again
        db.session.remove()
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.skipif(ON_SQLITE, reason="in the PostgreSQL run (TEST_DATABASE_URL): the kill test runs once per database")
def test_a_worker_killed_mid_import_leaves_nothing_on_postgresql(tmp_path):
    url = _pg_url_or_skip("siyi_test_jobs_kill")

    def started(app, job: Job) -> bool:
        """Past the first block of 5,000 rows: its first 2,000 were sent by COPY, uncommitted."""
        if job.done < 5600:
            return False
        size = db.session.scalar(sa.text("SELECT pg_relation_size('activity')"))
        assert size > 0  # the rows are in the table's pages, invisible until a commit that never comes
        return True
    _kill_mid_import(url, tmp_path, 12000, started)


@pytest.mark.slow
@pytest.mark.skipif(not ON_SQLITE, reason="in the SQLite run: the kill test runs once per database")
def test_a_worker_killed_mid_import_leaves_nothing_on_sqlite(tmp_path):
    database = tmp_path / "kill.db"

    def started(app, job: Job) -> bool:
        """Every row inserted (SQLite inserts at the end), the transaction not yet committed."""
        if services.status(job)["message"] != "正在保存":
            return False
        assert Path(f"{database}-journal").exists()  # the open write transaction's rollback journal
        return True
    _kill_mid_import(f"sqlite:///{database}", tmp_path, 3000, started)
