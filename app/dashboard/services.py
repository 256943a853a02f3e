"""The numbers behind the dashboard and the early-warning list, limited to the signed-in user's data scope.

Reads the database and scores live through app.reviews.scoring; writes nothing. Only 已核实 records count as done;
已提交 records are counted apart as 待核实. Attendance is read from the year's 已核实 meetings, as the score does.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from cachelib import SimpleCache
from flask import current_app
from flask_babel import gettext as _

from app import scoring
from app.activities import services as activities
from app.auth.scope import clause
from app.extensions import db
from app.models import (Activity, ActivityParticipant, AppraisalYear, Attendance, AttendanceStatus, AuditLog, Category,
                        Meeting, Member, RecordState, Review, ReviewEntry, ReviewState, RuleFile, SubjectKind, Unit,
                        UnitKind)
from app.reviews import services as review_services
from app.reviews.scoring import score_period
from app.timeutil import beijing_today
from app.web import name_search

FOUR_ONES = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)
UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
PRESENT = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EARLY)  # 迟到、早退 still came
# Score bands of the histogram: each includes its lower bound and excludes its upper one
BANDS: tuple[tuple[Decimal | None, Decimal | None], ...] = (
    (None, Decimal(60)), (Decimal(60), Decimal(70)), (Decimal(70), Decimal(80)), (Decimal(80), Decimal(90)),
    (Decimal(90), None))


# --- years and units -------------------------------------------------------------------------------------------

def years() -> list[int]:
    """Every appraisal year, newest first."""
    return list(db.session.scalars(sa.select(AppraisalYear.year).order_by(AppraisalYear.year.desc())))


def pick_year(asked: int | None) -> int | None:
    """The year asked for when it exists, else the newest appraisal year (None when there is none)."""
    known = years()
    if asked in known:
        return asked
    return known[0] if known else None


def visible_units() -> list[Unit]:
    """The 专委会, 界别活动组 and 联络处 the signed-in user may see, in the usual order."""
    return list(db.session.scalars(sa.select(Unit).where(clause(Unit), Unit.kind.in_(UNIT_KINDS), Unit.active)
                                   .order_by(Unit.kind, Unit.sort_order, Unit.id)))


def _bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- per member facts ------------------------------------------------------------------------------------------

@dataclass
class MemberFacts:
    """One active member's year so far: records per 一 (已核实 and 待核实) and attendance at verified meetings."""

    id: int
    code: str
    name: str
    unit_ids: frozenset[int]
    sector: str
    committee: str
    liaison: str
    standing: bool
    verified: Counter[Category] = field(default_factory=Counter)
    waiting: Counter[Category] = field(default_factory=Counter)
    attendance: Counter[AttendanceStatus] = field(default_factory=Counter)

    @property
    def missing(self) -> list[Category]:
        return [c for c in FOUR_ONES if not self.verified[c]]

    @property
    def invited(self) -> int:
        return sum(self.attendance.values())

    @property
    def present(self) -> int:
        return sum(self.attendance[s] for s in PRESENT)

    @property
    def absent(self) -> int:
        return self.attendance[AttendanceStatus.ABSENT]

    @property
    def leave(self) -> int:
        return self.attendance[AttendanceStatus.LEAVE]


def _scoped_members() -> sa.Select[tuple[int]]:
    return sa.select(Member.id).where(clause(Member), Member.active)


