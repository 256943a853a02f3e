"""What the 联一户 and 引一企 registers share: whose a pairing or a project is (a member, or a CPPCC unit), who changes
them, their numbers (JD0001, YQ0001), and turning one of their entries into the record the rules score."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import audit
from app.activities import services as records
from app.auth.scope import scoped
from app.extensions import db
from app.forms import select_choices
from app.models import Activity, Category, Member, RecordState, Role, Unit, User
from app.web import db_id

Errors = dict[str, list[str]]
EDIT_ROLES = (Role.CLERK, Role.OFFICE, Role.ADMIN)
OFFICE_ROLES = (Role.OFFICE, Role.ADMIN)  # who reads a register row's 变更记录
READ_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.MEMBER)


def may_edit(user: User) -> bool:
    """Clerks and the office change the registers' rows in their scope (`scoped` decides which); others only read."""
    return user.role in EDIT_ROLES


def page_context(row: Any, entity: str, user: User) -> dict[str, Any]:
    """What a pairing's or project's page shows beside its own rows: whether the user may change it, the units a
    clerk reports its records for (报送核实), its 变更记录 (the office's only), and whether an entry reported as a
    record may be edited or deleted (`changeable`, `removable`: the record's rules)."""
    history = audit.history(entity, row.id) if user.role in OFFICE_ROLES else []
    entering = records.entering_units(user, row.unit_ids) if user.role == Role.CLERK else []
    return {"can_edit": may_edit(user), "entering": entering, "history": history,
            "names": audit.actor_names(history), "shown": audit.names(history), "actions": audit.ACTION_LABELS,
            "fields": audit.FIELD_LABELS,
            "changeable": lambda activity: not linked_refusal(activity, user),  # 编辑 of an entry reported as it
            "removable": lambda activity: not linked_refusal(activity, user, deleting=True)}


def linked_records(column: sa.ColumnElement[int | None], row_id: int, user: User) -> list[Activity]:
    """The records naming a pairing or project (`column`: Activity.pairing_id …) that `user` may see, oldest first."""
    return list(db.session.scalars(scoped(Activity, user).where(column == row_id)
                                   .order_by(Activity.occurred_on, Activity.id)))


def subject(raw: str, user: User, errors: Errors) -> records.Subject | None:
    """A member of the user's units, or one of the user's CPPCC units ("m:<id>", "u:<id>"); else an error."""
    found = records.subject_named(raw, user)
    if found is None or found.party_member is not None or (
            found.unit is not None and found.unit not in records.subject_units(user)):
        errors["subject"] = [_("请选择您负责单位的委员或单位。")]
        return None
    return found


def subject_ids(found: records.Subject) -> tuple[int | None, int | None]:
    """(member_id, unit_id) of a register row for `found`: exactly one is set."""
    if found.member is not None:
        return found.member.id, None
    return None, found.unit.id if found.unit is not None else None


def keep_subject(row: Any, found: records.Subject | None, column: sa.ColumnElement[Any], errors: Errors) -> None:
    """A pairing or project some record names keeps its subject: the records are that subject's (an error beside
    the field otherwise). `column`: the records' column naming the register (Activity.pairing_id …)."""
    if row.id is None or found is None or subject_ids(found) == (row.member_id, row.unit_id):
        return
    if db.session.scalar(sa.select(Activity.id).where(column == row.id).limit(1)) is not None:
        errors["subject"] = [_("已有履职记录关联到这里，不能更换委员或单位。")]


def subject_value(row: Any) -> str:
    """The picker's value of a pairing's or project's subject."""
    return f"m:{row.member_id}" if row.member_id else f"u:{row.unit_id}"


def subject_choices(user: User) -> list[SelectChoice]:
    """Members of the user's units, then the user's CPPCC units (all of them for the office)."""
    members = [(f"m:{m.id}", f"{m.name}（{m.code}）") for m in records.subject_members()]
    units = [(f"u:{u.id}", u.name) for u in records.subject_units(user)]
    return select_choices(members, optgroup=_("委员")) + select_choices(units, optgroup=_("单位"))


def subject_cells(row: Any) -> tuple[str, str, str]:
    """(委员 or 单位, code, name) of a pairing's or project's subject, as the import sheets have them."""
    if row.member is not None:
        return "委员", row.member.code, row.member.name
    return "单位", row.unit.code if row.unit else "", row.unit.name if row.unit else ""


def of_unit(model: Any, unit_id: int) -> sa.ColumnElement[bool]:
    """A unit's own rows of a register and those of its members."""
    members = sa.select(Member.id).where(
        sa.or_(Member.sector_id == unit_id, Member.committee_id == unit_id, Member.liaison_id == unit_id))
    return sa.or_(model.unit_id == unit_id, model.member_id.in_(members))


def subject_sort(model: Any) -> sa.ColumnElement[Any]:
    """A register's rows by their subject's name (the member's, else the unit's)."""
    return sa.func.coalesce(sa.select(Member.name).where(Member.id == model.member_id).scalar_subquery(),
                            sa.select(Unit.name).where(Unit.id == model.unit_id).scalar_subquery())


def list_filters(name: str, allowed: Iterable[str]) -> dict[str, object]:
    """A register list's filters: `q`, `unit`, `year` and its own `name` (one of `allowed`, else none)."""
    year = request.args.get("year", 0, type=int)
    return {"q": request.args.get("q", ""), "unit": request.args.get("unit", 0, type=db_id) or "",
            name: value if (value := request.args.get(name, "")) in allowed else "",
            "year": year if 2000 <= year <= 2100 else ""}


