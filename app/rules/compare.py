"""What adopting a rule file would change: the same verified records scored under the file in force and under the
new version, subject by subject (score, place, grade, award). Nothing is stored."""
from __future__ import annotations

from dataclasses import dataclass

from app import scoring
from app.reviews.scoring import Scored, awards, result_rows, score_period


@dataclass(frozen=True)
class Change:
    """One subject: (before, after) of each figure, as text; `changed` when any differs."""

    subject_id: int
    name: str
    unit: str
    score: tuple[str, str]
    rank: tuple[str, str]
    grade: tuple[str, str]
    award: tuple[str, str]

    @property
    def changed(self) -> bool:
        return any(a != b for a, b in (self.score, self.rank, self.grade, self.award))


@dataclass(frozen=True)
class Comparison:
    period: str
    before: scoring.RuleSet
    after: scoring.RuleSet
    rows: list[Change]  # in the new version's order

    @property
    def changes(self) -> list[Change]:
        return [r for r in self.rows if r.changed]


def compare(before: scoring.RuleSet, after: scoring.RuleSet, period: str) -> Comparison:
    """Score `period` under both files on the database's verified records.

    :raises scoring.RuleError: a period one of the files does not declare, or records its rules cannot score.
    """
    old, new = score_period(before, period), score_period(after, period)
    return Comparison(period, before, after, _changes(old, new))


def _changes(old: Scored, new: Scored) -> list[Change]:
    earlier = {row["subject"]["id"]: row for row in result_rows(old)}
    given_before, given_after = awards(old), awards(new)
    rows = []
    for row in result_rows(new):
        sid = row["subject"]["id"]
        was = earlier.get(sid)
        rows.append(Change(
            sid, row["subject"]["name"], row["subject"]["unit"],
            (was["score"] if was else "—", row["score"]),
            (_place(was["rank"]) if was else "—", _place(row["rank"])),
            ((was["grade"] or "—") if was else "—", row["grade"] or "—"),
            ("、".join(given_before.get(sid, [])) or "—", "、".join(given_after.get(sid, [])) or "—")))
    return rows


def _place(rank: object) -> str:
    return "—" if rank is None else str(rank)
