"""通报 followed by 处理: open the cases of a members' review's 通报 list, record their steps (谈话提醒, 沟通 with a county
party department, decisions), and list and count them within the user's scope. Flush, never commit.

A case is open until a decision closes it. 继续观察 is a decision that keeps it open (state 继续观察中): the office
watches the member and records a later decision (限期整改, 劝辞, or 其他 such as “观察期满，履职正常”) that closes it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit
from app.auth.scope import scoped
from app.awards import services as awards
from app.extensions import db
from app.models import (Followup, FollowupDecision, FollowupEntry, FollowupState, FollowupStep, Member, Review,
                        ReviewState, Role, SubjectKind, Unit, User)
from app.races import one_writer
from app.reviews.reading import review_label
from app.timeutil import BEIJING, beijing_today

Errors = dict[str, list[str]]
Step = Callable[["Followup", Mapping[str, Any], "User"], Errors]  # a step's service: errors by field, none when done
# The accounts a 谈话提醒 names as 谈话人: the county's people (the office, the leading group, the administrator).
TALKERS = (Role.OFFICE, Role.LEADER, Role.ADMIN)
# The 状态 filter of the list: 未办结 (the default and the 待办's link), one state, or every case.
UNCLOSED, EVERY = "open", "all"


class FollowupError(Exception):
    """A case cannot be opened: the review is not a frozen members' review, or the member is not on its 通报."""


def takes_cases(review: Review) -> bool:
    """Cases are opened from the 通报 of a frozen members' review (not a superseded version, not units or branches)."""
    return review.subject_kind == SubjectKind.MEMBERS and review.state == ReviewState.FROZEN


def noticed_on(review: Review) -> dt.date:
    """The day of the 通报: the review's freeze, in Beijing."""
    return review.created_at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


def cases_of_review(review: Review) -> dict[int, Followup]:
    """Member id → the case opened for them, from this review or an earlier version of its period."""
    rows = db.session.scalars(sa.select(Followup).join(Review, Review.id == Followup.review_id).where(
        Review.period == review.period, Review.kind == review.kind, Review.subject_kind == review.subject_kind)
        .order_by(Followup.id))
    return {case.member_id: case for case in rows}


def _reasons(notice: awards.Notice) -> str:
    return json.dumps(list(notice.reasons), ensure_ascii=False)


def open_cases(review: Review, member_ids: Iterable[int] | None, user: User) -> tuple[list[Followup], list[Followup]]:
    """Open a case for each of `member_ids` (None: everyone on the review's 通报 list) that has none yet; a member
    whose case an earlier version of the same period opened keeps that case. Returns (opened, already there).

    :raises FollowupError: the review takes no cases, or a member asked for is not on its 通报 list.
    """
    if not takes_cases(review):
        raise FollowupError(_("只有已冻结的政协委员考评的通报名单可以建立处理台账。"))
    one_writer(Followup.__table__, f"followup:{review.period}:{review.kind.name}")  # a double click opens one case
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # the 台账 keeps the reasons in Chinese
        listed = {n.subject_id: n for n in awards.notices(review)}
    wanted = list(listed) if member_ids is None else list(dict.fromkeys(member_ids))
    if any(member_id not in listed for member_id in wanted):
        raise FollowupError(_("这位委员不在本次考评的通报名单上。"))
    existing = cases_of_review(review)
    opened, there = [], []
    for member_id in wanted:
        if member_id in existing:
            there.append(existing[member_id])
            continue
        case = Followup(review_id=review.id, member_id=member_id, reasons=_reasons(listed[member_id]),
                        noticed_on=noticed_on(review), state=FollowupState.OPEN, created_by_id=user.id)
        db.session.add(case)
        db.session.flush()
        audit.record(user, "create", "followup", case.id, {
            "member_id": (None, member_id), "review": (None, f"{review.period} {review.kind.label} v{review.version}"),
            "reasons": (None, list(listed[member_id].reasons))})
        opened.append(case)
    return opened, there


def reasons(case: Followup) -> list[str]:
    return list(json.loads(case.reasons or "[]"))


# --- steps ---------------------------------------------------------------------------------------------------------

def _dated(case: Followup, day: dt.date | None, field: str, errors: Errors) -> None:
    """A step's date: given, not after today (Beijing), not before the 通报."""
    if day is None:
        errors.setdefault(field, []).append(_("请填写日期。"))
    elif day > beijing_today():
        errors.setdefault(field, []).append(_("日期不能晚于今天。"))
    elif day < case.noticed_on:
        errors.setdefault(field, []).append(_("日期不能早于通报日期（%(day)s）。", day=case.noticed_on.isoformat()))


def _text(data: Mapping[str, Any], key: str) -> str:
    return (data.get(key) or "").strip()


