"""What an RQ worker runs: `perform(job_id)`, in an app context and session of the job's own."""
from __future__ import annotations

from flask import current_app, has_app_context


def perform(job_id: int) -> None:
    from app.jobs.services import run_isolated
    if has_app_context():  # `flask --app wsgi jobs worker`, or a test's worker
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:  # a plain `rq worker`
        from app import create_app
        app = create_app()
    run_isolated(app, job_id)
