"""The campaign's timetable (年度工作时间安排): the year's milestones, where each one stands, and 政情通报会. Flush,
never commit.

The office sets, per 考评年度, 录入开始, 录入截止, 半年小结 by, 全年总结 by, 推荐截止, 公示天数 and 常委会审定 by;
each is optional. A step's state comes from the work itself, not from a tick box: 半年小结 is done when a half-year
review of the year is frozen, 全年总结 when an annual one is, 推荐截止 when no award list of the year is still in
单位推荐, 常委会审定 when every list has its decision. 录入截止 has teeth (app.activities.services.save, the
imports): after it a clerk's or liaison's new record of that year is refused, with the reason; drafts and returned
records stay editable and can be submitted, and the office still enters. 公示天数 is the default length when a
list's 公示 starts (app.awards.routes).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import (Activity, AppraisalYear, AwardList, AwardListState, Meeting, MeetingKind, MeetingType,
                        RecordState, Review, ReviewKind, ReviewState, Role, User)
from app.settings import setting
from app.timeutil import beijing_today

REMIND_DAYS = 7  # the office's 待办 names a step this many days before it is due
CLERK_REMIND_DAYS = 14  # clerks are told of 录入截止 this many days ahead: time to finish drafts
BRIEFINGS_PER_YEAR = (1, 2)  # 实施意见 §三.2: 县政协每年组织政情通报会1—2次
DECIDED = (AwardListState.APPROVED, AwardListState.PUBLISHED, AwardListState.FINAL)


@dataclass(frozen=True)
class Milestone:
    """One line of the timetable: `key` is the AppraisalYear column; `rank` orders the dates (a later rank may not
    fall before an earlier one; equal ranks are not compared)."""

    key: str
    label: str  # lazy: translated when shown
    rank: int
    default: Callable[[int], dt.date | None]
    source: str  # lazy; where the offered default comes from
    days: bool = False  # a number of days, not a date


MILESTONES = (
    Milestone("entry_opens_on", _l("录入开始"), 0, lambda y: dt.date(y, 1, 1),
              _l("考评周期自1月1日起：半年小结统计1月1日至6月30日，全年总结统计全年")),
    Milestone("entry_closes_on", _l("录入截止"), 1, lambda y: dt.date(y, 12, 31),
              _l("实施意见§三.3“实行半年小结、全年总结”：年终停止录入，再做全年总结")),
    Milestone("half_review_due_on", _l("半年小结"), 1, lambda y: dt.date(y, 7, 15),
              _l("实施意见§三.3“实行半年小结”：上半年截至6月30日，7月上半月小结")),
    Milestone("annual_review_due_on", _l("全年总结"), 2, lambda y: dt.date(y, 12, 31),
              _l("实施意见§三.3“全年总结”：年终")),
    Milestone("recommend_due_on", _l("推荐截止"), 3, lambda y: None,
              _l("通知未定日期：专委会、界别、联络处根据委员实绩推荐初步人选（§三.4）")),
    Milestone("publicity_days", _l("公示天数"), 4, lambda y: None,
              _l("通知未定天数：未填时用系统设置的公示天数"), days=True),
    Milestone("decision_due_on", _l("常委会审定"), 5, lambda y: None,
              _l("通知未定日期：领导小组从严考核后，政协常委会议审定，在全委会期间表彰（§三.4）")),
)
BY_KEY = {m.key: m for m in MILESTONES}
DATES = tuple(m for m in MILESTONES if not m.days)
LAST_MONTH, LAST_DAY = 3, 31  # the steps after the year may run to the next 全委会: 31 March of the next year
MAX_PUBLICITY_DAYS = 60


# --- reading and setting -----------------------------------------------------------------------------------------

def values(found: AppraisalYear) -> dict[str, dt.date | int | None]:
    return {m.key: getattr(found, m.key) for m in MILESTONES}


def is_empty(found: AppraisalYear) -> bool:
    return all(v is None for v in values(found).values())


def defaults(year: int) -> dict[str, dt.date | int | None]:
    """The customary dates offered for a year (each Milestone.source says where one comes from)."""
    return {m.key: m.default(year) for m in MILESTONES}


def check(year: int, data: Mapping[str, dt.date | int | None]) -> dict[str, list[str]]:
    """Errors by field: each date within its window, the dates in order, 公示天数 between 1 and 60."""
    errors: dict[str, list[str]] = {}
    first, last = dt.date(year, 1, 1), dt.date(year + 1, LAST_MONTH, LAST_DAY)
    windows = {"entry_opens_on": (first, dt.date(year, 12, 31)),
               "half_review_due_on": (dt.date(year, 6, 30), dt.date(year, 12, 31))}
    for m in DATES:
        on = data.get(m.key)
        if not isinstance(on, dt.date):
            continue
        start, end = windows.get(m.key, (first, last))
        if not start <= on <= end:
            errors.setdefault(m.key, []).append(_("%(label)s应在 %(start)s 到 %(end)s 之间。", label=m.label,
                                                  start=cn_date(start), end=cn_date(end)))
    for later in DATES:
        on = data.get(later.key)
        if not isinstance(on, dt.date) or later.key in errors:
            continue
        clash = next((m for m in DATES if m.rank < later.rank and m.key not in errors
                      and isinstance(data.get(m.key), dt.date) and data[m.key] > on), None)  # type: ignore[operator]
        if clash is not None:
            errors.setdefault(later.key, []).append(_("%(label)s不能早于%(other)s（%(day)s）。", label=later.label,
                                                      other=clash.label, day=cn_date(data[clash.key])))
    days = data.get("publicity_days")
    if days is not None and not (isinstance(days, int) and 1 <= days <= MAX_PUBLICITY_DAYS):
        errors.setdefault("publicity_days", []).append(_("公示天数应在 1 到 %(max)s 天之间。", max=MAX_PUBLICITY_DAYS))
    return errors


def save(found: AppraisalYear, data: Mapping[str, dt.date | int | None], user: User | None,
         ip: str = "") -> dict[str, list[str]]:
    """Set the year's milestones (keys of MILESTONES; a key left out stays as it was); errors by field, or {} and
    the change in the audit log (entity "appraisal_year", its id the year)."""
    merged = {**values(found), **{k: v for k, v in data.items() if k in BY_KEY}}
    errors = check(found.year, merged)
    if errors:
        return errors
    before = values(found)
    for key, value in merged.items():
        setattr(found, key, value)
    db.session.flush()
    if changes := audit.diff(before, merged):
        audit.record(user, "update", "appraisal_year", found.year, changes, ip=ip)
    return {}


def cn_date(day: dt.date) -> str:
    return _("%(y)s年%(m)s月%(d)s日", y=day.year, m=day.month, d=day.day)


# --- where each step stands ---------------------------------------------------------------------------------------

UNSET, UPCOMING, DUE, OVERDUE, DONE, INFO = "unset", "upcoming", "due", "overdue", "done", "info"


@dataclass(frozen=True)
class Step:
    """A milestone as the timeline shows it: its date (or days), its state and the evidence for it."""

    milestone: Milestone
    on: dt.date | None
    days: int | None
    state: str  # UNSET, UPCOMING, DUE (within REMIND_DAYS), OVERDUE, DONE, INFO (公示天数)
    days_left: int | None  # from today to the date: negative when past
    evidence: str

    @property
    def when(self) -> str:
        """还有 N 天 / 今天到期 / 已逾期 N 天 / 已完成 …, as the timeline and the 待办 say it."""
        if self.state == DONE:
            return _("已完成")
        if self.state == UNSET or self.days_left is None:
            return ""
        if self.days_left > 0:
            return _("还有 %(n)s 天", n=self.days_left)
        if self.days_left == 0:
            return _("今天到期")
        return _("已逾期 %(n)s 天", n=-self.days_left)


def _award_lists(year: int) -> list[AwardList]:
    return list(db.session.scalars(sa.select(AwardList).join(Review).where(
        Review.period == str(year), Review.kind == ReviewKind.ANNUAL).order_by(AwardList.id)))


def _frozen(year: int, kind: ReviewKind) -> Review | None:
    period = f"{year}H1" if kind == ReviewKind.HALF_YEAR else str(year)
    return db.session.scalar(sa.select(Review).where(
        Review.period == period, Review.kind == kind, Review.state == ReviewState.FROZEN)
        .order_by(Review.created_at).limit(1))


def open_records(year: int) -> int:
    """Records of `year` still a 草稿 or 退回 (not yet submitted)."""
    return db.session.scalar(sa.select(sa.func.count(Activity.id)).where(
        Activity.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        Activity.state.in_((RecordState.DRAFT, RecordState.RETURNED)))) or 0


def _evidence(found: AppraisalYear, m: Milestone, today: dt.date,
              lists: list[AwardList]) -> tuple[bool, str]:
    """(done, what shows it) for one milestone, from the year's own work."""
    year = found.year
    if m.key == "entry_opens_on":
        on = found.entry_opens_on
        return on is not None and today >= on, _("已开放录入") if found.recording_closed_at is None \
            else _("已停止录入")
    if m.key == "entry_closes_on":
        on = found.entry_closes_on
        passed = found.recording_closed_at is not None or (on is not None and today > on)
        left = open_records(year)
        text = _("年度已停止录入") if found.recording_closed_at is not None else \
            _("已截止：录入员不能再新增该年度的记录") if passed else _("开放录入中")
        if left:
            text += _("；尚有 %(n)s 条草稿或退回的记录未提交", n=left)
        return passed, text
    if m.key in ("half_review_due_on", "annual_review_due_on"):
        kind = ReviewKind.HALF_YEAR if m.key == "half_review_due_on" else ReviewKind.ANNUAL
        review = _frozen(year, kind)
        if review is None:
            return False, _("尚无已冻结的%(kind)s", kind=_(kind.label))
        return True, _("%(kind)s已冻结（%(day)s）", kind=_(kind.label), day=cn_date(review.created_at.date()))
    if not lists:
        return False, _("尚未生成本年度的表彰名单")
    if m.key == "recommend_due_on":
        waiting = sum(1 for a in lists if a.state == AwardListState.RECOMMENDING)
        return waiting == 0, _("%(n)s 份名单仍在单位推荐", n=waiting) if waiting else \
            _("%(n)s 份名单均已结束推荐", n=len(lists))
    if m.key == "decision_due_on":
        decided = sum(1 for a in lists if a.state in DECIDED)
        return decided == len(lists), _("已审定 %(done)s / %(n)s 份名单", done=decided, n=len(lists))
    published = sum(1 for a in lists if a.state in (AwardListState.PUBLISHED, AwardListState.FINAL))
    return False, _("已公示 %(done)s / %(n)s 份名单", done=published, n=len(lists))