def filter_units() -> list[Unit]:
    """The CPPCC units a register list may be narrowed to: the user's (all for the county's roles)."""
    return list(db.session.scalars(scoped(Unit).where(Unit.kind.in_(records.SUBJECT_UNIT_KINDS))
                                   .order_by(Unit.kind, Unit.sort_order, Unit.id)))


def next_code(column: sa.ColumnElement[str], prefix: str) -> str:
    """The next free number after the highest in use: JD0001, JD0002 …"""
    numbers = [int(c[len(prefix):]) for c in db.session.scalars(sa.select(column).where(column.like(f"{prefix}%")))
               if c[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def store(row: Any, found: records.Subject, values: dict[str, Any], user: User, entity: str,
          fields: tuple[str, ...], prefix: str) -> None:
    """Copy a checked form onto a pairing or project (new: numbered `prefix`0001 …) with its subject, and audit the
    change under `entity` (`fields`: the columns the audit compares)."""
    is_new = row.id is None
    before = {} if is_new else audit.snapshot(row, fields)
    if is_new:
        row.code = next_code(type(row).code, prefix)
        row.created_by_id = user.id
    row.member_id, row.unit_id = subject_ids(found)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(row, [name for name in ("member", "unit", "counterpart") if hasattr(row, name)])  # the new ids
    audit.record(user, "create" if is_new else "update", entity, row.id,
                 audit.diff(before, audit.snapshot(row, fields)))


def report(category: Category, data: records.Entry, user: User, source: Any, entity: str, owner_id: int,
           field: str) -> tuple[Activity, Errors]:
    """报送核实: the record made from a register entry (`source`: a support entry, a stage reached), submitted for
    verification through the records' own checks (open year, the kind in the rule file, the entering unit,
    duplicates); `source` then points at it, and the owner's (`entity`, `owner_id`) audit says so under `field`."""
    activity = Activity()
    errors = records.save(activity, category, data, user, submit=True)
    if errors:
        return activity, errors
    source.activity_id = activity.id
    db.session.flush()
    audit.record(user, "update", entity, owner_id, {field: (None, activity.id)})
    return activity, {}


def linked_refusal(activity: Activity | None, user: User, deleting: bool = False) -> str:
    """Why `user` may not change (`deleting`: remove) an entry that was reported as `activity`; "" when they may.

    The record changes (or goes) with its entry, so the records' own rules decide (activities.services.can_edit,
    can_delete): only a record its user may edit, a draft or a returned one not yet used for a final award list, is
    changed with its entry; only a draft never submitted is deleted with it. A submitted or verified record, or one
    of a finalised list, keeps its entry as it is."""
    if activity is None or (records.can_delete if deleting else records.can_edit)(activity, user):
        return ""
    if user.role not in records.roles_for(activity):
        return _("您不能修改这条登记报送的履职记录。")
    if not records.owns(activity, user):
        return records.not_owner_text(activity)
    if activity.locked:
        return _("这条登记报送的履职记录已用于定稿的表彰名单，不能修改或删除。")
    if deleting:
        return _("这条登记已报送为履职记录（%(state)s）；履职记录只有从未提交过的草稿可以删除，这条登记也就不能删除，"
                 "如有错误请修改。", state=_(activity.state.label))
    if activity.state == RecordState.VERIFIED:
        return _("这条登记报送的履职记录已核实，不能修改；如需更正，请办公室先重新打开该记录。")
    return _("这条登记报送的履职记录正在等待核实，不能修改；如需更正，请办公室先退回该记录。")


def change_linked(activity: Activity, category: Category, made: records.Entry, follows: tuple[str, ...],
                  user: User, fields: dict[str, str], default: str) -> Errors:
    """The record an entry was reported as, changed with it: the fields `follows` (occurred_on, description …) take
    their values from `made` (the record as the entry now makes it), the rest stay as the record has them (its
    state, 录入单位, declared fields and evidence too); saved through the records' own checks (open year, the kind
    in the rule file, duplicates …) as its edit form would. The record's errors come back under the entry form's
    fields: `fields` renames the record's (occurred_on → reached_on …), the rest go to `default`."""
    data = records.entry_of(activity, **{name: getattr(made, name) for name in follows})
    errors: Errors = {}
    for name, messages in records.save(activity, category, data, user, submit=False).items():
        errors.setdefault(fields.get(name, default), []).extend(messages)
    return errors


def remove_linked(activity: Activity, user: User) -> tuple[list[str], str]:
    """The record an entry was reported as, deleted with it as a draft is (activities.services.delete_draft): the
    evidence files' sha256s to discard once committed, and the reason it may not go ("" when it went)."""
    shas, error = records.delete_draft(activity, user, activity.version)
    return shas, error or ""


def reported(step: Callable[[int | None], tuple[Activity, Errors]], back: str) -> Response:
    """The view's end of 报送核实: `step(entered_by)` in one transaction; the new record's page, or `back` with the
    errors said."""
    chosen = request.form.get("entered_by", "")
    activity, errors = step(int(chosen) if chosen.isdigit() else None)
    if errors:
        db.session.rollback()
        for message in error_lines(errors):
            flash(message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("已生成履职记录并提交核实；可在记录页补充证明材料。"), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


def error_lines(errors: Errors) -> list[str]:
    """Every message of a service's errors, in order, once."""
    return list(dict.fromkeys(m for messages in errors.values() for m in messages))
