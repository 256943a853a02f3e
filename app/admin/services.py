"""Administration use cases: the unit tree, units, enterprises, accounts, the login and audit logs, the award
settings' defaults (stored through app.settings). Flush, never commit.

Every change is written to the audit log in the same transaction (app.audit).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import sessions
from app.auth.passwords import policy_errors
from app.auth.services import address_locks, forget_failures, set_password
from app.extensions import db
from app.models import (Activity, AuditLog, BranchForm, Enterprise, LoginEvent, Meeting, Member, PartyMember,
                        PartyStatus, Role, Unit, UnitKind, User, user_unit)
from app.timeutil import utcnow

Errors = dict[str, list[str]]

# The kinds a unit of each kind may sit under; an empty set: a top unit, without a parent.
PARENT_KINDS: dict[UnitKind, frozenset[UnitKind]] = {
    UnitKind.CPPCC: frozenset(),
    UnitKind.PARTY_COMMITTEE: frozenset(),
    UnitKind.COMMITTEE: frozenset({UnitKind.CPPCC}),
    UnitKind.SECTOR_GROUP: frozenset({UnitKind.CPPCC}),
    UnitKind.LIAISON_OFFICE: frozenset({UnitKind.CPPCC}),
    UnitKind.GENERAL_BRANCH: frozenset({UnitKind.PARTY_COMMITTEE}),
    UnitKind.BRANCH: frozenset({UnitKind.GENERAL_BRANCH, UnitKind.PARTY_COMMITTEE}),
}
PARENT_CAPABLE = [k for k in UnitKind if any(k in kinds for kinds in PARENT_KINDS.values())]

# The unit kinds a clerk or a liaison may act for; other roles act for no unit.
ROLE_UNIT_KINDS: dict[Role, tuple[UnitKind, ...]] = {
    Role.CLERK: (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE),
    Role.LIAISON: (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH),
}

OWNER_FIELDS = ("owner_name", "owner_title", "owner_phone")
# A 企业主's phone: what the owner form and the enterprise import accept (a mobile, 0724-1234567, +86 …)
OWNER_PHONE = re.compile(r"^[0-9+\- ]*$")
OWNER_PHONE_TEXT = _l("电话号码只能包含数字、空格、+ 和 -。")
ENTERPRISE_FIELDS = ("name", "industry", "employees", *OWNER_FIELDS)

LOGIN_RESULTS: dict[str, Any] = {
    "ok": _l("成功"),
    "bad_password": _l("密码错误"),
    "unknown_user": _l("用户不存在"),
    "locked": _l("锁定中，未核对密码"),
    "locked_now": _l("连续失败，该地址被锁定"),  # out of this account only
    "account_locked": _l("失败过多，账号被锁定"),
    "bad_current": _l("改密码时当前密码错误"),
    "disabled": _l("账号已停用"),
    "demo_off": _l("演示账号未启用"),
}


def _or(kinds: frozenset[UnitKind] | tuple[UnitKind, ...]) -> str:
    """专门委员会、界别活动组或乡镇政协联络处: the labels in a Chinese list ending in 或."""
    labels = [_(k.label) for k in UnitKind if k in kinds]
    last = labels.pop()
    return _("%(first)s或%(last)s", first="、".join(labels), last=last) if labels else last


# Units ---------------------------------------------------------------------------------------------------------

@dataclass
class UnitNode:
    """A unit in the tree, with the people in it or below it (each counted once) and its depth."""

    unit: Unit
    depth: int
    people: int = 0
    probationary: int = 0
    children: list[UnitNode] = field(default_factory=list)


def _forest(units: list[Unit]) -> dict[int | None, list[Unit]]:
    """Children by parent id; a unit whose parent is missing counts as a top unit (key None)."""
    known = {u.id for u in units}
    kind_order = {kind: n for n, kind in enumerate(UnitKind)}
    children: dict[int | None, list[Unit]] = {}
    for unit in sorted(units, key=lambda u: (kind_order[u.kind], u.sort_order, u.id)):  # 专委会, 界别, 联络处
        children.setdefault(unit.parent_id if unit.parent_id in known else None, []).append(unit)
    return children


def unit_tree() -> list[UnitNode]:
    """Every unit as a forest (top units first), with active members (委员) or party members (党员) counted.

    A CPPCC unit counts the members who belong to it and the CPPCC itself all its members, once each; a party
    unit counts the party members of the branches at or below it.
    """
    units = list(db.session.scalars(sa.select(Unit).options(selectinload(Unit.enterprises))
                                    .order_by(Unit.sort_order, Unit.id)))
    members: dict[int, int] = {}
    for column in (Member.sector_id, Member.committee_id, Member.liaison_id):
        for unit_id, n in db.session.execute(sa.select(column, sa.func.count()).where(
                Member.active, column.is_not(None)).group_by(column)):
            members[unit_id] = members.get(unit_id, 0) + n
    all_members = db.session.scalar(sa.select(sa.func.count()).select_from(Member).where(Member.active)) or 0
    party: dict[int, dict[PartyStatus, int]] = {}
    for branch_id, status, n in db.session.execute(
            sa.select(PartyMember.branch_id, PartyMember.status, sa.func.count())
            .where(PartyMember.active).group_by(PartyMember.branch_id, PartyMember.status)):
        party.setdefault(branch_id, {})[status] = n
    children = _forest(units)

    def build(unit: Unit, depth: int) -> UnitNode:
        node = UnitNode(unit, depth, children=[build(c, depth + 1) for c in children.get(unit.id, [])])
        if unit.kind == UnitKind.CPPCC:
            node.people = all_members
        elif unit.kind in (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE):
            node.people = members.get(unit.id, 0)
        else:
            counts = party.get(unit.id, {})
            node.people = sum(counts.values()) + sum(c.people for c in node.children)
            node.probationary = counts.get(PartyStatus.PROBATIONARY, 0) + sum(c.probationary for c in node.children)
        return node

    return [build(unit, 0) for unit in children.get(None, [])]


def flatten(nodes: list[UnitNode]) -> list[UnitNode]:
    """The tree in display order, parents before their children."""
    out: list[UnitNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def parent_choices() -> list[tuple[int, str]]:
    """Units that can have units below them, in tree order, indented by depth."""
    units = list(db.session.scalars(sa.select(Unit).where(Unit.kind.in_(PARENT_CAPABLE))
                                    .order_by(Unit.sort_order, Unit.id)))
    children = _forest(units)
    out: list[tuple[int, str]] = []

    def walk(unit: Unit, depth: int) -> None:
        out.append((unit.id, "\u3000" * depth + f"{unit.name}（{_(unit.kind.label)}）"
                    + ("" if unit.active else _("（已停用）"))))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    for top in children.get(None, []):
        walk(top, 0)
    return out


def _unit_facts(unit: Unit) -> dict[str, Any]:
    facts = audit.snapshot(unit, ("code", "name", "kind", "branch_form", "founded_on", "sort_order", "active"))
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    facts["parent"] = f"{parent.name}（{parent.code}）" if parent else None
    return facts


def _descends_from(candidate: Unit, ancestor_id: int) -> bool:
    """Whether `candidate` is the unit `ancestor_id` or lies below it."""
    seen: set[int] = set()
    node: Unit | None = candidate
    while node is not None and node.id not in seen:
        if node.id == ancestor_id:
            return True
        seen.add(node.id)
        node = db.session.get(Unit, node.parent_id) if node.parent_id else None
    return False


def _in_use(unit_id: int) -> bool:
    checks = [
        sa.select(Member.id).where(sa.or_(Member.sector_id == unit_id, Member.committee_id == unit_id,
                                          Member.liaison_id == unit_id)),
        sa.select(PartyMember.id).where(PartyMember.branch_id == unit_id),
        sa.select(Enterprise.id).where(Enterprise.branch_id == unit_id),
        sa.select(user_unit.c.user_id).where(user_unit.c.unit_id == unit_id),
        sa.select(Activity.id).where(sa.or_(Activity.unit_id == unit_id, Activity.entered_by_unit_id == unit_id)),
        sa.select(Meeting.id).where(Meeting.unit_id == unit_id),
    ]
    return any(db.session.scalar(sa.select(stmt.exists())) for stmt in checks)


def save_unit(unit: Unit, data: Mapping[str, Any], actor: User, ip: str = "") -> Errors:
    """Check and copy form data onto `unit` (new or existing), with an audit row per changed field.

    Returns errors by form field, empty on success. A parent must fit the kind (PARENT_KINDS); a unit cannot
    sit under itself or a unit below it; only a 党支部 has, and must have, a 组建方式.
    """
    errors: Errors = {}
    code = data["code"].strip()
    kind = UnitKind[data["kind"]]
    parent = db.session.get(Unit, data["parent_id"]) if data["parent_id"] else None
    branch_form = BranchForm[data["branch_form"]] if data["branch_form"] else None

    if db.session.scalar(sa.select(Unit.id).where(Unit.code == code, Unit.id != (unit.id or 0))):
        errors["code"] = [_("编号 %(code)s 已被其他单位使用。", code=code)]

    allowed = PARENT_KINDS[kind]
    if data["parent_id"] and parent is None:
        errors["parent_id"] = [_("所选上级单位不存在，请重新选择。")]
    elif parent is not None and unit.id is not None and _descends_from(parent, unit.id):
        errors["parent_id"] = [_("不能把单位放在它自己或它的下级单位之下。")]
    elif not allowed and parent is not None:
        errors["parent_id"] = [_("%(kind)s是最上级单位，不能有上级单位。", kind=_(kind.label))]
    elif allowed and parent is None:
        errors["parent_id"] = [_("请选择上级单位：%(kind)s须设在%(parents)s之下。", kind=_(kind.label),
                                      parents=_or(allowed))]
    elif parent is not None and parent.kind not in allowed:
        errors["parent_id"] = [_("%(kind)s须设在%(parents)s之下，不能设在%(parent_kind)s“%(parent)s”之下。",
                                 kind=_(kind.label), parents=_or(allowed), parent_kind=_(parent.kind.label),
                                 parent=parent.name)]

    if unit.id is not None:
        if kind != unit.kind and _in_use(unit.id):
            errors.setdefault("kind", []).append(_("该单位已有委员、党员、企业、用户或记录，不能修改单位类型。"))
        for child in db.session.scalars(sa.select(Unit).where(Unit.parent_id == unit.id)):
            if kind not in PARENT_KINDS[child.kind]:
                errors.setdefault("kind", []).append(
                    _("下级单位“%(child)s”（%(child_kind)s）不能设在%(kind)s之下，请先调整下级单位。",
                      child=child.name, child_kind=_(child.kind.label), kind=_(kind.label)))

    if kind == UnitKind.BRANCH and branch_form is None:
        errors["branch_form"] = [_("党支部须选择组建方式：单独组建或联合支部。")]
    elif kind != UnitKind.BRANCH and branch_form is not None:
        errors["branch_form"] = [_("只有党支部需要选择组建方式，其他单位请留空。")]
    elif branch_form == BranchForm.SINGLE and unit.id is not None:
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)
                              .where(Enterprise.branch_id == unit.id)) or 0
        if n > 1:
            errors["branch_form"] = [_("该支部联系 %(n)s 家企业，单独组建的支部只能有一家企业；请改为联合支部。", n=n)]
    if errors:
        return errors

    before = _unit_facts(unit) if unit.id is not None else {}
    unit.code = code
    unit.name = data["name"].strip()
    unit.kind = kind
    unit.parent_id = parent.id if parent else None
    unit.branch_form = branch_form
    unit.founded_on = data.get("founded_on") if kind == UnitKind.BRANCH else None
    unit.sort_order = data.get("sort_order") or 0
    unit.active = bool(data["active"])
    db.session.add(unit)
    db.session.flush()
    changes = audit.diff(before, _unit_facts(unit))
    if changes:  # saving an unchanged form leaves no trace
        audit.record(actor, "update" if before else "create", "unit", unit.id, changes, ip=ip)
    return {}


def save_enterprise(enterprise: Enterprise, branch: Unit | None, data: Mapping[str, Any], actor: User,
                    ip: str = "") -> Errors:
    """Check and copy form data onto `enterprise` of `branch` (None: an enterprise with no branch yet, a possible
    空白点); a 单独组建 branch has at most one enterprise."""
    name = data["name"].strip()
    if db.session.scalar(sa.select(Enterprise.id).where(Enterprise.name == name,
                                                        Enterprise.id != (enterprise.id or 0))):
        return {"name": [_("企业“%(name)s”已经登记过了。", name=name)]}
    single = branch is not None and branch.branch_form == BranchForm.SINGLE
    if enterprise.id is None and single and branch.enterprises:
        return {"name": [_("单独组建的党支部只能有一家企业；如有多家企业，请先把支部改为联合支部。")]}
    if errors := owner_errors(data):
        return errors
    before = audit.snapshot(enterprise, ENTERPRISE_FIELDS) if enterprise.id is not None else {}
    enterprise.name = name
    enterprise.industry = (data.get("industry") or "").strip()
    enterprise.employees = data.get("employees") or 0
    _copy_owner(enterprise, data)
    enterprise.branch_id = branch.id if branch is not None else None
    db.session.add(enterprise)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(enterprise, ENTERPRISE_FIELDS))
    if not before and branch is not None:
        changes["branch"] = (None, f"{branch.name}（{branch.code}）")
    if changes:
        audit.record(actor, "update" if before else "create", "enterprise", enterprise.id, changes, ip=ip)
    return {}


def save_owner(enterprise: Enterprise, data: Mapping[str, Any], actor: User, ip: str = "") -> Errors:
    """The enterprise's 企业主 alone (name, 职务, phone): what the liaison and the office keep, audited."""
    if errors := owner_errors(data):
        return errors
    before = audit.snapshot(enterprise, OWNER_FIELDS)
    _copy_owner(enterprise, data)
    db.session.flush()
    if changes := audit.diff(before, audit.snapshot(enterprise, OWNER_FIELDS)):
        audit.record(actor, "update", "enterprise", enterprise.id, changes, ip=ip)
    return {}


