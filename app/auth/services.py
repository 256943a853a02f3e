"""Sign-in use cases: authenticate with lockout and a login log, change a password, end sessions. Flush, never commit.

Lockout counts wrong passwords per account and client address (LoginThrottle): after the account policy's number
in a row from one address, that address is locked out of that account for the policy's minutes, and other
addresses are not, so a stranger cannot lock a named account out. The whole account locks only after
LOGIN_ACCOUNT_MAX_FAILURES wrong passwords from all addresses together; an administrator can lift either lock.
Every count is one statement (INSERT … ON CONFLICT … RETURNING, UPDATE … RETURNING): parallel tries cannot read
the same count, and a try is counted before its password is checked, so no more tries are checked than the policy
allows. Every try runs argon2 once, whatever the outcome, and every refused sign-in reads the same message.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.auth import policy as account_policy
from app.auth import sessions
from app.auth.passwords import hash_password, hasher, policy_errors, verify_nothing, verify_password
from app.extensions import db
from app.models import LoginEvent, LoginThrottle, PasswordHistory, User
from app.timeutil import utcnow

LOCKED = ("locked", "locked_now", "account_locked")  # outcomes of `check_password` that stop this address


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""  # Chinese message for the form; empty on success


class LockedOut(Exception):
    """Too many wrong current passwords on the change-password page: the address is locked out like a sign-in."""


def refused(policy: account_policy.Policy) -> str:
    """The one message of every refused sign-in without the right password: no such user, a wrong password, a
    locked address or account. It names the lockout, so someone locked out knows to wait."""
    return _("用户名或密码错误。连续错误 %(n)s 次后，须等 %(minutes)s 分钟再试。",
             n=policy.login_max_failures, minutes=policy.login_lockout_minutes)


def log_event(username: str, user: User | None, ip: str, result: str, at: dt.datetime | None = None) -> None:
    db.session.add(LoginEvent(at=at or utcnow(), user_id=user.id if user else None, username=username[:40],
                              ip=ip[:64], result=result))
    db.session.flush()


def authenticate(username: str, password: str, ip: str, config: Mapping[str, Any]) -> LoginResult:
    """Check a sign-in attempt under the lockout (`check_password`); every attempt is in the login log. A disabled
    account or a demo account outside demo mode is named only to whoever gave its right password."""
    now = utcnow()
    policy = account_policy.current()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        verify_nothing(password, config)
        log_event(username, None, ip, "unknown_user", now)
        return LoginResult(None, refused(policy))
    result = check_password(user, password, ip, config, now=now, policy=policy)
    if result != "ok":
        log_event(username, user, ip, result, now)
        return LoginResult(None, refused(policy))
    if not user.active:
        log_event(username, user, ip, "disabled", now)
        return LoginResult(None, _("该账号已停用，请联系系统管理员。"))
    if user.is_demo and not config["DEMO_MODE"]:
        log_event(username, user, ip, "demo_off", now)
        return LoginResult(None, _("演示账号仅在演示模式下可用。"))
    if hasher(config).check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, config)
    user.last_login_at = now
    log_event(username, user, ip, "ok", now)
    return LoginResult(user)


def check_password(user: User, password: str, ip: str, config: Mapping[str, Any], *, now: dt.datetime | None = None,
                   policy: account_policy.Policy | None = None) -> str:
    """One try of `user`'s password from address `ip`: "ok" (and both counts start again), or why not:
    "bad_password"; "locked_now" (this try locked the address out of the account); "account_locked" (this try
    locked the account for every address, and ended its sessions); "locked" (not checked: the address or the
    account is locked, or the tries already counted from this address reach the limit). Runs argon2 once, whatever
    the outcome."""
    now = now or utcnow()
    policy = policy or account_policy.current()
    until = now + dt.timedelta(minutes=policy.login_lockout_minutes)
    tries, address_locked = _count_try(user.id, ip[:64], now)
    if address_locked or tries > policy.login_max_failures or (user.locked_until and user.locked_until > now):
        verify_nothing(password, config)
        return "locked"
    if verify_password(user.password_hash, password, config):
        db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                                          LoginThrottle.ip == ip[:64]))
        user.failed_logins = 0
        user.locked_until = None
        db.session.flush()
        return "ok"
    failures = db.session.execute(
        sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins), execution_options={"synchronize_session": "fetch"}).scalar_one()
    if failures >= config["LOGIN_ACCOUNT_MAX_FAILURES"]:
        user.failed_logins = 0
        user.locked_until = until
        sessions.end_all(user)
        return "account_locked"
    if tries >= policy.login_max_failures:
        db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                                          LoginThrottle.ip == ip[:64]).values(locked_until=until))
        return "locked_now"
    return "bad_password"


def _count_try(user_id: int, ip: str, now: dt.datetime) -> tuple[int, bool]:
    """Count one try of the account from `ip`, in one statement: (the tries counted, this one included; whether
    the address is locked out of the account). A lock that has run out starts the count again."""
    table = LoginThrottle.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    ended = table.c.locked_until <= now
    stmt = insert(table).values(user_id=user_id, ip=ip, failures=1, locked_until=None, last_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.user_id, table.c.ip], set_={
        "failures": sa.case((ended, 1), else_=table.c.failures + 1),
        "locked_until": sa.case((ended, sa.null()), else_=table.c.locked_until),
        "last_at": now,
    })
    tries, locked_until = db.session.execute(stmt.returning(table.c.failures, table.c.locked_until)).one()
    return tries, locked_until is not None


def change_password(user: User, current: str, new: str, ip: str, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Set a new password; returns errors by form field name, empty on success. A wrong current password counts
    as a failed sign-in from `ip` and is in the login log.

    :raises LockedOut: when the address is (or has just been) locked out of the account.
    """
    policy = account_policy.current()
    result = check_password(user, current, ip, config, policy=policy)
    if result != "ok":
        log_event(user.username, user, ip, "bad_current" if result == "bad_password" else result)
        if result in LOCKED:
            raise LockedOut(_("当前密码连续输错 %(n)s 次，已退出登录，请 %(minutes)s 分钟后再试。",
                              n=policy.login_max_failures, minutes=policy.login_lockout_minutes))
        return {"current": [_("当前密码不正确。")]}
    errors = policy_errors(new, policy)
    if not errors:
        earlier = db.session.scalars(
            sa.select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
            .order_by(PasswordHistory.id.desc()).limit(policy.password_history)).all()
        if any(verify_password(h, new, config) for h in [user.password_hash, *earlier]):
            if policy.password_history:
                errors.append(_("新密码不能与最近 %(n)s 次使用过的密码相同。", n=policy.password_history))
            else:
                errors.append(_("新密码不能与当前密码相同。"))
    if errors:
        return {"new": errors}
    set_password(user, new, config)
    return {}


def set_password(user: User, new: str, config: Mapping[str, Any], *, must_change: bool = False) -> None:
    """Store a new password hash, keeping the old one in the history, and end every session of the account
    signed in before (the one changing its own password starts again: `sessions.start`)."""
    if user.password_hash:
        db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    user.password_hash = hash_password(new, config)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    sessions.end_all(user)
    db.session.flush()


def address_locks(user: User, now: dt.datetime | None = None) -> list[LoginThrottle]:
    """The addresses locked out of `user` now, the latest lock first."""
    return list(db.session.scalars(
        sa.select(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.locked_until > (now or utcnow()))
        .order_by(LoginThrottle.locked_until.desc(), LoginThrottle.ip)))


def forget_failures(user: User) -> list[str]:
    """Lift every lock of `user` (the account's and each address's) and forget its failure counts; returns the
    addresses that were locked out."""
    locked = [t.ip for t in address_locks(user)]
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.user_id == user.id))
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    return locked
