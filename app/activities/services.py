"""Record use cases: the lists the user may see, rule-file vocabulary, entry with checks, state changes, evidence,
a member's self-report. Flush, never commit.

Kinds and values come from the open appraisal year's rule files (members, units, party members); a record
that names anything the file does not declare is refused. Clerks enter the four 一 of members and units;
party liaisons the 比贡献 (and 违纪) records of their branches' party members. Every change writes audit rows in
the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import audit, evidence, kindfields, rulefiles, timetable, workflow
from app.auth.scope import scoped, unit_ids, units_below
from app.notices import services as notices
from app.extensions import db
from app.models import (
    Activity,
    ActivityParticipant,
    AppraisalYear,
    Category,
    Evidence,
    Member,
    Pairing,
    PartyMember,
    Project,
    RecordState,
    Role,
    Unit,
    UnitKind,
    User,
    user_unit,
)
from app.scoring.rules import FieldSpec, KindSpec, RuleSet
from app.scoring.types import ATTENDANCE_KIND, PARTY_LIFE_KIND
from app.settings import setting
from app.timeutil import beijing_today, utcnow
from app.web import name_search

Errors = dict[str, list[str]]
FOUR_ONES = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)
PARTY_CATEGORIES = (Category.CONTRIBUTION, Category.OTHER)  # a party member's 比贡献, and 违纪 (否决)
EDITABLE = (RecordState.DRAFT, RecordState.RETURNED)
ENTRY_ROLES = (Role.CLERK, Role.OFFICE, Role.ADMIN)  # members' and units' records
PARTY_ENTRY_ROLES = (Role.LIAISON, Role.OFFICE, Role.ADMIN)  # party members' records
RECORD_ROLES = (Role.CLERK, Role.LIAISON, Role.OFFICE, Role.ADMIN)
VERIFY_ROLES = (Role.OFFICE, Role.ADMIN)
# The rule files call the veto category 否决; the forms keep such records under 其他.
RULE_CATEGORIES = {Category.OTHER: "否决"}
SUBJECT_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
CHOICE_FIELDS = ("outcome", "level", "instruction_level")
AUDITED = ("member_id", "party_member_id", "unit_id", "category", "kind", "title", "description", "occurred_on",
           "outcome", "level", "instruction_level", "amount", "people_helped", "counterpart", "support", "pairing_id",
           "project_id", "details", "signers", "state")


def stale() -> str:
    """The message for a save made from an out-of-date copy of a record."""
    return _("该记录已被他人修改，请刷新后再改")


def rulesets() -> list[RuleSet]:
    """Every rule file in force (app.rulefiles): the office's adopted versions, else the shipped files."""
    return rulefiles.in_force()


def open_years() -> list[int]:
    """Appraisal years still open for recording, newest first."""
    return list(db.session.scalars(sa.select(AppraisalYear.year).where(AppraisalYear.recording_closed_at.is_(None))
                                   .order_by(AppraisalYear.year.desc())))


def ruleset_for(year: int, subject: str) -> RuleSet | None:
    """The rule file of `year` for `subject` ("members", "units" or "party-members"); the newest if several."""
    found = [r for r in rulesets() if r.year == year and r.subject == subject]
    return found[-1] if found else None


def open_rulesets(*subjects: str) -> list[RuleSet]:
    """The rule files of the years open for recording whose `subject:` is one of `subjects`."""
    years = set(open_years())
    return [r for r in rulesets() if r.year in years and r.subject in subjects]


RECORD_SUBJECTS = ("members", "units", "party-members")  # the rule files whose kinds are 履职记录


def record_kinds(every_year: bool = False) -> list[KindSpec]:
    """The 履职记录 kinds (attendance aside) the rule files of the years open for recording declare, in file order;
    `every_year`: of every rule file, for exports of past years' records too."""
    files = [r for r in rulesets() if r.subject in RECORD_SUBJECTS] if every_year else open_rulesets(*RECORD_SUBJECTS)
    return [k for r in files for k in r.kinds.values() if k.name not in (ATTENDANCE_KIND, PARTY_LIFE_KIND)]


def kinds_for(category: Category, subject: str, year: int | None = None) -> list[KindSpec]:
    """The kinds of one category the rule file of `year` (default: the newest open year) declares."""
    year = year if year is not None else next(iter(open_years()), None)
    ruleset = ruleset_for(year, subject) if year is not None else None
    if ruleset is None:
        return []
    label = RULE_CATEGORIES.get(category, category.label)
    return [k for k in ruleset.kinds.values() if k.category == label]


def subjects_of(category: Category) -> tuple[str, ...]:
    """The rule-file subjects whose records a form of `category` enters."""
    return ("party-members",) if category in PARTY_CATEGORIES else ("members", "units")


def entry_roles(category: Category) -> tuple[Role, ...]:
    """Who may enter records of `category`: clerks the four 一, liaisons the party members' records."""
    return PARTY_ENTRY_ROLES if category in PARTY_CATEGORIES else ENTRY_ROLES


def field_values(category: Category, name: str) -> list[str]:
    """The values any kind of `category` declares for a choice field, in the rule files' order."""
    values: list[str] = []
    for subject in subjects_of(category):
        for kind in kinds_for(category, subject):
            spec = kind.fields.get(name)
            for value in spec.values if spec is not None else ():
                if value not in values:
                    values.append(value)
    return values


def declared_fields(category: Category) -> set[str]:
    return {name for subject in subjects_of(category) for kind in kinds_for(category, subject)
            for name in kind.fields}


def field_kinds(category: Category) -> dict[str, list[str]]:
    """Field name → the kinds of `category` declaring it, in the rule files' order (the form shows a field only
    for those kinds; without JavaScript it names them)."""
    found: dict[str, list[str]] = {}
    for subject in subjects_of(category):
        for kind in kinds_for(category, subject):
            for name in kind.fields:
                if kind.name not in found.setdefault(name, []):
                    found[name].append(kind.name)
    return found


#: What the amount is, per category, on the form (its unit comes from the rule files: `amount_label`).
AMOUNT_HINTS = {Category.ENTERPRISE: _l("引进企业的投资额"), Category.CONTRIBUTION: _l("创造效益或节约成本"),
                Category.RELIEF: _l("捐款、捐物折合或引进资金的金额")}