def member_facts(year: int) -> list[MemberFacts]:
    """Every active member in scope, with their counts for `year`.

    A record counts for its member and, for joint work, for every signer (as the score credits it).
    """
    start, end = _bounds(year)
    names: dict[int, str] = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    stmt = sa.select(Member).where(clause(Member), Member.active).order_by(Member.code)
    people = {m.id: MemberFacts(
        m.id, m.code, m.name, frozenset(m.unit_ids), names.get(m.sector_id, ""), names.get(m.committee_id, ""),
        names.get(m.liaison_id, ""), m.is_standing) for m in db.session.scalars(stmt)}
    if not people:
        return []
    scope = _scoped_members()
    counted = sa.and_(Activity.occurred_on.between(start, end), Activity.category.in_(FOUR_ONES),
                      Activity.party_member_id.is_(None),
                      Activity.state.in_((RecordState.VERIFIED, RecordState.SUBMITTED)))
    own = sa.select(Activity.id.label("activity_id"), Activity.member_id.label("member_id"),
                    Activity.category.label("category"), Activity.state.label("state")).where(
        counted, Activity.member_id.isnot(None))
    signed = sa.select(Activity.id, ActivityParticipant.member_id, Activity.category, Activity.state).join(
        ActivityParticipant, ActivityParticipant.activity_id == Activity.id).where(counted)
    credited = sa.union(own, signed).subquery()  # UNION: a subject who also signed counts once
    for member_id, category, state, n in db.session.execute(
            sa.select(credited.c.member_id, credited.c.category, credited.c.state, sa.func.count())
            .where(credited.c.member_id.in_(scope))
            .group_by(credited.c.member_id, credited.c.category, credited.c.state)):
        person = people.get(member_id)
        if person is not None:
            (person.verified if state == RecordState.VERIFIED else person.waiting)[category] += n
    for member_id, status, n in db.session.execute(
            sa.select(Attendance.member_id, Attendance.status, sa.func.count()).join(Meeting)
            .where(Meeting.state == RecordState.VERIFIED, Meeting.held_on.between(start, end),
                   Attendance.member_id.in_(scope))
            .group_by(Attendance.member_id, Attendance.status)):
        person = people.get(member_id)
        if person is not None:
            person.attendance[status] += n
    return list(people.values())


# --- scores ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PassLine:
    """What 低于合格线 means under a rule file: the failing grade and the lowest passing threshold."""

    failing: str | None  # 不合格: the grade with no minimum at the bottom of the list
    threshold: Decimal | None  # 60: the minimum of the lowest grade above it
    passing: str | None  # 合格


def pass_line(ruleset: scoring.RuleSet) -> PassLine:
    grades = list(ruleset.grades)
    if not grades or grades[-1].min is not None:
        return PassLine(None, None, None)
    above = [g for g in grades[:-1] if g.min is not None]
    lowest = min(above, key=lambda g: g.min) if above else None  # type: ignore[arg-type, return-value]
    return PassLine(grades[-1].name, lowest.min if lowest else None, lowest.name if lowest else None)


@dataclass(frozen=True)
class Score:
    total: Decimal
    grade: str


@dataclass(frozen=True)
class LiveScores:
    ruleset: scoring.RuleSet
    scores: dict[int, Score]
    line: PassLine


def _inputs_state() -> tuple[object, ...]:
    """A fingerprint of what live scores read, in one query: records and meetings (each row's version goes up at
    every change; verified ones can change only by being reopened), members, and the newest audit entry (every
    change through the app is audited: a member's units or dates, a rule file, an import)."""
    return tuple(db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Activity).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(Activity.version), 0)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Meeting).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(Meeting.version), 0)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Member).scalar_subquery(),
        sa.select(sa.func.max(AuditLog.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(RuleFile).scalar_subquery(),
    )).one())


def live_scores(year: int) -> tuple[LiveScores | None, str]:
    """The year's verified records scored now with its members rule file; or None and why not.

    Scoring every member takes a fifth of a second on a county; a process keeps the result for LIVE_SECONDS as long
    as `_inputs_state` is unchanged (LIVE_SCORES_SECONDS, 60 by default; 0 keeps nothing), so the dashboard and the
    预警名单 (on a clerk's phone) answer at once."""
    ruleset = activities.ruleset_for(year, "members")
    if ruleset is None:
        return None, _("%(year)s 年没有委员评分细则(scoring_rules 中 subject: members 的文件)", year=year)
    seconds = current_app.config["LIVE_SCORES_SECONDS"]
    cache = current_app.extensions.setdefault("live_scores", SimpleCache(threshold=32, default_timeout=seconds))
    key = repr((year, hashlib.sha256(ruleset.source).hexdigest(), _inputs_state(), beijing_today()))
    kept = cache.get(key) if seconds > 0 else None
    if kept is not None:
        return kept, ""
    try:
        scored = score_period(ruleset, str(year), hashed=False)
    except scoring.RuleError as error:
        return None, str(error)
    live = LiveScores(ruleset, {c.subject_id: Score(c.total, c.grade or "") for c in scored.cards}, pass_line(ruleset))
    if seconds > 0:
        cache.set(key, live)
    return live, ""


