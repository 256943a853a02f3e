"""Background jobs: submit, run, report progress, cancel, and find the stale ones.

A job's own work runs in the job's session and commits once, together with the job's final state; progress, the
heartbeat and the cancel flag go beside it, in short transactions of their own on another connection (on SQLite,
whose one writer is the job itself, in a small file under JOBS_DIR/job_progress). A worker killed mid-job thus
leaves its job `running` with a heartbeat that stops, and nothing of its work: `mark_stale` then says so.

Backends (config JOBS_BACKEND): "rq" (an RQ queue on REDIS_URL; `flask --app wsgi jobs worker`), "thread" (an
in-process executor: the embedded mode) and "inline" (run inside `submit`: the tests).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app import evidence, races
from app.extensions import db
from app.jobs.registry import KINDS, JobCancelled, JobFailed, KindFunction, folder
from app.models import Job, JobState, Role, User
from app.paths import UnsafePath, confined
from app.timeutil import utcnow

log = logging.getLogger(__name__)
STALE_ERROR = "工作进程中断，未写入任何数据"
CANCELLED_MESSAGE = "已取消，未写入任何数据"
WATCHERS = (Role.OFFICE, Role.ADMIN)  # see every job; anyone else sees their own


def _kinds() -> dict[str, KindFunction]:
    from app.jobs import kinds  # noqa: F401  (registers the job functions)
    return KINDS


# --- files -------------------------------------------------------------------------------------------------------

def result_path(job: Job) -> Path | None:
    """The job's result file (a print run's PDF), if it has one: always inside the job_results folder (a name
    planted in the database, `/etc/passwd` or `../secret_key`, gives None)."""
    name = (job.result or {}).get("file") if isinstance(job.result, dict) else None
    if not name:
        return None
    try:
        return confined(folder("job_results"), name)
    except UnsafePath:
        log.warning("job %s: result file name %r refused", job.id, name)
        return None


def _progress_file(key: str) -> Path:
    return folder("job_progress") / f"{key}.json"


def _cancel_file(key: str) -> Path:
    return folder("job_progress") / f"{key}.cancel"


def _uses_files() -> bool:
    """SQLite has one writer, the job itself: its progress cannot be committed beside it."""
    return db.engine.dialect.name == "sqlite"


def _read_progress(key: str) -> dict[str, Any] | None:
    try:
        return json.loads(_progress_file(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- submitting --------------------------------------------------------------------------------------------------

TOKEN = re.compile(r"[0-9a-f]{32}")


def new_token() -> str:
    """A one-time token for a form that starts a job (hidden in it): that form posted twice is one job."""
    return secrets.token_hex(16)


def clean_token(raw: str | None) -> str | None:
    """The posted token, if it is one `new_token` could have made; anything else counts as none."""
    return raw if raw and TOKEN.fullmatch(raw) else None


def by_token(token: str | None) -> Job | None:
    """The job a form's token already started, if any."""
    return db.session.scalar(sa.select(Job).where(Job.request_token == token)) if token else None


def active(kind_name: str, **params: Any) -> Job | None:
    """The oldest queued or running job of `kind_name` whose params have these values (a print run of one
    review …): the few unfinished jobs are read and compared here, the same on every database."""
    for job in db.session.scalars(sa.select(Job).where(Job.kind == kind_name, Job.state.in_(
            (JobState.QUEUED, JobState.RUNNING))).order_by(Job.id)):
        if all((job.params or {}).get(name) == value for name, value in params.items()):
            return job
    return None


def create(kind_name: str, params: dict[str, Any], user: User | None, token: str | None = None) -> Job:
    """A queued job (flushed). With a form's `token`: the job that token made, if it made one already (the same
    form posted twice, even by another request at this very moment): never a second one, never an error."""
    return _create(kind_name, params, user, token)[0]