#: The key prefix under which `save` returns a value that needs the user's confirmation ("warn:amount").
WARN = "warn:"


def _category_kinds(category: Category, subjects: tuple[str, ...] | None = None) -> list[KindSpec]:
    return [k for subject in (subjects or subjects_of(category)) for k in kinds_for(category, subject)]


def amount_label(category: Category, subjects: tuple[str, ...] | None = None) -> str:
    """金额 with the unit the rule files declare for the category's kinds: 金额（万元）."""
    return kindfields.column_label(_("金额"), _category_kinds(category, subjects), "amount")


def amount_labels(category: Category, subjects: tuple[str, ...] | None = None) -> dict[str, str]:
    """Kind → 金额（元）, when the kinds of the category count the amount in different units: the form's script
    puts the chosen kind's unit in the label ({} when one unit serves all)."""
    kinds = _category_kinds(category, subjects)
    units = kindfields.units_of(kinds, "amount")
    if len([u for u in units if u]) < 2:
        return {}
    return {name: kindfields.with_unit(_("金额"), unit) if unit else _("金额") for unit, names in units.items()
            for name in names}


def amount_hint(category: Category, subjects: tuple[str, ...] | None = None) -> str:
    """What to type as 金额; which kind counts in which unit when the kinds differ."""
    kinds = _category_kinds(category, subjects)
    hint = str(AMOUNT_HINTS.get(category, ""))
    if len([u for u in kindfields.units_of(kinds, "amount") if u]) > 1:
        hint = f"{hint}（{kindfields.units_text(kinds, 'amount')}）" if hint else kindfields.units_text(kinds, "amount")
    return hint


@dataclass(frozen=True)
class ExtraField:
    """A field the rule files declare for some kinds of a category beyond the record's columns, as the form shows
    it: posted as `x-<name>`."""

    spec: FieldSpec  # as the first kind declaring it has it
    kinds: tuple[str, ...]

    @property
    def input_name(self) -> str:
        return f"x-{self.spec.name}"

    @property
    def label(self) -> str:
        return kindfields.label(self.spec)


def extra_fields(category: Category, subjects: tuple[str, ...] | None = None) -> list[ExtraField]:
    """The declared fields of the kinds of `category` that the record keeps in `details`, in order."""
    kinds = [k for subject in (subjects or subjects_of(category)) for k in kinds_for(category, subject)]
    return [ExtraField(found[0][1], tuple(dict.fromkeys(k.name for k, _spec in found)))
            for found in kindfields.union(kinds).values()]


def kind_spec(activity: Activity) -> KindSpec | None:
    """The kind of a record as its year's rule file declares it (None: no rule file, or the kind is gone)."""
    subject = "members" if activity.member_id else "party-members" if activity.party_member_id else "units"
    ruleset = ruleset_for(activity.occurred_on.year, subject) if activity.occurred_on else None
    return ruleset.kinds.get(activity.kind) if ruleset is not None else None


def amount_unit(activity: Activity) -> str:
    """The unit the record's rule file declares for its 金额 ("" when none)."""
    kind = kind_spec(activity)
    spec = kind.fields.get("amount") if kind is not None else None
    return spec.unit if spec is not None else ""


def shown_details(activity: Activity) -> list[tuple[str, str]]:
    """(label, value as read) of the record's declared fields, in the rule file's order."""
    kind = kind_spec(activity)
    specs = {s.name: s for s in kindfields.detail_fields(kind)} if kind is not None else {}
    details = activity.details or {}
    names = [n for n in specs if n in details] + [n for n in details if n not in specs]
    out = []
    for name in names:
        spec = specs.get(name)
        text = kindfields.shown(details[name])
        if spec is not None and spec.unit and text:
            text = f"{text} {spec.unit}"
        out.append((kindfields.label(spec) if spec is not None else name, text))
    return out


# --- lists ---------------------------------------------------------------------------------------------------

def activity_query(q: str = "", unit_id: int | None = None, category: str = "", state: str = "",
                   start: dt.date | None = None, end: dt.date | None = None) -> sa.Select[tuple[Activity]]:
    """Records in the user's scope, newest first; `q` matches the title or the subject's name or pinyin."""
    stmt = scoped(Activity).options(selectinload(Activity.member), selectinload(Activity.party_member),
                                    selectinload(Activity.unit))
    if q:
        members = sa.select(Member.id).where(name_search(Member.name, Member.search_key, q))
        party_members = sa.select(PartyMember.id).where(name_search(PartyMember.name, PartyMember.search_key, q))
        stmt = stmt.where(sa.or_(Activity.title.contains(q.strip()[:40], autoescape=True),
                                 Activity.member_id.in_(members), Activity.party_member_id.in_(party_members)))
    if unit_id:
        stmt = stmt.where(Activity.unit_id == unit_id)
    if category in Category.__members__:
        stmt = stmt.where(Activity.category == Category[category])
    if state in RecordState.__members__:
        stmt = stmt.where(Activity.state == RecordState[state])
    if start:
        stmt = stmt.where(Activity.occurred_on >= start)
    if end:
        stmt = stmt.where(Activity.occurred_on <= end)
    return stmt.order_by(Activity.occurred_on.desc(), Activity.id.desc())


def record_sorts() -> dict[str, sa.ColumnElement[object]]:
    """The record list's sortable columns (`?sort=`): a whitelist, so nothing else reaches ORDER BY."""
    subject = sa.func.coalesce(
        sa.select(Member.name).where(Member.id == Activity.member_id).scalar_subquery(),
        sa.select(PartyMember.name).where(PartyMember.id == Activity.party_member_id).scalar_subquery(),
        sa.select(Unit.name).where(Unit.id == Activity.unit_id).scalar_subquery())
    return {"date": Activity.occurred_on, "subject": subject, "category": Activity.category,
            "kind": Activity.kind, "title": Activity.title, "state": Activity.state,
            "unit": sa.select(Unit.name).where(Unit.id == Activity.unit_id).scalar_subquery()}


# --- subjects ------------------------------------------------------------------------------------------------