def members_reviews(year: int, half_year: bool = False) -> list[Review]:
    """The year's frozen members reviews, newest first (only the half-year ones when `half_year`)."""
    periods = [f"{year}H1", f"{year}H2"] if half_year else [str(year), f"{year}H1", f"{year}H2"]
    return list(db.session.scalars(sa.select(Review).where(
        Review.subject_kind == SubjectKind.MEMBERS, Review.state == ReviewState.FROZEN, Review.period.in_(periods))
        .order_by(Review.created_at.desc(), Review.id.desc())))


def review_scores(review: Review) -> dict[int, Score]:
    """Member id → frozen score and grade, for the members in the user's scope."""
    visible = sa.select(Member.id).where(clause(Member))
    return {subject_id: Score(Decimal(score), grade) for subject_id, score, grade in db.session.execute(
        sa.select(ReviewEntry.subject_id, ReviewEntry.score, ReviewEntry.grade)
        .where(ReviewEntry.review_id == review.id, ReviewEntry.subject_id.in_(visible)))}


def _band_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return _("%(high)s 分以下", high=high)
    if high is None:
        return _("%(low)s 分及以上", low=low)
    return _("%(low)s–%(high)s 分", low=low, high=high)


@dataclass(frozen=True)
class Distribution:
    bands: list[tuple[str, int]]
    grades: list[tuple[str, int]]
    count: int
    mean: Decimal | None


def distribution(scores: Iterable[Score], grade_order: Sequence[str] = ()) -> Distribution:
    """How many scores fall in each band (lower bound included), and in each grade (the rule file's order)."""
    values = list(scores)
    bands = [(_band_label(low, high), sum(1 for s in values if (low is None or s.total >= low)
                                          and (high is None or s.total < high))) for low, high in BANDS]
    by_grade = Counter(s.grade for s in values)
    order = [g for g in grade_order if g] + sorted(g for g in by_grade if g not in grade_order)
    return Distribution(bands, [(g, by_grade[g]) for g in order], len(values), _mean(s.total for s in values))


def _mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    return (sum(items, Decimal(0)) / len(items)).quantize(Decimal("0.01")) if items else None


