"""`flask --app wsgi jobs worker` (the RQ worker of production), `jobs run ID` (one job, here and now) and
`jobs list`."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.jobs import services
from app.models import Job

jobs_cli = AppGroup("jobs", help="后台任务 / Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="做完队列中的任务就退出 / Quit when the queue is empty.")
def worker_command(burst: bool) -> None:
    """运行 RQ 工作进程(生产环境,JOBS_BACKEND=rq)/ Run an RQ worker on REDIS_URL."""
    from rq import SimpleWorker
    stale = services.mark_stale()
    if stale:
        click.echo(f"已将 {stale} 个中断的任务标记为失败", err=True)
    db.session.remove()
    queue = services.queue(current_app)  # type: ignore[arg-type]
    # One job at a time in this process (no fork: the job's database connections are its own); run several
    # workers for several jobs at once.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)


@jobs_cli.command("run")
@click.argument("job_id", type=int)
def run_command(job_id: int) -> None:
    """在本进程运行一个排队中的任务 / Run one queued job in this process."""
    services.mark_stale()
    state = services.run_job(job_id)
    job = db.session.get(Job, job_id)
    if state is None or job is None:
        click.echo(f"没有排队中的任务 {job_id}", err=True)
        sys.exit(2)
    click.echo(f"任务 {job_id}：{job.state.label}{('：' + job.error) if job.error else ''}")
    sys.exit(0 if job.state.name == "SUCCEEDED" else 1)


@jobs_cli.command("list")
def list_command() -> None:
    """列出最近的任务 / List recent jobs."""
    services.mark_stale()
    for job in db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(50)):
        click.echo(f"{job.id}\t{job.kind}\t{job.state.label}\t{job.done}/{job.total}\t{job.message}")