def subject_members(q: str = "", limit: int | None = None) -> list[Member]:
    """Active members in the user's scope, optionally matched by name or pinyin initials, by code."""
    stmt = scoped(Member).where(Member.active)
    if q:
        stmt = stmt.where(name_search(Member.name, Member.search_key, q))
    stmt = stmt.order_by(Member.code)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def subject_party_members(q: str = "", limit: int | None = None, branch_id: int | None = None) -> list[PartyMember]:
    """Active party members in the user's scope (a liaison: their branches), by name or pinyin initials."""
    stmt = scoped(PartyMember).where(PartyMember.active)
    if q:
        stmt = stmt.where(name_search(PartyMember.name, PartyMember.search_key, q))
    if branch_id:
        stmt = stmt.where(PartyMember.branch_id == branch_id)
    stmt = stmt.order_by(PartyMember.branch_id, PartyMember.code)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def subject_units(user: User) -> list[Unit]:
    """Units that may be a record's subject: a clerk's own units; every CPPCC unit for the office."""
    if unit_ids(user) is None:
        return list(db.session.scalars(sa.select(Unit).where(Unit.kind.in_(SUBJECT_UNIT_KINDS), Unit.active)
                                       .order_by(Unit.kind, Unit.sort_order, Unit.id)))
    return sorted((u for u in user.units if u.kind in SUBJECT_UNIT_KINDS), key=lambda u: (u.sort_order, u.id))


def recording_unit(member: Member, user: User, entered_by: int | None = None) -> int:
    """The unit a member's record is filed under: the first of the member's units (联络处, 专委会, 界别) that the
    entering unit `entered_by` is or lies above; without one, the first the user acts for."""
    if entered_by is not None:
        ids: set[int] | None = units_below([entered_by])
    else:
        ids = None if user.role == Role.MEMBER else unit_ids(user)  # a member reports to their own first unit
    for unit_id in (member.liaison_id, member.committee_id, member.sector_id):
        if unit_id is not None and (ids is None or unit_id in ids):
            return unit_id
    return member.sector_id


# --- the entering unit (录入单位) ----------------------------------------------------------------------------------

def subject_unit_ids(subject: Subject) -> set[int]:
    """The units a record's subject belongs to: a member's 界别, 专委会 and 联络处; a party member's branch; a unit."""
    if subject.member is not None:
        m = subject.member
        return {u for u in (m.sector_id, m.committee_id, m.liaison_id) if u is not None}
    if subject.party_member is not None:
        return {subject.party_member.branch_id}
    return {subject.unit.id} if subject.unit is not None else set()


def subject_named(raw: str, user: User) -> Subject | None:
    """The subject a picker value names ("m:12", "p:3", "u:5"), when the user may see it; else None."""
    prefix, _sep, ident = (raw or "").partition(":")
    if not ident.isdigit():
        return None
    if prefix == "m":
        member = db.session.scalar(scoped(Member, user).where(Member.id == int(ident)))
        return Subject(member=member) if member is not None else None
    if prefix == "p":
        person = db.session.scalar(scoped(PartyMember, user).where(PartyMember.id == int(ident)))
        return Subject(party_member=person) if person is not None else None
    unit = db.session.scalar(scoped(Unit, user).where(Unit.id == int(ident))) if prefix == "u" else None
    return Subject(unit=unit) if unit is not None else None


def entering_units(user: User, units: set[int] | None = None) -> list[Unit]:
    """The units `user` may enter records for (a clerk's or liaison's own units, in their order); with `units`
    (a subject's), only those that are one of them or lie above one. Empty for the office: its records are its own."""
    if unit_ids(user) is None or user.role == Role.MEMBER:
        return []
    own = list(user.units)
    if units is None:
        return own
    return [u for u in own if units_below([u.id]) & units]


def owns(activity: Activity, user: User) -> bool:
    """Whether `user` may change `activity` as its owner (its state and the user's role aside).

    A record belongs to the unit that entered it: only that unit's clerks (or a unit's above it) edit, submit,
    delete it or change its evidence; clerks of the subject's other units see it read-only. The office and the
    admin may change any record; a member's own report keeps its own rules (whoever may see and edit it).
    """
    if user.role in VERIFY_ROLES or activity.id is None or activity.self_reported:
        return True
    ids = unit_ids(user)
    return ids is None or activity.entered_by_unit_id in ids


INBOX_FILTERS = ("mine", "evidence", "open")  # what a 待办 (inbox) link on the home page may narrow the record list to


def todo_clause(todo: str, user: User) -> sa.ColumnElement[bool]:
    """The records a 待办 item counts and its link lists. `mine`: those the user's units entered, members' own reports
    aside (the office: those it entered itself; a member: their own reports). `evidence`: those of them not yet
    verified that have no evidence file. `open`: those of them still a 草稿 or 退回 (the 录入截止 reminder). Any other
    value narrows nothing."""
    if todo not in INBOX_FILTERS:
        return sa.true()
    ids = unit_ids(user)
    if user.role == Role.MEMBER:  # a member's own reports (their scope is their own records)
        mine = Activity.self_reported
    else:
        mine = sa.and_(~Activity.self_reported, Activity.created_by_id == user.id if ids is None
                       else Activity.entered_by_unit_id.in_(ids))
    if todo == "mine":
        return mine
    if todo == "open":
        return sa.and_(mine, Activity.state.in_(EDITABLE))
    return sa.and_(mine, Activity.state.in_(EDITABLE + (RecordState.SUBMITTED,)),
                   ~sa.exists().where(Evidence.activity_id == Activity.id))


def entered_by_text(activity: Activity | None) -> str:
    """Who a record belongs to, as its page says it: the entering unit, the office, or the member's own report
    (None: a new record of the office's)."""
    if activity is None:
        return _("活动领导小组办公室")
    if activity.self_reported:
        return _("委员本人（自报）")
    if activity.entered_by_unit is not None:
        return activity.entered_by_unit.name
    return _("活动领导小组办公室")


def read_only_reason(activity: Activity, user: User) -> str:
    """Why `user`, who could change such a record now, only reads this one (another unit entered it); else ""."""
    if (user.role in roles_for(activity) and activity.state in EDITABLE and not activity.locked
            and not owns(activity, user)):
        return not_owner_text(activity)
    return ""


