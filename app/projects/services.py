"""引一企 register use cases: projects, the stages they reached, their 跟踪服务, and the 引一企 record made from a stage
for verification. Flush, never commit; every change is audited in the caller's transaction.

Scope follows the records' (app.auth.scope). A stage reached becomes a record of the rule files' kinds (STAGE_RECORDS)
naming its project: the engine counts one project once per item and period, and in the 引一企 section, which forbids
double counting, under its best item only, so a project's stage reached twice in a year scores once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit, registers
from app.activities import services as records
from app.auth.scope import scoped
from app.extensions import db
from app.models import Activity, Category, Member, Project, ProjectProgress, ProjectService, ProjectStage, User
from app.timeutil import beijing_today
from app.web import name_search

Errors = dict[str, list[str]]
CODE_PREFIX = "YQ"
PROJECT_FIELDS = ("code", "name", "investor", "industry", "amount", "member_id", "unit_id", "others", "note")
#: What a stage reached is reported as: the rule files' kind and outcome (洽谈: the information was taken up).
STAGE_RECORDS = {ProjectStage.INFO: ("招商信息", "报送"), ProjectStage.TALKS: ("招商信息", "采用"),
                 ProjectStage.SIGNED: ("引进企业", "签约"), ProjectStage.LANDED: ("引进企业", "落地")}


def project_query(q: str = "", unit_id: int | None = None, stage: str = "", year: int | None = None,
                  user: User | None = None) -> sa.Select[tuple[Project]]:
    """Projects in the user's scope; `q` matches the name, investor, number or the member's name or pinyin;
    `stage`: projects that reached it; `year`: projects with a stage reached or a service that year."""
    stmt = scoped(Project, user).options(selectinload(Project.member), selectinload(Project.unit),
                                         selectinload(Project.stages))
    if q:
        text = q.strip()[:40]
        members = sa.select(Member.id).where(name_search(Member.name, Member.search_key, q))
        stmt = stmt.where(sa.or_(Project.name.contains(text, autoescape=True),
                                 Project.investor.contains(text, autoescape=True), Project.code == text,
                                 Project.member_id.in_(members)))
    if unit_id:
        stmt = stmt.where(registers.of_unit(Project, unit_id))
    if stage in ProjectStage.__members__:
        stmt = stmt.where(Project.id.in_(sa.select(ProjectProgress.project_id).where(
            ProjectProgress.stage == ProjectStage[stage])))
    if year:
        span = (dt.date(year, 1, 1), dt.date(year, 12, 31))
        stmt = stmt.where(sa.or_(
            Project.id.in_(sa.select(ProjectProgress.project_id).where(ProjectProgress.reached_on.between(*span))),
            Project.id.in_(sa.select(ProjectService.project_id).where(ProjectService.occurred_on.between(*span)))))
    return stmt.order_by(Project.id.desc())


def project_sorts() -> dict[str, sa.ColumnElement[Any]]:
    """The projects list's sortable columns (`?sort=`): a whitelist."""
    latest = sa.select(sa.func.max(ProjectProgress.reached_on)).where(
        ProjectProgress.project_id == Project.id).scalar_subquery()
    return {"code": Project.code, "name": Project.name, "investor": Project.investor, "industry": Project.industry,
            "amount": Project.amount, "subject": registers.subject_sort(Project), "latest": latest}


@dataclass
class ProjectInput:
    subject: str
    name: str
    investor: str = ""
    industry: str = ""
    amount: Decimal | None = None
    others: str = ""
    note: str = ""


def save_project(project: Project, data: ProjectInput, user: User) -> Errors:
    """Validate `data` and copy it onto `project` (new or existing); errors by field."""
    errors: Errors = {}
    subject = registers.subject(data.subject, user, errors)
    registers.keep_subject(project, subject, Activity.project_id, errors)
    if not data.name.strip():
        errors["name"] = [_("请填写项目名称。")]
    if data.amount is not None and data.amount < 0:
        errors["amount"] = [_("不能为负数。")]
    if errors:
        return errors
    assert subject is not None
    values = {name: getattr(data, name).strip() for name in ("name", "investor", "industry", "others", "note")}
    registers.store(project, subject, {**values, "amount": data.amount}, user, "project", PROJECT_FIELDS, CODE_PREFIX)
    return {}


def _check_date(day: dt.date | None, field: str, errors: Errors) -> None:
    if day is None:
        errors[field] = [_("请填写日期。")]
    elif day > beijing_today():
        errors[field] = [_("日期不能晚于今天。")]


def reach_stage(project: Project, stage: str, reached_on: dt.date | None, note: str, user: User) -> Errors:
    """Record the date `project` reached `stage`; a stage already recorded is corrected (`update_stage`)."""
    errors: Errors = {}
    chosen = ProjectStage[stage] if stage in ProjectStage.__members__ else None
    if chosen is None:
        errors["stage"] = [_("请选择阶段。")]
    _check_date(reached_on, "reached_on", errors)
    existing = next((s for s in project.stages if s.stage == chosen), None)
    if existing is not None and not errors:
        return update_stage(existing, reached_on, note, user)
    if errors:
        return errors
    assert chosen is not None and reached_on is not None
    row = ProjectProgress(project_id=project.id, stage=chosen, created_by_id=user.id, reached_on=reached_on,
                          note=note.strip())
    db.session.add(row)
    db.session.flush()
    audit.record(user, "update", "project", project.id, {"stage": (None, _stage_text(row))})
    db.session.refresh(project, ["stages"])
    return {}


