"""Recorded facts → the engine's plain inputs (Subject, Record). Reads the database; scores nothing.

Record ids keep their origin: an activity keeps its id, an attendance row is its id negated, a branch
indicator keeps its id (branch reviews see indicators only). `origin()` reads that back for explanations.
"""
from __future__ import annotations

import dataclasses

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app import kindfields, scoring
from app import unit_history
from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, BranchIndicator, BranchResult, HistoricalResult,
                        Meeting, Member, PartyMember, RecordState, Review, ReviewEntry, ReviewKind, ReviewState,
                        SubjectKind, Term, Unit, UnitKind)
from app.scoring.exact import whole_as_int
from app.scoring.types import ATTENDANCE_KIND, PARTY_LIFE_KIND, half_end

CPPCC_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)


@dataclass(frozen=True)
class Facts:
    """What the engine sees for one subject kind and year, plus display names for the subjects."""

    subjects: list[scoring.Subject]
    records: list[scoring.Record]
    units: dict[int, str]  # subject id → the unit shown beside the name


@dataclass(frozen=True)
class Earlier:
    """The records of the 届's years before the year scored that a `window: term` count needs: from the 届's first
    day, of these kinds only (a rule file's `term_kinds`)."""

    since: dt.date
    kinds: frozenset[str]

    def span(self, year: int) -> tuple[dt.date, dt.date] | None:
        """The days before `year` to read (None: the 届 began in `year` or later, or no kind is needed)."""
        end = dt.date(year - 1, 12, 31)
        return (self.since, end) if self.kinds and self.since <= end else None


def term_for(day: dt.date) -> scoring.TermSpan | None:
    """The 届 whose dates contain `day` (the newest, should two overlap), as the engine takes it."""
    found = db.session.execute(sa.select(Term.starts_on, Term.ends_on, Term.name)
                               .where(Term.starts_on <= day, Term.ends_on >= day)
                               .order_by(Term.starts_on.desc(), Term.id.desc()).limit(1)).first()
    return None if found is None else scoring.TermSpan(found.starts_on, found.ends_on, found.name)


def origin(record_id: int, subject_kind: SubjectKind) -> tuple[str, int]:
    """Which table a record id came from: ("activity" | "attendance" | "indicator", row id)."""
    if subject_kind == SubjectKind.BRANCHES:
        return "indicator", record_id
    return ("attendance", -record_id) if record_id < 0 else ("activity", record_id)


# What the facts read of an activity: read as plain rows (no ORM objects: a county's year is thousands of records,
# and the dashboard and the member's home score it live), with the columns' names, so `a.kind` reads the same.
SCORED_COLUMNS = (Activity.id, Activity.kind, Activity.occurred_on, Activity.outcome, Activity.level,
                  Activity.instruction_level, Activity.amount, Activity.people_helped, Activity.details,
                  Activity.work_key, Activity.pairing_id, Activity.project_id, Activity.member_id, Activity.unit_id,
                  Activity.party_member_id)


def _activity_fields(a: Activity) -> dict[str, scoring.types.FieldValue]:
    fields: dict[str, scoring.types.FieldValue | None] = {
        "outcome": a.outcome, "level": a.level, "instruction_level": a.instruction_level,
        "amount": whole_as_int(a.amount), "people_helped": a.people_helped}
    return kindfields.engine_fields(a.details) | {k: v for k, v in fields.items() if v not in (None, "")}


def _participants(*where: sa.ColumnElement[bool]) -> dict[int, tuple[int, ...]]:
    signers: dict[int, list[int]] = defaultdict(list)
    for activity_id, member_id in db.session.execute(
            sa.select(ActivityParticipant.activity_id, ActivityParticipant.member_id).where(*where)
            .order_by(ActivityParticipant.activity_id, ActivityParticipant.position)):
        signers[activity_id].append(member_id)
    return {k: tuple(v) for k, v in signers.items()}


def _verified_activities(year: int, earlier: Earlier | None, *where: sa.ColumnElement[bool]) -> list[Activity]:
    """The year's verified activities, and those of the 届's earlier years of the kinds `earlier` asks for."""
    when = Activity.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    span = earlier.span(year) if earlier is not None else None
    if span is not None:
        assert earlier is not None
        when = sa.or_(when, sa.and_(Activity.occurred_on.between(*span), Activity.kind.in_(sorted(earlier.kinds))))
    return list(db.session.execute(sa.select(*SCORED_COLUMNS).where(Activity.state == RecordState.VERIFIED, when,
                                                                     *where).order_by(Activity.id)))  # type: ignore[arg-type]


