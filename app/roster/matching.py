"""Who each roster row is: a member already in the system, a new one, or a question for the office. Pure: no
database; and the member codes a new member gets.

A row without a 委员编号 is matched by name and then by phone or birth month. A row is someone in the system when
exactly one member of that name agrees with it (same phone or birth month, nothing contradicting), or when the
system has exactly one member of that name and the row says nothing against them. Anything else is asked, never
guessed: two members of that name, one whose phone and birth month both differ, two rows of the file that cannot
be told apart, or two rows that would be the same member.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NEW, SKIP_ROW = "new", "skip"
DEFAULT_PREFIX, DEFAULT_WIDTH = "W", 4  # as the demo county numbers its members: W0001
ANSWER_LABELS = {NEW: "新增", SKIP_ROW: "不导入这一行"}


@dataclass(frozen=True)
class Person:
    """A member of the current 届, as the matching sees them."""

    id: int
    code: str
    name: str
    phones: frozenset[str]
    birth_month: str
    label: str  # how the office recognises them: "W0012 王伟 · 经济界 · 1968-03 · 13800000000"


@dataclass(frozen=True)
class Row:
    """A roster row, as the matching sees it."""

    number: int
    name: str
    phones: frozenset[str]
    birth_month: str


@dataclass
class Decision:
    """Who a row is: `person` (an existing member), `NEW` or `SKIP_ROW` in `choice`; or a question."""

    row: Row
    person: Person | None = None
    choice: str = ""
    question: str = ""  # why the office is asked ("" when decided)
    candidates: list[Person] = field(default_factory=list)
    answered: bool = False
    confirmed: bool = False  # the person agrees by phone or birth month, not by name alone

    @property
    def is_question(self) -> bool:
        return bool(self.question) and not self.answered


def _agrees(row: Row, person: Person) -> tuple[bool, bool]:
    """(something the row and the person both have is equal, something they both have differs)."""
    same = differs = False
    if row.phones and person.phones:
        if row.phones & person.phones:
            same = True
        else:
            differs = True
    if row.birth_month and person.birth_month:
        if row.birth_month == person.birth_month:
            same = True
        else:
            differs = True
    return same, differs


def _apart(a: Row, b: Row) -> bool:
    """Two rows of one name are two people: their phones or their birth months differ."""
    return bool(a.phones and b.phones and not a.phones & b.phones) or \
        bool(a.birth_month and b.birth_month and a.birth_month != b.birth_month)


def decide(rows: Sequence[Row], people: Iterable[Person], answers: dict[int, str]) -> list[Decision]:
    """Who each row is (see the module). `answers`: row → a person's code, NEW or SKIP_ROW, the office's choice for
    a row that was asked about (an answer for a row that is not asked about is ignored; a code that is not one of
    the row's candidates leaves the question open)."""
    by_name: dict[str, list[Person]] = {}
    for person in people:
        by_name.setdefault(person.name, []).append(person)
    decisions = []
    for row in rows:
        found = by_name.get(row.name, [])
        verdicts = [(p, *_agrees(row, p)) for p in found]
        confirmed = [p for p, same, differs in verdicts if same and not differs]
        if not found:
            decisions.append(Decision(row, choice=NEW))
        elif len(confirmed) == 1:
            decisions.append(Decision(row, person=confirmed[0], confirmed=True))
        elif len(found) == 1 and not verdicts[0][2]:
            decisions.append(Decision(row, person=found[0]))
        elif len(found) == 1:
            decisions.append(Decision(row, question=f"系统中的“{row.name}”（{found[0].code}）电话或出生年月与这一行不同，"
                                                    f"无法确定是不是同一人", candidates=found))
        else:
            decisions.append(Decision(row, question=f"系统中有 {len(found)} 位“{row.name}”，电话和出生年月不能确定是哪一位",
                                      candidates=found))
    _same_in_file(decisions, by_name)
    for decision in decisions:
        answer = answers.get(decision.row.number)
        if decision.question and answer is not None:
            if answer in (NEW, SKIP_ROW):
                decision.choice, decision.person, decision.answered = answer, None, True
            else:
                chosen = next((p for p in decision.candidates if p.code == answer), None)
                if chosen is not None:
                    decision.person, decision.choice, decision.answered = chosen, "", True
    return decisions


def _same_in_file(decisions: list[Decision], by_name: dict[str, list[Person]]) -> None:
    """Rows of one name that cannot be told apart, or that land on one member, become questions."""
    groups: dict[str, list[Decision]] = {}
    for decision in decisions:
        groups.setdefault(decision.row.name, []).append(decision)
    for name, group in groups.items():
        if len(group) < 2:
            continue
        landing = Counter(d.person.id for d in group if d.person is not None)
        sure = Counter(d.person.id for d in group if d.person is not None and d.confirmed)
        unclear = [d for d in group
                   if (d.person is not None and landing[d.person.id] > 1
                       and not (d.confirmed and sure[d.person.id] == 1))
                   or (d.person is None and not d.question
                       and any(not _apart(d.row, o.row) for o in group if o is not d))]
        if not unclear:
            continue
        numbers = "、".join(str(d.row.number) for d in group)
        for d in unclear:
            if not d.question:
                d.question = f"文件中有 {len(group)} 行“{name}”（第 {numbers} 行），无法区分是不是同一人"
                d.candidates = list(by_name.get(name, []))
                d.person, d.choice = None, ""


# --- codes ------------------------------------------------------------------------------------------------------

_CODE = re.compile(r"([A-Za-z-]*)(\d+)")


def next_codes(existing: Iterable[str], count: int, taken: Iterable[str] = (),
               default: tuple[str, int] = (DEFAULT_PREFIX, DEFAULT_WIDTH)) -> list[str]:
    """`count` new codes continuing the county's own: the most used prefix (W), its usual width (4), from its highest
    number on (W0261, W0262 …); from `default` (W0001 …) where there are none. Never one of `existing` or `taken`.
    The same codes for the same input, in order."""
    existing = list(existing)
    used = set(existing) | set(taken)
    parsed = [m for code in existing if (m := _CODE.fullmatch(code))]
    if parsed:
        prefix = sorted(Counter(m.group(1) for m in parsed).items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        numbers = [m.group(2) for m in parsed if m.group(1) == prefix]
        width = sorted(Counter(len(n) for n in numbers).items(), key=lambda kv: (-kv[1], -kv[0]))[0][0]
        number = max(int(n) for n in numbers) + 1
    else:
        (prefix, width), number = default, 1
    codes: list[str] = []
    while len(codes) < count:
        code = f"{prefix}{number:0{width}d}"
        number += 1
        if code not in used:
            codes.append(code)
            used.add(code)
    return codes
