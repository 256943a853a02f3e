"""The job functions: a big import confirmed, a review run, a certificate print run, a long document (every
member's 履职档案). Each flushes, never commits (the job runner commits the work and the job's success together)
and reports progress as it goes."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from app import evidence
from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.jobs.registry import JobFailed, Progress, folder, kind
from app.models import Review, User
from app.paths import confined

SHOWN_ERRORS = 20


def _user(params: dict[str, Any]) -> User | None:
    user_id = params.get("user_id")
    user = db.session.get(User, user_id) if user_id else None
    if user_id and (user is None or not user.active):
        raise JobFailed("提交任务的用户已不存在或已停用")
    return user


@kind("import")
def confirm_import(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: dataset, path (the upload claimed for this job), filename, user_id, restore (where the upload goes
    back to if the import fails: the dry run's token), confirm (the values to confirm were confirmed). The upload
    is deleted once imported."""
    dataset = DATASETS[params["dataset"]]
    path = Path(params["path"])
    try:
        data = path.read_bytes()
    except OSError:
        raise JobFailed("上传的文件已不存在，请重新上传") from None
    outcome = run_import(dataset, data, params["filename"], _user(params), dry_run=False, progress=progress,
                         confirm=bool(params.get("confirm")))
    if not outcome.ok:  # the data changed since the dry run: nothing is written, the upload may be checked again
        if params.get("restore"):
            os.replace(path, params["restore"])
        raise JobFailed("\n".join([outcome.summary(), *outcome.errors[:SHOWN_ERRORS]]
                                  + ([f"……另有 {len(outcome.errors) - SHOWN_ERRORS} 处"]
                                     if len(outcome.errors) > SHOWN_ERRORS else [])))
    return {"_remove": [str(path)], "dataset": dataset.name, "filename": params["filename"], "counts": outcome.counts,
            "summary": outcome.summary(), "notes": outcome.notes[:SHOWN_ERRORS]}


@kind("roster")
def confirm_roster(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: path (the upload claimed for this job), restore, filename, user_id, and the office's choices from the
    dry run: sheet, answers (row → member code, new or skip), create_units."""
    from app.roster import services as roster
    path = Path(params["path"])
    try:
        data = path.read_bytes()
    except OSError:
        raise JobFailed("上传的文件已不存在，请重新上传") from None
    options = roster.Options(sheet=params.get("sheet"), create_units=bool(params.get("create_units")),
                             answers={int(row): value for row, value in (params.get("answers") or {}).items()})
    outcome = roster.run_roster(data, params["filename"], _user(params), dry_run=False, options=options,
                                progress=progress)
    if not outcome.ok:
        if params.get("restore"):
            os.replace(path, params["restore"])
        errors = outcome.errors or [q.reason for q in outcome.open_questions]
        raise JobFailed("\n".join([outcome.summary(), *errors[:SHOWN_ERRORS]]
                                  + ([f"……另有 {len(errors) - SHOWN_ERRORS} 处"] if len(errors) > SHOWN_ERRORS else [])))
    return {"_remove": [str(path)], "dataset": "roster", "filename": params["filename"], "counts": outcome.counts,
            "units": len(outcome.new_units), "summary": outcome.summary(), "notes": outcome.notes[:SHOWN_ERRORS]}


@kind("review")
def run_review(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: rule_file, period, user_id."""
    from app import scoring
    from app.reviews import services as reviews
    ruleset = reviews.rule_file(params["rule_file"])
    if ruleset is None:
        raise JobFailed("没有这个评分细则文件")
    try:
        review = reviews.run_review(ruleset, params["period"], _user(params), progress=progress)
    except (scoring.RuleError, reviews.ReviewError) as error:
        raise JobFailed(str(error)) from None
    return {"review_id": review.id, "period": review.period, "version": review.version}


def _document(params: dict[str, Any], progress: Progress, print_run: bool) -> dict[str, Any]:
    """Make one document of a review and keep its PDF as the job's result file (its owner downloads it from the
    job's page). params: review_id, name, options (app.documents.kinds.Options as a dict), user_id, job_key, and
    optionally visible (the subject ids the user may see; absent or None: all)."""
    from app.documents import kinds as documents
    from app.documents.errors import DocumentError
    review = db.session.get(Review, params["review_id"])
    if review is None:
        raise JobFailed("考评已不存在")
    visible = params.get("visible")
    progress(0, 0, "正在读取数据")  # before the first page: gathering every member's records takes a while too
    try:
        made = documents.make(params["name"], review, options_of(params), _user(params),
                              progress=lambda done, total: progress(done, total, "正在生成"),
                              visible=set(visible) if visible is not None else None, print_run=print_run)
    except DocumentError as error:
        raise JobFailed(str(error)) from None
    name = f"{params['job_key']}.pdf"
    evidence.write_whole(confined(folder("job_results"), name), made.data)  # all there or not at all
    return {"file": name, "filename": made.filename, "draft": made.draft, "pages": made.pages,
            "size": len(made.data)}


@kind("print")
def print_run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A certificate or 奖状 print run (`_document`'s params): numbers and the print log commit with the job."""
    from app.documents import kinds as documents
    if params["name"] not in documents.CERTIFICATE_DOCS:
        raise JobFailed("只有证书和奖状可以批量打印")
    return _document(params, progress, print_run=True)


@kind("document")
def long_document(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A document too long for a request (every member's 履职档案; `_document`'s params): it writes nothing but its
    result file."""
    from app.documents import kinds as documents
    if not documents.in_background(params["name"], options_of(params)):
        raise JobFailed("这份文件不在后台生成，请在打印文件页面直接下载")
    return _document(params, progress, print_run=False)


def options_params(options: Any) -> dict[str, Any]:
    """app.documents.kinds.Options as JSON."""
    found = dataclasses.asdict(options)
    if found.get("only") is not None:
        found["only"] = sorted(found["only"])
    return found


def options_of(params: dict[str, Any]) -> Any:
    """A job's `options` back as app.documents.kinds.Options."""
    from app.documents.kinds import Options
    options = dict(params.get("options") or {})
    if options.get("only") is not None:
        options["only"] = frozenset(options["only"])
    return Options(**options)
