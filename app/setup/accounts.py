"""Accounts in bulk (批量开户): an account for every member without one, a clerk for every 专委会, 界别活动组 and 联络处
without one, a 党建工作联络员 for the party branches no liaison covers; and re-issuing the one-time passwords of
accounts nobody has signed in to yet. Flush, never commit.

Each account gets a random one-time password (no 0/O/1/l/i look-alikes) that must be changed at the first sign-in.
Only its hash is stored: the passwords leave this module once, in `Issued`, to be printed on the slips
(`slips_pdf`) and the office's table (`slips_xlsx`), and are then gone; a lost slip is re-issued, which resets the
password. Every account made or reset is a row in the audit log.

User names: a member's is the pinyin of the name (张三 → zhangsan, then zhangsan2 …: what people type for a name);
a clerk's is clerk- and the unit's code (clerk-zw01), a liaison's liaison- and the code of the 党总支 or 镇党委.
A liaison account is made for each 党总支 (and for the branches directly under a 镇党委, together) that has branches
no liaison covers, and covers those: who looks after which branch is the 镇党委's decision, so the admin may split
them afterwards, or give a branch added later to an existing liaison on 用户 instead of making another account.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import policy as account_policy
from app.auth.passwords import policy_errors
from app.auth.scope import units_below
from app.auth.services import forget_failures, set_password
from app.extensions import db
from app.imports.export import table_xlsx
from app.models import Member, Role, Term, Unit, UnitKind, User, user_unit
from app.pinyin import readings
from app.timeutil import beijing_today

KINDS: dict[str, Role] = {"member": Role.MEMBER, "clerk": Role.CLERK, "liaison": Role.LIAISON}
KIND_LABELS: dict[str, Any] = {"member": _l("委员账号"), "clerk": _l("单位录入员账号"),
                               "liaison": _l("党建工作联络员账号")}
CLERK_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE)
LOWER = "abcdefghjkmnpqrstuvwxyz"  # no i, l, o
UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
DIGITS = "23456789"  # no 0, 1
# A one-time password is random (about 59 bits), so it needs no slow hash to resist guessing: it gets OWASP's
# smallest argon2id setting, and 260 accounts are made in seconds. Its first sign-in replaces it, with a full hash.
ONE_TIME_COST = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19456, "ARGON2_PARALLELISM": 1}
REASON = "批量开户"


@dataclass(frozen=True)
class Issued:
    """An account made or re-issued now, with the one password that is never stored."""

    user_id: int
    kind: str
    username: str
    password: str
    name: str
    unit: str


@dataclass(frozen=True)
class Pending:
    """An account that `create_accounts` would make: for a member, or for units (a clerk's, a liaison's)."""

    kind: str
    name: str
    unit: str
    member: Member | None = None
    units: tuple[Unit, ...] = ()
    handle: str = ""  # the user name's stem: pinyin, or clerk-<code>


# --- who has no account yet ---------------------------------------------------------------------------------------

def serving_members() -> sa.Select[tuple[Member]]:
    """Active members of a term that is not closed who have not left: the people who should have an account."""
    open_terms = sa.select(Term.id).where(Term.closed_at.is_(None))
    return sa.select(Member).where(Member.active, Member.term_id.in_(open_terms),
                                   sa.or_(Member.left_on.is_(None), Member.left_on >= beijing_today()))


def _member_unit(member: Member) -> str:
    return " · ".join(u.name for u in (member.sector, member.committee, member.liaison) if u is not None)


def members_without_account() -> list[Member]:
    """Serving members with no account at all (a disabled account counts as one), by 界别 then code."""
    has_account = sa.select(User.member_id).where(User.member_id.is_not(None))
    stmt = serving_members().where(Member.id.not_in(has_account)).options(
        selectinload(Member.sector), selectinload(Member.committee), selectinload(Member.liaison))
    return sorted(db.session.scalars(stmt), key=lambda m: (m.sector.sort_order, m.sector_id, m.code))


def _active_role_units(role: Role) -> set[int]:
    """The units some active account of `role` acts for directly."""
    return set(db.session.scalars(sa.select(user_unit.c.unit_id).join(User, User.id == user_unit.c.user_id)
                                  .where(User.role == role, User.active)))


def units_without_clerk() -> list[Unit]:
    """Active 专委会, 界别活动组 and 联络处 that no active clerk acts for, in the order of the unit tree."""
    covered = _active_role_units(Role.CLERK)
    kind_order = {k: n for n, k in enumerate(CLERK_UNIT_KINDS)}
    units = db.session.scalars(sa.select(Unit).where(Unit.kind.in_(CLERK_UNIT_KINDS), Unit.active))
    return sorted((u for u in units if u.id not in covered), key=lambda u: (kind_order[u.kind], u.sort_order, u.id))


def _branch_groups() -> tuple[list[tuple[Unit, list[Unit]]], set[int]]:
    """Active party branches grouped by the unit they sit under (a 党总支, or the 镇党委 itself), and the ids of the
    branches some active liaison covers (directly or through their 党总支)."""
    covered = units_below(_active_role_units(Role.LIAISON))
    groups: dict[int, list[Unit]] = {}
    parents: dict[int, Unit] = {}
    for branch in db.session.scalars(sa.select(Unit).options(selectinload(Unit.parent)).where(
            Unit.kind == UnitKind.BRANCH, Unit.active).order_by(Unit.sort_order, Unit.id)):
        if branch.parent is not None:
            parents[branch.parent.id] = branch.parent
            groups.setdefault(branch.parent.id, []).append(branch)
    return [(parents[i], groups[i]) for i in sorted(groups, key=lambda i: (parents[i].sort_order, i))], covered


def branches_without_liaison() -> list[Unit]:
    """Active party branches that no active liaison covers."""
    groups, covered = _branch_groups()
    return [b for _group, branches in groups for b in branches if b.id not in covered]


def groups_without_liaison() -> list[tuple[Unit, list[Unit]]]:
    """Each 党总支 (or 镇党委) with branches no liaison covers, and those branches: one liaison account each."""
    groups, covered = _branch_groups()
    found = [(group, [b for b in branches if b.id not in covered]) for group, branches in groups]
    return [(group, branches) for group, branches in found if branches]


def pending(kind: str) -> list[Pending]:
    """The accounts of `kind` ("member", "clerk", "liaison") that `create_accounts` would make now."""
    if kind == "member":
        return [Pending("member", m.name, _member_unit(m), member=m) for m in members_without_account()]
    if kind == "clerk":
        return [Pending("clerk", _("%(unit)s录入员", unit=u.name)[:40], u.name, units=(u,),
                        handle=f"clerk-{u.code.lower()}") for u in units_without_clerk()]
    if kind == "liaison":
        return [Pending("liaison", _("%(unit)s党建工作联络员", unit=group.name)[:40],
                        "、".join(b.name for b in branches), units=tuple(branches),
                        handle=f"liaison-{group.code.lower()}") for group, branches in groups_without_liaison()]
    raise ValueError(f"unknown kind {kind!r}")


# --- passwords and user names ---------------------------------------------------------------------------------------

def one_time_password(policy: account_policy.Policy | None = None) -> str:
    """A random password easy to read off paper and type on a phone: groups of four joined by "-" (k7pm-3wx9-rtbh),
    lower-case letters and digits (and capitals when the policy wants four kinds of character), never 0/O/1/l/i;
    long enough for the account policy and always meeting it."""
    policy = policy or account_policy.current()
    groups = max(3, math.ceil((policy.password_min_length + 1) / 5))
    alphabet = LOWER + DIGITS + (UPPER if policy.password_min_classes >= 4 else "")
    while True:
        text = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(groups))
        kinds_present = any(c in LOWER for c in text) and any(c in DIGITS for c in text) and (
            policy.password_min_classes < 4 or any(c in UPPER for c in text))
        if kinds_present and not policy_errors(text, policy):
            return text


def _handle(name: str) -> str:
    """A user name's stem from a person's name: its first pinyin reading in plain letters (张三 → zhangsan)."""
    reading = next(iter(readings(name)), "")
    return re.sub(r"[^a-z0-9]", "", reading.lower())[:30] or "user"


def _unique(stem: str, taken: set[str], separator: str = "") -> str:
    """`stem`, or stem2, stem3 … (stem-2 … with a separator): the first not in `taken`, which it then joins."""
    name, n = stem, 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}{separator}{n}"
    taken.add(name.lower())
    return name


def password_rule(policy: account_policy.Policy | None = None) -> str:
    """The account policy's rule for a new password, in a few words for the slip."""
    policy = policy or account_policy.current()
    return _("至少 %(n)s 位，含小写字母、大写字母、数字、符号中的 %(k)s 类", n=policy.password_min_length,
             k=policy.password_min_classes)


