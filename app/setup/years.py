"""Appraisal years (考评年度): open one, close its recording, reopen it. Flush, never commit.

A year open for recording is what lets records, meetings, imports and branch results be entered with its dates
(app.activities.services.open_years, app.meetings.services.check_date, app.imports.base); closing it stops new and
changed entries of its dates, while verification goes on. Reopening is the admin's, with a reason. Every change is
in the audit log (entity "appraisal_year", its id the year).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import Activity, AppraisalYear, Meeting, RecordState, User
from app.timeutil import utcnow

FIRST, LAST = 2000, 2100


class YearError(ValueError):
    """A year change that may not be made, with the reason in Chinese."""


def open_year(year: int, user: User | None, ip: str = "") -> AppraisalYear:
    """Open appraisal year `year` for recording: a new 考评年度 named “2026年度”.

    :raises YearError: out of range, or the year exists already (a closed one is reopened, with a reason)."""
    if not FIRST <= year <= LAST:
        raise YearError(_("考评年度应在 %(first)s 到 %(last)s 之间。", first=FIRST, last=LAST))
    found = db.session.get(AppraisalYear, year)
    if found is not None:
        if found.recording_closed_at is None:
            raise YearError(_("%(year)s年度已经开放录入。", year=year))
        raise YearError(_("%(year)s年度已停止录入；如需继续录入，请由系统管理员写明原因后重新开放。", year=year))
    found = AppraisalYear(year=year, name=f"{year}年度", recording_closed_at=None)
    db.session.add(found)
    db.session.flush()
    audit.record(user, "create", "appraisal_year", year, {"name": (None, found.name)}, ip=ip)
    return found


def close_year(found: AppraisalYear, user: User | None, ip: str = "") -> None:
    """Stop recording for the year: records and meetings of its dates can no longer be added or changed.

    :raises YearError: it is closed already."""
    if found.recording_closed_at is not None:
        raise YearError(_("%(year)s年度已经停止录入。", year=found.year))
    found.recording_closed_at = utcnow()
    db.session.flush()
    audit.record(user, "update", "appraisal_year", found.year,
                 {"recording_closed_at": (None, found.recording_closed_at)}, ip=ip)


def reopen_year(found: AppraisalYear, reason: str, user: User | None, ip: str = "") -> None:
    """Open a closed year for recording again, with the reason in the audit log. Records that fed a final award
    list stay locked.

    :raises YearError: it is open, or no reason is given."""
    if found.recording_closed_at is None:
        raise YearError(_("%(year)s年度正在开放录入，无需重新开放。", year=found.year))
    if not reason.strip():
        raise YearError(_("请写明重新开放的原因。"))
    before = found.recording_closed_at
    found.recording_closed_at = None
    db.session.flush()
    audit.record(user, "reopen", "appraisal_year", found.year, {"recording_closed_at": (before, None)},
                 reason=reason.strip(), ip=ip)


@dataclass(frozen=True)
class YearRow:
    """A year on the list, with its records by state and its meetings."""

    year: AppraisalYear
    records: dict[RecordState, int]
    meetings: int

    @property
    def waiting(self) -> int:
        """Records entered but not yet verified (草稿, 已提交, 退回)."""
        return sum(n for state, n in self.records.items() if state != RecordState.VERIFIED)


def year_rows() -> list[YearRow]:
    """Every appraisal year, newest first, with what was recorded in it."""
    years = db.session.scalars(sa.select(AppraisalYear).order_by(AppraisalYear.year.desc())).all()
    if not years:
        return []
    records: dict[int, dict[RecordState, int]] = {}
    # the year of a date, the same on SQLite and PostgreSQL
    record_year = sa.extract("year", Activity.occurred_on)
    for year, state, n in db.session.execute(sa.select(record_year, Activity.state, sa.func.count())
                                             .group_by(record_year, Activity.state)):
        records.setdefault(int(year), {})[state] = n
    meeting_year = sa.extract("year", Meeting.held_on)
    meetings = {int(year): n for year, n in db.session.execute(
        sa.select(meeting_year, sa.func.count()).group_by(meeting_year))}
    return [YearRow(y, records.get(y.year, {}), meetings.get(y.year, 0)) for y in years]


def suggested_year(today_year: int) -> int:
    """The year the page offers to open: this year if it is not there yet, else the year after the latest."""
    latest = db.session.scalar(sa.select(sa.func.max(AppraisalYear.year)))
    if latest is None or db.session.get(AppraisalYear, today_year) is None and today_year > latest:
        return today_year
    return latest + 1
