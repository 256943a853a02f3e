"""Background jobs (后台任务): long work (a big import, a review, a certificate print run) done off the request."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import LabelledEnum
from app.models.types import enum_column
from app.timeutil import utcnow


class JobState(LabelledEnum):
    QUEUED = "排队中"
    RUNNING = "运行中"
    SUCCEEDED = "已完成"
    FAILED = "失败"
    CANCELLED = "已取消"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class Job(db.Model):
    """One piece of long work. Its own work commits once, together with the job's final state; progress and the
    heartbeat are written beside it (another connection, or a file on SQLite), so a killed worker leaves the
    job `running` with an old heartbeat and nothing of its work: the stale check then marks it failed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)  # random: names its progress and result files
    # The one-time token of the form that asked for it: the same form posted twice (a double click) is one job
    request_token: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED,
                                            server_default=JobState.QUEUED.name, index=True)
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    message: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
