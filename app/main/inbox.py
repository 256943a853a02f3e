"""待办: what waits on the signed-in user, counted within their data scope, each with a link to where it is done.

Each item names the menu entry (an endpoint of app.main.routes.NAV) whose badge counts it. A count is what its link
lists: the same filters, the same scope.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request, url_for
from flask_babel import gettext as _

from app import timetable
from app.activities import services as activities
from app.auth.scope import clause
from app.contacts import coverage as contact_coverage
from app.contacts import services as contacts
from app.awards.services import publicity_ends_on
from app.branches.results import period_label
from app.extensions import db
from app.followup.services import UNCLOSED, unclosed_count
from app.models import (Activity, AppraisalYear, Attendance, AwardList, AwardListState, BranchResult, Candidate,
                        CandidateState, Meeting, Member, Objection, ObjectionOutcome, RecordState, Review, ReviewState,
                        Role, SubjectKind, Unit, User, Vote)
from app.reviews import pending
from app.timeutil import beijing_today


@dataclass(frozen=True)
class Item:
    text: str
    count: int
    link: str
    nav: str  # the menu entry whose badge counts this item
    parts: tuple[Item, ...] = ()  # the same, by unit
    badge: bool = True  # False: a reminder about things another item already counts (the menu counts them once)
    when: str = ""  # a deadline's 还有 N 天 / 已逾期 N 天, shown instead of the count
    overdue: bool = False  # shown in red


def _count(stmt: sa.Select) -> int:  # type: ignore[type-arg]
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def _records(*where: sa.ColumnElement[bool]) -> int:
    return _count(sa.select(Activity.id).where(clause(Activity), *where))


def items(user: User) -> list[Item]:
    """The user's 待办, in the order they are shown; only items with something to do. Worked out once a request."""
    return list(_cached(user, reminders=True))


def _cached(user: User, reminders: bool) -> list[Item]:
    """The items, once a request; without `reminders` (the menu's badges on every page) the reminders are not
    worked out, unless the whole 待办 already is (the home page)."""
    cache = request.environ.setdefault("siyi.inbox", {}) if has_request_context() else {}
    if (user.id, True) in cache:
        return cache[(user.id, True)]
    if (user.id, reminders) not in cache:
        cache[(user.id, reminders)] = _items(user, reminders)
    return cache[(user.id, reminders)]


def _items(user: User, reminders: bool) -> list[Item]:
    found = {Role.CLERK: _clerk, Role.LIAISON: _liaison, Role.OFFICE: _office, Role.ADMIN: _office,
             Role.LEADER: lambda u, _r: _leader(u), Role.MEMBER: _member}[user.role](user, reminders)
    return [item for item in found if item.count]


def badges(user: User) -> dict[str, int]:
    """Menu endpoint → how many things wait there (reminders aside, so that nothing counts twice)."""
    out: dict[str, int] = {}
    for item in (i for i in _cached(user, reminders=False) if i.badge):
        out[item.nav] = out.get(item.nav, 0) + item.count
    return out


# --- by role -------------------------------------------------------------------------------------------------------

def _own_records(user: User, reminders: bool) -> list[Item]:
    """Records the user's units entered: returned, drafts, and (a reminder: not yet verified) without evidence."""
    mine = activities.todo_clause("mine", user)
    return [
        Item(_("被退回、待修改的记录"), _records(mine, Activity.state == RecordState.RETURNED),
             url_for("activities.index", state=RecordState.RETURNED.name, todo="mine"), "activities.index"),
        Item(_("尚未提交的草稿"), _records(mine, Activity.state == RecordState.DRAFT),
             url_for("activities.index", state=RecordState.DRAFT.name, todo="mine"), "activities.index"),
    ] + ([Item(_("还没有证明材料的记录"), _records(activities.todo_clause("evidence", user)),
               url_for("activities.index", todo="evidence"), "activities.index",
               badge=False)] if reminders else [])


def _queue(user: User) -> list[Item]:
    """The records waiting for the user's verification, in all and by recording unit."""
    if not activities.verifies_any(user):
        return []
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, sa.func.count(Activity.id)).join(Activity, Activity.unit_id == Unit.id)
        .where(clause(Activity), Activity.state == RecordState.SUBMITTED, ~Activity.locked,
               activities.verifiable(user))
        .group_by(Unit.id, Unit.name, Unit.kind, Unit.sort_order).order_by(Unit.kind, Unit.sort_order, Unit.id))
    parts = tuple(Item(name, n, url_for("activities.queue", unit=unit_id), "activities.index")
                  for unit_id, name, n in rows)
    return [Item(_("待核实的履职记录"), sum(p.count for p in parts), url_for("activities.queue"), "activities.index",
                 parts)]


