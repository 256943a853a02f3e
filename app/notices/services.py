"""Notices to people: made in the same transaction as the action that calls for them (flush, never commit).

Each text is written in its reader's language (their account's locale), as they will read it on the notices page.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import addresses
from app.extensions import db
from app.models import Activity, AwardList, BranchResult, Notice, RecordState, Role, Unit, User, user_unit
from app.notices import mail
from app.timeutil import utcnow

SHOWN = 200  # the notices page lists this many, newest first
TOLD = ("verify", "return", "reopen")  # the moves of a record or 比实绩 whose owner is told (a submission: nobody)


def _path(endpoint: str, **values: object) -> str:
    """A path inside the app (never a full URL, which the notices page would not follow), in a request or not (a
    command such as `flask demo --year-end` takes the same steps, without a request or SERVER_NAME)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(users: Iterable[User | None], kind: str, link: str, text: Callable[[], str],
           actor: User | None = None) -> list[Notice]:
    """One notice to each active user (never the actor: they know what they did), e-mailed too where that is on.

    `text` is called in each reader's language.
    """
    made: list[Notice] = []
    seen: set[int] = set()
    for user in users:
        if user is None or not user.active or user.id in seen or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        with force_locale(user.locale if user.locale in current_app.config["LANGUAGES"]
                          else current_app.config["BABEL_DEFAULT_LOCALE"]):
            body = text()[:300]
            subject = _("通知：%(text)s", text=body)[:120]
            where = addresses.base() + link if link else ""  # the public address (组织信息), as other links
            mail_body = body + ("\n\n" + _("请登录系统查看：%(link)s", link=where) if where else "")
        notice = Notice(user_id=user.id, kind=kind, text=body, link=link)
        db.session.add(notice)
        made.append(notice)
        if user.email:
            mail.queue(db.session(), user.email, subject, mail_body)
    db.session.flush()
    return made


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def recent(user: User) -> list[Notice]:
    """The user's notices, unread first, then newest first."""
    return list(db.session.scalars(sa.select(Notice).where(Notice.user_id == user.id)
                                   .options(selectinload(Notice.announcement)).order_by(
        Notice.read_at.is_not(None), Notice.created_at.desc(), Notice.id.desc()).limit(SHOWN)))


def mark_read(user: User, notice_id: int | None = None) -> Notice | None:
    """Mark one of the user's notices read (or, without an id, all of them); the notice, or None if not theirs."""
    if notice_id is None:
        db.session.execute(sa.update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
                           .values(read_at=utcnow()))
        return None
    notice = db.session.scalar(sa.select(Notice).where(Notice.id == notice_id, Notice.user_id == user.id))
    if notice is not None and notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()
    return notice


# --- who is told -------------------------------------------------------------------------------------------------

def _record_people(created_by_id: int | None, member_id: int | None, self_reported: bool,
                   unit_id: int | None) -> list[User]:
    """Whom a record's verification concerns: the member for their own report; else the account that entered it,
    or, when that account is gone or disabled, the clerks and liaisons of the unit that entered it."""
    if self_reported and member_id is not None:
        return list(db.session.scalars(sa.select(User).where(User.member_id == member_id)))
    creator = db.session.get(User, created_by_id) if created_by_id else None
    if creator is not None and creator.active:
        return [creator]
    above: list[int] = []  # the unit and the units above it: an account for a unit acts for those below it too
    while unit_id is not None and unit_id not in above and (unit := db.session.get(Unit, unit_id)) is not None:
        above.append(unit_id)
        unit_id = unit.parent_id
    return list(db.session.scalars(sa.select(User).join(user_unit, user_unit.c.user_id == User.id).where(
        user_unit.c.unit_id.in_(above or [-1]), User.active, User.role.in_((Role.CLERK, Role.LIAISON)))
        .distinct().order_by(User.id)))


def record_moved(activity: Activity, action: str, actor: User) -> None:
    """A record was verified, returned or reopened (sent back): tell whoever entered it."""
    if action not in TOLD:
        return
    people = _record_people(activity.created_by_id, activity.member_id, activity.self_reported,
                            activity.entered_by_unit_id or activity.unit_id)
    title, reason = activity.title, activity.return_reason
    if action == "verify":
        notify(people, "verified", _path("activities.detail", activity_id=activity.id),
               lambda: _("履职记录“%(title)s”已核实。", title=title), actor)
    else:
        notify(people, "returned", _path("activities.detail", activity_id=activity.id),
               lambda: _("履职记录“%(title)s”被退回，请修改后重新提交。原因：%(reason)s", title=title, reason=reason),
               actor)


def records_verified(records: list[Activity], actor: User) -> None:
    """Many records verified at once: one notice to each person concerned, saying how many of theirs (a single one
    is told as `record_moved` tells it)."""
    theirs: dict[int, list[Activity]] = {}
    people: dict[int, User] = {}
    for activity in records:
        for user in _record_people(activity.created_by_id, activity.member_id, activity.self_reported,
                                   activity.entered_by_unit_id or activity.unit_id):
            people[user.id] = user
            theirs.setdefault(user.id, []).append(activity)
    for user_id, found in theirs.items():
        if len(found) == 1:
            notify([people[user_id]], "verified", _path("activities.detail", activity_id=found[0].id),
                   lambda title=found[0].title: _("履职记录“%(title)s”已核实。", title=title), actor)
        else:
            notify([people[user_id]], "verified", _path("activities.index", state=RecordState.VERIFIED.name),
                   lambda n=len(found), title=found[0].title: _(
                       "“%(title)s”等 %(n)s 条履职记录已核实。", title=title, n=n), actor)


def result_moved(result: BranchResult, action: str, actor: User, label: Callable[[], str]) -> None:
    """A branch's 比实绩 was verified or returned: tell the liaison who entered it."""
    if action not in TOLD:
        return
    people = _record_people(result.created_by_id, None, False, result.branch_id)
    link = _path("branches.result", unit_id=result.branch_id, period=result.period)
    name, reason = result.branch.name, result.return_reason
    if action == "verify":
        notify(people, "verified", link, lambda: _("%(branch)s %(period)s 比实绩已核实。", branch=name, period=label()),
               actor)
    else:
        notify(people, "returned", link, lambda: _("%(branch)s %(period)s 比实绩被退回，请修改后重新提交。原因：%(reason)s",
                                                   branch=name, period=label(), reason=reason), actor)


def vote_opened(award_list: AwardList, actor: User) -> None:
    """The leading group's review of a list began: every leader is asked to vote."""
    leaders = db.session.scalars(sa.select(User).where(User.role == Role.LEADER, User.active))
    title = award_list.title
    notify(leaders, "vote_opened", _path("awards.detail", list_id=award_list.id),
           lambda: _("表彰名单“%(title)s”已进入领导小组考核，请表决。", title=title), actor)


def list_approved(award_list: AwardList, actor: User) -> None:
    """A list was approved: tell the office and those who recommended its candidates."""
    recommenders = {c.recommended_by_id for c in award_list.candidates if c.recommended_by_id}
    people = db.session.scalars(sa.select(User).where(User.active, sa.or_(
        User.role == Role.OFFICE, User.id.in_(recommenders or {-1}))).order_by(User.id))
    title = award_list.title
    notify(people, "list_approved", _path("awards.detail", list_id=award_list.id),
           lambda: _("表彰名单“%(title)s”已审定。", title=title), actor)
