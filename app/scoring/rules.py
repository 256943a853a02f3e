"""The parsed rule set: frozen dataclasses built by the loader, with the small named functions they select."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from app.scoring.exact import CONTEXT, ZERO
from app.scoring.types import AttrValue, FieldValue, Record, Subject

Pos = tuple[int, int]  # (line, column), 1-based, of the rule in its file


# --- vocabulary -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    """A record field a kind declares: an ordered list of values (a choice, a ladder), a number, an integer, or
    (information for the forms and sheets, never scored) a text or a date. `label`, `unit`, `required` and the
    plausible range are for the entry forms and sheets: the engine scores a missing value as no match and never
    reads the unit or the range (declaring them changes no score)."""

    name: str
    type: str  # "enum" (written `choice` or as a list) | "number" | "integer" | "text" | "date"
    values: tuple[str, ...] = ()
    label: str = ""
    unit: str = ""
    required: bool = False
    plausible_min: Decimal | None = None  # a value outside [min, max] is kept only once the user confirms it
    plausible_max: Decimal | None = None

    @property
    def scored(self) -> bool:
        """Whether rules may test or count it (text and date fields are only recorded)."""
        return self.type in ("enum", "number", "integer")

    def order(self, value: str) -> int:
        return self.values.index(value)


@dataclass(frozen=True)
class KindSpec:
    name: str
    category: str
    fields: Mapping[str, FieldSpec]
    label: str = ""


# --- conditions -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldCond:
    """One field test: equal to one of `values`, inside [min, max], or at least / at most a ladder step."""

    field: str
    values: frozenset[FieldValue] | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    at_least: str | None = None
    at_most: str | None = None

    def test(self, record: Record, spec: FieldSpec) -> bool:
        value = record.fields.get(self.field)
        if value is None or value == "":
            return False
        if self.values is not None and value not in self.values:
            return False
        if self.min is not None and not (isinstance(value, (Decimal, int)) and value >= self.min):
            return False
        if self.max is not None and not (isinstance(value, (Decimal, int)) and value <= self.max):
            return False
        if self.at_least is not None and spec.order(str(value)) < spec.order(self.at_least):
            return False
        return not (self.at_most is not None and spec.order(str(value)) > spec.order(self.at_most))


@dataclass(frozen=True)
class Match:
    """Which records: `kinds` (already resolved from kind/category) and field tests."""

    kinds: frozenset[str]
    fields: tuple[FieldCond, ...] = ()

    def test(self, record: Record, kinds: Mapping[str, KindSpec]) -> bool:
        if record.kind not in self.kinds:
            return False
        spec = kinds[record.kind]
        return all(cond.test(record, spec.fields[cond.field]) for cond in self.fields)


@dataclass(frozen=True)
class AttrCond:
    """A test on the subject: attribute equals one of `values` (`unit` matches any of the subject's units)."""

    attr: str
    values: frozenset[AttrValue]

    def test(self, subject: Subject) -> bool:
        value = subject.attr(self.attr)
        if isinstance(value, tuple):
            return any(v in self.values for v in value)
        if value is None:
            value = False if any(isinstance(v, bool) for v in self.values) else None
        return value in self.values


def subject_matches(conds: tuple[AttrCond, ...], subject: Subject) -> bool:
    return all(c.test(subject) for c in conds)


# --- point sources: each turns one record into points (before credit sharing) -----------------------------

@dataclass(frozen=True)
class Fixed:
    points: Decimal

    def value(self, record: Record) -> Decimal | None:
        return self.points


@dataclass(frozen=True)
class Table:
    """Lookup by one or more fields (level → points; meeting, status → points). A miss means no match."""

    fields: tuple[str, ...]
    values: Mapping[tuple[str, ...], Decimal]

    def value(self, record: Record) -> Decimal | None:
        key = tuple(str(record.fields.get(f, "")) for f in self.fields)
        return self.values.get(key)


@dataclass(frozen=True)
class Ladder:
    """An ordered status field: the record gets the points of its highest reached step (or their sum)."""

    field: str
    order: tuple[str, ...]            # the kind's declared order of values
    steps: tuple[tuple[str, Decimal], ...]
    cumulative: bool = False

    def value(self, record: Record) -> Decimal | None:
        reached = record.fields.get(self.field)
        if reached not in self.order:
            return None
        top = self.order.index(str(reached))
        hit = [points for step, points in self.steps if self.order.index(step) <= top]
        if not hit:
            return None
        return sum(hit, ZERO) if self.cumulative else hit[-1]


@dataclass(frozen=True)
class Per:
    """By quantity: `points` for every full `each` of the field (or exactly in proportion, `whole: false`)."""

    field: str
    each: Decimal
    points: Decimal
    whole: bool = True

    def value(self, record: Record) -> Decimal | Fraction | None:
        quantity = record.fields.get(self.field)
        if not isinstance(quantity, (Decimal, int)):
            return None
        if self.whole:
            return CONTEXT.multiply(Decimal(int(CONTEXT.divide_int(Decimal(quantity), self.each))), self.points)
        return Fraction(quantity) / Fraction(self.each) * Fraction(self.points)


@dataclass(frozen=True)
class Bands:
    """Tiers with inclusive lower bounds, ascending: the record gets the highest band it reaches."""

    field: str
    bands: tuple[tuple[Decimal, Decimal], ...]

    def value(self, record: Record) -> Decimal | None:
        quantity = record.fields.get(self.field)
        if not isinstance(quantity, (Decimal, int)):
            return None
        got = None
        for low, points in self.bands:
            if quantity >= low:
                got = points
        return got


PointSource = Fixed | Table | Ladder | Per | Bands


@dataclass(frozen=True)
class Credit:
    """How joint work is shared among its participants (position 1 = first proposer).

    mode: `all` (each gets the full points), `first_only`, `equal`, `first_half` (first ½, the others share ½),
    `by_position` (factor per position, `rest` for the others). `max_people` credits only the first n.
    """

    mode: str = "all"
    factors: Mapping[int, Fraction] = field(default_factory=dict)
    rest: Fraction = Fraction(1)
    max_people: int | None = None

    def share(self, position: int, people: int) -> tuple[Fraction, str]:
        """The credited fraction for the participant at `position` (1-based) of `people`, and a note.

        One person alone always gets the full points, whatever the mode (docs/rules.md §6)."""
        if self.max_people is not None:
            if position > self.max_people:
                return Fraction(0), f"集体成果只计前 {self.max_people} 人"
            people = min(people, self.max_people)
        if people == 1:
            return Fraction(1), ""
        return CREDIT_MODES[self.mode](self, position, people)


# Each mode is asked only about two people or more: Credit.share gives one person alone the full points.

def _all(c: Credit, position: int, people: int) -> tuple[Fraction, str]:
    return Fraction(1), f"第 {position} 位,全额"


def _first_only(c: Credit, position: int, people: int) -> tuple[Fraction, str]:
    return (Fraction(1), "第一提案人") if position == 1 else (Fraction(0), "只计第一提案人")


def _equal(c: Credit, position: int, people: int) -> tuple[Fraction, str]:
    return Fraction(1, people), f"{people} 人均分"


def _first_half(c: Credit, position: int, people: int) -> tuple[Fraction, str]:
    if position == 1:
        return Fraction(1, 2), "第一提案人 1/2"
    return Fraction(1, 2 * (people - 1)), f"其余 {people - 1} 人均分 1/2"


def _by_position(c: Credit, position: int, people: int) -> tuple[Fraction, str]:
    factor = c.factors.get(position, c.rest)
    return factor, "" if factor == 1 else f"第 {position} 位 × {factor}"


#: Credit modes by the name a rule file uses (`credit: {mode: first_half}`).
CREDIT_MODES = {"all": _all, "first_only": _first_only, "equal": _equal, "first_half": _first_half,
                "by_position": _by_position}


# --- items, sections, gates … ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """A rule item (条目): which records, how many points each, and the limits."""

    name: str
    label: str
    section: str
    match: Match
    source: PointSource | None          # None when `by_count` decides
    pos: Pos = (0, 0)
    when: tuple[AttrCond, ...] = ()
    credit: Credit = Credit()
    aggregate: str = "sum"              # "sum" | "max"
    from_nth: int = 1
    max_count: int | None = None
    by_count: tuple[tuple[int, Decimal], ...] = ()
    cap: Decimal | None = None
    floor: Decimal | None = None
    order: int = 0                      # place in its section: between equal items, the first written wins


@dataclass(frozen=True)
class Section:
    """A part of the form (履职, 考勤, 学习, 加分): its own base, cap and floor (扣完为止)."""

    name: str
    label: str
    items: tuple[Item, ...]
    base: Decimal = ZERO
    cap: Decimal | None = None
    floor: Decimal | None = None
    no_double_counting: bool = True


@dataclass(frozen=True)
class Effect:
    """What failing a gate, hitting a veto or a trigger does, regardless of points."""

    grade: str | None = None        # force this grade
    max_grade: str | None = None    # no better than this grade
    eligible: bool = True           # False: no award


@dataclass(frozen=True)
class Requirement:
    label: str
    match: Match
    min_count: int | None = None
    max_count: int | None = None

    def met(self, count: int) -> bool:
        return (self.min_count is None or count >= self.min_count) and (
            self.max_count is None or count <= self.max_count)


@dataclass(frozen=True)
class Gate:
    """A condition that does not depend on points (四个一 each at least once; a 一票否决 veto)."""

    name: str
    label: str
    requires: tuple[Requirement, ...]
    effect: Effect
    veto: bool = False
    when: tuple[AttrCond, ...] = ()
    window: str = "period"  # "period" | "term" (the 届 up to the period's end) | "half" (each half-year on its own)


@dataclass(frozen=True)
class TriggerLevel:
    """One step of an escalating sanction: from `min_count` matching records on, this label and effect."""

    min_count: int
    label: str
    effect: Effect = Effect()


@dataclass(frozen=True)
class Trigger:
    """A flag for the 通报 list: below a total several years running, or too many matching records.

    With `levels` (ascending), only the highest level reached fires: 撤销委员资格 replaces 书面通报批评.
    """

    name: str
    label: str
    effect: Effect
    below: Decimal | None = None
    years: int = 1
    match: Match | None = None
    min_count: int = 1
    window: str = "period"  # WINDOWS: "period" | "input" (every record given) | "term" (the 届 up to the period's end)
    levels: tuple[TriggerLevel, ...] = ()

    def level(self, count: int) -> TriggerLevel | None:
        """The highest level `count` reaches (None: none)."""
        reached = [level for level in self.levels if count >= level.min_count]
        return reached[-1] if reached else None


@dataclass(frozen=True)
class ShareLimit:
    """At most `share` of the subjects matching `of` may get the grade or award, rounded as declared."""

    share: Fraction
    of: tuple[AttrCond, ...] = ()
    round: str = "floor"
    ties: str = "none"


@dataclass(frozen=True)
class Grade:
    name: str
    min: Decimal | None          # inclusive; None = everyone left
    when: tuple[AttrCond, ...] = ()
    limit: ShareLimit | None = None


@dataclass(frozen=True)
class Period:
    """A window of the rule's year (H1: 01-01 … 06-30), or a combination of other periods."""

    name: str
    label: str
    start: dt.date | None = None
    end: dt.date | None = None
    combine: str | None = None                 # "weighted" | "mean"
    parts: tuple[tuple[str, Fraction], ...] = ()


#: How a review treats a subject who served part of its period (`membership: {partial: …}`).
PARTIAL_MODES = ("exclude", "full", "prorate")


@dataclass(frozen=True)
class Membership:
    """A subject who served part of the period: `exclude` (listed with its points, not appraised: no grade, rank,
    award, gate or 通报), `full` (appraised as if it served the whole period) or `prorate` (the period's bases,
    limits, grade thresholds and minimum counts shrink to the share of days served). Under `full` or `prorate`, one
    who served fewer than `min_days` days is not appraised."""

    partial: str = "exclude"
    min_days: int | None = None


@dataclass(frozen=True)
class Ranking:
    name: str
    label: str
    by: str | None = None   # a subject attribute: one ranking per value (常委/委员, per unit)


@dataclass(frozen=True)
class TieKey:
    """One key of the declared order: total, a section's or an item's points (higher first), or id (lower)."""

    by: str            # "total" | "section" | "item" | "id"
    name: str = ""


@dataclass(frozen=True)
class Quota:
    count: int | None = None
    share: Fraction | None = None
    of: tuple[AttrCond, ...] = ()
    round: str = "floor"
    by: str | None = None     # per_unit: the attribute that makes the groups


@dataclass(frozen=True)
class Award:
    name: str
    label: str
    grades: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()
    min_total: Decimal | None = None
    when: tuple[AttrCond, ...] = ()
    quota: Quota | None = None
    per_unit: Quota | None = None
    ties: str = "all_in"
    # Who is honoured: the subject itself, or (`enterprise_owner`, branches only) the 企业主 of an enterprise of the
    # branch, nominated by the 镇党委 rather than taken by score: eligibility and quotas still read the branch.
    honoree: str = "subject"

    @property
    def nominated(self) -> bool:
        """Chosen by people, not by points: the rules select no one for it (select_awards leaves it out)."""
        return self.honoree != "subject"


@dataclass(frozen=True)
class Exclusion:
    name: str
    conds: tuple[AttrCond, ...]


@dataclass(frozen=True)
class RuleSet:
    """One year's 评分细则, parsed. `source` keeps the file bytes for the content hash."""

    name: str
    year: int
    subject: str
    kinds: Mapping[str, KindSpec]
    sections: tuple[Section, ...]
    periods: Mapping[str, Period]
    source_name: str = ""
    source: bytes = b""
    base: Decimal = ZERO
    cap: Decimal | None = None
    floor: Decimal | None = None
    precision: Decimal = Decimal("0.01")
    rounding: str = "half_up"
    gates: tuple[Gate, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    grades: tuple[Grade, ...] = ()
    rankings: tuple[Ranking, ...] = (Ranking("总排名", "总排名"),)
    tie_break: tuple[TieKey, ...] = (TieKey("total"), TieKey("id"))
    awards: tuple[Award, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    membership: Membership = Membership()
    items_by_kind: Mapping[str, tuple[Item, ...]] = field(default_factory=dict)

    @property
    def term_counts(self) -> tuple[str, ...]:
        """The gates and triggers that count over the 届 (`window: term`), by name."""
        return tuple(g.name for g in (*self.gates, *self.triggers) if g.window == "term")

    @property
    def term_kinds(self) -> frozenset[str]:
        """The record kinds a `window: term` count can match: the only ones it needs from the 届's other years."""
        matches = [r.match for g in self.gates if g.window == "term" for r in g.requires]
        matches += [t.match for t in self.triggers if t.window == "term" and t.match is not None]
        return frozenset(k for m in matches for k in m.kinds)

    @property
    def categories(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for spec in self.kinds.values():
            seen.setdefault(spec.category, None)
        return tuple(seen)
