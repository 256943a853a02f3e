"""An award list's 过程记录 by step (推荐 → 考核 → 审定 → 公示 → 定稿): the audit rows of the list and its candidates,
grouped into one line per person, day and kind of action, with who and when. Reads the database; writes nothing.
The full log, row by row, stays on its own page."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import AwardList, AwardListState, Objection, ObjectionOutcome
from app.timeutil import BEIJING

#: The steps in order, and the list states that belong to each.
STEPS: tuple[tuple[Any, tuple[AwardListState, ...]], ...] = (
    (_l("推荐"), (AwardListState.RECOMMENDING,)),
    (_l("考核"), (AwardListState.REVIEWING, AwardListState.REOPENED)),
    (_l("审定"), (AwardListState.APPROVED,)),
    (_l("公示"), (AwardListState.PUBLISHED,)),
    (_l("定稿"), (AwardListState.FINAL,)),
)
#: (entity, action) → how a line reads, with the number of rows it stands for.
SAYS = {
    ("candidate", "create"): _l("推荐 %(n)s 名人选（草拟）"),
    ("candidate", "submit"): _l("提交 %(n)s 名推荐人选"),
    ("candidate", "delete"): _l("撤回或删去 %(n)s 名人选"),
    ("candidate", "update"): _l("修改 %(n)s 名人选的事迹"),
    ("candidate", "vote"): _l("表决 %(n)s 名人选"),
    ("candidate", "conclude"): _l("记录 %(n)s 名人选的考核结论"),
    ("candidate", "remove"): _l("因异议成立撤销 %(n)s 名人选"),
    ("award_list", "update"): _l("记录领导小组考核结论"),
}
STATE_SAYS = {
    AwardListState.REVIEWING: _l("推荐截止，开始领导小组考核"),
    AwardListState.APPROVED: _l("记录审定结果，名单冻结"),
    AwardListState.PUBLISHED: _l("发布公示"),
    AwardListState.FINAL: _l("定稿，相关记录锁定"),
    AwardListState.REOPENED: _l("重新打开名单"),
}


@dataclass
class Event:
    """One line of a step: who did what (n times) from `at` to `last`."""

    at: dt.datetime
    last: dt.datetime
    who: str
    text: str
    reason: str = ""


@dataclass
class Step:
    label: Any
    status: str                # "done", "current" or "pending"
    done_at: dt.datetime | None = None
    events: list[Event] = field(default_factory=list)


def steps(award_list: AwardList, rows: Sequence[Any]) -> list[Step]:
    """The list's steps with their lines; `rows` are the audit rows the viewer may read, oldest first."""
    names = audit.actor_names(rows)
    out = [Step(label, "pending") for label, _states in STEPS]
    step_of = {state: i for i, (_label, states) in enumerate(STEPS) for state in states}
    current = step_of[award_list.state]
    for i, step in enumerate(out):
        step.status = "done" if i < current else "current" if i == current else "pending"
    if award_list.state == AwardListState.FINAL:
        out[-1].status = "done"
    phase = 0
    grouped: dict[tuple[int, int | None, dt.date, str, str], Event] = {}
    counts: dict[tuple[int, int | None, dt.date, str, str], set[int | None]] = {}
    for row in rows:
        who = names.get(row.user_id, "") if row.user_id is not None else _l("系统")
        if row.entity == "award_list" and row.action == "state":
            state = AwardListState(row.after)
            phase = step_of[state]
            if state != AwardListState.REOPENED:
                out[phase - 1].done_at = out[phase - 1].done_at or row.at
            if state == AwardListState.FINAL:
                out[phase].done_at = row.at
            out[phase].events.append(Event(row.at, row.at, who, _state_text(award_list, state), row.reason))
            continue
        if row.entity == "award_list" and row.action == "create":
            if not any(e.text == str(_l("开始推荐")) for e in out[0].events):  # a row per field: one line
                out[0].events.append(Event(row.at, row.at, who, str(_l("开始推荐"))))
            continue
        key = (phase, row.user_id, _beijing_date(row.at), row.entity, row.action)
        if (row.entity, row.action) not in SAYS or (row.entity == "award_list" and row.field != "group_conclusion"):
            continue  # the approval's and the 公示's fields are told by the list's own lines
        counts.setdefault(key, set()).add(row.entity_id)
        found = grouped.get(key)
        if found is None:
            grouped[key] = found = Event(row.at, row.at, who, "")
            out[phase].events.append(found)
        found.last = row.at
        found.text = str(SAYS[(row.entity, row.action)] % {"n": len(counts[key])})
    _objections(award_list, out[3])
    for step in out:
        step.events.sort(key=lambda e: e.at)
    return out


def _objections(award_list: AwardList, step: Step) -> None:
    """公示's objections: how many came in, how many are handled (the public's names are not shown here)."""
    found = db.session.execute(sa.select(Objection.created_at, Objection.outcome).where(
        Objection.award_list_id == award_list.id).order_by(Objection.created_at)).all()
    if found:
        handled = sum(1 for _at, outcome in found if outcome != ObjectionOutcome.PENDING)
        step.events.append(Event(found[0].created_at, found[-1].created_at, str(_l("公众")),
                                 str(_l("收到异议 %(n)s 件，已处理 %(done)s 件") % {"n": len(found), "done": handled})))


def _state_text(award_list: AwardList, state: AwardListState) -> str:
    text = str(STATE_SAYS[state])
    if state == AwardListState.APPROVED and award_list.document_number:
        text += f":{award_list.approving_body} · {award_list.meeting_name} · {award_list.document_number}"
    if state == AwardListState.PUBLISHED and award_list.publicity_starts_on:
        text += str(_l("，公示 %(days)s 天（自 %(start)s 起）") % {"days": award_list.publicity_days,
                                                              "start": award_list.publicity_starts_on.isoformat()})
    return text


def _beijing_date(at: dt.datetime) -> dt.date:
    """The Beijing date of a naive UTC instant (how the office counts days)."""
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()