def _create(kind_name: str, params: dict[str, Any], user: User | None, token: str | None) -> tuple[Job, bool]:
    """(the job, whether this call made it)."""
    if kind_name not in _kinds():
        raise ValueError(f"unknown job kind {kind_name!r}")
    values = {"key": uuid.uuid4().hex, "kind": kind_name, "params": params, "state": JobState.QUEUED,
              "created_by_id": user.id if user is not None else None, "request_token": token}
    if token is None:
        job = Job(**values)
        db.session.add(job)
        db.session.flush()
        return job, True
    made = races.insert_or_ignore(Job.__table__, values, ["request_token"])
    return db.session.scalars(sa.select(Job).where(Job.request_token == token)).one(), made


def submit(kind_name: str, params: dict[str, Any], user: User | None, token: str | None = None) -> Job:
    """Create a job, commit it (a worker must see it) and hand it to the configured backend. With the inline
    backend the job has finished when this returns. With a form's `token` a job is made once: posted again, the
    form gets the job it made the first time (perhaps still running; perhaps with other params, which the caller
    compares) and nothing new runs."""
    job, made = _create(kind_name, params, user, token)
    db.session.commit()
    if not made:
        return job
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = backend_name(app)
    if backend == "inline":
        run_isolated(app, job.id)
        db.session.expire_all()
    elif backend == "thread":
        _executor(app).submit(run_isolated, app, job.id)
    elif backend == "rq":
        queue(app).enqueue_call("app.jobs.worker.perform", args=(job.id,),
                                timeout=int(app.config["JOBS_TIMEOUT"]), description=f"{job.kind} #{job.id}")
    else:
        raise ValueError(f"JOBS_BACKEND {backend!r}: use rq, thread or inline")
    return job


def backend_name(app: Flask) -> str:
    return str(app.config.get("JOBS_BACKEND") or "thread")


def is_inline() -> bool:
    return backend_name(current_app) == "inline"  # type: ignore[arg-type]


_executor_lock = threading.Lock()


def _executor(app: Flask) -> ThreadPoolExecutor:
    with _executor_lock:
        executor = app.extensions.get("jobs.executor")
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=int(app.config["JOBS_THREADS"]), thread_name_prefix="job")
            app.extensions["jobs.executor"] = executor
        return executor


def queue(app: Flask) -> Any:
    """The RQ queue on REDIS_URL."""
    from redis import Redis
    from rq import Queue
    return Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def run_isolated(app: Flask, job_id: int) -> None:
    """Run a job in an app context (and so a database session) of its own."""
    with app.app_context():
        try:
            run_job(job_id)
        except Exception:  # a thread or a worker must go on to the next job; the job says what went wrong
            log.exception("job %s", job_id)
        finally:
            db.session.remove()


# --- running -----------------------------------------------------------------------------------------------------