# --- making and re-issuing --------------------------------------------------------------------------------------------

def _one_time_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return {**config, **{key: min(int(config[key]), cost) for key, cost in ONE_TIME_COST.items()}}


def _facts(user: User) -> dict[str, Any]:
    facts = audit.snapshot(user, ("username", "display_name", "role", "active", "must_change_password"))
    facts["units"] = [f"{u.name}（{u.code}）" for u in user.units]
    facts["member"] = f"{user.member.name}（{user.member.code}）" if user.member else None
    return facts


def create_accounts(kinds: Iterable[str], actor: User | None, config: Mapping[str, Any] | None = None,
                    ip: str = "", limit: int | None = None) -> tuple[list[Issued], int]:
    """Make the accounts of `kinds` that are missing (clerks, then liaisons, then members), at most `limit` of them;
    each must change its one-time password at first sign-in. Returns what was made, and how many are still
    missing beyond the limit (0 when all were made). Running it again makes only what is still missing."""
    config = config if config is not None else current_app.config
    hashing = _one_time_config(config)
    policy = account_policy.current()
    todo = [p for kind in ("clerk", "liaison", "member") if kind in set(kinds) for p in pending(kind)]
    left = max(0, len(todo) - limit) if limit is not None else 0
    todo = todo[:limit] if limit is not None else todo
    taken = {name.lower() for name in db.session.scalars(sa.select(User.username))}
    issued = []
    for plan in todo:
        if plan.member is not None:
            username = _unique(_handle(plan.member.name), taken)
        else:
            username = _unique(plan.handle[:36], taken, "-")
        password = one_time_password(policy)
        user = User(username=username, display_name=plan.name[:40], role=KINDS[plan.kind], active=True,
                    member_id=plan.member.id if plan.member else None, units=list(plan.units),
                    password_hash="")  # set just below  # nosec B106
        db.session.add(user)
        db.session.flush()
        set_password(user, password, hashing, must_change=True)
        changes = audit.diff({}, _facts(user))
        changes["password"] = ("", "")  # its name only, never the value
        audit.record(actor, "create", "user", user.id, changes, reason=REASON, ip=ip)
        issued.append(Issued(user.id, plan.kind, username, password, plan.name, plan.unit))
    return issued, left