def _record(a: Activity, subject_id: int, participants: tuple[int, ...] = ()) -> scoring.Record:
    return scoring.Record(id=a.id, subject_id=subject_id, kind=a.kind, occurred_on=a.occurred_on,
                          fields=_activity_fields(a), participants=participants, work_id=work_id(a))


def work_id(a: Activity) -> str | None:
    """One piece of work across records: the key typed (事项编号), else a 联一户 record's pairing or a 引一企 record's
    project, so that one pairing or project counts once per rule item and period (and, in a section that forbids
    double counting, under one item only: a project signed and landed in one year scores its higher stage)."""
    if a.work_key:
        return a.work_key
    if a.pairing_id is not None:
        return f"结对{a.pairing_id}"
    return f"项目{a.project_id}" if a.project_id is not None else None


def _attendance(year: int, earlier: Earlier | None, attendee: sa.ColumnElement[int | None],
                kind: str, *where: sa.ColumnElement[bool]) -> list[scoring.Record]:
    """Attendance at the year's verified meetings as records of `kind` (meeting type and status as fields); and at
    the 届's earlier years' when `earlier` asks for `kind`."""
    start = dt.date(year, 1, 1)
    span = earlier.span(year) if earlier is not None and kind in earlier.kinds else None
    if span is not None:
        start = span[0]
    rows = db.session.execute(
        sa.select(Attendance.id, attendee, Meeting.held_on, Meeting.kind, Attendance.status).join(Meeting)
        .where(Meeting.state == RecordState.VERIFIED, attendee.isnot(None),
               Meeting.held_on.between(start, dt.date(year, 12, 31)), *where)
        .order_by(Attendance.id))
    return [scoring.Record(id=-att_id, subject_id=subject_id, kind=kind, occurred_on=held_on,
                           fields={"meeting": str(meeting_kind), "status": status.label})
            for att_id, subject_id, held_on, meeting_kind, status in rows]


def _unit_names() -> dict[int, str]:
    return {uid: name for uid, name in db.session.execute(sa.select(Unit.id, Unit.name))}


