"""Plain input data for the engine: subjects (who is scored) and records (what they did), and the kinds and dates
the records of attendance and of half-year indicators are filed under. Pure: no database."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

FieldValue = str | Decimal | int
AttrValue = str | bool

#: The record kinds attendance is filed under: a member's at meetings, a party member's at 组织生活. The database
#: seam (app/reviews/facts.py) and the spreadsheet reader (app/spreadsheets/records.py) both make such records.
ATTENDANCE_KIND = "会议出勤"
PARTY_LIFE_KIND = "组织生活"
#: Field names the recording system keeps in columns of their own, and the types a rule file may declare them as.
#: Any other field a kind declares is kept with the record as it is (app/kindfields.py).
COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "outcome": ("enum",), "level": ("enum",), "instruction_level": ("enum",),
    "amount": ("number", "integer"), "people_helped": ("integer",),
    "meeting": ("enum",), "status": ("enum",),   # attendance: the meeting type and 出席/请假 …
    "value": ("number", "integer", "enum"),      # a branch's 比实绩 indicator
}
#: The (month, day) each half-year ends on: a branch's half-year indicators are dated then.
HALF_ENDS = {"H1": (6, 30), "H2": (12, 31)}

#: Subject attributes a rule file may test (`when:`, ranking groups, quotas per unit, exclusions).
#: A tuple lists the only values allowed; `bool`/`str` give the type. `unit` is special: the subject's unit ids.
SUBJECT_ATTRIBUTES: dict[str, type | tuple[str, ...]] = {
    "standing": bool,            # 常委
    "resident_standing": bool,   # 驻会常委
    "chair_council": bool,       # 主席会议成员
    "active": bool,
    "sector": str,               # 界别
    "party": str,                # 党派
    "committee": str,            # 专委会
    "liaison": str,              # 乡镇政协联络处
    "unit": str,                 # any of the subject's units (unit_ids)
    "unit_kind": ("专门委员会", "界别活动组", "乡镇政协联络处", "党支部"),
    "branch": str,               # 党支部 of a party member
    "branch_form": ("单独组建", "联合支部"),
    "party_status": ("正式党员", "预备党员"),
}


def half_end(period: str) -> dt.date:
    """The date a half-year's indicators are filed under: 2025H1 → 2025-06-30, 2025H2 → 2025-12-31."""
    month, day = HALF_ENDS[period[-2:]]
    return dt.date(int(period[:4]), month, day)


@dataclass(frozen=True, slots=True)
class TermSpan:
    """届: a term of the CPPCC, by its dates. Gates and triggers with `window: term` count its records from its first
    day to the end of the period being scored."""

    starts_on: dt.date
    ends_on: dt.date
    name: str = ""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A previous year's official result, for triggers across years (below 60 two years running)."""

    year: int
    total: Decimal
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is scored: a member, a unit (专委会, 界别活动组, 联络处), a branch or a party member.

    `joined_on` / `left_on`: the member's own dates of service (None: from before / to after any period scored);
    `left`: has left (已离任), with `left_on` or, when that is None, on a day nobody recorded. A rule file's
    `membership` says how a review treats a subject who served part of its period.
    """

    id: int
    name: str = ""
    unit_ids: tuple[int, ...] = ()
    attrs: Mapping[str, AttrValue] = field(default_factory=dict)
    history: tuple[HistoryEntry, ...] = ()
    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    left: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "attrs", MappingProxyType(dict(self.attrs)))
        object.__setattr__(self, "unit_ids", tuple(self.unit_ids))
        object.__setattr__(self, "history", tuple(self.history))

    def attr(self, name: str) -> AttrValue | tuple[str, ...] | None:
        if name == "unit":
            return tuple(str(u) for u in self.unit_ids)
        return self.attrs.get(name)


@dataclass(frozen=True, slots=True)
class Record:
    """One verified fact: an activity, an attendance, a branch indicator value.

    `fields` holds what the rules may test or count (outcome, level, amount, meeting, status, value …);
    numbers are Decimal or int, never float. `participants` lists joint signers in order (position 1 is the
    first proposer); when empty, `subject_id` alone gets the credit. Records sharing a `work_id` are one piece
    of work (a proposal that became a 社情民意) and are counted once.
    """

    id: int
    subject_id: int
    kind: str
    occurred_on: dt.date
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    participants: tuple[int, ...] = ()
    work_id: str | None = None
    category: str = ""

    def __post_init__(self) -> None:
        clean: dict[str, FieldValue] = {}
        for key, value in dict(self.fields).items():
            if isinstance(value, float):
                raise TypeError(f"记录 {self.id} 的字段 {key} 是二进制浮点数;请用 Decimal 或字符串")
            if isinstance(value, bool):
                raise TypeError(f"记录 {self.id} 的字段 {key} 不能是布尔值")
            clean[key] = value
        object.__setattr__(self, "fields", MappingProxyType(clean))
        object.__setattr__(self, "participants", tuple(self.participants))
        if self.work_id is not None:
            object.__setattr__(self, "work_id", str(self.work_id))

    def credited(self) -> tuple[int, ...]:
        """Who the record credits, in order."""
        return self.participants or (self.subject_id,)