def update_stage(progress: ProjectProgress, reached_on: dt.date | None, note: str, user: User) -> Errors:
    """Correct the date (and note) of a stage reached. An 引一企 record it was reported as follows it (its date and
    description), by the records' own rules (registers.linked_refusal): otherwise the stage stays as it is."""
    refused = registers.linked_refusal(progress.activity, user)
    if refused:
        return {"reached_on": [refused]}
    errors: Errors = {}
    _check_date(reached_on, "reached_on", errors)
    if errors:
        return errors
    assert reached_on is not None
    before = _stage_text(progress)
    progress.reached_on, progress.note = reached_on, note.strip()
    db.session.flush()
    if _stage_text(progress) == before:
        return {}
    audit.record(user, "update", "project", progress.project_id, {"stage": (before, _stage_text(progress))})
    if progress.activity is None:
        return {}
    return registers.change_linked(progress.activity, Category.ENTERPRISE, _record_of(progress),
                                   ("occurred_on", "description"), user, {"occurred_on": "reached_on"}, "reached_on")


def delete_stage(progress: ProjectProgress, user: User) -> tuple[list[str], str]:
    """Remove a stage reached, and the 引一企 record it was reported as when that record may be deleted (a draft
    never submitted: registers.linked_refusal); otherwise nothing. (The sha256s of the record's evidence files to
    discard once committed, the reason it may not go.)"""
    activity = progress.activity
    refused = registers.linked_refusal(activity, user, deleting=True)
    if refused:
        return [], refused
    audit.record(user, "delete", "project", progress.project_id, {"stage": (_stage_text(progress), None)})
    db.session.delete(progress)
    db.session.flush()
    return registers.remove_linked(activity, user) if activity is not None else ([], "")


def _stage_text(row: ProjectProgress) -> str:
    """签约 2025-03-01（备注）: a stage as the audit log keeps it."""
    return f"{row.stage.label} {row.reached_on.isoformat()}" + (f"（{row.note}）" if row.note else "")


def _check_service(occurred_on: dt.date | None, content: str) -> Errors:
    errors: Errors = {}
    _check_date(occurred_on, "occurred_on", errors)
    if not content.strip():
        errors["content"] = [_("请填写服务内容。")]
    return errors


def _service_text(row: ProjectService) -> str:
    """2025-06-01：协调用电: a 跟踪服务 entry as the audit log keeps it."""
    return f"{row.occurred_on}：{row.content}"


def add_service(project: Project, occurred_on: dt.date | None, content: str, user: User) -> Errors:
    """Log one 跟踪服务（安商稳商）entry."""
    errors = _check_service(occurred_on, content)
    if errors:
        return errors
    assert occurred_on is not None
    row = ProjectService(project_id=project.id, occurred_on=occurred_on, content=content.strip(),
                         created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "create", "project", project.id, {"service": (None, _service_text(row))})
    return {}


def update_service(service: ProjectService, occurred_on: dt.date | None, content: str, user: User) -> Errors:
    """Correct a 跟踪服务 entry (it files no record)."""
    errors = _check_service(occurred_on, content)
    if errors:
        return errors
    assert occurred_on is not None
    before = _service_text(service)
    service.occurred_on, service.content = occurred_on, content.strip()
    db.session.flush()
    if _service_text(service) != before:
        audit.record(user, "update", "project", service.project_id, {"service": (before, _service_text(service))})
    return {}


def delete_service(service: ProjectService, user: User) -> None:
    """Remove a 跟踪服务 entry, audited under its project."""
    audit.record(user, "delete", "project", service.project_id, {"service": (_service_text(service), None)})
    db.session.delete(service)
    db.session.flush()


def _record_of(progress: ProjectProgress) -> records.Entry:
    """The 引一企 record a stage reached makes (STAGE_RECORDS; 报送核实), or makes again once corrected."""
    project = progress.project
    kind, outcome = STAGE_RECORDS[progress.stage]
    amount = project.amount if kind == "引进企业" else None
    return records.Entry(subject=registers.subject_value(project), kind=kind, outcome=outcome,
                         occurred_on=progress.reached_on, title=f"{project.name}：{progress.stage.label}"[:200],
                         description=progress.note or project.name, amount=amount,
                         counterpart=(project.investor or project.name)[:120], project=project.id, confirmed=True)


def stage_to_record(progress: ProjectProgress, user: User, entered_by: int | None = None) -> tuple[Activity, Errors]:
    """报送核实: the 引一企 record of a stage reached (STAGE_RECORDS), submitted for verification, naming its project."""
    if progress.activity_id is not None:
        return Activity(), {"stage": [_("该阶段已报送为履职记录。")]}
    if progress.stage not in STAGE_RECORDS:
        return Activity(), {"stage": [_("细则不对“%(stage)s”计分，无需报送。", stage=_(progress.stage.label))]}
    data = _record_of(progress)
    data.entered_by = entered_by
    return registers.report(Category.ENTERPRISE, data, user, progress, "project", progress.project_id,
                            "stage.activity_id")


def export_rows(rows: Iterable[Project]) -> Iterator[list[Any]]:
    """Projects in the import's column order (app.spreadsheets.columns.PROJECTS): a date column per stage."""
    for p in rows:
        reached = {s.stage: s.reached_on for s in p.stages}
        yield [p.code, p.name, p.investor, p.industry, p.amount, *registers.subject_cells(p), p.others,
               *(reached.get(stage) for stage in ProjectStage), p.note]