def _entry_deadlines(user: User) -> list[Item]:
    """录入截止 for a clerk or liaison: from CLERK_REMIND_DAYS before it, their drafts and returned records of the
    year still to submit; in red once it has passed (they stay editable, new records are refused)."""
    today = beijing_today()
    years = db.session.scalars(sa.select(AppraisalYear).where(
        AppraisalYear.recording_closed_at.is_(None), AppraisalYear.entry_closes_on.is_not(None))
        .order_by(AppraisalYear.year))
    out = []
    for found in years:
        closes = found.entry_closes_on
        assert closes is not None
        left = (closes - today).days
        if left > timetable.CLERK_REMIND_DAYS:
            continue
        start, end = dt.date(found.year, 1, 1), dt.date(found.year, 12, 31)
        n = _records(activities.todo_clause("open", user), Activity.occurred_on.between(start, end))
        text = (_("%(year)s年度录入截止（%(day)s）前，请提交草稿和退回的记录", year=found.year,
                  day=timetable.cn_date(closes)) if left >= 0 else
                _("%(year)s年度录入已于 %(day)s 截止，尚未提交的草稿和退回的记录", year=found.year,
                  day=timetable.cn_date(closes)))
        when = _("还有 %(n)s 天", n=left) if left > 0 else _("今天截止") if left == 0 else _("已截止")
        out.append(Item(text, n, url_for("activities.index", todo="open", start=start.isoformat(),
                                         end=end.isoformat()), "activities.index", badge=False,
                        when=f"{when} · {n}", overdue=left < 0))
    return out


def _clerk(user: User, reminders: bool) -> list[Item]:
    return (_entry_deadlines(user) if reminders else []) + _own_records(user, reminders) + \
        _queue(user)


def _liaison(user: User, reminders: bool) -> list[Item]:
    returned = _count(sa.select(BranchResult.id).where(clause(BranchResult),
                                                       BranchResult.state == RecordState.RETURNED))
    mine = activities.todo_clause("mine", user)
    return (_entry_deadlines(user) if reminders else []) + [
        Item(_("被退回的比实绩"), returned, url_for("branches.result_list", state=RecordState.RETURNED.name),
             "branches.result_list"),
        Item(_("被退回的比贡献记录"), _records(mine, Activity.state == RecordState.RETURNED),
             url_for("activities.index", state=RecordState.RETURNED.name, todo="mine"), "activities.index"),
    ]


def _office(user: User, reminders: bool) -> list[Item]:
    submitted = _count(sa.select(BranchResult.id).where(clause(BranchResult),
                                                        BranchResult.state == RecordState.SUBMITTED))
    found = _queue(user)
    found.append(Item(_("待核实的比实绩"), submitted,
                      url_for("branches.result_list", state=RecordState.SUBMITTED.name), "branches.result_list"))
    return _timetable() + found + _objections() + _award_steps() + (_reviews_pending() if reminders else []) + \
        _followup(user) + (_contacts_behind() if reminders else [])


def _timetable() -> list[Item]:
    """The timetable's steps due within REMIND_DAYS or overdue, this year's and last year's (a closed year: only
    the steps after recording), and the 政情通报会 warning."""
    today = beijing_today()
    out = []
    years = db.session.scalars(sa.select(AppraisalYear).where(AppraisalYear.year >= today.year - 1)
                               .order_by(AppraisalYear.year))
    for found in years:
        link = url_for("setup.year_timetable", year=found.year)
        for step in timetable.steps(found, today):
            if step.state not in (timetable.DUE, timetable.OVERDUE) or (
                    found.recording_closed_at is not None and step.milestone.rank < 2):
                continue
            assert step.on is not None
            out.append(Item(_("%(year)s年度%(step)s（%(day)s）：%(evidence)s", year=found.year,
                              step=step.milestone.label, day=timetable.cn_date(step.on), evidence=step.evidence),
                            1, link, "setup.year_list", when=step.when, overdue=step.state == timetable.OVERDUE))
        warning = timetable.briefing_warning(found.year, today)
        if warning is not None:
            out.append(Item(warning[0], 1, link, "meetings.index", when=_("政情通报会"), overdue=warning[1]))
    return out


def _contacts_behind() -> list[Item]:
    """四联系: from the half's 4th month, how many 常委 have contacted fewer than half of their members (the link
    lists them)."""
    today = beijing_today()
    out = []
    for b in contact_coverage.office_behind(today):
        now = (b.year, b.half) == (today.year, contacts.half_of(today))
        text = _("%(n)s 位常委本半年联系委员未过半", n=b.count) if now else \
            _("%(period)s %(n)s 位常委联系委员未过半", period=contacts.period_label(b.year, b.half), n=b.count)
        out.append(Item(text, b.count, url_for("contacts.index", year=b.year, half=b.half, show="standing",
                                               behind=1), "contacts.index", badge=False, when=_("四联系")))
    return out


def _own_contacts_behind(user: User) -> list[Item]:
    """A 常委's own: from the half's 4th month, the members assigned to them not yet contacted in it."""
    member = db.session.get(Member, user.member_id or 0)
    if member is None:
        return []
    today = beijing_today()
    out = []
    for b in contact_coverage.own_behind(member, today):
        now = (b.year, b.half) == (today.year, contacts.half_of(today))
        text = _("您联系的委员中还有 %(n)s 位本半年未联系", n=b.count) if now else \
            _("%(period)s，您联系的委员中还有 %(n)s 位未联系", period=contacts.period_label(b.year, b.half), n=b.count)
        out.append(Item(text, b.count, url_for("contacts.mine"), "contacts.mine", badge=False, when=_("四联系")))
    return out