def steps(found: AppraisalYear, today: dt.date) -> list[Step]:
    """The year's timeline, in order, each step with its state on `today`. Worked out once a request (the office's
    home page shows it, and its 待办 reads it)."""
    cache = request.environ.setdefault("siyi.timetable", {}) if has_request_context() else {}
    if (found.year, today) not in cache:
        cache[(found.year, today)] = _steps(found, today)
    return list(cache[(found.year, today)])


def _steps(found: AppraisalYear, today: dt.date) -> list[Step]:
    lists = _award_lists(found.year)
    out = []
    for m in MILESTONES:
        value = getattr(found, m.key)
        done, evidence = _evidence(found, m, today, lists)
        if m.days:
            days = value if value is not None else publicity_default(None)
            out.append(Step(m, None, days, INFO, None, evidence))
            continue
        if value is None:
            out.append(Step(m, None, None, DONE if done else UNSET, None, evidence))
            continue
        left = (value - today).days
        state = DONE if done else OVERDUE if left < 0 else DUE if left <= REMIND_DAYS else UPCOMING
        out.append(Step(m, value, None, state, left, evidence))
    return out


def publicity_default(year: int | None) -> int:
    """公示天数 offered when a list's 公示 starts: the year's timetable, else the setting, else 7."""
    found = db.session.get(AppraisalYear, year) if year is not None else None
    if found is not None and found.publicity_days:
        return found.publicity_days
    days = setting("publicity_days", "7")
    return int(days) if days.isdigit() else 7