def not_owner_text(activity: Activity) -> str:
    """Why a clerk of another unit only reads this record."""
    return _("这条记录由“%(unit)s”录入，只有该单位的录入员可以修改、提交或删除；您只能查看。",
             unit=entered_by_text(activity))


# --- saving --------------------------------------------------------------------------------------------------

@dataclass
class Entry:
    """A record's fields as the form gives them, already shape-checked."""

    subject: str  # "m:<member id>", "u:<unit id>" or "p:<party member id>"
    kind: str
    title: str
    occurred_on: dt.date | None
    description: str = ""
    outcome: str = ""
    level: str = ""
    instruction_level: str = ""
    amount: Decimal | None = None
    people_helped: int | None = None
    counterpart: str = ""
    support: str = ""
    signers: str = ""
    version: int | None = None
    details: dict[str, str] = field(default_factory=dict)  # declared fields as posted: name → text
    entered_by: int | None = None  # the 录入单位 chosen on the form (a clerk's unit id); None: not chosen
    pairing: int | None = None  # 联一户: the subject's pairing (结对) the record reports on
    project: int | None = None  # 引一企: the subject's project whose stage the record reports
    confirmed: bool = False  # 确认无误 ticked: values outside their plausible range are kept


@dataclass
class Subject:
    """Whom a record is about: a member, a party member, or else the unit itself."""

    member: Member | None = None
    party_member: PartyMember | None = None
    unit: Unit | None = None

    @property
    def rules(self) -> str:
        """The rule-file subject whose kinds apply."""
        return "members" if self.member else "party-members" if self.party_member else "units"


def subject_value(activity: Activity) -> str:
    """The subject picker's value of a record: "m:<member id>", "p:<party member id>" or "u:<unit id>"."""
    return (f"m:{activity.member_id}" if activity.member_id else
            f"p:{activity.party_member_id}" if activity.party_member_id else f"u:{activity.unit_id}")


def signers_text(activity: Activity) -> str:
    """The joint signers after the first, by member code, as the form's 联名委员 field takes them."""
    return "、".join(p.member.code for p in activity.participants[1:])


def entry_of(activity: Activity, **changes: Any) -> Entry:
    """The record as its edit form would post it unchanged, but for `changes` (occurred_on, description …): to change
    some of its fields through `save`, with its checks and its audit, and keep the others as they are."""
    return replace(Entry(
        subject=subject_value(activity), kind=activity.kind, title=activity.title, occurred_on=activity.occurred_on,
        description=activity.description, outcome=activity.outcome, level=activity.level,
        instruction_level=activity.instruction_level, amount=activity.amount, people_helped=activity.people_helped,
        counterpart=activity.counterpart, support=activity.support, signers=signers_text(activity),
        version=activity.version, details={k: kindfields.shown(v) for k, v in (activity.details or {}).items()},
        pairing=activity.pairing_id, project=activity.project_id, confirmed=True), **changes)


def roles_for(activity: Activity) -> tuple[Role, ...]:
    """Who may change a record: liaisons and the office a party member's; clerks and the office the rest."""
    return PARTY_ENTRY_ROLES if activity.party_member_id is not None else ENTRY_ROLES


def can_edit(activity: Activity, user: User) -> bool:
    return (user.role in roles_for(activity) and owns(activity, user) and activity.state in EDITABLE
            and not activity.locked)


def can_delete(activity: Activity, user: User) -> bool:
    """Only a draft that was never submitted may be deleted, by whoever may edit it."""
    return (user.role in roles_for(activity) and owns(activity, user) and activity.state == RecordState.DRAFT
            and activity.submitted_at is None and not activity.locked)


def _snapshot(activity: Activity) -> dict[str, Any]:
    values = audit.snapshot(activity, [f for f in AUDITED if f != "signers"])
    values["signers"] = [p.member.name for p in activity.participants if p.member is not None]
    values["details"] = details_text(activity.details)
    return values


def details_text(details: dict[str, Any] | None) -> str:
    """Declared fields as the audit log keeps them: 天数=3;地点=北京."""
    return ";".join(f"{name}={kindfields.shown(v)}" for name, v in sorted((details or {}).items()))


def _resolve_subject(entry: Entry, user: User, category: Category) -> tuple[Subject | None, Errors]:
    """The subject named by the picker, in the user's scope, of a kind `category` records.

    A party member's records take "p:<id>" only; the four 一 take "m:<id>" or "u:<id>". Unknown, out of scope
    and of the wrong kind all read the same.
    """
    prefix, _sep, raw = entry.subject.partition(":")
    if category in PARTY_CATEGORIES:
        if prefix == "p" and raw.isdigit():
            person = db.session.scalar(scoped(PartyMember, user).where(PartyMember.id == int(raw)))
            if person is not None:
                return Subject(party_member=person), {}
        return None, {"subject": [_("请选择您负责党支部的党员。")]}
    if raw.isdigit():
        if prefix == "m":
            member = db.session.scalar(scoped(Member).where(Member.id == int(raw)))
            if member is not None:
                return Subject(member=member), {}
        elif prefix == "u":
            unit = next((u for u in subject_units(user) if u.id == int(raw)), None)
            if unit is not None:
                return Subject(unit=unit), {}
    return None, {"subject": [_("请选择您负责单位的委员或单位。")]}


def _resolve_signers(text: str, first: Member) -> tuple[list[Member], list[str]]:
    """Joint signers after the first, in the order typed; names or member codes, separated by 、 , ， or spaces."""
    found: list[Member] = []
    problems: list[str] = []
    words = [w.strip() for w in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if w.strip()]
    candidates = list(db.session.scalars(scoped(Member).where(sa.or_(Member.code.in_(words),
                                                                     Member.name.in_(words))))) if words else []
    for word in words:
        matches = [m for m in candidates if word in (m.code, m.name)]
        if len(matches) != 1:
            problems.append(_("找不到联名委员“%(name)s”。", name=word) if not matches
                            else _("“%(name)s”有重名，请改填委员编号。", name=word))
        elif matches[0].id == first.id or matches[0] in found:
            problems.append(_("联名委员“%(name)s”重复。", name=word))
        else:
            found.append(matches[0])
    return found, problems