def _followup(user: User) -> list[Item]:
    """通报 cases not closed yet: no decision, or 继续观察."""
    return [Item(_("通报待处理"), unclosed_count(user), url_for("followup.index", state=UNCLOSED), "followup.index")]


def _objections() -> list[Item]:
    rows = db.session.execute(
        sa.select(AwardList.id, AwardList.title, sa.func.count(Objection.id)).join(Objection)
        .where(Objection.outcome == ObjectionOutcome.PENDING).group_by(AwardList.id, AwardList.title)
        .order_by(AwardList.id))
    return [Item(_("公示异议待答复：%(title)s", title=title), n, url_for("awards.detail", list_id=list_id),
                 "awards.index") for list_id, title, n in rows]


def _award_steps() -> list[Item]:
    """Lists whose next step is the office's: start the review, record the conclusion and approval, publish, or
    finalise once the 公示 period is over."""
    today = beijing_today()
    recommended = sa.select(Candidate.award_list_id).where(Candidate.state == CandidateState.RECOMMENDED)
    lists = db.session.scalars(sa.select(AwardList).where(sa.or_(
        sa.and_(AwardList.state == AwardListState.RECOMMENDING, AwardList.id.in_(recommended)),
        AwardList.state.in_((AwardListState.REVIEWING, AwardListState.REOPENED, AwardListState.APPROVED,
                             AwardListState.PUBLISHED)))).order_by(AwardList.id))
    steps = {AwardListState.RECOMMENDING: _("已有单位推荐，可开始领导小组考核"),
             AwardListState.REVIEWING: _("领导小组考核中，待记录结论并审定"),
             AwardListState.REOPENED: _("已重新打开，待记录结论并审定"),
             AwardListState.APPROVED: _("已审定，待公示"),
             AwardListState.PUBLISHED: _("公示期满，待定稿")}
    out = []
    for award_list in lists:
        if award_list.state == AwardListState.PUBLISHED and not (
                (ends := publicity_ends_on(award_list)) is not None and today > ends):
            continue
        out.append(Item(f"{award_list.title}：{steps[award_list.state]}", 1,
                        url_for("awards.detail", list_id=award_list.id), "awards.index"))
    return out


def _reviews_pending() -> list[Item]:
    """Frozen members' reviews whose period still has records waiting for verification: they are not in it."""
    reviews = db.session.scalars(sa.select(Review).where(
        Review.subject_kind == SubjectKind.MEMBERS, Review.state == ReviewState.FROZEN).order_by(Review.period))
    out = []
    for review in reviews:
        start, end = pending.bounds(review.period)
        n = _records(Activity.state == RecordState.SUBMITTED, Activity.party_member_id.is_(None),
                     Activity.occurred_on.between(start, end))
        label = period_label(review.period) if "H" in review.period else _("%(year)s年", year=review.period)
        out.append(Item(_("%(period)s%(kind)s之后又有待核实记录", period=label, kind=_(review.kind.label)), n,
                        url_for("activities.queue", start=start.isoformat(), end=end.isoformat()),
                        "reviews.index", badge=False))
    return out


def _leader(user: User) -> list[Item]:
    voted = sa.select(Vote.candidate_id).where(Vote.user_id == user.id)
    rows = db.session.execute(
        sa.select(AwardList.id, AwardList.title, sa.func.count(Candidate.id)).join(Candidate)
        .where(AwardList.state.in_((AwardListState.REVIEWING, AwardListState.REOPENED)),
               Candidate.state == CandidateState.RECOMMENDED, Candidate.id.notin_(voted))
        .group_by(AwardList.id, AwardList.title).order_by(AwardList.id))
    return [Item(_("待表决：%(title)s", title=title), n, url_for("awards.detail", list_id=list_id), "awards.index")
            for list_id, title, n in rows]


def _member(user: User, reminders: bool) -> list[Item]:
    if user.member_id is None:
        return []
    returned = _records(Activity.self_reported, Activity.member_id == user.member_id,
                        Activity.state == RecordState.RETURNED)
    upcoming = _count(sa.select(Meeting.id).join(Attendance).where(
        Attendance.member_id == user.member_id, Meeting.held_on >= beijing_today()))
    return [
        Item(_("被退回的履职报告"), returned,
             url_for("activities.index", state=RecordState.RETURNED.name, todo="mine"),
             "activities.index"),
        Item(_("即将参加的会议和活动"), upcoming, url_for("members.my_year") + "#my-meetings", "members.my_year"),
    ] + (_own_contacts_behind(user) if reminders else [])


def upcoming_meetings(user: User) -> list[Meeting]:
    """The meetings a member is invited to from today on, soonest first."""
    if user.role != Role.MEMBER or user.member_id is None:
        return []
    return list(db.session.scalars(sa.select(Meeting).join(Attendance).where(
        Attendance.member_id == user.member_id, Meeting.held_on >= beijing_today())
        .order_by(Meeting.held_on, Meeting.id).limit(10)))