def served_in(year: int) -> sa.ColumnElement[bool]:
    """Members who served some of `year`: joined (else their 届 began) by its end, and did not leave (else their 届
    end) before its start. One re-appointed at 换届 has the new 届 and the 任职日期 of the first one, so the years of
    the 届 before still see them. One set inactive without a 离任日期 is kept: it served, nobody wrote until when."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return sa.and_(sa.func.coalesce(Member.joined_on, Term.starts_on) <= last,
                   sa.func.coalesce(Member.left_on, Term.ends_on) >= first)


def _service(m: Member, term_ends_on: dt.date, year: int) -> dict[str, object]:
    """A member's dates of service as the engine takes them: their own; a 届 that ends within the year ends the
    service of a member who was not carried into the next one (届满); 已离任 when set inactive or given a date."""
    left_on = m.left_on
    if left_on is None and term_ends_on < dt.date(year, 12, 31):
        left_on = term_ends_on
    return {"joined_on": m.joined_on, "left_on": left_on, "left": not m.active or left_on is not None}


def member_facts(year: int, earlier: Earlier | None = None, as_of: dt.date | None = None,
                 only: int | None = None) -> Facts:
    """Every member who served some of the year (one who left is kept, and the rule file's `membership` says how a
    part of the year counts); their verified activities (joint work credits every signer) and attendance. Each
    member is in the units they had on `as_of` (the period's last day; None: today's units): a move dated after it
    is undone. With `only` (a member id), that member alone and the records that credit them (their own, and joint
    work they signed with all its signers): what the engine gives them is what it gives them among everyone."""
    mine: list[sa.ColumnElement[bool]] = []
    signed: list[sa.ColumnElement[bool]] = []
    if only is not None:
        cosigned = sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.member_id == only)
        mine = [sa.or_(Activity.member_id == only, Activity.id.in_(cosigned))]
        signed = [ActivityParticipant.activity_id.in_(cosigned)]
    rows = db.session.execute(sa.select(Member, Term.ends_on).join(Term, Member.term_id == Term.id)
                              .where(served_in(year), *([Member.id == only] if only is not None else []))
                              .order_by(Member.id)).all()
    names = _unit_names()
    then = unit_history.units_as_of(as_of, None if only is None else {only}) if as_of is not None else {}

    def units(m: Member) -> dict[str, int | None]:
        return {**unit_history.units_of(m), **then.get(m.id, {})}

    placed = {m.id: units(m) for m, _ends in rows}
    subjects = [scoring.Subject(
        id=m.id, name=m.name, unit_ids=tuple(sorted({i for i in placed[m.id].values() if i is not None})),
        attrs={"standing": m.is_standing, "active": m.active, "sector": names.get(placed[m.id]["sector_id"], ""),
               "party": m.party, "committee": names.get(placed[m.id]["committee_id"], ""),
               "liaison": names.get(placed[m.id]["liaison_id"], ""),
               "chair_council": m.is_chair_council, "resident_standing": m.is_resident_standing},
        **_service(m, term_ends_on, year))  # type: ignore[arg-type]
        for m, term_ends_on in rows]
    members = [m for m, _ in rows]
    signers = _participants(*signed)
    records = []
    for a in _verified_activities(year, earlier, Activity.party_member_id.is_(None), *mine):
        participants = signers.get(a.id, ())
        if a.member_id is not None:
            records.append(_record(a, a.member_id, participants))
        elif participants:  # a unit's collective work credited to its named members
            records.append(_record(a, participants[0], participants))
    records += _attendance(year, earlier, Attendance.member_id, ATTENDANCE_KIND,
                           *([Attendance.member_id == only] if only is not None else []))
    return Facts(subjects, records, {m.id: names.get(placed[m.id]["sector_id"], "") for m in members})


def unit_facts(year: int, earlier: Earlier | None = None) -> Facts:
    """专委会, 界别活动组 and 联络处, with the verified records they made as a unit."""
    units = db.session.scalars(sa.select(Unit).where(Unit.kind.in_(CPPCC_UNIT_KINDS), Unit.active)
                               .order_by(Unit.id)).all()
    subjects = [scoring.Subject(id=u.id, name=u.name, unit_ids=(u.id,),
                                attrs={"unit_kind": u.kind.label, "active": u.active}) for u in units]
    records = [_record(a, a.unit_id) for a in _verified_activities(
        year, earlier, Activity.member_id.is_(None), Activity.party_member_id.is_(None))]
    return Facts(subjects, records, {u.id: u.kind.label for u in units})


def party_member_facts(year: int, earlier: Earlier | None = None) -> Facts:
    """Active party members of the enterprise branches and their verified 比贡献 records."""
    people = db.session.scalars(sa.select(PartyMember).where(PartyMember.active).order_by(PartyMember.id)).all()
    names = _unit_names()
    subjects = [scoring.Subject(id=p.id, name=p.name, unit_ids=(p.branch_id,),
                                attrs={"party_status": p.status.label, "branch": names[p.branch_id],
                                       "active": p.active}) for p in people]
    records = [_record(a, a.party_member_id)
               for a in _verified_activities(year, earlier, Activity.party_member_id.isnot(None))]
    records += _attendance(year, earlier, Attendance.party_member_id, PARTY_LIFE_KIND)
    return Facts(subjects, records, {p.id: names[p.branch_id] for p in people})


def branch_facts(year: int, earlier: Earlier | None = None) -> Facts:
    """Enterprise branches and the indicators of their verified half-year reports, dated at each half's end."""
    branches = db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH, Unit.active)
                                  .order_by(Unit.id)).all()
    forms = {b.id: b.branch_form.label if b.branch_form else "" for b in branches}
    subjects = [scoring.Subject(id=b.id, name=b.name, unit_ids=(b.id,),
                                attrs={"branch_form": forms[b.id], "active": b.active}) for b in branches]
    records = []
    which = BranchResult.period.in_([f"{year}H1", f"{year}H2"])
    span = earlier.span(year) if earlier is not None else None
    if span is not None:
        assert earlier is not None
        halves = [p for y in range(span[0].year, year) for p in (f"{y}H1", f"{y}H2") if half_end(p) >= span[0]]
        which = sa.or_(which, sa.and_(BranchResult.period.in_(halves), BranchIndicator.key.in_(sorted(earlier.kinds))))
    rows = db.session.execute(
        sa.select(BranchIndicator, BranchResult.branch_id, BranchResult.period).join(BranchResult)
        .where(BranchResult.state == RecordState.VERIFIED, which)
        .order_by(BranchIndicator.id))
    for indicator, branch_id, period in rows:
        value = indicator.choice or whole_as_int(indicator.value)
        fields = {} if value is None or value == "" else {"value": value}
        records.append(scoring.Record(id=indicator.id, subject_id=branch_id, kind=indicator.key,
                                      occurred_on=half_end(period), fields=fields))
    return Facts(subjects, records, forms)