def newest_year() -> int:
    """The year pages open on when none is asked for: the newest appraisal year, else this calendar year."""
    return db.session.scalar(sa.select(sa.func.max(AppraisalYear.year))) or beijing_today().year


def shown_year(today: dt.date) -> AppraisalYear | None:
    """The year the office's home page shows: this calendar year if opened, else the newest open one."""
    return db.session.get(AppraisalYear, today.year) or db.session.scalar(
        sa.select(AppraisalYear).where(AppraisalYear.recording_closed_at.is_(None))
        .order_by(AppraisalYear.year.desc()).limit(1))


# --- 录入截止's teeth ----------------------------------------------------------------------------------------------

ENTRY_ROLES_BOUND = (Role.CLERK, Role.LIAISON)  # the office and the admin still enter after 录入截止


def entry_closed(user: User | None, today: dt.date) -> dict[int, dt.date]:
    """Year → its 录入截止, for the years whose deadline has passed and that bind `user` (clerks and liaisons)."""
    if user is None or user.role not in ENTRY_ROLES_BOUND:
        return {}
    return dict(db.session.execute(sa.select(AppraisalYear.year, AppraisalYear.entry_closes_on).where(
        AppraisalYear.entry_closes_on.is_not(None), AppraisalYear.entry_closes_on < today)).all())


