"""Reviews (考评): run a rule file over a period's verified records and freeze the result.

A review keeps the rule file's bytes (one `RuleSet` row per distinct file), every fact the rules saw (normalised
JSON), every subject's ScoreCard, ranks, grade and the content hash. Records edited later change nothing in it;
running the same period and subject kind again makes a new version, and the earlier one is marked superseded.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit, races, rulefiles, scoring
from app.extensions import db
from app.auth import scope
from app.models import (Activity, Attendance, AwardList, AwardListState, Meeting, Member, PartyMember, Review,
                        ReviewEntry, ReviewKind, ReviewState, RuleSet, SubjectKind, Unit, UnitKind, User)
from app.reviews import pending
from app.reviews.facts import CPPCC_UNIT_KINDS, origin
from app.reviews.scoring import ANNUAL_KEYS, score_period
from app.reviews.scoring import subject_kind as subject_kind_of
from app.scoring.exact import plain
from app.scoring.hashing import normalise_record, normalise_subject, normalise_term


def rule_files(year: int | None = None) -> list[scoring.RuleSet]:
    """The rule files in force (of `year`, when given), newest year first."""
    found = [r for r in rulefiles.in_force() if year is None or r.year == year]
    return sorted(found, key=lambda r: (-r.year, r.subject, r.source_name or r.name))


def rule_file(name: str) -> scoring.RuleSet | None:
    """The rule file in force named `name` (its file name)."""
    return next((r for r in rulefiles.in_force() if (r.source_name or r.name) == name), None)


def periods(ruleset: scoring.RuleSet) -> list[str]:
    """The periods a review of `ruleset` may cover: "2025H1", "2025H2" … as the file declares, and the year."""
    found = [f"{ruleset.year}{key}" for key in ruleset.periods if key not in ANNUAL_KEYS]
    if any(key in ruleset.periods for key in ANNUAL_KEYS):
        found.append(str(ruleset.year))
    return found


def kind_of(period: str) -> ReviewKind:
    return ReviewKind.ANNUAL if period.isdigit() else ReviewKind.HALF_YEAR


class ReviewError(ValueError):
    """A review that may not be run now, with the reason in Chinese."""


def run_review(ruleset: scoring.RuleSet, period: str, user: User | None,
               progress: Callable[[int, int, str], None] | None = None) -> Review:
    """Score `period` under `ruleset` on the verified records now, and freeze it as the next version.
    `progress(done, total, message)` hears of each of its three steps (a background job's progress bar).

    :raises scoring.RuleError: a period the rule file does not declare.
    :raises ReviewError: the period's review already feeds an award list (being decided, approved or final): a
        new version would leave that list on a superseded review. Only an admin's reopening frees it.
    """
    subject_kind = subject_kind_of(ruleset)
    busy = db.session.scalar(sa.select(AwardList.title).join(Review, AwardList.review_id == Review.id).where(
        Review.period == period, Review.subject_kind == subject_kind,
        AwardList.state != AwardListState.REOPENED).limit(1))
    if busy is not None:
        raise ReviewError(_("该周期的考评已用于表彰名单“%(title)s”，不能再运行新版本；如需重新考评，请系统管理员先重新打开名单。",
                            title=busy))
    if progress is not None:
        progress(0, 3, "读取记录并计分")
    scored = score_period(ruleset, period)
    if progress is not None:
        progress(1, 3, "保存考评结果")
    # Two reviews of the same period at once (two jobs, two tabs) must not take the same version number
    races.one_writer(Review.__table__, f"review {period} {subject_kind.name}")
    rule_set = _stored(ruleset, subject_kind, user)
    same = sa.and_(Review.period == period, Review.subject_kind == subject_kind)
    version = (db.session.scalar(sa.select(sa.func.max(Review.version)).where(same)) or 0) + 1
    db.session.execute(sa.update(Review).where(same, Review.state == ReviewState.FROZEN)
                       .values(state=ReviewState.SUPERSEDED))
    facts = scored.facts
    frozen: dict[str, Any] = {
        "subjects": sorted((normalise_subject(s) for s in facts.subjects), key=lambda d: d["id"]),
        "records": sorted((normalise_record(r) for r in facts.records), key=lambda d: d["id"])}
    if scored.term is not None:  # the 届 a `window: term` count saw, with its earlier years' records above
        frozen["term"] = normalise_term(scored.term)
    review = Review(period=period, kind=kind_of(period), subject_kind=subject_kind, version=version,
                    rule_set_id=rule_set.id, state=ReviewState.FROZEN, content_hash=scored.hash,
                    input_records=_canonical(frozen), pending=_canonical(pending.snapshot(period, subject_kind)),
                    created_by_id=user.id if user is not None else None)
    db.session.add(review)
    db.session.flush()
    first = ruleset.rankings[0].name if ruleset.rankings else None
    grouped = next((r.name for r in ruleset.rankings if r.by), None)
    subjects = scored.subjects
    rows = []
    for order, card in enumerate(scored.cards, start=1):
        group_place = next((p for p in card.places if p.ranking == grouped), None)
        rows.append({
            "review_id": review.id, "subject_id": card.subject_id, "subject_name": subjects[card.subject_id].name,
            "unit_name": facts.units.get(card.subject_id, "")[:80], "group": (group_place.group if group_place else
                                                                             "")[:40],
            "score": plain(card.total), "grade": card.grade or "",
            "rank": card.place(first) or order if first else order,  # one not appraised: after every place
            "group_rank": group_place.place if group_place else None, "eligible": card.eligible,
            "places": _canonical([[p.ranking, p.group, p.place, p.size] for p in card.places]),
            "flags": _canonical([f.label for f in card.flags]), "card": _canonical(card.to_json())})
    if rows:
        db.session.execute(sa.insert(ReviewEntry), rows)
    audit.record(user, "create", "review", review.id,
                 {"period": (None, period), "subject_kind": (None, subject_kind), "version": (None, version),
                  "rule_set": (None, rule_set.filename), "content_hash": (None, review.content_hash),
                  "entries": (None, len(rows))})
    db.session.flush()
    if progress is not None:
        progress(2, 3, "即将完成")
    return review


def _stored(ruleset: scoring.RuleSet, subject_kind: SubjectKind, user: User | None) -> RuleSet:
    """The RuleSet row holding exactly these bytes (one per distinct file content). Two reviews of a new file at
    the same moment (of two periods: the same period's wait in `run_review`) both find the one row."""
    digest = hashlib.sha256(ruleset.source).hexdigest()
    found = db.session.scalar(sa.select(RuleSet).where(RuleSet.sha256 == digest))
    if found is None:
        races.insert_or_ignore(RuleSet.__table__, {
            "name": ruleset.name[:120], "year": ruleset.year, "subject_kind": subject_kind,
            "filename": (ruleset.source_name or ruleset.name)[:200], "content": ruleset.source, "sha256": digest,
            "created_by_id": user.id if user is not None else None}, ["sha256"])
        found = db.session.scalars(sa.select(RuleSet).where(RuleSet.sha256 == digest)).one()
    return found


def _canonical(value: Any) -> str:
    """JSON that is the same text for the same value on every database and run."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- reading a review --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One subject's line of a ranking table."""

    entry_id: int
    subject_id: int
    name: str
    unit: str
    score: Decimal
    grade: str
    eligible: bool
    flags: tuple[str, ...]
    places: dict[str, tuple[str, int, int]]  # ranking → (group, place, size)
    membership: str = ""     # how a part of the period was treated ("任职 2025年12月1日起,…"), from the card
    left: bool = False       # 已离任
    appraised: bool = True   # False: listed with its points only (no grade, no place)

    def place(self, ranking: str) -> tuple[str, int, int] | None:
        return self.places.get(ranking)


@dataclass(frozen=True)
class Ranking:
    """A declared ranking of the rule file: its name, and the groups it ranks within (none: one list)."""

    name: str
    groups: tuple[str, ...] = field(default=())


def rows(review: Review) -> list[Row]:
    """Every subject of `review`, in the order of its first ranking (as frozen)."""
    found = db.session.execute(sa.select(ReviewEntry.id, ReviewEntry.subject_id, ReviewEntry.subject_name,
                                         ReviewEntry.unit_name, ReviewEntry.score, ReviewEntry.grade,
                                         ReviewEntry.eligible, ReviewEntry.flags, ReviewEntry.places)
                               .where(ReviewEntry.review_id == review.id)
                               .order_by(ReviewEntry.rank, ReviewEntry.id))
    served = service_notes(review)
    return [Row(entry_id, subject_id, name, unit, Decimal(score), grade, eligible, tuple(json.loads(flags)),
                {r: (g, p, n) for r, g, p, n in json.loads(places)}, *served.get(subject_id, ("", False, True)))
            for entry_id, subject_id, name, unit, score, grade, eligible, flags, places in found]


def service_notes(review: Review) -> dict[int, tuple[str, bool, bool]]:
    """Subject id → (membership note, left, appraised) for the few whose card says how they served (one who joined
    or left within the period): only their cards are read."""
    found = {}
    for subject_id, text in db.session.execute(sa.select(ReviewEntry.subject_id, ReviewEntry.card).where(
            ReviewEntry.review_id == review.id, ReviewEntry.card.contains('"membership":'))):
        card = json.loads(text)
        found[subject_id] = (card.get("membership", ""), card.get("left", False), card.get("appraised", True))
    return found


def rankings_of(review: Review, table: list[Row]) -> list[Ranking]:
    """The rankings the review's rule file declares, each with its groups in the order first met."""
    names: dict[str, dict[str, None]] = {}
    for row in table:
        for ranking, (group, _place, _size) in row.places.items():
            names.setdefault(ranking, {})
            if group:
                names[ranking].setdefault(group, None)
    ruleset = loaded_rules(review)
    declared = [r.name for r in ruleset.rankings] if ruleset else list(names)
    return [Ranking(name, tuple(names.get(name, {}))) for name in declared]


def loaded_rules(review: Review) -> scoring.RuleSet | None:
    """The review's own rule file, parsed from the bytes it kept."""
    rule_set = review.rule_set
    return _parse(rule_set.sha256, rule_set.content, rule_set.filename)


_parsed: dict[str, scoring.RuleSet] = {}


def _parse(digest: str, content: bytes, filename: str) -> scoring.RuleSet | None:
    if digest not in _parsed:
        try:
            _parsed[digest] = scoring.load_ruleset(bytes(content), filename)
        except scoring.RuleError:
            return None
    return _parsed[digest]


def card(review: Review, subject_id: int) -> dict[str, Any] | None:
    """The frozen ScoreCard (as JSON) of one subject, or None."""
    text = db.session.scalar(sa.select(ReviewEntry.card).where(ReviewEntry.review_id == review.id,
                                                               ReviewEntry.subject_id == subject_id))
    return json.loads(text) if text is not None else None


def facts_of(review: Review) -> dict[int, dict[str, Any]]:
    """Record id → the fact the rules saw (kind, category, date, fields, participants), as frozen."""
    return {r["id"]: r for r in json.loads(review.input_records)["records"]}


# --- comparing two versions --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Move:
    """How one subject's result differs between two reviews, and why."""

    subject_id: int
    name: str
    unit: str
    before: tuple[int, Decimal, str] | None  # (rank, score, grade); None: not in the earlier review
    after: tuple[int, Decimal, str] | None
    items: tuple[tuple[str, Decimal, Decimal], ...]  # (rule item label, points before, points after)
    added: tuple[int, ...]    # record ids counted now and not before
    removed: tuple[int, ...]  # … counted before and not now

    @property
    def moved(self) -> int:
        """Places gained (positive) or lost."""
        if self.before is None or self.after is None:
            return 0
        return self.before[0] - self.after[0]


def compare(old: Review, new: Review) -> list[Move]:
    """Every subject whose rank, score or grade differs between `old` and `new`, biggest move first."""
    def entries(review: Review) -> dict[int, ReviewEntry]:
        return {e.subject_id: e for e in db.session.scalars(
            sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id))}
    before, after = entries(old), entries(new)
    moves = []
    for subject_id in sorted(before.keys() | after.keys()):
        a, b = before.get(subject_id), after.get(subject_id)
        was = (a.rank, Decimal(a.score), a.grade) if a else None
        now = (b.rank, Decimal(b.score), b.grade) if b else None
        if was == now:
            continue
        old_lines, new_lines = _lines(a), _lines(b)
        items = tuple((label, old_lines.get(key, (label, Decimal(0)))[1], new_lines.get(key, (label, Decimal(0)))[1])
                      for key in sorted(old_lines.keys() | new_lines.keys())
                      for label in [(new_lines.get(key) or old_lines[key])[0]]
                      if old_lines.get(key, ("", Decimal(0)))[1] != new_lines.get(key, ("", Decimal(0)))[1])
        old_records, new_records = _records(a), _records(b)
        current = b or a
        assert current is not None
        moves.append(Move(subject_id, current.subject_name, current.unit_name, was, now, items,
                          tuple(sorted(new_records - old_records)), tuple(sorted(old_records - new_records))))
    return sorted(moves, key=lambda m: (-abs(m.moved), m.after[0] if m.after else 10**9, m.subject_id))


def _lines(entry: ReviewEntry | None) -> dict[tuple[str, str, str], tuple[str, Decimal]]:
    if entry is None:
        return {}
    return {(line["period"], line["section"], line["item"]): (line["label"], Decimal(line["points"]))
            for line in json.loads(entry.card)["lines"]}


def _records(entry: ReviewEntry | None) -> set[int]:
    if entry is None:
        return set()
    return {r["record_id"] for line in json.loads(entry.card)["lines"] for r in line["records"]}


def previous(review: Review) -> Review | None:
    """The version before `review` of the same period and subject kind."""
    return db.session.scalar(sa.select(Review).where(
        Review.period == review.period, Review.subject_kind == review.subject_kind,
        Review.version < review.version).order_by(Review.version.desc()).limit(1))


# --- what the screens need beside the frozen result ---------------------------------------------------------------

SUBJECT_MODELS = {SubjectKind.MEMBERS: Member, SubjectKind.UNITS: Unit, SubjectKind.BRANCHES: Unit,
                  SubjectKind.PARTY_MEMBERS: PartyMember}


def visible_subjects(review: Review, user: User) -> set[int] | None:
    """The subject ids of `review` that `user` may see; None: all of them (the county roles).

    A clerk sees the members (or units) of their own units only; a kind of subject outside their scope gives
    an empty set, never someone else's rows.
    """
    if scope.unit_ids(user) is None:
        return None
    model = SUBJECT_MODELS[review.subject_kind]
    found = set(db.session.scalars(sa.select(model.id).where(scope.clause(model, user))))
    if review.subject_kind == SubjectKind.UNITS:
        found &= set(db.session.scalars(sa.select(Unit.id).where(Unit.kind.in_(CPPCC_UNIT_KINDS))))
    elif review.subject_kind == SubjectKind.BRANCHES:
        found &= set(db.session.scalars(sa.select(Unit.id).where(Unit.kind == UnitKind.BRANCH)))
    return found


def entry_counts() -> dict[int, int]:
    """Review id → how many subjects it ranked."""
    return dict(db.session.execute(sa.select(ReviewEntry.review_id, sa.func.count())  # type: ignore[arg-type]
                                   .group_by(ReviewEntry.review_id)).all())


@dataclass(frozen=True)
class Origin:
    """Where a record id of a review came from, and what that row is called now (None: no longer there)."""

    kind: str  # "activity" | "attendance" | "indicator"
    row_id: int
    title: str | None


def origins(review: Review, record_ids: Any, user: User) -> dict[int, Origin]:
    """Each record id's origin; titles only of rows that still exist and that `user` may see."""
    found = {rid: origin(rid, review.subject_kind) for rid in record_ids}
    activity_ids = [row for kind, row in found.values() if kind == "activity"]
    attendance_ids = [row for kind, row in found.values() if kind == "attendance"]
    titles: dict[tuple[str, int], str] = {}
    if activity_ids:
        titles.update((("activity", i), t) for i, t in db.session.execute(
            sa.select(Activity.id, Activity.title).where(Activity.id.in_(activity_ids), scope.clause(Activity, user))))
    if attendance_ids:
        titles.update((("attendance", i), t) for i, t in db.session.execute(
            sa.select(Attendance.id, Meeting.title).join(Meeting)
            .where(Attendance.id.in_(attendance_ids), scope.clause(Attendance, user))))
    return {rid: Origin(kind, row, titles.get((kind, row))) for rid, (kind, row) in found.items()}