def owner_errors(data: Mapping[str, Any]) -> Errors:
    """What is wrong with a 企业主 (the owner fields of `data`; a field not in it is not checked): a phone of other
    characters than digits, spaces, + and -, a 职务 or phone without a name. The owner form's and the enterprise
    import's one check (lengths and line breaks are the form's fields' and the import's own)."""
    errors: Errors = {}
    phone = (data.get("owner_phone") or "").strip()
    if phone and not OWNER_PHONE.match(phone):
        errors["owner_phone"] = [str(OWNER_PHONE_TEXT)]
    if not (data.get("owner_name") or "").strip() and any((data.get(k) or "").strip() for k in OWNER_FIELDS[1:]):
        errors["owner_name"] = [_("请填写企业主姓名；职务和电话是企业主的。")]
    return errors


def _copy_owner(enterprise: Enterprise, data: Mapping[str, Any]) -> None:
    for key in OWNER_FIELDS:
        if key in data:
            setattr(enterprise, key, (data[key] or "").strip())


# Users ---------------------------------------------------------------------------------------------------------

def user_query(q: str = "", role: Role | None = None) -> sa.Select[tuple[User]]:
    """Accounts whose username or name contains `q`, of `role` if given; units loaded up front."""
    stmt = sa.select(User).options(selectinload(User.units), selectinload(User.member))
    q = q.strip()[:40]
    if q:
        stmt = stmt.where(sa.or_(User.username.contains(q, autoescape=True),
                                 User.display_name.contains(q, autoescape=True)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt.order_by(User.username)


def unit_choices(current: list[Unit] | None = None) -> dict[str, list[tuple[int, str]]]:
    """Units a clerk or a liaison may act for, grouped by kind for <optgroup>; inactive ones only if assigned."""
    kinds = [k for kinds in ROLE_UNIT_KINDS.values() for k in kinds]
    keep = {u.id for u in current or []}
    groups: dict[str, list[tuple[int, str]]] = {}
    for unit in db.session.scalars(sa.select(Unit).where(Unit.kind.in_(kinds))
                                   .order_by(Unit.sort_order, Unit.id)):
        if unit.active or unit.id in keep:
            groups.setdefault(unit.kind.label, []).append((unit.id, unit.name + ("" if unit.active else _("（已停用）"))))
    return {kind.label: groups[kind.label] for kind in kinds if kind.label in groups}


def member_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    """Members without an account (and the one already linked), by code."""
    taken = sa.select(User.member_id).where(User.member_id.is_not(None))
    if current_id:
        taken = taken.where(User.member_id != current_id)
    stmt = (sa.select(Member).options(selectinload(Member.sector)).where(Member.id.not_in(taken))
            .where(sa.or_(Member.active, Member.id == (current_id or 0))).order_by(Member.code))
    return [(m.id, f"{m.code} {m.name}（{m.sector.name}）") for m in db.session.scalars(stmt)]


def _user_facts(user: User) -> dict[str, Any]:
    facts = audit.snapshot(user, ("username", "display_name", "role", "active", "email"))
    facts["units"] = [f"{u.name}（{u.code}）" for u in user.units]
    member = db.session.get(Member, user.member_id) if user.member_id else None
    facts["member"] = f"{member.name}（{member.code}）" if member else None
    return facts


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    """Whether the whole account is locked (every address)."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def locked_addresses(user: User) -> list[tuple[str, dt.datetime]]:
    """The client addresses locked out of `user` now, each with the end of its lock; the latest first."""
    return [(t.ip, t.locked_until) for t in address_locks(user) if t.locked_until is not None]


def save_user(user: User, data: Mapping[str, Any], actor: User, config: Mapping[str, Any],
              ip: str = "") -> Errors:
    """Check and copy form data onto `user`; a new user (no id) also gets its username and initial password.

    A clerk or liaison needs at least one unit of the kinds in ROLE_UNIT_KINDS; a member account needs a member
    without another account; an admin cannot take away their own role or disable themselves. A new account must
    change its password at first sign-in.
    """
    errors: Errors = {}
    new = user.id is None
    role = Role[data["role"]]
    username = (data.get("username") or "").strip() if new else user.username
    if new and db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = [_("用户名 %(name)s 已被使用。", name=username)]
    if new:
        problems = policy_errors(data["password"])
        if problems:
            errors["password"] = problems

    unit_ids = list(dict.fromkeys(data.get("unit_ids") or []))
    units = list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids)))) if unit_ids else []
    units.sort(key=lambda u: unit_ids.index(u.id))
    kinds = ROLE_UNIT_KINDS.get(role)
    assigned = {u.id for u in user.units} if not new else set()
    if len(units) < len(unit_ids):
        errors["unit_ids"] = [_("所选单位不存在，请重新选择。")]
    elif any(not u.active and u.id not in assigned for u in units):
        errors["unit_ids"] = [_("“%(name)s”已停用，不能再分配。", name=u.name) for u in units
                              if not u.active and u.id not in assigned]
    elif kinds is None and units:
        errors["unit_ids"] = [_("%(role)s不负责具体单位，请取消所选单位。", role=_(role.label))]
    elif kinds is not None and not units:
        errors["unit_ids"] = [_("%(role)s须至少选择一个负责单位（%(kinds)s）。", role=_(role.label),
                                        kinds=_or(kinds))]
    elif kinds is not None:
        wrong = [u for u in units if u.kind not in kinds]
        if wrong:
            errors["unit_ids"] = [_("“%(name)s”是%(kind)s，%(role)s只能负责%(kinds)s。", name=u.name,
                                    kind=_(u.kind.label), role=_(role.label), kinds=_or(kinds)) for u in wrong]

    member_id = data.get("member_id") or None
    if role == Role.MEMBER and member_id is None:
        errors["member_id"] = [_("政协委员账号须选择对应的委员。")]
    elif role != Role.MEMBER and member_id is not None:
        errors["member_id"] = [_("只有政协委员账号需要选择对应委员，其他角色请留空。")]
    elif member_id is not None:
        if db.session.get(Member, member_id) is None:
            errors["member_id"] = [_("所选委员不存在。")]
        else:
            other = db.session.scalar(sa.select(User).where(User.member_id == member_id, User.id != (user.id or 0)))
            if other is not None:
                errors["member_id"] = [_("该委员已有账号 %(name)s。", name=other.username)]

    if not new and user.id == actor.id:
        if role != Role.ADMIN:
            errors["role"] = [_("不能取消自己的系统管理员角色。")]
        if not data["active"]:
            errors["active"] = [_("不能停用自己正在使用的账号。")]
    if errors:
        return errors

    before = {} if new else _user_facts(user)
    if not new and (user.role != role or user.active != bool(data.get("active", True))):
        sessions.end_all(user)  # signed in under the old role, or before being disabled: sign in again
    if new:
        user.username = username
    user.display_name = data["display_name"].strip()
    user.role = role
    user.units = units
    user.member_id = member_id
    user.active = bool(data.get("active", True))
    user.email = (data.get("email") or "").strip()
    db.session.add(user)
    if new:
        set_password(user, data["password"], config, must_change=True)
    db.session.flush()
    changes = audit.diff(before, _user_facts(user))
    if new:
        changes["password"] = ("", "")  # the field's name only, never the value
    if changes:
        audit.record(actor, "create" if new else "update", "user", user.id, changes, ip=ip)
    return {}


def reset_password(user: User, password: str, actor: User, config: Mapping[str, Any], ip: str = "") -> Errors:
    """Give `user` a temporary password to change at next sign-in, lift any lockout (the account's and each
    address's), and end the account's sessions."""
    problems = policy_errors(password)
    if problems:
        return {"password": problems}
    changes: dict[str, tuple[Any, Any]] = {"password": ("", "")}
    changes.update(audit.diff(audit.snapshot(user, ("must_change_password", "failed_logins", "locked_until")),
                              {"must_change_password": True, "failed_logins": 0, "locked_until": None}))  # a flag  # nosec B105
    set_password(user, password, config, must_change=True)
    if addresses := forget_failures(user):
        changes["locked_addresses"] = ("、".join(addresses), "")
    audit.record(actor, "reset_password", "user", user.id, changes, ip=ip)
    return {}


def unlock(user: User, actor: User, ip: str = "") -> None:
    """Lift the lockouts after failed sign-ins: the account's and each address's; the password stays as it is."""
    changes = audit.diff(audit.snapshot(user, ("failed_logins", "locked_until")),
                         {"failed_logins": 0, "locked_until": None})
    if addresses := forget_failures(user):
        changes["locked_addresses"] = ("、".join(addresses), "")
    if changes:
        audit.record(actor, "unlock", "user", user.id, changes, ip=ip)


# Login log -----------------------------------------------------------------------------------------------------

def login_events(username: str = "", result: str = "", start: dt.datetime | None = None,
                 end: dt.datetime | None = None) -> sa.Select[tuple[LoginEvent]]:
    """Sign-in attempts, newest first; `start` inclusive and `end` exclusive, both naive UTC."""
    stmt = sa.select(LoginEvent)
    username = username.strip()[:40]
    if username:
        stmt = stmt.where(LoginEvent.username.contains(username, autoescape=True))
    if result:
        stmt = stmt.where(LoginEvent.result == result)
    if start is not None:
        stmt = stmt.where(LoginEvent.at >= start)
    if end is not None:
        stmt = stmt.where(LoginEvent.at < end)
    return stmt.order_by(LoginEvent.at.desc(), LoginEvent.id.desc())


# Audit log -----------------------------------------------------------------------------------------------------

def audit_entries(entity: str = "", action: str = "", actor: str = "", start: dt.datetime | None = None,
                  end: dt.datetime | None = None) -> sa.Select[tuple[AuditLog]]:
    """Audit rows, newest first: of an entity kind, an action, by users whose username or name contains
    `actor`; `start` inclusive and `end` exclusive, both naive UTC."""
    stmt = audit.log_query(entity)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    actor = actor.strip()[:40]
    if actor:
        stmt = stmt.where(AuditLog.user_id.in_(sa.select(User.id).where(sa.or_(
            User.username.contains(actor, autoescape=True), User.display_name.contains(actor, autoescape=True)))))
    if start is not None:
        stmt = stmt.where(AuditLog.at >= start)
    if end is not None:
        stmt = stmt.where(AuditLog.at < end)
    return stmt


AWARD_DEFAULTS = {"approving_body": "常委会议", "publicity_days": "7"}  # the award settings and their defaults
