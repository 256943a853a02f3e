"""我的本年: a member's year so far, for their home page. Scores the member alone, as a review would score them among
everyone (app.reviews.scoring.score_period with `only`), on the verified records now; nothing is stored."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app import scoring, timetable
from app.extensions import db
from app.members import services as members
from app.models import Activity, Category, Member, RecordState, SubjectKind, User
from app.reviews import services as reviews
from app.reviews.facts import yearly_results
from app.reviews.scoring import ANNUAL_KEYS, score_period
from app.scoring.engine import Progress, gate_progress
from app.timeutil import BEIJING, beijing_today

FOUR_ONES = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)


def year_in_view(today: dt.date) -> int:
    """The appraisal year the member's home shows: this calendar year if the office opened it, else the newest
    year still being recorded, else this calendar year."""
    found = timetable.shown_year(today)
    return found.year if found is not None else today.year


def period_of(ruleset: scoring.RuleSet, today: dt.date) -> str:
    """The period to score the year so far: 半年小结 (H1) while the first half of this year lasts, when the rule file
    has one; else the whole year; a rule file without a whole-year period: the half that contains today."""
    keys = ruleset.periods
    annual = next((k for k in ANNUAL_KEYS if k in keys), None)
    in_first_half = (today.year, today.month) <= (ruleset.year, 6)
    if "H1" in keys and in_first_half:
        return f"{ruleset.year}H1"
    if annual is not None:
        return str(ruleset.year)
    half = "H1" if in_first_half else "H2"
    return f"{ruleset.year}{half}" if half in keys else f"{ruleset.year}{next(iter(keys))}"


@dataclass(frozen=True)
class ItemLine:
    """One rule item that scored: how many records, the points they make and what counts after the item's cap."""

    label: str
    count: int
    raw: Decimal
    points: Decimal


@dataclass(frozen=True)
class SectionLine:
    label: str
    raw: Decimal
    points: Decimal
    items: list[ItemLine]


@dataclass(frozen=True)
class Step:
    """One minimum of a gate, in the member's words: what, done so far, still missing, where to report it."""

    label: str
    gate: str
    count: int
    needed: int
    missing: int
    category: Category | None  # the 报告 button's category (one of the four 一), None: nothing to report


@dataclass
class Standing:
    """The member's provisional result of the year so far, or why there is none (`problem`)."""

    year: int
    computed_at: dt.datetime
    rule_name: str = ""
    period_label: str = ""
    total: Decimal | None = None
    problem: str = ""
    sections: list[SectionLine] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    membership: str = ""

    @property
    def done(self) -> bool:
        return bool(self.steps) and not any(s.missing for s in self.steps)


def _category(ruleset: scoring.RuleSet, progress: Progress) -> Category | None:
    found = {ruleset.kinds[k].category for k in progress.kinds if k in ruleset.kinds}
    if len(found) != 1:
        return None
    name = found.pop()
    return next((c for c in FOUR_ONES if c.value == name), None)


def standing(member_id: int, today: dt.date) -> Standing:
    """The member's score so far under the members' rule file in force for the year in view."""
    year = year_in_view(today)
    out = Standing(year, dt.datetime.now(BEIJING).replace(microsecond=0))
    ruleset = next((r for r in reviews.rule_files(year) if r.subject == "members"), None)
    if ruleset is None:
        out.problem = _("%(year)s年度的评分细则还没有施行，暂时算不出得分。细则施行后，这里会显示您的得分。", year=year)
        return out
    out.rule_name = ruleset.name
    period = period_of(ruleset, today)
    try:
        scored = score_period(ruleset, period, only=member_id, hashed=False)
    except scoring.RuleError as e:
        out.problem = _("暂时算不出得分：%(reason)s。请联系活动办公室。", reason=str(e).strip())
        return out
    out.period_label = ruleset.periods[scored.period_key].label or scored.period_key
    card = next((c for c in scored.cards if c.subject_id == member_id), None)
    if card is None:
        out.problem = _("您不在%(year)s年度的考评范围内（本年度未任委员），所以没有得分。", year=year)
        return out
    out.total = card.total
    out.membership = card.membership
    labels = {s.name: s.label or s.name for s in ruleset.sections}
    for s in card.sections:
        items = [ItemLine(line.label, len(line.records), line.raw, line.points) for line in card.lines
                 if line.section == s.section and line.period == s.period and (line.records or line.points)]
        if items or s.points:
            out.sections.append(SectionLine(s.label or labels.get(s.section, s.section), s.raw, s.points, items))
    subject = scored.subjects[member_id]
    for p in gate_progress(subject, scored.facts.records, ruleset, scored.period_key, scored.term):
        label = f"{p.window.strip()}{p.requirement}" if p.window else p.requirement
        out.steps.append(Step(label, p.gate_label, p.count, p.needed, p.missing, _category(ruleset, p)))
    return out


@dataclass(frozen=True)
class Records:
    counts: dict[RecordState, int]
    returned: list[Activity]
    latest: list[Activity]


def records(member_id: int, latest: int = 5) -> Records:
    """The member's records (joint work they signed included): how many in each state, the returned ones with the
    clerk's reason, and the latest few."""
    mine = members.member_activities(member_id)
    counts = _counts(mine)
    returned = list(db.session.scalars(mine.where(Activity.state == RecordState.RETURNED).limit(20)))
    return Records(counts, returned, list(db.session.scalars(mine.limit(latest))))


def _counts(mine: sa.Select[tuple[Activity]]) -> dict[RecordState, int]:
    ids = mine.order_by(None).with_only_columns(Activity.id).scalar_subquery()
    return {state: n for state, n in db.session.execute(
        sa.select(Activity.state, sa.func.count()).where(Activity.id.in_(ids)).group_by(Activity.state))}


def dossier_years(member_id: int) -> list[int]:
    """The member's years with something to show: reviewed, or recorded; this year too (the 履职档案 PDF)."""
    return members.dossier_years(member_id, [y for y, *_rest in yearly_results(SubjectKind.MEMBERS, member_id)])


def page(user: User) -> dict[str, object]:
    """Everything the 我的本年 page shows for a member's account (one without a member: nothing but the 待办)."""
    from app.main import inbox  # the 待办 and the meetings are the home page's own
    today = beijing_today()
    context: dict[str, object] = {"inbox": inbox.items(user), "meetings": inbox.upcoming_meetings(user),
                                  "today": today, "states": STATES, "four_ones": FOUR_ONES}
    member = db.session.get(Member, user.member_id or 0)
    if member is None:
        return context | {"member": None}
    year = year_in_view(today)
    return context | {"member": member, "standing": standing(member.id, today), "records": records(member.id),
                      "past_years": [y for y in dossier_years(member.id) if y < year]}


STATES = (RecordState.DRAFT, RecordState.SUBMITTED, RecordState.VERIFIED, RecordState.RETURNED)