def _check_values(kind: KindSpec, entry: Entry, errors: Errors) -> None:
    for name in CHOICE_FIELDS:
        value = getattr(entry, name)
        if not value:
            continue
        spec = kind.fields.get(name)
        if spec is None or value not in spec.values:
            errors.setdefault(name, []).append(_("细则没有为“%(kind)s”规定这个取值。", kind=kind.name))
    for name in ("amount", "people_helped"):
        value = getattr(entry, name)
        if value is None:
            continue
        if value < 0:
            errors.setdefault(name, []).append(_("不能为负数。"))
        elif name not in kind.fields:
            errors.setdefault(name, []).append(_("细则没有为“%(kind)s”规定这一项。", kind=kind.name))


def implausible(kind: KindSpec, entry: Entry, details: dict[str, Any]) -> Errors:
    """The values of `entry` outside their field's plausible range (app.kindfields), under WARN + the form's key:
    the user confirms them (确认无误) or corrects them, most often the unit (2 typed for 2 万元 in 元)."""
    found: Errors = {}
    spec = kind.fields.get("amount")
    if spec is not None and (why := kindfields.implausible(spec, entry.amount, _("金额"))):
        found[WARN + "amount"] = [why]
    for detail in kindfields.detail_fields(kind):
        number = kindfields.value(details.get(detail.name))
        if detail.type in ("number", "integer") and isinstance(number, (Decimal, int)) and \
                (why := kindfields.implausible(detail, number)):
            found[f"{WARN}x-{detail.name}"] = [why]
    return found


def _check_details(kind: KindSpec, entry: Entry, errors: Errors) -> dict[str, Any]:
    """The declared fields of `kind` read from the entry (errors under "x-<name>"); a value posted for a field
    the kind does not declare is refused, never dropped without a word."""
    kept: dict[str, Any] = {}
    wanted = {spec.name: spec for spec in kindfields.detail_fields(kind)}
    for name, spec in wanted.items():
        try:
            value = kindfields.parse(spec, entry.details.get(name, ""))
        except ValueError as problem:
            errors.setdefault(f"x-{name}", []).append(f"{problem}。")
            continue
        if value is None:
            if spec.required:
                errors.setdefault(f"x-{name}", []).append(_("请填写%(label)s。", label=kindfields.label(spec)))
            continue
        kept[name] = value
    for name, raw in entry.details.items():
        if name not in wanted and raw.strip():
            errors.setdefault(f"x-{name}", []).append(_("细则没有为“%(kind)s”规定这一项，请留空。", kind=kind.name))
    return kept


def _entering_unit(activity: Activity, subject: Subject, entry: Entry, user: User, errors: Errors) -> int | None:
    """The 录入单位 of a clerk's (or liaison's) record: the one chosen, which must be among the user's units that
    cover the subject; unchosen, the record's own while it still covers it, else the only one that does. Never a
    guess between two: that is an error beside the field."""
    covering = entering_units(user, subject_unit_ids(subject))
    ids = [u.id for u in covering]
    names = "、".join(u.name for u in covering)
    if entry.entered_by is not None:
        if entry.entered_by in ids:
            return entry.entered_by
        errors.setdefault("entered_by", []).append(
            _("所选录入单位不负责该对象，请在以下单位中选择：%(units)s。", units=names) if covering
            else _("您负责的单位都不负责该对象。"))
        return None
    if activity.entered_by_unit_id in ids:
        return activity.entered_by_unit_id
    if len(ids) == 1:
        return ids[0]
    errors.setdefault("entered_by", []).append(
        _("该对象同时属于您负责的%(units)s，请选择录入单位。", units=names) if covering
        else _("您负责的单位都不负责该对象。"))
    return None


#: The registers a record may name (the entry's field → the register's model and the category of its records).
LINKED: dict[str, tuple[type[Any], Category]] = {"pairing": (Pairing, Category.PAIRING),
                                                  "project": (Project, Category.ENTERPRISE)}


def _check_linked(name: str, entry: Entry, category: Category, subject: Subject | None, user: User,
                  errors: Errors) -> Any:
    """The pairing (联一户) or project (引一企) a record names: one of its subject's, in the user's scope; None when
    none is named. Errors under the entry's field `name`."""
    wanted = getattr(entry, name)
    if wanted is None:
        return None
    model, own = LINKED[name]
    if category != own:
        errors.setdefault(name, []).append(_("只有%(category)s记录可以关联登记的结对或项目。", category=_(own.label)))
        return None
    row = db.session.scalar(scoped(model, user).where(model.id == wanted))
    ids = (subject.member.id, None) if subject is not None and subject.member is not None else \
        (None, subject.unit.id if subject is not None and subject.unit is not None else None)
    if row is None or subject is None or (row.member_id, row.unit_id) != ids:
        errors.setdefault(name, []).append(_("所选结对或项目不是该对象的。"))
        return None
    return row


