"""联一户 register use cases: counterparts, pairings, their support and visits, and the 联一户 record made from an
entry for verification. Flush, never commit; every change writes audit rows in the caller's transaction.

Scope follows the records': a clerk keeps the pairings of their units' members and of their units themselves, the
office all of them; the leader reads them all; a member reads their own. A counterpart's phone is personal data:
only the office and the clerks of a unit one of its pairings belongs to read it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import audit, registers
from app.activities import services as records
from app.auth.scope import scoped, unit_ids
from app.extensions import db
from app.i18n import N_
from app.models import (Activity, Category, Counterpart, CounterpartKind, Member, Pairing, PairingEntry, Role,
                        SupportKind, User)
from app.timeutil import beijing_today
from app.web import name_search

Errors = dict[str, list[str]]
PHONE_ROLES = registers.OFFICE_ROLES
VISIT_FORMS = (N_("上门走访"), N_("电话联系"), N_("座谈交流"), N_("春节送温暖"))  # kept in Chinese, shown translated
MONEY = (SupportKind.FUNDS, SupportKind.GOODS)  # support whose amount (元) is asked for
COUNTERPART_FIELDS = ("kind", "name", "place", "needs", "contact", "phone", "note")
PAIRING_FIELDS = ("code", "member_id", "unit_id", "counterpart_id", "kind", "starts_on", "ends_on", "note")
ENTRY_FIELDS = ("kind", "occurred_on", "form", "amount", "content")
CODE_PREFIX = "JD"


# --- who sees and changes what -----------------------------------------------------------------------------------

def may_see_phone(user: User, units: set[int]) -> bool:
    """The office, and a clerk acting for one of `units` (those of the pairings the phone belongs to)."""
    if user.role in PHONE_ROLES:
        return True
    ids = unit_ids(user)
    return user.role == Role.CLERK and ids is not None and bool(ids & units)


def counterpart_units(counterpart: Counterpart) -> set[int]:
    """The units a counterpart belongs to: every pairing's, and the unit that registered it."""
    found = {u for p in counterpart.pairings for u in p.unit_ids}
    return found | ({counterpart.entered_by_unit_id} if counterpart.entered_by_unit_id else set())


def phone_shown(counterpart: Counterpart, user: User) -> str:
    """The counterpart's phone as `user` may read it: the number, or "" when it is not theirs to read."""
    return counterpart.phone if may_see_phone(user, counterpart_units(counterpart)) else ""


# --- lists -------------------------------------------------------------------------------------------------------

def active_in(year: int) -> sa.ColumnElement[bool]:
    """Pairings that ran at some time in `year` (a pairing spans years: it shows in each)."""
    return sa.and_(Pairing.starts_on <= dt.date(year, 12, 31),
                   sa.or_(Pairing.ends_on.is_(None), Pairing.ends_on >= dt.date(year, 1, 1)))


def pairing_query(q: str = "", unit_id: int | None = None, kind: str = "", year: int | None = None,
                  user: User | None = None) -> sa.Select[tuple[Pairing]]:
    """Pairings in the user's scope; `q` matches the counterpart's name or the member's name or pinyin; `unit_id`
    a unit's own pairings and its members'."""
    stmt = scoped(Pairing, user).join(Counterpart).options(
        selectinload(Pairing.counterpart), selectinload(Pairing.member), selectinload(Pairing.unit))
    if q:
        members = sa.select(Member.id).where(name_search(Member.name, Member.search_key, q))
        stmt = stmt.where(sa.or_(Counterpart.name.contains(q.strip()[:40], autoescape=True),
                                 Pairing.code == q.strip(), Pairing.member_id.in_(members)))
    if unit_id:
        stmt = stmt.where(registers.of_unit(Pairing, unit_id))
    if kind in CounterpartKind.__members__:
        stmt = stmt.where(Counterpart.kind == CounterpartKind[kind])
    if year:
        stmt = stmt.where(active_in(year))
    return stmt.order_by(Pairing.starts_on.desc(), Pairing.id.desc())


def pairing_sorts() -> dict[str, sa.ColumnElement[Any]]:
    """The pairings list's sortable columns (`?sort=`): a whitelist."""
    return {"code": Pairing.code, "subject": registers.subject_sort(Pairing), "counterpart": Counterpart.name,
            "type": Counterpart.kind, "kind": Pairing.kind, "start": Pairing.starts_on, "end": Pairing.ends_on,
            "place": Counterpart.place}