def _share(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal; None when there is nothing to divide by."""
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


# --- the dashboard ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    members: int
    done: dict[Category, int]  # members with ≥1 verified record of that 一
    all_four: int
    any_one: int
    invited: int
    present: int
    mean_score: Decimal | None

    def share(self, category: Category) -> Decimal | None:
        return _share(self.done[category], self.members)

    @property
    def all_four_share(self) -> Decimal | None:
        return _share(self.all_four, self.members)

    @property
    def any_share(self) -> Decimal | None:
        return _share(self.any_one, self.members)

    @property
    def attendance_rate(self) -> Decimal | None:
        return _share(self.present, self.invited)


def unit_rows(units: Sequence[Unit], people: Sequence[MemberFacts], scores: dict[int, Score] | None) -> list[UnitRow]:
    """One row per unit: a member of several units (界别, 专委会, 联络处) counts in each of them."""
    rows = []
    for unit in units:
        mine = [p for p in people if unit.id in p.unit_ids]
        rows.append(UnitRow(
            unit, len(mine), {c: sum(1 for p in mine if p.verified[c]) for c in FOUR_ONES},
            sum(1 for p in mine if not p.missing), sum(1 for p in mine if len(p.missing) < len(FOUR_ONES)),
            sum(p.invited for p in mine), sum(p.present for p in mine),
            _mean(scores[p.id].total for p in mine if p.id in scores) if scores is not None else None))
    return rows


@dataclass(frozen=True)
class Trend:
    """Each unit now against a half-year review: 四项全部完成 share and mean score, then and now."""

    review: Review
    rows: list[tuple[Unit, Decimal | None, Decimal | None, Decimal | None, Decimal | None]]


def _review_completion(review: Review) -> dict[int, set[str]]:
    """Member id → the 一 (labels) with at least one record among the facts the review froze."""
    ruleset = review_services.loaded_rules(review)  # the review's own rule file maps its kinds to categories
    kinds = ruleset.kinds if ruleset is not None else {}
    done: dict[int, set[str]] = defaultdict(set)
    year = review.period[:4]
    for record in json.loads(review.input_records).get("records", []):
        if not str(record.get("on", year)).startswith(year):  # an earlier year of the 届 (a `window: term` count's)
            continue
        spec = kinds.get(record.get("kind"))
        category = spec.category if spec is not None else record.get("category", "")
        for member_id in record.get("participants") or [record.get("subject")]:
            done[member_id].add(category)
    return done


def trend(review: Review, rows: Sequence[UnitRow], people: Sequence[MemberFacts],
          now: dict[int, Score] | None) -> Trend:
    then_scores = review_scores(review)
    then_done = _review_completion(review)
    labels = {c.label for c in FOUR_ONES}
    out = []
    for row in rows:
        mine = [p for p in people if row.unit.id in p.unit_ids]
        complete_then = sum(1 for p in mine if labels <= then_done.get(p.id, set()))
        out.append((row.unit, _share(complete_then, len(mine)), row.all_four_share,
                    _mean(then_scores[p.id].total for p in mine if p.id in then_scores),
                    _mean(now[p.id].total for p in mine if now and p.id in now)))
    return Trend(review, out)


@dataclass(frozen=True)
class Dashboard:
    year: int
    members: int
    overall: list[tuple[Category, int, int, Decimal | None]]  # 一, members done, waiting records, share
    all_four: int
    units: list[UnitRow]
    invited: int
    present: int
    distribution: Distribution | None
    source: Review | None  # the frozen review the distribution comes from; None: scored live
    live: LiveScores | None
    live_problem: str
    trend: Trend | None

    @property
    def attendance_rate(self) -> Decimal | None:
        return _share(self.present, self.invited)

    @property
    def all_four_share(self) -> Decimal | None:
        return _share(self.all_four, self.members)


def dashboard(year: int) -> Dashboard:
    people = member_facts(year)
    units = visible_units()
    live, problem = live_scores(year)
    now = live.scores if live else None
    rows = unit_rows(units, people, now)
    visible = {p.id for p in people}
    reviews = members_reviews(year)
    source = reviews[0] if reviews else None
    grade_order = [g.name for g in live.ruleset.grades] if live else []
    if source is not None:
        frozen = review_scores(source)
        rules = review_services.loaded_rules(source)
        dist: Distribution | None = distribution(  # the frozen list as it was, within the user's scope
            frozen.values(), [g.name for g in rules.grades] if rules else grade_order)
    elif now is not None:
        dist = distribution([s for i, s in now.items() if i in visible], grade_order)
    else:
        dist = None
    halves = members_reviews(year, half_year=True)
    overall = [(c, sum(1 for p in people if p.verified[c]), sum(p.waiting[c] for p in people),
                _share(sum(1 for p in people if p.verified[c]), len(people))) for c in FOUR_ONES]
    return Dashboard(year, len(people), overall, sum(1 for p in people if not p.missing), rows,
                     sum(p.invited for p in people), sum(p.present for p in people), dist, source, live, problem,
                     trend(halves[0], rows, people, now) if halves else None)


def chart_data(board: Dashboard) -> dict[str, object]:
    """What dashboard.js draws: the same numbers as the tables, as plain JSON."""
    def num(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None  # only for drawing; the tables show the Decimal
    data: dict[str, object] = {
        "labels": {"share": _("完成人数占比（%）"), "attendance": _("出席率（%）"), "people": _("人数"),
                   "completeThen": _("四项全部完成率·半年小结时（%）"), "completeNow": _("四项全部完成率·现在（%）"),
                   "scoreThen": _("平均分·半年小结时"), "scoreNow": _("平均分·现在")},
        "categories": [_(c.label) for c in FOUR_ONES],
        "units": [r.unit.name for r in board.units],
        "unitShares": [[num(r.share(c)) for r in board.units] for c in FOUR_ONES],
        "overall": [num(share) for _c, _n, _w, share in board.overall],
        "attendance": [num(r.attendance_rate) for r in board.units],
    }
    if board.distribution is not None:
        data["bands"] = [label for label, _n in board.distribution.bands]
        data["bandCounts"] = [n for _label, n in board.distribution.bands]
    if board.trend is not None:
        data["trendUnits"] = [u.name for u, *_rest in board.trend.rows]
        data["trendCompleteThen"] = [num(r[1]) for r in board.trend.rows]
        data["trendCompleteNow"] = [num(r[2]) for r in board.trend.rows]
        data["trendScoreThen"] = [num(r[3]) for r in board.trend.rows]
        data["trendScoreNow"] = [num(r[4]) for r in board.trend.rows]
    return data


# --- the early-warning list ------------------------------------------------------------------------------------

PROBLEMS = ("missing", "IDEA", "ENTERPRISE", "PAIRING", "RELIEF", "absent", "below")


@dataclass(frozen=True)
class Warning:
    person: MemberFacts
    score: Score | None
    below: bool

    @property
    def problems(self) -> bool:
        return bool(self.person.missing or self.person.absent or self.below)

    def has(self, problem: str) -> bool:
        if problem == "missing":
            return bool(self.person.missing)
        if problem in Category.__members__:
            return Category[problem] in self.person.missing
        if problem == "absent":
            return self.person.absent > 0
        if problem == "below":
            return self.below
        return self.problems


def is_below(score: Score | None, line: PassLine) -> bool:
    """低于合格线: graded the failing grade (under the threshold, or forced by a veto)."""
    return score is not None and line.failing is not None and score.grade == line.failing


def warnings(year: int) -> tuple[list[Warning], LiveScores | None, str]:
    """Every active member in scope with their warnings; the live scores used, or why there are none."""
    live, problem = live_scores(year)
    out = []
    for person in member_facts(year):
        score = live.scores.get(person.id) if live else None
        out.append(Warning(person, score, is_below(score, live.line) if live else False))
    return out, live, problem


def filter_warnings(items: Iterable[Warning], unit_id: int | None, problem: str, q: str = "") -> list[Warning]:
    """Those of `unit_id` (any unit when None) with `problem` (any problem when empty) whose name matches `q`."""
    found = None
    if q:
        found = set(db.session.scalars(sa.select(Member.id).where(name_search(Member.name, Member.search_key, q))))
    return [w for w in items if (unit_id is None or unit_id in w.person.unit_ids) and w.has(problem)
            and (found is None or w.person.id in found)]


@dataclass(frozen=True)
class UnitWarnings:
    unit: Unit
    members: int
    flagged: int
    missing: dict[Category, int]
    absent: int
    below: int


def unit_warnings(units: Sequence[Unit], items: Sequence[Warning]) -> list[UnitWarnings]:
    rows = []
    for unit in units:
        mine = [w for w in items if unit.id in w.person.unit_ids]
        rows.append(UnitWarnings(unit, len(mine), sum(1 for w in mine if w.problems),
                                 {c: sum(1 for w in mine if c in w.person.missing) for c in FOUR_ONES},
                                 sum(1 for w in mine if w.person.absent), sum(1 for w in mine if w.below)))
    return rows
