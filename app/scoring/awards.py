"""Award candidates: eligibility, exclusions, quotas per unit and overall (count or share), tie policy."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def select_awards(cards: Sequence[ScoreCard], subjects: Mapping[int, Subject], ruleset: RuleSet,
                  names: Sequence[str] | None = None) -> list[AwardResult]:
    """Candidates per award, best first by the declared tie-break; per-unit quotas first, then the overall one."""
    results = []
    population = list(subjects.values())
    ordered = ordered_cards(cards, ruleset)
    value = lambda c: tie_values(c, ruleset.tie_break)
    for award in ruleset.awards:
        if names is not None and award.name not in names:
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