def _add(case: Followup, entry: FollowupEntry, user: User) -> None:
    entry.followup = case
    entry.created_by_id = user.id
    db.session.add(entry)
    db.session.flush()
    fields = ("kind", "occurred_on", "talker_id", "talker", "department", "decision", "due_on", "content")
    audit.record(user, "create", "followup_entry", entry.id,
                 {"followup": (None, case.id), **audit.diff({}, audit.snapshot(entry, fields))})


def add_talk(case: Followup, data: Mapping[str, Any], user: User) -> Errors:
    """A 谈话提醒: the day, who talked (an account, a name written out, or both) and what was agreed."""
    errors: Errors = {}
    _dated(case, data.get("occurred_on"), "occurred_on", errors)
    talker_id = data.get("talker_id") or None
    if talker_id is not None and db.session.scalar(sa.select(User.id).where(
            User.id == talker_id, User.role.in_(TALKERS))) is None:
        errors.setdefault("talker_id", []).append(_("请从列表中选择谈话人。"))
    if talker_id is None and not _text(data, "talker"):
        errors.setdefault("talker", []).append(_("请选择或填写谈话人。"))
    if not _text(data, "content"):
        errors.setdefault("content", []).append(_("请填写谈话内容和约定事项。"))
    if errors:
        return errors
    _add(case, FollowupEntry(kind=FollowupStep.TALK, occurred_on=data["occurred_on"], talker_id=talker_id,
                             talker=_text(data, "talker"), content=_text(data, "content")), user)
    return {}


def add_consult(case: Followup, data: Mapping[str, Any], user: User) -> Errors:
    """A 沟通 with a county party department (县委组织部, 县委统战部 …): the day, the department, what was discussed."""
    errors: Errors = {}
    _dated(case, data.get("occurred_on"), "occurred_on", errors)
    if not _text(data, "department"):
        errors.setdefault("department", []).append(_("请填写沟通的部门。"))
    if not _text(data, "content"):
        errors.setdefault("content", []).append(_("请填写沟通内容。"))
    if errors:
        return errors
    _add(case, FollowupEntry(kind=FollowupStep.CONSULT, occurred_on=data["occurred_on"],
                             department=_text(data, "department"), content=_text(data, "content")), user)
    return {}


def decide(case: Followup, data: Mapping[str, Any], user: User) -> Errors:
    """A decision, dated not before the 通报 nor before the case's previous decision. 继续观察 keeps the case open
    (继续观察中), any other decision closes it; a closed case takes no further decision. 限期整改 needs the date
    整改 runs to; 其他 needs its text."""
    errors: Errors = {}
    one_writer(Followup.__table__, f"followup-case:{case.id}")  # two decisions at once: the second sees the first
    db.session.refresh(case)
    if case.state == FollowupState.CLOSED:
        errors.setdefault("decision", []).append(_("这件通报已办结，不能再作处理决定。"))
        return errors
    day = data.get("occurred_on")
    _dated(case, day, "occurred_on", errors)
    if day is not None and case.decided_on is not None and day < case.decided_on and "occurred_on" not in errors:
        errors.setdefault("occurred_on", []).append(
            _("决定日期不能早于上一次处理决定（%(day)s）。", day=case.decided_on.isoformat()))
    try:
        decision = FollowupDecision[data.get("decision") or ""]
    except KeyError:
        errors.setdefault("decision", []).append(_("请选择处理决定。"))
        return errors
    due = data.get("due_on")
    if decision == FollowupDecision.RECTIFY and due is None:
        errors.setdefault("due_on", []).append(_("限期整改请填写整改期限。"))
    if due is not None and decision not in (FollowupDecision.RECTIFY, FollowupDecision.OBSERVE):
        errors.setdefault("due_on", []).append(_("只有限期整改和继续观察有期限。"))
    elif due is not None and day is not None and due <= day:
        errors.setdefault("due_on", []).append(_("期限应晚于决定日期。"))
    if decision == FollowupDecision.OTHER and not _text(data, "content"):
        errors.setdefault("content", []).append(_("选择“其他”时请写明处理决定。"))
    if errors:
        return errors
    before = audit.snapshot(case, ("state", "decision", "decided_on"))
    _add(case, FollowupEntry(kind=FollowupStep.DECISION, occurred_on=day, decision=decision, due_on=due,
                             content=_text(data, "content")), user)
    case.decision, case.decided_on = decision, day
    case.state = FollowupState.WATCHING if decision == FollowupDecision.OBSERVE else FollowupState.CLOSED
    db.session.flush()
    audit.record(user, "update", "followup", case.id, audit.diff(before, audit.snapshot(case, before)))
    return {}


def talker_choices() -> list[tuple[int, str]]:
    """The accounts a 谈话提醒 can name, by role then name."""
    return [(u.id, f"{u.display_name}（{_(u.role.label)}）") for u in db.session.scalars(
        sa.select(User).where(User.role.in_(TALKERS), User.active).order_by(User.role, User.display_name, User.id))]