def save(activity: Activity, category: Category, entry: Entry, user: User, submit: bool) -> Errors:
    """Validate `entry` and copy it onto `activity` (new or existing); submit it if asked. Errors by field.

    Refuses a stale version, a closed year, a clerk's or liaison's new record of a year past its 录入截止
    (app.timetable), a future date, a date after the member left (离任), a subject outside
    the user's scope, a kind or value the rule file does not declare, negative numbers and a duplicate (same
    subject, kind, date and title).
    """
    errors: Errors = {}
    is_new = activity.id is None
    if not is_new and entry.version != activity.version:
        return {"title": [stale()]}
    if not is_new and not owns(activity, user):
        return {"title": [not_owner_text(activity)]}
    if not is_new and not can_edit(activity, user):
        return {"title": [_("该记录已提交或已核实，不能修改。")]}
    subject, errors = _resolve_subject(entry, user, category)
    member = subject.member if subject is not None else None
    today = beijing_today()
    years = open_years()
    if entry.occurred_on is not None:
        if entry.occurred_on > today:
            errors.setdefault("occurred_on", []).append(_("日期不能晚于今天。"))
        elif entry.occurred_on.year not in years:
            errors.setdefault("occurred_on", []).append(_("该日期不在开放录入的考评年度内。"))
        elif (is_new or activity.occurred_on.year != entry.occurred_on.year) and (
                closed := timetable.entry_closed(user, today).get(entry.occurred_on.year)) is not None:
            errors.setdefault("occurred_on", []).append(timetable.entry_closed_text(entry.occurred_on.year, closed))
        elif member is not None and member.left_on is not None and entry.occurred_on > member.left_on:
            errors.setdefault("occurred_on", []).append(_("%(name)s已于 %(day)s 离任，之后的履职不能记录。",
                                                          name=member.name, day=member.left_on.isoformat()))
    year = entry.occurred_on.year if entry.occurred_on and entry.occurred_on.year in years else \
        next(iter(years), today.year)
    kind = None
    details: dict[str, Any] = {}
    if subject is not None:
        kind = next((k for k in kinds_for(category, subject.rules, year) if k.name == entry.kind), None)
        if kind is None:
            errors.setdefault("kind", []).append(_("本年度细则没有为该对象规定这个类型。"))
        else:
            _check_values(kind, entry, errors)
            details = _check_details(kind, entry, errors)
            if not entry.confirmed:
                errors.update(implausible(kind, entry, details))
    signers: list[Member] = []
    if entry.signers.strip():
        if category != Category.IDEA or member is None:
            errors.setdefault("signers", []).append(_("只有委员的献一智记录可以填写联名委员。"))
        else:
            signers, problems = _resolve_signers(entry.signers, member)
            if problems:
                errors.setdefault("signers", []).extend(problems)
    pairing = _check_linked("pairing", entry, category, subject, user, errors)
    project = _check_linked("project", entry, category, subject, user, errors)
    entered_by = activity.entered_by_unit_id
    if subject is not None and not activity.self_reported and unit_ids(user) is not None:
        entered_by = _entering_unit(activity, subject, entry, user, errors)
    if errors:
        return errors
    assert kind is not None and entry.occurred_on is not None and subject is not None
    person = subject.party_member
    title = entry.title.strip()
    if member is not None:
        same_subject = Activity.member_id == member.id
        unit_id = recording_unit(member, user, entered_by)
    elif person is not None:
        same_subject = Activity.party_member_id == person.id
        unit_id = person.branch_id
    else:
        assert subject.unit is not None
        same_subject = sa.and_(Activity.member_id.is_(None), Activity.party_member_id.is_(None),
                               Activity.unit_id == subject.unit.id)
        unit_id = subject.unit.id
    duplicate = sa.select(Activity.id).where(
        Activity.kind == kind.name, Activity.occurred_on == entry.occurred_on, Activity.title == title,
        Activity.id != (activity.id or 0), same_subject)
    if db.session.scalar(duplicate) is not None:
        return {"title": [_("已有同一对象、类型、日期和标题的记录，请勿重复录入。")]}

    before = {} if is_new else _snapshot(activity)
    activity.category = category
    activity.member_id = member.id if member is not None else None
    activity.party_member_id = person.id if person is not None else None
    activity.unit_id = unit_id
    activity.entered_by_unit_id = entered_by
    activity.kind = kind.name
    activity.title = title
    activity.description = entry.description.strip()
    activity.occurred_on = entry.occurred_on
    activity.outcome = entry.outcome
    activity.level = entry.level
    activity.instruction_level = entry.instruction_level
    activity.amount = entry.amount
    activity.people_helped = entry.people_helped
    activity.counterpart = entry.counterpart.strip()
    activity.support = entry.support.strip()
    activity.pairing_id = pairing.id if pairing is not None else None
    activity.project_id = project.id if project is not None else None
    if pairing is not None and not activity.counterpart:
        activity.counterpart = pairing.counterpart.name[:120]
    if project is not None and not activity.counterpart:
        activity.counterpart = (project.investor or project.name)[:120]
    activity.details = details
    if is_new:
        activity.created_by_id = user.id
        activity.state = RecordState.DRAFT
    activity.participants = ([ActivityParticipant(position=i, member_id=m.id)
                              for i, m in enumerate([member, *signers], start=1)] if signers else [])
    if submit:
        activity.state = RecordState.SUBMITTED
        activity.submitted_at = utcnow()
    db.session.add(activity)
    db.session.flush()
    db.session.refresh(activity, ["participants"])
    changes = audit.diff(before, _snapshot(activity))
    audit.record(user, "create" if is_new else "update", "activity", activity.id, changes)
    return {}


# --- who verifies --------------------------------------------------------------------------------------------

#: Who verifies (核实 or 退回) a member's own report: the clerk of the member's units, the office, or either.
#: Everything else is the office's. Default: the clerk, as the notices have the units organise and appraise their
#: members; a member none of whose units has an active clerk account is the office's either way.
VERIFIER_SETTING = "self_report_verifier"
VERIFIERS = ("clerk", "office", "both")
DEFAULT_VERIFIER = "clerk"


def self_report_verifier() -> str:
    """The office's choice of who verifies members' own reports: "clerk", "office" or "both"."""
    value = setting(VERIFIER_SETTING, DEFAULT_VERIFIER)
    return value if value in VERIFIERS else DEFAULT_VERIFIER


def _clerk_units() -> set[int]:
    """The units some active clerk account acts for, with every unit below them."""
    return units_below(db.session.scalars(
        sa.select(user_unit.c.unit_id).join(User, User.id == user_unit.c.user_id)
        .where(User.role == Role.CLERK, User.active)))


def _members_with_clerk(units: set[int]) -> sa.Select[tuple[int]]:
    return sa.select(Member.id).where(sa.or_(Member.sector_id.in_(units), Member.committee_id.in_(units),
                                             Member.liaison_id.in_(units)))


def verifiable(user: User) -> sa.ColumnElement[bool]:
    """The records `user` may verify or return (their state aside): the one rule the queue, the record page and
    the buttons' posts all use. A clerk only ever gets members' own reports, of members in their scope."""
    mode = self_report_verifier()
    own_report = sa.and_(Activity.self_reported, Activity.member_id.isnot(None))
    if user.role in VERIFY_ROLES:
        if mode != "clerk":
            return sa.true()
        return sa.or_(~own_report, Activity.member_id.notin_(_members_with_clerk(_clerk_units())))
    if user.role == Role.CLERK and mode in ("clerk", "both"):
        return sa.and_(own_report, Activity.member_id.in_(scoped(Member, user).with_only_columns(Member.id)))
    return sa.false()