def entry_closed_text(year: int, closed_on: dt.date) -> str:
    return _("%(year)s年度的录入已于 %(day)s 截止，录入员不能再新增该年度的记录；请把材料交活动领导小组办公室录入。"
             "已有的草稿和退回的记录仍可修改、提交。", year=year, day=cn_date(closed_on))


# --- 政情通报会 ----------------------------------------------------------------------------------------------------

def briefing_types() -> tuple[str, ...]:
    """The meeting types marked 计入政情通报会: the built-in 政情通报会 unless the office unmarked it, and any other
    the office marked (app.meetings.services.update_type)."""
    rows = dict(db.session.execute(sa.select(MeetingType.name, MeetingType.briefing)).all())
    names = [name for name, counts in rows.items() if counts]
    if MeetingKind.BRIEFING.value not in rows:
        names.append(MeetingKind.BRIEFING.value)
    return tuple(sorted(names))


@dataclass(frozen=True)
class Briefings:
    """The year's 政情通报会: those held (dated up to today) and those planned (dated later)."""

    year: int
    held: list[Meeting]
    planned: list[Meeting]
    types: tuple[str, ...]

    @property
    def low(self) -> int:
        return BRIEFINGS_PER_YEAR[0]

    def warning(self, today: dt.date) -> tuple[str, bool] | None:
        """(text, overdue) when the year has had no 政情通报会: a reminder from 30 June, overdue from 1 December
        (the year-end: at least one a year); None otherwise, or for another year than today's."""
        if not _warns(self.year, today) or len(self.held) >= self.low:
            return None
        overdue = today >= dt.date(self.year, 12, 1)
        text = _("%(year)s年尚未召开政情通报会（实施意见：每年1—2次）", year=self.year) if overdue else \
            _("%(year)s年上半年已过，尚未召开政情通报会（实施意见：每年1—2次）", year=self.year)
        if self.planned:
            text += _("；已安排 %(day)s", day=cn_date(self.planned[0].held_on))
        return text, overdue


def _warns(year: int, today: dt.date) -> bool:
    return year == today.year and today >= dt.date(year, 6, 30)


def briefings(year: int, today: dt.date) -> Briefings:
    """政情通报会 of `year`: meetings of a type marked 计入政情通报会 (the built-in 政情通报会 is)."""
    types = briefing_types()
    meetings = list(db.session.scalars(sa.select(Meeting).where(
        Meeting.kind.in_(types), Meeting.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(Meeting.held_on, Meeting.id))) if types else []
    return Briefings(year, [m for m in meetings if m.held_on <= today], [m for m in meetings if m.held_on > today],
                     types)


def briefing_warning(year: int, today: dt.date) -> tuple[str, bool] | None:
    """Briefings.warning, the year's meetings read only when it may warn (the office's 待办, on every page)."""
    return briefings(year, today).warning(today) if _warns(year, today) else None
