"""Score a period: a rule file + the recorded facts → ranked, explained ScoreCards and the content hash."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import scoring, spreadsheets
from app.models import SubjectKind
from app.reviews.facts import Earlier, Facts, gather, term_for
from app.scoring.exact import plain
from app.scoring.hashing import normalise_term
from app.sheetlimits import sheet_limits

SUBJECT_KINDS = {"members": SubjectKind.MEMBERS, "units": SubjectKind.UNITS, "branches": SubjectKind.BRANCHES,
                 "party-members": SubjectKind.PARTY_MEMBERS}
ANNUAL_KEYS = ("全年", "annual", "year")
_PERIOD = re.compile(r"^(\d{4})(H[12]|Q[1-4])?$")


@dataclass(frozen=True)
class Scored:
    period: str  # as asked: "2025" or "2025H1"
    period_key: str  # the rule file's name for it: "全年", "H1"
    ruleset: scoring.RuleSet
    facts: Facts
    cards: list[scoring.ScoreCard]  # best first: by the first declared ranking, then subject id
    hash: str
    term: scoring.TermSpan | None = None  # the 届 a `window: term` count saw (None: the rule file counts none)

    @property
    def subjects(self) -> dict[int, scoring.Subject]:
        return {s.id: s for s in self.facts.subjects}


def period_key(ruleset: scoring.RuleSet, period: str) -> str:
    """The rule file's period for "2025" (its whole-year period) or "2025H1"; RuleError when it has none."""
    match = _PERIOD.match(period.strip())
    where = ruleset.source_name or ruleset.name
    if not match:
        raise scoring.RuleError(f"考评周期 '{period}' 的写法不对：应写作 2025 或 2025H1")
    year, part = int(match.group(1)), match.group(2)
    if year != ruleset.year:
        raise scoring.RuleError(f"{where}: 细则适用于 {ruleset.year} 年，不能用于 {period}")
    candidates = (part,) if part else ANNUAL_KEYS
    for key in candidates:
        if key in ruleset.periods:
            return key
    raise scoring.RuleError(f"{where}: 细则没有 {period} 对应的考评周期（细则中有：{'、'.join(ruleset.periods)}）")


def subject_kind(ruleset: scoring.RuleSet) -> SubjectKind:
    return SUBJECT_KINDS[ruleset.subject]


def period_end(ruleset: scoring.RuleSet, key: str) -> dt.date:
    """The last day of the rule file's period `key` (of its last part, for a combined one)."""
    period = ruleset.periods[key]
    ends = [ruleset.periods[name].end for name, _ in period.parts] if period.combine else [period.end]
    return max(e for e in ends if e is not None)


def term_of(ruleset: scoring.RuleSet, key: str) -> scoring.TermSpan | None:
    """The 届 containing the period's last day, when the rule file counts over the 届 (`window: term`).

    :raises scoring.RuleError: it does, and no 届 in the database contains that day.
    """
    if not ruleset.term_counts:
        return None
    end = period_end(ruleset, key)
    term = term_for(end)
    if term is None:
        raise scoring.RuleError(f"{ruleset.source_name or ruleset.name}: 细则按届统计（window: term），但系统中没有包含 "
                                f"{end.year}年{end.month}月{end.day}日的届：请先由系统管理员设置届及其起止日期")
    return term


