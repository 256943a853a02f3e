"""Award candidates: eligibility, exclusions, quotas per unit and overall (count or share), tie policy."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.scoring.cards import AwardResult, ScoreCard
from app.scoring.grades import share_count
from app.scoring.ranking import group_values, ordered_cards, take_with_ties, tie_values
from app.scoring.rules import Award, Quota, RuleSet, subject_matches
from app.scoring.types import Subject


def quota_size(quota: Quota, population: Sequence[Subject]) -> int:
    """A count as written, or share × (subjects matching `of`), rounded by the declared function."""
    if quota.count is not None:
        return quota.count
    assert quota.share is not None
    denominator = sum(1 for s in population if subject_matches(quota.of, s))
    return share_count(quota.share, denominator, quota.round)


def why_ineligible(card: ScoreCard, subject: Subject, award: Award, ruleset: RuleSet) -> str | None:
    """Why `subject` may not be a candidate for `award` (None: it may)."""
    found = _why(card, subject, award, ruleset)
    return None if found is None else found[0]


def _why(card: ScoreCard, subject: Subject, award: Award, ruleset: RuleSet) -> tuple[str, bool] | None:
    """(why not a candidate, whether the subject could have had the award on its points: its total reaches a grade
    the award asks for and any minimum total, and it is of the award's kind; so it was left out by an exclusion,
    a veto, a gate, a trigger or a share limit)."""
    reason = _reason(card, subject, award, ruleset)
    if reason is None:
        return None
    if not card.appraised:
        return reason, False
    reached = _grade_by_total(card, subject, ruleset)
    near = (not award.grades or reached in award.grades) \
        and (award.min_total is None or card.total >= award.min_total) \
        and (not award.when or subject_matches(award.when, subject))
    return reason, near


def _grade_by_total(card: ScoreCard, subject: Subject, ruleset: RuleSet) -> str | None:
    """The grade the total alone reaches: the thresholds and `when` of each grade, before gates and share limits."""
    for grade in ruleset.grades:
        if (grade.min is None or card.total >= grade.min) and subject_matches(grade.when, subject):
            return grade.name
    return None


def _reason(card: ScoreCard, subject: Subject, award: Award, ruleset: RuleSet) -> str | None:
    if not card.appraised:
        return "任职不满全期,未参加本期考评"
    for exclusion in ruleset.exclusions:
        if subject_matches(exclusion.conds, subject):
            return f"{exclusion.name},不参评"
    if not card.eligible:
        return "被一票否决或未满足基本要求,不能参评"
    if award.grades and card.grade not in award.grades:
        return f"等次为 {card.grade or '无'},不在 {'、'.join(award.grades)} 之列"
    gates = {g.name: g.met for g in card.gates}
    for name in award.gates:
        if not gates.get(name, False):
            return f"未满足“{name}”"
    if award.min_total is not None and card.total < award.min_total:
        return f"总分低于 {award.min_total}"
    if award.when and not subject_matches(award.when, subject):
        return "不属于本表彰的参评范围"
    return None


@dataclass(frozen=True)
class AwardOutcome:
    """One subject and one award: selected, or why not; `near` when the subject could have had it (left out by an
    exclusion, a veto, a gate or a quota, not by its grade or total)."""

    award: str
    label: str
    selected: bool
    reason: str = ""
    near: bool = False


def award_outcomes(cards: Sequence[ScoreCard], subjects: Mapping[int, Subject],
                   ruleset: RuleSet) -> dict[int, tuple[AwardOutcome, ...]]:
    """Subject id → its outcome under each declared award, in the rule file's order (as select_awards decides)."""
    out: dict[int, list[AwardOutcome]] = {c.subject_id: [] for c in cards}
    by_id = {c.subject_id: c for c in cards}
    awards = {a.name: a for a in ruleset.awards}
    for result in select_awards(cards, subjects, ruleset):
        notes = dict(result.notes)
        winners = set(result.winners)
        for card in cards:
            sid = card.subject_id
            label = result.label or result.award
            if sid in winners:
                out[sid].append(AwardOutcome(result.award, label, True))
                continue
            found = _why(by_id[sid], subjects[sid], awards[result.award], ruleset)
            out[sid].append(AwardOutcome(result.award, label, False, notes.get(sid, ""),
                                         found is None or found[1]))  # None: eligible, over a quota
    return {sid: tuple(found) for sid, found in out.items()}


def select_awards(cards: Sequence[ScoreCard], subjects: Mapping[int, Subject], ruleset: RuleSet,
                  names: Sequence[str] | None = None) -> list[AwardResult]:
    """Candidates per award, best first by the declared tie-break; per-unit quotas first, then the overall one.
    A nominated award (a branch's 企业主) has no candidates by score and is left out."""
    results = []
    population = list(subjects.values())
    ordered = ordered_cards(cards, ruleset)
    value = lambda c: tie_values(c, ruleset.tie_break)
    for award in ruleset.awards:
        if award.nominated or (names is not None and award.name not in names):
            continue
        notes: list[tuple[int, str]] = []
        pool = []
        for card in ordered:
            reason = why_ineligible(card, subjects[card.subject_id], award, ruleset)
            if reason is None:
                pool.append(card)
            else:
                notes.append((card.subject_id, reason))
        if award.per_unit is not None:
            quota = award.per_unit
            groups: dict[str, list[ScoreCard]] = {}
            for card in pool:  # a subject in several units (by: unit) counts against its first one only
                groups.setdefault(group_values(subjects[card.subject_id], quota.by)[0], []).append(card)
            population_of: dict[str, list[Subject]] = {}  # each group's subjects, found in one pass
            for subject in population:
                for group in group_values(subject, quota.by):
                    population_of.setdefault(group, []).append(subject)
            kept: set[int] = set()
            for group, members in sorted(groups.items()):
                n = quota_size(quota, population_of[group])
                taken_ids = {c.subject_id for c in take_with_ties(members, n, value, award.ties)}
                kept |= taken_ids
                notes.extend((c.subject_id, f"超出本单位({group})名额 {n}") for c in members
                             if c.subject_id not in taken_ids)
            pool = [c for c in pool if c.subject_id in kept]
        total_quota = None
        if award.quota is not None:
            total_quota = quota_size(award.quota, population)
            taken = take_with_ties(pool, total_quota, value, award.ties)
            taken_ids = {c.subject_id for c in taken}
            notes.extend((c.subject_id, f"超出总名额 {total_quota}"
                          + ("(末位并列,按规定均不入选)" if award.ties == "none" and len(taken) < total_quota else ""))
                         for c in pool if c.subject_id not in taken_ids)
            pool = taken
        results.append(AwardResult(award.name, award.label, tuple(c.subject_id for c in pool), total_quota,
                                   tuple(sorted(notes))))
    return results