class Reporter:
    """A running job's side channel: progress and heartbeat written outside the job's transaction; the cancel
    flag read at every progress call."""

    def __init__(self, job: Job) -> None:
        config = current_app.config
        self.job_id = job.id
        self.engine = db.engine
        self.files = _uses_files()
        self.progress_file, self.cancel_file = _progress_file(job.key), _cancel_file(job.key)
        self.slowdown = float(config.get("JOBS_TEST_SLOWDOWN") or 0)
        self.interval = float(config["JOBS_HEARTBEAT_SECONDS"])
        self.state = {"done": 0, "total": 0, "message": ""}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def __call__(self, done: int, total: int, message: str = "") -> None:
        with self.lock:
            self.state = {"done": max(0, int(done)), "total": max(0, int(total)), "message": str(message)[:200]}
            cancel = self._write()
        if cancel:
            raise JobCancelled
        if self.slowdown:  # the kill test's hook: time to see the job half done
            time.sleep(self.slowdown)

    def _write(self) -> bool:
        """Write the progress and the heartbeat now; whether cancelling was asked for."""
        now = utcnow()
        if self.files:
            evidence.write_whole(self.progress_file,
                                 json.dumps({**self.state, "heartbeat_at": now.isoformat()}).encode())
            return self.cancel_file.exists()
        table = Job.__table__
        with self.engine.begin() as connection:
            flag = connection.execute(sa.update(table).where(table.c.id == self.job_id)
                                      .values(heartbeat_at=now, **self.state).returning(table.c.cancel_requested))
            return bool(flag.scalar())

    def start(self) -> None:
        self.thread = threading.Thread(target=self._beat, name=f"job-{self.job_id}-heartbeat", daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.lock, contextlib.suppress(Exception):  # a missed beat is only a late one
                self._write()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()
        with contextlib.suppress(OSError):
            self.progress_file.unlink(missing_ok=True)
            self.cancel_file.unlink(missing_ok=True)


def run_job(job_id: int) -> JobState | None:
    """Run a queued job in the current app context and session: its work and its final state are committed
    together; on a cancel or an error both roll back and the job is marked so in a transaction of its own.
    Returns the job's final state (None: no such queued job)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return None
    function = _kinds().get(job.kind)
    if job.cancel_requested or function is None:
        _finish(job_id, JobState.CANCELLED if job.cancel_requested else JobState.FAILED,
                "" if job.cancel_requested else f"未知的任务类型 {job.kind}")
        return db.session.get(Job, job_id).state  # type: ignore[union-attr]
    now = utcnow()
    claimed = db.session.execute(sa.update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
                                 .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now))
    db.session.commit()
    if claimed.rowcount != 1:  # cancelled, or another worker took it, meanwhile
        return None
    job = db.session.get(Job, job_id)
    assert job is not None
    params = {**(job.params or {}), "job_key": job.key}
    kind_name = job.kind
    reporter = Reporter(job)
    reporter.start()
    ended: tuple[JobState, str] | None = None
    try:
        result = function(params, reporter)
    except JobCancelled:
        ended = JobState.CANCELLED, ""
    except JobFailed as error:
        ended = JobState.FAILED, str(error)
    except Exception as error:
        log.exception("job %s (%s)", job_id, kind_name)
        ended = JobState.FAILED, failure_text(error, "任务出错：")
    if ended is not None:
        db.session.rollback()
        reporter.stop()
        _finish(job_id, *ended)
    else:
        reporter.stop()
        job = db.session.get(Job, job_id)
        assert job is not None
        remove = result.pop("_remove", [])  # files the work used up: removed once it is committed
        total = max(reporter.state["total"], reporter.state["done"], 1)
        job.state, job.result, job.done, job.total = JobState.SUCCEEDED, result, total, total
        job.message, job.finished_at = "已完成", utcnow()
        try:
            db.session.commit()  # the work and the job's success, at once
        except Exception as error:
            db.session.rollback()
            _drop_result(result)
            log.exception("job %s commit", job_id)
            _finish(job_id, JobState.FAILED, failure_text(error, "保存失败："))
        else:
            for path in remove:
                with contextlib.suppress(OSError):
                    Path(path).unlink(missing_ok=True)
    return db.session.get(Job, job_id).state  # type: ignore[union-attr]


CLASH_ERROR = "与同时进行的另一项操作冲突，未写入任何数据。请刷新页面查看结果，需要时再试一次。"
BUSY_ERROR = "数据库正忙（另一项工作正在写入），未写入任何数据，请稍后再试。"
DATABASE_ERROR = "数据库出错，未写入任何数据。请稍后再试，或联系系统管理员。"


def failure_text(error: Exception, prefix: str) -> str:
    """What a failed job's page says about an error its work did not expect. The database's refusals are said in
    Chinese, never in the driver's English (the log keeps the details): a clash with work done at the same moment
    (a unique constraint), a database busy with another writer (SQLite's lock), anything else of the database."""
    if isinstance(error, sa.exc.IntegrityError):
        return CLASH_ERROR
    if isinstance(error, sa.exc.OperationalError) and "locked" in str(error.orig).lower():
        return BUSY_ERROR
    if isinstance(error, sa.exc.DBAPIError):
        return DATABASE_ERROR
    return f"{prefix}{type(error).__name__}: {error}"[:2000]


def _drop_result(result: dict[str, Any] | None) -> None:
    if result and result.get("file"):
        with contextlib.suppress(OSError, ValueError):
            confined(folder("job_results"), result["file"]).unlink(missing_ok=True)


def _finish(job_id: int, state: JobState, error: str) -> None:
    """Mark a job ended without its work (cancelled or failed), in a transaction of its own."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:
        return
    db.session.refresh(job)
    job.state, job.error, job.finished_at = state, error, utcnow()
    job.message = CANCELLED_MESSAGE if state == JobState.CANCELLED else "失败，未写入任何数据"
    db.session.commit()


# --- watching ----------------------------------------------------------------------------------------------------

def visible(user: User, kind: str = "", state: JobState | None = None) -> sa.Select[tuple[Job]]:
    """The jobs `user` may see (their own; the office's and the admin's, all), of one kind or state if given,
    newest first."""
    stmt = sa.select(Job).order_by(Job.id.desc())
    if user.role not in WATCHERS:
        stmt = stmt.where(Job.created_by_id == user.id)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    return stmt


def job_sorts() -> dict[str, sa.ColumnElement[Any]]:
    """The jobs list's sortable columns (`?sort=`): a whitelist, so nothing else reaches ORDER BY."""
    return {"id": Job.id, "kind": Job.kind, "state": Job.state, "created": Job.created_at,
            "finished": Job.finished_at,
            "submitter": sa.select(User.display_name).where(User.id == Job.created_by_id).scalar_subquery()}


def status(job: Job) -> dict[str, Any]:
    """The job as its page shows it; a running job's progress read where its worker writes it."""
    done, total, message, heartbeat = job.done, job.total, job.message, job.heartbeat_at
    if job.state == JobState.RUNNING and _uses_files():
        found = _read_progress(job.key)
        if found:
            done, total, message = found.get("done", 0), found.get("total", 0), found.get("message", "")
    percent = min(100, round(100 * done / total)) if total else (100 if job.state == JobState.SUCCEEDED else 0)
    return {"id": job.id, "kind": job.kind, "state": job.state.name, "state_label": job.state.label,
            "finished": job.state.finished, "done": done, "total": total, "percent": percent, "message": message,
            "error": job.error, "cancel_requested": job.cancel_requested,
            "heartbeat_at": heartbeat.isoformat() if heartbeat else None}


def heartbeat_of(job: Job) -> dt.datetime | None:
    beats = [job.heartbeat_at, job.started_at]
    if _uses_files():
        found = _read_progress(job.key)
        if found and found.get("heartbeat_at"):
            beats.append(dt.datetime.fromisoformat(found["heartbeat_at"]))
    beats = [b for b in beats if b is not None]
    return max(beats) if beats else None


def mark_stale(seconds: float | None = None) -> int:
    """Mark failed every running job whose heartbeat is older than `seconds` (JOBS_STALE_SECONDS): its worker was
    killed, and its work rolled back with it. Commits; returns how many."""
    limit = utcnow() - dt.timedelta(seconds=float(seconds if seconds is not None
                                                  else current_app.config["JOBS_STALE_SECONDS"]))
    running = db.session.scalars(sa.select(Job).where(Job.state == JobState.RUNNING)).all()
    stale = [job for job in running if (heartbeat_of(job) or job.created_at) < limit]
    if not stale:
        db.session.rollback()
        return 0
    try:
        db.session.execute(sa.update(Job).where(Job.id.in_([j.id for j in stale]), Job.state == JobState.RUNNING)
                           .values(state=JobState.FAILED, error=STALE_ERROR, message=STALE_ERROR,
                                   finished_at=utcnow()))
        db.session.commit()
    except sa.exc.OperationalError:  # SQLite: another job is writing; the next look will do it
        db.session.rollback()
        return 0
    for job in stale:
        with contextlib.suppress(OSError):
            _progress_file(job.key).unlink(missing_ok=True)
    return len(stale)


def request_cancel(job: Job) -> None:
    """Ask a job to stop: a queued one is cancelled now, a running one at its next progress call. Commits."""
    if job.state == JobState.QUEUED:
        db.session.execute(sa.update(Job).where(Job.id == job.id, Job.state == JobState.QUEUED).values(
            state=JobState.CANCELLED, cancel_requested=True, message=CANCELLED_MESSAGE, finished_at=utcnow()))
    if _uses_files():
        _cancel_file(job.key).touch()
    try:
        db.session.execute(sa.update(Job).where(Job.id == job.id).values(cancel_requested=True))
        db.session.commit()
    except sa.exc.OperationalError:  # SQLite, while the job writes: the file says it
        db.session.rollback()
    db.session.expire_all()
