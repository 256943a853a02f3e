"""Rankings: order by the rule's declared tie-break, equal keys share a place (1, 2, 2, 4); cut-offs with ties."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from app.scoring.cards import Place, ScoreCard
from app.scoring.rules import RuleSet, TieKey
from app.scoring.types import SUBJECT_ATTRIBUTES, Subject

T = TypeVar("T")
#: The group of a subject whose grouping attribute is empty (a frozen review keeps it: never change it).
NO_GROUP = "(无)"


@dataclass(frozen=True)
class Standing:
    place: int
    subject_id: int
    points: Decimal


def rank(totals: Mapping[int, Decimal]) -> list[Standing]:
    """Highest points first; equal points share a place (1, 2, 2, 4); subject id orders a tie."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [Standing(place, subject_id, points)
            for (subject_id, points), place in zip(ordered, places(ordered, lambda item: item[1]), strict=True)]


def tie_values(card: ScoreCard, keys: Sequence[TieKey]) -> tuple[Decimal, ...]:
    """The values that decide a place (everything but `id`), higher is better."""
    out = []
    for key in keys:
        if key.by == "total":
            out.append(card.total)
        elif key.by == "section":
            out.append(card.section_points(key.name))
        elif key.by == "item":
            out.append(card.item_points(key.name))
    return tuple(out)


def sort_key(card: ScoreCard, keys: Sequence[TieKey]) -> tuple[object, ...]:
    return (*(-v for v in tie_values(card, keys)), card.subject_id)


def ordered_cards(cards: Iterable[ScoreCard], ruleset: RuleSet) -> list[ScoreCard]:
    return sorted(cards, key=lambda c: sort_key(c, ruleset.tie_break))


def places(ordered: Sequence[T], value: Callable[[T], object]) -> list[int]:
    """Competition places for an already ordered sequence: equal values share the better place."""
    out: list[int] = []
    for index, entry in enumerate(ordered):
        if index and value(entry) == value(ordered[index - 1]):
            out.append(out[-1])
        else:
            out.append(index + 1)
    return out


def take_with_ties(ordered: Sequence[T], n: int, value: Callable[[T], object], policy: str) -> list[T]:
    """The first `n`; when the n-th and the next share a place: `all_in` takes all of them, `none` none."""
    if n >= len(ordered):
        return list(ordered)
    if n <= 0:
        return []
    boundary = value(ordered[n - 1])
    if value(ordered[n]) != boundary:
        return list(ordered[:n])
    return TIE_POLICIES[policy](ordered, n, value, boundary)


def _all_in(ordered: Sequence[T], n: int, value: Callable[[T], object], boundary: object) -> list[T]:
    end = n
    while end < len(ordered) and value(ordered[end]) == boundary:
        end += 1
    return list(ordered[:end])


def _none(ordered: Sequence[T], n: int, value: Callable[[T], object], boundary: object) -> list[T]:
    start = n - 1
    while start > 0 and value(ordered[start - 1]) == boundary:
        start -= 1
    return list(ordered[:start])


#: Tie policies at the last place of a quota, by the name a rule file uses (`ties: all_in`).
TIE_POLICIES: dict[str, Callable[..., list]] = {"all_in": _all_in, "none": _none}  # type: ignore[type-arg]


def group_values(subject: Subject, attr: str | None) -> tuple[str, ...]:
    """Which groups of a ranking the subject belongs to (all: one group "全部")."""
    if attr is None:
        return ("全部",)
    value = subject.attr(attr)
    if isinstance(value, tuple):
        return value or (NO_GROUP,)
    if value is None and SUBJECT_ATTRIBUTES.get(attr) is bool:
        value = False
    if isinstance(value, bool):
        return ("是" if value else "否",)
    return (str(value) if value not in (None, "") else NO_GROUP,)


def rank_cards(cards: Sequence[ScoreCard], subjects: Mapping[int, Subject],
               ruleset: RuleSet) -> dict[int, tuple[Place, ...]]:
    """Every declared ranking, per group; ties (all tie-break keys but id equal) share a place. A subject not
    appraised (served part of the period, `membership`) is in no ranking."""
    result: dict[int, list[Place]] = {c.subject_id: [] for c in cards}
    ordered = ordered_cards([c for c in cards if c.appraised], ruleset)
    for ranking in ruleset.rankings:
        groups: dict[str, list[ScoreCard]] = {}
        for card in ordered:
            for group in group_values(subjects[card.subject_id], ranking.by):
                groups.setdefault(group, []).append(card)
        for group in sorted(groups):
            members = groups[group]
            for card, place in zip(members, places(members, lambda c: tie_values(c, ruleset.tie_break))):
                result[card.subject_id].append(Place(ranking.name, group, place, len(members)))
    return {k: tuple(v) for k, v in result.items()}