def entry_counts(pairing_ids: list[int]) -> dict[int, int]:
    """How many support and visit entries each pairing has."""
    if not pairing_ids:
        return {}
    return dict(db.session.execute(sa.select(PairingEntry.pairing_id, sa.func.count()).where(
        PairingEntry.pairing_id.in_(pairing_ids)).group_by(PairingEntry.pairing_id)).all())


@dataclass(frozen=True)
class Event:
    """One line of a pairing's timeline: a support or visit entry, or a record, on a date."""

    occurred_on: dt.date
    entry: PairingEntry | None = None
    record: Activity | None = None


def timeline(pairing: Pairing, user: User) -> list[Event]:
    """Support, visits and the records that report on the pairing, by date (a record made from an entry shows
    with its entry, not twice)."""
    shown = {e.activity_id for e in pairing.entries if e.activity_id}
    events = [Event(e.occurred_on, entry=e) for e in pairing.entries]
    events += [Event(a.occurred_on, record=a) for a in registers.linked_records(Activity.pairing_id, pairing.id, user)
               if a.id not in shown]
    return sorted(events, key=lambda e: (e.occurred_on, e.record is not None))


# --- the rule files' 联一户 kinds ---------------------------------------------------------------------------------

def subject_rules(member: Member | None) -> str:
    return "members" if member is not None else "units"


def pairing_kinds(rules: str | None = None) -> list[str]:
    """The 联一户 kinds the newest open year's rule files declare (for members, units, or both), in file order."""
    subjects = (rules,) if rules else ("members", "units")
    names = [k.name for subject in subjects for k in records.kinds_for(Category.PAIRING, subject)]
    return list(dict.fromkeys(names))


# --- saving ------------------------------------------------------------------------------------------------------

@dataclass
class CounterpartInput:
    kind: str = ""
    name: str = ""
    place: str = ""
    needs: str = ""
    contact: str = ""
    phone: str = ""
    note: str = ""


@dataclass
class PairingInput:
    subject: str  # "m:<member id>" or "u:<unit id>"
    counterpart: str  # a counterpart's id, or "new" (then `new` says which)
    kind: str
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    note: str = ""
    new: CounterpartInput | None = None


PHONE = re.compile(r"^[0-9+\-() （）]{5,30}$")


def _check_counterpart(data: CounterpartInput, prefix: str = "") -> Errors:
    errors: Errors = {}
    if data.kind not in CounterpartKind.__members__:
        errors[f"{prefix}kind"] = [_("请选择对接对象类型。")]
    if not data.name.strip():
        errors[f"{prefix}name"] = [_("请填写对接对象名称。")]
    if data.phone.strip() and not PHONE.match(data.phone.strip()):
        errors[f"{prefix}phone"] = [_("请填写有效的电话号码，如 13900001234 或 0724-1234567。")]
    return errors


def _same_name(data: CounterpartInput, own_id: int | None) -> Counterpart | None:
    return db.session.scalar(sa.select(Counterpart).where(
        Counterpart.kind == CounterpartKind[data.kind], Counterpart.name == data.name.strip(),
        Counterpart.id != (own_id or 0)))


def _entering_unit(user: User, units: set[int]) -> int | None:
    """The clerk's unit a new counterpart is registered under: the first of theirs that covers `units`."""
    if unit_ids(user) is None:
        return None
    covering = records.entering_units(user, units) or records.entering_units(user)
    return covering[0].id if covering else None


def save_counterpart(counterpart: Counterpart, data: CounterpartInput, user: User,
                     units: set[int] | None = None, prefix: str = "") -> Errors:
    """Validate `data` and copy it onto `counterpart` (new or existing); errors by field (`prefix` + name)."""
    errors = _check_counterpart(data, prefix)
    if errors:
        return errors
    if _same_name(data, counterpart.id) is not None:
        return {f"{prefix}name": [_("已登记同类型、同名称的对接对象，请直接选用。")]}
    is_new = counterpart.id is None
    before = {} if is_new else audit.snapshot(counterpart, COUNTERPART_FIELDS)
    counterpart.kind = CounterpartKind[data.kind]
    for name in ("name", "place", "needs", "contact", "phone", "note"):
        setattr(counterpart, name, getattr(data, name).strip())
    if is_new:
        counterpart.created_by_id = user.id
        counterpart.entered_by_unit_id = _entering_unit(user, units or set())
        db.session.add(counterpart)
    db.session.flush()
    audit.record(user, "create" if is_new else "update", "counterpart", counterpart.id,
                 audit.diff(before, audit.snapshot(counterpart, COUNTERPART_FIELDS)))
    return {}


