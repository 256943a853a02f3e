"""Grades: inclusive thresholds from best to worst, share limits (优秀 ≤ 1/3 of 正式党员), forced grades."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.scoring.cards import ScoreCard
from app.scoring.exact import COUNT_ROUNDINGS
from app.scoring.ranking import ordered_cards, take_with_ties, tie_values
from app.scoring.rules import Grade, RuleSet, subject_matches
from app.scoring.types import Subject


@dataclass(frozen=True)
class GradeLimits:
    """What gates, vetoes and triggers decided for one subject before points are looked at; and its share of the
    period when prorated (thresholds shrink with it)."""

    forced: str | None = None
    max_grade: str | None = None
    factor: Fraction = Fraction(1)


def share_count(share: Fraction, denominator: int, rounding: str) -> int:
    """How many people a share allows: share × denominator, rounded by the named function (exact)."""
    return int(COUNT_ROUNDINGS[rounding](share * denominator))


def assign_grades(cards: Sequence[ScoreCard], subjects: Mapping[int, Subject], ruleset: RuleSet,
                  limits: Mapping[int, GradeLimits] | None = None) -> dict[int, tuple[str | None, str]]:
    """Grade and an explanation per subject id.

    Grades are tried best first; a subject takes the first whose `min` its total reaches (inclusive: exactly 60
    is 60; a prorated subject's `min` × its share, exactly) and whose `when` it meets. A share limit admits the
    best of those by the declared tie-break, out of the appraised subjects that match its `of`; the others fall to
    the next grade. A forced grade (a failed gate, a veto) wins; `max_grade` caps the grade. A subject not
    appraised (`card.appraised` false) gets no grade.
    """
    limits = limits or {}
    result: dict[int, tuple[str | None, str]] = {}
    if not ruleset.grades:
        return {c.subject_id: (None, "") for c in cards}
    order = {g.name: i for i, g in enumerate(ruleset.grades)}
    appraised = {c.subject_id for c in cards if c.appraised}
    pool = []
    for card in ordered_cards(cards, ruleset):
        if not card.appraised:
            result[card.subject_id] = (None, "")
            continue
        forced = limits.get(card.subject_id, GradeLimits()).forced
        if forced is not None:
            result[card.subject_id] = (forced, "未满足基本要求或被否决,直接评定")
        else:
            pool.append(card)
    for index, grade in enumerate(ruleset.grades):
        qualified = [c for c in pool if _qualifies(c, grade, subjects[c.subject_id], limits, order, index)]
        if grade.limit is not None:
            lim = grade.limit
            denominator = sum(1 for s in subjects.values() if s.id in appraised and subject_matches(lim.of, s))
            allowed = share_count(lim.share, denominator, lim.round)
            taken = take_with_ties(qualified, allowed, lambda c: tie_values(c, ruleset.tie_break), lim.ties)
            taken_ids = {c.subject_id for c in taken}
            for card in qualified:
                if card.subject_id not in taken_ids:
                    result.setdefault(card.subject_id, (None, (f"超出“{grade.name}”比例上限 {lim.share}"
                                                              f"(分母 {denominator} 人,名额 {allowed})")))
            qualified = taken
        for card in qualified:
            note = result.get(card.subject_id, (None, ""))[1]
            result[card.subject_id] = (grade.name, note)
        done = {c.subject_id for c in qualified}
        pool = [c for c in pool if c.subject_id not in done]
    for card in pool:  # only when the last grade has a `when` the subject does not meet
        note = result.get(card.subject_id, (None, ""))[1]
        result[card.subject_id] = (None, note or "没有适用的等次")
    return result


def _qualifies(card: ScoreCard, grade: Grade, subject: Subject, limits: Mapping[int, GradeLimits],
               order: Mapping[str, int], index: int) -> bool:
    limit = limits.get(card.subject_id, GradeLimits())
    if limit.max_grade is not None and index < order[limit.max_grade]:
        return False
    if grade.min is not None and Fraction(card.total) < Fraction(grade.min) * limit.factor:
        return False
    return subject_matches(grade.when, subject)