def unused_accounts(kind: str) -> list[User]:
    """Accounts of `kind` nobody has signed in to yet (still on their initial password): those a re-issue resets."""
    stmt = (sa.select(User).options(selectinload(User.units), selectinload(User.member).selectinload(Member.sector))
            .where(User.role == KINDS[kind], User.active, ~User.is_demo, User.must_change_password,
                   User.last_login_at.is_(None)).order_by(User.username))
    return list(db.session.scalars(stmt))


def _describe(user: User) -> tuple[str, str, str]:
    """(kind, name, unit) of an account, as its slip prints them."""
    kind = next((k for k, role in KINDS.items() if role == user.role), "")
    if user.member is not None:
        return kind, user.member.name, _member_unit(user.member)
    return kind, user.display_name, "、".join(u.name for u in user.units)


def reissue(users: Iterable[User], actor: User | None, reason: str, config: Mapping[str, Any] | None = None,
            ip: str = "") -> list[Issued]:
    """Give each account a new one-time password to change at its next sign-in (the old slip stops working), lift
    any lockout and end its sessions; one audit entry each, with `reason`."""
    config = config if config is not None else current_app.config
    hashing = _one_time_config(config)
    policy = account_policy.current()
    issued = []
    for user in users:
        password = one_time_password(policy)
        changes: dict[str, tuple[Any, Any]] = {"password": ("", "")}
        changes.update(audit.diff(audit.snapshot(user, ("must_change_password", "failed_logins", "locked_until")),
                                  {"must_change_password": True, "failed_logins": 0, "locked_until": None}))  # a flag  # nosec B105
        set_password(user, password, hashing, must_change=True)  # which also ends the account's sessions
        forget_failures(user)
        audit.record(actor, "reset_password", "user", user.id, changes, reason=reason, ip=ip)
        kind, name, unit = _describe(user)
        issued.append(Issued(user.id, kind, user.username, password, name, unit))
    return issued


# --- the slips ------------------------------------------------------------------------------------------------------

def sign_in_address(base: str) -> str:
    """The sign-in page under the public address `base`."""
    return base.rstrip("/") + current_app.url_map.bind("localhost").build("auth.login")


def _role_label(kind: str) -> str:
    return _(KINDS[kind].label) if kind in KINDS else ""


def slips_pdf(issued: list[Issued], address: str, issuer: str, issued_on: dt.date | None = None) -> bytes:
    """The printable slips (账号通知单), three to an A4 page."""
    from reports import slips
    from reports.model import AccountSlip, AccountSlips
    batch = AccountSlips(tuple(AccountSlip(i.name, i.unit, _role_label(i.kind), i.username, i.password)
                               for i in issued), address, issuer, issued_on or beijing_today(), password_rule())
    return slips.account_slips(batch)


def slips_xlsx(issued: list[Issued], address: str) -> bytes:
    """The office's table of the accounts handed out, with a column to sign for the slip (签收)."""
    headers = [_("姓名"), _("单位"), _("角色"), _("用户名"), _("初始密码"), _("登录地址"), _("签收")]
    rows = ([i.name, i.unit, _role_label(i.kind), i.username, i.password, address, None] for i in issued)
    return table_xlsx(headers, rows, _("账号通知"))