def save_pairing(pairing: Pairing, data: PairingInput, user: User) -> Errors:
    """Validate `data` and copy it onto `pairing` (new or existing), registering a new counterpart when asked."""
    errors: Errors = {}
    subject = registers.subject(data.subject, user, errors)
    registers.keep_subject(pairing, subject, Activity.pairing_id, errors)
    rules = subject_rules(subject.member) if subject is not None else None
    if data.kind not in pairing_kinds(rules):
        errors["kind"] = [_("本年度细则没有为该对象规定这个联一户类型。")]
    if data.starts_on is None:
        errors["starts_on"] = [_("请填写开始日期。")]
    elif data.starts_on > beijing_today():
        errors["starts_on"] = [_("日期不能晚于今天。")]
    if data.ends_on is not None and data.starts_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    counterpart: Counterpart | None = None
    if data.counterpart == "new":
        errors.update(_check_counterpart(data.new or CounterpartInput(), "cp_"))
    elif data.counterpart.isdigit():
        counterpart = db.session.scalar(scoped(Counterpart, user).where(Counterpart.id == int(data.counterpart)))
    if counterpart is None and data.counterpart != "new":
        errors["counterpart"] = [_("请选择对接对象，或选“新建对接对象”并填写。")]
    if errors:
        return errors
    assert subject is not None and data.starts_on is not None
    units = records.subject_unit_ids(subject)
    if counterpart is None:
        counterpart = Counterpart()
        problems = save_counterpart(counterpart, data.new or CounterpartInput(), user, units, prefix="cp_")
        if problems:
            return problems
    registers.store(pairing, subject, {"counterpart_id": counterpart.id, "kind": data.kind, "starts_on": data.starts_on,
                                       "ends_on": data.ends_on, "note": data.note.strip()},
                    user, "pairing", PAIRING_FIELDS, CODE_PREFIX)
    return {}


@dataclass
class EntryInput:
    kind: str
    occurred_on: dt.date | None
    form: str = ""
    amount: Decimal | None = None
    content: str = ""


def _check_entry(pairing: Pairing, data: EntryInput) -> tuple[SupportKind | None, Errors]:
    """The entry's kind, and what is wrong with `data`: a date within the pairing, not after today; an amount only
    for money or goods; a visit's form; some content."""
    errors: Errors = {}
    kind = SupportKind[data.kind] if data.kind in SupportKind.__members__ else None
    if kind is None:
        errors["kind"] = [_("请选择帮扶方式。")]
    if data.occurred_on is None:
        errors["occurred_on"] = [_("请填写日期。")]
    elif data.occurred_on > beijing_today():
        errors["occurred_on"] = [_("日期不能晚于今天。")]
    elif data.occurred_on < pairing.starts_on or (pairing.ends_on and data.occurred_on > pairing.ends_on):
        errors["occurred_on"] = [_("日期不在结对期间内（%(span)s）。", span=span_text(pairing))]
    if data.amount is not None:
        if data.amount < 0:
            errors["amount"] = [_("不能为负数。")]
        elif kind is not None and kind not in MONEY:
            errors["amount"] = [_("只有资金、物资帮扶填写金额。")]
    if kind == SupportKind.VISIT and not data.form:
        errors["form"] = [_("请选择走访形式。")]
    if not data.content.strip():
        errors["content"] = [_("请填写帮扶或走访内容。")]
    return kind, errors


def _fill(entry: PairingEntry, kind: SupportKind, data: EntryInput) -> None:
    entry.kind, entry.occurred_on = kind, data.occurred_on
    entry.form = data.form if kind == SupportKind.VISIT else ""
    entry.amount, entry.content = data.amount, data.content.strip()


def _entry_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """An entry's change as its pairing's audit keeps it: entry.kind, entry.occurred_on …"""
    return {f"entry.{k}": v for k, v in audit.diff(before, after).items()}


def add_entry(pairing: Pairing, data: EntryInput, user: User) -> tuple[PairingEntry | None, Errors]:
    """Log support or a visit against `pairing`: a date within the pairing, not after today."""
    kind, errors = _check_entry(pairing, data)
    if errors:
        return None, errors
    assert kind is not None and data.occurred_on is not None
    entry = PairingEntry(pairing_id=pairing.id, created_by_id=user.id)
    _fill(entry, kind, data)
    db.session.add(entry)
    db.session.flush()
    audit.record(user, "create", "pairing", pairing.id, _entry_changes({}, audit.snapshot(entry, ENTRY_FIELDS)))
    return entry, {}


#: What of the record an entry was reported as follows the entry (its amount is in the 帮扶内容), and where the
#: record's errors show on the entry's form (the rest: beside 内容).
FOLLOWING = ("occurred_on", "title", "description", "support")
RECORD_FIELDS = {"occurred_on": "occurred_on"}