def score_period(ruleset: scoring.RuleSet, period: str, facts: Facts | None = None,
                 term: scoring.TermSpan | None = None, only: int | None = None, hashed: bool = True) -> Scored:
    """Score `period` under `ruleset` on the database's verified facts (or on `facts` given, with the 届 `term` when
    the rule file counts over the 届). From the database, a rule file that counts over the 届 gets the 届 the
    period ends in, and that 届's earlier years' records of the kinds it counts. With `only` (a member id, a
    members' rule file), that member alone is read and scored (the 我的本年 page); the rest is the same. Without
    `hashed`, the content hash (which only a frozen review keeps) is left empty."""
    key = period_key(ruleset, period)
    if facts is None:
        term = term_of(ruleset, key)
        earlier = Earlier(term.starts_on, ruleset.term_kinds) if term is not None else None
        facts = gather(subject_kind(ruleset), ruleset.year, earlier, period_end(ruleset, key), only)
    elif not ruleset.term_counts:
        term = None  # a 届 the rule file does not need changes nothing, not even the hash
    cards = scoring.score(facts.subjects, facts.records, ruleset, key, term)
    first = ruleset.rankings[0].name if ruleset.rankings else None
    cards.sort(key=lambda c: (c.place(first) is None, c.place(first) or 0, c.subject_id) if first
               else (not c.appraised, c.subject_id))  # those not appraised (no place) after the ranked
    digest = scoring.content_hash(ruleset, facts.subjects, facts.records, key, term) if hashed else ""
    return Scored(period, key, ruleset, facts, cards, digest, term)


def file_facts(path: Path, ruleset: scoring.RuleSet,
               term: scoring.TermSpan | None = None) -> tuple[Facts, list[str]]:
    """Facts from a spreadsheet in the import format, without the database; and notes (rows left out, columns
    ignored). With `term`, the rows of the 届's earlier years that a `window: term` count needs are kept too.
    :raises spreadsheets.SheetError: listing every bad row."""
    read = spreadsheets.read_facts(path.read_bytes(), path.name, ruleset, term, sheet_limits())
    return Facts(read.subjects, read.records, read.units), read.notes


def awards(scored: Scored) -> dict[int, list[str]]:
    """Subject id → the awards the rules would give it (before any human review)."""
    given: dict[int, list[str]] = {}
    for result in scoring.select_awards(scored.cards, scored.subjects, scored.ruleset):
        for subject_id in result.winners:
            given.setdefault(subject_id, []).append(result.label or result.award)
    return given


def result_rows(scored: Scored) -> list[dict[str, Any]]:
    """One JSON-ready row per subject, in ranking order: the `score --format json` contract."""
    subjects = scored.subjects
    first = scored.ruleset.rankings[0].name if scored.ruleset.rankings else None
    outcomes = scoring.award_outcomes(scored.cards, subjects, scored.ruleset)
    rows = []
    for card in scored.cards:
        subject = subjects[card.subject_id]
        rows.append({
            "rank": card.place(first) if first else None,
            "subject": {"id": subject.id, "name": subject.name, "unit": scored.facts.units.get(subject.id, "")},
            "score": plain(card.total),
            "grade": card.grade,
            "eligible": card.eligible,
            "appraised": card.appraised,
            "left": card.left,
            "membership": card.membership,
            "grade_note": card.grade_note,
            "gates": [g.to_json() for g in card.gates],
            "flags": [f.to_json() for f in card.flags],
            "notes": [{"item": n.item, "record": n.record_id, "reason": n.reason} for n in card.notes],
            "items": [{"rule": f"{line.section}/{line.item}", "label": line.label, "raw": plain(line.raw),
                       "points": plain(line.points), "records": list(line.record_ids)} for line in card.lines],
            "sections": [{"section": s.section, "label": s.label, "base": plain(s.base), "raw": plain(s.raw),
                          "points": plain(s.points)} for s in card.sections],
            "awards": [{"award": o.award, "label": o.label, "selected": o.selected, "reason": o.reason,
                        "near": o.near} for o in outcomes[card.subject_id]],
        })
    return rows


def as_json(scored: Scored) -> dict[str, Any]:
    doc = {"period": scored.period,
           "rules": {"name": scored.ruleset.name, "sha256": hashlib.sha256(scored.ruleset.source).hexdigest()},
           "hash": scored.hash, "results": result_rows(scored)}
    if scored.term is not None:
        doc["term"] = normalise_term(scored.term)
    return doc
