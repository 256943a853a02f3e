"""届末综合评价: a 届's members with each year's official result (the newest frozen annual review of the year, else
the office's 历年考评结果), their attendance at the 届's verified meetings and their verified records of the four
一 across it. Computed on the fly from frozen and verified data; reads only."""
from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, AttendanceStatus, Category, HistoricalResult,
                        Meeting, Member, RecordState, Review, ReviewEntry, ReviewKind, ReviewState, SubjectKind, Term,
                        Unit)
from reports.term import TermMember, TermReport, YearResult, ranked

FOUR_ONES = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)
PRESENT = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EARLY)


def years_of(term: Term) -> tuple[int, ...]:
    return tuple(range(term.starts_on.year, term.ends_on.year + 1))


def _results(years: tuple[int, ...], ids: set[int]) -> dict[int, list[YearResult]]:
    """Member id → the official result of each year of `years` that has one, oldest first."""
    newest = sa.select(Review.period, sa.func.max(Review.version).label("version")).where(
        Review.subject_kind == SubjectKind.MEMBERS, Review.kind == ReviewKind.ANNUAL,
        Review.state == ReviewState.FROZEN, Review.period.in_([str(y) for y in years])).group_by(Review.period).subquery()
    found: dict[int, dict[int, YearResult]] = defaultdict(dict)
    for period, subject_id, score, grade, rank in db.session.execute(
            sa.select(Review.period, ReviewEntry.subject_id, ReviewEntry.score, ReviewEntry.grade, ReviewEntry.rank)
            .join(ReviewEntry, ReviewEntry.review_id == Review.id)
            .join(newest, sa.and_(Review.period == newest.c.period, Review.version == newest.c.version))
            .where(Review.subject_kind == SubjectKind.MEMBERS, Review.state == ReviewState.FROZEN)):
        if subject_id in ids:
            found[subject_id][int(period)] = YearResult(int(period), Decimal(score), grade or "", rank)
    for subject_id, year, score, grade in db.session.execute(
            sa.select(HistoricalResult.subject_id, HistoricalResult.year, HistoricalResult.score,
                      HistoricalResult.grade)
            .where(HistoricalResult.subject_kind == SubjectKind.MEMBERS, HistoricalResult.year.in_(years))):
        if subject_id in ids:
            found[subject_id].setdefault(year, YearResult(year, Decimal(score), grade or "", None, entered=True))
    return {i: [by_year[y] for y in sorted(by_year)] for i, by_year in found.items()}


def _attendance(term: Term) -> dict[int, Counter[str]]:
    """Member id → 出席 / 请假 / 缺席 counts at the 届's verified meetings."""
    found: dict[int, Counter[str]] = defaultdict(Counter)
    for member_id, status, n in db.session.execute(
            sa.select(Attendance.member_id, Attendance.status, sa.func.count()).join(Meeting)
            .where(Meeting.state == RecordState.VERIFIED, Attendance.member_id.isnot(None),
                   Meeting.held_on.between(term.starts_on, term.ends_on))
            .group_by(Attendance.member_id, Attendance.status)):
        key = "present" if status in PRESENT else "leave" if status == AttendanceStatus.LEAVE else "absent"
        found[member_id][key] += n
    return found


def _records(term: Term) -> dict[int, Counter[Category]]:
    """Member id → verified records of the four 一 in the 届, per category; joint work counts for every signer."""
    counted = sa.and_(Activity.state == RecordState.VERIFIED, Activity.category.in_(FOUR_ONES),
                      Activity.party_member_id.is_(None), Activity.occurred_on.between(term.starts_on, term.ends_on))
    activities = db.session.execute(sa.select(Activity.id, Activity.member_id, Activity.category).where(counted)).all()
    credited: dict[int, set[int]] = defaultdict(set)  # activity id → the members it counts for
    for activity_id, member_id, _category in activities:
        if member_id is not None:
            credited[activity_id].add(member_id)
    category = {a_id: c for a_id, _m, c in activities}
    for activity_id, member_id in db.session.execute(
            sa.select(ActivityParticipant.activity_id, ActivityParticipant.member_id).join(Activity).where(counted)):
        credited[activity_id].add(member_id)
    found: dict[int, Counter[Category]] = defaultdict(Counter)
    for activity_id, members in credited.items():
        for member_id in members:
            found[member_id][category[activity_id]] += 1
    return found


def term_report(term: Term, visible: set[int] | None = None) -> TermReport:
    """The 届's members ranked on their term score; `visible`: only these member ids (None: every member). Places
    are over the whole 届, so a clerk's rows show the same places as the office's."""
    members = db.session.execute(sa.select(Member.id, Member.name, Unit.name).join(Unit, Member.sector_id == Unit.id)
                                 .where(Member.term_id == term.id).order_by(Member.id)).all()
    years = years_of(term)
    results = _results(years, {m.id for m in members})
    attendance = _attendance(term)
    records = _records(term)
    every = ranked([TermMember(
        member_id, name, sector, tuple(results.get(member_id, ())), attendance[member_id]["present"],
        attendance[member_id]["leave"], attendance[member_id]["absent"],
        tuple((c.label, records[member_id][c]) for c in FOUR_ONES)) for member_id, name, sector in members])
    shown = every if visible is None else tuple(m for m in every if m.member_id in visible)
    return TermReport(f"{term.name}政协委员届末综合评价", term.name, years, shown)