def update_entry(entry: PairingEntry, data: EntryInput, user: User) -> Errors:
    """Correct a support or visit entry. A 联一户 record it was reported as follows it (its date, title, content
    and amount), by the records' own rules (registers.linked_refusal): otherwise the entry stays as it is."""
    refused = registers.linked_refusal(entry.activity, user)
    if refused:
        return {"content": [refused]}
    kind, errors = _check_entry(entry.pairing, data)
    if errors:
        return errors
    assert kind is not None
    before = audit.snapshot(entry, ENTRY_FIELDS)
    _fill(entry, kind, data)
    db.session.flush()
    changes = _entry_changes(before, audit.snapshot(entry, ENTRY_FIELDS))
    if not changes:
        return {}
    audit.record(user, "update", "pairing", entry.pairing_id, changes)
    if entry.activity is None:
        return {}
    return registers.change_linked(entry.activity, Category.PAIRING, _record_of(entry, entry.activity.kind),
                                   FOLLOWING, user, RECORD_FIELDS, "content")


def delete_entry(entry: PairingEntry, user: User) -> tuple[list[str], str]:
    """Remove a support or visit entry, and the 联一户 record it was reported as when that record may be deleted
    (a draft never submitted: registers.linked_refusal); otherwise nothing. (The sha256s of the record's evidence
    files to discard once committed, the reason it may not go.)"""
    activity = entry.activity
    refused = registers.linked_refusal(activity, user, deleting=True)
    if refused:
        return [], refused
    gone = {f"entry.{k}": (v, None) for k, v in audit.snapshot(entry, ENTRY_FIELDS).items() if audit.as_text(v)}
    audit.record(user, "delete", "pairing", entry.pairing_id, gone)
    db.session.delete(entry)
    db.session.flush()
    return registers.remove_linked(activity, user) if activity is not None else ([], "")


def span_text(pairing: Pairing) -> str:
    start = pairing.starts_on.isoformat()
    return _("%(start)s 起", start=start) if pairing.ends_on is None else f"{start} — {pairing.ends_on.isoformat()}"


def entry_label(entry: PairingEntry) -> str:
    """技术帮扶, 资金帮扶, 走访（春节送温暖）, in the reader's language."""
    if entry.kind == SupportKind.VISIT:
        return _("走访（%(form)s）", form=_(entry.form)) if entry.form else _("走访")
    return _("%(kind)s帮扶", kind=_(entry.kind.label))


def stored_label(entry: PairingEntry) -> str:
    """The same words in Chinese, as a record made from the entry keeps them whatever language its clerk reads."""
    if entry.kind == SupportKind.VISIT:
        return f"走访（{entry.form}）" if entry.form else "走访"
    return f"{entry.kind.label}帮扶"


def _record_of(entry: PairingEntry, kind: str) -> records.Entry:
    """The 联一户 record of kind `kind` an entry makes (报送核实), or makes again once corrected."""
    pairing = entry.pairing
    amount = entry.amount if entry.kind in MONEY else None
    support = stored_label(entry) + (f"，{amount.normalize():f} 元" if amount else "")
    return records.Entry(subject=registers.subject_value(pairing), kind=kind, occurred_on=entry.occurred_on,
                         title=f"{pairing.counterpart.name}：{stored_label(entry)}"[:200],
                         description=entry.content, counterpart=pairing.counterpart.name[:120],
                         support=f"{support}：{entry.content}", pairing=pairing.id)


def entry_to_record(entry: PairingEntry, user: User, entered_by: int | None = None) -> tuple[Activity, Errors]:
    """报送核实: the 联一户 record the rule files score, made from a support or visit entry and submitted for
    verification in one step. It goes through the records' own checks (open year, the kind in the rule file, the
    entering unit, duplicates); it names the pairing, so one pairing counts once per item and period."""
    if entry.activity_id is not None:
        return Activity(), {"title": [_("这条帮扶记录已报送为履职记录。")]}
    data = _record_of(entry, entry.pairing.kind)
    data.entered_by = entered_by
    return registers.report(Category.PAIRING, data, user, entry, "pairing", entry.pairing.id, "entry.activity_id")


def export_rows(rows: Iterable[Pairing], user: User) -> Iterator[list[Any]]:
    """Pairings in the import's column order (app.spreadsheets.columns.PAIRINGS); the phone only where `user` may
    read it."""
    for p in rows:
        c = p.counterpart
        yield [p.code, *registers.subject_cells(p), p.kind, c.kind.label, c.name, c.place, c.needs, c.contact,
               c.phone if may_see_phone(user, p.unit_ids) else "", p.starts_on, p.ends_on, p.note]