GATHER = {SubjectKind.MEMBERS: member_facts, SubjectKind.UNITS: unit_facts,
          SubjectKind.PARTY_MEMBERS: party_member_facts, SubjectKind.BRANCHES: branch_facts}


def gather(subject_kind: SubjectKind, year: int, earlier: Earlier | None = None,
           as_of: dt.date | None = None, only: int | None = None) -> Facts:
    """The verified facts of `year` for one kind of subject, each subject with its official results of the years
    before (for triggers across years: below 60 two years running); with `earlier`, also the records of the 届's
    earlier years a `window: term` count needs; members in the units they had on `as_of` (the period's last day).
    With `only` (members only), that member alone (see `member_facts`)."""
    if only is not None and subject_kind != SubjectKind.MEMBERS:
        raise ValueError("only members' facts can be gathered for one subject")
    facts = member_facts(year, earlier, as_of, only) if subject_kind == SubjectKind.MEMBERS else \
        GATHER[subject_kind](year, earlier)
    history = official_results(subject_kind, year, only=only)
    if not history:
        return facts
    subjects = [dataclasses.replace(s, history=tuple(history.get(s.id, ()))) for s in facts.subjects]
    return Facts(subjects, facts.records, facts.units)


def official_results(subject_kind: SubjectKind, year: int, years_back: int = 5,
                     only: int | None = None) -> dict[int, list[scoring.HistoryEntry]]:
    """Subject id → its total and grade in the annual review of each earlier year (the newest frozen version of
    that year; a superseded version is not the official one), else as the office entered it (历年考评结果)."""
    newest = sa.select(Review.period, sa.func.max(Review.version).label("version")).where(
        Review.subject_kind == subject_kind, Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN,
        Review.period.in_([str(y) for y in range(year - years_back, year)])).group_by(Review.period).subquery()
    rows = db.session.execute(
        sa.select(Review.period, ReviewEntry.subject_id, ReviewEntry.score, ReviewEntry.grade)
        .join(ReviewEntry, ReviewEntry.review_id == Review.id)
        .join(newest, sa.and_(Review.period == newest.c.period, Review.version == newest.c.version))
        .where(Review.subject_kind == subject_kind, *([ReviewEntry.subject_id == only] if only is not None else []))
        .order_by(Review.period, ReviewEntry.subject_id))
    found: dict[int, list[scoring.HistoryEntry]] = {}
    for period, subject_id, score, grade in rows:
        found.setdefault(subject_id, []).append(scoring.HistoryEntry(int(period), Decimal(score), grade or None))
    entered = db.session.execute(  # 历年考评结果 the office entered, for the years the system has no result of
        sa.select(HistoricalResult.subject_id, HistoricalResult.year, HistoricalResult.score, HistoricalResult.grade)
        .where(HistoricalResult.subject_kind == subject_kind, HistoricalResult.year >= year - years_back,
               HistoricalResult.year < year,
               *([HistoricalResult.subject_id == only] if only is not None else []))
        .order_by(HistoricalResult.year, HistoricalResult.subject_id))
    for subject_id, entry_year, score, grade in entered:
        own = found.setdefault(subject_id, [])
        if all(e.year != entry_year for e in own):
            own.append(scoring.HistoryEntry(entry_year, Decimal(score), grade or None))
            own.sort(key=lambda e: e.year)
    return found


def yearly_results(subject_kind: SubjectKind, subject_id: int) -> list[tuple[int, Decimal, str, bool]]:
    """One subject's official result of every year, oldest first: (year, score, grade, entered) — from the newest
    frozen annual review of the year, else as the office entered it (`entered`)."""
    newest = sa.select(Review.period, sa.func.max(Review.version).label("version")).where(
        Review.subject_kind == subject_kind, Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN,
    ).group_by(Review.period).subquery()
    found = {int(period): (Decimal(score), grade or "", False) for period, score, grade in db.session.execute(
        sa.select(Review.period, ReviewEntry.score, ReviewEntry.grade)
        .join(ReviewEntry, ReviewEntry.review_id == Review.id)
        .join(newest, sa.and_(Review.period == newest.c.period, Review.version == newest.c.version))
        .where(Review.subject_kind == subject_kind, ReviewEntry.subject_id == subject_id))}
    for year, score, grade in db.session.execute(sa.select(
            HistoricalResult.year, HistoricalResult.score, HistoricalResult.grade).where(
            HistoricalResult.subject_kind == subject_kind, HistoricalResult.subject_id == subject_id)):
        found.setdefault(year, (Decimal(score), grade, True))
    return [(year, *found[year]) for year in sorted(found)]
