"""What the engine returns: a ScoreCard per subject that explains every point; JSON-ready (decimals as strings)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any

from app.scoring.exact import plain

_OMIT = "omit_when"


def optional(default: Any) -> Any:
    """A field added to a card after reviews were frozen with it: left out of the JSON while it has its default, so
    an earlier card's JSON (and every hash over it) stays the same, and reads back with the default."""
    return field(default=default, metadata={_OMIT: default})


def to_jsonable(value: Any) -> Any:
    """Dataclasses → dicts, Decimal → "7.5", tuples → lists; nothing else changes. An `optional` field at its
    default is left out."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)
                if not (_OMIT in f.metadata and getattr(value, f.name) == f.metadata[_OMIT])}
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


class _Json:
    def to_json(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class RecordPoints(_Json):
    """One record's points on a line, after sharing joint credit (`share` says how it was shared)."""

    record_id: int
    points: Decimal
    share: str = ""


@dataclass(frozen=True)
class Line(_Json):
    """One rule item that fired: the records it counted, points before (`raw`) and after its own cap/floor."""

    period: str
    section: str
    item: str
    label: str
    records: tuple[RecordPoints, ...]
    raw: Decimal
    points: Decimal

    @property
    def record_ids(self) -> tuple[int, ...]:
        return tuple(r.record_id for r in self.records)


@dataclass(frozen=True)
class SectionScore(_Json):
    """A section's base plus its lines (`raw`) and the result after its cap and floor (`points`)."""

    period: str
    section: str
    label: str
    base: Decimal
    raw: Decimal
    points: Decimal


@dataclass(frozen=True)
class Note(_Json):
    """Why a matching record did not count (double counting, over max_count, before from_nth, max taken)."""

    period: str
    item: str
    record_id: int
    reason: str


@dataclass(frozen=True)
class GateResult(_Json):
    name: str
    label: str
    met: bool
    detail: str
    veto: bool = False


@dataclass(frozen=True)
class Flag(_Json):
    """A trigger that fired (for the 通报 list); `level` names the level reached when the trigger declares levels
    (书面通报批评, 撤销委员资格 …), and `label` then ends with it."""

    name: str
    label: str
    detail: str
    level: str = optional("")


@dataclass(frozen=True)
class Place(_Json):
    """A place in one ranking (and group): equal keys share a place (1, 2, 2, 4)."""

    ranking: str
    group: str
    place: int
    size: int


@dataclass(frozen=True)
class PartScore(_Json):
    """One part of a combined period (H1 of a weighted year) and its weight."""

    period: str
    total: Decimal
    weight: str


@dataclass(frozen=True)
class ScoreCard(_Json):
    subject_id: int
    period: str
    total: Decimal
    before_limits: Decimal          # base + sections, before the overall cap/floor
    grade: str | None
    eligible: bool
    gates: tuple[GateResult, ...]
    lines: tuple[Line, ...]
    sections: tuple[SectionScore, ...]
    notes: tuple[Note, ...] = ()
    flags: tuple[Flag, ...] = ()
    places: tuple[Place, ...] = ()
    parts: tuple[PartScore, ...] = ()
    grade_note: str = ""
    #: False: served part of the period and, by the rule file's `membership`, not appraised (points shown only)
    appraised: bool = optional(True)
    #: how the subject's service in the period was treated: "任职 2025年12月1日起,按在任天数折算 31/365"
    membership: str = optional("")
    left: bool = optional(False)        # 已离任

    def section_points(self, name: str) -> Decimal:
        return sum((s.points for s in self.sections if s.section == name), Decimal(0))

    def item_points(self, name: str) -> Decimal:
        return sum((line.points for line in self.lines if line.item == name), Decimal(0))

    def place(self, ranking: str) -> int | None:
        return next((p.place for p in self.places if p.ranking == ranking), None)


@dataclass(frozen=True)
class AwardResult(_Json):
    """Who an award goes to, in order, and why the others near the line did not get it."""

    award: str
    label: str
    winners: tuple[int, ...]
    quota: int | None
    notes: tuple[tuple[int, str], ...] = ()


def card_from_json(data: dict[str, Any]) -> ScoreCard:
    """A ScoreCard back from its JSON (`to_json`): what a frozen review kept, to rank and award again exactly."""
    d = Decimal

    def many(cls: type, items: list[dict[str, Any]], decimals: tuple[str, ...] = ()) -> tuple[Any, ...]:
        return tuple(cls(**{k: d(v) if k in decimals else v for k, v in item.items()}) for item in items)

    return ScoreCard(
        subject_id=data["subject_id"], period=data["period"], total=d(data["total"]),
        before_limits=d(data["before_limits"]), grade=data["grade"], eligible=data["eligible"],
        gates=many(GateResult, data["gates"]),
        lines=tuple(Line(**{**line, "raw": d(line["raw"]), "points": d(line["points"]),
                            "records": many(RecordPoints, line["records"], ("points",))}) for line in data["lines"]),
        sections=many(SectionScore, data["sections"], ("base", "raw", "points")),
        notes=many(Note, data.get("notes", [])), flags=many(Flag, data.get("flags", [])),
        places=many(Place, data.get("places", [])),
        parts=many(PartScore, data.get("parts", []), ("total",)), grade_note=data.get("grade_note", ""),
        appraised=data.get("appraised", True), membership=data.get("membership", ""), left=data.get("left", False))

