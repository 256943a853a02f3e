"""What the 联一户 and 引一企 registers share: whose a pairing or a project is (a member, or a CPPCC unit), who changes
them, their numbers (JD0001, YQ0001), and turning one of their entries into the record the rules score."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.activities import services as records
from app.auth.scope import get_or_404
from app.extensions import db
from app.forms import select_choices
from app.models import Activity, Category, Role, User

Errors = dict[str, list[str]]
EDIT_ROLES = (Role.CLERK, Role.OFFICE, Role.ADMIN)
READ_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.MEMBER)


def may_edit(user: User) -> bool:
    """Clerks and the office change the registers' rows in their scope (`scoped` decides which); others only read."""
    return user.role in EDIT_ROLES


def editable(model: type[Any], ident: int, user: User) -> Any:
    """A pairing or project the user may change.

    :raises 404: outside the user's scope. :raises 403: a reader (leader, member).
    """
    row = get_or_404(model, ident)
    if not may_edit(user):
        abort(403)
    return row


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


def subject_value(row: Any) -> str:
    """The picker's value of a pairing's or project's subject."""
    return f"m:{row.member_id}" if row.member_id else f"u:{row.unit_id}"


def subject_choices(user: User) -> list[SelectChoice]:
    """Members of the user's units, then the user's CPPCC units (all of them for the office)."""
    members = [(f"m:{m.id}", f"{m.name}（{m.code}）") for m in records.subject_members()]
    units = [(f"u:{u.id}", u.name) for u in records.subject_units(user)]
    return select_choices(members, optgroup=_("委员")) + select_choices(units, optgroup=_("单位"))


def next_code(column: sa.ColumnElement[str], prefix: str) -> str:
    """The next free number after the highest in use: JD0001, JD0002 …"""
    numbers = [int(c[len(prefix):]) for c in db.session.scalars(sa.select(column).where(column.like(f"{prefix}%")))
               if c[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def report(category: Category, data: records.Entry, user: User) -> tuple[Activity, Errors]:
    """报送核实: the record made from a register entry, submitted for verification through the records' own checks
    (open year, the kind in the rule file, the entering unit, duplicates). The caller links the entry to it."""
    activity = Activity()
    return activity, records.save(activity, category, data, user, submit=True)


def error_lines(errors: Errors) -> list[str]:
    """Every message of a service's errors, in order, once."""
    return list(dict.fromkeys(m for messages in errors.values() for m in messages))