def may_verify(activity: Activity, user: User) -> bool:
    """Whether `user` may verify or return `activity` (when it is submitted)."""
    if user.role not in (*VERIFY_ROLES, Role.CLERK) or activity.id is None:
        return False
    return db.session.scalar(sa.select(Activity.id).where(Activity.id == activity.id, verifiable(user))) is not None


def verifies_any(user: User) -> bool:
    """Whether the verification queue is for `user` at all (the office; a clerk while clerks verify reports)."""
    return user.role in VERIFY_ROLES or user.role == Role.CLERK and self_report_verifier() != "office"


def waiting_for_clerks() -> int:
    """Members' own reports awaiting their clerks (the office's queue says so while only clerks verify them)."""
    if self_report_verifier() != "clerk":
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Activity).where(
        Activity.state == RecordState.SUBMITTED, Activity.self_reported,
        Activity.member_id.in_(_members_with_clerk(_clerk_units())))) or 0


def self_report_verifier_text(member: Member) -> str:
    """What the self-report page tells a member about who will verify their report."""
    mode = self_report_verifier()
    units = {member.sector_id, member.committee_id, member.liaison_id}
    by_clerk = mode != "office" and bool(units & _clerk_units())
    if by_clerk and mode == "clerk":
        return _("提交后由您所在单位的录入员核实，提交后不能修改。")
    if by_clerk:
        return _("提交后由您所在单位的录入员或活动办公室核实，提交后不能修改。")
    return _("提交后由活动办公室核实，提交后不能修改。")


def self_report_notice(member: Member) -> str:
    """The message after a member's report is sent."""
    mode = self_report_verifier()
    if mode != "office" and {member.sector_id, member.committee_id, member.liaison_id} & _clerk_units():
        return _("已提交，等待您所在单位的录入员核实。") if mode == "clerk" else _("已提交，等待核实。")
    return _("已提交，等待活动办公室核实。")


# --- state changes -------------------------------------------------------------------------------------------

def _change_state(activity: Activity, user: User, action: str, state: RecordState, reason: str = "",
                  notify: bool = True) -> None:
    before = workflow.move(activity, state, user, reason)
    db.session.flush()
    audit.record(user, action, "activity", activity.id, {"state": (before, state)}, reason=reason)
    if notify:
        notices.record_moved(activity, action, user)


def submit(activity: Activity, user: User, version: int | None) -> str | None:
    """Send a draft or returned record for verification; the error message, or None."""
    if version != activity.version:
        return stale()
    if not owns(activity, user):
        return not_owner_text(activity)
    if not can_edit(activity, user):
        return _("只有草稿或退回的记录可以提交。")
    _change_state(activity, user, "submit", RecordState.SUBMITTED)
    return None


def verify(activity: Activity, user: User, version: int | None = None) -> str | None:
    if version is not None and version != activity.version:
        return stale()
    if not may_verify(activity, user):
        return _("您不能核实这条记录。")
    if activity.state != RecordState.SUBMITTED or activity.locked:
        return _("只有已提交的记录可以核实或退回。")
    _change_state(activity, user, "verify", RecordState.VERIFIED)
    return None


def send_back(activity: Activity, user: User, reason: str, version: int | None = None) -> str | None:
    """退回 a submitted record with a reason the clerk will read."""
    reason = reason.strip()
    if not reason:
        return _("请填写退回原因。")
    if version is not None and version != activity.version:
        return stale()
    if not may_verify(activity, user):
        return _("您不能退回这条记录。")
    if activity.state != RecordState.SUBMITTED or activity.locked:
        return _("只有已提交的记录可以核实或退回。")
    _change_state(activity, user, "return", RecordState.RETURNED, reason)
    return None


def reopen(activity: Activity, user: User, reason: str, version: int | None = None) -> str | None:
    """Send a verified record back to 退回 so its clerk may correct it; a reason is required."""
    reason = reason.strip()
    if not reason:
        return _("请填写重新打开的原因。")
    if version is not None and version != activity.version:
        return stale()
    if activity.state != RecordState.VERIFIED:
        return _("只有已核实的记录可以重新打开。")
    if activity.locked:
        return _("该记录已用于定稿的表彰名单，需由系统管理员解锁。")
    _change_state(activity, user, "reopen", RecordState.RETURNED, reason)
    return None


def delete_draft(activity: Activity, user: User, version: int | None) -> tuple[list[str], str | None]:
    """Delete a never-submitted draft with its evidence rows: (the evidence sha256s, None) or ([], the error).

    The audit keeps a snapshot of what was deleted; the caller commits, then discards bytes no row still uses.
    """
    if version != activity.version:
        return [], stale()
    if not can_delete(activity, user):
        if user.role not in roles_for(activity):
            return [], _("您不能删除这条记录。")
        if not owns(activity, user):
            return [], not_owner_text(activity)
        return [], _("只有从未提交过的草稿可以删除；已提交、已核实或退回的记录不能删除。")
    gone = {name: (value, None) for name, value in _snapshot(activity).items() if audit.as_text(value)}
    files = sorted(activity.evidence, key=lambda e: e.id)
    if files:
        gone["evidence"] = ([f"{e.original_name}（{e.sha256[:12]}）" for e in files], None)
    audit.record(user, "delete", "activity", activity.id, gone)
    shas = [e.sha256 for e in files]
    db.session.delete(activity)  # its evidence rows and joint signers go with it
    db.session.flush()
    return shas, None


def _verifiable_now(stmt: sa.Select[tuple[Activity]], user: User) -> sa.Select[tuple[Activity]]:
    return stmt.where(Activity.state == RecordState.SUBMITTED, ~Activity.locked, verifiable(user))


def has_evidence() -> sa.ColumnElement[bool]:
    """A record with at least one evidence file (附件)."""
    return sa.exists(sa.select(Evidence.id).where(Evidence.activity_id == Activity.id))


def evidence_counts(activity_ids: list[int]) -> dict[int, int]:
    """How many evidence files each of these records has (absent: none)."""
    if not activity_ids:
        return {}
    rows = db.session.execute(sa.select(Evidence.activity_id, sa.func.count(Evidence.id))
                              .where(Evidence.activity_id.in_(activity_ids)).group_by(Evidence.activity_id))
    return {activity_id: count for activity_id, count in rows}


