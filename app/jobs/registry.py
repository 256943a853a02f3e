"""What a job function is and may use: the registry of job kinds, the progress callback, the ways a job ends early
(JobFailed, JobCancelled) and the jobs' folders. app/jobs/kinds.py registers the functions; app/jobs/services.py
runs them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

Progress = Callable[..., None]  # (done, total, message="")
KindFunction = Callable[[dict[str, Any], Progress], dict[str, Any]]
KINDS: dict[str, KindFunction] = {}


class JobCancelled(Exception):
    """Raised by a progress callback that finds the job's cancel flag set: the job's transaction rolls back."""


class JobFailed(Exception):
    """A job that cannot do its work, with the reason in Chinese for its owner."""


def kind(name: str) -> Callable[[KindFunction], KindFunction]:
    """Register a job function: (params, progress) → result (JSON). It flushes, never commits."""
    def register(function: KindFunction) -> KindFunction:
        KINDS[name] = function
        return function
    return register


def folder(name: str) -> Path:
    """A folder of the jobs' files (job_results, job_progress) under JOBS_DIR or the instance folder, made if
    missing."""
    base = current_app.config.get("JOBS_DIR") or current_app.instance_path
    found = Path(base) / name
    found.mkdir(parents=True, exist_ok=True)
    return found
