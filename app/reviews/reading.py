"""How a frozen ranking reads: what 评优资格 means for each subject and why, who was vetoed, how equal scores were
ordered, and what the columns are called for each kind of subject. Reads the frozen cards; changes nothing."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Review, ReviewEntry, ReviewKind, SubjectKind
from app.scoring.rules import RuleSet

# (name column, unit column, counter word) per kind of subject: a branch ranking speaks of 党支部, not of 委员
SUBJECT_WORDS = {SubjectKind.MEMBERS: (_l("姓名"), _l("单位"), _l("人")),
                 SubjectKind.UNITS: (_l("名称"), _l("类别"), _l("个")),
                 SubjectKind.BRANCHES: (_l("党支部"), _l("组建形式"), _l("个")),
                 SubjectKind.PARTY_MEMBERS: (_l("姓名"), _l("所在支部"), _l("人"))}
_SHORT = re.compile(r"^([^:：]+)[:：].*[(（]未达到[)）]$")
_VETO_SUFFIX = re.compile(r"[,，]?\s*一票否决$")


def words(kind: SubjectKind) -> tuple[str, str, str]:
    name, unit, counter = SUBJECT_WORDS.get(kind, SUBJECT_WORDS[SubjectKind.MEMBERS])
    return str(name), str(unit), str(counter)


@dataclass(frozen=True)
class Verdict:
    """Why one subject may not stand for an award, in plain words; `vetoed`: a 一票否决 applied."""

    vetoed: bool
    reasons: tuple[str, ...]


def veto_label(label: str) -> str:
    """“受到党纪处分,一票否决” → “受到党纪处分”: the rule's label without the word the page already says."""
    return _VETO_SUFFIX.sub("", label).strip() or label


def gate_reason(gate: dict[str, Any]) -> str:
    """A failed gate in plain words: 未完成“解一难”, 一票否决：受到党纪处分, or 未达到“…” when the parts are unknown."""
    if gate.get("veto"):
        return _("一票否决：%(what)s", what=veto_label(gate["label"]))
    missed = [m.group(1).strip() for part in re.split(r"[;；]", gate.get("detail", ""))
              if (m := _SHORT.match(part.strip()))]
    if missed:
        return _("未完成%(items)s", items="".join(f"“{m}”" for m in missed))
    return _("未达到“%(gate)s”", gate=gate["label"])


def failed_gates(card: dict[str, Any]) -> list[dict[str, Any]]:
    """A frozen card's gates not met, the 一票否决 first."""
    return sorted((g for g in card["gates"] if not g["met"]), key=lambda g: not g.get("veto"))


def verdicts(review: Review) -> dict[int, Verdict]:
    """Subject id → its verdict, for the subjects not eligible (only their cards are read)."""
    found = {}
    for subject_id, text in db.session.execute(sa.select(ReviewEntry.subject_id, ReviewEntry.card).where(
            ReviewEntry.review_id == review.id, ReviewEntry.eligible.is_(False))):
        card = json.loads(text)
        failed = failed_gates(card)
        reasons = [gate_reason(g) for g in failed]
        reasons += [f["label"] for f in card.get("flags", []) if not failed]
        found[subject_id] = Verdict(any(g.get("veto") for g in failed), tuple(dict.fromkeys(reasons)))
    return found


def eligibility(eligible: bool, verdict: Verdict | None) -> str:
    """The 评优资格 cell: 具备, or 不具备 — 未完成“解一难”."""
    if eligible:
        return _("具备")
    if verdict is None or not verdict.reasons:
        return _("不具备")
    return _("不具备 — %(why)s", why="；".join(verdict.reasons))


def tie_rule(rules: RuleSet | None) -> str:
    """The declared tie-break after the total, as a reader says it: 同分按“献一智”得分排先后 ("" when none)."""
    if rules is None:
        return ""
    keys = []
    items = {i.name: i.label or i.name for s in rules.sections for i in s.items}
    for key in rules.tie_break[1:]:
        if key.by == "section":
            keys.append(_("“%(name)s”得分", name=key.name))
        elif key.by == "item":
            keys.append(_("“%(name)s”得分", name=items.get(key.name, key.name)))
    if not keys:
        return ""
    return _("同分按%(keys)s排先后", keys="、再按".join(keys))


def tie_broken(places: Iterable[tuple[int, str, Decimal, int]]) -> set[int]:
    """Of (subject id, group, score, place) rows, those whose score equals another's in the group at another place:
    the rows the declared tie-break ordered."""
    by_score: dict[tuple[str, Decimal], set[int]] = defaultdict(set)
    members: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for subject_id, group, score, place in places:
        by_score[group, score].add(place)
        members[group, score].append(subject_id)
    return {s for key, ids in members.items() if len(by_score[key]) > 1 for s in ids}


def vetoed_last(rows: Sequence[Any], vetoed: set[int], subject_id: Any) -> list[Any]:
    """The rows with the vetoed ones moved after all others, each part in its own order."""
    return [r for r in rows if subject_id(r) not in vetoed] + [r for r in rows if subject_id(r) in vetoed]


def review_label(review: Review) -> str:
    """2025年度全年总结 第2版: how pages and documents name a frozen review."""
    kind = _("全年总结") if review.kind == ReviewKind.ANNUAL else _("半年小结")
    return _("%(year)s年度%(kind)s 第%(version)s版", year=int(review.period[:4]), kind=kind, version=review.version)