@dataclass(frozen=True)
class BulkSelection:
    """What a bulk 核实 would verify now: how many records, and how many of them have no evidence."""

    total: int
    without_evidence: int

    @property
    def token(self) -> str:
        """What the confirmation page carries, so a change in between is noticed: "total:without"."""
        return f"{self.total}:{self.without_evidence}"


def bulk_selection(stmt: sa.Select[tuple[Activity]], user: User) -> BulkSelection:
    """Count what `verify_many(stmt, user)` would verify, and those of them without evidence."""
    ids = _verifiable_now(stmt, user).with_only_columns(Activity.id).order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
    bare = db.session.scalar(sa.select(sa.func.count()).select_from(ids).where(
        ~sa.exists(sa.select(Evidence.id).where(Evidence.activity_id == ids.c.id)))) or 0
    return BulkSelection(total, bare)


def verify_many(stmt: sa.Select[tuple[Activity]], user: User) -> int:
    """核实 every submitted, unlocked record `stmt` selects; the count. One transaction, the caller's."""
    records = list(db.session.scalars(_verifiable_now(stmt, user)))
    for activity in records:
        _change_state(activity, user, "verify", RecordState.VERIFIED, notify=False)
    notices.records_verified(records, user)  # one notice a person, not one a record
    return len(records)


# --- evidence ------------------------------------------------------------------------------------------------

def can_change_evidence(activity: Activity, user: User) -> bool:
    """Who removes evidence: clerks while they may edit the record (草稿/退回); the office at any time before it is
    locked. Adding is wider: see `can_add_evidence`."""
    if activity.locked:
        return False
    return user.role in VERIFY_ROLES or can_edit(activity, user)


def can_add_evidence(activity: Activity, user: User) -> bool:
    """Who adds evidence: whoever may remove it, and the record's owner while it waits for verification (已提交):
    the entering unit's clerks (`owns`), or the member for their own report. Nothing is added once verified."""
    if activity.locked:
        return False
    if can_change_evidence(activity, user):
        return True
    if activity.state != RecordState.SUBMITTED:
        return False
    if activity.self_reported:
        return user.role == Role.MEMBER and user.member_id is not None and user.member_id == activity.member_id
    return user.role in roles_for(activity) and owns(activity, user)


def evidence_dir() -> Path:
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


MAX_FILES = 20  # evidence files in one post (a new record's form)


def wrong_type() -> str:
    return _("只接受 PDF、JPEG、PNG、DOCX、XLSX、DOC、XLS、WPS、ET 文件（按文件内容识别）")


def check_file(filename: str | None, data: bytes) -> tuple[str | None, str]:
    """Whether one uploaded file may be kept as evidence: (its content type, "") or (None, the error in Chinese).
    Nothing is stored."""
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    if not data:
        return None, _("文件是空的，请重新选择。")
    if len(data) > limit:
        return None, _("文件不能超过 %(mb)s MB。", mb=f"{limit / 1024 / 1024:g}")
    content_type = evidence.sniff(data)
    if content_type is None or not evidence.name_agrees(filename, content_type):
        return None, wrong_type()
    return content_type, ""


def check_files(files: list[tuple[str | None, bytes]]) -> list[str]:
    """Every problem of several files posted together, each naming its file; none stored."""
    if len(files) > MAX_FILES:
        return [_("一次最多上传 %(n)s 个文件。", n=MAX_FILES)]
    problems = []
    for filename, data in files:
        _type, error = check_file(filename, data)
        if error:
            problems.append(_("%(name)s：%(error)s", name=evidence.clean_name(filename, ""), error=error))
    return problems


def add_evidence(activity: Activity, user: User, filename: str | None, data: bytes) -> tuple[Evidence | None, str]:
    """Check and store one uploaded file for `activity`; (the new row, "") or (None, the error in Chinese)."""
    if not can_add_evidence(activity, user):
        return None, _("该记录已核实或已锁定，不能再添加证明材料。")
    content_type, error = check_file(filename, data)
    if content_type is None:
        return None, error
    sha = evidence.store(evidence_dir(), data)
    row = Evidence(activity_id=activity.id, original_name=evidence.clean_name(filename, content_type), sha256=sha,
                   content_type=content_type, size=len(data), uploaded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "create", "activity", activity.id, {"evidence": (None, f"{row.original_name}（{sha[:12]}）")})
    return row, ""


def add_files(activity: Activity, user: User, files: list[tuple[str | None, bytes]]) -> list[str]:
    """Store every file for `activity` (already checked with `check_files`); the problems, none when all were
    kept. The caller rolls back on any, so a record and its files are saved together or not at all."""
    problems = []
    for filename, data in files:
        _row, error = add_evidence(activity, user, filename, data)
        if error:
            problems.append(_("%(name)s：%(error)s", name=evidence.clean_name(filename, ""), error=error))
    return problems


def remove_evidence(item: Evidence, user: User) -> str | None:
    """Delete one evidence row; the error, or None. The caller deletes unused bytes after committing."""
    activity = item.activity
    if not can_change_evidence(activity, user):
        return _("该记录已提交或已锁定，不能修改证明材料。")
    audit.record(user, "delete", "activity", activity.id,
                 {"evidence": (f"{item.original_name}（{item.sha256[:12]}）", None)})
    db.session.delete(item)
    db.session.flush()
    return None


def unused(sha256: str) -> bool:
    """No evidence row refers to these bytes any more."""
    return db.session.scalar(sa.select(Evidence.id).where(Evidence.sha256 == sha256).limit(1)) is None


def discard_unused(shas: Iterable[str]) -> None:
    """Delete the stored bytes no evidence row uses (after a rollback, or a removal that was committed)."""
    for sha in set(shas):
        if unused(sha):
            evidence.discard(evidence_dir(), sha)


# --- self-report ---------------------------------------------------------------------------------------------

def self_report(member: Member, category: Category, entry: Entry, user: User) -> tuple[Activity, Errors]:
    """A member's own report: subject fixed to themselves, no joint signers, lands as 已提交 and self_reported."""
    entry.subject = f"m:{member.id}"
    entry.signers = ""
    activity = Activity(self_reported=True)
    return activity, save(activity, category, entry, user, submit=True)