# --- lists ---------------------------------------------------------------------------------------------------------

def case_query(year: int | None = None, state: str = UNCLOSED,
               unit_id: int | None = None) -> sa.Select[tuple[Followup]]:
    """The cases the signed-in user may see, filtered: by the year of the review, by state (UNCLOSED: 待处理 and
    继续观察中; EVERY: all), by one of the member's units. Newest 通报 first."""
    stmt = scoped(Followup).join(Member, Member.id == Followup.member_id).join(Review, Review.id == Followup.review_id)
    if year:
        stmt = stmt.where(Review.period.like(f"{year}%"))
    if state == UNCLOSED:
        stmt = stmt.where(Followup.state != FollowupState.CLOSED)
    elif state in FollowupState.__members__:
        stmt = stmt.where(Followup.state == FollowupState[state])
    if unit_id:
        stmt = stmt.where(sa.or_(Member.sector_id == unit_id, Member.committee_id == unit_id,
                                 Member.liaison_id == unit_id))
    return stmt.options(selectinload(Followup.member).selectinload(Member.sector), selectinload(Followup.review),
                        selectinload(Followup.steps)).order_by(Followup.noticed_on.desc(), Followup.id.desc())


def case_sorts() -> dict[str, sa.ColumnElement[Any]]:
    """The list's sortable columns (`?sort=`): a whitelist."""
    return {"name": Member.search_key, "sector": sa.select(Unit.name).where(Unit.id == Member.sector_id)
            .scalar_subquery(), "review": Review.period, "noticed": Followup.noticed_on, "state": Followup.state,
            "decision": Followup.decision, "decided": Followup.decided_on}


def unclosed_count(user: User) -> int:
    """The cases not yet closed that `user` may see: what the 待办's “通报待处理” counts and its link lists."""
    stmt = scoped(Followup, user).where(Followup.state != FollowupState.CLOSED).with_only_columns(Followup.id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def years() -> list[int]:
    """The years that have cases, newest first (the list's 年度 filter)."""
    periods = db.session.scalars(sa.select(Review.period).join(Followup, Followup.review_id == Review.id).distinct())
    return sorted({int(p[:4]) for p in periods}, reverse=True)


def member_cases(member_id: int, year: int | None = None) -> list[Followup]:
    """A member's cases (of one year's reviews, when given), oldest 通报 first, steps loaded."""
    stmt = sa.select(Followup).join(Review, Review.id == Followup.review_id).where(Followup.member_id == member_id)
    if year:
        stmt = stmt.where(Review.period.like(f"{year}%"))
    return list(db.session.scalars(stmt.options(selectinload(Followup.steps).selectinload(FollowupEntry.talker_user),
                                                selectinload(Followup.review))
                                   .order_by(Followup.noticed_on, Followup.id)))


@dataclass(frozen=True)
class Line:
    """One step of a case in words: the day, what it was, and its detail (谈话人, 部门, 决定 and 期限, content)."""

    on: dt.date
    what: str
    detail: str


def step_line(entry: FollowupEntry) -> Line:
    if entry.kind == FollowupStep.TALK:
        detail = "；".join(filter(None, (_("谈话人：%(who)s", who=entry.talker_name), entry.content)))
    elif entry.kind == FollowupStep.CONSULT:
        detail = "；".join(filter(None, (_("部门：%(dept)s", dept=entry.department), entry.content)))
    else:
        label = _(entry.decision.label) if entry.decision else ""
        due = _("期限至 %(day)s", day=entry.due_on.isoformat()) if entry.due_on else ""
        detail = "；".join(filter(None, (label, due, entry.content)))
    return Line(entry.occurred_on, _(entry.kind.label), detail)


def counts(case: Followup) -> dict[FollowupStep, int]:
    found = {step: 0 for step in FollowupStep}
    for entry in case.steps:
        found[entry.kind] += 1
    return found


def export_headers() -> list[str]:
    return [_("姓名"), _("委员编号"), _("界别"), _("考评"), _("通报日期"), _("通报原因"), _("状态"), _("谈话提醒"),
            _("沟通"), _("处理决定"), _("决定日期"), _("经过")]


def export_rows(cases: Iterable[Followup]) -> list[list[Any]]:
    """The cases as rows of export_headers(); 经过 lists every step in order."""
    out = []
    for case in cases:
        n = counts(case)
        steps = "\n".join(f"{line.on.isoformat()} {line.what}：{line.detail}" for line in map(step_line, case.steps))
        out.append([case.member.name, case.member.code, case.member.sector.name, review_label(case.review),
                    case.noticed_on, "；".join(reasons(case)), _(case.state.label), n[FollowupStep.TALK],
                    n[FollowupStep.CONSULT], _(case.decision.label) if case.decision else "", case.decided_on, steps])
    return out
